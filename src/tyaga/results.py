"""Writers for results: tidy tables, JSON and plots, each written atomically (temporary file, then rename)
so an interrupted run never leaves a partial file behind."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from tyaga.errors import InputError


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file to ``path`` (same folder, so atomic)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("output folder", str(path.parent), f"a writable folder ({exc.strerror})") from None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def timeseries_table(ds: xr.Dataset) -> pd.DataFrame:
    """The time series as a tidy table: one row per (design, time sample)."""
    df = ds.drop_vars(["speed_trace_mps", "grade"]).to_dataframe().reset_index()
    trace = pd.DataFrame({"time": np.arange(ds.sizes["time"]), "speed_trace_mps": ds["speed_trace_mps"].values,
                          "grade": ds["grade"].values})
    df = df.merge(trace, on="time")
    first = ["design", "name", "time_s", "speed_trace_mps", "grade"]
    return df[first + [c for c in df.columns if c not in first and c != "time"]]


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV, atomically."""
    return write_atomic(path, lambda p: df.to_csv(p, index=False))


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as Parquet (pyarrow), atomically."""
    return write_atomic(path, lambda p: df.to_parquet(p, index=False))


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types: NumPy scalars become Python numbers, NaN and ±inf become ``None``."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def write_json(obj: Any, path: str | Path) -> Path:
    """Write JSON, atomically."""
    text = json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False)
    return write_atomic(path, lambda p: p.write_text(text + "\n", encoding="utf-8"))


def pareto_matrix(axes: Any, pool: pd.DataFrame, front: pd.DataFrame, cols: list[str], labels: dict[str, str],
                  bins: int = 30, label_size: float = 8, tick_size: float = 7) -> None:
    """Draw a pairwise scatter matrix of the objective columns ``cols`` on the (k, k) matplotlib ``axes``: the
    designs of ``pool`` grey, those of ``front`` red, histograms on the diagonal (finite values only);
    ``labels`` names each column on the outer axes."""
    k = len(cols)
    for i, ci in enumerate(cols):
        for j, cj in enumerate(cols):
            ax = axes[i, j]
            if i == j:
                vals = pool[ci].to_numpy(dtype=float)
                vals = vals[np.isfinite(vals)]
                edges = np.histogram_bin_edges(vals, bins=bins) if vals.size else bins
                ax.hist(vals, bins=edges, color="0.7")
                ax.hist(front[ci].to_numpy(dtype=float), bins=edges, color="tab:red", alpha=0.7)
            else:
                ax.scatter(pool[cj], pool[ci], s=3, c="0.7")
                ax.scatter(front[cj], front[ci], s=6, c="tab:red")
            if i == k - 1:
                ax.set_xlabel(labels[cj], fontsize=label_size)
            if j == 0:
                ax.set_ylabel(labels[ci], fontsize=label_size)
            ax.tick_params(labelsize=tick_size)


def plot_timeseries(ds: xr.Dataset, path: str | Path) -> Path:
    """Four panels — speed vs trace, battery power, SOC, cumulative energy by loss — saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = ds["time_s"].values
    fig, axes = plt.subplots(4, 1, figsize=(10, 11), sharex=True)
    axes[0].plot(t, ds["speed_trace_mps"].values * 3.6, color="0.6", lw=2.5, label="trace")
    for d in range(ds.sizes["design"]):
        name = str(ds["name"].values[d])
        axes[0].plot(t, ds["speed_mps"].values[d] * 3.6, lw=1, label=name)
        axes[1].plot(t, ds["battery_power_w"].values[d] / 1000.0, lw=0.8, label=name)
        axes[2].plot(t, ds["soc"].values[d] * 100.0, lw=1, label=name)
    axes[0].set_ylabel("speed [km/h]")
    axes[1].set_ylabel("battery power [kW]")
    axes[2].set_ylabel("SOC [%]")
    losses = ["energy_aero_wh", "energy_rolling_wh", "energy_grade_wh", "energy_drivetrain_loss_wh",
              "energy_friction_brake_wh", "energy_battery_loss_wh", "energy_aux_wh"]
    stack = [ds[k].values[0] / 1000.0 for k in losses]
    axes[3].stackplot(t, *stack, labels=[k.removeprefix("energy_").removesuffix("_wh") for k in losses])
    axes[3].set_ylabel(f"energy used [kWh]\n({ds['name'].values[0]})")
    axes[3].set_xlabel("time [s]")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=7)
    fig.suptitle(f"tyaga — {ds.attrs.get('cycle', '')}")
    fig.tight_layout()
    write_atomic(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
    return Path(path)
