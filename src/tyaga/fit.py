"""Identify a cell's Thevenin (ECM) parameters from a pulse test (HPPC) or drive-cycle log.

The model is tyaga's own equivalent circuit (:mod:`tyaga.cell`, Plett, *Battery Management Systems,
Vol. 1* (2015), ch. 2): ``V = OCV(soc) − I·R0 − v1 − v2`` with ``C_j dv_j/dt = I − v_j/R_j``, current
positive on discharge, coulomb-counted SOC, each current sample held until the next one (zero-order hold).
:func:`fit_ecm` finds the parameters that make :func:`tyaga.cell.simulate_current` reproduce the measured
terminal voltage best in the least-squares sense.

Method (*variable projection*: the parameters that enter linearly are eliminated by linear least squares,
Golub & Pereyra, SIAM J. Numer. Anal. 10 (1973) 413):

1. SOC is coulomb-counted from ``soc_initial`` with the given capacity, exactly as ``simulate_current`` does.
2. For fixed time constants τ1 (, τ2) the terminal voltage is *linear* in R0, R1, R2 and in the OCV at a set
   of SOC knots (the OCV is linear between knots, as in a cell file's ``[ocv]`` table). Those are found by
   bounded linear least squares (resistances ≥ 0, OCV not decreasing with SOC, a small penalty on the
   OCV's curvature so that SOC intervals the data barely visit stay smooth).
3. The time constants are found by a coarse grid over log τ followed by :func:`scipy.optimize.least_squares`
   on the projected residual. A fit whose optimiser does not converge, or whose RMS residual exceeds
   ``max_rms_v``, raises :class:`FitError` with the residual.

The OCV can instead be given (e.g. from a cell file), then only R0 and the RC pairs are fitted. R0 is
identified by the instantaneous voltage steps at current steps; a log without current steps cannot
separate R0 from the RC pairs and is refused (:class:`~tyaga.errors.InputError`).

Units: time s, current A (+ discharge), voltage V, resistance Ω, capacitance F, capacity A·h, temperature °C.
See ``docs/cell-fit.md`` for the CSV format and the limits of the method.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import ValidationError
from scipy.optimize import least_squares, lsq_linear
from scipy.signal import lfilter

from tyaga.catalog import validation_error_to_input_error
from tyaga.cell import (
    DEFAULT_ACTIVATION_ENERGY_J_PER_MOL,
    REFERENCE_TEMPERATURE_C,
    CellSpec,
    OcvTable,
    arrhenius_factor,
    simulate_current,
)
from tyaga.errors import InputError, suggest

FloatArray = npt.NDArray[np.float64]

#: Columns of a log CSV (exact names; other columns are ignored).
TIME_COLUMN, CURRENT_COLUMN, VOLTAGE_COLUMN, TEMPERATURE_COLUMN = "time_s", "current_a", "voltage_v", "temperature_c"
EXPECTED_COLUMNS = "columns time_s, current_a, voltage_v and optionally temperature_c"

#: Fewest data rows a fit accepts.
MIN_ROWS = 20
#: A current step that identifies R0: a change between consecutive samples of at least this many C [1/h].
STEP_C_RATE = 0.1
#: Default SOC spacing of the fitted OCV knots [–].
OCV_STEP_SOC = 0.025
#: Default largest accepted RMS voltage residual of a fit [V].
MAX_RMS_V = 0.015
#: Largest spread of a log's temperature column that is fitted as one temperature [K].
MAX_TEMPERATURE_SPREAD_K = 5.0
#: Weight of the OCV curvature penalty, relative to the voltage residual (see :func:`fit_ecm`) [–].
OCV_SMOOTHING = 0.02
#: Time-constant search range: from this many median sample intervals … to this share of the log's duration.
TAU_MIN_SAMPLES, TAU_MAX_SHARE = 1.5, 0.5
#: Absolute bounds on the time constants [s].
TAU_MIN_S, TAU_MAX_S = 0.5, 20_000.0
#: A second RC pair is at least this many times slower than the first.
TAU_RATIO_MIN = 2.0


class FitError(InputError):
    """A fit that did not converge or does not reproduce the data well enough; nothing is written.

    ``value`` is the RMS voltage residual [mV] (or the optimiser's message), ``allowed`` what was needed.
    """


@dataclasses.dataclass(frozen=True)
class CellLog:
    """A measured (or simulated) cell log: time, current, voltage, optionally temperature.

    Attributes
    ----------
    time_s: sample times [s], strictly increasing.
    current_a: current [A], positive on discharge, held from each sample to the next.
    voltage_v: terminal voltage [V] at each sample time.
    temperature_c: cell temperature [°C] at each sample, or ``None`` when the log has none.
    source: where the log comes from (a file name).
    """

    time_s: FloatArray
    current_a: FloatArray
    voltage_v: FloatArray
    temperature_c: FloatArray | None = None
    source: str = "(arrays)"


@dataclasses.dataclass(frozen=True)
class EcmFit:
    """Result of :func:`fit_ecm`.

    Attributes
    ----------
    r0_ohm, r1_ohm, tau1_s, r2_ohm, tau2_s: the fitted parameters (R2 = 0 and τ2 = 0 for one RC pair);
        with R0 over SOC, ``r0_ohm`` is its value at SOC 0.5 (clamped to the table).
    r0_soc, r0_table_ohm: R0 over SOC (``None`` for one R0).
    ocv_soc, ocv_voltage_v: the fitted OCV at SOC knots over the SOC range of the log, or the given table.
    ocv_fitted: True when the OCV was fitted, False when it was given.
    rms_v, max_abs_v: RMS and largest absolute voltage residual of the fit [V].
    r0_step_ohm: median of −ΔV/ΔI over the current steps (a model-free check of R0) [Ω].
    steps: number of current steps (|ΔI| ≥ STEP_C_RATE · capacity) in the log.
    soc_min, soc_max: SOC range of the log.
    temperature_c: mean temperature of the log [°C] (``None`` without a temperature column).
    evaluations: projected-residual evaluations the optimiser used.
    soc_initial, capacity_ah, rc_pairs: the settings of the fit.
    """

    r0_ohm: float
    r1_ohm: float
    tau1_s: float
    r2_ohm: float
    tau2_s: float
    ocv_soc: FloatArray
    ocv_voltage_v: FloatArray
    ocv_fitted: bool
    rms_v: float
    max_abs_v: float
    r0_step_ohm: float
    steps: int
    soc_min: float
    soc_max: float
    temperature_c: float | None
    evaluations: int
    soc_initial: float
    capacity_ah: float
    rc_pairs: int
    r0_soc: FloatArray | None = None
    r0_table_ohm: FloatArray | None = None

    @property
    def c1_f(self) -> float:
        """First RC capacitance τ1/R1 [F] (1 F where R1 = 0)."""
        return self.tau1_s / self.r1_ohm if self.r1_ohm > 0 else 1.0

    @property
    def c2_f(self) -> float:
        """Second RC capacitance τ2/R2 [F] (1 F where R2 = 0)."""
        return self.tau2_s / self.r2_ohm if self.r2_ohm > 0 else 1.0


# --------------------------------------------------------------------------------------------- reading


def read_log(path: str | Path, discharge_positive: bool = True) -> CellLog:
    """Read a cell log CSV: ``time_s, current_a, voltage_v[, temperature_c]``.

    Format: optional ``#`` comment lines, a header line, one row per sample; comma, ``;`` or tab separated
    (as the header uses). Other columns are ignored.

    Parameters
    ----------
    path: the CSV file.
    discharge_positive: True when the file's current is positive on discharge (tyaga's convention);
        False flips the sign (for testers that count discharge negative).

    Raises
    ------
    InputError
        Naming the file, the column and the data row (1 = first row after the header) for a missing column,
        a value that is not a finite number, a time that does not increase, or a value out of range.
    """
    path = Path(path)
    src = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError("log file", src, "a readable file", hint=exc.strerror) from None
    if b"\x00" in raw[:65536]:
        raise InputError("file contents", "binary data", "UTF-8 CSV text", source=src)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("file contents", f"undecodable byte at offset {exc.start}", "UTF-8 CSV text",
                         source=src) from None
    header_line = next((ln for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")), None)
    if header_line is None:
        raise InputError("header", "(no header line)", EXPECTED_COLUMNS, source=src)
    delimiter = next((d for d in (",", ";", "\t") if d in header_line), ",")
    header = [h.strip() for h in header_line.split(delimiter)]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError("columns", header, "each column name once", source=src, hint=f"repeated: {dupes}")
    for col in (TIME_COLUMN, CURRENT_COLUMN, VOLTAGE_COLUMN):
        if col not in header:
            close = suggest(col, header)
            hint = f"missing {col!r}" + (f"; did you mean {close!r}?" if close else "")
            raise InputError("columns", header, EXPECTED_COLUMNS, source=src, hint=hint)
    wanted = [TIME_COLUMN, CURRENT_COLUMN, VOLTAGE_COLUMN] + ([TEMPERATURE_COLUMN] if TEMPERATURE_COLUMN in header
                                                              else [])
    try:
        df = pd.read_csv(io.StringIO(text), sep=delimiter, comment="#", dtype=str, skip_blank_lines=True,
                         skipinitialspace=True, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError("CSV", str(exc).strip().splitlines()[-1], "rows with as many values as the header",
                         source=src) from None
    df.columns = [str(c).strip() for c in df.columns]
    values: dict[str, FloatArray] = {}
    for col in wanted:
        cells = df[col].astype(str).str.strip()
        num = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(num)
        if bad.any():
            k = int(np.argmax(bad))
            raise InputError(f"{col} (row {k + 1})", cells.iloc[k], "a finite number", source=src)
        values[col] = num
    log = CellLog(values[TIME_COLUMN], values[CURRENT_COLUMN] * (1.0 if discharge_positive else -1.0),
                  values[VOLTAGE_COLUMN], values.get(TEMPERATURE_COLUMN), src)
    check_log(log)
    return log


def check_log(log: CellLog) -> None:
    """Check a log's arrays: lengths, finite values, strictly increasing time, plausible ranges.

    Raises :class:`~tyaga.errors.InputError` naming the column and row (1-based) of the first bad value.
    """
    src = log.source
    t, i, v = (np.asarray(a, dtype=float) for a in (log.time_s, log.current_a, log.voltage_v))
    n = t.size
    for name, arr in ((CURRENT_COLUMN, i), (VOLTAGE_COLUMN, v)):
        if arr.shape != t.shape or arr.ndim != 1:
            raise InputError(name, f"{arr.size} values", f"one value per time sample ({n})", source=src)
    if n < MIN_ROWS:
        raise InputError("data rows", n, f"at least {MIN_ROWS} rows", source=src)
    cols = [(TIME_COLUMN, t), (CURRENT_COLUMN, i), (VOLTAGE_COLUMN, v)]
    if log.temperature_c is not None:
        cols.append((TEMPERATURE_COLUMN, np.asarray(log.temperature_c, dtype=float)))
    for name, arr in cols:
        bad = ~np.isfinite(arr)
        if bad.any():
            k = int(np.argmax(bad))
            raise InputError(f"{name} (row {k + 1})", float(arr[k]), "a finite number", source=src)
    back = np.diff(t) <= 0
    if back.any():
        k = int(np.argmax(back)) + 1
        raise InputError(f"{TIME_COLUMN} (row {k + 1})", float(t[k]),
                         f"> {t[k - 1]:g} (the previous row); time must increase strictly", source=src)
    out = (v <= 0) | (v > 10)
    if out.any():
        k = int(np.argmax(out))
        raise InputError(f"{VOLTAGE_COLUMN} (row {k + 1})", float(v[k]), "a cell voltage > 0 and ≤ 10 V",
                         source=src, hint="a module or pack log must be divided by its cells in series first"
                         if v[k] > 10 else None)
    if log.temperature_c is not None:
        tc = np.asarray(log.temperature_c, dtype=float)
        out = (tc < -60) | (tc > 100)
        if out.any():
            k = int(np.argmax(out))
            raise InputError(f"{TEMPERATURE_COLUMN} (row {k + 1})", float(tc[k]), "-60 … 100 °C", source=src,
                             hint="kelvin? subtract 273.15" if tc[k] > 200 else None)


# --------------------------------------------------------------------------------------------- model


def coulomb_soc(time_s: FloatArray, current_a: FloatArray, capacity_ah: float, soc_initial: float) -> FloatArray:
    """SOC at each sample: ``soc[k+1] = soc[k] − I[k]·Δt/(3600·capacity)`` (as :func:`simulate_current`)."""
    dq = current_a[:-1] * np.diff(time_s) / (3600.0 * capacity_ah)
    return soc_initial - np.concatenate([[0.0], np.cumsum(dq)])


def rc_unit_response(time_s: FloatArray, current_a: FloatArray, tau_s: float) -> FloatArray:
    """Voltage [V per Ω] of an RC pair of unit resistance and time constant ``tau_s``, starting at 0.

    Exact for a zero-order-hold current: ``x[k+1] = a·x[k] + (1 − a)·I[k]``, ``a = exp(−Δt/τ)``, the same
    step as :func:`tyaga.cell.rc_step`; a uniform sample interval is filtered in one call (IIR filter).
    """
    dt = np.diff(time_s)
    n = time_s.size
    if np.ptp(dt) <= 1e-9 * max(float(dt[0]), 1e-12):
        a = math.exp(-float(dt[0]) / tau_s)
        x = lfilter([0.0, 1.0 - a], [1.0, -a], current_a)
        return np.asarray(x, dtype=float)
    decay = np.exp(-dt / tau_s)
    drive = (1.0 - decay) * current_a[:-1]
    x = np.empty(n)
    x[0] = 0.0
    acc = 0.0
    for k in range(n - 1):
        acc = acc * decay[k] + drive[k]
        x[k + 1] = acc
    return x


def hat_basis(soc: FloatArray, knots: FloatArray) -> FloatArray:
    """Matrix W (samples × knots) with ``W @ u = np.interp(soc, knots, u)`` (linear hat functions)."""
    j = np.clip(np.searchsorted(knots, soc, side="right") - 1, 0, knots.size - 2)
    w = np.clip((soc - knots[j]) / (knots[j + 1] - knots[j]), 0.0, 1.0)
    basis = np.zeros((soc.size, knots.size))
    rows = np.arange(soc.size)
    basis[rows, j] = 1.0 - w
    basis[rows, j + 1] += w
    return basis


def ocv_knots(soc_min: float, soc_max: float, step_soc: float) -> FloatArray:
    """Equally spaced SOC knots from ``soc_min`` to ``soc_max``, spacing at most ``step_soc`` (≥ 2 knots)."""
    count = max(2, math.ceil((soc_max - soc_min) / step_soc - 1e-9) + 1)
    return np.linspace(soc_min, soc_max, count)


def current_steps(current_a: FloatArray, capacity_ah: float) -> FloatArray:
    """Indices k where ``|I[k] − I[k−1]| ≥ STEP_C_RATE · capacity`` (the sample where a new current starts)."""
    return np.flatnonzero(np.abs(np.diff(current_a)) >= STEP_C_RATE * capacity_ah) + 1


# --------------------------------------------------------------------------------------------- the fit


@dataclasses.dataclass
class _Problem:
    """The data of one fit, prepared once.

    The columns that do not depend on τ (the OCV knots, with their curvature-penalty rows) are factorised
    once (QR); for each τ only the R0 and RC columns are projected onto their orthogonal complement, so an
    evaluation costs O(samples × knots) (variable projection, Golub & Pereyra 1973).
    """

    time_s: FloatArray
    current_a: FloatArray
    i_at: FloatArray
    target_v: FloatArray  # measured voltage, less the OCV when the OCV is given
    fixed: FloatArray | None  # OCV hat basis (samples × knots) with penalty rows below; None: OCV given
    r0_basis: FloatArray  # samples × R0 points: R0 at a sample = r0_basis @ r0 (one column: a constant R0)
    penalty_rows: int = 0
    evaluations: int = 0

    def __post_init__(self) -> None:
        self._b = np.concatenate([self.target_v, np.zeros(self.penalty_rows)])
        if self.fixed is not None:
            self._q, self._r = np.linalg.qr(self.fixed)
            self._b_perp = self._b - self._q @ (self._q.T @ self._b)

    def columns(self, taus: tuple[float, ...]) -> FloatArray:
        """R0 and RC columns (samples × (1 + pairs)), zero in the penalty rows: ``V = … − I·R0 − Σ x_j·R_j``."""
        cols = [-self.i_at[:, None] * self.r0_basis] + [
            -rc_unit_response(self.time_s, self.current_a, tau)[:, None] for tau in taus]
        g = np.hstack(cols)
        return np.vstack([g, np.zeros((self.penalty_rows, g.shape[1]))])

    def solve(self, taus: tuple[float, ...]) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Unconstrained linear least squares for fixed τ: (resistances, fixed-block coefficients, residual)."""
        self.evaluations += 1
        g = self.columns(taus)
        if self.fixed is None:
            r, *_ = np.linalg.lstsq(g, self._b, rcond=None)
            return r, np.zeros(0), g @ r - self._b
        g_perp = g - self._q @ (self._q.T @ g)
        r, *_ = np.linalg.lstsq(g_perp, self._b_perp, rcond=None)
        coef = np.linalg.solve(self._r, self._q.T @ (self._b - g @ r))
        return r, coef, self.fixed @ coef + g @ r - self._b

    def solve_bounded(self, taus: tuple[float, ...]) -> tuple[FloatArray, FloatArray, FloatArray]:
        """As :meth:`solve`, with R ≥ 0 and an OCV that does not decrease with SOC (bounded least squares)."""
        g = self.columns(taus)
        n_r = g.shape[1]
        if self.fixed is None:
            sol = lsq_linear(g, self._b, bounds=(np.zeros(n_r), np.full(n_r, 10.0)), method="bvls")
            return sol.x, np.zeros(0), g @ sol.x - self._b
        n_k = self.fixed.shape[1]
        lower = np.tril(np.ones((n_k, n_k)))  # knot values = lower @ (u0, increments ≥ 0)
        a = np.hstack([self.fixed @ lower, g])
        lo = np.zeros(n_k + n_r)
        hi = np.full(n_k + n_r, 10.0)
        sol = lsq_linear(a, self._b, bounds=(lo, hi), method="bvls")
        coef = lower @ sol.x[:n_k]
        return sol.x[n_k:], coef, a @ sol.x - self._b


