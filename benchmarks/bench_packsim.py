"""Speed of tyaga's per-cell pack simulation against liionpack 0.4.0, in one run.

Measures (tyaga warm, compilation excluded; medians of repeats):

a. liionpack, a 96s4p pack (384 cells) of Panasonic NCR18650 cells with spread (capacity 3 %, resistance
   10 %, SOC 1 %, seed 3) on the first ``--liionpack-steps`` 1 s steps of a WLTC-derived current profile
   (the oracle's: tests/oracles/test_liionpack.py), one process (``nproc=1``), in its own environment
   (tools/liionpack_env.sh). Reported: ``liionpack.solve`` wall time per cell-step, in total and marginal
   (two runs of different lengths: the difference per extra step, without set-up and model build);
b. tyaga, the same pack on the same profile: the first ``--liionpack-steps`` steps (agreement with a) and
   the whole WLTC 3b cycle (1,800 steps), per cell-step; the ratio to a;
c. tyaga, a 1,000-cell pack (100s10p) over one hour at 1 s steps (3,600 steps; the WLTC-derived profile
   twice), with and without recording the per-cell series. Target: < 0.5 s on one core.

tyaga's kernel runs on one core (no threads). Run::

    python benchmarks/bench_packsim.py [--liionpack-steps 40] [--json out.json]

Targets (issue 3): b ≥ 1000× a per cell-step; c < 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "oracles"))


def median_time(fn: Callable[[], Any], repeats: int, min_time_s: float = 0.0) -> tuple[float, float]:
    """(median, fastest) wall time of ``fn()`` over ``repeats`` calls (more until ``min_time_s``) [s]; the
    median CPU time of this process per call goes to ``CPU[-1]`` (less disturbed by a busy shared host)."""
    times: list[float] = []
    cpu: list[float] = []
    start = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < min_time_s:
        t0 = time.perf_counter()
        c0 = time.process_time()
        fn()
        cpu.append(time.process_time() - c0)
        times.append(time.perf_counter() - t0)
    CPU.append(statistics.median(cpu))
    return statistics.median(times), min(times)


CPU: list[float] = []


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--liionpack-steps", type=int, default=40, help="steps of the longer liionpack run")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    import numba
    import test_liionpack as oracle  # the oracle's profile and problem builder
    from tools import liionpack_runner

    from tyaga import cells
    from tyaga.packsim import build_pack, simulate_pack

    cell = cells.load("nca-panasonic-ncr18650")
    s, p = 96, 4
    pack = build_pack(cell, s, p, soc_initial=0.8, capacity_spread=0.03, resistance_spread=0.1, soc_spread=0.01,
                      seed=3)
    n = pack.n_cells
    c_rate = oracle.wltc_discharge_c_rate(dt_s=1.0, duration_s=1800.0)
    current = c_rate * cell.capacity_ah * p
    t = np.arange(current.size, dtype=float)
    info: dict[str, Any] = {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                            "numba": numba.__version__, "pack": f"{s}s{p}p", "cells": n, "cell": cell.name}
    print(f"per-cell pack simulation: tyaga vs liionpack — {s}s{p}p {cell.name}, {os.cpu_count()} CPUs")

    # (a) liionpack: two runs (short, long) → total and marginal time per cell-step
    n_long = args.liionpack_steps
    n_short = max(2, n_long // 4)
    lp_runs = {}
    for steps in (n_short, n_long):
        prob = oracle.liionpack_problem(pack, current[:steps], 1.0)
        t0 = time.perf_counter()
        out = liionpack_runner.run(prob)
        wall = time.perf_counter() - t0
        lp_runs[steps] = (out, wall)
        print(f"  liionpack {steps:4d} steps: solve {out['solve_s']:8.2f} s  (subprocess {wall:.1f} s)  "
              f"{out['solve_s'] / (steps * n) * 1e3:.3f} ms/cell-step")
    (o_s, _), (o_l, _) = lp_runs[n_short], lp_runs[n_long]
    lp_total = o_l["solve_s"] / (n_long * n)
    lp_marginal = (o_l["solve_s"] - o_s["solve_s"]) / ((n_long - n_short) * n)
    print(f"  liionpack per cell-step: {lp_total * 1e3:.3f} ms (total), {lp_marginal * 1e3:.3f} ms (marginal)")

    # (b) tyaga on the same pack: agreement on liionpack's steps, speed on the whole cycle
    simulate_pack(pack, t[:10], current_a=current[:10])  # compile / load the cache
    ours = simulate_pack(pack, t[:n_long], current_a=current[:n_long]).dataset
    g = oracle.gaps(ours["current_a"].values, ours["pack_voltage_v"].values, o_l)
    print(f"  agreement on {n_long} steps: cell currents {g['current']:.3%} of full scale, "
          f"pack voltage {g['voltage']:.3%}")
    med_b, fast_b = median_time(lambda: simulate_pack(pack, t, current_a=current), args.repeats, 1.0)
    cpu_b = CPU[-1]
    med_b_nr, _ = median_time(lambda: simulate_pack(pack, t, current_a=current, record_cells=False),
                                      args.repeats, 1.0)
    steps_b = t.size - 1
    ty_b = med_b / (steps_b * n)
    print(f"  tyaga {s}s{p}p on WLTC ({steps_b} steps): {med_b * 1e3:.1f} ms (fastest {fast_b * 1e3:.1f}, "
          f"CPU {cpu_b * 1e3:.1f}), {ty_b * 1e9:.1f} ns/cell-step; pack series only {med_b_nr * 1e3:.1f} ms")
    print(f"  ratio, per cell-step: {lp_total / ty_b:,.0f}× (liionpack total), "
          f"{lp_marginal / ty_b:,.0f}× (liionpack marginal)   target ≥ 1000×")

    # (c) 1,000 cells, one hour at 1 s
    big = build_pack(cell, 100, 10, soc_initial=0.9, capacity_spread=0.03, resistance_spread=0.1, soc_spread=0.01,
                     seed=4)
    t_h = np.arange(3601.0)
    c_h = np.concatenate([c_rate[:-1], c_rate])[: t_h.size] * 0.5
    i_h = c_h * cell.capacity_ah * 10
    simulate_pack(big, t_h[:10], current_a=i_h[:10])
    med_c, fast_c = median_time(lambda: simulate_pack(big, t_h, current_a=i_h), args.repeats, 1.0)
    cpu_c = CPU[-1]
    med_c_nr, fast_c_nr = median_time(lambda: simulate_pack(big, t_h, current_a=i_h, record_cells=False),
                                      args.repeats, 1.0)
    cpu_c_nr = CPU[-1]
    print(f"  tyaga 1,000 cells × 3,600 steps: {med_c:.3f} s recorded (fastest {fast_c:.3f}, CPU {cpu_c:.3f}), "
          f"{med_c_nr:.3f} s pack series only (fastest {fast_c_nr:.3f}, CPU {cpu_c_nr:.3f})   target < 0.5 s")
    info.update({
        "liionpack_steps": [n_short, n_long], "liionpack_solve_s": [o_s["solve_s"], o_l["solve_s"]],
        "liionpack_ms_per_cell_step_total": lp_total * 1e3, "liionpack_ms_per_cell_step_marginal": lp_marginal * 1e3,
        "agreement_current_full_scale": g["current"], "agreement_pack_voltage": g["voltage"],
        "tyaga_96s4p_wltc_s": med_b, "tyaga_96s4p_wltc_fastest_s": fast_b, "tyaga_96s4p_wltc_no_record_s": med_b_nr,
        "tyaga_ns_per_cell_step": ty_b * 1e9, "ratio_total": lp_total / ty_b, "ratio_marginal": lp_marginal / ty_b,
        "tyaga_1000_cells_1h_s": med_c, "tyaga_1000_cells_1h_fastest_s": fast_c,
        "tyaga_1000_cells_1h_no_record_s": med_c_nr, "tyaga_1000_cells_1h_cpu_s": cpu_c,
        "tyaga_1000_cells_1h_no_record_cpu_s": cpu_c_nr, "tyaga_96s4p_wltc_cpu_s": cpu_b,
    })
    if args.json:
        Path(args.json).write_text(json.dumps(info, indent=2))
    return info


if __name__ == "__main__":
    main()
