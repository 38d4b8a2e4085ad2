"""Charging (src/tyaga/charging.py, docs/charging.md): CC-CV, constant-power DC, AC, pantograph and depot charges
built on the protocol runner.

What is checked:

* a charge to 80 % stops at 80 % of the defined (coulombic) SOC, to 1e-6 — for a cell-built pack, a
  shortcut pack and a cell;
* one charge-current temperature model: the limit is ``thermal.current_limit_factor`` (the cell's charge
  window with a linear band) × rated × taper at every row, inside the window, in the band and below it (0);
  the Arrhenius law acts on the resistance only;
* a pack in the band (5 °C) charges slower than a warm one (25 °C), and a pack warming during the charge
  (a temperature history) lies between; a pack outside its window with no heater is a clear error;
* thermal coupling (``thermal="auto"``): a −10 °C pack is heated by the BTMS from the charger, then charges;
  the heat balance closes, grid = battery/η + BTMS energy; a heater too weak for the ambient is an error;
* energy balance: grid = stored + RC + battery losses + charger losses (to 1e-9 relative), the battery
  losses equal the integral of I²R0 + Σ v²/R of the time series (to 1 %), and a closed form for a flat-OCV,
  R-only pack (constant power → constant current);
* the CP phase obeys the charger power, the CV phase holds the voltage, the current never exceeds the limit;
* AC: the battery receives η × min(supply, OBC) and the grid delivers battery / η;
* bad input (target SOC not above the start, charger power ≤ 0, unknown vehicle or charger kind, a cell
  temperature outside the charge range) — one clear message naming field, value and allowed range;
* published figures of two real EVs (tests/data/charging_curves.csv, sources in charging_curves.SOURCE.md);
* the CLI (`tyaga charge`): table, --json keys, --out files, exit code 2 on bad input.
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tyaga import cells, thermal, vehicles
from tyaga.battery import pack_for_vehicle, pack_shortcut
from tyaga.cell import arrhenius_factor
from tyaga.charging import (
    DEFAULT_TAPER,
    ChargingRangeWarning,
    charge,
    charge_many,
    default_charge_thermal,
    default_taper,
    ocv_energy_wh,
    pack_from_published,
    temperature_series,
)
from tyaga.cli import app
from tyaga.errors import InputError

DATA = Path(__file__).parent / "data" / "charging_curves.csv"
EV = "compact-ev-150kw"  # 96s2p Samsung 94 Ah NMC, 2C charge limit


def quiet(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
    """charge() with range warnings silenced (tests of the warning itself are below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChargingRangeWarning)
        return charge(*args, **kwargs)  # type: ignore[arg-type]


# ============================================================================================== the SOC stop


@pytest.mark.parametrize("target", [EV, "compact-crossover-66kwh", "city-bus-12m-285kwh", "van-utility-90kwh-lfp"])
def test_charge_to_80_stops_at_80(target: str) -> None:
    res = charge(target, 0.10, 0.80, 150e3)
    assert res.summary["soc_end"] == pytest.approx(0.80, abs=1e-6)
    assert res.data["soc"].max() <= 0.80 + 1e-9
    assert res.data["soc"].iloc[0] == pytest.approx(0.10, abs=1e-12)
    assert res.summary["end_reason"] == "soc 80 %"
    assert np.all(np.diff(res.data["soc"].to_numpy()) >= -1e-12)  # a charge never lowers the SOC


def test_cell_level_cc_cv_stops_at_target() -> None:
    cell = cells.load("nmc-lg-m50")
    res = charge(cell, 0.2, 0.98, None, taper=((0.0,), (1.0,)))  # no power limit: CC at the limit, CV at 4.2 V
    assert res.summary["soc_end"] == pytest.approx(0.98, abs=1e-6)
    assert set(res.data["phase"]) == {"CC", "CV"}
    assert res.summary["cv_start_soc"] is not None and res.summary["cv_start_soc"] < 0.98
    lab = charge(cell, 0.2, 0.6, None, charger_current_a=2.0)  # a 2 A supply, below the tapered 0.7C limit
    assert lab.data["charge_current_a"].max() == pytest.approx(2.0, rel=1e-12)
    assert lab.summary["duration_s"] == pytest.approx(0.4 * cell.capacity_ah * 3600 / 2.0, rel=1e-9)


# ============================================================================================== temperature


