"""Cost of the engine's pack-temperature coupling (engine step 8), against the uncoupled engine in one run.

Measures, for N variants of ``compact-ev-150kw`` (mass spread 0.05 kg apart) on WLTC 3b, summary mode,
engine alone (``chain.run_summary``; compilation excluded; best of repeats):

a. the uncoupled engine (25 °C circuit) — the anchor;
b. the same designs with ``pack_thermal`` at −10 °C, soaked (heater working, derating active);
c. b plus the cabin warm-up profile (``cabin_soaked``).

Prints design-steps/s and the ratios b/a and c/a. Run::

    python benchmarks/bench_engine_thermal.py [--designs 10000] [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tyaga import chain, cycles, vehicles  # noqa: E402


def best_time(fn: Any, repeats: int) -> float:
    fn()  # warm (compilation, caches)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    spec = vehicles.load("compact-ev-150kw")
    specs = [spec.model_copy(update={"body": spec.body.model_copy(update={"mass_kg": spec.body.mass_kg + 0.05 * i})})
             for i in range(args.designs)]
    cyc = cycles.load("wltc3b")
    steps = args.designs * (len(cyc.time_s) - 1)
    plain = chain.build_batch(specs, ambient_c=-10.0)
    coupled = chain.build_batch(specs, ambient_c=-10.0, pack_thermal=True)
    soaked = chain.with_cabin_warmup(coupled, cyc)
    out: dict[str, Any] = {"designs": args.designs, "steps_per_design": len(cyc.time_s) - 1,
                           "cpus": len(os.sched_getaffinity(0)), "python": platform.python_version()}
    for key, batch in (("uncoupled", plain), ("pack_thermal", coupled), ("pack_thermal_cabin_soaked", soaked)):
        t = best_time(lambda b=batch: chain.run_summary(b, cyc), args.repeats)
        out[key] = {"seconds": t, "design_steps_per_s": steps / t}
    for key in ("pack_thermal", "pack_thermal_cabin_soaked"):
        out[key]["time_ratio_to_uncoupled"] = out[key]["seconds"] / out["uncoupled"]["seconds"]
    for key in ("uncoupled", "pack_thermal", "pack_thermal_cabin_soaked"):
        r = out[key]
        extra = f", {r['time_ratio_to_uncoupled']:.2f}× the uncoupled time" if "time_ratio_to_uncoupled" in r else ""
        print(f"{key:28s} {r['seconds']:.3f} s  {r['design_steps_per_s']:.3g} design-steps/s{extra}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
