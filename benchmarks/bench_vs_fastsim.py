"""Speed of tyaga against NREL FASTSim 3 on the same vehicle, in one run.

Measures, all warm (compilation and first-call costs excluded, medians of repeats):

a. FASTSim, one vehicle on UDDS: ``SimDrive.run()`` alone (history off), and per step;
b. tyaga, the same vehicle on UDDS, from a loaded spec to the summary table (``simulate(..., timeseries=False,
   with_range=False, with_acceleration=False)``), and the engine call alone;
c. tyaga, N variants (default 10,000: random mass, payload, Cd, frontal area, Crr, motor power, aux) on
   WLTC class 3b in summary-only mode: end to end from the variant specs, and the engine alone, as
   design-steps/s; peak memory of the end-to-end run (resident set high-water mark and tracemalloc peak);
d. FASTSim on M variants (default 200) of the same kind on WLTC 3b, for throughput.

Run: ``python benchmarks/bench_vs_fastsim.py [--designs 10000] [--fastsim-designs 200] [--json out.json]``.
Needs FASTSim 3 (``pip install 'fastsim>=3.1,<4'``). tyaga's engine uses every core Numba is given
(``NUMBA_NUM_THREADS``); FASTSim runs on one. Reference targets: (b) ≥ 30× faster than (a) and ≤ 1 ms;
(c) ≥ 3·10⁷ design-steps/s; < 1 GB peak.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

warnings.filterwarnings("ignore", category=DeprecationWarning)


def median_time(fn: Callable[[], Any], repeats: int, min_time_s: float = 0.0) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls (more calls until ``min_time_s`` is spent) [s].

    The fastest call is kept in ``FASTEST[-1]`` (on a shared machine the median carries others' load)."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < min_time_s:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 100 * repeats:
            break
    FASTEST.append(min(times))
    return statistics.median(times)


FASTEST: list[float] = []


def max_rss_mb() -> float:
    """Resident-set high-water mark of this process so far [MB] (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024.0 if sys.platform != "darwin" else kib / 2**20


def variant_specs(base: Any, n: int, seed: int) -> list[Any]:
    """``n`` random variants of a tyaga spec: ±20 % mass, payload 0–400 kg, ±15 % Cd, ±10 % frontal area,
    ±25 % Crr, ±30 % motor and regen power, aux 150–1500 W (uniform)."""
    rng = np.random.default_rng(seed)
    b, pt = base.body, base.powertrain
    u = rng.uniform
    out = []
    for i in range(n):
        scale_p = u(0.7, 1.3)
        body = b.model_copy(update={
            "mass_kg": b.mass_kg * u(0.8, 1.2), "payload_kg": u(0.0, 400.0),
            "drag_coefficient": b.drag_coefficient * u(0.85, 1.15),
            "frontal_area_m2": b.frontal_area_m2 * u(0.9, 1.1),
            "rolling_resistance_coefficient": b.rolling_resistance_coefficient * u(0.75, 1.25),
        })
        power = pt.model_copy(update={
            "motor_peak_power_kw": pt.motor_peak_power_kw * scale_p,
            "motor_peak_torque_nm": pt.motor_peak_torque_nm * scale_p,
            "regen_max_power_kw": pt.regen_max_power_kw * scale_p, "aux_power_w": u(150.0, 1500.0),
        })
        out.append(base.model_copy(update={"name": f"{base.name} #{i}", "body": body, "powertrain": power}))
    return out


def fastsim_variant_dicts(base: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    """The same kind of variants as :func:`variant_specs`, applied to a FASTSim vehicle dict."""
    import copy

    rng = np.random.default_rng(seed)
    u = rng.uniform
    out = []
    for _ in range(n):
        d = copy.deepcopy(base)
        d["mass_kilograms"] = base["mass_kilograms"] * u(0.8, 1.2) + u(0.0, 400.0)
        ch = d["chassis"]
        ch["drag_coef"] *= u(0.85, 1.15)
        ch["frontal_area_square_meters"] *= u(0.9, 1.1)
        ch["wheel_rr_coef"] *= u(0.75, 1.25)
        ch["glider_mass_kilograms"] = ch["cargo_mass_kilograms"] = None
        d["pt_type"]["BEV"]["em"]["pwr_out_max_watts"] *= u(0.7, 1.3)
        d["pt_type"]["BEV"]["em"]["eff_interp_at_max_input"] = None  # rebuilt by FASTSim's init
        d["pwr_aux_base_watts"] = u(150.0, 1500.0)
        out.append(d)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vehicle", default="2022_Renault_Zoe_ZE50_R135.yaml", help="FASTSim BEV resource file")
    ap.add_argument("--designs", type=int, default=10_000, help="tyaga variants on WLTC 3b")
    ap.add_argument("--fastsim-designs", type=int, default=200, help="FASTSim variants on WLTC 3b")
    ap.add_argument("--repeats", type=int, default=30, help="repeats for single-run medians")
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)

    import fastsim
    import numba

    from tyaga import cycles, vehicles
    from tyaga.interop import fastsim as tf

    sim = importlib.import_module("tyaga.chain")
    engine = importlib.import_module("tyaga.engine")
    rss_start = max_rss_mb()
    udds, wltc = cycles.load("udds"), cycles.load("wltc3b")
    n_udds, n_wltc = udds.n_samples - 1, wltc.n_samples - 1  # steps
    tmp = tempfile.mkdtemp(prefix="tyaga-bench-")
    spec = vehicles.from_dict(tf.vehicle_from_fastsim(args.vehicle, map_dir=tmp))
    info: dict[str, Any] = {
        "python": platform.python_version(), "machine": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(), "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "fastsim": fastsim.__version__, "vehicle": spec.name, "udds_steps": n_udds, "wltc3b_steps": n_wltc,
    }
    print(f"tyaga vs FASTSim {fastsim.__version__} — {spec.name}; {os.cpu_count()} CPUs, "
          f"Numba threads {numba.config.NUMBA_NUM_THREADS}; UDDS {n_udds} steps, WLTC 3b {n_wltc} steps")

    def one_tyaga(s: Any = spec, c: Any = udds) -> float:
        res = sim.simulate(s, c, timeseries=False, with_range=False, with_acceleration=False)
        return float(res.summary["energy_dc_wh_per_km"].iloc[0])

    # warm-up: Numba compile / cache load, FASTSim first call
    ty_udds = one_tyaga()
    fs_veh = tf.load_fastsim_vehicle(args.vehicle)
    fs_veh.set_save_interval(None)
    fs_udds = tf.fastsim_cycle(udds)
    fastsim.SimDrive(fs_veh, fs_udds).run()

    # (a) FASTSim, one run on UDDS
    sds: list[Any] = []

    def fs_prepare_run() -> None:
        sd = fastsim.SimDrive(fs_veh, fs_udds)
        sds.append(sd)

    def fs_run() -> None:
        sds.pop().run()

    times_fs = []
    for _ in range(max(args.repeats, 5)):
        fs_prepare_run()
        t0 = time.perf_counter()
        fs_run()
        times_fs.append(time.perf_counter() - t0)
    t_fs = statistics.median(times_fs)
    t_fs_min = min(times_fs)
    t_fs_e2e = median_time(lambda: tf.fastsim_energy_dc_wh_per_km(args.vehicle, fs_udds),
                           max(args.repeats // 3, 5))
    fs_udds_whkm = tf.fastsim_energy_dc_wh_per_km(args.vehicle, fs_udds)

    # (b) tyaga, one run on UDDS from the loaded spec
    t_ty = median_time(one_tyaga, args.repeats, min_time_s=0.5)
    t_ty_min = FASTEST[-1]
    batch1 = sim.build_batch([spec])
    t_build1 = median_time(lambda: sim.build_batch([spec]), args.repeats, min_time_s=0.2)
    t_eng1 = median_time(lambda: sim.run_summary(batch1, udds), args.repeats, min_time_s=0.2)
    t_eng1_min = FASTEST[-1]
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # a one-design batch gains nothing from threads but can wait on them
    t_eng1_serial = median_time(lambda: sim.run_summary(batch1, udds), args.repeats, min_time_s=0.2)
    t_ty_serial = median_time(one_tyaga, args.repeats, min_time_s=0.5)
    numba.set_num_threads(threads)
    no_map = spec.model_copy(update={"powertrain": spec.powertrain.model_copy(update={"efficiency_map": None})})
    one_tyaga(no_map)
    t_ty_nomap = median_time(lambda: one_tyaga(no_map), args.repeats, min_time_s=0.5)
    print("\n(a/b) one vehicle on UDDS (median, warm)")
    print(f"  FASTSim SimDrive.run (history off)    {t_fs * 1e3:9.3f} ms   {t_fs / n_udds * 1e6:7.2f} µs/step"
          f"   (fastest {t_fs_min * 1e3:.3f} ms)")
    print(f"  FASTSim load+run+read (history on)    {t_fs_e2e * 1e3:9.3f} ms")
    print(f"  tyaga simulate → summary              {t_ty * 1e3:9.3f} ms   {t_ty / n_udds * 1e6:7.3f} µs/step"
          f"   → {t_fs / t_ty:6.1f}× faster than SimDrive.run   (fastest {t_ty_min * 1e3:.3f} ms)")
    print(f"    of which build_batch (spec → params) {t_build1 * 1e3:8.3f} ms; "
          f"engine alone {t_eng1 * 1e3:.3f} ms "
          f"({t_fs / t_eng1:.0f}× FASTSim; fastest {t_eng1_min * 1e3:.3f} ms)")
    print(f"  with one Numba thread: simulate {t_ty_serial * 1e3:.3f} ms ({t_fs / t_ty_serial:.1f}×), "
          f"engine alone {t_eng1_serial * 1e3:.3f} ms ({t_fs / t_eng1_serial:.0f}× FASTSim)")
    print(f"  same spec without its efficiency-map CSV (tyaga's loss model): simulate {t_ty_nomap * 1e3:.3f} ms "
          f"({t_fs / t_ty_nomap:.1f}×)")
    print(f"  DC energy: tyaga {ty_udds:.2f} Wh/km, FASTSim {fs_udds_whkm:.2f} Wh/km")

    # (c) tyaga, N variants on WLTC 3b, summary only
    gc.collect()
    t0 = time.perf_counter()
    specs = variant_specs(spec, args.designs, seed=1)
    t_specs = time.perf_counter() - t0
    sim.simulate(specs[:2], wltc, timeseries=False, with_range=False, with_acceleration=False)  # warm
    t0 = time.perf_counter()
    res = sim.simulate(specs, wltc, timeseries=False, with_range=False, with_acceleration=False)
    t_many_first = time.perf_counter() - t0
    rss_after_many = max_rss_mb()
    # timed as the engine alone is (median of 3): the first call above also pays for first-touch of its memory
    t_many = median_time(lambda: sim.simulate(specs, wltc, timeseries=False, with_range=False,
                                              with_acceleration=False), 3)
    whkm = res.summary["energy_dc_wh_per_km"].to_numpy()
    batch = sim.build_batch(specs)
    t_build_many = median_time(lambda: sim.build_batch(specs), 1)
    t_eng_many = median_time(lambda b=batch: sim.run_summary(b, wltc), 3)
    steps = args.designs * n_wltc
    del res, batch
    gc.collect()
    tracemalloc.start()
    sim.simulate(specs, wltc, timeseries=False, with_range=False, with_acceleration=False)
    _, tm_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\n(c) tyaga, {args.designs} variants on WLTC 3b, summary only")
    print(f"  making the variant specs (pydantic)   {t_specs:9.3f} s  (not counted below)")
    print(f"  simulate → summary, end to end        {t_many:9.3f} s   {steps / t_many:10.3e} design-steps/s"
          f"  (median of 3; the first call {t_many_first:.3f} s)")
    print(f"    of which build_batch                {t_build_many:9.3f} s")
    print(f"    engine alone (run_summary)          {t_eng_many:9.3f} s   "
          f"{steps / t_eng_many:10.3e} design-steps/s"
          f"  ({steps / t_eng_many / numba.config.NUMBA_NUM_THREADS:.3e} per thread)")
    print(f"  peak memory: RSS high-water {rss_after_many:.0f} MB (after imports {rss_start:.0f} MB); "
          f"tracemalloc peak {tm_peak / 2**20:.1f} MB")
    print(f"  DC energy over the variants: {np.nanmin(whkm):.1f} … {np.nanmax(whkm):.1f} Wh/km "
          f"(median {np.nanmedian(whkm):.1f})")

    # (d) FASTSim, M variants on WLTC 3b
    base = tf.load_fastsim_vehicle(args.vehicle).to_dict()
    fs_wltc = tf.fastsim_cycle(wltc)
    dicts = fastsim_variant_dicts(base, args.fastsim_designs, seed=2)
    t_build_fs = 0.0
    t_run_fs = 0.0
    for d in dicts:
        t0 = time.perf_counter()
        veh = fastsim.Vehicle.from_dict(d)
        veh.set_save_interval(None)
        sd = fastsim.SimDrive(veh, fs_wltc)
        t1 = time.perf_counter()
        sd.run()
        t2 = time.perf_counter()
        t_build_fs += t1 - t0
        t_run_fs += t2 - t1
    fs_steps = args.fastsim_designs * n_wltc
    print(f"\n(d) FASTSim, {args.fastsim_designs} variants on WLTC 3b (one process, one core)")
    print(f"  Vehicle.from_dict + SimDrive          {t_build_fs:9.3f} s")
    print(f"  SimDrive.run                          {t_run_fs:9.3f} s   "
          f"{fs_steps / t_run_fs:10.3e} design-steps/s")
    print(f"  with construction                     {t_build_fs + t_run_fs:9.3f} s   "
          f"{fs_steps / (t_build_fs + t_run_fs):10.3e} design-steps/s")

    ratio_e2e = (steps / t_many) / (fs_steps / t_run_fs)
    ratio_eng = (steps / t_eng_many) / (fs_steps / t_run_fs)
    print("\nRatios (tyaga / FASTSim throughput)")
    print(f"  one UDDS run: {t_fs / t_ty:.1f}× (end to end), {t_fs / t_eng1:.0f}× (engine)")
    print(f"  many designs: {ratio_e2e:.0f}× (end to end), {ratio_eng:.0f}× (engine); per thread "
          f"{ratio_eng / numba.config.NUMBA_NUM_THREADS:.0f}× (engine)")

    figures = {
        **info,
        "fastsim_udds_run_ms": t_fs * 1e3,
        "fastsim_udds_run_fastest_ms": t_fs_min * 1e3,
        "fastsim_udds_us_per_step": t_fs / n_udds * 1e6,
        "fastsim_udds_end_to_end_ms": t_fs_e2e * 1e3,
        "tyaga_udds_simulate_ms": t_ty * 1e3,
        "tyaga_udds_simulate_fastest_ms": t_ty_min * 1e3,
        "tyaga_udds_build_batch_ms": t_build1 * 1e3,
        "tyaga_udds_engine_ms": t_eng1 * 1e3,
        "tyaga_udds_engine_fastest_ms": t_eng1_min * 1e3,
        "tyaga_udds_simulate_one_thread_ms": t_ty_serial * 1e3,
        "tyaga_udds_engine_one_thread_ms": t_eng1_serial * 1e3,
        "tyaga_udds_simulate_without_map_ms": t_ty_nomap * 1e3,
        "speedup_one_run": t_fs / t_ty,
        "speedup_one_run_engine": t_fs / t_eng1,
        "tyaga_designs": args.designs,
        "tyaga_variant_specs_s": t_specs,
        "tyaga_many_s": t_many,
        "tyaga_many_first_call_s": t_many_first,
        "tyaga_many_design_steps_per_s": steps / t_many,
        "tyaga_many_build_batch_s": t_build_many,
        "tyaga_many_engine_s": t_eng_many,
        "tyaga_many_engine_design_steps_per_s": steps / t_eng_many,
        "rss_peak_mb": rss_after_many,
        "rss_after_imports_mb": rss_start,
        "tracemalloc_peak_mb": tm_peak / 2**20,
        "fastsim_designs": args.fastsim_designs,
        "fastsim_many_run_s": t_run_fs,
        "fastsim_many_build_s": t_build_fs,
        "fastsim_many_design_steps_per_s": fs_steps / t_run_fs,
        "throughput_ratio_end_to_end": ratio_e2e,
        "throughput_ratio_engine": ratio_eng,
        "tyaga_udds_wh_per_km": ty_udds,
        "fastsim_udds_wh_per_km": fs_udds_whkm,
    }
    _ = engine  # imported so that a missing engine fails early
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
    return figures


if __name__ == "__main__":
    main()
