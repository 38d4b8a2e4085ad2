"""A trolleybus under the overhead line (engine step 9, ``simulate(..., under_wire=...)``): the issue's three
checks — energy balance with the line, a route fully under the wire never draws on the battery, fully off
the wire equals a battery bus of the same mass — and the limits of the collector and of in-motion charging."""

from __future__ import annotations

import numpy as np
import pytest

from tyaga import vehicles
from tyaga.chain import simulate
from tyaga.cycles import load as load_cycle
from tyaga.errors import InputError
from tyaga.vehicle import Collector

BUS = "city-bus-12m-285kwh"
PARTS = ["energy_wheel_wh", "energy_drivetrain_loss_wh", "energy_friction_brake_wh", "energy_aux_wh",
         "energy_battery_loss_wh"]


def trolleybus(line_v: float = 750.0, current_a: float = 400.0, charge_kw: float = 100.0):  # type: ignore[no-untyped-def]
    """The bundled 12 m battery bus with collectors on a DC line (same mass, battery and powertrain)."""
    spec = vehicles.load(BUS)
    return spec.model_copy(update={"name": "trolleybus-12m", "collector": Collector(
        line_voltage_v=line_v, collector_max_current_a=current_a, wire_charge_max_kw=charge_kw)})


def run(spec, wire, soc: float | None = 0.6, cycle: str = "wltc1"):  # type: ignore[no-untyped-def]
    cyc = load_cycle(cycle)
    w = np.full(cyc.time_s.size, wire) if np.isscalar(wire) else wire
    return simulate(spec, cyc, soc_initial=soc, under_wire=w, with_range=False, with_acceleration=False)


def test_energy_balance_closes_with_the_line() -> None:
    """line + chemical = wheel + drivetrain + friction + aux + battery loss, to 1e-9 of the throughput, with
    the wire on half of the cycle (charging from the line on the wire, discharging off it)."""
    cyc = load_cycle("wltc1")
    wire = (np.arange(cyc.time_s.size) < cyc.time_s.size // 2).astype(float)
    row = run(trolleybus(), wire).summary.iloc[0]
    assert row["energy_line_wh"] > 0.0 and 0.0 < row["wire_s"] < row["time_s"]
    parts = sum(row[k] for k in PARTS)
    scale = abs(row["energy_chemical_wh"]) + row["energy_line_wh"] + sum(abs(row[k]) for k in PARTS)
    assert abs(row["energy_line_wh"] + row["energy_chemical_wh"] - parts) / scale < 1e-9


def test_fully_under_the_wire_never_draws_on_the_battery() -> None:
    """Every step under the wire: the battery's terminal power is never positive (it only charges, from the
    line and regen); with in-motion charging off it is never discharged at all and only regen reaches it."""
    res = run(trolleybus(), 1.0)
    ts = res.timeseries
    assert ts is not None
    p_batt = ts["battery_power_w"].values[0, 1:]
    assert p_batt.max() <= 1e-9
    assert res.summary["soc_end"].iloc[0] > 0.6                      # charged on the way
    line = ts["line_power_w"].values[0, 1:]
    assert line.max() <= 750.0 * 400.0 * (1 + 1e-12)                # the collector's limit
    no_charge = run(trolleybus(charge_kw=0.0), 1.0)
    assert no_charge.timeseries["battery_power_w"].values[0, 1:].max() <= 1e-9
    assert no_charge.summary["energy_regen_wh"].iloc[0] > 0.0


def test_fully_off_the_wire_is_the_battery_bus() -> None:
    """No step under the wire: every summary figure equals the battery bus of the same mass, exactly."""
    cyc = load_cycle("wltc1")
    off = run(trolleybus(), 0.0).summary.iloc[0]
    bus = simulate(BUS, cyc, soc_initial=0.6, with_range=False, with_acceleration=False).summary.iloc[0]
    for key in ["distance_km", "energy_dc_wh_per_km", "soc_end", *PARTS, "energy_chemical_wh"]:
        assert off[key] == bus[key], key
    assert off["energy_line_wh"] == 0.0 and off["wire_s"] == 0.0


def test_a_weak_line_shares_the_traction_with_the_battery_and_an_empty_battery_still_runs_on_the_wire() -> None:
    """A collector limited to 100 kW: the battery supplies the rest of a hard acceleration. A battery at the
    end of its window still drives under the wire (the line alone), and is not discharged further."""
    weak = run(trolleybus(current_a=100e3 / 750.0, charge_kw=0.0), 1.0, cycle="wltc3b")
    ts = weak.timeseries
    assert ts is not None
    assert ts["line_power_w"].values.max() <= 100e3 * (1 + 1e-12)
    assert ts["battery_power_w"].values.max() > 1e3
    spec = trolleybus(charge_kw=0.0)
    empty = run(spec, 1.0, soc=spec.battery.soc_min)
    row = empty.summary.iloc[0]
    assert row["distance_km"] > 5.0 and row["exhausted_s"] == 0.0
    assert row["soc_end"] >= spec.battery.soc_min - 1e-12


def test_under_wire_flags_are_checked() -> None:
    with pytest.raises(InputError, match="under_wire"):
        run(trolleybus(), np.zeros(5))
    with pytest.raises(InputError, match="collector_max_current_a"):
        vehicles.from_dict({**vehicles.load(BUS).model_dump(by_alias=True, exclude={"base_dir"}),
                            "collector": {"line_voltage_v": 750, "collector_max_current_a": -1}})
