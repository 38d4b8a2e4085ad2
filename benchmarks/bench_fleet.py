"""Speed of a fleet day (tyaga.fleet): 200 buses, 40 chargers, a 16 h service day, in one run.

The fleet (written as the three CSV files of docs/fleet.md into a temporary folder, so reading them is
timed too): 10 lines, each between its own two terminals, on a route of repeated SORT 1/2/3 cycles
(8–13 km, 25–45 min a trip); 20 buses a line (the bundled city-bus-12m-285kwh) leaving terminal ``a``
every few minutes from 05:00 and running round trips until 21:00; 10 minutes' layover at each end. Chargers:
2 × 300 kW pantographs at terminal ``a`` of every line (20) and 20 × 150 kW at the depot (40 in all).

Timed (wall clock, cold: the engine's and the charger model's first calls included, as a user's run):
``load`` (files → checked inputs), ``simulate_day`` (trip simulations, charge curves, the event loop and
the tables), and with ``--size`` the charger sizing of the same fleet. Target (issue 5): the day < 30 s on
2 cores. Run::

    python benchmarks/bench_fleet.py [--size] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LINES = 10
BUSES_PER_LINE = 20
#: (cycle, repeats) per line: 8.3 … 13.8 km a trip.
LINE_CYCLES = [("sort1", 16), ("sort2", 9), ("sort3", 6), ("sort1", 20), ("sort2", 12), ("sort3", 8),
               ("sort1", 18), ("sort2", 10), ("sort3", 7), ("sort2", 11)]
LAYOVER_S = 600.0
START_S = 5 * 3600.0
END_S = 21 * 3600.0


def write_fleet(folder: Path) -> tuple[Path, Path, Path]:
    """Write routes.csv, chargers.csv and timetable.csv of the benchmark fleet into ``folder``."""
    from tyaga import cycles
    from tyaga.fleet import format_time

    routes = ["route_id,cycle,from_terminal,to_terminal,repeats,passengers"]
    chargers = ["site,count,power_kw,grid_connection_kw,kind"]
    rows = ["block_id,vehicle_id,vehicle,trip_id,route_id,departure"]
    n_trip = 0
    for i, (cyc, rep) in enumerate(LINE_CYCLES[:LINES]):
        a, b = f"L{i}a", f"L{i}b"
        routes += [f"L{i}-ab,{cyc},{a},{b},{rep},30", f"L{i}-ba,{cyc},{b},{a},{rep},30"]
        chargers.append(f"{a},2,300,700,pantograph")
        trip_s = cycles.load(cyc).duration_s * rep
        loop_s = 2 * (trip_s + LAYOVER_S)
        headway_s = loop_s / BUSES_PER_LINE
        for k in range(BUSES_PER_LINE):
            vid = f"bus{i:02d}{k:02d}"
            t = START_S + k * headway_s
            while t + loop_s <= END_S + LAYOVER_S:
                for rid, dep in ((f"L{i}-ab", t), (f"L{i}-ba", t + trip_s + LAYOVER_S)):
                    n_trip += 1
                    rows.append(f"{vid},{vid},city-bus-12m-285kwh,t{n_trip},{rid},{format_time(round(dep))}")
                t += loop_s
    chargers.append("depot,20,150,3200,depot")
    paths = (folder / "routes.csv", folder / "chargers.csv", folder / "timetable.csv")
    for p, lines in zip(paths, (routes, chargers, rows), strict=True):
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", action="store_true", help="also time the charger sizing")
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    args = ap.parse_args()
    t_import = time.perf_counter()
    from tyaga import fleet

    t_import = time.perf_counter() - t_import
    out: dict[str, object] = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                              "python": platform.python_version(), "import_s": t_import}
    with tempfile.TemporaryDirectory(prefix="tyaga-bench-fleet-") as tmp:
        routes, chargers, timetable = write_fleet(Path(tmp))
        t0 = time.perf_counter()
        f = fleet.load(timetable, chargers, routes)
        t_load = time.perf_counter() - t0
        models = fleet.Models()
        t0 = time.perf_counter()
        day = fleet.simulate_day(f, models=models)
        t_day = time.perf_counter() - t0
        t0 = time.perf_counter()
        fleet.simulate_day(f, models=models)
        t_day_warm = time.perf_counter() - t0
        s = day.summary
        out |= {"vehicles": s["vehicles"], "trips": s["trips"], "chargers": s["chargers"],
                "sessions": s["sessions"], "engine_calls": models.engine_calls, "charge_curves": models.charge_calls,
                "load_s": t_load, "day_s": t_day, "day_total_s": t_load + t_day, "day_again_s": t_day_warm,
                "blocks_failed": s["blocks_failed"], "vehicles_not_ready": s["vehicles_not_ready"],
                "peak_grid_power_kw": s["peak_grid_power_w"] / 1e3,
                "depot_peak_grid_power_kw": s["depot_peak_grid_power_w"] / 1e3,
                "energy_grid_mwh": s["energy_grid_wh"] / 1e6, "distance_km": s["distance_km"]}
        print(f"fleet day: {s['vehicles']} buses, {s['trips']} trips, {s['chargers']} chargers, "
              f"{s['sessions']} charging sessions")
        print(f"  load {t_load:.2f} s + simulate_day {t_day:.2f} s = {t_load + t_day:.2f} s "
              f"(target < 30 s); again with the caches warm {t_day_warm:.2f} s")
        print(f"  {models.engine_calls} engine calls, {models.charge_calls} charge curves")
        print(f"  blocks failed {s['blocks_failed']}, buses not ready next day {s['vehicles_not_ready']}, "
              f"peak grid {s['peak_grid_power_w'] / 1e3:,.0f} kW (depot {s['depot_peak_grid_power_w'] / 1e3:,.0f}"
              f" kW), grid energy {s['energy_grid_wh'] / 1e6:.2f} MWh, {s['distance_km']:,.0f} km")
        if args.size:
            t0 = time.perf_counter()
            sz = fleet.size(f, "chargers", models=models)
            t_size = time.perf_counter() - t0
            out |= {"size_s": t_size, "size_evaluations": sz.evaluations, "size_feasible": sz.feasible,
                    "size_chargers": sum(sz.chargers.values())}
            print(f"  sizing chargers: {t_size:.1f} s, {sz.evaluations} fleet days, feasible {sz.feasible}, "
                  f"{sum(sz.chargers.values())} chargers ({', '.join(f'{k} {v}' for k, v in sz.chargers.items())})")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
