"""The high-level chain: user efficiency maps, regen efficiency, cell-built packs, results."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import car_dict, ramp_cycle

from tyaga import engine, vehicles
from tyaga.battery import pack_from_cell
from tyaga.cells import load as load_cell
from tyaga.chain import build_batch, simulate
from tyaga.errors import InputError
from tyaga.vehicle import loss_model_coefficients, motor_efficiency


def write_map(path, eta: float) -> None:  # type: ignore[no-untyped-def]
    rows = ["speed_rpm,torque_nm,efficiency"]
    for s in np.linspace(0, 16000, 9):
        for t in np.linspace(0, 400, 9):
            rows.append(f"{s},{t},{eta}")
    path.write_text("\n".join(rows) + "\n")


def test_constant_user_map_gives_that_efficiency(tmp_path) -> None:  # type: ignore[no-untyped-def]
    write_map(tmp_path / "map.csv", 0.9)
    data = car_dict(**{"powertrain.efficiency_map": str(tmp_path / "map.csv"), "powertrain.gear_efficiency": 1.0})
    ds = simulate(vehicles.from_dict(data), ramp_cycle(100.0), with_range=False, with_acceleration=False).timeseries
    mech = ds["motor_power_w"].values[0]
    elec = ds["motor_electrical_power_w"].values[0]
    drive = mech > 0
    np.testing.assert_allclose(elec[drive], mech[drive] / 0.9, rtol=1e-9)
    regen = mech < 0
    assert regen.any()
    np.testing.assert_allclose(elec[regen], mech[regen] * 0.9, rtol=1e-9)


def test_regen_efficiency_overrides_the_map() -> None:
    data = car_dict(**{"powertrain.regen_efficiency": 0.8})
    ds = simulate(vehicles.from_dict(data), ramp_cycle(100.0), with_range=False, with_acceleration=False).timeseries
    mech = ds["motor_power_w"].values[0]
    elec = ds["motor_electrical_power_w"].values[0]
    regen = mech < 0
    np.testing.assert_allclose(elec[regen], mech[regen] * 0.8, rtol=1e-9)


def test_default_loss_model_shape() -> None:
    coeffs = loss_model_coefficients(150_000.0, 300.0)
    w_b = 150_000.0 / 300.0
    peak = motor_efficiency(w_b, 300.0, coeffs)
    light = motor_efficiency(w_b, 15.0, coeffs)
    assert 0.95 < peak < 0.98
    assert light < peak


def test_cell_built_pack_scales_the_cell() -> None:
    cell = load_cell("nmc-calb-l148n50b")
    pack = pack_from_cell(cell, 96, 3, 0.05, 0.95)
    assert pack.capacity_ah == pytest.approx(150.0)
    assert pack.energy_wh == pytest.approx(cell.energy_wh * 288, rel=1e-3)
    assert pack.r0_ohm == pytest.approx(cell.r0_ohm * 32)
    assert pack.r1_ohm * pack.c1_f == pytest.approx(cell.r1_ohm * cell.c1_f)
    assert pack.voltage_max_v == pytest.approx(cell.voltage_max_v * 96)


def test_cell_built_vehicle_runs_and_closes_the_balance() -> None:
    res = simulate("city-bus-12m-285kwh", "udds")
    row = res.summary.iloc[0]
    parts = sum(row[k] for k in ["energy_wheel_wh", "energy_drivetrain_loss_wh", "energy_friction_brake_wh",
                                 "energy_aux_wh", "energy_battery_loss_wh"])
    assert row["energy_chemical_wh"] == pytest.approx(parts, rel=1e-9)
    assert row["range_ended_by"] == "soc_min"
    # the usable window holds what the pack says, and range × consumption is of that order
    usable_kwh = row["usable_energy_wh"] / 1000
    assert 0.8 < row["range_km"] * row["energy_dc_wh_per_km"] / 1000 / usable_kwh < 1.05


def test_range_ends_at_soc_min_with_interpolated_distance() -> None:
    spec = vehicles.from_dict(car_dict(**{"battery.usable_energy_kwh": 2.0}))
    res = simulate(spec, "udds")
    row = res.summary.iloc[0]
    # 2 kWh at ≈ 100 Wh/km: about 20 km, i.e. not a whole number of UDDS cycles (11.99 km)
    assert row["range_ended_by"] == "soc_min"
    assert 12.0 < row["range_km"] < 30.0
    assert row["range_km"] % 11.99 > 0.01


def test_summary_columns_and_units_exist() -> None:
    res = simulate(["compact-ev-150kw", "compact-crossover-66kwh"], "hwfet")
    cols = res.summary.columns
    for c in ["distance_km", "energy_dc_wh_per_km", "energy_ac_wh_per_km", "range_km", "trace_miss_s",
              "accel_0_100_s"]:
        assert c in cols
    assert res.timeseries is not None
    assert res.timeseries["speed_mps"].dims == ("design", "time")
    assert res.timeseries["speed_mps"].attrs["units"] == "m/s"
    ac = res.summary["energy_ac_wh_per_km"]
    dc = res.summary["energy_dc_wh_per_km"]
    np.testing.assert_allclose(ac * 0.90, dc, rtol=1e-12)


def test_payload_changes_mass_and_energy() -> None:
    light = simulate("van-utility-90kwh-lfp", "udds", payload_kg=0.0, with_range=False).summary.iloc[0]
    heavy = simulate("van-utility-90kwh-lfp", "udds", payload_kg=1000.0, with_range=False).summary.iloc[0]
    assert heavy["energy_dc_wh_per_km"] > light["energy_dc_wh_per_km"] * 1.05
    assert heavy["accel_0_100_s"] > light["accel_0_100_s"]


def test_threaded_batch_equals_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 3 * engine.PARALLEL_MIN_DESIGNS + 5
    specs = [vehicles.from_dict(car_dict(**{"body.mass_kg": 1000.0 + 20.0 * i})) for i in range(n)]
    batch = build_batch(specs)
    cyc = ramp_cycle(90.0)
    t, v, g = (np.ascontiguousarray(a, dtype=float) for a in (cyc.time_s, cyc.speed_mps, cyc.grade))
    monkeypatch.setenv("TYAGA_NUM_THREADS", "3")
    threaded = engine.run_range(batch.params, batch.ocv_tables, batch.maps, batch.map_steps, t, v, g, 1e7)
    monkeypatch.setenv("TYAGA_NUM_THREADS", "1")
    serial = engine.run_range(batch.params, batch.ocv_tables, batch.maps, batch.map_steps, t, v, g, 1e7)
    np.testing.assert_array_equal(threaded, serial)


def test_ambient_adds_the_cabin_hvac_load_to_the_auxiliaries() -> None:
    """Without ``ambient_c`` the chain drives at test conditions (no HVAC); with it, the steady cabin HVAC
    power of the vehicle's class is added to the auxiliary load, and nothing else changes."""
    from tyaga.chain import cabin_hvac_power_w
    from tyaga.vehicles import load as load_vehicle

    spec = load_vehicle("compact-ev-150kw")
    base = simulate(spec, "udds", timeseries=False, with_acceleration=False)
    test = simulate(spec, "udds", timeseries=False, with_acceleration=False, ambient_c=None)
    cold = simulate(spec, "udds", timeseries=False, with_acceleration=False, ambient_c=-20.0)
    hot = simulate(spec, "udds", timeseries=False, with_acceleration=False, ambient_c=35.0)
    b, c, h = base.summary.iloc[0], cold.summary.iloc[0], hot.summary.iloc[0]
    assert test.summary.iloc[0]["energy_dc_wh_per_km"] == b["energy_dc_wh_per_km"]
    assert b["hvac_power_w"] == 0.0
    hvac = float(cabin_hvac_power_w([spec], -20.0)[0])
    assert c["hvac_power_w"] == hvac and hvac > 1000.0  # heating a car cabin at −20 °C takes kilowatts
    assert 0.0 < h["hvac_power_w"] < hvac               # cooling at 35 °C takes less
    extra_wh = c["energy_aux_wh"] - b["energy_aux_wh"]
    assert extra_wh == pytest.approx(hvac * c["time_s"] / 3600.0, rel=1e-9)
    assert c["energy_aero_wh"] == pytest.approx(b["energy_aero_wh"], rel=1e-12)  # the road load is unchanged
    assert c["range_km"] < h["range_km"] < b["range_km"]


