"""The engine's pack-temperature coupling (engine step 8, ``simulate(..., pack_thermal=True)``).

The engine steps the pack temperature with the same equations as :mod:`tyaga.thermal` (whose energy balance
is tested in tests/test_thermal.py); here: the coupled engine equals the standalone thermal model fed with the
engine's own currents and voltages, a pack held at 25 °C equals the uncoupled run bit for bit, the BTMS draw
is exactly the extra auxiliary energy, the current limits follow the BMS derating, and the signs of the cold
and preconditioned cases.
"""

from __future__ import annotations

import numpy as np
import pytest

from tyaga import engine, thermal, vehicles
from tyaga.chain import build_batch, run_summary, simulate
from tyaga.cycles import load as load_cycle
from tyaga.errors import InputError

CAR = "compact-ev-150kw"


def test_coupled_engine_equals_the_standalone_thermal_model() -> None:
    """Temperature trajectory of the engine = thermal.simulate_pack_temperature on the engine's own I, OCV, V
    (sink = ambient, same parameters), to 1e-9 K over a cold WLTC with the heater working."""
    res = simulate(CAR, "wltc3b", ambient_c=-10.0, pack_thermal=True, with_range=False, with_acceleration=False)
    ds = res.timeseries
    assert ds is not None
    batch = build_batch(CAR, ambient_c=-10.0, pack_thermal=True)
    p = batch.params[0]

    def col(name: str) -> float:
        return float(p[engine.P[name]])

    tp = thermal.pack_thermal_params(
        col("heat_capacity_j_per_k"), col("ua_w_per_k"), col("heater_on_below_c"), col("cooler_on_above_c"),
        col("heater_max_power_w"), col("heater_efficiency"), col("cooler_max_power_w"), col("cooler_cop"),
        col("control_band_k"))
    # the engine's value at index k is the step ending at t_k: shift by one to "held over t_k → t_k+1"
    i = ds["current_a"].values[0, 1:]
    ocv = ds["ocv_v"].values[0, 1:]
    v = ds["voltage_v"].values[0, 1:]
    t = ds["time_s"].values
    ref = thermal.simulate_pack_temperature(t, np.append(i, 0.0), np.append(ocv, 0.0), np.append(v, 0.0), tp,
                                            -10.0, -10.0, col("entropic_v_per_k"))
    temp = ds["pack_temperature_c"].values[0]
    assert temp[-1] > -10.0 + 5.0, "the heater and the losses should warm the pack"
    np.testing.assert_allclose(temp, ref["temperature_c"][0], atol=1e-9, rtol=0)
    np.testing.assert_allclose(ds["btms_power_w"].values[0, 1:], ref["btms_electrical_power_w"][0], rtol=1e-12)
    # the summary's heat equals the thermal model's generated + BTMS heat
    row = res.summary.iloc[0]
    q = (ref["generated_j"][0] + ref["btms_heat_j"][0]) / 3600.0
    assert row["energy_pack_heat_wh"] == pytest.approx(q, rel=1e-9)


def test_a_pack_held_at_25_c_is_the_uncoupled_run_bit_for_bit() -> None:
    """With an enormous heat capacity the pack stays at 25 °C: resistance factor 1, no derating, BTMS idle —
    every summary figure equals the uncoupled engine's exactly."""
    cyc = load_cycle("wltc3b")
    names = vehicles.names()
    plain = build_batch(names)
    coupled = build_batch(names, ambient_c=None, pack_thermal=True, pack_temperature_initial_c=25.0)
    coupled.params[:, engine.P["heat_capacity_j_per_k"]] = 1e30
    a = run_summary(plain, cyc)
    b = run_summary(coupled, cyc)
    n = engine.U["exhausted_s"] + 1
    assert np.array_equal(a[:, :n], b[:, :n])
    assert np.all(b[:, engine.U["pack_temperature_max_c"]] == 25.0)


