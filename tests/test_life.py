"""Battery life on a daily duty (``tyaga.life``, ``tyaga life``).

Checked: a duty file parses; a bad field is one clear error (exit 2 in the CLI); a harder duty (more cycles
per day, a hotter climate) reaches 80 % sooner; km to 80 % is years × km per year; a parked-only duty is
exactly the calendar ageing of :func:`tyaga.ageing.simulate` on a constant-SOC day; the CLI's JSON shape.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from tyaga import ageing, life, vehicles
from tyaga.cli import app
from tyaga.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "duty-commuter.toml"
SHORT = Path(__file__).parent / "data" / "life" / "duty-short.toml"
VEHICLE = "compact-ev-150kw"

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


def _duty(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "t", "cycle": "udds", "cycles_per_day": 1, "driving_days_per_week": 7,
                            "charge_to_soc_pct": 80, "charger": "ac", "charger_kw": 7.4, "ambient_c": 25,
                            "years": 3}
    return base | over


def test_duty_files_parse() -> None:
    duty, base = life.load_duty(EXAMPLE)
    assert base == EXAMPLE.parent
    assert duty.cycle == "udds" and duty.cycles_per_day == 2 and duty.driving_days_per_week == 5
    assert len(duty.monthly_ambient_c) == 12 and duty.monthly_ambient_c[0] == 2.0
    assert duty.charge_to_soc == pytest.approx(0.9)
    short, _ = life.load_duty(SHORT)
    assert short.monthly_ambient_c == (25.0,) * 12 and short.years == 3


@pytest.mark.parametrize(("over", "field"), [
    ({"cycles_per_day": 0}, "cycles_per_day"),
    ({"driving_days_per_week": 8}, "driving_days_per_week"),
    ({"charger": "fast"}, "charger"),
    ({"ambient_c": [1, 2, 3]}, "ambient_c"),
    ({"ambient_c": 90}, "ambient_c"),
    ({"years": 31}, "years"),
    ({"charger_kv": 11}, "charger_kv"),
    ({"ageing_model": "nmc-1ah"}, "ageing_model"),
    ({"distance_per_day_km": 30}, "distance_per_day_km"),  # with cycles_per_day: a rule across keys
])
def test_bad_duty_field_is_one_clear_error(tmp_path: Path, over: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        life.load_duty(_duty(**over))
    assert field in str(info.value)
    path = tmp_path / "duty.toml"
    lines = [f"{k} = {json.dumps(v)}" for k, v in _duty(**over).items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _runner().invoke(app, ["life", "--vehicle", VEHICLE, "--duty", str(path), "--json"])
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and field in err[0] and str(path) in err[0], err


def test_day_profile_drives_charges_and_parks_24_h() -> None:
    spec = vehicles.load(VEHICLE)
    duty, _ = life.load_duty(SHORT)
    day = life.day_profile(spec, duty, 25.0, True, life._day_cycle(duty, None))
    assert day.time_s[0] == 0.0 and day.time_s[-1] == life.DAY_S and np.all(np.diff(day.time_s) > 0)
    assert day.soc[0] == pytest.approx(0.8) and day.soc[-1] == pytest.approx(0.8, abs=1e-6)
    assert day.soc_end_drive < 0.8 - 0.01                      # the drive discharged the pack
    assert 11.5 < day.distance_km < 12.5                       # one UDDS
    assert day.energy_grid_wh > day.energy_battery_wh > 0      # charger and battery losses
    assert day.drive_s == 1369.0 and day.charge_s > 0


@pytest.fixture(scope="module")
def warm() -> life.LifeResult:
    """Every day one UDDS at 32 °C for 10 years: reaches 80 % in about 6 years."""
    return life.life(VEHICLE, _duty(years=10, ambient_c=32))


def test_hotter_duty_reaches_80_pct_sooner(warm: life.LifeResult) -> None:
    hot = life.life(VEHICLE, _duty(years=10, ambient_c=40))
    assert math.isfinite(warm.years_to_eol) and math.isfinite(hot.years_to_eol)
    assert hot.years_to_eol < 0.8 * warm.years_to_eol
    assert hot.km_to_eol < warm.km_to_eol
    assert np.all(np.diff(warm.yearly["soh"]) < 0)


def test_more_cycles_per_day_age_faster() -> None:
    one = life.life(VEHICLE, _duty(years=3, ambient_c=32))
    three = life.life(VEHICLE, _duty(years=3, ambient_c=32, cycles_per_day=3))
    assert three.km_per_year == pytest.approx(3 * one.km_per_year, rel=1e-6)
    assert three.yearly["efc"].iloc[-1] > 2.9 * one.yearly["efc"].iloc[-1]
    assert np.all(three.yearly["soh"].to_numpy() < one.yearly["soh"].to_numpy())


def test_km_to_eol_is_years_times_km_per_year(warm: life.LifeResult) -> None:
    r = warm
    assert math.isfinite(r.years_to_eol)
    assert r.km_to_eol == pytest.approx(r.years_to_eol * r.km_per_year, rel=1e-9)
    assert r.km_per_year == pytest.approx(365 * r.days["distance_km"].iloc[0], rel=1e-12)
    assert r.yearly["km"].iloc[-1] == pytest.approx(10 * r.km_per_year, rel=1e-12)
    assert r.soh_after(r.years_to_eol) == pytest.approx(life.EOL_SOH, abs=1e-4)


def test_parked_only_duty_is_calendar_ageing() -> None:
    r = life.life(VEHICLE, {"name": "parked", "driving_days_per_week": 0, "charge_to_soc_pct": 70,
                            "ambient_c": 30, "years": 4})
    ref = ageing.simulate("nmc-50ah-b1", [0.0, life.DAY_S], [0.7, 0.7], [30.0, 30.0], years=4)
    assert r.model == "nmc-50ah-b1" and r.km_per_year == 0.0 and r.km_to_eol in (0.0, math.inf)
    np.testing.assert_allclose(r.ageing_result.q, ref.q, rtol=0, atol=1e-9)
    assert r.yearly["soh"].iloc[-1] == pytest.approx(ref.q[0, 4 * 365], abs=1e-9)
    assert r.yearly["soh"].iloc[-1] < 0.99                      # calendar fade happened


def _laid_out_year(r: life.LifeResult, spec: Any, duty: life.Duty) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The year of the result's distinct (new-pack) days laid out as one profile, as tyaga.life did before."""
    months = np.repeat(np.arange(12), life.MONTH_DAYS)
    driving = (np.arange(365) % 7) < duty.driving_days_per_week
    amb = np.array(duty.monthly_ambient_c)[months]
    cyc = life._day_cycle(duty, None)
    cache: dict[tuple[float, bool], life.DayProfile] = {}
    for key in {(float(a), bool(d)) for a, d in zip(amb, driving, strict=True)}:
        cache[key] = life.day_profile(spec, duty, key[0], key[1], cyc)
    year = [cache[(float(a), bool(d))] for a, d in zip(amb, driving, strict=True)]
    t = np.concatenate([[0.0]] + [d * life.DAY_S + p.time_s[1:] for d, p in enumerate(year)])
    soc = np.concatenate([[year[0].soc[0]]] + [p.soc[1:] for p in year])
    temp = np.concatenate([[year[0].temperature_c[0]]] + [p.temperature_c[1:] for p in year])
    return t, soc, temp


