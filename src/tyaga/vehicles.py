"""The vehicle library: bundled vehicles loaded by name, or a user's vehicle TOML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tyaga.catalog import names as _names
from tyaga.catalog import read_toml, resolve
from tyaga.vehicle import VehicleSpec, parse_vehicle

#: The vehicle ``tyaga simulate`` runs when none is named.
DEFAULT_VEHICLE = "compact-crossover-66kwh"


def names() -> list[str]:
    """Names of the bundled vehicles."""
    return _names("vehicles")


def load(name_or_path: str | Path) -> VehicleSpec:
    """Load a bundled vehicle by name or a vehicle TOML file by path (class defaults applied)."""
    path = resolve("vehicles", name_or_path)
    data = read_toml(path)
    return parse_vehicle(data, source=str(path), base_dir=str(path.parent))


def from_dict(data: dict[str, Any], source: str | None = None) -> VehicleSpec:
    """Build a vehicle from a dict shaped like the TOML file (class defaults applied)."""
    return parse_vehicle(data, source=source)
