"""Pareto fronts of sweep results: the non-dominated designs of several objectives (docs/optimisation.md).

A design *a* **dominates** *b* when *a* is at least as good as *b* in every objective and strictly better in at
least one (better = lower for ``"min"``, higher for ``"max"``). The **front** is the set of designs no other
design dominates.

Ties and duplicates: two designs with the same objective vector do not dominate each other, so when that vector
is non-dominated *both* are on the front (``unique=True`` keeps only the first of them, in row order). A design
that ties another in one objective and is worse in the rest is dominated.

Missing values: a row with NaN in any objective cannot be compared and is never on the front; the number left
out is in ``result.attrs["excluded_nan"]``. ±inf are ordinary (extreme) values.

Algorithms (all on the objectives turned into minimisation, ``F = value × (+1 | −1)``):

* one objective: the rows equal to the best value;
* two objectives: sort by (f₁, f₂) and keep the rows whose f₂ is below the running minimum of every row before
  their group of duplicates: O(n log n), vectorised;
* three objectives: sort lexicographically (a row can only be dominated by rows earlier in that order); a row is
  dominated iff a row before its duplicates has f₂ ≤ and f₃ ≤ its own, which a Fenwick tree over f₂'s rank
  holding the least f₃ answers: O(n log n) whatever the front's size (compiled with Numba);
* k ≥ 4: the same order, each row tested against the front found so far (a compiled loop that stops at the first
  dominating row): O(n · |front| · k) at worst; 10⁵ random rows in 4–5 objectives take well under a second.

Results folders: :func:`read_results` reads ``chunks/*.parquet`` and ``manifest.json`` (the space and its
objectives) with pandas/pyarrow directly; it does not need :mod:`tyaga.sweep`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from tyaga.errors import InputError

#: The two senses of an objective.
SENSES = ("min", "max")

Objective = tuple[str, str]


# ---------------------------------------------------------------- objectives


def parse_objective(text: str) -> Objective:
    """``"out_range_km:max"`` → ``("out_range_km", "max")`` (a bare column name means ``"min"``)."""
    col, _, sense = str(text).strip().rpartition(":")
    if not col:  # no colon
        col, sense = sense, "min"
    sense = sense.strip().lower()
    if not col.strip() or sense not in SENSES:
        raise InputError("objective", text, "COLUMN:min or COLUMN:max, e.g. out_range_km:max")
    return col.strip(), sense


def _check_objectives(objectives: Sequence[Objective] | Sequence[str], columns: Sequence[str] | None = None,
                      ) -> list[Objective]:
    """Objectives as (column, sense) pairs, checked (strings are parsed by :func:`parse_objective`)."""
    if isinstance(objectives, str) or (isinstance(objectives, tuple) and len(objectives) == 2
                                       and all(isinstance(x, str) for x in objectives) and objectives[1] in SENSES):
        objectives = [objectives]  # type: ignore[list-item]
    out: list[Objective] = []
    for ob in objectives:
        if isinstance(ob, str):
            out.append(parse_objective(ob))
            continue
        if not (isinstance(ob, Sequence) and len(ob) == 2):
            raise InputError("objectives", ob, "(column, 'min' | 'max') pairs")
        col, sense = str(ob[0]), str(ob[1]).lower()
        if sense not in SENSES:
            raise InputError(f"objectives ({col}) sense", ob[1], "'min' or 'max'")
        out.append((col, sense))
    if not out:
        raise InputError("objectives", [], "at least one (column, 'min' | 'max')")
    names = [c for c, _ in out]
    if len(set(names)) != len(names):
        raise InputError("objectives", names, "each column once")
    if columns is not None:
        cols = list(columns)
        for c in names:
            if c not in cols:
                from tyaga.errors import suggest

                near = suggest(c, [str(x) for x in cols])
                raise InputError("objective column", c, "a column of the results: " + ", ".join(map(str, cols[:30])),
                                 hint=f"did you mean {near!r}?" if near else None)
    return out


def _minimisation_matrix(values: npt.ArrayLike, senses: Sequence[str]) -> np.ndarray:
    """Values (n, k) as float with the "max" columns negated, so that lower is better everywhere."""
    F = np.asarray(values, dtype=float)
    if F.ndim == 1:
        F = F[:, None]
    if F.ndim != 2 or F.shape[1] != len(senses):
        raise InputError("values", f"shape {F.shape}", f"(n, {len(senses)}): one column per objective")
    sign = np.array([1.0 if s == "min" else -1.0 for s in senses])
    if np.any([s not in SENSES for s in senses]):
        raise InputError("senses", list(senses), "'min' or 'max' for each objective")
    return F * sign


# ---------------------------------------------------------------- dominance


def dominates(a: npt.ArrayLike, b: npt.ArrayLike, senses: Sequence[str] | None = None) -> bool:
    """Whether objective vector ``a`` dominates ``b`` (``senses``: one "min"/"max" per objective, default
    all "min"): no worse in every objective and strictly better in at least one."""
    a_, b_ = np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float))
    s = list(senses) if senses is not None else ["min"] * a_.size
    fa, fb = _minimisation_matrix(a_[None, :], s)[0], _minimisation_matrix(b_[None, :], s)[0]
    return bool(np.all(fa <= fb) and np.any(fa < fb))


@numba.njit(cache=True)
def _nondominated_sorted(F: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Non-dominated mask of rows of ``F`` already sorted lexicographically (minimisation, no NaN)."""
    n, k = F.shape
    front = np.empty(n, dtype=np.int64)
    m = 0
    keep = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        dominated = False
        for jj in range(m):
            j = front[jj]
            no_worse = True
            better = False
            for d in range(k):
                if F[j, d] > F[i, d]:
                    no_worse = False
                    break
                if F[j, d] < F[i, d]:
                    better = True
            if no_worse and better:
                dominated = True
                # move the dominating row one place forward: rows that dominate often dominate the next ones
                if jj > 0:
                    front[jj], front[jj - 1] = front[jj - 1], front[jj]
                break
        if not dominated:
            front[m] = i
            m += 1
            keep[i] = True
    return keep


