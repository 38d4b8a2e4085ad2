"""Variance-based (Sobol') sensitivity analysis on tyaga's batched engine, via SALib (docs/optimisation.md).

:func:`sobol` draws Saltelli's extension of a scrambled Sobol' sequence (``SALib.sample.sobol``, ``n × (d + 2)``
points, ``n × (2d + 2)`` with second-order indices), evaluates them with one batched ``fn`` call (or
``batch_size`` rows at a time) and returns SALib's estimates (``SALib.analyze.sobol``): first-order ``S1``
(the share of the output's variance that one input explains alone) and total ``ST`` (alone and through all
its interactions), each with its bootstrap confidence half-width at ``conf_level``. Inputs are uniform
on their ranges.

:func:`vehicle_sobol` does it for spec fields of one vehicle (``body.mass_kg``, ``body.drag_coefficient`` …) on
:func:`tyaga.chain.simulate` summary columns through :class:`tyaga.optimize.VehicleProblem`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tyaga.errors import InputError
from tyaga.optimize import Variable, VehicleProblem, as_variables

FloatArray = npt.NDArray[np.float64]


def _problem(problem: Mapping[str, Any] | Sequence[Variable]) -> dict[str, Any]:
    """A SALib problem dict from a SALib dict (``names``, ``bounds``), a list of Variables or a
    ``{name: (low, high)}`` map."""
    if isinstance(problem, Mapping) and "names" in problem and "bounds" in problem:
        names = [str(n) for n in problem["names"]]
        bounds = [tuple(b) for b in problem["bounds"]]
        if len(names) != len(bounds):
            raise InputError("problem", f"{len(names)} names, {len(bounds)} bounds", "one [low, high] per name")
        vars_ = as_variables({n: b for n, b in zip(names, bounds, strict=True)})
    else:
        vars_ = as_variables(problem)  # type: ignore[arg-type]
    if len(vars_) < 2:
        raise InputError("problem", [v.name for v in vars_], "at least two inputs (Sobol' indices compare inputs)")
    return {"num_vars": len(vars_), "names": [v.name for v in vars_],
            "bounds": [[float(v.low), float(v.high)] for v in vars_]}


def _outputs(Y: Any, m: int) -> dict[str, FloatArray]:
    if isinstance(Y, pd.DataFrame):
        out = {str(c): Y[c].to_numpy(dtype=float) for c in Y.columns}
    elif isinstance(Y, Mapping):
        out = {str(k): np.asarray(v, dtype=float).reshape(-1) for k, v in Y.items()}
    else:
        arr = np.asarray(Y, dtype=float)
        if arr.ndim == 1:
            out = {"y": arr}
        elif arr.ndim == 2:
            out = {f"y{j}": arr[:, j] for j in range(arr.shape[1])}
        else:
            raise InputError("fn result", f"shape {arr.shape}", "(m,) or (m, outputs), a DataFrame or a dict")
    for k, v in out.items():
        if v.size != m:
            raise InputError(f"fn result {k}", f"{v.size} values for {m} samples", "one value per row of X")
    return out


def sobol(fn: Callable[[FloatArray], Any], problem: Mapping[str, Any] | Sequence[Variable], n: int = 1024,
          seed: int | None = 0, calc_second_order: bool = False, conf_level: float = 0.95,
          num_resamples: int = 100, batch_size: int | None = None) -> pd.DataFrame:
    """Sobol' indices of the outputs of a batched ``fn`` over uniform inputs.

    ``fn(X)``: ``X`` (m, d), one sample per row in the order of ``problem``'s names; returns (m,) (output
    ``"y"``), (m, k) (``"y0"`` …), a dict or a DataFrame of named outputs. ``problem``: a SALib dict
    (``names``, ``bounds``), Variables or ``{name: (low, high)}``. ``n``: base sample size, a power of 2
    (``2 … 2²⁰``); SALib evaluates ``n (d + 2)`` samples (``n (2d + 2)`` with ``calc_second_order``).

    Returns one row per (output, input): ``output``, ``variable``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
    (confidence half-widths at ``conf_level``), and with ``calc_second_order`` a ``S2_<name>`` column per
    input (the upper triangle SALib fills; NaN elsewhere). ``attrs``: ``n_evaluations``, ``n``, ``seed``,
    ``conf_level``, ``variance`` (per output). An output with NaN or no variance is an :class:`InputError`.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    prob = _problem(problem)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2 or n > 2**20 or (n & (n - 1)):
        raise InputError("n", n, "a power of 2 from 2 to 1048576 (Sobol' sequences balance only at 2^k)")
    if not (isinstance(conf_level, float | int) and 0.0 < conf_level < 1.0):
        raise InputError("conf_level", conf_level, "0 < conf_level < 1")
    if isinstance(num_resamples, bool) or not isinstance(num_resamples, int) or not 10 <= num_resamples <= 100_000:
        raise InputError("num_resamples", num_resamples, "an integer 10 … 100000")
    if batch_size is not None and not (isinstance(batch_size, int) and batch_size >= 1):
        raise InputError("batch_size", batch_size, "an integer ≥ 1 (or None for one batch)")
    X = sobol_sample.sample(prob, int(n), calc_second_order=calc_second_order, seed=seed)
    m = X.shape[0]
    step = m if batch_size is None else batch_size
    parts: list[dict[str, FloatArray]] = [_outputs(fn(X[i:i + step]), min(step, m - i)) for i in range(0, m, step)]
    Y = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    rows = []
    variance = {}
    for name, y in Y.items():
        bad = ~np.isfinite(y)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"output {name}", f"{int(bad.sum())} non-finite values (first at sample {i}: "
                             f"{dict(zip(prob['names'], X[i].tolist(), strict=True))})",
                             "finite values over the whole input box (narrow the ranges)")
        var = float(np.var(y))
        if not var > 1e-300 or var <= (1e-12 * float(np.mean(np.abs(y)))) ** 2:
            raise InputError(f"output {name}", f"variance {var:.3g}", "an output that varies with the inputs")
        variance[name] = var
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            Si = sobol_analyze.analyze(prob, y, calc_second_order=calc_second_order, num_resamples=num_resamples,
                                       conf_level=conf_level, seed=seed)
        for j, var_name in enumerate(prob["names"]):
            row: dict[str, Any] = {"output": name, "variable": var_name, "S1": float(Si["S1"][j]),
                                   "S1_conf": float(Si["S1_conf"][j]), "ST": float(Si["ST"][j]),
                                   "ST_conf": float(Si["ST_conf"][j])}
            if calc_second_order:
                for k, other in enumerate(prob["names"]):
                    row[f"S2_{other}"] = float(Si["S2"][j, k])
                    row[f"S2_{other}_conf"] = float(Si["S2_conf"][j, k])
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs = {"n_evaluations": m, "n": int(n), "seed": seed, "conf_level": conf_level, "variance": variance}
    return out


