"""1,000,000 designs in summary mode through the sweep runner: time and peak memory (target: peak < 2 GB).

The space: the bundled compact-ev-150kw with five variables drawn by Latin hypercube (series 88 … 112, parallel
1 … 3, curb mass, Cd, motor power) on WLTC class 3b at the test condition; outputs: the cycle pass's summary
(energy at the battery and from the wall, trace missed, distance, SOC, voltage, current, power, …), no range run and no
0–100 km/h run unless ``--range`` is given. ``sweep.run`` writes its Parquet folder (chunks of
``--chunk-size``) into a temporary directory, so writing is timed too, and returns the whole table (1,000,000
rows) — that table is in the peak memory.

The anchor, timed in the same invocation: one ``tyaga.simulate(..., timeseries=False)`` call of the first
``--anchor-designs`` designs of the same space (default 100,000), in its own process. Each part runs in a child
process, so each peak RSS (``resource.getrusage``) is its own; the anchor's rows are checked against the same
rows of the sweep (≤ 1e-9 relative). Run::

    python benchmarks/bench_million.py [--designs 1000000] [--chunk-size 20000] [--anchor-designs 100000]
                                       [--range] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

TARGET_PEAK_MB = 2048.0
SUMMARY_OUTPUTS = ["energy_dc_wh_per_km", "energy_ac_wh_per_km", "trace_miss_s", "distance_km", "soc_end",
                   "voltage_min_v", "current_max_a", "battery_power_max_w", "limited_s"]


def space_dict(designs: int, chunk_size: int, with_range: bool) -> dict:
    return {
        "name": "bench-million", "vehicle": "compact-ev-150kw", "sampling": "lhs", "samples": designs, "seed": 7,
        "chunk_size": chunk_size, "conditions": {"cycle": "wltc3b"},
        "outputs": SUMMARY_OUTPUTS + (["range_km"] if with_range else []),
        "variables": {
            "series": {"min": 88, "max": 112}, "parallel": {"values": [1, 2, 3]},
            "mass_kg": {"min": 1500.0, "max": 1800.0}, "drag_coefficient": {"min": 0.25, "max": 0.33},
            "motor_peak_power_kw": {"min": 100.0, "max": 200.0},
        },
    }


def part(which: str, a: argparse.Namespace) -> None:
    """One timed part in this (child) process; prints a JSON line, saves its energy column."""
    import numpy as np

    from tyaga import chain, sweep

    space = sweep.Space.from_dict(space_dict(a.designs, a.chunk_size, a.range))
    warm = sweep.Space.from_dict(space_dict(512, 512, a.range))
    sweep.evaluate(warm, warm.designs())  # compile / load once, outside the timing (both parts)
    info: dict = {"part": which}
    if which == "sweep":
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            df = sweep.run(space, out_dir=tmp, progress=False)
            info["parquet_mb"] = sum(p.stat().st_size for p in Path(tmp).rglob("*.parquet")) / 1e6
        info["seconds"] = time.perf_counter() - t0
        info["rows"] = len(df)
        energy = df["out_energy_dc_wh_per_km"].to_numpy(dtype=float)[: a.anchor_designs]
    else:
        rows = space.designs().iloc[: a.anchor_designs]
        t_build = time.perf_counter()
        specs = [space.vehicle_for(r) for r in rows.to_dict("records")]
        info["spec_build_seconds"] = time.perf_counter() - t_build
        t0 = time.perf_counter()
        res = chain.simulate(specs, "wltc3b", timeseries=False, with_acceleration=False,
                             with_range=a.range).summary
        info["seconds"] = time.perf_counter() - t0
        info["rows"] = len(res)
        energy = res["energy_dc_wh_per_km"].to_numpy(dtype=float)
    info["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    np.save(a.out, energy)
    print(json.dumps(info))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", type=int, default=1_000_000)
    ap.add_argument("--chunk-size", type=int, default=20_000)
    ap.add_argument("--anchor-designs", type=int, default=100_000)
    ap.add_argument("--range", action="store_true", help="also the range run (≈ 15 passes of the cycle)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--part", choices=["sweep", "anchor"], help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.part:
        part(a.part, a)
        return
    import numpy as np

    from tyaga import cycles, engine

    n_t = cycles.load("wltc3b").time_s.size
    figures: dict = {"designs": a.designs, "chunk_size": a.chunk_size, "anchor_designs": a.anchor_designs,
                     "range": a.range, "threads": engine.worker_count(), "python": platform.python_version(),
                     "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count()}
    energies = {}
    with tempfile.TemporaryDirectory() as tmp:
        for which in ("anchor", "sweep"):
            out = str(Path(tmp) / f"{which}.npy")
            cmd = [sys.executable, __file__, "--part", which, "--designs", str(a.designs), "--chunk-size",
                   str(a.chunk_size), "--anchor-designs", str(a.anchor_designs), "--out", out]
            proc = subprocess.run(cmd + (["--range"] if a.range else []), capture_output=True, text=True, check=True)
            figures[which] = json.loads(proc.stdout.strip().splitlines()[-1])
            energies[which] = np.load(out)
    rel = float(np.max(np.abs(energies["sweep"] - energies["anchor"]) / np.abs(energies["anchor"])))
    figures["max_relative_difference"] = rel
    for which in ("sweep", "anchor"):
        f = figures[which]
        f["designs_per_s"] = f["rows"] / f["seconds"]
        f["cycle_design_steps_per_s"] = f["rows"] * (n_t - 1) / f["seconds"]
    figures["sweep_over_anchor_designs_per_s"] = figures["sweep"]["designs_per_s"] / figures["anchor"]["designs_per_s"]
    s = figures["sweep"]
    print(f"{a.designs:,} designs of compact-ev-150kw on WLTC 3b, summary mode{' + range' if a.range else ''}, "
          f"chunks of {a.chunk_size:,}, {figures['threads']} engine threads")
    print(f"{'':34s}{'designs':>10s}{'seconds':>9s}{'designs/s':>11s}{'cycle steps/s':>15s}{'peak RSS':>11s}")
    for which, label in (("sweep", "sweep.run (Parquet folder)"), ("anchor", "simulate, one call (anchor)")):
        f = figures[which]
        print(f"{label:34s}{f['rows']:10,d}{f['seconds']:9.1f}{f['designs_per_s']:11,.0f}"
              f"{f['cycle_design_steps_per_s']:15.3e}{f['peak_rss_mb']:9.0f} MB")
    print(f"sweep designs/s over the anchor's: {figures['sweep_over_anchor_designs_per_s']:.2f}; Parquet written "
          f"{s['parquet_mb']:.0f} MB; peak RSS {s['peak_rss_mb']:.0f} MB against the target {TARGET_PEAK_MB:.0f} MB: "
          f"{'met' if s['peak_rss_mb'] < TARGET_PEAK_MB else 'NOT met'}; max relative difference of the energy "
          f"(first {a.anchor_designs:,} rows): {rel:.1e}")
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