@numba.njit(cache=True)
def _nondominated_sorted_3(F: np.ndarray, rank2: np.ndarray, n_ranks: int) -> np.ndarray:  # pragma: no cover
    """Non-dominated mask of three minimised objectives, rows sorted lexicographically; ``rank2``: dense rank
    of f₂ (0 … n_ranks − 1). A row is dominated iff a row before its group of duplicates has f₂ ≤ and f₃ ≤ its
    own: a Fenwick tree over f₂'s rank holding the least f₃ answers that in O(log n)."""
    n = F.shape[0]
    tree = np.full(n_ranks + 1, np.inf)
    seen = np.zeros(n_ranks + 1, dtype=np.bool_)  # a row was inserted there (f3 may be +inf)
    keep = np.zeros(n, dtype=np.bool_)
    i = 0
    while i < n:
        g = i + 1  # the group of rows equal to row i
        while g < n and F[g, 0] == F[i, 0] and F[g, 1] == F[i, 1] and F[g, 2] == F[i, 2]:
            g += 1
        best = np.inf  # least f3 among earlier rows with rank2 ≤ this one's
        any_before = False
        r = rank2[i] + 1
        while r > 0:
            any_before = any_before or seen[r]
            if tree[r] < best:
                best = tree[r]
            r -= r & (-r)
        dominated = any_before and best <= F[i, 2]
        for j in range(i, g):
            keep[j] = not dominated
        r = rank2[i] + 1
        while r <= n_ranks:
            seen[r] = True
            if F[i, 2] < tree[r]:
                tree[r] = F[i, 2]
            r += r & (-r)
        i = g
    return keep


def _nondominated_2(F: np.ndarray) -> np.ndarray:
    """Non-dominated mask for two minimised objectives, O(n log n)."""
    n = F.shape[0]
    order = np.lexsort((F[:, 1], F[:, 0]))
    f1, f2 = F[order, 0], F[order, 1]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (f1[1:] != f1[:-1]) | (f2[1:] != f2[:-1])
    start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    prefix_min = np.empty(n)
    prefix_min[0] = np.inf
    prefix_min[1:] = np.minimum.accumulate(f2)[:-1]
    # rows before the group have f1 < f1_i, or f1 == f1_i and f2 < f2_i: one of them dominates i iff its f2 ≤ f2_i
    keep_sorted = (start == 0) | ~(prefix_min[start] <= f2)
    keep = np.empty(n, dtype=bool)
    keep[order] = keep_sorted
    return keep


