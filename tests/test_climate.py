"""Cabin climate (tyaga.climate): steady state, exact step, COP curves and resistive fallback, warm-up,
preconditioning, bus doors, bad input, and the comparison with AAA's 2019 cold/hot-weather range study."""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from tyaga import climate as cl
from tyaga.errors import InputError
from tyaga.thermal import TemperatureRangeWarning

DATA = Path(__file__).resolve().parent / "data"


def car(**kw: object) -> cl.CabinParams:
    return cl.cabin_params_for_class("car", **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- steady state


@pytest.mark.parametrize("ambient_c", [-20.0, -6.7, 5.0, 30.0, 35.0])
def test_transient_settles_on_the_analytic_steady_state(ambient_c: float) -> None:
    """After 2 h at constant ambient the cabin sits at the setpoint and the HVAC delivers
    (UA + ṁc_p)·(T_set − T_amb) − Q_solar − Q_occ, drawing the steady-state power."""
    p = car(setpoint_c=21.0)
    t = np.arange(0.0, 7200.0 + 1, 1.0)
    res = cl.simulate_cabin(t, ambient_c, p, irradiance_w_per_m2=300.0)
    g = p.ua_w_per_k + p.fresh_air_mass_flow_kg_per_s * cl.AIR_SPECIFIC_HEAT_J_PER_KG_K
    q_expect = g * (21.0 - ambient_c) - 300.0 * p.glazing_area_m2 * p.glazing_transmittance - cl.OCCUPANT_HEAT_W
    assert res["cabin_temperature_c"][0, -1] == pytest.approx(21.0, abs=1e-6)
    assert res["q_hvac_w"][0, -1] == pytest.approx(float(q_expect[0]), rel=1e-6)
    assert res["hvac_power_w"][0, -1] == pytest.approx(float(cl.steady_hvac_power_w(p, ambient_c, 300.0)[0]),
                                                       rel=1e-6)


def test_floating_cabin_without_hvac_matches_the_exponential() -> None:
    """HVAC off: C dT/dt = UA (T_amb − T) + Q_free, solved in closed form."""
    p = car()
    sun = 600.0
    q_free = sun * p.glazing_area_m2[0] * p.glazing_transmittance[0] + cl.OCCUPANT_HEAT_W
    ua, c = p.ua_w_per_k[0], p.heat_capacity_j_per_k[0]
    t = np.arange(0.0, 3601.0, 1.0)
    res = cl.simulate_cabin(t, 30.0, p, 30.0, irradiance_w_per_m2=sun, hvac_on=False)
    t_inf = 30.0 + q_free / ua
    expect = t_inf + (30.0 - t_inf) * np.exp(-t * ua / c)
    np.testing.assert_allclose(res["cabin_temperature_c"][0], expect, rtol=1e-10)
    assert np.all(res["hvac_power_w"] == 0.0)


def test_cabin_energy_balance_at_full_power() -> None:
    """At the heater cap Q is constant: C·ΔT = Σ (Q_hvac + Q_occ − G·(T_mean − T_amb))·Δt."""
    p = car(heater_max_power_w=3000.0, heat_pump_max_heat_w=3000.0)
    t = np.arange(0.0, 301.0, 1.0)
    res = cl.simulate_cabin(t, -15.0, p)
    temp = res["cabin_temperature_c"][0]
    assert np.all(res["q_hvac_w"][0] == 3000.0)
    g = p.conductance_w_per_k()[0]
    mean = 0.5 * (temp[1:] + temp[:-1])  # a ≈ 1e-3 per step: trapezoid error ~1e-7 relative
    rhs = np.sum((3000.0 + cl.OCCUPANT_HEAT_W - g * (mean - (-15.0))) * 1.0)
    assert p.heat_capacity_j_per_k[0] * (temp[-1] - temp[0]) == pytest.approx(rhs, rel=1e-5)


def test_solar_load_shifts_the_hvac_heat_by_g_a_tau() -> None:
    p = car()
    dark = cl.steady_hvac_heat_w(p, 35.0)
    sunny = cl.steady_hvac_heat_w(p, 35.0, 800.0)
    assert float(dark[0] - sunny[0]) == pytest.approx(800.0 * 3.0 * 0.5)
    assert cl.steady_hvac_power_w(p, 35.0, 800.0)[0] > cl.steady_hvac_power_w(p, 35.0)[0]


# ------------------------------------------------------------------------------------------- COP and fallback


def test_heat_pump_cop_falls_with_ambient_and_ac_cop_falls_with_heat() -> None:
    ta = np.linspace(-30.0, 20.0, 51)
    cop = cl.heat_pump_cop(ta)
    assert np.all(np.diff(cop) > 0)
    assert cl.heat_pump_cop(-7.0) == pytest.approx(2.2, abs=0.1)
    assert 1.0 <= cop.min() and cop.max() <= 5.0
    hot = np.linspace(25.0, 45.0, 21)
    assert np.all(np.diff(cl.ac_cop(hot)) < 0)
    assert cl.ac_cop(35.0) == pytest.approx(2.2, abs=0.1)


def test_resistive_fallback_below_the_heat_pump_limit_and_ptc_top_up() -> None:
    hp = car(heat_pump=True, heat_pump_min_ambient_c=-15.0, heat_pump_max_heat_w=2000.0)
    q = np.array([1500.0])
    above = cl.hvac_electrical_power_w(hp, q, -10.0)
    below = cl.hvac_electrical_power_w(hp, q, -16.0)
    blower = hp.blower_power_w[0]
    assert above[0] == pytest.approx(1500.0 / cl.heat_pump_cop(-10.0) + blower)
    assert below[0] == pytest.approx(1500.0 / 0.95 + blower)  # PTC only
    big = cl.hvac_electrical_power_w(hp, np.array([5000.0]), -10.0)
    assert big[0] == pytest.approx(2000.0 / cl.heat_pump_cop(-10.0) + 3000.0 / 0.95 + blower)
    ptc = car(heat_pump=False)
    assert cl.steady_hvac_power_w(ptc, -10.0)[0] > cl.steady_hvac_power_w(hp, -10.0)[0]
    cooling = cl.hvac_electrical_power_w(ptc, np.array([-1000.0]), 35.0)
    assert cooling[0] == pytest.approx(1000.0 / cl.ac_cop(35.0) + blower)


# ------------------------------------------------------------------------------------------- transient


def test_warm_up_time_is_sensible() -> None:
    """A car from a −6.7 °C soak with a 6 kW heater: 3–20 minutes to within 1 K; a bigger heater is faster;
    a bus takes longer than a car; cooling from a 35 °C soak also converges."""
    times = cl.warmup_time_s(car(heater_max_power_w=np.array([6000.0, 9000.0])), -6.7, horizon_s=1800.0)
    assert 180.0 < times[0] < 1200.0
    assert times[1] < times[0]
    bus = cl.warmup_time_s(cl.cabin_params_for_class("bus"), -6.7, horizon_s=3600.0)
    assert bus[0] > times[0]
    assert np.isfinite(cl.warmup_time_s(car(), 35.0, horizon_s=1800.0)[0])
    weak = cl.warmup_time_s(car(heater_max_power_w=500.0), -20.0, horizon_s=3600.0)
    assert math.isinf(weak[0])


def test_preconditioning_draws_from_the_grid_and_saves_battery_energy() -> None:
    p = car()
    pre = cl.precondition(p, -10.0, 1800.0)
    assert pre["grid_energy_j"][0] > 0.0 and pre["battery_energy_j"][0] == 0.0
    assert pre["cabin_temperature_c"][0] == pytest.approx(22.0, abs=0.1)
    drive = np.arange(0.0, 1201.0, 1.0)
    cold = cl.simulate_cabin(drive, -10.0, p)
    warm = cl.simulate_cabin(drive, -10.0, p, pre["cabin_temperature_c"])
    assert warm["battery_energy_j"][0] < cold["battery_energy_j"][0]
    assert np.all(cold["grid_power_w"] == 0.0)


def test_step_is_exact_and_stable_at_large_steps() -> None:
    """The closed-loop step with Δt = 60 s lands on the same steady state as Δt = 1 s (no oscillation)."""
    p = car(control_gain_w_per_k=50000.0)
    for dt in (1.0, 60.0):
        t = np.arange(0.0, 3600.0 + dt / 2, dt)
        temp = cl.simulate_cabin(t, 0.0, p, 21.0)["cabin_temperature_c"][0]
        assert np.all(np.abs(temp - 22.0) <= 1.0 + 1e-9)
        assert temp[-1] == pytest.approx(22.0, abs=1e-6)


@pytest.mark.parametrize("start_c", [-10.0, 21.0, 30.0])
def test_one_long_step_equals_many_short_ones(start_c: float) -> None:
    """The hybrid step (saturated until the band edge, then linear) is the exact solution: one 600 s step
    gives the temperature and the delivered HVAC heat of 600 steps of 1 s."""
    p = car(control_gain_w_per_k=2000.0)
    big = cl.cabin_step(start_c, -5.0, p, 600.0)
    temp, heat = np.array([start_c]), 0.0
    for _ in range(600):
        s = cl.cabin_step(temp, -5.0, p, 1.0)
        temp, heat = s.cabin_temperature_c, heat + float(s.q_hvac_w[0])
    assert float(big.cabin_temperature_c[0]) == pytest.approx(float(temp[0]), abs=1e-8)
    assert float(big.q_hvac_w[0]) * 600.0 == pytest.approx(heat, rel=1e-9)


def test_bus_door_openings_add_a_ventilation_load() -> None:
    bus = cl.cabin_params_for_class("bus")
    speed = np.tile(np.r_[np.zeros(30), np.full(90, 8.0)], 20)  # a stop every 2 minutes
    stops = cl.count_stops(speed)
    assert stops.sum() == 19
    t = np.arange(speed.size, dtype=float)
    closed = cl.simulate_cabin(t, -10.0, bus, 20.0)
    doors = cl.simulate_cabin(t, -10.0, bus, 20.0, stops=stops)
    assert doors["battery_energy_j"][0] > 1.05 * closed["battery_energy_j"][0]
    ss = cl.steady_hvac_heat_w(bus, -10.0, stops_per_s=1 / 120) - cl.steady_hvac_heat_w(bus, -10.0)
    assert float(ss[0]) == pytest.approx(40.0 / 120.0 * cl.AIR_SPECIFIC_HEAT_J_PER_KG_K * 32.0)


def test_batch_axis_and_ambient_series() -> None:
    p = car(heat_pump=np.array([False, True, True]), setpoint_c=np.array([20.0, 20.0, 24.0]))
    assert len(p) == 3
    t = np.arange(0.0, 601.0, 1.0)
    ambient = np.linspace(-10.0, 0.0, t.size)
    res = cl.simulate_cabin(t, ambient, p)
    assert res["cabin_temperature_c"].shape == (3, t.size)
    assert res["hvac_power_w"].shape == (3, t.size - 1)
    e = res["battery_energy_j"]
    assert e[1] < e[0] and e[2] > e[1]


# ------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("field", "kw"), [
    ("heat_capacity_j_per_k", {"heat_capacity_j_per_k": -5.0}),
    ("ua_w_per_k", {"ua_w_per_k": -1.0}),
    ("heat_pump_carnot_fraction", {"heat_pump_carnot_fraction": 0.0}),
    ("ac_carnot_fraction", {"ac_carnot_fraction": -0.3}),
    ("glazing_transmittance", {"glazing_transmittance": 1.5}),
    ("heater_efficiency", {"heater_efficiency": 0.0}),
    ("setpoint_c", {"setpoint_c": 80.0}),
])
def test_impossible_cabin_inputs_raise_a_clear_error(field: str, kw: dict[str, float]) -> None:
    with pytest.raises(InputError) as err:
        car(**kw)
    assert err.value.field == field and "allowed" in str(err.value)