def test_pack_in_the_band_charges_slower_than_warm() -> None:
    """Inside the derating band (0 … 10 °C for a 0 … 45 °C cell) the current falls linearly to 0 at 0 °C."""
    warm = charge(EV, 0.10, 0.80, 150e3, ambient_c=25.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChargingRangeWarning)  # inside the range: no warning
        cool = charge(EV, 0.10, 0.80, 150e3, ambient_c=5.0)
        cold = charge(EV, 0.10, 0.80, 150e3, ambient_c=1.0)
    assert warm.summary["duration_s"] < cool.summary["duration_s"] < cold.summary["duration_s"]
    assert cold.summary["peak_power_w"] < cool.summary["peak_power_w"] < warm.summary["peak_power_w"]
    assert cold.summary["time_10_80_s"] > 1.5 * warm.summary["time_10_80_s"]
    # at 12 °C the current limit is the full one; the Arrhenius law still raises the resistance: more losses
    mild = charge(EV, 0.10, 0.95, 150e3, ambient_c=12.0)
    ref = charge(EV, 0.10, 0.95, 150e3, ambient_c=25.0)
    assert mild.summary["current_limit_start_a"] == ref.summary["current_limit_start_a"]
    assert mild.summary["battery_loss_wh"] > 1.2 * ref.summary["battery_loss_wh"]
    assert mild.summary["duration_s"] >= ref.summary["duration_s"]


def test_preconditioned_and_warming_pack() -> None:
    """A cell temperature given apart from ambient (preconditioned), and a history warming from 2 to 25 °C."""
    cold = charge(EV, 0.10, 0.80, 150e3, ambient_c=2.0)
    pre = charge(EV, 0.10, 0.80, 150e3, ambient_c=-10.0, temperature_c=25.0)
    warm = charge(EV, 0.10, 0.80, 150e3, ambient_c=25.0)
    assert pre.summary["duration_s"] == pytest.approx(warm.summary["duration_s"], rel=1e-12)
    heating = temperature_series([0.0, 1200.0], [2.0, 25.0])
    mid = charge(EV, 0.10, 0.80, 150e3, ambient_c=2.0, temperature_c=heating)
    assert warm.summary["duration_s"] < mid.summary["duration_s"] < cold.summary["duration_s"]
    t = mid.data["temperature_c"].to_numpy()
    assert t[0] == pytest.approx(2.0) and t[-1] == pytest.approx(25.0)


def test_one_charge_current_model_the_bms_window() -> None:
    """The one model of the charge-current temperature limit: every row's limit is
    min(I_charger, I_max · taper(SOC) · thermal.current_limit_factor(T, T_min,charge, T_max,charge)) — inside
    the window, in the band and below it (0) — and the charge obeys it; not the Arrhenius ratio R(25 °C)/R(T)."""
    spec = vehicles.load(EV)
    pack = pack_for_vehicle(spec)
    cell = cells.load(str(spec.battery.cell))
    lo, hi = cell.temperature_min_charge_c, cell.temperature_max_charge_c
    pts, fr = DEFAULT_TAPER["NMC"]

    def expected(d):  # type: ignore[no-untyped-def]
        f = thermal.current_limit_factor(d["temperature_c"].to_numpy(), lo, hi)
        return np.minimum(500.0, pack.max_charge_current_a * np.interp(d["soc"].to_numpy(), pts, fr) * f)

    runs = {t: charge(EV, 0.10, 0.80, 150e3, temperature_c=t) for t in (25.0, 12.0, 5.0, 1.0)}
    for t_c, r in runs.items():
        d = r.data
        assert np.allclose(d["current_limit_a"], expected(d), rtol=1e-12, atol=1e-9), t_c
        assert np.all(d["charge_current_a"] <= d["current_limit_a"] * (1 + 1e-9) + 1e-9), t_c
        cc = d[d["phase"] == "CC"]
        assert len(cc) and np.allclose(cc["charge_current_a"], cc["current_limit_a"], rtol=1e-9), t_c
    # 5 °C is half-way through the 10 K band: 0.5 × rated, not the Arrhenius ratio (0.42 at 30 kJ/mol)
    assert runs[5.0].summary["current_limit_start_a"] == pytest.approx(0.5 * pack.max_charge_current_a, rel=1e-12)
    assert abs(1.0 / float(arrhenius_factor(5.0, 25.0, cell.activation_energy_j_per_mol)) - 0.5) > 0.05
    # a coupled cold charge passes through all three regions; below the window the limit and the current are 0
    cold = quiet(EV, 0.10, 0.80, 150e3, ambient_c=-10.0, thermal="auto")
    d = cold.data
    temp = d["temperature_c"].to_numpy()
    assert np.any(temp < lo) and np.any((temp > lo) & (temp < lo + 10.0)) and np.any(temp >= lo + 10.0)
    assert np.allclose(d["current_limit_a"], expected(d), rtol=1e-12, atol=1e-9)
    below = temp <= lo
    assert np.all(d["current_limit_a"][below] == 0.0) and np.all(d["charge_current_a"][below] == 0.0)
    assert set(d["phase"][below]) == {"WAIT"}


