"""Per-cell pack simulation (tyaga.packsim): exactness, current sharing, BMS limits, balancing, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tyaga import cells
from tyaga.cell import CellSpec, OcvTable, simulate_current
from tyaga.errors import InputError
from tyaga.packsim import Balancing, build_pack, simulate_pack, simulate_vehicle_pack, usable_energy


def plain_cell(n_rc: int = 1, **changes: float) -> CellSpec:
    """An NMC-like 5 A·h cell with constant ECM parameters (1 or 2 RC pairs) and a non-uniform OCV table."""
    data: dict = {
        "name": "test-cell", "chemistry": "NMC", "format": "cylindrical", "source": "test values",
        "capacity_ah": 5.0, "nominal_voltage_v": 3.65, "voltage_min_v": 2.5, "voltage_max_v": 4.2, "mass_kg": 0.07,
        "max_discharge_c": 3.0, "max_charge_c": 1.0, "r0_ohm": 0.015, "r1_ohm": 0.01, "c1_f": 3000.0,
        "r2_ohm": 0.008 if n_rc == 2 else 0.0, "c2_f": 40000.0 if n_rc == 2 else 1.0,
        "ocv": OcvTable(soc=[0.0, 0.03, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0],
                        voltage_v=[2.6, 3.2, 3.45, 3.58, 3.68, 3.9, 4.05, 4.18]),
    }
    data.update(changes)
    return CellSpec(**data)


def no_limits(pack):  # type: ignore[no-untyped-def]
    """The pack with its BMS limits out of the way."""
    from dataclasses import replace

    return replace(pack, voltage_min_v=0.01, voltage_max_v=100.0, max_discharge_current_a=math.inf,
                   max_charge_current_a=math.inf)


def profile(n: int = 400, seed: int = 1, c_max: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Irregular sample times and a charge/discharge C-rate profile (deterministic)."""
    rng = np.random.default_rng(seed)
    t = np.concatenate([[0.0], np.cumsum(rng.choice([0.5, 1.0, 2.0, 5.0], n - 1))])
    c = np.repeat(rng.uniform(-1.0, c_max, n // 10 + 1), 10)[:n]
    return t, c


# ------------------------------------------------------------------------------------------- exactness


@pytest.mark.parametrize("n_rc", [1, 2])
@pytest.mark.parametrize(("series", "parallel"), [(1, 1), (3, 4), (12, 2)])
def test_identical_cells_equal_one_cell_scaled(n_rc: int, series: int, parallel: int) -> None:
    """A pack of identical cells is one cell scaled: I_cell = I/p, V_pack = s·V_cell, same SOC (≤ 1e-12)."""
    cell = plain_cell(n_rc)
    t, c = profile()
    i_pack = c * cell.capacity_ah * parallel
    pack = no_limits(build_pack(cell, series, parallel, soc_initial=0.7))
    ds = simulate_pack(pack, t, current_a=i_pack).dataset
    ref = simulate_current(cell, t, i_pack / parallel, 0.7)
    scale_i = np.abs(ref["current_a"]).max()
    assert np.ptp(ref["soc"]) > 0.05 and np.ptp(ref["voltage_v"]) > 0.1, "profile too gentle"
    assert np.max(np.abs(ds["current_a"].values - ref["current_a"][:, None])) <= 1e-12 * scale_i
    assert np.max(np.abs(ds["voltage_v"].values / ref["voltage_v"][:, None] - 1)) <= 1e-12
    assert np.max(np.abs(ds["pack_voltage_v"].values / (series * ref["voltage_v"]) - 1)) <= 1e-12
    assert np.max(np.abs(ds["soc"].values - ref["soc"][:, None])) <= 1e-12
    assert np.max(np.abs(ds["pack_current_a"].values - ref["current_a"] * parallel)) <= 1e-12 * scale_i * parallel


@pytest.mark.parametrize("name", cells.names())
def test_bundled_cells_with_tables_equal_one_cell_scaled(name: str) -> None:
    """The same exactness for every bundled cell (ECM tables over SOC, Arrhenius temperature, entropic OCV)
    with a temperature time series in steps: vs ``simulate_current(..., temperature_c=...)``, ≤ 1e-12."""
    cell = cells.load(name)
    t, c = profile(300, seed=3, c_max=1.5)
    temp = np.repeat([25.0, 10.0, 35.0, 0.0, 45.0, 20.0], 50)[: t.size]
    pack = no_limits(build_pack(cell, 3, 2, soc_initial=0.75))
    i_pack = c * cell.capacity_ah * 2
    ds = simulate_pack(pack, t, current_a=i_pack, temperature_c=temp).dataset
    ref = simulate_current(cell, t, i_pack / 2, 0.75, temperature_c=temp)
    assert np.max(np.abs(ds["current_a"].values - ref["current_a"][:, None])) <= 1e-12 * np.abs(i_pack).max()
    assert np.max(np.abs(ds["voltage_v"].values / ref["voltage_v"][:, None] - 1)) <= 1e-12
    assert np.max(np.abs(ds["soc"].values - ref["soc"][:, None])) <= 1e-12
    assert np.max(np.abs(ds["pack_voltage_v"].values / (3 * ref["voltage_v"]) - 1)) <= 1e-12


def test_warmer_cells_take_more_current() -> None:
    """Per-cell temperature acts through the ECM parameters: in a group, the warmest (least resistive) cell
    carries the most current, for a cell whose resistances follow the Arrhenius law."""
    cell = plain_cell(1, activation_energy_j_per_mol=30000.0)
    pack = no_limits(build_pack(cell, 1, 3, soc_initial=0.5))
    t = np.arange(0.0, 10.0)
    ds = simulate_pack(pack, t, current_a=np.full(t.size, 15.0), temperature_c=[10.0, 25.0, 40.0]).dataset
    i0 = ds["current_a"].values[0]
    assert i0[0] < i0[1] < i0[2]
    assert i0.sum() == pytest.approx(15.0, rel=1e-12)


def test_power_drive_delivers_the_requested_power() -> None:
    """Driven by power (closed form per step), the step-mean terminal power is the request, and identical
    cells still share it equally."""
    cell = plain_cell(2)
    t, c = profile(300, seed=4, c_max=1.5)
    pack = no_limits(build_pack(cell, 4, 3, soc_initial=0.8))
    p_req = c * cell.capacity_ah * 3 * 4 * 3.7
    ds = simulate_pack(pack, t, power_w=p_req).dataset
    np.testing.assert_allclose(ds["pack_power_w"].values[:-1], p_req[:-1], rtol=1e-10, atol=1e-9)
    cur = ds["current_a"].values
    assert np.max(np.abs(cur - cur[:, :1])) <= 1e-12 * np.abs(cur).max()
    # the current follows P = (E − R·I)·I: more power than E·I at the open-circuit voltage
    assert np.all(ds["pack_current_a"].values[:-1][p_req[:-1] > 0] * ds["pack_voltage_v"].values[:-1][p_req[:-1] > 0]
                  < p_req[:-1][p_req[:-1] > 0] * 1.05)


# ------------------------------------------------------------------------------------------- sharing


def test_current_sharing_inverse_to_impedance_at_first_step() -> None:
    """In a group of equal-SOC cells without RC pairs, the first step's currents are ∝ 1/R0 and add up."""
    cell = plain_cell(1, r1_ohm=0.0)
    factors = np.array([1.0, 2.0, 4.0])
    pack = no_limits(build_pack(cell, 1, 3, soc_initial=0.6, resistance_factor=factors))
    t = np.arange(0.0, 11.0)
    ds = simulate_pack(pack, t, current_a=np.full(t.size, 14.0)).dataset
    i0 = ds["current_a"].values[0]
    np.testing.assert_allclose(i0, 14.0 * (1 / factors) / np.sum(1 / factors), rtol=1e-12)


def test_current_sharing_uses_the_effective_step_resistance() -> None:
    """With RC pairs, the first step's shares are ∝ 1/R_eff, R_eff = R0 + R1·(1 − τ/Δt·(1 − e^(−Δt/τ)))."""
    cell = plain_cell(1)
    factors = np.array([0.8, 1.0, 1.5, 3.0])
    pack = no_limits(build_pack(cell, 1, 4, soc_initial=0.5, resistance_factor=factors))
    dt = 2.0
    t = np.arange(0.0, 20.0, dt)
    ds = simulate_pack(pack, t, current_a=np.full(t.size, 10.0)).dataset
    tau = cell.r1_ohm * cell.c1_f
    r_eff = factors * (cell.r0_ohm + cell.r1_ohm * (1 - tau / dt * (1 - math.exp(-dt / tau))))
    np.testing.assert_allclose(ds["current_a"].values[0], 10.0 * (1 / r_eff) / np.sum(1 / r_eff), rtol=1e-12)
    # the low-resistance cell discharges fastest, and with R_eff the spread is smaller than with R0 alone
    soc_end = ds["soc"].values[-1]
    assert soc_end[0] < soc_end[1] < soc_end[2] < soc_end[3]


def test_charge_conservation_with_spread() -> None:
    """Every group's cell currents add up to the pack current; every group's charge moved is ∫I dt."""
    cell = plain_cell(2)
    t, c = profile(500, seed=7)
    pack = no_limits(build_pack(cell, 5, 4, soc_initial=0.6, capacity_spread=0.05, resistance_spread=0.1,
                                soc_spread=0.03, seed=11))
    i_pack = c * cell.capacity_ah * 4
    ds = simulate_pack(pack, t, current_a=i_pack).dataset
    cur = ds["current_a"].values.reshape(t.size, 5, 4)
    np.testing.assert_allclose(cur[:-1].sum(axis=2), np.broadcast_to(i_pack[:-1, None], (t.size - 1, 5)),
                               rtol=0, atol=1e-10 * np.abs(i_pack).max())
    q_moved = ((pack.soc_initial - ds["soc_end"].values) * pack.capacity_ah * 3600).reshape(5, 4).sum(axis=1)
    np.testing.assert_allclose(q_moved, np.sum(i_pack[:-1] * np.diff(t)), rtol=1e-10)
    # spread makes the currents differ within a group
    assert np.max(np.ptp(cur, axis=2)) > 0.05 * np.abs(i_pack).max() / 4


# ------------------------------------------------------------------------------------------- BMS


def test_bms_stops_at_the_weakest_cell() -> None:
    """A 1C discharge with on_limit="stop" ends when the weakest cell (lowest capacity) reaches voltage_min_v."""
    cell = plain_cell(1)
    caps = np.full(8, 5.0)
    caps[5] = 4.2  # group 2, position 1
    pack = build_pack(cell, 4, 2, soc_initial=1.0, capacity_ah=caps)
    t = np.arange(0.0, 4000.0, 2.0)
    res = simulate_pack(pack, t, current_a=np.full(t.size, 10.0), on_limit="stop")
    assert res.stopped
    assert res.first_limit is not None
    assert res.first_limit["kind"] == "voltage_min"
    assert res.first_limit["group"] == 2
    ds = res.dataset
    assert ds.sizes["time"] < t.size
    v = ds["voltage_v"].values
    assert v.min() >= cell.voltage_min_v - 1e-3
    assert int(np.argmin(v[-1])) // 2 == 2  # the lowest cell voltage at the end is in the weak group
    assert res.first_limit["time_s"] == pytest.approx(float(ds["time_s"].values[-1]))
    assert int(np.argmin(ds["soc_end"].values)) in (4, 5)
    # the weak group ends lower in SOC than the others (it limited the string)
    soc_g = ds["soc_end"].values.reshape(4, 2).mean(axis=1)
    assert soc_g[2] < soc_g.min(where=np.arange(4) != 2, initial=1.0)


def test_bms_derates_at_the_voltage_limit() -> None:
    """With on_limit="derate" the current falls so that the limiting cell stays at voltage_min_v."""
    cell = plain_cell(1)
    pack = build_pack(cell, 3, 2, soc_initial=0.3, capacity_spread=0.03, soc_spread=0.02, seed=5, voltage_min_v=3.3)
    t = np.arange(0.0, 2400.0, 1.0)
    res = simulate_pack(pack, t, current_a=np.full(t.size, 10.0), on_limit="derate")
    ds = res.dataset
    assert not res.stopped and res.first_limit is not None
    assert res.first_limit["kind"] == "voltage_min"
    limited = ds["limit_code"].values == 1
    assert limited.sum() > 10
    assert np.all(ds["pack_current_a"].values[:-1][limited[:-1]] < 10.0)
    assert ds["voltage_v"].values.min() >= 3.3 - 2e-3
    # the limiting cell sits at the limit while derated
    k = np.flatnonzero(limited)[20]
    lc = int(ds["limiting_cell"].values[k])
    assert min(ds["voltage_v"].values[k, lc], ds["voltage_v"].values[k + 1, lc]) == pytest.approx(3.3, abs=2e-3)


def test_bms_current_limit() -> None:
    """A request above the cells' discharge rating is cut to the rating of the first cell to reach it."""
    cell = plain_cell(1)
    pack = build_pack(cell, 2, 3, soc_initial=0.9, resistance_factor=[1.0, 0.7, 1.2, 1.0, 1.0, 1.0])
    t = np.arange(0.0, 30.0)
    res = simulate_pack(pack, t, current_a=np.full(t.size, 3 * 5.0 * 3.0))  # 3C per cell on average
    ds = res.dataset
    assert res.first_limit is not None and res.first_limit["kind"] == "discharge_current"
    assert res.first_limit["cell"] == 1  # the lowest resistance takes the most current
    assert ds["current_a"].values.max() <= pack.max_discharge_current_a * (1 + 1e-9)
    assert ds["pack_current_a"].values[0] < 45.0


# ------------------------------------------------------------------------------------------- balancing


def test_balancing_reduces_soc_spread() -> None:
    """At rest, bleeding the high groups narrows the SOC spread; without balancing it stays."""
    cell = plain_cell(1)
    soc0 = [0.80, 0.84, 0.78, 0.82, 0.80, 0.86]
    t = np.arange(0.0, 6 * 3600.0, 10.0)
    i = np.zeros(t.size)
    plain = simulate_pack(build_pack(cell, 6, 1, soc_initial=soc0), t, current_a=i)
    bal = Balancing(bleed_resistance_ohm=20.0, threshold_soc=0.03)
    balanced = simulate_pack(build_pack(cell, 6, 1, soc_initial=soc0, balancing=bal), t, current_a=i)
    assert np.ptp(plain.soc_end) == pytest.approx(np.ptp(soc0), abs=1e-9)
    assert np.ptp(balanced.soc_end) <= 0.03 + 1e-3 < 0.5 * np.ptp(soc0)
    assert balanced.balancing_energy_wh > 0
    assert balanced.dataset["balancing"].values[0].tolist() == [False, True, False, True, False, True]
    # the lowest group is never bled
    assert not balanced.dataset["balancing"].values[:, 2].any()


def test_voltage_balancing_in_parallel_groups() -> None:
    """Voltage-threshold balancing bleeds whole groups; the bleed current adds to the group's cell currents."""
    cell = plain_cell(1)
    pack = build_pack(cell, 3, 2, soc_initial=[0.9, 0.9, 0.7, 0.7, 0.7, 0.7],
                      balancing=Balancing(bleed_resistance_ohm=10.0, threshold_v=0.01))
    t = np.arange(0.0, 100.0)
    ds = simulate_pack(pack, t, current_a=np.zeros(t.size)).dataset
    cur = ds["current_a"].values[1:-1].reshape(-1, 3, 2).sum(axis=2)
    v_g = ds["voltage_v"].values[1:-1].reshape(-1, 3, 2).mean(axis=2)
    assert ds["balancing"].values[1:-1, 0].all() and not ds["balancing"].values[:, 1:].any()
    np.testing.assert_allclose(cur[:, 0], v_g[:, 0] / 10.0, rtol=1e-3)
    np.testing.assert_allclose(cur[:, 1:], 0.0, atol=1e-12)


# ------------------------------------------------------------------------------------------- energy, vehicle


def test_usable_energy_lost_to_spread() -> None:
    """Identical cells lose nothing to spread; a spread pack loses a positive share of the nominal energy."""
    cell = plain_cell(1)
    same = usable_energy(build_pack(cell, 4, 2, soc_initial=0.95), dt_s=5.0)
    assert abs(same["lost_to_spread_fraction"]) < 1e-9
    s = np.linspace(0.0, 0.95, 2001)
    e_ocv = 8 * 5.0 * float(np.trapezoid(np.interp(s, cell.ocv.soc, cell.ocv.voltage_v), s))
    assert 0.9 * e_ocv < same["nominal_usable_energy_wh"] < e_ocv  # less the resistive loss and the cut-off
    spread = usable_energy(build_pack(cell, 4, 2, soc_initial=0.95, capacity_spread=0.05, soc_spread=0.02,
                                      seed=2), dt_s=5.0)
    assert 0.005 < spread["lost_to_spread_fraction"] < 0.3
    assert spread["nominal_usable_energy_wh"] - spread["usable_energy_wh"] == pytest.approx(
        spread["lost_to_spread_wh"])
    # the simulation reports the same on request, at the run's mean temperature
    pack = build_pack(cell, 2, 2, soc_initial=0.9, capacity_spread=0.05, seed=2)
    t = np.arange(0.0, 60.0)
    res = simulate_pack(pack, t, current_a=np.full(t.size, 5.0), with_usable_energy=True)
    assert res.usable_energy == usable_energy(pack)
    assert res.usable_energy["lost_to_spread_wh"] > 0


def test_driven_by_a_vehicle_simulation() -> None:
    """A vehicle run's battery power drives the pack; where no limit acts, the pack delivers that power."""
    from tyaga.chain import simulate

    run = simulate("compact-ev-150kw", "udds", timeseries=True, with_range=False, with_acceleration=False)
    cell = plain_cell(1)
    pack = build_pack(cell, 96, 4, soc_initial=0.9, capacity_spread=0.02, resistance_spread=0.05, seed=1)
    res = simulate_vehicle_pack(pack, run)
    ds = res.dataset
    p_vehicle = run.timeseries["battery_power_w"].isel(design=0).values[1:]
    ok = ds["limit_code"].values[:-1] == 0
    assert ok.mean() > 0.8
    np.testing.assert_allclose(ds["pack_power_w"].values[:-1][ok], p_vehicle[ok], rtol=1e-9, atol=1e-6)
    assert ds["soc"].values[-1].mean() < 0.9


def test_temperature_inputs() -> None:
    """Temperature as a number, a time series, per cell and (time, cell) is carried into the output."""
    cell = plain_cell(1)
    pack = build_pack(cell, 2, 2, soc_initial=0.5)
    t = np.arange(0.0, 5.0)
    i = np.full(t.size, 5.0)
    assert np.all(simulate_pack(pack, t, current_a=i, temperature_c=10.0).dataset["temperature_c"] == 10.0)
    ts = simulate_pack(pack, t, current_a=i, temperature_c=np.arange(5.0)).dataset["temperature_c"].values
    assert ts[:, 3].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    pc = simulate_pack(pack, t, current_a=i, temperature_c=[20.0, 21.0, 22.0, 23.0]).dataset["temperature_c"].values
    assert pc[2].tolist() == [20.0, 21.0, 22.0, 23.0]
    with pytest.raises(InputError, match="temperature_c"):
        simulate_pack(pack, t, current_a=i, temperature_c=np.zeros(3))


# ------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("kwargs", "field", "value"), [
    ({"resistance_factor": [1.0, -0.5, 1.0, 1.0]}, "resistance_factor[1]", "-0.5"),
    ({"capacity_ah": [5.0, 5.0, 0.0, 5.0]}, "capacity_ah[2]", "0.0"),
    ({"capacity_spread": 10.0}, "capacity_spread", "10.0"),
    ({"resistance_spread": 2.0}, "resistance_spread", "2.0"),
    ({"soc_spread": -0.1}, "soc_spread", "-0.1"),
    ({"soc_initial": 1.2}, "soc_initial", "1.2"),
    ({"soc_initial": [0.5, 0.5, 1.5, 0.5]}, "soc_initial[2]", "1.5"),
    ({"capacity_ah": [5.0, 5.0]}, "capacity_ah", "2 values"),
    ({"voltage_min_v": 4.3}, "voltage_max_v", "4.2"),
    ({"max_discharge_current_a": -1.0}, "max_discharge_current_a", "-1.0"),
])
def test_bad_pack_input(kwargs: dict, field: str, value: str) -> None:
    """Bad pack input: an InputError naming the field and the value."""
    with pytest.raises(InputError) as err:
        build_pack(plain_cell(1), 2, 2, **kwargs)
    assert err.value.field == field
    assert value in str(err.value)