def fit_ecm(
    log: CellLog,
    capacity_ah: float,
    *,
    soc_initial: float = 1.0,
    rc_pairs: int = 2,
    ocv_table: OcvTable | None = None,
    ocv_step_soc: float = OCV_STEP_SOC,
    max_rms_v: float = MAX_RMS_V,
    r0_step_soc: float | None = None,
) -> EcmFit:
    """Fit R0, R1, τ1 (, R2, τ2) and, unless ``ocv_table`` is given, the OCV curve to a cell log.

    Parameters
    ----------
    log: the data (:func:`read_log`); it should start after a rest (the RC pairs start at 0 V).
    capacity_ah: cell capacity [A·h], for coulomb counting.
    soc_initial: SOC at the first sample (an HPPC test starts from a full, rested cell: 1.0).
    rc_pairs: 1 or 2.
    ocv_table: the OCV to use; ``None`` fits it at SOC knots ``ocv_step_soc`` apart over the SOC the log covers.
    ocv_step_soc: spacing of the fitted OCV knots [–].
    max_rms_v: largest accepted RMS voltage residual [V].
    r0_step_soc: ``None`` fits one R0; a number fits R0 at SOC points this far apart over the log's SOC range
        (linear between them), e.g. 0.1.

    Raises
    ------
    InputError
        For data that cannot identify the parameters (no current step, SOC leaving 0 … 1, bad options).
    FitError
        When the optimiser does not converge or the RMS residual exceeds ``max_rms_v`` (with the residual).
    """
    check_log(log)
    src = log.source
    if rc_pairs not in (1, 2):
        raise InputError("rc_pairs", rc_pairs, "1 or 2")
    if not 0.0 < capacity_ah <= 2000.0:
        raise InputError("capacity_ah", capacity_ah, "> 0 and ≤ 2000 A·h")
    if not 0.0 <= soc_initial <= 1.0:
        raise InputError("soc_initial", soc_initial, "0 … 1")
    if not 0.001 <= ocv_step_soc <= 0.5:
        raise InputError("ocv_step_soc", ocv_step_soc, "0.001 … 0.5")
    if not max_rms_v > 0:
        raise InputError("max_rms_v", max_rms_v, "> 0 V")
    if r0_step_soc is not None and not 0.01 <= r0_step_soc <= 0.5:
        raise InputError("r0_step_soc", r0_step_soc, "0.01 … 0.5 (or none: one R0)")
    t = np.asarray(log.time_s, dtype=float)
    i = np.asarray(log.current_a, dtype=float)
    v = np.asarray(log.voltage_v, dtype=float)
    big = np.abs(i) > 200.0 * capacity_ah
    if big.any():
        k = int(np.argmax(big))
        raise InputError(f"{CURRENT_COLUMN} (row {k + 1})", float(i[k]), f"|I| ≤ 200 C = {200 * capacity_ah:g} A",
                         source=src, hint="is the current in mA, or the capacity wrong?")
    temperature = _log_temperature(log)

    soc = coulomb_soc(t, i, capacity_ah, soc_initial)
    lo_soc, hi_soc = float(soc.min()), float(soc.max())
    if lo_soc < -0.01 or hi_soc > 1.01:
        k = int(np.argmin(soc)) if lo_soc < -0.01 else int(np.argmax(soc))
        raise InputError(f"SOC by coulomb counting (row {k + 1})", round(float(soc[k]), 4), "0 … 1", source=src,
                         hint=f"check capacity_ah ({capacity_ah:g}), soc_initial ({soc_initial:g}) and the "
                              "current's sign (+ on discharge)")
    soc = np.clip(soc, 0.0, 1.0)
    lo_soc, hi_soc = float(soc.min()), float(soc.max())

    steps = current_steps(i, capacity_ah)
    if steps.size == 0:
        raise InputError("current steps", 0, f"at least one change of ≥ {STEP_C_RATE:g} C "
                         f"({STEP_C_RATE * capacity_ah:g} A) between samples", source=src,
                         hint="without a current step R0 cannot be told from the RC pairs; use a pulse test")
    r0_step = float(np.median(-(v[steps] - v[steps - 1]) / (i[steps] - i[steps - 1])))

    i_at = np.append(i[:-1], i[-2])
    if ocv_table is None:
        if hi_soc - lo_soc < 1e-3:
            raise InputError("SOC range", round(hi_soc - lo_soc, 6), "≥ 0.001 to fit the OCV", source=src,
                             hint="give the OCV (e.g. from a cell file) for a log this short")
        knots = ocv_knots(lo_soc, hi_soc, ocv_step_soc)
        # curvature penalty: a second difference of 1 V between neighbouring knots weighs like a residual of
        # OCV_SMOOTHING V at every sample
        smooth = _curvature_rows(knots) * (OCV_SMOOTHING * math.sqrt(t.size))
        fixed = np.vstack([hat_basis(soc, knots), smooth])
    else:
        knots, fixed, smooth = None, None, np.zeros((0, 1))
    if r0_step_soc is None:
        r0_soc = np.array([0.5])
        r0_basis = np.ones((t.size, 1))
    else:
        r0_soc = ocv_knots(lo_soc, hi_soc, r0_step_soc)
        r0_basis = hat_basis(soc, r0_soc)
    target = v if ocv_table is None else v - np.interp(soc, ocv_table.soc, ocv_table.voltage_v)
    problem = _Problem(t, i, i_at, target, fixed, r0_basis, penalty_rows=smooth.shape[0])

    dt_med = float(np.median(np.diff(t)))
    tau_lo = max(TAU_MIN_S, TAU_MIN_SAMPLES * dt_med)
    tau_hi = min(TAU_MAX_S, TAU_MAX_SHARE * float(t[-1] - t[0]))
    if tau_hi <= tau_lo * TAU_RATIO_MIN ** (rc_pairs - 1) * 1.01:
        raise InputError("log duration", float(t[-1] - t[0]), f"long enough for time constants above {tau_lo:g} s",
                         source=src)
    z_lo, z_hi = math.log(tau_lo), math.log(tau_hi)

    def taus_of(z: FloatArray) -> tuple[float, ...]:
        if rc_pairs == 1:
            return (math.exp(z[0]),)
        return (math.exp(z[0]), math.exp(z[0] + z[1]))

    def residual(z: FloatArray) -> FloatArray:
        return problem.solve(taus_of(z))[2]

    # coarse grid over log τ, then a bounded Gauss-Newton refinement from the best grid point
    grid = np.linspace(z_lo, z_hi, 12)
    if rc_pairs == 1:
        candidates = [np.array([z]) for z in grid]
    else:
        r_min = math.log(TAU_RATIO_MIN)
        candidates = [np.array([z1, z2 - z1]) for z1 in grid for z2 in grid if z2 - z1 >= r_min - 1e-12]
    if rc_pairs == 1:
        bounds = ([z_lo], [z_hi])
    else:
        bounds = ([z_lo, math.log(TAU_RATIO_MIN)], [z_hi - math.log(TAU_RATIO_MIN), z_hi - z_lo])
    try:
        costs = [float(np.sum(residual(z) ** 2)) for z in candidates]
        z_best = candidates[int(np.argmin(costs))]
        z0 = np.clip(z_best, np.asarray(bounds[0]) + 1e-9, np.asarray(bounds[1]) - 1e-9)
        opt = least_squares(residual, z0, bounds=bounds, diff_step=1e-4, x_scale=1.0, max_nfev=200)
        taus = taus_of(opt.x)
        r, coef, res = problem.solve_bounded(taus)
    except (np.linalg.LinAlgError, ValueError) as exc:  # a singular or non-finite problem: the data cannot tell
        raise FitError("fit", "no solution", "a log that identifies R0, the RC pairs and the OCV", source=src,
                       hint=f"the least-squares problem is singular or not finite ({exc}); nothing was written"
                       ) from None
    res = res[: t.size]
    rms = float(np.sqrt(np.mean(res**2)))
    if opt.status <= 0 or not np.all(np.isfinite(res)):
        raise FitError("fit", f"RMS {rms * 1e3:.2f} mV", "a converged fit", source=src,
                       hint=f"the optimiser stopped: {opt.message}; nothing was written")
    if knots is not None:
        ocv_soc, ocv_v = knots, coef
    else:
        assert ocv_table is not None
        ocv_soc = np.asarray(ocv_table.soc, dtype=float)
        ocv_v = np.asarray(ocv_table.voltage_v, dtype=float)
    n0 = r0_soc.size
    r0_mid = float(np.interp(0.5, r0_soc, r[:n0]))
    fit = EcmFit(
        r0_ohm=r0_mid, r1_ohm=float(r[n0]), tau1_s=taus[0],
        r2_ohm=float(r[n0 + 1]) if rc_pairs == 2 else 0.0, tau2_s=taus[1] if rc_pairs == 2 else 0.0,
        ocv_soc=ocv_soc, ocv_voltage_v=ocv_v, ocv_fitted=ocv_table is None, rms_v=rms,
        max_abs_v=float(np.max(np.abs(res))), r0_step_ohm=r0_step, steps=int(steps.size), soc_min=lo_soc,
        soc_max=hi_soc, temperature_c=temperature, evaluations=problem.evaluations, soc_initial=soc_initial,
        capacity_ah=capacity_ah, rc_pairs=rc_pairs,
        r0_soc=r0_soc if n0 > 1 else None, r0_table_ohm=r[:n0].copy() if n0 > 1 else None,
    )
    if rms > max_rms_v:
        raise FitError("fit RMS voltage residual", f"{rms * 1e3:.2f} mV", f"≤ {max_rms_v * 1e3:g} mV",
                       source=src, hint=f"{_describe(fit)}; nothing was written")
    return fit