def test_distinct_day_integration_equals_the_laid_out_year() -> None:
    """life integrates the distinct days (each evaluated once per capacity-grid step); on a duty whose days
    all start and end alike (one ambient) that is the day-by-day evaluation of the laid-out 365-day profile
    to ≤ 1e-9 relative (measured ≤ 1e-12)."""
    spec = vehicles.load(VEHICLE)
    duty = life.load_duty(_duty(years=5, ambient_c=28, driving_days_per_week=5, cycles_per_day=2))[0]
    r = life.life(spec, duty, feedback="soc")
    direct = ageing.simulate(r.model, *_laid_out_year(r, spec, duty), years=5, reuse_days=False)
    assert r.ageing_result.q[0, -1] < 0.95
    np.testing.assert_allclose(r.ageing_result.q, direct.q, rtol=1e-9, atol=0)
    np.testing.assert_allclose(r.ageing_result.efc, direct.efc, rtol=1e-9, atol=1e-12)


def test_fade_deepens_the_daily_cycle() -> None:
    """Without re-simulation (feedback="soc") the same Ah on a faded cell is a deeper swing: EFC per year
    stays (q·Σ|Δsoc|/q), DOD grows."""
    r = life.life(VEHICLE, _duty(years=3, ambient_c=35), q_step=None, feedback="soc")
    efc = r.yearly["efc"].to_numpy()
    per_year = np.diff(np.concatenate([[0.0], efc]))
    np.testing.assert_allclose(per_year, per_year[0], rtol=1e-9)
    assert r.yearly["soh"].iloc[-1] < 0.95
    assert r.resimulations.empty and r.feedback == "soc"