def test_ambient_out_of_range_is_an_input_error() -> None:
    with pytest.raises(InputError, match="ambient_c"):
        simulate("compact-ev-150kw", "udds", timeseries=False, ambient_c=99.0)


def test_a_pack_drained_to_the_end_of_its_window_stops_the_vehicle() -> None:
    """Driving past the usable window: the BMS cuts traction and auxiliaries at ``soc_min``; the vehicle
    coasts, the shortfall is reported, and SOC never runs on below the window (it used to reach −0.38)."""
    from tyaga import cycles

    spec = vehicles.from_dict(car_dict(**{"battery.usable_energy_kwh": 20.0}))
    long = cycles.load("wltc3b").repeat(10)  # 233 km, about 1.4× what 20 kWh drive
    res = simulate(spec, long, timeseries=True, with_acceleration=False)
    s = res.summary.iloc[0]
    soc = res.timeseries["soc"].to_numpy()[0]
    soc_min = spec.battery.soc_min
    step_soc = float(np.max(-np.diff(soc)))  # the largest SOC drop of one step
    assert soc.min() >= soc_min - step_soc   # at most the one step that crosses the window's end
    assert s["exhausted_s"] > 3600.0 and s["trace_miss_s"] > 3600.0
    assert s["distance_km"] == pytest.approx(s["range_km"], rel=0.01)  # it stops where the range run ends
    balance = s["energy_chemical_wh"] - (s["energy_wheel_wh"] + s["energy_drivetrain_loss_wh"]
                                          + s["energy_friction_brake_wh"] + s["energy_aux_wh"]
                                          + s["energy_battery_loss_wh"])
    assert abs(balance) <= 1e-6 * s["energy_chemical_wh"]


