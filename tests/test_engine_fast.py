"""The lane-vectorised summary engine against the engine it must equal (engine.run_cycle, summary mode)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from tests.conftest import car_dict, ramp_cycle

from tyaga import cycles, engine, engine_fast, vehicles
from tyaga.chain import _cycle_arrays, build_batch, with_cabin_warmup
from tyaga.cycle import DriveCycle
from tyaga.errors import InputError

RTOL = 1e-9
DUMMY = np.zeros((1, 1, 1))


def write_varied_map(path) -> None:  # type: ignore[no-untyped-def]
    """An efficiency map that varies with speed and torque (0.70 … 0.96), 11 × 9 points."""
    rows = ["speed_rpm,torque_nm,efficiency"]
    for s in np.linspace(0, 15000, 11):
        for t in np.linspace(0, 400, 9):
            eta = 0.96 - 0.18 * np.exp(-s / 2500.0) - 0.08 * (t / 400.0) ** 2 - 0.03 * (s / 15000.0) ** 2
            rows.append(f"{s:.1f},{t:.1f},{eta:.5f}")
    path.write_text("\n".join(rows) + "\n")


def varied_batch(tmp_path, n_per_base: int = 400, seed: int = 7):  # type: ignore[no-untyped-def]
    """≥ 2,000 designs: bundled vehicles, a car with a map and one with a road-load (F0/F1/F2) body, their
    parameter rows perturbed so that torque, power, discharge- and charge-current and voltage limits bind and
    some designs start at or near the end of their SOC window."""
    write_varied_map(tmp_path / "map.csv")
    bases = [vehicles.load(name) for name in ("compact-ev-150kw", "city-bus-12m-285kwh", "van-utility-90kwh-lfp",
                                              "compact-crossover-66kwh")]
    bases.append(vehicles.from_dict(car_dict(**{"powertrain.efficiency_map": str(tmp_path / "map.csv")})))
    bases.append(vehicles.from_dict(car_dict(**{
        "powertrain.efficiency_map": str(tmp_path / "map.csv"), "powertrain.regen_efficiency": 0.75,
        "body.drag_coefficient": None, "body.frontal_area_m2": None, "body.rolling_resistance_coefficient": None,
        "body.f0_n": 140.0, "body.f1_n_per_mps": 1.2, "body.f2_n_per_mps2": 0.42})))
    b = build_batch([s for s in bases for _ in range(n_per_base)])
    p = b.params.copy()
    ocv = b.ocv_tables
    rng = np.random.default_rng(seed)
    n = p.shape[0]

    def scale(col: int, lo: float, hi: float) -> None:
        p[:, col] *= rng.uniform(lo, hi, n)

    scale(engine.P_PEAK, 0.15, 1.3)
    scale(engine.T_PEAK, 0.3, 1.3)
    scale(engine.P_REGEN, 0.2, 1.5)
    scale(engine.I_DIS, 0.08, 1.2)
    scale(engine.I_CH, 0.03, 1.2)
    scale(engine.V_MIN, 1.0, 1.12)
    scale(engine.V_MAX, 0.97, 1.03)
    scale(engine.R0, 0.5, 3.0)
    mass = rng.uniform(0.8, 1.5, n)
    p[:, engine.MASS] *= mass
    p[:, engine.M_EFF] *= mass
    p[:, engine.AUX] += rng.uniform(0.0, 3000.0, n)
    p[:, engine.V_REGEN] *= rng.choice([0.0, 1.0, 2.0], n)
    low = rng.random(n) < 0.25   # a quarter of the designs start near (or below) the end of the window
    p[low, engine.SOC0] = p[low, engine.SOC_MIN] + rng.uniform(-0.01, 0.03, low.sum())
    full = rng.random(n) < 0.2   # some start full: regeneration limited by the voltage
    p[full, engine.SOC0] = 1.0
    vlim = rng.random(n) < 0.2  # a high cut-off voltage: the pack's voltage limit binds under load
    p[vlim, engine.V_MIN] = 0.93 * ocv[vlim].mean(axis=1)
    eta = rng.random(n) < 0.1
    p[eta, engine.REGEN_ETA] = 0.8
    nomap = (p[:, engine.MAP] >= 0) & (rng.random(n) < 0.3)  # some map designs on the loss model instead
    p[nomap, engine.MAP] = -1.0
    order = rng.permutation(n)  # mixed vehicles (with and without a map) side by side in the lanes of a block
    return p[order], ocv[order], b.maps, b.map_steps


def hilly(cycle: DriveCycle) -> DriveCycle:
    """The cycle on rolling hills (±6 % grade)."""
    t = np.asarray(cycle.time_s, dtype=float)
    return DriveCycle(cycle.name + "-hills", t, np.asarray(cycle.speed_mps), 0.06 * np.sin(t / 60.0))


def uneven(cycle: DriveCycle, seed: int = 3) -> DriveCycle:
    """The cycle with about a third of its samples dropped: steps of 1, 2 and 3 s."""
    keep = np.random.default_rng(seed).random(cycle.n_samples) > 0.35
    keep[[0, -1]] = True
    return DriveCycle(cycle.name + "-uneven", np.asarray(cycle.time_s)[keep], np.asarray(cycle.speed_mps)[keep],
                      np.asarray(cycle.grade)[keep])


def reference(p, ocv, maps, steps, cycle):  # type: ignore[no-untyped-def]
    t, v, g = _cycle_arrays(cycle)
    return engine.run_cycle(p, ocv, maps, steps, t, v, g, False, DUMMY)


def fast(p, ocv, maps, steps, cycle, **kw):  # type: ignore[no-untyped-def]
    t, v, g = _cycle_arrays(cycle)
    return engine_fast.run_summary_fast(p, ocv, maps, steps, t, v, g, **kw)


def assert_same(got, ref) -> None:  # type: ignore[no-untyped-def]
    assert got.shape == ref.shape == (ref.shape[0], len(engine.SUMMARY))
    assert np.all(np.isfinite(ref))
    for j, name in enumerate(engine.SUMMARY):
        np.testing.assert_allclose(got[:, j], ref[:, j], rtol=RTOL, atol=0.0, err_msg=name)


@pytest.fixture(scope="module")
def designs(tmp_path_factory):  # type: ignore[no-untyped-def]
    return varied_batch(tmp_path_factory.mktemp("map"))


@pytest.mark.parametrize("make", [lambda: cycles.load("wltc3b"), lambda: cycles.load("us06"),
                                  lambda: hilly(cycles.load("wltc3b")), lambda: uneven(cycles.load("udds"))],
                         ids=["wltc3b", "us06", "wltc3b-hills", "udds-uneven"])
def test_equal_to_the_engine_on_varied_designs(designs, make) -> None:  # type: ignore[no-untyped-def]
    p, ocv, maps, steps = designs
    cycle = make()
    assert p.shape[0] >= 2000
    ref = reference(p, ocv, maps, steps, cycle)
    got = fast(p, ocv, maps, steps, cycle)
    assert_same(got, ref)
    # the batch goes through the limited and empty paths, not only the vectorised one
    u = engine.U
    assert np.mean(ref[:, u["limited_s"]] > 0) > 0.1
    assert np.mean(ref[:, u["exhausted_s"]] > 0) > 0.05
    assert np.mean(ref[:, u["trace_miss_s"]] > 0) > 0.05
    assert np.any(ref[:, u["regen_energy_j"]] > 0)
    # … including designs held at their discharge-current limit and at their cut-off voltage
    assert np.mean(ref[:, u["current_max_a"]] >= p[:, engine.I_DIS] * (1 - 1e-3)) > 0.02
    assert np.mean(ref[:, u["voltage_min_v"]] <= p[:, engine.V_MIN] * (1 + 1e-3)) > 0.01


def test_result_does_not_depend_on_blocks_or_threads(designs) -> None:  # type: ignore[no-untyped-def]
    p, ocv, maps, steps = designs
    sub = slice(0, None, 7)
    args = (p[sub], ocv[sub], maps, steps, cycles.load("wltc3b"))
    ref = reference(*args)
    for kw in ({"workers": 1, "block": 1}, {"workers": 1, "block": 7}, {"workers": 2, "block": 128},
               {"workers": 3, "block": 64}):
        assert_same(fast(*args, **kw), ref)


def test_batch_without_maps_and_single_design() -> None:
    b = build_batch([vehicles.load("compact-ev-150kw"), vehicles.load("city-bus-12m-285kwh")])
    assert np.all(b.params[:, engine.MAP] < 0)
    cycle = ramp_cycle(120.0, grade=0.03)
    ref = reference(b.params, b.ocv_tables, b.maps, b.map_steps, cycle)
    assert_same(fast(b.params, b.ocv_tables, b.maps, b.map_steps, cycle), ref)
    assert_same(fast(b.params[:1], b.ocv_tables[:1], b.maps, b.map_steps, cycle), ref[:1])


def _mixed_batch() -> tuple[Any, ...]:
    """WLTC 3b arrays and a batch of plain, cabin warm-up and pack-thermal designs (two vehicles, three each) at
    −7 °C: (t, v, g, plain batch, warm-up batch, params, ocv tables)."""
    cyc = cycles.load("wltc3b")
    t, v, g = _cycle_arrays(cyc)
    specs = [vehicles.load("compact-ev-150kw"), vehicles.load("van-utility-90kwh-lfp")] * 3
    plain = build_batch(specs, ambient_c=-7.0)
    warm = with_cabin_warmup(plain, cyc)
    thermal = build_batch(specs, ambient_c=-7.0, pack_thermal=True)
    params = np.vstack([plain.params, warm.params, thermal.params])
    ocv = np.vstack([plain.ocv_tables, warm.ocv_tables, thermal.ocv_tables])
    return t, v, g, plain, warm, params, ocv


def test_unsupported_designs_go_to_the_engine() -> None:
    """Pack thermal model and cabin warm-up profile: those rows come from engine.run_cycle, in place."""
    t, v, g, plain, warm, params, ocv = _mixed_batch()
    assert not np.all(engine_fast.supported(params))
    ref = engine.run_cycle(params, ocv, plain.maps, plain.map_steps, t, v, g, False, DUMMY, warm.aux_profiles)
    got = engine_fast.run_summary_fast(params, ocv, plain.maps, plain.map_steps, t, v, g,
                                       aux_profiles=warm.aux_profiles)
    assert_same(got, ref)
    # the three kinds really differ, so a row taken from the wrong path would show
    u = engine.U["chemical_energy_j"]
    assert len({round(float(x), 3) for x in got[[0, 6, 12], u]}) == 3


def test_under_the_wire_goes_to_the_engine() -> None:
    bus = vehicles.load("trolleybus-12m-58kwh")
    b = build_batch([bus, vehicles.load("compact-ev-150kw")])
    assert b.params[0, engine.LINE_V] > 0
    cyc = cycles.load("wltc3b")
    t, v, g = _cycle_arrays(cyc)
    wire = (np.arange(t.size) % 400 < 250).astype(float)
    ref = engine.run_cycle(b.params, b.ocv_tables, b.maps, b.map_steps, t, v, g, False, DUMMY, under_wire=wire)
    assert ref[0, engine.U["wire_s"]] > 0
    got = engine_fast.run_summary_fast(b.params, b.ocv_tables, b.maps, b.map_steps, t, v, g, under_wire=wire)
    assert_same(got, ref)
    assert list(engine_fast.supported(b.params, wire)) == [False, True]


def test_bad_input_names_the_field() -> None:
    b = build_batch([vehicles.load("compact-ev-150kw")])
    t, v, g = _cycle_arrays(cycles.load("udds"))
    with pytest.raises(InputError, match="params"):
        engine_fast.run_summary_fast(b.params[:, :10], b.ocv_tables, b.maps, b.map_steps, t, v, g)
    with pytest.raises(InputError, match="ocv_tabs"):
        engine_fast.run_summary_fast(b.params, b.ocv_tables[:, :1], b.maps, b.map_steps, t, v, g)
    with pytest.raises(InputError, match="speed_mps"):
        engine_fast.run_summary_fast(b.params, b.ocv_tables, b.maps, b.map_steps, t, v[:-1], g)
    with pytest.raises(InputError, match="time_s"):
        engine_fast.run_summary_fast(b.params, b.ocv_tables, b.maps, b.map_steps, t[::-1].copy(), v, g)
    with pytest.raises(InputError, match="grade"):
        engine_fast.run_summary_fast(b.params, b.ocv_tables, b.maps, b.map_steps, t, v, np.full(t.size, np.nan))
    bad = b.params.copy()
    bad[0, engine.MAP] = 3.0
    with pytest.raises(InputError, match="map_index"):
        engine_fast.run_summary_fast(bad, b.ocv_tables, b.maps, b.map_steps, t, v, g)
    with pytest.raises(InputError, match="block"):
        engine_fast.run_summary_fast(b.params, b.ocv_tables, b.maps, b.map_steps, t, v, g, block=0)


def test_every_compiled_function_is_keyed_to_the_engine_source() -> None:
    """Numba's cache checks only engine_fast.py's time stamp; each compiled function holds a stamp of engine.py's
    source in its closure (part of the cache key), so an engine change cannot leave a stale compiled copy."""
    import hashlib
    from pathlib import Path

    from numba.core.registry import CPUDispatcher

    stamp = int(hashlib.sha256(Path(engine.__file__).read_bytes()).hexdigest()[:15], 16)
    assert engine_fast._ENGINE_STAMP == stamp
    seen = []
    todo = [f for f in vars(engine_fast).values() if isinstance(f, CPUDispatcher)]
    while todo:
        f = todo.pop()
        if any(f is g for g in seen):
            continue
        seen.append(f)
        cells = [c.cell_contents for c in (f.py_func.__closure__ or ())]
        assert stamp in cells, f.py_func.__qualname__
        todo.extend(c for c in cells if isinstance(c, CPUDispatcher))
    assert len(seen) >= 2 * 4 + 2 * 2 + 2  # the kernels of both map variants, drive and slice runners, helpers


def test_steps_are_learnt_as_driving_braking_or_standing() -> None:
    """The variants of one vehicle on WLTC: nearly every step gets a specialised kernel (the general one only
    where the batch is mixed), as the module docstring describes."""
    base = vehicles.load("compact-ev-150kw")
    specs = [base.model_copy(update={"body": base.body.model_copy(update={"payload_kg": float(kg)})})
             for kg in np.linspace(0.0, 400.0, 300)]
    b = build_batch(specs)
    t, v, g = _cycle_arrays(cycles.load("wltc3b"))
    dts, sn, cs = engine._grade_trig(t, g)
    n, blk = len(specs), 128
    result = np.zeros((n, engine_fast.NSUM))
    scratch = (np.zeros((engine_fast.N_PV, blk)), np.zeros((engine.N_CONST, blk)), np.zeros((blk, engine.N_CONST)),
               np.zeros((b.ocv_tables.shape[1], blk)), np.zeros((4, blk)), np.zeros(blk, dtype=np.int64),
               np.zeros((engine_fast.NSUM, blk)), np.zeros(engine_fast.NSER))
    modes = np.zeros(t.size - 1, dtype=np.int64)
    final = np.zeros((n, 5))
    engine_fast._drive_nomap(b.params, b.ocv_tables, b.maps, b.map_steps, dts, sn, cs, v, blk, result, final,
                             *scratch, modes, np.zeros(blk), np.zeros(blk, dtype=np.int64))
    assert_same(result, reference(b.params, b.ocv_tables, b.maps, b.map_steps, cycles.load("wltc3b")))
    np.testing.assert_array_equal(final[:, 0], v[-1])  # the end state: at rest, as the trace
    np.testing.assert_array_less(final[:, 3], b.params[:, engine.SOC0])  # lowest SOC below the start
    counts = np.bincount(modes, minlength=5)
    assert counts[engine_fast.UNKNOWN] == 0
    assert counts[engine_fast.TRAC] > 0.4 * modes.size
    assert counts[engine_fast.BRAKE] > 0.15 * modes.size
    assert counts[engine_fast.IDLE] > 0.05 * modes.size
    assert counts[engine_fast.MIXED] < 0.15 * modes.size


# ------------------------------------------------------------------------------------------------ range runs


def range_ref(p, ocv, maps, steps, cycle, max_m):  # type: ignore[no-untyped-def]
    t, v, g = _cycle_arrays(cycle)
    return engine.run_range(p, ocv, maps, steps, t, v, g, max_m, False)


def range_fast(p, ocv, maps, steps, cycle, max_m, **kw):  # type: ignore[no-untyped-def]
    t, v, g = _cycle_arrays(cycle)
    return engine_fast.run_range_fast(p, ocv, maps, steps, t, v, g, max_m, **kw)


def assert_same_range(got, ref) -> None:  # type: ignore[no-untyped-def]
    assert got.shape == ref.shape == (ref.shape[0], 4)
    np.testing.assert_array_equal(got[:, 1], ref[:, 1], err_msg="ended_by")
    np.testing.assert_array_equal(got[:, 2], ref[:, 2], err_msg="cycles started")
    np.testing.assert_allclose(got[:, 0], ref[:, 0], rtol=RTOL, atol=0.0, err_msg="range_m")
    np.testing.assert_allclose(got[:, 3], ref[:, 3], rtol=RTOL, atol=1e-6, err_msg="terminal energy")


@pytest.mark.parametrize("make", [lambda: cycles.load("wltc3b"), lambda: hilly(cycles.load("us06"))],
                         ids=["wltc3b", "us06-hills"])
def test_range_equals_the_engine_with_every_ending(designs, make) -> None:  # type: ignore[no-untyped-def]
    p, ocv, maps, steps = designs
    p = p.copy()
    p[:, engine.SOC0] = np.maximum(p[:, engine.SOC0], p[:, engine.SOC_MAX])  # full at the start, as chain does
    p[::97, engine.P_PEAK] = 1.0     # cannot move (on level ground)
    p[::97, engine.T_PEAK] = 0.01
    vl = np.arange(len(p)) % 13 == 5  # a cut-off voltage that ends the run before the SOC window does
    p[vl, engine.V_MIN] = 0.97 * ocv[vl].mean(axis=1)
    cycle = make()
    max_m = 400_000.0                # some reach it
    ref = range_ref(p, ocv, maps, steps, cycle, max_m)
    got = range_fast(p, ocv, maps, steps, cycle, max_m)
    assert_same_range(got, ref)
    ended = {engine.ENDED_BY[int(c)]: int(np.sum(ref[:, 1] == c)) for c in np.unique(ref[:, 1])}
    want = {"soc_min", "voltage_limit", "max_distance"} | ({"cannot_move"} if cycle.name == "wltc3b" else set())
    assert set(ended) >= want, ended
    assert min(ended[k] for k in want) >= 20, ended
    assert ref[:, 2].max() >= 5  # runs of several passes


def test_range_does_not_depend_on_which_engine_goes_on(designs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """All the way on the lanes, handed over early, one thread or two: the same range runs."""
    p, ocv, maps, steps = designs
    p, ocv = p[::3].copy(), ocv[::3]
    p[:, engine.SOC0] = p[:, engine.SOC_MAX]
    cycle = cycles.load("wltc3b")
    ref = range_ref(p, ocv, maps, steps, cycle, 1e7)
    for live, ahead, kw in ((1, 0.0, {}), (1, 5.0, {"workers": 1, "block": 16}), (10**9, 1.2, {}),
                            (256, 1.2, {"workers": 3, "block": 64})):
        monkeypatch.setattr(engine_fast, "RANGE_MIN_LIVE", live)
        monkeypatch.setattr(engine_fast, "RANGE_LOOKAHEAD", ahead)
        assert_same_range(range_fast(p, ocv, maps, steps, cycle, 1e7, **kw), ref)


def test_range_of_unsupported_designs_and_the_chain() -> None:
    """Thermal and warm-up designs are run by engine.run_range; chain.run_range takes the lanes for big batches."""
    from tyaga import chain

    cyc = cycles.load("wltc3b")
    t, v, g, plain, warm, params, ocv = _mixed_batch()
    params[:, engine.SOC0] = params[:, engine.SOC_MAX]
    ref = engine.run_range(params, ocv, plain.maps, plain.map_steps, t, v, g, 1e7, False, warm.aux_profiles)
    got = engine_fast.run_range_fast(params, ocv, plain.maps, plain.map_steps, t, v, g, 1e7,
                                     aux_profiles=warm.aux_profiles)
    assert_same_range(got, ref)
    assert len({round(float(x), 1) for x in got[[0, 6, 12], 0]}) == 3
    big = build_batch([vehicles.load("compact-ev-150kw")] * chain.FAST_MIN_DESIGNS)
    big.params[:, engine.MASS] *= np.linspace(0.8, 1.3, len(big))
    fast_rng = chain.run_range(big, cyc)
    scalar = chain.run_range(big, cyc, with_summary=True)[:, len(engine.SUMMARY):]
    assert_same_range(fast_rng, scalar)
    with pytest.raises(InputError, match="max_distance_m"):
        engine_fast.run_range_fast(params, ocv, plain.maps, plain.map_steps, t, v, g, 0.0)