def fit_ecm_temperatures(
    logs: Sequence[CellLog],
    capacity_ah: float,
    *,
    voltage_min_v: float,
    voltage_max_v: float,
    soc_initial: float = 1.0,
    rc_pairs: int = 2,
    ocv_table: OcvTable | None = None,
    ocv_step_soc: float = OCV_STEP_SOC,
    max_rms_v: float = MAX_RMS_V,
    r0_step_soc: float | None = None,
) -> list[EcmFit]:
    """One fit per log, each log at one temperature of its own (a test repeated at several temperatures).

    The log nearest 25 °C is the reference: it is fitted first (with its OCV unless ``ocv_table`` is given),
    and the others are fitted with its OCV (a cell file has one OCV table), so only R0 and the RC pairs
    change with temperature. Returns the fits, the reference first. ``voltage_min_v`` / ``voltage_max_v``
    extend the reference OCV to SOC 0 and 1 (see :func:`ocv_points`). With one log this is :func:`fit_ecm`.

    Raises :class:`~tyaga.errors.InputError` when a log has no temperature column, two logs share a
    temperature (within 1 K), or R0 over SOC is asked for with several logs; :class:`FitError` as
    :func:`fit_ecm` for any of them.
    """
    opts: dict[str, Any] = {"soc_initial": soc_initial, "rc_pairs": rc_pairs, "ocv_step_soc": ocv_step_soc,
                            "max_rms_v": max_rms_v}
    if len(logs) == 1:
        return [fit_ecm(logs[0], capacity_ah, ocv_table=ocv_table, r0_step_soc=r0_step_soc, **opts)]
    if not logs:
        raise InputError("logs", 0, "at least one log")
    if r0_step_soc is not None:
        raise InputError("r0_step_soc", r0_step_soc, "none with several logs (one R0 per temperature)")
    temps: list[float] = []
    for log in logs:
        t = _log_temperature(log)
        if t is None:
            raise InputError("columns", "no temperature_c", "a temperature_c column in every log when several "
                             "logs are fitted (one per temperature)", source=log.source)
        close = [u for u in temps if abs(u - t) < 1.0]
        if close:
            raise InputError(TEMPERATURE_COLUMN, round(t, 2), f"a temperature of its own (another log is at "
                             f"{close[0]:.2f} °C)", source=log.source)
        temps.append(t)
    order = sorted(range(len(logs)), key=lambda k: (abs(temps[k] - REFERENCE_TEMPERATURE_C), temps[k]))
    ref = fit_ecm(logs[order[0]], capacity_ah, ocv_table=ocv_table, **opts)
    if ocv_table is None:
        soc_pts, volt, _ = ocv_points(ref, voltage_min_v, voltage_max_v)
        ocv_table = OcvTable(soc=soc_pts, voltage_v=volt)
    return [ref] + [fit_ecm(logs[k], capacity_ah, ocv_table=ocv_table, **opts) for k in order[1:]]