# --------------------------------------------------------------------- door openings in the chain's HVAC


def _bus_hvac_expected_w(ambient_c: float, stops_per_s: float) -> float:
    """Steady HVAC electrical power of the bus cabin from its defaults, written out (eq. 1 at dT/dt = 0):
    ``((UA + (ṁ + m_door·n)·c_p)·(T_set − T_amb) − n_occ·100 W) / η_PTC + blower``, heat capped."""
    from tyaga import climate

    d = climate.CABIN_DEFAULTS["bus"]
    g = d["ua_w_per_k"] + (d["fresh_air_mass_flow_kg_per_s"] + d["door_air_exchange_kg_per_stop"] * stops_per_s
                           ) * climate.AIR_SPECIFIC_HEAT_J_PER_KG_K
    q = g * (22.0 - ambient_c) - d["occupants"] * climate.OCCUPANT_HEAT_W
    q = min(q, d["heater_max_power_w"])
    return q / 0.95 + d["blower_power_w"]


def test_the_chain_hvac_of_a_bus_sees_the_stops_of_its_cycle() -> None:
    """``simulate(..., ambient_c=X)``: the steady HVAC of a bus includes the air exchanged through its doors at
    the cycle's stops (stops per second × 40 kg × c_p added to the conductance), as written out by hand."""
    from tyaga import cycles
    from tyaga.chain import door_stops_per_s

    sort2 = cycles.load("sort2")
    sps = door_stops_per_s(sort2)
    assert sps * sort2.duration_s == pytest.approx(3.0)  # SORT 2: three trapezes, each ending at a 20 s stop
    row = simulate("city-bus-12m-285kwh", sort2, ambient_c=5.0, timeseries=False, with_range=False,
                   with_acceleration=False).summary.iloc[0]
    assert row["hvac_power_w"] == pytest.approx(_bus_hvac_expected_w(5.0, sps), rel=1e-12)
    closed = _bus_hvac_expected_w(5.0, 0.0)
    assert row["hvac_power_w"] > 1.5 * closed  # a stop a minute: the doors double the load at 5 °C


