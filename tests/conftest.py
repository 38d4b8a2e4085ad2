"""Shared fixtures and helpers for tyaga's tests."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

from tyaga.cycle import DriveCycle

IN_CI = os.environ.get("CI") == "true"

# In CI the property tests draw the same examples on every run (a failure there is reproducible, and a
# green run stays green without a change); elsewhere they draw new ones each run, which is how new
# failing cases are found.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


def require(module: str) -> Any:
    """Import an oracle package: in CI a missing package is a failure, elsewhere the test is skipped."""
    if IN_CI:
        return __import__(module)
    return pytest.importorskip(module)


def car_dict(**changes: Any) -> dict[str, Any]:
    """A plain compact-car vehicle dict (shortcut battery); ``changes`` maps "table.key" → value."""
    data: dict[str, Any] = {
        "format_version": 1,
        "name": "test-car",
        "class": "car",
        "body": {"mass_kg": 1500.0, "drag_coefficient": 0.28, "frontal_area_m2": 2.3,
                 "rolling_resistance_coefficient": 0.008},
        "powertrain": {"motor_peak_power_kw": 120.0, "motor_peak_torque_nm": 300.0},
        "battery": {"usable_energy_kwh": 60.0, "nominal_voltage_v": 400.0},
    }
    for key, value in changes.items():
        table, _, field = key.partition(".")
        if field:
            if value is None:
                data[table].pop(field, None)
            else:
                data[table][field] = value
        else:
            data[table] = value
    return data


def ramp_cycle(v_max_kmh: float = 80.0, hold_s: float = 60.0, grade: float = 0.0) -> DriveCycle:
    """Accelerate from rest to ``v_max_kmh`` in 20 s, hold, brake to rest in 20 s, stand 10 s (1 Hz)."""
    t = np.arange(0.0, 50.0 + hold_s + 1.0)
    v = np.interp(t, [0, 20, 20 + hold_s, 40 + hold_s, 50 + hold_s], [0, v_max_kmh, v_max_kmh, 0, 0]) / 3.6
    return DriveCycle("ramp", t, v, np.full(t.size, grade))