def test_outside_the_window_without_heater_is_an_error() -> None:
    """No heater (thermal=None) and a start temperature at or beyond the charge range: InputError naming the
    field, the value and the range — no charge that waits forever."""
    cases = [({"ambient_c": -10.0}, "ambient_c", "-10 °C"), ({"ambient_c": 0.0}, "ambient_c", "0 °C"),
             ({"temperature_c": 50.0}, "temperature_c", "50 °C"),
             ({"temperature_c": temperature_series([0.0, 1200.0], [-10.0, 25.0])}, "temperature_c", "-10 °C")]
    for kwargs, field, value in cases:
        with pytest.raises(InputError) as exc:
            charge(EV, 0.10, 0.80, 150e3, **kwargs)  # type: ignore[arg-type]
        msg = str(exc.value)
        assert msg.startswith(f"{field} = ") and value in msg and "0 … 45 °C" in msg, msg
        assert "thermal='auto'" in msg and "\n" not in msg


def test_temperature_leaving_the_window_ends_at_max_duration() -> None:
    """A prescribed history that leaves the window stops the current (limit 0); the charge ends at
    max_duration_s with a warning naming the range, not in an endless wait."""
    leaving = temperature_series([0.0, 300.0], [25.0, -5.0])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", ChargingRangeWarning)
        res = charge(EV, 0.10, 0.80, 150e3, temperature_c=leaving, max_duration_s=1800.0, reference_window=False)
    assert any("0 … 45 °C" in str(w.message) and "-5 … 0 °C" in str(w.message) for w in rec)
    s = res.summary
    assert s["end_reason"] == "max_duration" and s["duration_s"] == pytest.approx(1800.0)
    assert 0.10 < s["soc_end"] < 0.80 and res.data["current_limit_a"].iloc[-1] == 0.0
    assert any("before the target" in str(w.message) for w in rec)
    with pytest.raises(InputError, match="max_duration_s"):
        charge(EV, 0.10, 0.80, 150e3, max_duration_s=0.0)


def test_coupled_cold_charge_heats_then_charges() -> None:
    """−10 °C ambient, 150 kW, 10 → 80 %, thermal="auto": the BTMS heater (powered by the charger) brings the
    pack into its window, then it charges; heat and grid energy balance."""
    warm = charge(EV, 0.10, 0.80, 150e3, ambient_c=25.0)
    with pytest.warns(ChargingRangeWarning, match=r"started at -10 °C.*0 … 45 °C.*BTMS"):
        cold = charge(EV, 0.10, 0.80, 150e3, ambient_c=-10.0, thermal="auto")
    s, d = cold.summary, cold.data
    assert s["thermal"] == "coupled" and s["end_reason"] == "soc 80 %"
    assert s["soc_end"] == pytest.approx(0.80, abs=1e-6)
    temp = d["temperature_c"].to_numpy()
    assert temp[0] == -10.0 and s["temperature_end_c"] > 10.0 and s["temperature_max_c"] < 45.0
    wait = d[d["phase"] == "WAIT"]
    assert np.all(np.diff(wait["temperature_c"]) > 0) and np.all(wait["soc"] == 0.10)
    assert s["time_to_window_s"] > 0 and s["time_to_window_s"] == pytest.approx(wait["time_s"].max(), abs=60.0)
    assert s["duration_s"] > 1.2 * warm.summary["duration_s"]
    assert s["time_10_80_s"] == pytest.approx(s["duration_s"], rel=1e-9)
    # heat: generated + BTMS = stored + rejected; stored = C·ΔT; generated = the battery's losses (+ RC energy)
    p = default_charge_thermal(EV)
    assert s["heat_generated_wh"] + s["btms_heat_wh"] == pytest.approx(s["heat_stored_wh"] + s["heat_rejected_wh"],
                                                                       rel=1e-6)
    assert s["heat_stored_wh"] == pytest.approx(float(p.heat_capacity_j_per_k[0]) * (temp[-1] - temp[0]) / 3600.0,
                                                rel=1e-6)
    assert s["heat_generated_wh"] == pytest.approx(s["battery_loss_wh"] + s["energy_rc_wh"], rel=1e-6)
    assert s["btms_heat_wh"] > 0 and s["heat_rejected_wh"] > 0  # heated by the BTMS; the cold ambient took heat
    assert s["btms_energy_wh"] == pytest.approx(s["btms_heat_wh"] / float(p.heater_efficiency[0]), rel=1e-9)
    # grid = battery / η + BTMS (the heater draws from the charger, not the battery)
    eta = s["charger_efficiency"]
    assert s["energy_grid_wh"] == pytest.approx(s["energy_battery_wh"] / eta + s["btms_energy_wh"], rel=1e-12)
    assert d["energy_grid_wh"].iloc[-1] == pytest.approx(s["energy_grid_wh"], rel=1e-12)
    assert d["energy_btms_wh"].iloc[-1] == pytest.approx(s["btms_energy_wh"], rel=1e-12)
    assert np.trapezoid(d["btms_power_w"], d["time_s"]) / 3600.0 == pytest.approx(s["btms_energy_wh"], rel=0.02)
    assert s["charger_loss_wh"] == pytest.approx(s["energy_battery_wh"] * (1 / eta - 1), rel=1e-12)
    # warm start (preconditioned) at the same ambient: no heating, about the warm time
    pre = charge(EV, 0.10, 0.80, 150e3, ambient_c=-10.0, temperature_c=25.0, thermal="auto")
    assert pre.summary["btms_energy_wh"] == 0.0 and pre.summary["time_to_window_s"] == 0.0
    assert pre.summary["duration_s"] == pytest.approx(warm.summary["duration_s"], rel=0.01)
    assert pre.summary["temperature_end_c"] > 25.0  # the losses warm it faster than the ambient cools it