# ------------------------------------------------------------------------ fade feeding back into the drive


def test_aged_pack_path_at_new_equals_the_vehicle_path() -> None:
    """Driving and charging an aged_pack at q = r = 1 is the vehicle's own drive and charge, sample by
    sample (the guard on the aged path's copy of chain.simulate and charging.charge)."""
    spec = vehicles.load(VEHICLE)
    duty, _ = life.load_duty(SHORT)
    cyc = life._day_cycle(duty, None)
    new = life.day_profile(spec, duty, 25.0, True, cyc)
    same = life.day_profile(spec, duty, 25.0, True, cyc, pack=life.aged_pack(spec, 1.0, 1.0))
    np.testing.assert_array_equal(same.time_s, new.time_s)
    np.testing.assert_allclose(same.soc, new.soc, rtol=0, atol=1e-12)
    for k in ("distance_km", "energy_battery_wh", "energy_grid_wh", "charge_s", "hvac_power_w"):
        assert getattr(same, k) == pytest.approx(getattr(new, k), rel=1e-12), k


def test_aged_day_swings_deeper_and_loses_more() -> None:
    """On a pack at 85 % capacity and 3× resistance the same UDDS is a deeper swing (≥ 1/0.85 of the new
    one: same Ah or more of a smaller capacity) and the charge back takes more energy from the grid."""
    spec = vehicles.load(VEHICLE)
    duty, _ = life.load_duty(SHORT)
    cyc = life._day_cycle(duty, None)
    new = life.day_profile(spec, duty, 25.0, True, cyc)
    cap_only = life.day_profile(spec, duty, 25.0, True, cyc, pack=life.aged_pack(spec, 0.85))
    aged = life.day_profile(spec, duty, 25.0, True, cyc, pack=life.aged_pack(spec, 0.85, 3.0))
    assert cap_only.dod >= new.dod / 0.85 * (1 - 1e-9)
    assert aged.dod > cap_only.dod
    assert aged.energy_grid_wh > cap_only.energy_grid_wh > new.energy_grid_wh * (1 - 1e-3)
    assert aged.energy_battery_wh == pytest.approx(new.energy_battery_wh, rel=1e-6)  # same drive at the terminals
    # the ageing input is the swing in SOC of the new capacity: deeper than new only by the extra Ah
    assert new.dod <= float(aged.ageing_soc.max() - aged.ageing_soc.min()) < aged.dod


