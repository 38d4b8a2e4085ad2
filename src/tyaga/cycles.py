"""The drive-cycle library: bundled cycles loaded by name, or a user's CSV, GPX or TOML file.

>>> from tyaga import cycles
>>> cycles.names()  # doctest: +NORMALIZE_WHITESPACE
['ftp75', 'hwfet', 'nedc', 'udds', 'us06', 'wltc1', 'wltc2', 'wltc3a', 'wltc3b']
>>> round(cycles.load("wltc3b").distance_m)
23266

Bundled cycles are files in ``tyaga/data/cycles/``: measured tables as CSV (``time_s,speed_kmh``, 1 Hz,
t = 0 included, a ``# source:`` line on top) and cycles defined by a rule as TOML *recipes*: a list of
parts, each either an operation table (NEDC), a piece of another cycle (FTP-75 = UDDS + its first 505 s),
or a standstill. See ``docs/cycles.md`` for the formats, the sources and the choices made.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tyaga.catalog import looks_like_path, read_toml, resolve, validation_error_to_input_error
from tyaga.catalog import names as _names
from tyaga.cycle import DriveCycle, concatenate, from_csv, from_gpx, from_operations, standstill
from tyaga.errors import InputError


class RecipePart(BaseModel):
    """One part of a recipe: exactly one of ``operations_kmh_s``, ``cycle`` or ``standstill_s``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = ""
    repeat: int = Field(1, ge=1, le=10_000, description="Back-to-back copies of this part")
    operations_kmh_s: list[tuple[float, float, float]] | None = Field(
        None, description="Rows (speed_from_kmh, speed_to_kmh, duration_s); linear ramps, 1 Hz samples"
    )
    cycle: str | None = Field(None, description="A bundled cycle name, or a file path relative to the recipe")
    start_s: float | None = Field(None, ge=0, description="Start of the piece of `cycle` [s] (default 0)")
    end_s: float | None = Field(None, gt=0, description="End of the piece of `cycle` [s] (default: its end)")
    standstill_s: float | None = Field(None, gt=0, description="Time at rest [s], 1 Hz samples")

    @model_validator(mode="after")
    def _one_kind(self) -> RecipePart:
        kinds = [k for k in ("operations_kmh_s", "cycle", "standstill_s") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "each part needs exactly one of operations_kmh_s, cycle or standstill_s"
                + (f" (got {', '.join(kinds)})" if kinds else "")
            )
        if (self.start_s is not None or self.end_s is not None) and self.cycle is None:
            raise ValueError("start_s and end_s only go with cycle")
        return self


class CycleRecipe(BaseModel):
    """A cycle defined by a rule: parts joined end to start (see :func:`tyaga.cycle.concatenate`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: int = Field(1, ge=1, le=1)
    name: str | None = None
    source: str = Field(min_length=3, description="Where the definition comes from")
    notes: str = ""
    parts: list[RecipePart] = Field(min_length=1)


def names() -> list[str]:
    """Names of the bundled cycles, sorted."""
    return _names("cycles")


def load(name_or_path: str | Path) -> DriveCycle:
    """Load a bundled cycle by name, or a cycle file by path.

    Parameters
    ----------
    name_or_path:
        A bundled name (see :func:`names`), or a path to a ``.csv`` (:func:`tyaga.cycle.from_csv`),
        ``.gpx`` (:func:`tyaga.cycle.from_gpx`) or ``.toml`` recipe file.

    Raises
    ------
    UnknownNameError
        For a name that is not bundled (with a "did you mean").
    InputError
        For a file that cannot be read as a cycle.
    """
    return _load(name_or_path, base=None, stack=())


def _load(name_or_path: str | Path, base: Path | None, stack: tuple[Path, ...]) -> DriveCycle:
    if base is not None and isinstance(name_or_path, str) and _is_relative_path(name_or_path):
        name_or_path = base / name_or_path
    path = resolve("cycles", name_or_path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return _from_recipe(path, stack)
    if suffix == ".gpx":
        return from_gpx(path)
    if suffix in {".csv", ".txt"}:
        return from_csv(path)
    raise InputError("cycle file", str(path), "a .csv, .gpx or .toml file")


def _is_relative_path(text: str) -> bool:
    return looks_like_path(text) and not Path(text).is_absolute()


def _from_recipe(path: Path, stack: tuple[Path, ...]) -> DriveCycle:
    key = path.resolve()
    if key in stack:
        chain = " → ".join(p.name for p in (*stack, key))
        raise InputError(
            "cycle", path.stem, "a recipe that does not include itself", source=str(path), hint=chain
        )
    data = read_toml(path)
    try:
        recipe = CycleRecipe.model_validate(data)
    except ValidationError as exc:
        raise validation_error_to_input_error(exc, str(path), data) from None
    name = recipe.name or path.stem
    pieces: list[DriveCycle] = []
    for i, part in enumerate(recipe.parts):
        label = part.label or f"part {i + 1}"
        try:
            piece = _build_part(part, label, path, (*stack, key))
        except InputError as exc:
            if exc.source is None:
                raise InputError(
                    f"parts[{i}] ({label}): {exc.field}",
                    exc.value,
                    exc.allowed,
                    source=str(path),
                    hint=exc.hint,
                ) from None
            raise
        pieces.extend([piece] * part.repeat)
    return concatenate(pieces, name=name, source=recipe.source)


def _build_part(part: RecipePart, label: str, path: Path, stack: tuple[Path, ...]) -> DriveCycle:
    if part.operations_kmh_s is not None:
        return from_operations(part.operations_kmh_s, name=label)
    if part.standstill_s is not None:
        return standstill(part.standstill_s, name=label)
    assert part.cycle is not None
    base = _load(part.cycle, base=path.parent, stack=stack)
    if part.start_s is None and part.end_s is None:
        return base
    start = part.start_s or 0.0
    end = base.duration_s if part.end_s is None else part.end_s
    return base.between(start, end)


def ftp75(soak_s: float = 0.0) -> DriveCycle:
    """FTP-75 (EPA city test, 40 CFR 86): UDDS, an optional soak at rest, then UDDS 0 … 505 s.

    Parameters
    ----------
    soak_s:
        Time at rest between bag 2 and bag 3 [s]. The regulation has a 10-min (600 s) engine-off soak;
        the default 0 gives the usual 1874 s driving schedule (the same as ``load("ftp75")``).
    """
    udds = load("udds")
    parts = [udds]
    if soak_s > 0:
        parts.append(standstill(soak_s, name="soak"))
    elif soak_s < 0:
        raise InputError("soak_s", soak_s, "≥ 0 s")
    parts.append(udds.between(0.0, 505.0))
    suffix = f" with a {soak_s:g} s soak" if soak_s > 0 else ""
    source = "40 CFR Part 86 (FTP-75 = UDDS + UDDS 0–505 s" + suffix + "), built from the bundled UDDS"
    return concatenate(parts, name="ftp75", source=source)


__all__ = ["CycleRecipe", "RecipePart", "ftp75", "load", "names"]
