"""Bundled specs as package data, found by name or read from a user's file.

Kinds: ``cells`` (TOML), ``vehicles`` (TOML), ``cycles`` (CSV or TOML). A name resolves to
``tyaga/data/<kind>/<name>.<ext>``; anything that looks like a path (has a suffix or a separator)
is read as a user file.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

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


def validation_error_to_input_error(exc: ValidationError, source: str | None, data: dict[str, Any]) -> InputError:
    """Turn the first pydantic validation error into one :class:`InputError` (field, value, allowed)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    value: object = err.get("input", "?")
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        allowed = "a value (this field is required)"
        value = "(missing)"
    elif kind == "extra_forbidden":
        allowed = "no such field (unknown key)"
    elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bounds = {"greater_than": "> ", "greater_than_equal": "≥ ", "less_than": "< ", "less_than_equal": "≤ "}
        limit = next(iter(ctx.values()), "?")
        allowed = f"{bounds[kind]}{limit}"
    elif kind == "literal_error":
        allowed = str(ctx.get("expected", err["msg"]))
    elif kind == "value_error":
        allowed = str(ctx.get("error", err["msg"]))
        if isinstance(value, dict):
            value = "(see message)"
    else:
        allowed = err["msg"]
    if isinstance(value, dict):
        value = "{…}"
    return InputError(loc, value, allowed, source=source)