def test_bad_counts_and_drive() -> None:
    """Bad counts, times, drives and balancing settings are InputErrors naming the field."""
    cell = plain_cell(1)
    for series, parallel, field in ((0, 2, "series"), (2, 0, "parallel"), (2.5, 1, "series")):
        with pytest.raises(InputError) as err:
            build_pack(cell, series, parallel)  # type: ignore[arg-type]
        assert err.value.field == field
    pack = build_pack(cell, 2, 2)
    t = np.arange(5.0)
    with pytest.raises(InputError, match="current_a"):
        simulate_pack(pack, t)
    with pytest.raises(InputError, match="exactly one"):
        simulate_pack(pack, t, current_a=np.ones(5), power_w=np.ones(5))
    with pytest.raises(InputError, match="time_s"):
        simulate_pack(pack, t[::-1], current_a=np.ones(5))
    with pytest.raises(InputError, match="current_a"):
        simulate_pack(pack, t, current_a=np.ones(4))
    with pytest.raises(InputError, match="on_limit"):
        simulate_pack(pack, t, current_a=np.ones(5), on_limit="ignore")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="bleed_resistance_ohm"):
        Balancing(bleed_resistance_ohm=-3.0)
    with pytest.raises(InputError, match="threshold"):
        Balancing(bleed_resistance_ohm=30.0, threshold_v=0.01, threshold_soc=0.01)
