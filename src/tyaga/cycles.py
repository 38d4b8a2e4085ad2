"""The drive-cycle library: bundled cycles loaded by name, or a user's CSV, GPX or TOML file.

>>> from tyaga import cycles
>>> cycles.names()  # doctest: +NORMALIZE_WHITESPACE
['ftp75', 'hwfet', 'nedc', 'udds', 'us06', 'wltc1', 'wltc2', 'wltc3a', 'wltc3b']
>>> round(cycles.load("wltc3b").distance_m)
23266

Generated cycles (:func:`generated_names`: SORT 1/2/3) are built by :mod:`tyaga.route` from their
defining parameters when loaded. Cycles whose data cannot be shipped (Braunschweig, Manhattan bus) have
only reference statistics here (:data:`REFERENCE_STATISTICS`): :func:`load_checked` reads a user's file
and checks it against them.

Bundled cycles are files in ``tyaga/data/cycles/``: measured tables as CSV (``time_s,speed_kmh``, 1 Hz,
t = 0 included, a ``# source:`` line on top) and cycles defined by a rule as TOML *recipes*: a list of
parts, each either an operation table (NEDC), a piece of another cycle (FTP-75 = UDDS + its first 505 s),
or a standstill. See ``docs/cycles.md`` for the formats, the sources and the choices made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tyaga.catalog import looks_like_path, read_toml, resolve, validation_error_to_input_error
from tyaga.catalog import names as _names
from tyaga.cycle import DriveCycle, concatenate, from_csv, from_gpx, from_operations, standstill, statistics
from tyaga.errors import InputError, UnknownNameError


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
    """Names of the bundled cycle files, sorted (see also :func:`generated_names` and :func:`all_names`)."""
    return _names("cycles")


def _sort_builder(name: str) -> Callable[[], DriveCycle]:
    def build() -> DriveCycle:
        from tyaga.route import sort  # imported here: tyaga.route is only needed for generated cycles

        return sort(name)

    return build


#: Cycles generated in code when loaded by name: name → builder.
GENERATED: dict[str, Callable[[], DriveCycle]] = {n: _sort_builder(n) for n in ("sort1", "sort2", "sort3")}


def generated_names() -> list[str]:
    """Names of the cycles generated in code (``load`` builds them), sorted: SORT 1/2/3."""
    return sorted(GENERATED)


def all_names() -> list[str]:
    """Every name :func:`load` accepts: bundled files and generated cycles, sorted."""
    return sorted({*names(), *GENERATED})


def load(name_or_path: str | Path) -> DriveCycle:
    """Load a bundled cycle by name, or a cycle file by path.

    Parameters
    ----------
    name_or_path:
        A bundled name (see :func:`names`, :func:`generated_names`), or a path to a ``.csv``
        (:func:`tyaga.cycle.from_csv`), ``.gpx`` (:func:`tyaga.cycle.from_gpx`) or ``.toml`` recipe file, or
        to a route-by-distance file (:func:`is_route_file`; driven by :func:`tyaga.route.generate`).

    Raises
    ------
    UnknownNameError
        For a name that is not bundled (with a "did you mean").
    InputError
        For a file that cannot be read as a cycle.
    """
    return _load(name_or_path, base=None, stack=())


def _load(name_or_path: str | Path, base: Path | None, stack: tuple[Path, ...]) -> DriveCycle:
    if isinstance(name_or_path, str) and name_or_path in GENERATED:
        return GENERATED[name_or_path]()
    if isinstance(name_or_path, str) and not looks_like_path(name_or_path) and name_or_path not in names():
        raise UnknownNameError("cycle", name_or_path, all_names())
    if base is not None and isinstance(name_or_path, str) and _is_relative_path(name_or_path):
        name_or_path = base / name_or_path
    path = resolve("cycles", name_or_path)
    suffix = path.suffix.lower()
    if is_route_file(path):
        from tyaga import route  # a route by distance: driven by the default driver model

        return route.generate(route.load(path)).cycle
    if suffix == ".toml":
        return _from_recipe(path, stack)
    if suffix == ".gpx":
        return from_gpx(path)
    if suffix in {".csv", ".txt"}:
        return from_csv(path)
    raise InputError("cycle file", str(path), "a .csv, .gpx or .toml file")


def is_route_file(path: str | Path) -> bool:
    """True for a route-by-distance file (:func:`tyaga.route.load`): a CSV whose header has ``length_m``, or a
    TOML with a ``[[segments]]`` table array. Such a file loads as a cycle driven by the default driver."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix in {".csv", ".txt"}:
            with p.open(encoding="utf-8-sig") as fh:
                for line in fh:
                    if line.strip() and not line.lstrip().startswith("#"):
                        return "length_m" in [c.strip() for c in line.split(",")]
            return False
        if suffix == ".toml":
            return "segments" in read_toml(p)
    except (OSError, UnicodeDecodeError, InputError):
        return False
    return False


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