def test_more_stops_need_more_hvac_energy_per_hour_at_minus_10() -> None:
    """At −10 °C a bus on a cycle with a stop every 50–60 s (SORT 1) draws more auxiliary energy per hour than on
    one with a single stop (HWFET); without the doors in the chain both would draw the same power."""
    runs = {c: simulate("city-bus-12m-285kwh", c, ambient_c=-10.0, timeseries=False, with_range=False,
                        with_acceleration=False).summary.iloc[0] for c in ("sort1", "hwfet")}
    per_h = {c: r["energy_aux_wh"] / (r["time_s"] / 3600.0) for c, r in runs.items()}
    assert per_h["sort1"] > per_h["hwfet"] + 5000.0
    assert runs["hwfet"]["hvac_power_w"] < runs["sort1"]["hvac_power_w"]


def test_doors_change_nothing_at_the_setpoint_and_cars_stay_bit_for_bit() -> None:
    """At ambient = setpoint (22 °C) open doors exchange air at the cabin's own temperature: no change. A car
    (0 kg per stop) gets exactly the number it had before the doors were added, whatever the stops."""
    from tyaga.chain import cabin_hvac_power_w

    bus = vehicles.load("city-bus-12m-285kwh")
    car = vehicles.load("compact-ev-150kw")
    assert cabin_hvac_power_w([bus], 22.0, stops_per_s=0.05)[0] == pytest.approx(
        cabin_hvac_power_w([bus], 22.0)[0], rel=1e-12)
    assert cabin_hvac_power_w([bus], -5.0, stops_per_s=0.05)[0] > cabin_hvac_power_w([bus], -5.0)[0]
    assert cabin_hvac_power_w([car], -10.0, stops_per_s=0.05)[0] == cabin_hvac_power_w([car], -10.0)[0]
    row = simulate(car, "udds", ambient_c=-10.0, timeseries=False, with_range=False,
                   with_acceleration=False).summary.iloc[0]
    assert row["hvac_power_w"] == cabin_hvac_power_w([car], -10.0)[0]
    with pytest.raises(InputError, match="stops_per_s"):
        build_batch(bus, ambient_c=0.0, stops_per_s=-1.0)


def test_bus_warm_up_with_doors_closes_the_balance_and_settles_on_the_mean_door_load() -> None:
    """``cabin_soaked``: the transient sees each stop in its step. After the warm-up the stop-by-stop load
    averages to a little less than the steady load with the mean stops — at each stop the heater is capped and
    the cabin dips below its setpoint, so it loses less — and far more than with the doors closed; the
    chain's energy balance closes with the door load in the auxiliaries."""
    from tyaga import cycles
    from tyaga.chain import door_stops_per_s, with_cabin_warmup

    cyc = cycles.load("sort2").repeat(20)  # an hour
    batch = with_cabin_warmup(build_batch("city-bus-12m-285kwh", ambient_c=5.0,
                                          stops_per_s=door_stops_per_s(cyc)), cyc)
    assert batch.aux_profiles is not None
    prof = batch.aux_profiles[0]
    warm, late = prof[:600], prof[cyc.time_s.size // 2:]
    assert warm.mean() > 1000.0                          # the warm-up from 5 °C draws above the steady load
    steady_w, closed_w = float(batch.hvac_power_w[0]), _bus_hvac_expected_w(5.0, 0.0)
    settled_w = steady_w + late.mean()
    assert closed_w + 0.8 * (steady_w - closed_w) < settled_w < steady_w
    assert late.max() > 5000.0                           # … with the stops' swings about it
    s = simulate("city-bus-12m-285kwh", cyc, ambient_c=5.0, cabin_soaked=True, timeseries=False,
                 with_range=False, with_acceleration=False).summary.iloc[0]
    parts = (s["energy_wheel_wh"] + s["energy_drivetrain_loss_wh"] + s["energy_friction_brake_wh"]
             + s["energy_aux_wh"] + s["energy_battery_loss_wh"])
    assert s["energy_chemical_wh"] == pytest.approx(parts, rel=1e-9)
    steady = simulate("city-bus-12m-285kwh", cyc, ambient_c=5.0, timeseries=False, with_range=False,
                      with_acceleration=False).summary.iloc[0]
    extra_wh = s["energy_aux_wh"] - steady["energy_aux_wh"]
    assert extra_wh == pytest.approx(float(np.sum(prof * np.diff(cyc.time_s))) / 3600.0, rel=1e-6)