def test_btms_draw_is_the_extra_auxiliary_energy_and_heats_the_pack() -> None:
    row = simulate(CAR, "wltc3b", ambient_c=-10.0, pack_thermal=True, with_range=False,
                   with_acceleration=False, timeseries=False).summary.iloc[0]
    base = vehicles.load(CAR).powertrain.aux_power_w + row["hvac_power_w"]
    aux_wh = base * row["time_s"] / 3600.0 + row["energy_btms_wh"]
    assert row["energy_btms_wh"] > 100.0
    assert row["energy_aux_wh"] == pytest.approx(aux_wh, rel=1e-12)
    assert row["exhausted_s"] == 0.0


@pytest.mark.parametrize(("temperature_c", "factor"), [(-15.0, 0.5), (-20.0, 0.0), (-12.5, 0.75)])
def test_discharge_current_follows_the_bms_derating(temperature_c: float, factor: float) -> None:
    """A pack held at T (huge heat capacity) never draws more than derate(T) × its discharge limit while it
    drives; the derating is thermal.current_limit_factor with the cell window (−20 … 60 °C) and the 10 K band.
    The derating limits traction: the auxiliary load and the BTMS are always served."""
    spec = vehicles.load(CAR)
    batch = build_batch(spec, pack_thermal=True, pack_temperature_initial_c=temperature_c)
    batch.params[:, engine.P["heat_capacity_j_per_k"]] = 1e30
    expect = float(thermal.current_limit_factor(temperature_c, -20.0, 60.0))
    assert expect == pytest.approx(factor)
    summ = run_summary(batch, load_cycle("wltc3b"))
    i_max = batch.params[0, engine.I_DIS] * factor
    if factor > 0.0:
        assert summ[0, engine.U["current_max_a"]] <= i_max * (1 + 1e-9)
        assert summ[0, engine.U["limited_s"]] > 0.0
    else:  # no traction current at the cell's limit: the car does not move; the auxiliaries are still served
        assert summ[0, engine.U["distance_m"]] == 0.0
        assert summ[0, engine.U["aux_energy_j"]] > 0.0


def test_cold_soaked_pack_loses_range_and_preconditioning_wins_some_back() -> None:
    kw = {"timeseries": False, "with_acceleration": False}
    warm = simulate(CAR, "wltc3b", ambient_c=-10.0, **kw).summary.iloc[0]            # 25 °C circuit
    soaked = simulate(CAR, "wltc3b", ambient_c=-10.0, pack_thermal=True, **kw).summary.iloc[0]
    pre = simulate(CAR, "wltc3b", ambient_c=-10.0, pack_thermal=True, pack_temperature_initial_c=25.0,
                   **kw).summary.iloc[0]
    assert soaked["range_km"] < pre["range_km"] <= warm["range_km"] * (1 + 1e-9)
    assert soaked["energy_battery_loss_wh"] > 2.0 * pre["energy_battery_loss_wh"]
    assert pre["pack_temperature_min_c"] > 15.0 and soaked["pack_temperature_min_c"] == -10.0


def test_hot_pack_is_cooled_by_the_chiller() -> None:
    row = simulate(CAR, "wltc3b", ambient_c=35.0, pack_thermal=True, pack_temperature_initial_c=45.0,
                   timeseries=False, with_range=False, with_acceleration=False).summary.iloc[0]
    assert row["pack_temperature_end_c"] < 40.0
    assert row["energy_btms_wh"] > 0.0


def test_pack_temperature_inputs_are_checked() -> None:
    with pytest.raises(InputError, match="pack_temperature_initial_c"):
        simulate(CAR, "wltc3b", pack_temperature_initial_c=20.0)
    with pytest.raises(InputError, match="pack_temperature_initial_c"):
        simulate(CAR, "wltc3b", pack_thermal=True, pack_temperature_initial_c=200.0)


def test_heat_pump_key_lowers_the_winter_hvac_load() -> None:
    spec = vehicles.load(CAR)
    hp = spec.model_copy(update={"climate": spec.climate.model_copy(update={"heat_pump": True})})
    rows = simulate([spec, hp], "wltc3b", ambient_c=-5.0, timeseries=False, with_acceleration=False).summary
    assert rows["hvac_power_w"].iloc[1] < 0.8 * rows["hvac_power_w"].iloc[0]
    assert rows["range_km"].iloc[1] > rows["range_km"].iloc[0]