# -- user-file cycles checked against published statistics ------------------------------------------


@dataclass(frozen=True)
class ReferenceStatistics:
    """Published statistics of a cycle that is not shipped, to check a user's copy against.

    Parameters
    ----------
    name, title:
        Registry key and full name.
    source:
        Where the figures were published.
    figures:
        ``statistic → (reference value, tolerance)``; keys are those of :func:`tyaga.cycle.statistics`
        (``duration_s`` [s], ``distance_km`` [km], ``max_speed_kmh`` / ``mean_speed_kmh`` [km/h],
        ``stop_time_fraction`` [–]); the tolerance is absolute, in the same unit.
    notes:
        How the tolerances were chosen.
    """

    name: str
    title: str
    source: str
    figures: dict[str, tuple[float, float]]
    notes: str = ""


_UNITS = {
    "duration_s": "s",
    "distance_km": "km",
    "max_speed_kmh": "km/h",
    "mean_speed_kmh": "km/h",
    "stop_time_fraction": "",
}

#: Reference statistics of the bus cycles tyaga cannot ship (data-sources.md §1: DieselNet figures).
#: Tolerances: duration 1 % (copies differ by a trailing sample or two), maximum speed 1 %, mean speed 2 %,
#: distance 2 % (Braunschweig's published distance is only "about 10.9–11 km") or 3 % (Manhattan: derived as
#: mean × duration), stop share ± 0.04 (its definition varies between sources).
REFERENCE_STATISTICS: dict[str, ReferenceStatistics] = {
    "braunschweig": ReferenceStatistics(
        name="braunschweig",
        title="Braunschweig city bus cycle",
        source="TU Braunschweig research cycle; figures from DieselNet (data-sources.md §1)",
        figures={
            "duration_s": (1740.0, 17.4),
            "distance_km": (10.95, 0.22),
            "max_speed_kmh": (58.2, 0.58),
            "mean_speed_kmh": (22.9, 0.46),
            "stop_time_fraction": (0.22, 0.04),
        },
    ),
    "manhattan": ReferenceStatistics(
        name="manhattan",
        title="Manhattan bus cycle",
        source="WVU (Clark et al., 2000); figures from DieselNet: 1089 s, 25.4 mph max, 6.8 mph mean "
        "(data-sources.md §1); distance = mean × duration",
        figures={
            "duration_s": (1089.0, 10.9),
            "distance_km": (3.33, 0.10),
            "max_speed_kmh": (40.9, 0.41),
            "mean_speed_kmh": (11.0, 0.22),
        },
    ),
}


def reference_names() -> list[str]:
    """Names of the cycles with reference statistics only (a user supplies the file), sorted."""
    return sorted(REFERENCE_STATISTICS)


def load_checked(path: str | Path, reference: str) -> DriveCycle:
    """Read a user's copy of a cycle that is not shipped and check it against the published statistics.

    Parameters
    ----------
    path:
        The cycle file (``.csv``, ``.gpx`` or ``.toml``, as :func:`load`).
    reference:
        A key of :data:`REFERENCE_STATISTICS` (``"braunschweig"``, ``"manhattan"``).

    Returns
    -------
    DriveCycle
        The cycle, named ``reference``, when every statistic is within its tolerance.

    Raises
    ------
    UnknownNameError
        For an unknown ``reference``.
    InputError
        Naming the first statistic that is off, the value measured and the reference ± tolerance.
    """
    if reference not in REFERENCE_STATISTICS:
        raise UnknownNameError("reference cycle", str(reference), REFERENCE_STATISTICS)
    ref = REFERENCE_STATISTICS[reference]
    p = Path(path)
    cycle = load(p)
    stats = statistics(cycle)
    for key, (value, tol) in ref.figures.items():
        got = float(stats[key])
        if abs(got - value) > tol:
            unit = _UNITS[key]
            raise InputError(
                f"{key} of the cycle",
                round(got, 4),
                f"{value:g} ± {tol:g}{' ' + unit if unit else ''} (published {ref.title}: {ref.source})",
                source=str(p),
                hint=f"the file does not look like the {ref.title}",
            )
    return DriveCycle(reference, cycle.time_s, cycle.speed_mps, cycle.grade, cycle.source or str(p))


__all__ = [
    "GENERATED",
    "REFERENCE_STATISTICS",
    "CycleRecipe",
    "RecipePart",
    "ReferenceStatistics",
    "all_names",
    "ftp75",
    "generated_names",
    "is_route_file",
    "load",
    "load_checked",
    "names",
    "reference_names",
]
