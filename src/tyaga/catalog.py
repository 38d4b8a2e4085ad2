"""Bundled specs as package data, found by name or read from a user's file.

Kinds: ``cells`` (TOML), ``vehicles`` (TOML), ``cycles`` (CSV or TOML). A name resolves to
``tyaga/data/<kind>/<name>.<ext>``; anything that looks like a path (has a suffix or a separator)
is read as a user file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import typing
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from tyaga.errors import InputError, UnknownNameError

KINDS = {"cells": (".toml",), "vehicles": (".toml",), "cycles": (".csv", ".toml")}


def data_dir(kind: str) -> Path:
    """Folder of the bundled files of ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return Path(str(resources.files("tyaga") / "data" / kind))


def names(kind: str) -> list[str]:
    """Sorted names of the bundled specs of ``kind``."""
    folder = data_dir(kind)
    exts = KINDS[kind]
    return sorted(p.stem for p in folder.iterdir() if p.suffix in exts and not p.name.startswith("_"))


def looks_like_path(name_or_path: str | Path) -> bool:
    """True when ``name_or_path`` should be read as a file rather than looked up by name."""
    if isinstance(name_or_path, Path):
        return True
    return "/" in name_or_path or "\\" in name_or_path or Path(name_or_path).suffix != ""


def resolve(kind: str, name_or_path: str | Path) -> Path:
    """Path of a bundled spec by name, or of a user file; clear errors for either mistake."""
    if looks_like_path(name_or_path):
        path = Path(name_or_path)
        if not path.is_file():
            raise InputError(kind[:-1] + " file", str(path), "an existing file")
        return path
    folder = data_dir(kind)
    for ext in KINDS[kind]:
        path = folder / f"{name_or_path}{ext}"
        if path.is_file():
            return path
    raise UnknownNameError(kind[:-1], str(name_or_path), names(kind))


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into an :class:`InputError` naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError("TOML syntax", str(exc), "valid TOML", source=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("file contents", "binary data", "UTF-8 TOML text", source=str(path)) from None
    except OSError as exc:
        raise InputError("file", str(path), f"a readable file ({exc.strerror})", source=str(path)) from None


class _Missing:
    """Stands for a value that was not given (shown as ``(missing)`` in messages)."""

    def __repr__(self) -> str:
        return "(missing)"


MISSING: Any = _Missing()


class RuleError(InputError):
    """A rule across several keys of one table failed (e.g. two road-load forms given at once).

    ``field`` is the table, ``value`` the keys of that table the rule names (as given), ``allowed`` the rule.
    """

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        table = f"[{self.field}]" if self.field != "(top level)" else "the file"
        items = self.value.items() if isinstance(self.value, dict) else ()
        given = ", ".join(f"{k} = {v!r}" for k, v in items)
        return f"{where}{table}: {self.allowed} (given: {given or 'none of them'})"

    def with_source(self, source: str) -> InputError:
        return RuleError(self.field, self.value, self.allowed, source=source, hint=self.hint)


_BOUNDS = (("gt", "> "), ("ge", "≥ "), ("lt", "< "), ("le", "≤ "))
_SIGNS = {"greater_than": "> ", "greater_than_equal": "≥ ", "less_than": "< ", "less_than_equal": "≤ "}


def _number(x: object) -> str:
    if isinstance(x, int | float) and not isinstance(x, bool):
        return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))
    return str(x)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation refers to (``Body``, ``Body | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _field_at(
    model: type[BaseModel] | None, loc: tuple[int | str, ...]
) -> tuple[FieldInfo | None, type[BaseModel] | None]:
    """The field a location points to, and the model that holds it (``None`` where it cannot be followed)."""
    info: FieldInfo | None = None
    holder: type[BaseModel] | None = None
    for part in loc:
        if model is None:
            return None, None
        fields = {(f.alias or name): f for name, f in model.model_fields.items()} | model.model_fields
        info, holder = fields.get(str(part)), model
        if info is None:
            return None, holder
        model = _model_in(info.annotation)
    return info, holder


def describe_field(info: FieldInfo) -> str:
    """What a field takes, e.g. ``"a number > 0 and ≤ 60000"`` or ``"a whole number ≥ 1"``."""
    ann = info.annotation
    args = set(typing.get_args(ann)) - {type(None)} or {ann}
    if typing.get_origin(ann) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(ann))
    if _model_in(ann) is not None:
        return "a table"
    if args <= {int}:
        kind = "a whole number"
    elif args <= {int, float}:
        kind = "a number"
    elif args <= {str}:
        kind = "a text"
    elif args <= {bool}:
        kind = "true or false"
    else:
        kind = "a value"
    bounds = [f"{sign}{_number(getattr(m, key))}" for m in info.metadata for key, sign in _BOUNDS
              if getattr(m, key, None) is not None]
    return f"{kind} {' and '.join(bounds)}" if bounds else kind