def relative_bounds(base: Any, fields: Sequence[str], fraction: float = 0.1) -> dict[str, tuple[float, float]]:
    """``{"section.field": (v (1 − fraction), v (1 + fraction))}`` around the base vehicle's values ``v``."""
    from tyaga.chain import _resolve_vehicle

    spec = _resolve_vehicle(base)
    if not (isinstance(fraction, float | int) and 0.0 < fraction < 1.0):
        raise InputError("fraction", fraction, "0 < fraction < 1")
    out = {}
    for f in fields:
        sec, _, fld = f.partition(".")
        obj = getattr(spec, sec, None)
        v = getattr(obj, fld, None) if obj is not None else None
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v == 0:
            raise InputError("field", f, f"a numeric, non-zero field of {spec.name} ('section.field')")
        lo, hi = sorted((v * (1 - fraction), v * (1 + fraction)))
        out[f] = (float(lo), float(hi))
    return out


def vehicle_sobol(base: Any, variables: Mapping[str, Any] | Sequence[Variable],
                  outputs: Sequence[str] = ("energy_dc_wh_per_km",), cycle: Any = "wltc3b",
                  ambient_c: float | None = None, n: int = 512, seed: int | None = 0,
                  pack_mass_follows: bool = True, **kwargs: Any) -> pd.DataFrame:
    """Sobol' indices of summary columns (``outputs``) of variants of ``base`` on ``cycle`` over uniform
    ranges of spec fields (``{"body.mass_kg": (1500, 1800), …}``; :func:`relative_bounds` gives ±x %).
    Integer fields are rounded (their indices are then those of the rounded input). All samples run as one
    engine batch. Other keyword arguments go to :func:`sobol`."""
    if isinstance(outputs, str):
        outputs = [outputs]
    outs = list(outputs)
    if not outs:
        raise InputError("outputs", [], "at least one summary column")
    prob = VehicleProblem(base, variables, objective=outs[0], cycle=cycle, ambient_c=ambient_c,
                          pack_mass_follows=pack_mass_follows, outputs=outs)

    def fn(X: FloatArray) -> pd.DataFrame:
        df = prob.evaluate(X)
        bad = ~df["feasible"].to_numpy(dtype=bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError("sample", dict(zip([v.name for v in prob.variables], X[i].tolist(), strict=True)),
                             "a valid vehicle everywhere in the ranges", hint=str(df["reason"].iloc[i]))
        return df[outs]

    return sobol(fn, prob.variables, n=n, seed=seed, **kwargs)


__all__ = ["relative_bounds", "sobol", "vehicle_sobol"]