def test_coupled_warm_charge_and_bad_thermal_input() -> None:
    """At 25 °C the coupling changes the time by < 1 % (the pack warms, the limit stays the full one); a
    cell gets its own lumped model; thermal input errors are clear."""
    warm = charge(EV, 0.10, 0.80, 150e3)
    coupled = charge(EV, 0.10, 0.80, 150e3, thermal="auto")
    assert coupled.summary["duration_s"] == pytest.approx(warm.summary["duration_s"], rel=0.01)
    assert coupled.summary["temperature_end_c"] > 25.0 and coupled.summary["battery_loss_wh"] < warm.summary[
        "battery_loss_wh"]  # warmer → lower resistance
    assert warm.summary["thermal"] == "input" and warm.summary["btms_energy_wh"] == 0.0
    assert warm.summary["heat_generated_wh"] is None
    cell = cells.load("nmc-lg-m50")
    one = charge(cell, 0.1, 0.8, None, thermal="auto")
    assert one.summary["temperature_end_c"] > 25.0 and one.summary["btms_energy_wh"] == 0.0
    with pytest.raises(InputError, match=r"thermal = 'on'"):
        charge(EV, 0.10, 0.80, 150e3, thermal="on")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"temperature_c .*constant start temperature"):
        charge(EV, 0.10, 0.80, 150e3, thermal="auto", temperature_c=temperature_series([0, 10], [5, 6]))


def test_coupled_heater_too_weak_is_an_error() -> None:
    """A 1 kW heater cannot hold the pack at 0 °C against UA·(0 − (−40)) ≈ 1.3 kW: InputError naming the field,
    the value, the range and the heat balance; at −10 °C the same heater is enough (and the charge completes)."""
    p = default_charge_thermal(EV)
    weak = thermal.pack_thermal_params(p.heat_capacity_j_per_k, p.ua_w_per_k, heater_max_power_w=1000.0)
    loss_w = float(p.ua_w_per_k[0]) * 40.0
    assert loss_w > 1000.0
    with pytest.raises(InputError, match=r"ambient_c = .*-40 °C.*0 … 45 °C.*heater \(1000 W") as exc:
        charge(EV, 0.10, 0.80, 150e3, ambient_c=-40.0, thermal=weak)
    assert "\n" not in str(exc.value)
    ok = quiet(EV, 0.10, 0.80, 150e3, ambient_c=-10.0, thermal=weak, reference_window=False, dt_s=10.0)
    assert ok.summary["soc_end"] == pytest.approx(0.80, abs=1e-6)
    assert ok.summary["time_to_window_s"] > 3600.0  # 10 K × 0.5 MJ/K at < 1 kW: over an hour of heating


# ============================================================================================== energy


