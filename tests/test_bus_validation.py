"""12 m battery buses against published ranges (tests/data/bus_energy_consumption.csv and its SOURCE.md).

No figure with all its inputs exists (SOURCE.md says why); each test states the band it can check and why."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import tyaga
from tyaga import vehicles
from tyaga.battery import pack_for_vehicle

DATA = Path(__file__).parent / "data" / "bus_energy_consumption.csv"
BUS = "city-bus-12m-285kwh"


def _row(key: str) -> dict[str, str]:
    with DATA.open(encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    return rows[key]


def test_kamaz_6282_night_charge_range() -> None:
    """KAMAZ-6282 ONC: 499 kWh, "not less than 230 km" at +10 °C with 50 % load. tyaga's 12 m bus look-alike
    rebuilt with a pack of about that energy (192s14p of the CALB cell: 492 kWh nominal) and +1500 kg for the
    211 kWh more of pack (≈ 7 kg/kWh at pack level, an assumption), 42 of 85 passengers × 68 kg, heating on
    at +10 °C, on SORT 2 (a stand-in for a Moscow city line, mean 18.5 km/h). The figure is a stated minimum,
    so the band is one-sided in spirit: at least 230 km less 15 % (the route and HVAC duty are not stated),
    and below 1.5 × 230 km (a manufacturer's minimum is not that far below what the bus does)."""
    row = _row("kamaz-6282-onc")
    claim = float(row["value"])
    base = vehicles.load(BUS)
    big = base.model_copy(update={"name": "kamaz-6282-like",
                                  "battery": base.battery.model_copy(update={"parallel": 14}),
                                  "body": base.body.model_copy(update={"mass_kg": base.body.mass_kg + 1500.0})})
    nominal_kwh = pack_for_vehicle(big).nominal_voltage_v * pack_for_vehicle(big).capacity_ah / 1000.0
    assert nominal_kwh == pytest.approx(float(row["battery_kwh"]), rel=0.03)
    res = tyaga.simulate(big, "sort2", ambient_c=10.0, payload_kg=42 * 68.0, timeseries=False,
                         with_acceleration=False)
    km = float(res.summary["range_km"].iloc[0])
    assert 0.85 * claim <= km <= 1.5 * claim, km


def test_maz_303e10_claimed_range() -> None:
    """MAZ-303E10: 285 kWh, "up to 300 km". A claimed maximum, so compared with tyaga's most favourable
    conditions: the bundled look-alike (281 kWh) with the climate control off on SORT 2 and SORT 3, within
    ± 20 % (no conditions published: the band covers mild weather and a route a little faster or slower)."""
    claim = float(_row("maz-303e10")["value"])
    for cyc in ("sort2", "sort3"):
        res = tyaga.simulate(BUS, cyc, timeseries=False, with_acceleration=False)
        km = float(res.summary["range_km"].iloc[0])
        assert 0.8 * claim <= km <= 1.2 * claim, (cyc, km)
