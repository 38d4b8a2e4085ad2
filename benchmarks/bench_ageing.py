"""Speed of tyaga's vectorised ageing models against BLAST-Lite 1.1.1, in one run.

Measures (wall time, medians of repeats where cheap):

a. tyaga, one cell × 10 years: the 250 Ah LFP prismatic model on the oracle's daily duty (tests/oracles/
   test_blast.py: 80 % DOD drive at 0.5 C, 0.4 C charge, 25 ± 5 °C) sampled at 1 s (86,401 samples a day).
   Target (issue 4): a 10-year life of one vehicle in under 5 s.
b. tyaga, 1,000 designs × 10 years on the batch axis: the same model, each design its own 1 s day (DOD
   0.2 … 0.8, mean temperature 10 … 40 °C, seeded), in one process and split over ``--workers`` processes.
   Target: under a minute on 2 cores.
c. BLAST-Lite, one cell × 10 years on the same duty at ``--blast-dt`` s steps (default 60 s: at 1 s it takes
   minutes), in its own environment (tools/blast_env.sh): ``simulate_battery_life`` wall time; and tyaga on
   exactly that input, with the largest capacity gap between the two.
d. ``tyaga.life`` on examples/duty-commuter.toml (compact-ev-150kw, 20 years): the ageing integration of its
   year alone — laid out as one 365-day profile and evaluated day by day (``reuse_days=False``, the scheme
   before the distinct days were reused), the same profile with the equal days reused, and the distinct days
   given once (``simulate_days``, what ``life`` runs) — and ``life()`` end to end (warm) with each
   ``feedback`` mode.

Run::

    python benchmarks/bench_ageing.py [--designs 1000] [--workers 2] [--blast-dt 60] [--json out.json]
    python benchmarks/bench_ageing.py --only-life        # part d only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "oracles"))

from test_blast import day_profile  # noqa: E402
from tools import blast_runner  # noqa: E402

from tyaga import ageing, life  # noqa: E402

MODEL = "lfp-250ah-prismatic"
YEARS = 10.0


def designs(n: int, dt_s: float = 1.0, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` designs' days at ``dt_s``: time (samples,), SOC and temperature (n, samples)."""
    rng = np.random.default_rng(seed)
    t, _, _ = day_profile(dt_s)
    h = t / 3600.0
    dod = rng.uniform(0.2, 0.8, n)[:, None]
    mean_c = rng.uniform(10.0, 40.0, n)[:, None]
    soc = 0.95 - dod * np.clip((h - 8.0) / 1.6, 0, 1) + dod * np.clip((h - 20.0) / 2.0, 0, 1)
    temp = mean_c + 5.0 * np.sin(2 * np.pi * (h - 9.0) / 24.0)
    return t, soc, temp