def _curvature_rows(knots: FloatArray) -> FloatArray:
    """Second differences of the knot values per (mean knot spacing)² (rows: interior knots)."""
    n = knots.size
    if n < 3:
        return np.zeros((0, n))
    d2 = np.zeros((n - 2, n))
    for k in range(n - 2):
        d2[k, k:k + 3] = (1.0, -2.0, 1.0)
    return d2


def _log_temperature(log: CellLog) -> float | None:
    """Mean temperature of the log [°C]; an :class:`InputError` when it spans more than one temperature."""
    if log.temperature_c is None:
        return None
    tc = np.asarray(log.temperature_c, dtype=float)
    spread = float(np.ptp(tc))
    if spread > MAX_TEMPERATURE_SPREAD_K:
        raise InputError(TEMPERATURE_COLUMN, f"{tc.min():g} … {tc.max():g} °C",
                         f"one temperature (spread ≤ {MAX_TEMPERATURE_SPREAD_K:g} K)", source=log.source,
                         hint="the ECM is fitted at one temperature: split the log by temperature and fit each")
    return float(np.mean(tc))


def _describe(fit: EcmFit) -> str:
    text = (f"R0 {fit.r0_ohm * 1e3:.3f} mΩ, R1 {fit.r1_ohm * 1e3:.3f} mΩ, τ1 {fit.tau1_s:.1f} s")
    if fit.rc_pairs == 2:
        text += f", R2 {fit.r2_ohm * 1e3:.3f} mΩ, τ2 {fit.tau2_s:.0f} s"
    return text + f"; RMS {fit.rms_v * 1e3:.2f} mV, max {fit.max_abs_v * 1e3:.2f} mV"