def test_energy_balance_closes() -> None:
    for res in (charge(EV, 0.10, 0.80, 150e3), charge(EV, 0.05, 0.99, 150e3), charge(EV, 0.10, 0.80, 11e3, "ac"),
                quiet(EV, 0.10, 0.80, 150e3, ambient_c=-10.0, thermal="auto")):
        s = res.summary
        total = (s["energy_stored_wh"] + s["energy_rc_wh"] + s["battery_loss_wh"] + s["charger_loss_wh"]
                 + s["btms_energy_wh"])
        assert s["energy_grid_wh"] == pytest.approx(total, rel=1e-9)
        assert s["energy_grid_wh"] == pytest.approx(s["energy_battery_wh"] / s["charger_efficiency"]
                                                    + s["btms_energy_wh"], rel=1e-12)
        d = res.data
        loss_integral_wh = np.trapezoid(d["battery_loss_w"], d["time_s"]) / 3600.0
        assert s["battery_loss_wh"] == pytest.approx(loss_integral_wh, rel=0.01)
        assert 0.0 < s["battery_loss_wh"] < 0.1 * s["energy_battery_wh"]
        # stored energy: Q·∫OCV dSOC from an independent fine trapezoid
        pack = pack_for_vehicle(vehicles.load(EV))
        ss = np.linspace(s["from_soc"], s["soc_end"], 20001)
        ref = np.trapezoid(np.interp(ss, np.linspace(0, 1, pack.ocv_v.size), pack.ocv_v), ss) * pack.capacity_ah
        assert s["energy_stored_wh"] == pytest.approx(ref, rel=1e-6)


def test_closed_form_flat_ocv_r_only_pack() -> None:
    """Flat OCV E, R only, constant power P below the current limit: I = (−E + √(E² + 4RP))/(2R) throughout,
    t = ΔSOC·Q·3600/I, battery losses I²R·t, grid = P·t/η."""
    pack = pack_shortcut(60e3, 400.0, 0.0, 1.0, 3.0, 2.0, resistance_ohm=0.1)
    p, e, r = 50e3, 400.0, 0.1
    res = charge(pack, 0.2, 0.7, p, taper=((0.0,), (1.0,)), reference_window=False)
    i = (-e + math.sqrt(e * e + 4 * r * p)) / (2 * r)
    t = 0.5 * pack.capacity_ah * 3600.0 / i
    s = res.summary
    assert s["duration_s"] == pytest.approx(t, rel=1e-9)
    assert s["battery_loss_wh"] == pytest.approx(i * i * r * t / 3600.0, rel=1e-9)
    assert s["energy_grid_wh"] == pytest.approx(p * t / 3600.0 / 0.95, rel=1e-9)
    assert np.allclose(res.data["charge_current_a"], i, rtol=1e-9)


def test_ocv_energy_exact() -> None:
    pack = pack_for_vehicle(vehicles.load(EV))
    assert ocv_energy_wh(pack, 0.0, 1.0) == pytest.approx(pack.energy_wh, rel=1e-5)
    assert ocv_energy_wh(pack, 0.1, 0.5) + ocv_energy_wh(pack, 0.5, 0.8) == pytest.approx(
        ocv_energy_wh(pack, 0.1, 0.8), rel=1e-13)


# ============================================================================================== phases


def test_cp_phase_obeys_charger_power_and_current_limit() -> None:
    for power in (50e3, 100e3, 150e3, 300e3):
        res = charge(EV, 0.05, 0.95, power)
        d = res.data
        assert d["charge_power_w"].max() <= power * (1 + 1e-9)
        assert np.all(d["charge_current_a"] <= d["current_limit_a"] * (1 + 1e-9) + 1e-9)
        cp = d[d["phase"] == "CP"]
        if len(cp):
            assert np.allclose(cp["charge_power_w"], power, rtol=1e-9)
    low = charge(EV, 0.10, 0.80, 50e3).data
    assert (low["phase"] == "CP").mean() > 0.5  # at 50 kW the charger, not the pack, limits


def test_cv_phase_holds_the_voltage() -> None:
    cell = cells.load("nmc-lg-m50")
    with pytest.warns(ChargingRangeWarning, match="before the target"):
        res = charge(cell, 0.1, 1.0, None, cv_cutoff_c=0.05, taper=((0.0,), (1.0,)))
    d = res.data
    cv = d[d["phase"] == "CV"]
    assert len(cv) > 10
    assert np.allclose(cv["voltage_v"], cell.voltage_max_v, atol=1e-9)
    i_cv = cv["charge_current_a"].to_numpy()  # the current falls in CV (ripples < 0.1 % from the SOC-dependent ECM)
    assert i_cv[-1] < 0.1 * i_cv[0] and np.max(np.diff(i_cv)) < 1e-3 * i_cv[0]
    assert res.summary["end_reason"].startswith("current")
    assert cv["charge_current_a"].iloc[-1] == pytest.approx(0.05 * cell.capacity_ah, rel=1e-6)
    assert res.summary["warnings"] and "before the target" in res.summary["warnings"][0]