def test_cop_of_zero_and_negative_irradiance_are_errors_unknown_class_too() -> None:
    with pytest.raises(InputError, match="COP > 0"):
        cl.heat_pump_cop(0.0, carnot_fraction=0.0)
    with pytest.raises(InputError, match="irradiance"):
        cl.free_heat_w(car(), -100.0)
    with pytest.raises(InputError, match="vehicle_class"):
        cl.cabin_params_for_class("tram")


def test_ambient_outside_the_validated_range_warns_with_the_range() -> None:
    with pytest.warns(TemperatureRangeWarning, match=r"-30 … 45 °C"):
        cl.steady_hvac_power_w(car(), -40.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cl.steady_hvac_power_w(car(), -20.0)


# ------------------------------------------------------------------------------------------- published figures


def _aaa_rows() -> dict[str, dict[str, str]]:
    with (DATA / "cold_weather_evs.csv").open(newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


#: Tolerances of the AAA comparison, in percentage points of range change (docs/climate.md): the five-car
#: AAA average against the mean of tyaga's five modelled cars ±5 pp; each modelled car ±12 pp (the AAA cars
#: themselves spread by more than that, and only the Bolt is among both sets).
AAA_MEAN_TOL_PP = 5.0
AAA_EACH_TOL_PP = 12.0
#: Cabin setpoint of the comparison, 72 °F (an assumption about AAA's test; SOURCE.md).
AAA_SETPOINT_C = 22.2


def aaa_comparison() -> list[dict[str, object]]:
    """tyaga's range change with HVAC at AAA's 20 °F and 95 °F against AAA's published change.

    tyaga's engine does not yet model the non-HVAC part of the cold/heat effect (battery, tyres, air
    density), so AAA's own HVAC-off figure carries it: predicted total = (1 + AAA_off) · R_hvac/R_base − 1,
    with R = 0.55·R_UDDS + 0.45·R_HWFET at aux + steady HVAC power (resistive heater, no sun) vs aux alone.
    """
    from benchmarks import validation_evs as ve

    from tyaga import procedures, vehicles

    rows, _ = ve.read_rows(ve.resolve_csv(DATA / "validation_evs.csv"))
    specs = [vehicles.from_dict(ve.vehicle_dict(r)) for r in rows]

    def combined(sp: list) -> np.ndarray:  # type: ignore[type-arg]
        city = procedures.range_on_cycle(sp, "udds")["range_km"].to_numpy()
        hwy = procedures.range_on_cycle(sp, "hwfet")["range_km"].to_numpy()
        return 0.55 * city + 0.45 * hwy

    base = combined(specs)
    aaa = _aaa_rows()
    cabin = car(setpoint_c=AAA_SETPOINT_C)
    out = []
    for case, off_id, on_id in (("20 °F heating", "aaa2019_cold_off", "aaa2019_cold_on"),
                                ("95 °F A/C", "aaa2019_hot_off", "aaa2019_hot_on")):
        ambient = float(aaa[on_id]["ambient_c"])
        p_hvac = float(cl.steady_hvac_power_w(cabin, ambient)[0])
        with_hvac = [s.model_copy(update={"powertrain": s.powertrain.model_copy(
            update={"aux_power_w": s.powertrain.aux_power_w + p_hvac})}) for s in specs]
        ratio = combined(with_hvac) / base
        off, on = float(aaa[off_id]["value_pct"]) / 100.0, float(aaa[on_id]["value_pct"]) / 100.0
        for spec, r in zip(specs, ratio, strict=True):
            pred = (1.0 + off) * r - 1.0
            out.append({"case": case, "vehicle": spec.name, "hvac_power_w": p_hvac, "pred_pct": 100 * pred,
                        "aaa_pct": 100 * on, "error_pp": 100 * (pred - on), "source": aaa[on_id]["source"]})
    return out


def test_aaa_2019_range_loss() -> None:
    """AAA (Feb 2019): −41 % combined range at 20 °F with heating, −17 % at 95 °F with A/C (vs 75 °F)."""
    aaa = _aaa_rows()
    assert aaa["aaa2019_cold_on"]["value_pct"] == "-41" and "AAA" in aaa["aaa2019_cold_on"]["source"]
    assert aaa["aaa2019_hot_on"]["value_pct"] == "-17"
    res = aaa_comparison()
    for case in ("20 °F heating", "95 °F A/C"):
        errs = [float(r["error_pp"]) for r in res if r["case"] == case]  # type: ignore[arg-type]
        assert len(errs) >= 5
        assert abs(float(np.mean(errs))) < AAA_MEAN_TOL_PP, res
        assert max(abs(e) for e in errs) < AAA_EACH_TOL_PP, res
    bolt = next(r for r in res if r["case"] == "20 °F heating" and "Bolt" in str(r["vehicle"]))
    assert -50.0 < float(bolt["pred_pct"]) < -35.0  # type: ignore[arg-type]


def aaa_full_model_comparison() -> list[dict[str, object]]:
    """tyaga's whole model against all four AAA figures, AAA's HVAC-off figures no longer taken as input.

    The five validation cars drive UDDS and HWFET range runs (combined 55/45) at AAA's 20 °F and 95 °F with
    the pack temperature coupled (cold- or heat-soaked at the ambient, BTMS defaults), the cabin soaked and
    warmed/cooled to 22 °C (or climate control off), against the same at 75 °F test conditions. Air density and
    tyre temperature are not modelled.
    """
    from benchmarks import validation_evs as ve

    from tyaga import procedures, vehicles

    rows, _ = ve.read_rows(ve.resolve_csv(DATA / "validation_evs.csv"))
    specs = [vehicles.from_dict(ve.vehicle_dict(r)) for r in rows]

    def combined(**kw: object) -> np.ndarray:  # type: ignore[type-arg]
        city = procedures.range_on_cycle(specs, "udds", **kw)["range_km"].to_numpy()  # type: ignore[arg-type]
        hwy = procedures.range_on_cycle(specs, "hwfet", **kw)["range_km"].to_numpy()  # type: ignore[arg-type]
        return 0.55 * city + 0.45 * hwy

    base = combined()
    aaa = _aaa_rows()
    out = []
    for row_id, hvac in (("aaa2019_cold_off", False), ("aaa2019_cold_on", True),
                         ("aaa2019_hot_off", False), ("aaa2019_hot_on", True)):
        ambient = float(aaa[row_id]["ambient_c"])
        pred = combined(ambient_c=ambient, pack_thermal=True, cabin_soaked=hvac, hvac_on=hvac) / base - 1.0
        for spec, p in zip(specs, pred, strict=True):
            out.append({"case": row_id, "vehicle": spec.name, "pred_pct": 100 * p,
                        "aaa_pct": float(aaa[row_id]["value_pct"]),
                        "error_pp": 100 * p - float(aaa[row_id]["value_pct"])})
    return out


#: Measured with the full model (docs/climate.md): mean error −1.2 pp (20 °F, off), −0.2 pp (20 °F,
#: heating), +4.0 pp (95 °F, off: tyaga ±0 % against AAA's −4 %) and +3.6 pp (95 °F, A/C); the bars are the
#: same as for the HVAC-only comparison above.
def test_aaa_2019_all_four_figures_with_the_full_model() -> None:
    """AAA (Feb 2019) −12 % / −41 % at 20 °F (HVAC off / heating) and −4 % / −17 % at 95 °F (off / A/C),
    predicted by the pack and cabin models together: mean of the five cars within 5 pp, each within 12 pp."""
    res = aaa_full_model_comparison()
    for case in ("aaa2019_cold_off", "aaa2019_cold_on", "aaa2019_hot_off", "aaa2019_hot_on"):
        errs = [float(r["error_pp"]) for r in res if r["case"] == case]  # type: ignore[arg-type]
        assert len(errs) == 5
        assert abs(float(np.mean(errs))) < AAA_MEAN_TOL_PP, (case, res)
        assert max(abs(e) for e in errs) < AAA_EACH_TOL_PP, (case, res)


def test_geotab_2020_winter_trip_range() -> None:
    """Geotab (2020, 4,200 EVs): range at −15 °C is 54/115 = 0.47 of that at 21.5 °C. tyaga, one WLTC
    (a 23 km, 30 min trip) from a soak at −15 °C (pack and cabin) against the same trip at 21.5 °C: the
    mean ratio of the five validation cars within 25 % of Geotab's (measured: 0.38, −19 %: tyaga's BTMS
    heats the pack at full power for the whole trip, docs/climate.md)."""
    from benchmarks import validation_evs as ve

    from tyaga import vehicles
    from tyaga.chain import simulate

    row = _aaa_rows()["geotab2020_cold"]
    geotab = 1.0 + float(row["value_pct"]) / 100.0
    assert geotab == pytest.approx(54 / 115, abs=0.005)
    rows, _ = ve.read_rows(ve.resolve_csv(DATA / "validation_evs.csv"))
    specs = [vehicles.from_dict(ve.vehicle_dict(r)) for r in rows]
    kw = {"timeseries": False, "with_range": False, "with_acceleration": False}
    warm = simulate(specs, "wltc3b", ambient_c=21.5, **kw).summary
    cold = simulate(specs, "wltc3b", ambient_c=-15.0, pack_thermal=True, cabin_soaked=True, **kw).summary
    ratio = (warm["energy_dc_wh_per_km"] / cold["energy_dc_wh_per_km"]).to_numpy()
    assert abs(float(ratio.mean()) / geotab - 1.0) < 0.25, ratio