# --------------------------------------------------------------------------------------------- cell file


def cell_from_fit(
    fit: EcmFit | Sequence[EcmFit],
    *,
    name: str,
    chemistry: str,
    format: str,
    voltage_min_v: float,
    voltage_max_v: float,
    mass_kg: float,
    max_discharge_c: float,
    max_charge_c: float,
    nominal_voltage_v: float | None = None,
    source: str = "tyaga cells fit",
    extra: dict[str, Any] | None = None,
) -> CellSpec:
    """A :class:`CellSpec` (``derived = true``) holding the fitted parameters and the datasheet figures given.

    ``fit`` is one fit, or one per temperature (:func:`fit_ecm_temperatures`; the first is the reference whose
    OCV the others share). The OCV table is the (reference) fit's OCV; where the log did not cover SOC 0 or 1
    the table runs in a straight line to the cut-off voltage there (an assumption, said so in ``notes``).
    A fit at a temperature other than 25 °C, several temperatures, or R0 over SOC are written as an ``[ecm]``
    table; the constants ``r0_ohm`` … ``c2_f`` are then the 25 °C values (interpolated between temperatures,
    or scaled by the cell's Arrhenius law from a single one). ``nominal_voltage_v`` defaults to the mean OCV
    over SOC 0 … 1. ``extra`` adds other cell-file fields (e.g. ``diameter_mm``).

    Raises :class:`~tyaga.errors.InputError` for datasheet values the cell file does not allow.
    """
    fits = [fit] if isinstance(fit, EcmFit) else list(fit)
    ref = fits[0]
    soc_pts, volt, extended = ocv_points(ref, voltage_min_v, voltage_max_v)
    grid = np.linspace(0.0, 1.0, 2001)
    nominal = nominal_voltage_v if nominal_voltage_v is not None else float(
        np.trapezoid(np.interp(grid, soc_pts, volt), grid))
    notes = _notes(fits, extended, nominal_voltage_v is None)
    keys = ["r0_ohm", "r1_ohm", "c1_f"] + (["r2_ohm", "c2_f"] if ref.rc_pairs == 2 else [])
    by_t = sorted(fits, key=lambda f: _temperature(f))
    temps = [_temperature(f) for f in by_t]
    values = {k: [_at_fit(f)[k] for f in by_t] for k in ("r0_ohm", "r1_ohm", "c1_f", "r2_ohm", "c2_f")}
    if len(fits) == 1:
        # one temperature: the constants are its values scaled to 25 °C by the Arrhenius law the cell uses
        to_25 = float(arrhenius_factor(REFERENCE_TEMPERATURE_C, temps[0], DEFAULT_ACTIVATION_ENERGY_J_PER_MOL))
        constants = {k: _sig(x[0] * to_25 if k.startswith("r") else x[0]) for k, x in values.items()}
    else:  # as ecm_parameters reads a table over temperature: linear in T, clamped at the ends
        constants = {k: _sig(float(np.interp(REFERENCE_TEMPERATURE_C, temps, x))) for k, x in values.items()}
    ecm: dict[str, Any] | None = None
    if ref.r0_soc is not None or len(fits) > 1 or abs(temps[0] - REFERENCE_TEMPERATURE_C) > 1e-9:
        soc_axis = [round(float(x), 6) for x in (ref.r0_soc if ref.r0_soc is not None else [0.5])]
        ecm = {"soc": soc_axis, "temperature_c": [round(t, 3) for t in temps]}
        for k in keys:
            if k == "r0_ohm" and ref.r0_table_ohm is not None:
                ecm[k] = [[_sig(float(x)) for x in ref.r0_table_ohm]]
            else:
                ecm[k] = [[_sig(x)] * len(soc_axis) for x in values[k]]
    data: dict[str, Any] = {
        "format_version": 1, "name": name, "chemistry": chemistry, "format": format, "source": source,
        "derived": True, "notes": notes, "capacity_ah": ref.capacity_ah, "nominal_voltage_v": round(nominal, 4),
        "voltage_min_v": voltage_min_v, "voltage_max_v": voltage_max_v, "mass_kg": mass_kg,
        "max_discharge_c": max_discharge_c, "max_charge_c": max_charge_c, **constants,
        "ocv": {"soc": soc_pts, "voltage_v": volt},
        **({"ecm": ecm} if ecm is not None else {}),
        **(extra or {}),
    }
    try:
        return CellSpec.model_validate(data)
    except ValidationError as exc:
        raise validation_error_to_input_error(exc, None, data, CellSpec) from None