def test_feedback_through_the_drive_ages_faster(warm: life.LifeResult) -> None:
    """Sign of the feedback, as the model gives it (nmc-50ah-b1, one UDDS a day at 32 °C): re-driving the
    days on the aged pack draws more Ah per km (lower voltage on the deeper swing) than the SOC rescaling
    alone, so more EFC and an earlier 80 %; no feedback at all (the new pack's stressors) ages slowest."""
    soc = life.life(VEHICLE, _duty(years=10, ambient_c=32), feedback="soc")
    none = life.life(VEHICLE, _duty(years=10, ambient_c=32), feedback="none")
    drive = warm
    assert drive.feedback == "drive" and len(drive.resimulations) >= 5
    assert math.isfinite(drive.years_to_eol)
    assert drive.years_to_eol < soc.years_to_eol < none.years_to_eol
    assert drive.km_to_eol < soc.km_to_eol < none.km_to_eol
    assert drive.yearly["efc"].iloc[-1] > soc.yearly["efc"].iloc[-1] * (1 + 1e-4)
    # re-simulated every 2 % of SOH, and each time the driving day swings deeper
    rs = drive.resimulations
    assert np.all(np.diff(rs["soh"]) < -0.019) and np.all(np.diff(rs["dod_max"]) > 0)
    assert rs["soh"].iloc[0] == pytest.approx(1 - life.FEEDBACK_SOH_STEP, abs=1e-3)


def test_resistance_growth_feeds_back_into_the_energy() -> None:
    """Kokam NMC111 (the model with a resistance growth): the aged pack's higher resistance costs grid
    energy year after year; with the SOC rescaling only (days driven on the new pack) the energy stays."""
    duty = _duty(years=4, ambient_c=30, cycles_per_day=2, ageing_model="nmc111-kokam-75ah")
    drive = life.life(VEHICLE, duty)
    soc = life.life(VEHICLE, duty, feedback="soc")
    e = drive.yearly["energy_grid_kwh"].to_numpy()
    assert np.all(np.diff(e) > 0) and e[-1] > 1.01 * e[0]
    np.testing.assert_allclose(soc.yearly["energy_grid_kwh"], soc.energy_grid_kwh_per_year, rtol=1e-12)
    assert drive.resimulations["resistance_relative"].notna().all()
    assert drive.resistance_after(4.0) > 1.5
    assert drive.yearly["efc"].iloc[-1] > soc.yearly["efc"].iloc[-1]


@pytest.mark.parametrize(("kwargs", "field", "allowed"), [
    ({"feedback": "sometimes"}, "feedback", "drive"),
    ({"soh_step": 0.0}, "soh_step", "0 < soh_step ≤ 0.1"),
    ({"soh_step": 0.5}, "soh_step", "0 < soh_step ≤ 0.1"),
    ({"resistance_step": -1}, "resistance_step", "0 < resistance_step ≤ 1"),
])
def test_bad_life_option_is_an_input_error(kwargs: dict[str, Any], field: str, allowed: str) -> None:
    with pytest.raises(InputError) as info:
        life.life(VEHICLE, _duty(), **kwargs)
    assert info.value.field == field and allowed in info.value.allowed
    assert str(next(iter(kwargs.values()))) in str(info.value)


def test_bad_aged_pack_is_an_input_error() -> None:
    spec = vehicles.load(VEHICLE)
    with pytest.raises(InputError, match="capacity_relative") as info:
        life.aged_pack(spec, 0.0)
    assert "0.05 … 1.5" in info.value.allowed
    with pytest.raises(InputError, match="resistance_relative"):
        life.aged_pack(spec, 0.9, 0.1)


def test_a_day_the_aged_pack_cannot_drive_is_a_note() -> None:
    """A daily distance the new pack just makes: once the faded pack runs empty on it, re-simulation stops
    with a note and the last drivable days are kept (the life still completes)."""
    spec = vehicles.load(VEHICLE)
    duty = life.load_duty(_duty(cycle="hwfet", cycles_per_day=None, distance_per_day_km=500.0, years=3,
                                charge_to_soc_pct=100, charger="dc", charger_kw=50, ambient_c=30))[0]
    first = life.day_profile(spec, duty, 30.0, True, life._day_cycle(duty, None))
    r = life.life(spec, duty)
    assert first.dod < 0.97
    assert any("can no longer do the duty day" in n for n in r.notes), r.notes
    assert len(r.yearly) == 3 and r.resimulations["soh"].min() > 0.8


