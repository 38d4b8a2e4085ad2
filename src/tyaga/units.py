"""Unit conversions used at the boundary (files, CLI). Inside tyaga everything is SI."""

from __future__ import annotations

KMH_PER_MPS = 3.6
MPS_PER_MPH = 0.44704
J_PER_WH = 3600.0
WH_PER_KWH = 1000.0
KELVIN_OFFSET = 273.15
STANDARD_GRAVITY_MPS2 = 9.80665


def kmh_to_mps(speed_kmh):  # type: ignore[no-untyped-def]
    """km/h → m/s (works on floats and arrays)."""
    return speed_kmh / KMH_PER_MPS


def mps_to_kmh(speed_mps):  # type: ignore[no-untyped-def]
    """m/s → km/h (works on floats and arrays)."""
    return speed_mps * KMH_PER_MPS


def mph_to_mps(speed_mph):  # type: ignore[no-untyped-def]
    """mph → m/s (works on floats and arrays)."""
    return speed_mph * MPS_PER_MPH


def kwh_to_wh(energy_kwh):  # type: ignore[no-untyped-def]
    """kWh → Wh."""
    return energy_kwh * WH_PER_KWH


def j_to_wh(energy_j):  # type: ignore[no-untyped-def]
    """J → Wh."""
    return energy_j / J_PER_WH


def c_to_k(temperature_c):  # type: ignore[no-untyped-def]
    """°C → K."""
    return temperature_c + KELVIN_OFFSET