def ocv_points(fit: EcmFit, voltage_min_v: float, voltage_max_v: float) -> tuple[list[float], list[float], list[str]]:
    """SOC points 0 … 1 and OCV [V] of a cell-file OCV table from a fit, and what was extended (for ``notes``).

    Outside the SOC range of the fit the OCV runs in a straight line to the cut-off voltage at SOC 0 / 1
    (or stays at the fitted end value where that lies beyond the cut-off), so the table is never decreasing.
    """
    soc_pts = [round(float(x), 6) for x in fit.ocv_soc]
    volt = list(map(float, fit.ocv_voltage_v))
    extended: list[str] = []
    if soc_pts[0] > 1e-9:
        soc_pts.insert(0, 0.0)
        volt.insert(0, min(voltage_min_v, volt[0]))
        extended.append(f"below SOC {fit.ocv_soc[0]:.3f} to {volt[0]:.3f} V at SOC 0")
    if soc_pts[-1] < 1 - 1e-9:
        soc_pts.append(1.0)
        volt.append(max(voltage_max_v, volt[-1]))
        extended.append(f"above SOC {fit.ocv_soc[-1]:.3f} to {volt[-1]:.3f} V at SOC 1")
    soc_pts[0], soc_pts[-1] = 0.0, 1.0
    return soc_pts, [float(x) for x in np.maximum.accumulate(np.round(volt, 6))], extended


