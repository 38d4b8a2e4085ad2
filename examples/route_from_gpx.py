"""Drive a real GPS track (with its elevation) and see where the energy goes.

The track is a car drive recorded with a Garmin eTrex near Višnjan, Croatia (from the gpxpy test files,
Apache-2.0; see tests/data/gpx/NOTICE). Run: ``python examples/route_from_gpx.py [TRACK.gpx]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import tyaga
from tyaga.cycle import statistics

here = Path(__file__).resolve().parent
default_track = here.parent / "tests" / "data" / "gpx" / "around-visnjan-with-car.gpx"
track = Path(sys.argv[1]) if len(sys.argv) > 1 else default_track
route = tyaga.cycles.load(track)
stats = statistics(route)
print(f"{track.name}: {stats['distance_km']:.2f} km in {stats['duration_s']:.0f} s, "
      f"ascent {stats['ascent_m']:.0f} m, descent {stats['descent_m']:.0f} m")

res = tyaga.simulate(["compact-ev-150kw", "van-utility-90kwh-lfp"], route, with_range=False)
cols = ["name", "distance_km", "energy_dc_wh_per_km", "energy_grade_wh", "energy_regen_wh", "trace_miss_s"]
print(res.summary[cols].to_string(index=False))
