"""Charging (src/tyaga/charging.py, docs/charging.md): CC-CV, constant-power DC, AC, pantograph and depot charges
built on the protocol runner.

What is checked:

* a charge to 80 % stops at 80 % of the defined (coulombic) SOC, to 1e-6 — for a cell-built pack, a
  shortcut pack and a cell;
* a cold pack (−10 °C) charges slower than a warm one (25 °C), and a pack warming during the charge
  (a temperature history) lies between;
* energy balance: grid = stored + RC + battery losses + charger losses (to 1e-9 relative), the battery
  losses equal the integral of I²R0 + Σ v²/R of the time series (to 1 %), and a closed form for a flat-OCV,
  R-only pack (constant power → constant current);
* the CP phase obeys the charger power, the CV phase holds the voltage, the current never exceeds the limit;
* AC: the battery receives η × min(supply, OBC) and the grid delivers battery / η;
* bad input (target SOC not above the start, charger power ≤ 0, unknown vehicle or charger kind) — one clear
  message; a cell temperature outside the charge range — a warning naming the range;
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

from tyaga import cells, vehicles
from tyaga.battery import pack_for_vehicle, pack_shortcut
from tyaga.charging import (
    DEFAULT_TAPER,
    ChargingRangeWarning,
    charge,
    charge_many,
    default_taper,
    ocv_energy_wh,
    pack_from_published,
    temperature_derating,
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


def test_cold_pack_charges_slower_than_warm() -> None:
    warm = charge(EV, 0.10, 0.80, 150e3, ambient_c=25.0)
    with pytest.warns(ChargingRangeWarning):
        cold = charge(EV, 0.10, 0.80, 150e3, ambient_c=-10.0)
    assert cold.summary["duration_s"] > 1.5 * warm.summary["duration_s"]
    assert cold.summary["peak_power_w"] < warm.summary["peak_power_w"]
    assert cold.summary["time_10_80_s"] > warm.summary["time_10_80_s"]
    # 0 °C lies in between, and is inside the range (no warning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChargingRangeWarning)
        zero = charge(EV, 0.10, 0.80, 150e3, ambient_c=0.0)
    assert warm.summary["duration_s"] < zero.summary["duration_s"] < cold.summary["duration_s"]


def test_preconditioned_and_warming_pack() -> None:
    """A cell temperature given apart from ambient (preconditioned), and a history warming from −10 to 25 °C."""
    cold = quiet(EV, 0.10, 0.80, 150e3, ambient_c=-10.0)
    pre = charge(EV, 0.10, 0.80, 150e3, ambient_c=-10.0, temperature_c=25.0)
    warm = charge(EV, 0.10, 0.80, 150e3, ambient_c=25.0)
    assert pre.summary["duration_s"] == pytest.approx(warm.summary["duration_s"], rel=1e-12)
    heating = temperature_series([0.0, 1200.0], [-10.0, 25.0])
    mid = quiet(EV, 0.10, 0.80, 150e3, ambient_c=-10.0, temperature_c=heating)
    assert warm.summary["duration_s"] < mid.summary["duration_s"] < cold.summary["duration_s"]
    t = mid.data["temperature_c"].to_numpy()
    assert t[0] == pytest.approx(-10.0) and t[-1] == pytest.approx(25.0)


def test_derating_law() -> None:
    ea = 30000.0
    assert float(temperature_derating(25.0, ea)) == 1.0 and float(temperature_derating(40.0, ea)) == 1.0
    r = 8.314462618
    expected = math.exp(-ea / r * (1 / 263.15 - 1 / 298.15))
    assert float(temperature_derating(-10.0, ea)) == pytest.approx(expected, rel=1e-12)
    assert 0.19 < expected < 0.21


def test_warning_names_the_range() -> None:
    with pytest.warns(ChargingRangeWarning, match=r"0 … 45 °C") as rec:
        res = charge(EV, 0.10, 0.80, 150e3, ambient_c=-10.0)
    assert "-10 °C" in str(rec[0].message)
    assert res.summary["warnings"] and "0 … 45 °C" in res.summary["warnings"][0]
    with pytest.warns(ChargingRangeWarning, match=r"0 … 45 °C"):
        charge(EV, 0.10, 0.80, 150e3, temperature_c=50.0)


# ============================================================================================== energy


def test_energy_balance_closes() -> None:
    for res in (charge(EV, 0.10, 0.80, 150e3), charge(EV, 0.05, 0.99, 150e3), charge(EV, 0.10, 0.80, 11e3, "ac")):
        s = res.summary
        total = s["energy_stored_wh"] + s["energy_rc_wh"] + s["battery_loss_wh"] + s["charger_loss_wh"]
        assert s["energy_grid_wh"] == pytest.approx(total, rel=1e-9)
        assert s["energy_grid_wh"] == pytest.approx(s["energy_battery_wh"] / s["charger_efficiency"], rel=1e-12)
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
    expected = charge(EV, 0.1, 0.8, 150e3).summary["duration_s"] / 60.0
    assert f"{expected:,.2f}" in r.stdout


def test_cli_charge_json_keys_and_cold_warning() -> None:
    r = runner.invoke(app, ["charge", "--vehicle", EV, "--from-soc-pct", "10", "--to-soc-pct", "80",
                            "--charger-kw", "150", "--ambient-c", "-10", "--json"])
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    for key in ("duration_s", "energy_grid_wh", "energy_battery_wh", "battery_loss_wh", "charger_loss_wh",
                "time_10_80_s", "energy_grid_10_80_wh", "peak_power_w", "average_power_w", "soc_end",
                "warnings", "power_curve"):
        assert key in obj
    assert obj["soc_end"] == pytest.approx(0.8, abs=1e-6)
    assert obj["temperature_c"] == -10.0 and "0 … 45 °C" in obj["warnings"][0]
    assert len(obj["power_curve"]["soc"]) == len(obj["power_curve"]["charge_power_w"]) > 10


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
