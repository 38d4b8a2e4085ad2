"""``tyaga pareto RESULTS_DIR``: the Pareto front of a sweep's results, as a table, JSON and a plot.

Registered by :mod:`tyaga.cli`; the computing is :mod:`tyaga.pareto`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from tyaga.cli_common import console, emit_json, fail
from tyaga.errors import InputError

#: Rows of the front shown in the table at most (all of them go to --json and the plot).
TABLE_ROWS = 50


def _fmt(v: object) -> str:
    if isinstance(v, float | np.floating):
        return "—" if not np.isfinite(v) else f"{float(v):.6g}"
    return str(v)


def write_plot(path: Path, df: pd.DataFrame, fr: pd.DataFrame, objectives: list[tuple[str, str]],
               feasible_only: bool = True) -> None:
    """PNG of the front: a scatter of two objectives (every considered design grey — the feasible ones, or all
    with ``feasible_only=False`` —, the front red), or a pairwise scatter matrix of three or more with
    histograms on the diagonal. Written to a temporary name, then renamed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = [c for c, _ in objectives]
    label = {c: f"{c} ({s})" for c, s in objectives}
    pool = df[df["feasible"].fillna(False).astype(bool)] if feasible_only and "feasible" in df.columns else df
    k = len(cols)
    if k == 2:
        fig, ax = plt.subplots(figsize=(6.4, 4.8))
        ax.scatter(pool[cols[0]], pool[cols[1]], s=6, c="0.7", label=f"designs ({len(pool)})")
        line = fr.sort_values(cols[0])
        ax.plot(line[cols[0]], line[cols[1]], ":o", c="tab:red", ms=4, lw=0.8, label=f"Pareto front ({len(fr)})")
        ax.set_xlabel(label[cols[0]])
        ax.set_ylabel(label[cols[1]])
        ax.legend()
        ax.grid(alpha=0.3)
    else:
        from tyaga.results import pareto_matrix

        fig, axes = plt.subplots(k, k, figsize=(2.6 * k, 2.6 * k), squeeze=False)
        pareto_matrix(axes, pool, fr, cols, label)
        fig.suptitle(f"Pareto front: {len(fr)} of {len(pool)} designs (red)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)


def pareto(
    results_dir: Annotated[Path, typer.Argument(help="A sweep results folder (chunks/*.parquet, manifest.json).")],
    objective: Annotated[list[str] | None, typer.Option(
        "--objective", "-o", help="COLUMN:min or COLUMN:max (repeat it; default: the space's objectives).")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a PNG of the front to this file.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the front as JSON instead of a table.")] = False,
    all_rows: Annotated[bool, typer.Option("--all", help="Compare infeasible designs too.")] = False,
    unique: Annotated[bool, typer.Option("--unique", help="Keep one of designs with equal objectives.")] = False,
) -> None:
    """Print (and plot) the Pareto front of a sweep's results: the feasible designs no other design beats in
    every objective."""
    from tyaga import pareto as pf

    try:
        df, manifest = pf.read_results(results_dir)
        objs = [pf.parse_objective(o) for o in objective] if objective else pf.manifest_objectives(manifest)
        if not objs:
            raise InputError("--objective", None, "COLUMN:min|max (the manifest names no objectives)")
        if plot is not None:
            if len(objs) < 2:
                raise InputError("--plot", str(plot), "two or more objectives to plot a front")
            if plot.suffix.lower() != ".png":
                raise InputError("--plot", str(plot), "a .png file name")
        fr = pf.front(df, objs, feasible_only=not all_rows, unique=unique)
    except InputError as exc:
        fail(exc)
        return
    cols = [c for c, _ in objs]
    show = [c for c in ("design_id",) if c in fr.columns] + cols + [c for c in fr.columns if c.startswith("in_")]
    if plot is not None:
        write_plot(plot, df, fr, objs, feasible_only=not all_rows)
    if json_out:
        emit_json({"results_dir": str(results_dir), "objectives": [{"output": c, "sense": s} for c, s in objs],
                   "considered": fr.attrs["considered"], "excluded_nan": fr.attrs["excluded_nan"],
                   "front": fr[show].to_dict(orient="records"), "plot": str(plot) if plot else None})
        return
    # the table: inputs that vary across the designs only, names without their out_/in_ prefix
    varying = [c for c in show if not c.startswith("in_") or df[c].nunique(dropna=False) > 1]
    t = Table(title=f"Pareto front of {results_dir}: {len(fr)} of {fr.attrs['considered']} designs"
              + (" (feasible)" if not all_rows else ""))
    for c in varying:
        sense = dict(objs).get(c)
        name = c.removeprefix("out_").removeprefix("in_")
        t.add_column(f"{name} ({sense})" if sense else name, justify="right", overflow="fold")
    for _, row in fr[varying].head(TABLE_ROWS).iterrows():
        t.add_row(*[_fmt(row[c]) for c in varying])
    console.print(t)
    if len(fr) > TABLE_ROWS:
        console.print(f"… {len(fr) - TABLE_ROWS} more (all of them with --json)")
    if fr.attrs["excluded_nan"]:
        console.print(f"{fr.attrs['excluded_nan']} designs left out: NaN in an objective")
    if plot is not None:
        console.print(f"plot: {plot}")


__all__ = ["pareto", "write_plot"]
