"""The cell library: bundled cells loaded by name, or a user's cell TOML file.

>>> import tyaga
>>> cell = tyaga.cells.load("lfp-sony-us26650")   # doctest: +SKIP
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import ValidationError

from tyaga.catalog import names as _names
from tyaga.catalog import read_toml, resolve, validation_error_to_input_error
from tyaga.cell import CellSpec, TableValueError
from tyaga.errors import InputError


def names() -> list[str]:
    """Names of the bundled cells."""
    return _names("cells")


def load(name_or_path: str | Path) -> CellSpec:
    """Load a bundled cell by name or a cell TOML file by path (parsed once per file version)."""
    path = resolve("cells", name_or_path)
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _load(path_str: str, mtime_ns: int) -> CellSpec:
    path = Path(path_str)
    data = read_toml(path)
    try:
        return CellSpec.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():  # a bad table entry names itself exactly (e.g. ecm.r0_ohm[1][3])
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, TableValueError):
                raise InputError(cause.field, cause.value, cause.allowed, source=str(path)) from None
        raise validation_error_to_input_error(exc, str(path), data, CellSpec) from None
