"""Pack thermal model (tyaga.thermal): energy balance, exact step, heat generation, BTMS, builders, coupling,
bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tyaga import cells, thermal
from tyaga.battery import pack_from_cell, pack_shortcut
from tyaga.cell import arrhenius_factor, ecm_parameters, ocv
from tyaga.errors import InputError

BALANCE_TOL = 1e-6


def _params(n: int = 1, **kw: float) -> thermal.PackThermalParams:
    base = {"heat_capacity_j_per_k": 3.0e5, "ua_w_per_k": 200.0, "heater_max_power_w": 5000.0,
            "cooler_max_power_w": 4000.0}
    base.update(kw)
    return thermal.pack_thermal_params(**{k: np.full(n, v) for k, v in base.items()})


# ------------------------------------------------------------------------------------------- energy balance


@given(
    seed=st.integers(0, 2**31 - 1),
    n_steps=st.integers(2, 200),
    heat_capacity=st.floats(1e3, 1e7),
    ua=st.floats(0.0, 5e3),
    dt=st.floats(0.01, 60.0),
    t0=st.floats(-30.0, 50.0),
    sink=st.floats(-30.0, 45.0),
)
def test_energy_balance_closes_over_a_random_profile(seed: int, n_steps: int, heat_capacity: float, ua: float,
                                                     dt: float, t0: float, sink: float) -> None:
    """Σ (Q_gen + Q_btms)·Δt = C·(T_end − T_0) + Σ rejected, to 1e-6 of the heat throughput; and the stored
    heat accumulated per step equals C·ΔT taken from the temperature series."""
    rng = np.random.default_rng(seed)
    n = 3
    t = np.cumsum(np.r_[0.0, rng.uniform(0.2, 2.0, n_steps - 1) * dt])
    current = rng.normal(0.0, 150.0, (n, t.size))
    r = rng.uniform(0.01, 0.2, (n, 1))
    u = rng.uniform(300.0, 800.0, (n, t.size))
    v = u - current * r - rng.normal(0.0, 2.0, (n, t.size))
    dudt = rng.uniform(-0.03, 0.03, (n, t.size))
    p = thermal.pack_thermal_params(heat_capacity, np.array([0.0, ua, 10 * ua]), heater_max_power_w=3000.0,
                                    cooler_max_power_w=3000.0, control_band_k=np.array([0.0, 3.0, 10.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thermal.TemperatureRangeWarning)
        res = thermal.simulate_pack_temperature(t, current, u, v, p, sink, t0, dudt)
    heat_in = res["generated_j"] + res["btms_heat_j"]
    stored_series = heat_capacity * (res["temperature_c"][:, -1] - res["temperature_c"][:, 0])
    scale = np.abs(res["q_gen_w"]) @ np.diff(t) + np.abs(res["q_btms_w"]) @ np.diff(t) + np.abs(res["rejected_j"])
    scale = np.maximum(scale, 1.0)
    residual = np.abs(heat_in - res["stored_j"] - res["rejected_j"]) / scale
    assert np.all(residual < BALANCE_TOL), residual
    assert np.all(np.abs(stored_series - res["stored_j"]) / scale < BALANCE_TOL)
    assert res["rejected_j"][0] == 0.0  # UA = 0: adiabatic, nothing rejected


def test_rejected_heat_equals_the_integral_of_the_closed_form() -> None:
    """∫ UA·(T(t) − T_sink) dt by 40-point Gauss–Legendre quadrature of the analytic trajectory."""
    c, ua, q, ts, t0, dt = 2.0e5, 350.0, 4200.0, -5.0, 18.0, 900.0
    tau = c / ua
    t_inf = ts + q / ua
    x, w = np.polynomial.legendre.leggauss(40)
    tt = 0.5 * dt * (x + 1.0)
    traj = t_inf + (t0 - t_inf) * np.exp(-tt / tau)
    integral = 0.5 * dt * np.sum(w * ua * (traj - ts))
    mean = 0.5 * np.sum(w * traj)
    s = thermal.thermal_step(t0, q, ts, c, ua, dt)
    assert float(s.rejected_j) == pytest.approx(integral, rel=1e-12)
    assert float(s.mean_temperature_c) == pytest.approx(mean, rel=1e-12)


# ------------------------------------------------------------------------------------------- exact step


@pytest.mark.parametrize("dt", [0.1, 1.0, 60.0, 3600.0, 1e6])
def test_exact_step_equals_the_analytic_solution(dt: float) -> None:
    c = np.array([1e4, 3e5, 2e6])
    ua = np.array([5.0, 200.0, 1500.0])
    q, ts, t0 = np.array([100.0, -3000.0, 8000.0]), np.array([-20.0, 25.0, 40.0]), np.array([0.0, 30.0, 10.0])
    t_inf = ts + q / ua
    expect = t_inf + (t0 - t_inf) * np.exp(-dt * ua / c)
    got = thermal.thermal_step(t0, q, ts, c, ua, dt).temperature_c
    np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-12)


def test_many_small_steps_equal_one_big_step_and_adiabatic_is_linear() -> None:
    c, ua, q, ts, t0 = 3e5, 150.0, 2500.0, -10.0, 5.0
    big = thermal.thermal_step(t0, q, ts, c, ua, 3600.0).temperature_c
    t = np.array(t0)
    for _ in range(3600):
        t = thermal.thermal_step(t, q, ts, c, ua, 1.0).temperature_c
    assert float(t) == pytest.approx(float(big), abs=1e-9)
    adiabatic = thermal.thermal_step(t0, q, ts, c, 0.0, 120.0)
    assert float(adiabatic.temperature_c) == pytest.approx(t0 + q * 120.0 / c, rel=1e-14)
    assert float(adiabatic.mean_temperature_c) == pytest.approx(t0 + q * 60.0 / c, rel=1e-12)


def test_step_is_stable_for_a_stiff_pack() -> None:
    """UA·Δt/C = 1000: the exact step lands on the equilibrium, no overshoot (explicit Euler would diverge)."""
    s = thermal.thermal_step(80.0, 0.0, 20.0, 100.0, 1e5, 1.0)
    assert float(s.temperature_c) == pytest.approx(20.0, abs=1e-9)


# ------------------------------------------------------------------------------------------- heat generation


def test_heat_generation_terms_and_sign_convention() -> None:
    r, i = 0.05, np.array([200.0, -200.0])
    u = np.array([400.0, 400.0])
    v = u - i * r
    q_irr, q_rev = thermal.heat_generation_w(i, u, v, 25.0, -0.01)
    np.testing.assert_allclose(q_irr, i**2 * r)  # I²R, ≥ 0 both ways
    t_k = 25.0 + 273.15
    np.testing.assert_allclose(q_rev, [200.0 * t_k * 0.01, -200.0 * t_k * 0.01])
    assert q_rev[0] > 0 > q_rev[1]  # dU/dT < 0: discharge releases, charge absorbs


def test_pack_entropic_coefficient_scales_with_series() -> None:
    with_entropy = [c for c in (cells.load(n) for n in cells.names()) if c.ocv.entropic_v_per_k is not None]
    without = [c for c in (cells.load(n) for n in cells.names()) if c.ocv.entropic_v_per_k is None]
    soc = np.array([0.2, 0.5, 0.8])
    for cell in without:
        assert np.all(thermal.pack_entropic_v_per_k(cell, soc, 96) == 0.0)
    for cell in with_entropy:
        # consistent with the OCV's temperature dependence: dOCV/dT of 96 cells in series
        d = (ocv(cell, soc, 26.0) - ocv(cell, soc, 24.0)) / 2.0 * 96
        np.testing.assert_allclose(thermal.pack_entropic_v_per_k(cell, soc, 96), d, rtol=1e-9, atol=1e-12)
    assert with_entropy or without


# ------------------------------------------------------------------------------------------- BTMS


def test_btms_thresholds_band_and_electrical_draw() -> None:
    p = _params(heater_on_below_c=10.0, cooler_on_above_c=35.0, control_band_k=5.0, heater_efficiency=0.9,
                cooler_cop=2.5)
    t = np.array([-10.0, 7.5, 10.0, 20.0, 35.0, 37.5, 50.0])
    q, pel = thermal.btms_power(t, p)
    np.testing.assert_allclose(q, [5000.0, 2500.0, 0.0, 0.0, 0.0, -2000.0, -4000.0])
    np.testing.assert_allclose(pel, [5000 / 0.9, 2500 / 0.9, 0, 0, 0, 2000 / 2.5, 4000 / 2.5])
    q_off, p_off = thermal.btms_power(t, p, enabled=False)
    assert np.all(q_off == 0) and np.all(p_off == 0)
    onoff = _params(control_band_k=0.0)
    q2, _ = thermal.btms_power(np.array([9.99, 10.0, 35.0, 35.01]), onoff)
    np.testing.assert_allclose(q2, [5000.0, 0.0, 0.0, -4000.0])


def test_heater_warms_a_cold_soaked_pack_and_holds_it_near_the_threshold() -> None:
    p = _params(ua_w_per_k=50.0, heater_on_below_c=10.0, control_band_k=2.0)
    t = np.arange(0.0, 4 * 3600.0 + 1, 1.0)
    res = thermal.simulate_pack_temperature(t, 0.0, 400.0, 400.0, p, -20.0, -20.0)
    temp = res["temperature_c"][0]
    # P-band equilibrium: 5000·(10 − T)/2 = 50·(T + 20)  →  T = 24000/2550
    assert temp[-1] == pytest.approx(24000.0 / 2550.0, abs=0.01)
    assert np.all(np.diff(temp) >= -1e-12)
    assert res["btms_electrical_j"][0] > res["btms_heat_j"][0] > 0  # efficiency < 1


# ------------------------------------------------------------------------------------------- builders


def test_heat_capacity_and_ua_from_a_cell_built_pack() -> None:
    cell = cells.load(cells.names()[0])
    pack = pack_from_cell(cell, 96, 3, 0.05, 1.0)
    n = 96 * 3
    expect = n * cell.mass_kg * (cell.heat_capacity_j_per_k / cell.mass_kg
                                 + thermal.HOUSING_MASS_FRACTION * thermal.HOUSING_SPECIFIC_HEAT_J_PER_KG_K)
    assert thermal.pack_heat_capacity_j_per_k(pack, cell) == pytest.approx(expect)
    uas = [float(thermal.thermal_params_for_pack(pack, cell, c).ua_w_per_k[0])
           for c in ("natural-air", "forced-air", "liquid-plate", "immersion")]
    assert uas == sorted(uas) and uas[2] == pytest.approx(12.0 * pack.energy_wh / 1000.0)
    air = thermal.thermal_params_for_pack(pack, cell, "forced-air")
    liquid = thermal.thermal_params_for_pack(pack, cell, "liquid-plate")
    assert air.heater_max_power_w[0] == 0.0 and liquid.heater_max_power_w[0] > 0.0


def test_shortcut_pack_heat_capacity_is_plausible_and_batches_stack() -> None:
    pack = pack_shortcut(75e3, 400.0, 0.05, 1.0, 3.0, 1.5)
    c = thermal.pack_heat_capacity_j_per_k(pack)
    # 79 kWh gross / 200 Wh/kg ≈ 395 kg of cells at 1000 J/(kg·K) + housing: ~0.5 MJ/K
    assert 3e5 < c < 7e5
    both = thermal.stack_params([thermal.thermal_params_for_pack(pack), thermal.thermal_params_for_pack(
        pack, cooling="natural-air")])
    assert len(both) == 2 and both.ua_w_per_k[0] > both.ua_w_per_k[1]
    assert both.time_constant_s[1] > both.time_constant_s[0]


def test_single_cell_heats_plausibly_under_a_1c_discharge() -> None:
    """LG M50T (21700, with an entropic coefficient) at 1C for 30 min in still air at 25 °C.

    Checks: the generated heat equals Σ (OCV − V)·I·Δt + Σ −I·T·dU/dT·Δt from the electrical results; the
    rise lies below the adiabatic bound ΣQ·Δt/C and above 30 % of it (τ = C/UA ≈ 17 min is comparable to the
    30 min run); and it stays within 3–25 K (about 16 K with this cell's PyBaMM-derived resistances and the
    assumed h = 10 W/(m²·K))."""
    from tyaga.cell import simulate_current

    cell = cells.load("nmc-lg-m50t")
    t = np.arange(0.0, 1801.0, 1.0)
    el = simulate_current(cell, t, np.full(t.size, cell.capacity_ah), 1.0, 25.0)
    p = thermal.thermal_params_for_cell(cell)
    area = math.pi * 0.0211 * 0.07015 + math.pi * 0.0211**2 / 2
    assert p.ua_w_per_k[0] == pytest.approx(10.0 * area)
    dudt = thermal.pack_entropic_v_per_k(cell, el["soc"], 1)
    res = thermal.simulate_pack_temperature(t, el["current_a"], el["ocv_v"], el["voltage_v"], p, 25.0, 25.0, dudt)
    dt = np.diff(t)
    q_irr = ((el["ocv_v"] - el["voltage_v"]) * el["current_a"])[:-1]
    q_rev = (-el["current_a"] * (res["temperature_c"][0] + 273.15) * dudt)[:-1]
    assert res["generated_j"][0] == pytest.approx(float((q_irr + q_rev) @ dt), rel=1e-12)
    rise = res["temperature_c"][0, -1] - 25.0
    adiabatic = res["generated_j"][0] / cell.heat_capacity_j_per_k
    assert 0.3 * adiabatic < rise < adiabatic
    assert 3.0 < rise < 25.0


def test_cell_without_dimensions_needs_a_ua() -> None:
    cell = cells.load("nmc-lg-m50t").model_copy(update={"height_mm": None, "diameter_mm": None})
    with pytest.raises(InputError, match="height_mm"):
        thermal.thermal_params_for_cell(cell)
    assert thermal.thermal_params_for_cell(cell, ua_w_per_k=0.1).ua_w_per_k[0] == 0.1


# ------------------------------------------------------------------------------------------- coupling


def test_resistance_and_current_limits_follow_temperature() -> None:
    np.testing.assert_allclose(thermal.resistance_factor([-10.0, 0.0, 25.0, 40.0], 30000.0),
                               arrhenius_factor(np.array([-10.0, 0.0, 25.0, 40.0]), 25.0, 30000.0))
    f = thermal.current_limit_factor(np.array([-30.0, -20.0, -15.0, -10.0, 25.0, 55.0, 60.0, 70.0]), -20.0, 60.0)
    np.testing.assert_allclose(f, [0.0, 0.0, 0.5, 1.0, 1.0, 0.5, 0.0, 0.0])
    step = thermal.current_limit_factor(np.array([-20.0, 0.0, 61.0]), -20.0, 60.0, derate_band_k=0.0)
    np.testing.assert_allclose(step, [1.0, 1.0, 0.0])


def test_two_way_coupling_losses_heat_the_pack_and_lower_its_resistance() -> None:
    """A cold adiabatic pack under a constant 1C discharge: its losses warm it and R0 falls as it warms."""
    cell = cells.load(cells.names()[0])
    series, parallel = 96, 2
    pack = pack_from_cell(cell, series, parallel, 0.05, 1.0)
    p = thermal.thermal_params_for_pack(pack, cell, "natural-air", ua_w_per_k=0.0)
    current = pack.capacity_ah  # 1C
    temp, soc, r_hist, t_hist = -10.0, 0.9, [], []
    for _ in range(1200):
        r0 = float(ecm_parameters(cell, soc, temp)["r0_ohm"]) * series / parallel
        u = float(ocv(cell, soc, temp)) * series
        v = u - current * r0
        s = thermal.pack_thermal_step(temp, current, u, v, -10.0, p, 1.0)
        temp = float(s.temperature_c[0])
        soc -= current / (3600.0 * pack.capacity_ah)
        r_hist.append(r0)
        t_hist.append(temp)
    assert t_hist[-1] > -10.0 + 0.5
    assert r_hist[-1] < r_hist[0]


# ------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("field", "kw"), [
    ("heat_capacity_j_per_k", {"heat_capacity_j_per_k": -1.0}),
    ("heat_capacity_j_per_k", {"heat_capacity_j_per_k": 0.0}),
    ("ua_w_per_k", {"ua_w_per_k": -5.0}),
    ("cooler_cop", {"cooler_cop": 0.0}),
    ("cooler_cop", {"cooler_cop": -2.0}),
    ("heater_efficiency", {"heater_efficiency": 1.2}),
    ("heater_max_power_w", {"heater_max_power_w": -1.0}),
    ("heater_on_below_c", {"heater_on_below_c": 40.0, "cooler_on_above_c": 35.0}),
    ("ua_w_per_k", {"ua_w_per_k": math.nan}),
])
def test_impossible_inputs_raise_a_clear_error(field: str, kw: dict[str, float]) -> None:
    args = {"heat_capacity_j_per_k": 3e5, "ua_w_per_k": 100.0, **kw}
    with pytest.raises(InputError) as err:
        thermal.pack_thermal_params(**args)
    assert err.value.field == field
    assert "allowed" in str(err.value) and field in str(err.value)


def test_unknown_cooling_type_and_mismatched_batch_are_errors() -> None:
    pack = pack_shortcut(75e3, 400.0, 0.05, 1.0, 3.0, 1.5)
    with pytest.raises(InputError, match="cooling"):
        thermal.thermal_params_for_pack(pack, cooling="water")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="one common length"):
        thermal.pack_thermal_params([1e5, 2e5], [1.0, 2.0, 3.0])


def test_temperature_outside_the_validated_range_warns_with_the_range() -> None:
    p = _params()
    with pytest.warns(thermal.TemperatureRangeWarning, match=r"-40 … 80 °C"):
        thermal.simulate_pack_temperature([0.0, 1.0], 0.0, 400.0, 400.0, p, -45.0, 20.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        thermal.simulate_pack_temperature([0.0, 1.0], 0.0, 400.0, 400.0, p, 20.0, 20.0)  # no warning inside
