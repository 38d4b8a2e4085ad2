"""``tyaga sweep SPACE.toml --out DIR``: evaluate a design space, streaming results to a Parquet folder.

The command function :func:`sweep` is registered by :mod:`tyaga.cli` (``app.command("sweep")(sweep)``).
It parses options, calls :func:`tyaga.sweep.run` (which draws the progress bar) and prints a summary; no
physics here.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tyaga.cli_common import console, emit_json, err_console, fail
from tyaga.errors import InputError


def _num(value: Any) -> str:
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


def _parse_ids(text: str | None, n_designs: int) -> list[int]:
    if not text:
        return []
    ids = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not 0 <= int(part) < n_designs:
            raise InputError("--timeseries", part, f"design ids 0 … {n_designs - 1}, separated by commas")
        ids.append(int(part))
    return ids


def sweep(
    space_file: Annotated[Path, typer.Argument(metavar="SPACE.toml", help="The design space (docs/sweeps.md).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results folder: chunks/*.parquet and manifest.json "
                                      "(a rerun resumes it).")],
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (tcp://host:port) to run the "
                                                  "chunks on; default: here.")] = None,
    chunk_size: Annotated[int | None, typer.Option(help="Designs per chunk (overrides the space's "
                                                   "chunk_size).")] = None,
    resume: Annotated[bool, typer.Option("--resume/--restart", help="Keep the chunks a previous run of this "
                                         "space finished (default), or redo them.")] = True,
    timeseries: Annotated[str | None, typer.Option(help="Also write the time series of these designs "
                                                   "(ids, comma-separated) to OUT/timeseries/.")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Evaluate every design of a space: feasibility, the best design per objective, results in Parquet."""
    from tyaga import sweep as sw

    try:
        space = sw.Space.from_toml(space_file)
        if chunk_size is not None:
            space = sw.Space.from_dict({**space.to_dict(), "chunk_size": chunk_size})
        ids = _parse_ids(timeseries, space.n_designs)
        t0 = time.perf_counter()
        df = sw.run(space, out_dir=out, scheduler=scheduler, progress=progress and not json_out,
                    resume=resume)
        seconds = time.perf_counter() - t0
        written = sw.write_timeseries(space, ids, out) if ids else []
    except InputError as exc:
        fail(exc)
        return
    n, n_feasible = len(df), int(df["feasible"].sum())
    binding = sw.binding_constraints(space, df)
    best = sw.best_designs(space, df)
    in_cols = [c for c in df.columns if c.startswith("in_")]
    if json_out:
        emit_json({"designs": n, "feasible": n_feasible, "seconds": seconds, "out": str(out),
                   "best": {col: {"design_id": int(row["design_id"]), "value": row[col],
                                  **{c: row[c] for c in in_cols}} for col, row in best.items()},
                   "constraints": binding.to_dict("records"), "timeseries": [str(p) for p in written]})
        return
    console.print(f"{n:,} designs, [bold]{n_feasible:,} feasible[/] ({seconds:.1f} s, "
                  f"{n / seconds if seconds > 0 else math.inf:,.0f} designs/s) → {escape(str(out))}")
    if len(binding):
        t = Table(title="constraints")
        for c in ("constraint", "violated", "first", "best"):
            t.add_column(c, justify="left" if c == "constraint" else "right")
        for r in binding.to_dict("records"):
            t.add_row(escape(r["constraint"]), f"{r['violated']:,} of {r['evaluated']:,}", f"{r['first']:,}",
                      _num(r["best"]))
        console.print(t)
    if n_feasible == 0:
        msg = f"no feasible design among {n:,}"
        if len(binding):
            top = binding.iloc[0]
            msg += (f"; the constraint that binds most: {top['constraint']} (first violated by {top['first']:,}, "
                    f"violated by {top['violated']:,} of {top['evaluated']:,} evaluated; best value "
                    f"{_num(float(top['best']))})")
        err_console.print(f"[bold yellow]warning:[/] {escape(msg)}", highlight=False, soft_wrap=True)
    if best:
        t = Table(title="best feasible design per objective")
        t.add_column("")
        chosen = [(col, sense) for col, sense in space.objectives if col in best]
        for col, sense in chosen:
            t.add_column(escape(f"{sense} {col[4:]}"), justify="right")
        t.add_row("value", *[_num(float(best[col][col])) for col, _ in chosen])
        t.add_row("design_id", *[str(int(best[col]["design_id"])) for col, _ in chosen])
        for c in in_cols:
            t.add_row(escape(c), *[escape(_num(best[col][c])) for col, _ in chosen])
        console.print(t)
    for p in written:
        console.print(f"time series → {escape(str(p))}")


__all__ = ["sweep"]