def test_taper_lowers_the_current_at_high_soc() -> None:
    res = charge(EV, 0.10, 0.90, 350e3)
    d = res.data
    pts, fr = DEFAULT_TAPER["NMC"]
    pack = pack_for_vehicle(vehicles.load(EV))
    row = d.iloc[(d["soc"] - 0.85).abs().argmin()]
    assert row["current_limit_a"] == pytest.approx(pack.max_charge_current_a * float(np.interp(row["soc"], pts, fr)),
                                                   rel=1e-9)
    assert d["charge_current_a"].iloc[-1] < 0.5 * d["charge_current_a"].max()
    assert default_taper("LFP")(0.6) == 1.0 and default_taper("unknown")(0.8) == pytest.approx(0.5)


# ============================================================================================== AC, buses


def test_ac_uses_the_on_board_charger_efficiency() -> None:
    spec = vehicles.load(EV)
    eta = spec.battery.charger_efficiency
    res = charge(spec, 0.10, 0.80, 7.4e3, "ac")
    s = res.summary
    assert s["charger_efficiency"] == eta == pytest.approx(0.90)
    cp = res.data[res.data["phase"] == "CP"]
    assert np.allclose(cp["charge_power_w"], eta * 7.4e3, rtol=1e-9)
    assert np.allclose(cp["grid_power_w"], 7.4e3, rtol=1e-9)
    assert s["charger_loss_wh"] == pytest.approx(s["energy_grid_wh"] * (1 - eta), rel=1e-9)
    big = charge(spec, 0.10, 0.80, 22e3, "ac")  # a 22 kW supply, 11 kW on-board charger
    assert big.summary["peak_grid_power_w"] == pytest.approx(11e3, rel=1e-9)
    assert charge(spec, 0.10, 0.80, 22e3, "ac", obc_max_power_w=22e3).summary["duration_s"] < big.summary[
        "duration_s"]


def test_pantograph_and_depot_for_a_bus() -> None:
    bus = "city-bus-12m-285kwh"
    panto = charge(bus, 0.30, 0.80, 450e3, "pantograph")
    depot = charge(bus, 0.30, 0.80, 150e3, "depot")
    assert panto.summary["duration_s"] < depot.summary["duration_s"]
    assert depot.summary["peak_power_w"] <= 150e3 * (1 + 1e-9)
    pack = pack_for_vehicle(vehicles.load(bus))
    assert panto.summary["peak_power_w"] <= pack.max_charge_current_a * pack.voltage_max_v
    assert panto.summary["energy_grid_wh"] == pytest.approx(panto.summary["energy_battery_wh"] / 0.95, rel=1e-12)


def test_charge_many_is_one_row_per_design() -> None:
    df = charge_many([EV, "compact-crossover-66kwh"], 0.1, 0.8, 150e3)
    assert list(df["name"]) == [EV, "compact-crossover-66kwh"]
    one = charge("compact-crossover-66kwh", 0.1, 0.8, 150e3).summary
    assert df["duration_s"].iloc[1] == pytest.approx(one["duration_s"], rel=1e-12)


def test_reference_window_run_separately() -> None:
    res = charge(EV, 0.30, 0.60, 150e3)
    ref = charge(EV, 0.10, 0.80, 150e3)
    assert res.summary["time_10_80_s"] == pytest.approx(ref.summary["duration_s"], rel=1e-12)
    assert res.summary["duration_s"] < res.summary["time_10_80_s"]


# ============================================================================================== bad input


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    ((EV, 0.8, 0.8, 150e3), {}, r"to_soc = 0\.8 .*above the start SOC 0\.8"),
    ((EV, 0.8, 0.5, 150e3), {}, r"to_soc = 0\.5 .*a charge raises the SOC"),
    ((EV, 0.1, 0.8, 0.0), {}, r"charger power = 0\.0 .*> 0 W"),
    ((EV, 0.1, 0.8, -5e3), {}, r"charger power = -5000\.0"),
    (("compact-ev-15kw", 0.1, 0.8, 150e3), {}, r"did you mean 'compact-ev-150kw'"),
    ((EV, 0.1, 0.8, 150e3, "pantagraph"), {}, r"did you mean 'pantograph'"),
    (("city-bus-12m-285kwh", 0.1, 0.99, 150e3), {}, r"top of city-bus-12m-285kwh's SOC window"),
    ((EV, -0.1, 0.8, 150e3), {}, r"from_soc = -0\.1"),
])
def test_bad_input_one_clear_message(args: tuple, kwargs: dict, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError, match=match) as exc:
        charge(*args, **kwargs)
    assert "\n" not in str(exc.value)


# ============================================================================================== published EVs


