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


def test_fade_deepens_the_daily_cycle() -> None:
    """The same Ah on a faded cell is a deeper swing: EFC per year stays (q·Σ|Δsoc|/q), DOD grows."""
    r = life.life(VEHICLE, _duty(years=3, ambient_c=35), q_step=None)
    efc = r.yearly["efc"].to_numpy()
    per_year = np.diff(np.concatenate([[0.0], efc]))
    np.testing.assert_allclose(per_year, per_year[0], rtol=1e-9)
    assert r.yearly["soh"].iloc[-1] < 0.95


def test_resistance_growth_reported_for_a_model_that_has_it() -> None:
    r = life.life(VEHICLE, _duty(years=2, ageing_model="nmc111-kokam-75ah"))
    assert r.resistance_after(2.0) is not None and r.resistance_after(2.0) > 1.0
    assert life.life(VEHICLE, _duty(years=1)).resistance_after(1.0) is None


def test_cli_json_shape() -> None:
    result = _runner().invoke(app, ["life", "--vehicle", VEHICLE, "--duty", str(SHORT), "--json"])
    assert result.exit_code == 0, result.stderr
    obj = json.loads(result.stdout)
    for key in ("vehicle", "ageing_model", "years_to_80pct", "km_to_80pct", "soh_after_5_years",
                "soh_after_10_years", "resistance_after_10_years", "km_per_year", "yearly", "days", "notes"):
        assert key in obj
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