def _age(args: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # designs below 80 % DOD leave the LFP model's tested range
        return ageing.simulate(MODEL, *args, years=YEARS).q[:, -1]


def timed(f: Any, repeats: int = 1) -> tuple[float, Any]:
    """Median wall time [s] of ``repeats`` calls of ``f`` and its last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_life(out: dict[str, Any]) -> None:
    """Part d (module docstring)."""
    from tyaga import vehicles

    spec = vehicles.load("compact-ev-150kw")
    duty, base = life.load_duty(ROOT / "examples" / "duty-commuter.toml")
    model = life.MODEL_BY_CHEMISTRY[life.vehicle_chemistry(spec)]
    months = np.repeat(np.arange(12), life.MONTH_DAYS)
    driving = (np.arange(365) % 7) < duty.driving_days_per_week
    keys = [(float(a), bool(d)) for a, d in zip(np.array(duty.monthly_ambient_c)[months], driving, strict=True)]
    cyc = life._day_cycle(duty, base)
    distinct = {k: life.day_profile(spec, duty, k[0], k[1], cyc) for k in dict.fromkeys(keys)}
    order = list(distinct)
    seq = np.array([order.index(k) for k in keys])
    year = [distinct[k] for k in keys]
    t = np.concatenate([[0.0]] + [d * life.DAY_S + p.time_s[1:] for d, p in enumerate(year)])
    soc = np.concatenate([[year[0].soc[0]]] + [p.soc[1:] for p in year])
    temp = np.concatenate([[year[0].temperature_c[0]]] + [p.temperature_c[1:] for p in year])
    days = [(p.time_s, p.soc, p.temperature_c) for p in distinct.values()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s_direct, r_direct = timed(lambda: ageing.simulate(model, t, soc, temp, years=duty.years, reuse_days=False), 3)
        s_reuse, r_reuse = timed(lambda: ageing.simulate(model, t, soc, temp, years=duty.years), 3)
        s_days, r_days = timed(lambda: ageing.simulate_days(model, days, seq, years=duty.years), 3)
    gap_reuse = float(np.abs(r_reuse.q / r_direct.q - 1.0).max())
    gap_days = float(np.abs(r_days.q / r_direct.q - 1.0).max())
    out.update({"d_year_samples": int(t.size), "d_distinct_days": len(days), "d_ageing_direct_s": s_direct,
                "d_ageing_reuse_s": s_reuse, "d_ageing_distinct_days_s": s_days,
                "d_gap_reuse_relative": gap_reuse, "d_gap_distinct_days_relative": gap_days})
    print(f"d. tyaga life, commuter ({t.size:,} samples a year, {len(days)} distinct days, {duty.years:g} years): "
          f"ageing day by day {s_direct:.2f} s, reusing equal days {s_reuse:.2f} s (max |Δq/q| {gap_reuse:.1e}), "
          f"distinct days given once {s_days:.2f} s (max |Δq/q| {gap_days:.1e}: the month boundaries, "
          "docs/life.md)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        life.life(spec, duty)  # warm
        for mode in life.FEEDBACK_MODES:
            s, r = timed(lambda mode=mode: life.life(spec, duty, feedback=mode), 3 if mode != "drive" else 1)
            out[f"d_life_{mode}_s"] = s
            out[f"d_life_{mode}_years_to_80pct"] = r.years_to_eol
            out[f"d_life_{mode}_km_to_80pct"] = r.km_to_eol
            print(f"   life(feedback={mode!r}): {s:.2f} s; {r.years_to_eol:.4f} years, {r.km_to_eol:,.0f} km to 80 % "
                  f"({len(r.resimulations)} re-simulations)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--blast-dt", type=float, default=60.0)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--only-life", action="store_true", help="run part d only")
    a = ap.parse_args()
    out: dict[str, Any] = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
                           "python": platform.python_version(), "numpy": np.__version__}
    if a.only_life:
        bench_life(out)
        if a.json:
            a.json.write_text(json.dumps(out, indent=2))
        return

    one = day_profile(1.0)
    s, res = timed(lambda: ageing.simulate(MODEL, *one, years=YEARS), repeats=3)
    out["a_one_cell_10y_1s_s"] = s
    print(f"a. tyaga, 1 cell × 10 years, 1 s day: {s:.3f} s (q at 10 years {res.q[0, -1]:.4f}; target < 5 s)")

    t, soc, temp = designs(a.designs)
    s, q1 = timed(lambda: _age((t, soc, temp)))
    out["b_designs"] = a.designs
    out["b_designs_10y_1s_one_process_s"] = s
    print(f"b. tyaga, {a.designs} designs × 10 years, 1 s days, one process: {s:.2f} s "
          f"(q at 10 years {q1.min():.4f} … {q1.max():.4f})")
    if a.workers > 1:
        parts = np.array_split(np.arange(a.designs), a.workers)
        with ProcessPoolExecutor(a.workers) as pool:
            list(pool.map(_age, [(t, soc[:1], temp[:1])] * a.workers))  # start the workers, import tyaga
            s, qs = timed(lambda: np.concatenate(list(pool.map(_age, [(t, soc[p], temp[p]) for p in parts]))))
        assert np.array_equal(qs, q1)
        out["b_designs_10y_1s_workers"] = a.workers
        out["b_designs_10y_1s_parallel_s"] = s
        print(f"   … split over {a.workers} processes: {s:.2f} s (target < 60 s on 2 cores)")

    bt, bsoc, btemp = day_profile(a.blast_dt)
    if blast_runner.venv_python() is None:
        print(f"c. BLAST-Lite: no environment at {blast_runner.venv_path()} (run `bash tools/blast_env.sh`)")
    else:
        job = {"model": ageing.load(MODEL).blast_class, "time_s": bt.tolist(), "soc": bsoc.tolist(),
               "temperature_c": btemp.tolist(), "years": YEARS}
        ref = blast_runner.run(job)
        s, ours = timed(lambda: ageing.simulate(MODEL, bt, bsoc, btemp, years=YEARS), repeats=3)
        gap = float(np.abs(ours.q[0] - np.interp(ours.time_days, ref["t_days"], ref["q"])).max())
        out.update({"c_blast_dt_s": a.blast_dt, "c_blast_one_cell_10y_s": ref["solve_s"], "c_tyaga_same_input_s": s,
                    "c_max_capacity_gap": gap})
        print(f"c. BLAST-Lite {ref['versions']['blast-lite']}, 1 cell × 10 years, {a.blast_dt:g} s day: "
              f"{ref['solve_s']:.2f} s; tyaga on the same input {s:.3f} s ({ref['solve_s'] / s:.0f}× faster); "
              f"largest capacity gap {gap:.1e}")
    bench_life(out)
    if a.json:
        a.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
