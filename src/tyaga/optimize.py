"""Gradient-free optimisation of continuous and integer design variables on tyaga's batched engine
(docs/optimisation.md).

:func:`minimize` wraps :func:`scipy.optimize.differential_evolution` with ``vectorized=True``: each generation
is handed to ``fn`` as one matrix of candidates (one row per candidate), so a tyaga problem runs the whole
population as one engine batch. Integer variables use SciPy's ``integrality`` (candidates are rounded before
``fn`` sees them). Constraints ``g(x) ≤ 0`` use SciPy's feasibility rules (Lampinen): a feasible candidate beats
an infeasible one, two infeasible ones compare by their summed violation, so an infeasible candidate is always
penalised against any feasible one whatever the objective's scale. A candidate whose objective is NaN or ±inf
(e.g. the physics failed) counts as infeasible. ``method="grid"`` scans every combination (integer variables,
or ``grid_points`` per continuous one) in batches: the brute-force answer for small spaces.

:class:`VehicleProblem` builds ``fn`` from a base vehicle, a mapping of spec fields to ranges
(``{"battery.parallel": (1, 6), "body.drag_coefficient": (0.22, 0.34)}``), an objective and constraints on
:func:`tyaga.chain.simulate` summary columns (``"range_km >= 400"``) plus a few derived columns
(``pack_mass_kg``, ``pack_cost_usd``, ``test_mass_kg``, ``n_cells``).
"""

from __future__ import annotations

import itertools
import math
import operator
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tyaga.errors import InputError

FloatArray = npt.NDArray[np.float64]
#: Methods of :func:`minimize`.
METHODS = ("differential_evolution", "grid")
#: Constraint value given to a candidate whose constraint output is NaN (or whose spec is invalid).
FAILED_VIOLATION = 1.0e6
#: Derived outputs a :class:`VehicleProblem` adds to the engine's summary columns.
DERIVED_OUTPUTS = {
    "test_mass_kg": "curb mass + payload [kg]",
    "n_cells": "cells in the pack (series × parallel; NaN for a pack-level shortcut)",
    "pack_mass_kg": "traction pack mass (tyaga.tco.traction_pack_mass_kg) [kg]",
    "pack_cost_usd": "the cells (gross kWh × the cell's cost_per_kwh_usd) and the rest of the pack "
                     "(tyaga.pack.DEFAULT_NON_CELL_COST_USD_PER_KWH × gross kWh), as tyaga.sweep's "
                     "out_pack_cost_usd; NaN when the cell has no price [USD]",
}


# ---------------------------------------------------------------- variables


@dataclass(frozen=True)
class Variable:
    """One design variable: ``low ≤ x ≤ high`` (in the unit of the field it sets), integer or continuous."""

    name: str
    low: float
    high: float
    integer: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise InputError("variable name", self.name, "a non-empty name")
        for which, v in (("low", self.low), ("high", self.high)):
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating) or not math.isfinite(v):
                raise InputError(f"{self.name} {which}", v, "a finite number")
        if not self.low < self.high:
            raise InputError(f"{self.name} range", (self.low, self.high), "low < high")
        if self.integer and (math.ceil(self.low) > math.floor(self.high)):
            raise InputError(f"{self.name} range", (self.low, self.high), "at least one integer between low and high")


def as_variables(variables: Sequence[Variable] | Mapping[str, Any],
                 integer_names: Sequence[str] = ()) -> list[Variable]:
    """Variables from a list of :class:`Variable` or a mapping ``name → (low, high)`` / ``(low, high, "int")``
    (names in ``integer_names`` are integer whatever the mapping says)."""
    out: list[Variable] = []
    if isinstance(variables, Mapping):
        for name, rng in variables.items():
            if isinstance(rng, Variable):
                out.append(rng)
                continue
            if not (isinstance(rng, Sequence) and not isinstance(rng, str) and len(rng) in (2, 3)):
                raise InputError(f"variable {name}", rng, "(low, high) or (low, high, 'int')")
            integer = len(rng) == 3 and str(rng[2]).lower() in ("int", "integer")
            if len(rng) == 3 and not integer and str(rng[2]).lower() not in ("float", "continuous"):
                raise InputError(f"variable {name} kind", rng[2], "'int' or 'float'")
            out.append(Variable(str(name), rng[0], rng[1], integer or name in integer_names))
    else:
        for v in variables:
            if not isinstance(v, Variable):
                raise InputError("variables", v,
                                 "Variable(name, low, high, integer) items or a {name: (low, high)} map")
            out.append(Variable(v.name, v.low, v.high, True) if v.name in integer_names and not v.integer else v)
    if not out:
        raise InputError("variables", [], "at least one variable")
    names = [v.name for v in out]
    if len(set(names)) != len(names):
        raise InputError("variables", names, "each name once")
    return out