def _temperature(fit: EcmFit) -> float:
    return fit.temperature_c if fit.temperature_c is not None else REFERENCE_TEMPERATURE_C


def _at_fit(fit: EcmFit) -> dict[str, float]:
    return {"r0_ohm": fit.r0_ohm, "r1_ohm": fit.r1_ohm, "c1_f": fit.c1_f, "r2_ohm": fit.r2_ohm, "c2_f": fit.c2_f}


def _sig(x: float, digits: int = 6) -> float:
    return float(f"{x:.{digits}g}")


def _notes(fits: list[EcmFit], extended: list[str], nominal_from_ocv: bool) -> str:
    ref = fits[0]
    what = "R0, R1, C1" + (", R2, C2" if ref.rc_pairs == 2 else "") + (" and the OCV" if ref.ocv_fitted else "")
    if len(fits) > 1:
        temps = ", ".join(f"{_temperature(f):.1f}" for f in sorted(fits, key=_temperature))
        temp = f"at {temps} degC (one log per temperature; the OCV is the {_temperature(ref):.1f} degC log's)"
    elif ref.temperature_c is not None:
        temp = f"at {ref.temperature_c:.1f} degC (mean of the log's temperature column)"
    else:
        temp = "at 25 degC (ASSUMED: the log has no temperature column)"
    lines = [
        f"FITTED by tyaga cells fit: {what} identified {temp}, by least squares of tyaga's "
        f"{ref.rc_pairs}-RC Thevenin model to the measured terminal voltage (see docs/cell-fit.md).",
    ]
    for f in sorted(fits, key=_temperature):
        at = f" at {_temperature(f):.1f} degC" if len(fits) > 1 else ""
        lines.append(
            f"Fit residual{at}: RMS {f.rms_v * 1e3:.2f} mV, max {f.max_abs_v * 1e3:.2f} mV; {f.steps} current "
            f"steps (model-free R0 from the voltage steps: {f.r0_step_ohm * 1e3:.3f} mOhm); SOC "
            f"{f.soc_min:.3f} - {f.soc_max:.3f}.")
    lines.append(f"SOC coulomb-counted from {ref.soc_initial:g} with {ref.capacity_ah:g} Ah; the parameters are "
                 "constants over SOC (except a fitted R0 table), best within the SOC range of the log.")
    if ref.ocv_fitted:
        lines.append(f"OCV fitted at {ref.ocv_soc.size} SOC knots (linear between, not decreasing).")
    else:
        lines.append("OCV given, not fitted.")
    if extended:
        lines.append("ASSUMPTION: outside the SOC range of the log the OCV is a straight line to the cut-off: "
                     + "; ".join(extended) + ".")
    if nominal_from_ocv:
        lines.append("ASSUMPTION: nominal_voltage_v is the mean OCV over SOC 0 - 1 (none was given).")
    return "\n".join(lines)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON escaping is valid TOML; DEL is escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def cell_toml(cell: CellSpec, header: str = "") -> str:
    """The cell as TOML text that :func:`tyaga.cells.load` reads back to an equal :class:`CellSpec`."""
    data = cell.model_dump(exclude_none=True, exclude_unset=True)  # defaults stay defaults, not datasheet values
    lines = [f"# {line}" for line in header.splitlines()]
    tables: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            tables[key] = value
        elif key == "notes" and value:
            body = "\n".join(_toml_string(line)[1:-1] for line in value.split("\n"))
            lines.append(f'notes = """\n{body}"""')
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in tables.items():
        lines += ["", f"[{key}]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None]
    text = "\n".join(lines) + "\n"
    back = CellSpec.model_validate(tomllib.loads(text))
    if back != cell:
        raise AssertionError("cell TOML does not read back to the same cell")  # a bug, not bad input
    return text


def write_cell(cell: CellSpec, path: str | Path, header: str = "") -> Path:
    """Write ``cell`` as a cell TOML file, atomically (temporary file, then rename)."""
    from tyaga.results import write_atomic

    text = cell_toml(cell, header)
    return write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def file_digest(path: str | Path) -> str:
    """First 12 hex digits of the SHA-256 of a file (names the exact input in ``source``)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def check_against_simulation(cell: CellSpec, log: CellLog, soc_initial: float) -> tuple[float, float]:
    """RMS and max |error| [V] of :func:`tyaga.cell.simulate_current` with ``cell`` against the log's voltage.

    The cell temperature is the log's mean temperature (25 °C without a temperature column).
    """
    t_c = REFERENCE_TEMPERATURE_C if log.temperature_c is None else float(np.mean(log.temperature_c))
    sim = simulate_current(cell, log.time_s, log.current_a, soc_initial, t_c)
    err = sim["voltage_v"] - np.asarray(log.voltage_v, dtype=float)
    return float(np.sqrt(np.mean(err**2))), float(np.max(np.abs(err)))


def fit_cell_file(
    data_path: str | Path | Sequence[str | Path],
    out_path: str | Path,
    *,
    name: str,
    chemistry: str,
    format: str,
    capacity_ah: float,
    voltage_min_v: float,
    voltage_max_v: float,
    mass_kg: float,
    max_discharge_c: float,
    max_charge_c: float,
    nominal_voltage_v: float | None = None,
    soc_initial: float = 1.0,
    rc_pairs: int = 2,
    ocv_from: str | Path | None = None,
    ocv_step_soc: float = OCV_STEP_SOC,
    max_rms_v: float = MAX_RMS_V,
    r0_step_soc: float | None = None,
    discharge_positive: bool = True,
) -> tuple[CellSpec, list[EcmFit], Path]:
    """Read log CSVs, fit the ECM, build the cell and write it to ``out_path`` — only when all succeeded.

    ``data_path``: one log, or one log per temperature (see :func:`fit_ecm_temperatures`). ``ocv_from``: a
    bundled cell name or cell TOML whose OCV is used instead of fitting one. The cell is read back from its
    TOML text and simulated over every log at its temperature; the file is written (atomically) only when
    each reproduces its log within ``max_rms_v``. Returns the cell, the fits (reference first) and the path.
    Raises :class:`~tyaga.errors.InputError` / :class:`FitError` before anything is written.
    """
    from tyaga import __version__, cells

    paths = [Path(data_path)] if isinstance(data_path, str | Path) else [Path(p) for p in data_path]
    logs = [read_log(p, discharge_positive=discharge_positive) for p in paths]
    ocv_table = cells.load(ocv_from).ocv if ocv_from is not None else None
    fits = fit_ecm_temperatures(logs, capacity_ah, voltage_min_v=voltage_min_v, voltage_max_v=voltage_max_v,
                                soc_initial=soc_initial, rc_pairs=rc_pairs, ocv_table=ocv_table,
                                ocv_step_soc=ocv_step_soc, max_rms_v=max_rms_v, r0_step_soc=r0_step_soc)
    files = ", ".join(f"{p.name} (sha256 {file_digest(p)}, {log.time_s.size} samples)"
                      for p, log in zip(paths, logs, strict=True))
    source = f"tyaga {__version__} cells fit of {files}" + (f"; OCV from {ocv_from}" if ocv_from is not None else "")
    cell = cell_from_fit(fits, name=name, chemistry=chemistry, format=format, voltage_min_v=voltage_min_v,
                         voltage_max_v=voltage_max_v, mass_kg=mass_kg, max_discharge_c=max_discharge_c,
                         max_charge_c=max_charge_c, nominal_voltage_v=nominal_voltage_v, source=source)
    names = ", ".join(p.name for p in paths)
    text = cell_toml(cell, header=f"{name}: ECM fitted by tyaga cells fit to {names}")
    for p, log in zip(paths, logs, strict=True):
        rms, _ = check_against_simulation(cell, log, soc_initial)
        if not rms <= max_rms_v * 1.05 + 1e-4:
            raise FitError("cell file RMS voltage residual", f"{rms * 1e3:.2f} mV", f"≤ {max_rms_v * 1e3:g} mV",
                           source=str(p), hint="the cell file would not reproduce this log (OCV extended or "
                           "shared between temperatures, values rounded); nothing was written")
    from tyaga.results import write_atomic

    written = write_atomic(out_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return cell, fits, written


__all__ = ["CellLog", "EcmFit", "FitError", "cell_from_fit", "cell_toml", "check_against_simulation", "fit_cell_file",
           "fit_ecm", "fit_ecm_temperatures", "ocv_points", "read_log", "write_cell"]