def nondominated_mask(values: npt.ArrayLike, senses: Sequence[str]) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n rows × k objectives; ``senses``: "min"/"max"
    per column). Rows with NaN are never non-dominated (and dominate nothing)."""
    F = _minimisation_matrix(values, senses)
    n, k = F.shape
    ok = ~np.isnan(F).any(axis=1)
    keep = np.zeros(n, dtype=bool)
    if not ok.any():
        return keep
    G = F[ok]
    if k == 1:
        sub = G[:, 0] == G[:, 0].min()
    elif k == 2:
        sub = _nondominated_2(G)
    else:
        order = np.lexsort(G.T[::-1])
        S = np.ascontiguousarray(G[order])
        if k == 3:
            levels, rank2 = np.unique(S[:, 1], return_inverse=True)
            sub_sorted = _nondominated_sorted_3(S, rank2.astype(np.int64), int(levels.size))
        else:
            sub_sorted = _nondominated_sorted(S)
        sub = np.empty(G.shape[0], dtype=bool)
        sub[order] = sub_sorted
    keep[np.flatnonzero(ok)] = sub
    return keep


def is_dominated(values: npt.ArrayLike, senses: Sequence[str]) -> np.ndarray:
    """Boolean mask of the rows of ``values`` that another row dominates (the complement of
    :func:`nondominated_mask` for rows without NaN; rows with NaN are ``True``: they are not on the front)."""
    return ~nondominated_mask(values, senses)


def nondominated_rank(values: npt.ArrayLike, senses: Sequence[str], max_rank: int | None = None) -> np.ndarray:
    """Non-domination rank of each row: 0 = on the front, 1 = on the front once rank 0 is removed, …

    ``max_rank``: stop peeling after ranks ``0 … max_rank − 1`` (the rest get ``−1``, as do rows with NaN).
    Cost: one front computation per rank.
    """
    F = _minimisation_matrix(values, senses)
    n = F.shape[0]
    if max_rank is not None and max_rank < 1:
        raise InputError("max_rank", max_rank, "≥ 1 (or None for all ranks)")
    rank = np.full(n, -1, dtype=np.int64)
    left = np.flatnonzero(~np.isnan(F).any(axis=1))
    r = 0
    plus = ["min"] * F.shape[1]
    while left.size and (max_rank is None or r < max_rank):
        m = nondominated_mask(F[left], plus)
        rank[left[m]] = r
        left = left[~m]
        r += 1
    return rank


# ---------------------------------------------------------------- DataFrames


def front(df: pd.DataFrame, objectives: Sequence[Objective] | Sequence[str], feasible_only: bool = True,
          unique: bool = False, depth: int = 1) -> pd.DataFrame:
    """The non-dominated rows of ``df`` for ``objectives`` (``[(column, "min" | "max"), …]`` or
    ``["column:sense", …]``), in ``df``'s row order, with a ``rank`` column (0 = the front).

    ``feasible_only``: consider only rows whose ``feasible`` column is true (the column must exist then).
    ``unique``: of rows with the same objective vector keep only the first. ``depth``: return the first
    ``depth`` successive fronts (``rank`` 0 … depth − 1). ``result.attrs``: ``objectives``, ``considered``
    (rows compared), ``excluded_nan`` (rows left out for NaN objectives).
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("df", type(df).__name__, "a pandas DataFrame")
    obj = _check_objectives(objectives, df.columns)
    if not isinstance(depth, int | np.integer) or depth < 1:
        raise InputError("depth", depth, "an integer ≥ 1")
    cols = [c for c, _ in obj]
    for c in cols:
        if not (pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])):
            raise InputError(f"objective column {c}", str(df[c].dtype), "a numeric column")
    pool = np.ones(len(df), dtype=bool)
    if feasible_only:
        if "feasible" not in df.columns:
            raise InputError("feasible", "no such column", "a boolean 'feasible' column",
                             hint="pass feasible_only=False (--all) to compare every row")
        pool = df["feasible"].fillna(False).to_numpy(dtype=bool)
    values = df[cols].to_numpy(dtype=float)
    nan = np.isnan(values).any(axis=1)
    pool_ok = pool & ~nan
    idx = np.flatnonzero(pool_ok)
    V = values[idx]
    if unique and idx.size:
        _, first = np.unique(V, axis=0, return_index=True)
        first.sort()
        idx, V = idx[first], V[first]
    rank = nondominated_rank(V, [s for _, s in obj], max_rank=int(depth))
    sel = rank >= 0
    out = df.iloc[idx[sel]].copy()
    out["rank"] = rank[sel]
    if depth > 1:
        out = out.sort_values("rank", kind="stable")
    out.attrs = {"objectives": obj, "considered": int(pool_ok.sum()), "excluded_nan": int((pool & nan).sum())}
    return out