def validation_error_to_input_error(
    exc: ValidationError, source: str | None, data: dict[str, Any], model: type[BaseModel] | None = None
) -> InputError:
    """Turn the first pydantic validation error into one :class:`InputError` (field, value, allowed).

    With ``model`` (the model that was validated) the allowed values are read from the field's declaration,
    so a wrong type or a value out of range names the whole range (``"a number > 0 and ≤ 60000"``); an
    unknown key gets a "did you mean"; a rule across keys (a model validator) becomes a :class:`RuleError`.
    """
    errors = exc.errors()
    err = next((e for e in errors if _misspelt(e, errors)), errors[0])
    loc_parts = tuple(err["loc"])
    loc = ".".join(str(p) for p in loc_parts) or "(top level)"
    value: object = err.get("input", "?")
    kind = err["type"]
    ctx = err.get("ctx") or {}
    info, holder = _field_at(model, loc_parts)
    hint = None
    if kind == "value_error" and isinstance(value, dict):
        rule = str(ctx.get("error", err["msg"]))
        raw = _raw_at(data, loc_parts)
        named = {k: v for k, v in raw.items() if re.search(rf"\b{re.escape(str(k))}\b", rule)}
        return RuleError(loc, named, rule, source=source)
    if kind == "missing":
        allowed = "a value (this field is required)" if info is None else f"{describe_field(info)} (required)"
        value = MISSING
    elif kind == "extra_forbidden":
        allowed = "no such field (unknown key)"
        if holder is not None:
            known = [f.alias or n for n, f in holder.model_fields.items() if not f.exclude]
            close = difflib.get_close_matches(str(loc_parts[-1]), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else None
    elif kind == "literal_error":
        allowed = str(ctx.get("expected", err["msg"]))
    elif info is not None and kind in _RANGE_OR_TYPE_ERRORS:
        allowed = describe_field(info)
    elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        limit = next(iter(ctx.values()), "?")
        allowed = f"{_SIGNS[kind]}{_number(limit)}"
    elif kind == "value_error":
        allowed = str(ctx.get("error", err["msg"]))
    elif kind in {"dict_type", "model_type", "model_attributes_type"}:
        allowed = "a table"
    else:
        allowed = err["msg"]
    if isinstance(value, dict):
        value = "{…}"
    return InputError(loc, value, allowed, source=source, hint=hint)


def _misspelt(err: Any, errors: list[Any]) -> bool:
    """True for an unknown key that is a misspelling of a missing one (``mas_kg`` for ``mass_kg``): that is
    the error to report, not the missing key."""
    if err["type"] != "extra_forbidden":
        return False
    table, key = tuple(err["loc"][:-1]), str(err["loc"][-1])
    missing = [str(e["loc"][-1]) for e in errors if e["type"] == "missing" and tuple(e["loc"][:-1]) == table]
    return bool(difflib.get_close_matches(key, missing, n=1, cutoff=0.6))


#: pydantic error types answered with the field's declared type and range.
_RANGE_OR_TYPE_ERRORS = {
    "greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number",
    "number_type", "float_type", "float_parsing", "int_type", "int_parsing", "int_from_float", "string_type",
    "bool_type", "dict_type", "model_type", "model_attributes_type",
}


def _raw_at(data: Any, loc: tuple[int | str, ...]) -> dict[str, Any]:
    """The raw (as read) table a location points to; ``{}`` when it is not there."""
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return {}
    return data if isinstance(data, dict) else {}