def _published_rows() -> list[dict[str, str]]:
    with DATA.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _model_minutes(row: dict[str, str], taper: tuple | None = None) -> float:  # type: ignore[type-arg]
    pack, cell = pack_from_published(float(row["battery_kwh"]) * 1e3, int(row["series_cells"]),
                                     float(row["peak_power_kw"]) * 1e3)
    res = charge(pack, float(row["from_soc_pct"]) / 100, float(row["to_soc_pct"]) / 100,
                 float(row["charger_kw"]) * 1e3, "dc", cell=cell, taper=taper, reference_window=False)
    assert res.summary["soc_end"] == pytest.approx(float(row["to_soc_pct"]) / 100, abs=1e-6)
    return res.summary["duration_s"] / 60.0


#: Tolerance on the modelled time of a published window. 15 %: the inputs are few (pack energy, cells in
#: series, a peak power that for the IONIQ 5 is a measured, not a published value), the taper is tyaga's
#: generic default, not fitted to either car, and manufacturers round their times ("under ideal conditions").
TOLERANCE = 0.15


@pytest.mark.parametrize("row", _published_rows(), ids=lambda r: r["vehicle"].split(" (")[0])
def test_published_charging_times(row: dict[str, str]) -> None:
    """Sources: tests/data/charging_curves.SOURCE.md — IONIQ 5 72.6 kWh: 10→80 % in 18 min at 350 kW (Hyundai,
    2021-02-23); Taycan PB+: 5→80 % in 22.5 min, 270 kW peak (Porsche, 2019-09-04). The CSV says whether the
    default model meets the tolerance; the test asserts exactly that, so a change either way is seen."""
    published = float(row["published_min"])
    error = _model_minutes(row) / published - 1.0
    within = abs(error) <= TOLERANCE
    assert within == (row["model_within_15pct"] == "yes"), f"{row['vehicle']}: model error {error:+.1%}"
    assert error < 0.0  # both cars: the model charges faster than published (no ramp-up, ideal taper)


def test_published_comparison_can_fail() -> None:
    """Negative control: the IONIQ 5 without a taper (full current to 80 %) misses the published 18 min by
    more than the tolerance."""
    row = next(r for r in _published_rows() if "IONIQ 5" in r["vehicle"])
    flat = _model_minutes(row, taper=((0.0,), (1.0,)))
    assert abs(flat / float(row["published_min"]) - 1.0) > TOLERANCE


# ============================================================================================== CLI

runner = CliRunner()


def test_cli_charge_table() -> None:
    r = runner.invoke(app, ["charge", "--vehicle", EV, "--from-soc-pct", "10", "--to-soc-pct", "80",
                            "--charger-kw", "150", "--ambient-c", "25"])
    assert r.exit_code == 0, r.output
    assert "duration [min]" in r.stdout and "energy from the grid [kWh]" in r.stdout and EV in r.stdout
    expected = charge(EV, 0.1, 0.8, 150e3, thermal="auto").summary["duration_s"] / 60.0  # --btms by default
    assert f"{expected:,.2f}" in r.stdout


def test_cli_charge_json_keys_and_cold_error() -> None:
    r = runner.invoke(app, ["charge", "--vehicle", EV, "--from-soc-pct", "10", "--to-soc-pct", "80",
                            "--charger-kw", "150", "--ambient-c", "-10", "--cell-temperature-c", "25", "--no-btms",
                            "--json"])
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    for key in ("duration_s", "energy_grid_wh", "energy_battery_wh", "battery_loss_wh", "charger_loss_wh",
                "btms_energy_wh", "time_10_80_s", "energy_grid_10_80_wh", "peak_power_w", "average_power_w",
                "soc_end", "warnings", "power_curve"):
        assert key in obj
    assert obj["soc_end"] == pytest.approx(0.8, abs=1e-6)
    assert obj["temperature_c"] == 25.0 and obj["ambient_c"] == -10.0 and obj["warnings"] == []
    assert len(obj["power_curve"]["soc"]) == len(obj["power_curve"]["charge_power_w"]) > 10
    # an unconditioned pack held at −10 °C (--no-btms) cannot charge: exit 2, one clear line
    cold = runner.invoke(app, ["charge", "--vehicle", EV, "--ambient-c", "-10", "--no-btms", "--json"])
    assert cold.exit_code == 2
    assert "error:" in cold.output and "-10 °C" in cold.output and "0 … 45 °C" in cold.output
    assert "--btms" in cold.output and "Traceback" not in cold.output
    # by default the vehicle's BTMS heats it from the charger first: slower than the preconditioned charge
    heated = runner.invoke(app, ["charge", "--vehicle", EV, "--ambient-c", "-10", "--json"])
    assert heated.exit_code == 0, heated.output
    h = json.loads(heated.stdout)
    assert h["soc_end"] == pytest.approx(0.8, abs=1e-6)
    assert h["btms_energy_kwh"] > 0.5 and h["duration_s"] > 1.5 * obj["duration_s"]