def test_resistance_growth_reported_for_a_model_that_has_it() -> None:
    r = life.life(VEHICLE, _duty(years=2, ageing_model="nmc111-kokam-75ah"))
    assert r.resistance_after(2.0) is not None and r.resistance_after(2.0) > 1.0
    assert life.life(VEHICLE, _duty(years=1)).resistance_after(1.0) is None


def test_cli_json_shape() -> None:
    result = _runner().invoke(app, ["life", "--vehicle", VEHICLE, "--duty", str(SHORT), "--json"])
    assert result.exit_code == 0, result.stderr
    obj = json.loads(result.stdout)
    for key in ("vehicle", "ageing_model", "years_to_80pct", "km_to_80pct", "soh_after_5_years",
                "soh_after_10_years", "resistance_after_10_years", "km_per_year", "yearly", "days", "notes",
                "feedback", "feedback_soh_step_pct", "feedback_resistance_step_pct", "pack_capacity_ah_new",
                "resimulations"):
        assert key in obj
    assert obj["feedback"] == "drive" and obj["feedback_soh_step_pct"] == pytest.approx(2.0)
    for key in ("soh", "resistance_relative", "efc", "km", "energy_grid_kwh", "energy_battery_kwh",
                "pack_capacity_ah"):
        assert key in obj["yearly"][0]
    assert obj["yearly"][0]["pack_capacity_ah"] == pytest.approx(obj["yearly"][0]["soh"] * obj["pack_capacity_ah_new"])
    assert obj["vehicle"] == VEHICLE and obj["ageing_model"] == "nmc-50ah-b1"
    assert obj["years_to_80pct"] is None and obj["km_to_80pct"] is None     # 3 years: not reached
    assert obj["soh_after_5_years"] is None                                 # beyond the simulated time
    assert len(obj["yearly"]) == 3 and 0.9 < obj["yearly"][-1]["soh"] < 1.0
    assert any("proxy" in n for n in obj["notes"])
    table = _runner().invoke(app, ["life", "--vehicle", VEHICLE, "--duty", str(SHORT)])
    assert table.exit_code == 0 and "years to 80 % SOH" in table.stdout


def test_a_day_the_pack_cannot_drive_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        life.life(VEHICLE, _duty(distance_per_day_km=1500, cycles_per_day=None, years=1))
    assert "distance_per_day_km" in str(info.value) and "ran empty" in str(info.value)


def test_the_cell_temperature_of_a_day_is_the_coupled_pack_temperature() -> None:
    """A day's temperature profile is the pack's: it warms while driving and fast charging (losses; no
    heater above 10 °C), is above the ambient when the charge ends, and cools back to the ambient while
    parked (the day ends soaked). At −10 °C the BTMS keeps the pack well above the ambient while plugged in."""
    spec = vehicles.load(VEHICLE)
    duty = life.load_duty(_duty(charger="dc", charger_kw=150, cycle="wltc3b", cycles_per_day=4))[0]
    cyc = life._day_cycle(duty, None)
    hot = life.day_profile(spec, duty, 30.0, True, cyc)
    t_end_charge = hot.drive_s + hot.charge_s
    k = int(np.searchsorted(hot.time_s, t_end_charge))
    assert hot.temperature_c[k] > 30.0 + 1.0        # 4 WLTC and a 61 → 80 % fast charge: measured +2.2 K
    assert hot.temperature_c.max() < 45.0
    assert hot.temperature_c[0] == 30.0 and hot.temperature_c[-1] == 30.0
    assert np.all(np.diff(hot.temperature_c[k + 1:]) <= 1e-12)  # parked: cooling monotonically
    cold = life.day_profile(spec, duty, -10.0, True, cyc)
    kc = int(np.searchsorted(cold.time_s, cold.drive_s + cold.charge_s))
    assert cold.temperature_c[kc] > 5.0             # heated into the charge window: measured 14.6 °C