# ---------------------------------------------------------------- results folders


def read_results(results_dir: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A sweep results folder as (all rows sorted by ``design_id``, the manifest dict).

    Reads ``results_dir/manifest.json`` and the chunk files it lists as finished (``manifest["chunks"]``, a
    ``{id: {"file": …}}`` map or a list of such rows); without such a list, every ``chunks/*.parquet``. A folder
    without a manifest gives an empty dict. Parquet through pandas/pyarrow; :mod:`tyaga.sweep` is not needed.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise InputError("results_dir", str(root), "an existing sweep results folder (chunks/*.parquet, manifest.json)")
    manifest: dict[str, Any] = {}
    mpath = root / "manifest.json"
    if mpath.is_file():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError("manifest.json", f"line {exc.lineno}: {exc.msg}", "valid JSON",
                             source=str(mpath)) from None
        if not isinstance(manifest, dict):
            raise InputError("manifest.json", type(manifest).__name__, "a JSON object", source=str(mpath))
    listed = manifest.get("chunks")
    rows = list(listed.values()) if isinstance(listed, dict) else listed if isinstance(listed, list) else []
    names = [r["file"] for r in rows if isinstance(r, dict) and isinstance(r.get("file"), str)]
    if names:
        files = [root / n for n in names]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise InputError("manifest.json chunks", missing[:3], "chunk files that exist", source=str(mpath))
    else:
        chunks = root / "chunks"
        files = sorted(chunks.glob("*.parquet")) if chunks.is_dir() else []
    if not files:
        raise InputError("results_dir", str(root), "a folder with finished chunks (chunks/*.parquet, the output "
                         "of tyaga sweep)")
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if "design_id" in df.columns:
        df = df.sort_values("design_id", kind="stable").reset_index(drop=True)
    return df, manifest


def _output_column(output: str, cycle: Any = None, ambient_c: Any = None) -> str:
    """The results column of an objective's ``output`` (``out_<output>``, or with a condition suffix; the rule
    of :func:`tyaga.sweep.output_column`, used when that module is there)."""
    if output.startswith("out_"):
        return output
    try:
        from tyaga.sweep import output_column
    except ImportError:  # pragma: no cover - sweep.py is part of the package
        if cycle is None and ambient_c is None:
            return f"out_{output}"
        raise InputError("objective condition", (output, cycle, ambient_c), "tyaga.sweep to name its column") from None
    return output_column(output, cycle, ambient_c)


def manifest_objectives(manifest: dict[str, Any]) -> list[Objective]:
    """The objectives of a results manifest (``manifest["space"]["objectives"]``, or top-level
    ``"objectives"``): ``{"output": …, "sense": "min" | "max"[, "cycle", "ambient_c"]}`` items →
    [(results column, sense), …] (``energy_dc_wh_per_km`` → ``out_energy_dc_wh_per_km``; an output already
    named ``out_…`` is kept)."""
    space = manifest.get("space") if isinstance(manifest.get("space"), dict) else {}
    raw = (space or {}).get("objectives", manifest.get("objectives")) or []
    out: list[Objective] = []
    for ob in raw:
        if isinstance(ob, dict):
            col = ob.get("output") or ob.get("column")
            sense = str(ob.get("sense", "min")).lower()
            cond = (ob.get("cycle"), ob.get("ambient_c"))
        elif isinstance(ob, list | tuple) and len(ob) == 2:
            col, sense = ob
            cond = (None, None)
        else:
            raise InputError("manifest objectives", ob, '{"output": "…", "sense": "min" | "max"}')
        if not isinstance(col, str) or not col or sense not in SENSES:
            raise InputError("manifest objectives", ob, '{"output": "…", "sense": "min" | "max"}')
        out.append((_output_column(col, *cond), str(sense)))
    return out


__all__ = ["SENSES", "dominates", "front", "is_dominated", "manifest_objectives", "nondominated_mask",
           "nondominated_rank", "parse_objective", "read_results"]