def test_cli_charge_out_and_kinds(tmp_path: Path) -> None:
    r = runner.invoke(app, ["charge", "--vehicle", "city-bus-12m-285kwh", "--charger", "pantograph", "--out",
                            str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "charge.csv").stat().st_size > 1000
    assert (tmp_path / "o" / "charge.png").read_bytes()[:4] == b"\x89PNG"
    ac = json.loads(runner.invoke(app, ["charge", "--charger", "ac", "--json"]).stdout)
    assert ac["charger"] == "ac" and ac["charger_power_w"] == 11e3


@pytest.mark.parametrize("args", [
    ["--from-soc-pct", "80", "--to-soc-pct", "10"],
    ["--charger-kw", "0"],
    ["--charger-kw", "-50"],
    ["--vehicle", "compact-ev-15kw"],
    ["--ambient-c", "-90"],
    ["--cell-temperature-c", "99"],
])
def test_cli_charge_bad_input_exits_2(args: list[str]) -> None:
    r = runner.invoke(app, ["charge", *args])
    assert r.exit_code == 2
    assert "error:" in r.output and "Traceback" not in r.output
    assert args[0] in r.output or "vehicle" in r.output  # the message names the option


# ============================================================================================== batch axis


@pytest.mark.parametrize(("ambient_c", "thermal", "kind", "power_w"), [
    (25.0, False, "dc", 150e3), (5.0, False, "dc", 150e3), (-10.0, True, "dc", 150e3), (30.0, True, "dc", 50e3),
    (-10.0, True, "ac", 11e3),
])
def test_batch_charge_equals_the_protocol_charge_design_by_design(ambient_c: float, thermal: bool, kind: str,
                                                                  power_w: float) -> None:
    """charge_batch (compiled, fixed 1 s step, every bundled vehicle at once) against charge (the protocol
    runner with located events), one design at a time: duration and grid energy within 0.5 % (measured worst
    2.0e-3, the end of a cold pack's wait at −10 °C), BTMS energy within 1 % + 1 Wh, end temperature within
    0.1 K, the SOC at its target."""
    from tyaga import vehicles
    from tyaga.charging import charge_batch

    names = vehicles.names()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChargingRangeWarning)
        batch = charge_batch(names, 0.1, 0.8, power_w, kind, ambient_c=ambient_c, thermal=thermal)
        for i, name in enumerate(names):
            ref = charge(name, 0.1, 0.8, power_w, kind, ambient_c=ambient_c, thermal="auto" if thermal else None,
                         reference_window=False).summary
            row = batch.iloc[i]
            assert row["end_reason"] == "soc" and row["soc_end"] == pytest.approx(0.8, abs=1e-12)
            assert row["duration_s"] == pytest.approx(ref["duration_s"], rel=5e-3), name
            assert row["energy_grid_wh"] == pytest.approx(ref["energy_grid_wh"], rel=5e-3), name
            assert row["energy_btms_wh"] == pytest.approx(ref["btms_energy_wh"], rel=1e-2, abs=1.0), name
            t_end = ref["temperature_end_c"] if thermal else ambient_c
            assert row["temperature_end_c"] == pytest.approx(t_end, abs=0.1), name


def test_batch_charge_of_many_designs_and_its_bad_input() -> None:
    """A batch of 200 variants (1, 2 or 3 cells in parallel) in one call: on a 50 kW charger, which limits
    all three, the charge time grows with the pack; a bad window is an InputError naming the field."""
    from tyaga import vehicles
    from tyaga.charging import charge_batch

    spec = vehicles.load("compact-ev-150kw")
    specs = [spec.model_copy(update={"battery": spec.battery.model_copy(update={"parallel": p})})
             for p in (1, 2, 3) for _ in range(67)][:200]
    res = charge_batch(specs, 0.1, 0.8, 50e3, ambient_c=25.0)
    assert len(res) == 200 and (res["end_reason"] == "soc").all()
    d = res["duration_s"].to_numpy()
    assert d[0] < d[100] < d[-1]
    with pytest.raises(InputError, match="to_soc"):
        charge_batch(specs[:2], 0.8, 0.5, 150e3)
    with pytest.raises(InputError, match="dt_s"):
        charge_batch(specs[:2], 0.1, 0.8, 150e3, dt_s=0.0)