# ---------------------------------------------------------------- result


@dataclass
class OptimizationResult:
    """What :func:`minimize` found.

    ``x``: the best candidate by variable name (integers as ``int``); ``objective``: its objective in the
    problem's own sense (not negated for ``"max"``); ``feasible``: all constraints hold and the objective is
    finite; ``constraint_violation``: the largest ``g(x)`` above 0 (0 when feasible); ``n_evaluations``:
    candidates evaluated by ``fn`` (distinct ones, after the cache); ``n_batches``: calls of ``fn``;
    ``iterations``: generations (DE) or 1 (grid).
    """

    x: dict[str, float | int]
    x_vector: FloatArray
    objective: float
    feasible: bool
    constraint_violation: float
    n_evaluations: int
    n_batches: int
    iterations: int
    success: bool
    message: str
    method: str
    sense: str = "min"
    extra: dict[str, Any] = field(default_factory=dict, repr=False)


# ---------------------------------------------------------------- the cached evaluator


class _Evaluator:
    """Calls the user's batched ``fn`` (and ``constraints``) once per distinct candidate and keeps the results,
    so SciPy's separate objective and constraint calls cost one engine run."""

    def __init__(self, fn: Callable[..., Any], constraints: Callable[[FloatArray], Any] | None, d: int,
                 sign: float, cache_size: int = 200_000) -> None:
        self.fn, self.constraints, self.d, self.sign = fn, constraints, d, sign
        self.cache: dict[bytes, tuple[float, FloatArray]] = {}
        self.cache_size = cache_size
        self.n_evaluations = 0
        self.n_batches = 0
        self.n_constraints: int | None = None

    def _run(self, X: FloatArray) -> tuple[FloatArray, FloatArray]:
        out = self.fn(X)
        g: Any = None
        if isinstance(out, tuple):
            if len(out) != 2:
                raise InputError("fn result", f"a tuple of {len(out)}", "objective or (objective, constraints)")
            out, g = out
        f = np.asarray(out, dtype=float).reshape(-1)
        if f.size != X.shape[0]:
            raise InputError("fn result", f"{f.size} values for {X.shape[0]} candidates", "one value per row of X")
        parts = []
        if g is not None:
            parts.append(np.asarray(g, dtype=float).reshape(X.shape[0], -1))
        if self.constraints is not None:
            parts.append(np.asarray(self.constraints(X), dtype=float).reshape(X.shape[0], -1))
        G = np.hstack(parts) if parts else np.zeros((X.shape[0], 0))
        G = np.where(np.isnan(G), FAILED_VIOLATION, G)
        self.n_batches += 1
        self.n_evaluations += X.shape[0]
        return f, G

    def evaluate(self, X: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(objective (m,), constraints g (m, c) with the "objective failed" flag as the last column)."""
        X = np.ascontiguousarray(np.atleast_2d(X), dtype=float)
        if X.shape[0] == 0:
            return np.zeros(0), np.zeros((0, (self.n_constraints or 0) + 1))
        keys = [row.tobytes() for row in X]
        todo = {}
        for i, k in enumerate(keys):
            if k not in self.cache and k not in todo:
                todo[k] = i
        if todo:
            rows = np.array(list(todo.values()))
            f, G = self._run(X[rows])
            if self.n_constraints is None:
                self.n_constraints = G.shape[1]
            if len(self.cache) + len(rows) > self.cache_size:
                self.cache.clear()
            for j, k in enumerate(todo):
                bad = 0.0 if math.isfinite(f[j]) else 1.0
                self.cache[k] = (f[j], np.append(G[j], bad))
        vals = [self.cache[k] for k in keys]
        f = np.array([v[0] for v in vals])
        G = np.vstack([v[1] for v in vals])
        return f, G

    def energy(self, X: FloatArray) -> FloatArray:
        """Minimised objective (``sign × f``; +inf where it failed)."""
        f, _ = self.evaluate(X)
        e = self.sign * f
        return np.where(np.isfinite(e), e, np.inf)


# ---------------------------------------------------------------- minimize


def minimize(fn: Callable[[FloatArray], Any], variables: Sequence[Variable] | Mapping[str, Any], *,
             sense: str = "min", constraints: Callable[[FloatArray], Any] | None = None,
             method: str = "differential_evolution", integrality: Sequence[bool] | None = None,
             seed: int | None = 0, maxiter: int = 200, popsize: int = 15, tol: float = 0.01, atol: float = 0.0,
             mutation: float | tuple[float, float] = (0.5, 1.0), recombination: float = 0.7,
             init: str = "latinhypercube", polish: bool = False, grid_points: int | Mapping[str, int] = 11,
             batch_size: int = 4096) -> OptimizationResult:
    """Minimise (``sense="max"``: maximise) a batched objective over bounded continuous and integer variables.

    ``fn(X)``: ``X`` is (m, d) — one candidate per row, columns in the order of ``variables`` — and returns
    the objective (m,), or ``(objective (m,), g (m, c))`` with constraints ``g ≤ 0`` meaning feasible.
    ``constraints(X) -> (m, c)``: more constraints the same way. ``integrality``: per variable, overrides
    ``Variable.integer``. ``method``: ``"differential_evolution"`` (SciPy; ``seed``, ``maxiter``, ``popsize``,
    ``tol``, ``atol``, ``mutation``, ``recombination``, ``init``, ``polish`` passed on; ``polish`` only
    without integer variables) or ``"grid"`` (every integer in range for integer variables, ``grid_points``
    evenly spaced values for continuous ones; evaluated ``batch_size`` at a time; ties go to the first
    candidate in grid order).
    """
    vars_ = as_variables(variables)
    d = len(vars_)
    if sense not in ("min", "max"):
        raise InputError("sense", sense, "'min' or 'max'")
    if method not in METHODS:
        raise InputError("method", method, " or ".join(METHODS))
    if integrality is not None:
        integ = [bool(b) for b in integrality]
        if len(integ) != d:
            raise InputError("integrality", list(integrality), f"{d} flags, one per variable")
        vars_ = [Variable(v.name, v.low, v.high, b) for v, b in zip(vars_, integ, strict=True)]
    integ_arr = np.array([v.integer for v in vars_])
    if not callable(fn):
        raise InputError("fn", type(fn).__name__, "a callable fn(X) on an (m, d) array")
    sign = 1.0 if sense == "min" else -1.0
    ev = _Evaluator(fn, constraints, d, sign)
    if method == "grid":
        return _grid(ev, vars_, sense, grid_points, batch_size)
    for name, val, lo, hi in (("maxiter", maxiter, 1, 100_000), ("popsize", popsize, 1, 10_000)):
        if isinstance(val, bool) or not isinstance(val, int | np.integer) or not lo <= val <= hi:
            raise InputError(name, val, f"an integer {lo} … {hi}")
    from scipy.optimize import NonlinearConstraint, differential_evolution

    def energy(xt: FloatArray) -> FloatArray:  # SciPy hands (d, S)
        return ev.energy(np.atleast_2d(np.asarray(xt).T) if np.ndim(xt) == 2 else np.asarray(xt)[None, :])

    # probe one candidate to learn the number of constraints (the midpoint, rounded; it is cached)
    mid = np.array([(v.low + v.high) / 2 for v in vars_])
    mid = np.where(integ_arr, np.clip(np.round(mid), np.ceil([v.low for v in vars_]),
                                      np.floor([v.high for v in vars_])), mid)
    ev.evaluate(mid[None, :])
    nc = ev.n_constraints + 1 if ev.n_constraints is not None else 1

    def cons(xt: FloatArray) -> FloatArray:  # (d,) or (d, S) → (M,) or (M, S)
        x = np.asarray(xt, dtype=float)
        X = x[None, :] if x.ndim == 1 else x.T
        _, G = ev.evaluate(X)
        return G[0] if x.ndim == 1 else G.T

    bounds = [(float(v.low), float(v.high)) for v in vars_]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = differential_evolution(
            energy, bounds, seed=seed, maxiter=maxiter, popsize=popsize, tol=tol, atol=atol, mutation=mutation,
            recombination=recombination, init=init, polish=bool(polish and not integ_arr.any()),
            integrality=integ_arr if integ_arr.any() else None, vectorized=True, updating="deferred",
            constraints=NonlinearConstraint(cons, -np.inf, np.zeros(nc)))
    x = np.asarray(res.x, dtype=float)
    x = np.where(integ_arr, np.round(x), x)
    return _result(ev, vars_, x, sense, int(res.nit), bool(res.success), str(res.message), method)


def _result(ev: _Evaluator, vars_: list[Variable], x: FloatArray, sense: str, iterations: int, success: bool,
            message: str, method: str) -> OptimizationResult:
    f, G = ev.evaluate(x[None, :])
    viol = float(max(0.0, G[0].max())) if G.shape[1] else 0.0
    feasible = viol <= 0.0 and math.isfinite(f[0])
    named = {v.name: (round(float(xi)) if v.integer else float(xi)) for v, xi in zip(vars_, x, strict=True)}
    return OptimizationResult(named, x, float(f[0]), feasible, viol, ev.n_evaluations, ev.n_batches, iterations,
                              success and feasible, message if feasible else f"{message} (no feasible candidate "
                              "found)", method, sense)


def _grid(ev: _Evaluator, vars_: list[Variable], sense: str, grid_points: int | Mapping[str, int],
          batch_size: int) -> OptimizationResult:
    axes = []
    total = 1
    for v in vars_:
        if v.integer:
            ax = np.arange(math.ceil(v.low), math.floor(v.high) + 1, dtype=float)
        else:
            k = grid_points.get(v.name, 11) if isinstance(grid_points, Mapping) else grid_points
            if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
                raise InputError(f"grid_points ({v.name})", k, "an integer ≥ 2")
            ax = np.linspace(v.low, v.high, int(k))
        axes.append(ax)
        total *= ax.size
    if total > 10_000_000:
        raise InputError("grid size", total, "≤ 10,000,000 candidates (fewer grid_points or narrower ranges)")
    if not 1 <= batch_size <= 1_000_000:
        raise InputError("batch_size", batch_size, "1 … 1,000,000")
    best_x: FloatArray | None = None
    best_key: tuple[int, float] | None = None
    it = itertools.product(*axes)
    while True:
        chunk = list(itertools.islice(it, batch_size))
        if not chunk:
            break
        X = np.array(chunk, dtype=float)
        f, G = ev.evaluate(X)
        viol = np.maximum(G, 0.0).sum(axis=1)
        e = ev.sign * f
        feas = (viol <= 0) & np.isfinite(e)
        # feasible first by objective, else the least violation
        key_e = np.where(feas, e, np.inf)
        if feas.any():
            i = int(np.argmin(key_e))
            cand = (0, float(key_e[i]))
        else:
            i = int(np.argmin(viol))
            cand = (1, float(viol[i]))
        if best_key is None or cand < best_key:
            best_key, best_x = cand, X[i]
    assert best_x is not None
    return _result(ev, vars_, best_x, sense, 1, True, f"scanned {total} candidates", "grid")


# ---------------------------------------------------------------- the tyaga problem


_CONSTRAINT_RE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|≤|≥)\s*([-+0-9.eE]+)\s*$")
_OPS = {"<=": operator.le, ">=": operator.ge, "≤": operator.le, "≥": operator.ge}


def parse_constraint(c: str | tuple[str, str, float]) -> tuple[str, str, float]:
    """``"range_km >= 400"`` (or ``("range_km", ">=", 400)``) → ``("range_km", ">=", 400.0)``."""
    if isinstance(c, str):
        m = _CONSTRAINT_RE.match(c)
        if not m:
            raise InputError("constraint", c, "'COLUMN >= VALUE' or 'COLUMN <= VALUE', e.g. 'range_km >= 400'")
        col, op, val = m.group(1), m.group(2), m.group(3)
    elif isinstance(c, tuple | list) and len(c) == 3:
        col, op, val = str(c[0]), str(c[1]), c[2]
    else:
        raise InputError("constraint", c, "'COLUMN >= VALUE' or (column, '>=' | '<=', value)")
    op = {"≤": "<=", "≥": ">="}.get(op, op)
    if op not in ("<=", ">="):
        raise InputError(f"constraint {col} operator", op, "'>=' or '<='")
    try:
        v = float(val)
    except (TypeError, ValueError):
        raise InputError(f"constraint {col} value", val, "a number") from None
    if not math.isfinite(v):
        raise InputError(f"constraint {col} value", val, "a finite number")
    return col, op, v


def _field_info(spec: Any, path: str) -> tuple[str, str, Any]:
    """(section, field, pydantic FieldInfo) of ``"section.field"`` in a VehicleSpec."""
    parts = path.split(".")
    sections = [n for n in type(spec).model_fields if n not in ("name", "format_version", "vehicle_class", "source",
                                                                 "notes", "base_dir")]
    if len(parts) != 2:
        raise InputError("variable", path, "'section.field', e.g. battery.parallel or body.drag_coefficient")
    sec, fld = parts
    if sec not in sections:
        raise InputError(f"variable {path} section", sec, ", ".join(sections))
    obj = getattr(spec, sec)
    if obj is None:
        raise InputError(f"variable {path}", sec, f"a section the base vehicle has (it has no [{sec}])")
    fields = type(obj).model_fields
    if fld not in fields:
        from tyaga.errors import suggest

        near = suggest(fld, list(fields))
        raise InputError(f"variable {path} field", fld, f"a field of [{sec}]: " + ", ".join(fields),
                         hint=f"did you mean {near!r}?" if near else None)
    return sec, fld, fields[fld]


def _is_int_field(info: Any) -> bool:
    ann = info.annotation
    args = getattr(ann, "__args__", None)
    kinds = set(args) if args else {ann}
    kinds.discard(type(None))
    return kinds == {int}


class VehicleProblem:
    """A batched objective/constraint function on variants of one vehicle (for :func:`minimize` and
    :func:`tyaga.sensitivity.sobol`).

    ``variables``: ``{"section.field": (low, high)}`` (or :class:`Variable` items named by the path); integer
    spec fields (``battery.series``, ``battery.parallel``) are integer variables. ``objective``: a summary column
    of :func:`tyaga.chain.simulate` (``energy_dc_wh_per_km``, ``range_km``, ``accel_0_100_s`` …), a derived
    column (:data:`DERIVED_OUTPUTS`) or a variable's path (e.g. minimise ``battery.parallel`` itself).
    ``constraints``: ``["range_km >= 400", "accel_0_100_s <= 9"]``, each turned into ``g = (bound − value) /
    |bound|`` (``>=``) or ``(value − bound) / |bound|`` (``<=``). ``pack_mass_follows``: when series/parallel
    change, the curb mass changes by the cells added or removed ÷ tyaga.tco.CELL_TO_PACK_MASS_RATIO (the base
    vehicle's ``body.mass_kg`` is taken to include its own pack). ``cycle``, ``ambient_c``: as
    :func:`tyaga.chain.simulate`. ``outputs``: more columns :meth:`evaluate` must have (``range_km`` and
    ``accel_0_100_s`` are computed only when named here or above). A candidate whose spec fails validation
    (e.g. ``soc_min ≥ soc_max``) is infeasible (NaN outputs, ``reason`` says why), never an exception.
    """

    def __init__(self, base: Any, variables: Mapping[str, Any] | Sequence[Variable], objective: str,
                 sense: str = "min", constraints: Sequence[str | tuple[str, str, float]] = (),
                 cycle: Any = "wltc3b", ambient_c: float | None = None, pack_mass_follows: bool = True,
                 outputs: Sequence[str] = ()) -> None:
        from tyaga.chain import SUMMARY_COLUMNS, _resolve_cycle, _resolve_vehicle

        self.base = _resolve_vehicle(base)
        self.cycle = _resolve_cycle(cycle)
        self.ambient_c = ambient_c
        self.pack_mass_follows = bool(pack_mass_follows)
        raw = as_variables(variables)
        self.paths: list[tuple[str, str]] = []
        vs = []
        for v in raw:
            sec, fld, info = _field_info(self.base, v.name)
            self.paths.append((sec, fld))
            vs.append(Variable(v.name, v.low, v.high, v.integer or _is_int_field(info)))
        self.variables = vs
        if sense not in ("min", "max"):
            raise InputError("sense", sense, "'min' or 'max'")
        self.sense = sense
        self.constraints = [parse_constraint(c) for c in constraints]
        names = {v.name for v in self.variables}
        known = set(SUMMARY_COLUMNS) | set(DERIVED_OUTPUTS) | names | {
            "energy_wheel_wh", "energy_battery_terminal_wh", "energy_aux_wh", "soc_end", "voltage_min_v",
            "current_max_a", "battery_power_max_w", "usable_energy_wh", "limited_s", "time_s"}
        self.outputs = [str(o) for o in ([outputs] if isinstance(outputs, str) else outputs)]
        for col in [objective, *[c for c, _, _ in self.constraints], *self.outputs]:
            if col not in known:
                from tyaga.errors import suggest

                near = suggest(col, sorted(known))
                raise InputError("objective/constraint column", col, "a summary column, a derived column or a "
                                 "variable: " + ", ".join(sorted(known)),
                                 hint=f"did you mean {near!r}?" if near else None)
        self.objective = objective
        used = {objective, *[c for c, _, _ in self.constraints], *self.outputs}
        self._used = sorted(used - set(DERIVED_OUTPUTS) - names)
        self.with_range = "range_km" in used
        self.with_acceleration = "accel_0_100_s" in used
        self._base_cells = self._n_cells(self.base)
        # the bounds must give valid specs (a clear error now, not a population of failures)
        for v in self.variables:
            for val in (v.low, v.high):
                x = np.array([(w.low + w.high) / 2 if w is not v else val for w in self.variables])
                x = np.where([w.integer for w in self.variables], np.round(x), x)
                _, err = self._spec(x, 0)
                if err:
                    raise InputError(f"variable {v.name} bound", val, "a value the vehicle file accepts", hint=err)

    # -- specs

    @staticmethod
    def _n_cells(spec: Any) -> float:
        b = spec.battery
        return float(b.series * b.parallel) if b.series is not None and b.parallel is not None else math.nan

    def _spec(self, x: FloatArray, i: int) -> tuple[Any, str]:
        """The variant for one candidate, or (None, why it is invalid)."""
        from pydantic import ValidationError

        base = self.base
        updates: dict[str, dict[str, Any]] = {}
        for (sec, fld), v, xi in zip(self.paths, self.variables, x, strict=True):
            updates.setdefault(sec, {})[fld] = round(float(xi)) if v.integer else float(xi)
        try:
            new: dict[str, Any] = {}
            for sec, upd in updates.items():
                old = getattr(base, sec)
                new[sec] = type(old).model_validate({**old.model_dump(), **upd})
            spec = base.model_copy(update={**new, "name": f"{base.name} #{i}"})
            if self.pack_mass_follows and ("battery" in updates) and math.isfinite(self._base_cells):
                dn = self._n_cells(spec) - self._base_cells
                if dn:
                    from tyaga.battery import cell_for_vehicle
                    from tyaga.tco import CELL_TO_PACK_MASS_RATIO

                    cell = cell_for_vehicle(spec)
                    assert cell is not None
                    mass = spec.body.mass_kg + dn * cell.mass_kg / CELL_TO_PACK_MASS_RATIO
                    body = type(spec.body).model_validate({**spec.body.model_dump(), "mass_kg": mass})
                    spec = spec.model_copy(update={"body": body})
        except ValidationError as exc:
            e = exc.errors()[0]
            return None, f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
        except InputError as exc:
            return None, str(exc)
        return spec, ""

    def specs(self, X: npt.ArrayLike) -> list[Any]:
        """The vehicle variant of each candidate row (``None`` where the spec is invalid)."""
        X2 = self._check_x(X)
        return [self._spec(x, i)[0] for i, x in enumerate(X2)]

    def _check_x(self, X: npt.ArrayLike) -> FloatArray:
        X2 = np.atleast_2d(np.asarray(X, dtype=float))
        if X2.ndim != 2 or X2.shape[1] != len(self.variables):
            raise InputError("X", f"shape {X2.shape}", f"(m, {len(self.variables)}): one column per variable")
        if not np.isfinite(X2).all():
            raise InputError("X", "NaN or inf", "finite candidate values")
        return X2

    # -- evaluation

    def evaluate(self, X: npt.ArrayLike) -> pd.DataFrame:
        """One row per candidate: the variables (by path), the summary and derived columns, ``feasible`` and
        ``reason`` (the first violated constraint, or why the spec is invalid; ``""`` when feasible).
        All valid candidates run as one :func:`tyaga.chain.simulate` batch."""
        from tyaga.battery import cell_for_vehicle
        from tyaga.chain import simulate
        from tyaga.tco import traction_pack_mass_kg

        X2 = self._check_x(X)
        m = X2.shape[0]
        built = [self._spec(x, i) for i, x in enumerate(X2)]
        ok = np.array([s is not None for s, _ in built])
        out = pd.DataFrame({v.name: X2[:, j] for j, v in enumerate(self.variables)})
        for j, v in enumerate(self.variables):
            if v.integer:
                out[v.name] = np.round(X2[:, j]).astype(int)
        specs = [s for s, _ in built if s is not None]
        if specs:
            summ = simulate(specs, self.cycle, timeseries=False, with_range=self.with_range,
                            with_acceleration=self.with_acceleration, ambient_c=self.ambient_c).summary
            idx = np.flatnonzero(ok)
            for col in summ.columns:
                if col in ("name", "cycle", "range_ended_by"):
                    continue
                if pd.api.types.is_numeric_dtype(summ[col]):
                    full = np.full(m, np.nan)
                    full[idx] = summ[col].to_numpy(dtype=float)
                    out[col] = full
            if self.with_range:
                ended = np.full(m, "", dtype=object)
                ended[idx] = summ["range_ended_by"].to_numpy()
                out["range_ended_by"] = ended
        for col in self._used:
            if col not in out.columns:  # no valid candidate in this batch
                out[col] = np.full(m, np.nan)
        derived = {k: np.full(m, np.nan) for k in DERIVED_OUTPUTS}
        for i, (s, _) in enumerate(built):
            if s is None:
                continue
            derived["test_mass_kg"][i] = s.body.test_mass_kg
            derived["n_cells"][i] = self._n_cells(s)
            derived["pack_mass_kg"][i] = traction_pack_mass_kg(s)
            cell = cell_for_vehicle(s)
            if cell is not None and cell.cost_per_kwh_usd is not None:
                from tyaga.battery import pack_for_vehicle
                from tyaga.pack import cell_built_pack_cost_usd

                derived["pack_cost_usd"][i] = cell_built_pack_cost_usd(pack_for_vehicle(s).energy_wh,
                                                                       cell.cost_per_kwh_usd)[1]
        for k, arr in derived.items():
            out[k] = arr
        reason = np.array([why for _, why in built], dtype=object)
        for col, op, bound in self.constraints:
            vals = out[col].to_numpy(dtype=float)
            bad = ~_OPS[op](vals, bound) | np.isnan(vals)
            for i in np.flatnonzero(bad & (reason == "")):
                reason[i] = f"{col} = {vals[i]:.6g} {'<' if op == '>=' else '>'} {bound:g}"
        obj = out[self.objective].to_numpy(dtype=float)
        for i in np.flatnonzero(~np.isfinite(obj) & (reason == "")):
            reason[i] = f"{self.objective} = {obj[i]} (not a finite number)"
        out["feasible"] = reason == ""
        out["reason"] = reason.astype(str)
        return out

    def __call__(self, X: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(objective (m,), g (m, c)) for :func:`minimize`; NaN where the spec is invalid."""
        df = self.evaluate(X)
        f = df[self.objective].to_numpy(dtype=float)
        G = np.zeros((len(df), len(self.constraints)))
        for j, (col, op, bound) in enumerate(self.constraints):
            vals = df[col].to_numpy(dtype=float)
            scale = abs(bound) if bound != 0 else 1.0
            G[:, j] = (bound - vals) / scale if op == ">=" else (vals - bound) / scale
        return f, np.where(np.isnan(G), FAILED_VIOLATION, G)

    def minimize(self, **kwargs: Any) -> OptimizationResult:
        """:func:`minimize` of this problem (keyword arguments passed on); ``result.extra["row"]`` is the
        best candidate's :meth:`evaluate` row."""
        res = minimize(self, self.variables, sense=self.sense, **kwargs)
        res.extra["row"] = self.evaluate(res.x_vector[None, :]).iloc[0].to_dict()
        return res


__all__ = ["DERIVED_OUTPUTS", "METHODS", "OptimizationResult", "Variable", "VehicleProblem", "as_variables",
           "minimize", "parse_constraint"]
