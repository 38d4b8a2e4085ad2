"""Compare the bundled vehicles on three cycles: energy at the battery, range and 0–100 km/h.

Run: ``python examples/compare_vehicles.py`` (writes ``compare_vehicles.png`` next to where it runs).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

import tyaga

names = tyaga.vehicles.names()
rows = []
for cycle in ["wltc3b", "udds", "hwfet"]:
    res = tyaga.simulate(names, cycle, timeseries=False)
    rows.append(res.summary[["name", "cycle", "energy_dc_wh_per_km", "range_km", "accel_0_100_s", "trace_miss_s"]])
table = pd.concat(rows, ignore_index=True)
print(table.to_string(index=False, float_format=lambda x: f"{x:8.1f}"))

pivot = table.pivot(index="name", columns="cycle", values="energy_dc_wh_per_km")
ax = pivot.plot.bar(figsize=(9, 5), rot=15)
ax.set_ylabel("energy at the battery terminals [Wh/km]")
ax.set_title("tyaga: bundled vehicles on three cycles")
plt.tight_layout()
plt.savefig("compare_vehicles.png", dpi=100)
print("wrote compare_vehicles.png")