def test_cabin_warmup_from_a_cold_soak_is_exactly_the_transient_above_steady() -> None:
    """cabin_soaked: the extra auxiliary energy over one cycle is ∫(transient − steady HVAC) dt of the cabin
    model (tyaga.climate.simulate_cabin) to rounding; it is positive in winter and in summer (cooling down
    a hot cabin), and a range run pays it once (first pass only)."""
    from tyaga import climate

    cyc = load_cycle("wltc3b")
    dt = np.diff(cyc.time_s)
    for amb in (-20.0, 35.0):
        kw = {"ambient_c": amb, "timeseries": False, "with_acceleration": False}
        steady = simulate(CAR, cyc, **kw).summary.iloc[0]
        soaked = simulate(CAR, cyc, cabin_soaked=True, **kw).summary.iloc[0]
        cab = climate.cabin_params_for_class("car")
        run = climate.simulate_cabin(cyc.time_s, amb, cab)
        extra_wh = float((run["hvac_power_w"][0] - soaked["hvac_power_w"]) @ dt) / 3600.0
        assert extra_wh > 50.0
        assert soaked["energy_aux_wh"] - steady["energy_aux_wh"] == pytest.approx(extra_wh, rel=1e-9)
        assert soaked["range_km"] < steady["range_km"]
        # paid once, not on each of the range run's ≈ 12–15 passes: the range lost is of the order of the
        # warm-up energy over the consumption (measured 0.84× at 35 °C, 1.07× at −20 °C)
        lost_km = steady["range_km"] - soaked["range_km"]
        naive_km = extra_wh / steady["energy_dc_wh_per_km"]
        assert 0.5 * naive_km < lost_km < 2.0 * naive_km
    with pytest.raises(InputError, match="cabin_soaked"):
        simulate(CAR, cyc, cabin_soaked=True)


def test_sun_on_the_glazing_adds_to_the_ac_and_helps_the_heater() -> None:
    """solar_w_per_m2: the steady HVAC power of the cabin model with that irradiance — more A/C in summer,
    less heating in winter — and a bad value names the field and the range."""
    from tyaga import climate

    kw = {"timeseries": False, "with_range": False, "with_acceleration": False}
    cab = climate.cabin_params_for_class("car")
    for amb in (35.0, -5.0):
        dark = simulate(CAR, "wltc3b", ambient_c=amb, **kw).summary.iloc[0]
        sun = simulate(CAR, "wltc3b", ambient_c=amb, solar_w_per_m2=800.0, **kw).summary.iloc[0]
        assert sun["hvac_power_w"] == pytest.approx(float(climate.steady_hvac_power_w(cab, amb, 800.0)[0]))
        assert (sun["hvac_power_w"] > dark["hvac_power_w"]) == (amb > 20.0)
    with pytest.raises(InputError, match="solar_w_per_m2"):
        simulate(CAR, "wltc3b", ambient_c=20.0, solar_w_per_m2=-1.0)


def test_vehicle_file_thermal_keys_are_read_and_checked() -> None:
    """[battery] cooling / heater_power_kw and [climate] heat_pump from a vehicle dict (as from TOML): read,
    used by the pack thermal parameters, and bad values named."""
    d = vehicles.load(CAR).model_dump(by_alias=True, exclude={"base_dir"})
    d["battery"] |= {"cooling": "forced-air", "heater_power_kw": 2.0}
    d["climate"] = {"heat_pump": True}
    spec = vehicles.from_dict(d)
    assert spec.battery.cooling == "forced-air" and spec.climate.heat_pump
    tp = thermal.thermal_params_for_vehicle(spec)
    assert tp.heater_max_power_w[0] == 2000.0
    for bad, field in (({"cooling": "water"}, "battery.cooling"), ({"heater_power_kw": -1.0}, "heater_power_kw")):
        d2 = vehicles.load(CAR).model_dump(by_alias=True, exclude={"base_dir"})
        d2["battery"] |= bad
        with pytest.raises(InputError, match=field):
            vehicles.from_dict(d2)
