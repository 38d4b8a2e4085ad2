"""Per-cell pack simulation: every cell of a ``series × parallel`` pack with its own state.

A pack here is ``series`` parallel groups connected in series; each group is ``parallel`` cells whose
terminals are wired together. Every cell is the Thevenin circuit of :mod:`tyaga.cell` (OCV(SOC), R0 and one
or two RC pairs) with its own capacity, a resistance factor (R0, R1, R2 × f and C1, C2 ÷ f, so the time
constants stay the cell's), its own initial SOC and temperature. Cell ``c`` sits in group ``c // parallel``
at position ``c % parallel``. Current is positive on discharge; SI units throughout.

One step from ``t_k`` to ``t_{k+1}`` (length Δt), the pack current ``I`` held constant over it:

1. Each cell's parameters are looked up at its SOC and temperature at the start of the step
   (:func:`tyaga.cell.ecm_parameters`, tabulated once per run on the cell's own SOC axis and the run's
   temperatures, see :func:`_param_table`), its OCV as :func:`tyaga.cell.ocv` with the entropic term, and
   its circuit over the step is reduced, exactly for a constant current, to
   ``V̄_i = E_i − R_i·I_i``: the step-mean terminal voltage, with ``E_i = OCV_i − a1·v1_i − a2·v2_i`` and the
   effective step resistance ``R_i = R0 + R1·(1 − a1) + R2·(1 − a2)``, ``a = τ/Δt·(1 − e^(−Δt/τ))`` (the
   mean of the RC voltage over the step is ``a·v + R·I·(1 − a)``), as the vehicle engine does
   (:mod:`tyaga.engine`, step 5).
2. Current sharing in a group (Kirchhoff: one voltage ``V_g`` for all its cells, currents adding up to the
   group current ``I_g``), in closed form: ``V_g = (Σ E_i/R_i − I_g) / Σ 1/R_i``, ``I_i = (E_i − V_g)/R_i``.
   So a group is a Thevenin source ``E_g − R_g·I_g`` with ``R_g = 1/Σ(1/R_i)``, ``E_g = R_g·Σ E_i/R_i``.
   A group being balanced has its bleed resistor ``R_b`` across its terminals: ``I_g = I + V_g/R_b``, hence
   ``V_g = E_g' − R_g'·I`` with ``E_g' = E_g/(1 + R_g/R_b)``, ``R_g' = R_g/(1 + R_g/R_b)``.
3. The pack is the series of its groups: ``V̄ = E_p − R_p·I`` with ``E_p = Σ E_g'``, ``R_p = Σ R_g'``. Driven by
   power ``P`` the current follows in closed form from ``P = (E_p − R_p·I)·I``: ``I = 2P/(E_p + √(E_p² − 4R_pP))``
   (beyond the maximum power ``E_p²/4R_p``, the current of the maximum power point).
4. BMS: every cell current is affine in the pack current, ``I_i = α_i + β_i·I`` (β_i > 0), and so are the
   cell's instantaneous voltages at the start and at the end of the step (the end with the OCV linearised
   over the step). The cell voltage limits (at both ends of the step), the cell current limits and the cell
   charge (no cell below SOC 0 or above SOC 1 at the end of the step) give a window ``I_lo ≤ I ≤ I_hi``;
   the cell that sets the bound that binds is the limiting cell. ``on_limit =
   "derate"`` clamps the pack current (power) to the window; ``"stop"`` ends the run at the first step
   whose request lies outside it. Either way the first limiting cell, the limit and the time are reported.
5. SOC by coulomb counting (``Δsoc = −I_i·Δt / (3600·Q_i)``), RC voltages by their exact step solution.

Passive balancing: one bleed resistor per parallel group (a group is the smallest unit a BMS can measure and
bleed; in a pack with ``parallel = 1`` that is one per cell), switched on for a step when the group's
voltage (measured at the previous sample) exceeds the lowest group voltage by more than ``threshold_v``, or
its SOC (capacity-weighted) the lowest group SOC by more than ``threshold_soc``.

Reported voltages are the instantaneous terminal voltages at the sample times with the current of the step
that starts there (at the last sample, the previous step's), as in :func:`tyaga.cell.simulate_current`; a
group's voltage is the mean of its cells', the pack's the sum of its groups'. ``pack_power_w`` is the
step-mean terminal power ``(E_p − R_p·I)·I`` (the energy of a step over Δt; what a power request controls).

References: Plett, *Battery Management Systems, Vol. 1* (Artech House, 2015), ch. 2 (Thevenin cell) and
§3.3 (packs); Tranter et al., liionpack, *J. Open Source Softw.* 7 (2022) 4051 (the same pack problem solved
by nodal analysis); Bruen & Marco, *J. Power Sources* 310 (2016) 91 (current sharing in parallel cells);
Plett, *Battery Management Systems, Vol. 2: Equivalent-Circuit Methods* (Artech House, 2016), the chapter on
cell balancing (passive balancing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numba
import numpy as np
import numpy.typing as npt
import xarray as xr

from tyaga.cell import CellSpec, ecm_parameters
from tyaga.errors import InputError

FloatArray = npt.NDArray[np.float64]

#: Limit codes in ``limit_code`` and in :attr:`PackSimResult.first_limit`.
LIMIT_KINDS = {0: "none", 1: "voltage_min", 2: "voltage_max", 3: "discharge_current", 4: "charge_current",
               5: "max_power", 6: "cell_empty", 7: "cell_full"}

#: Balancing threshold when none is given: group voltage above the lowest group's [V].
DEFAULT_BALANCING_THRESHOLD_V = 0.005

#: SOC points on which the ECM parameters are tabulated for a run when the cell has no SOC axis of its own.
PARAM_SOC_POINTS = 101
#: Temperature step of the ECM parameter table when the run has more distinct cell temperatures than
#: :data:`PARAM_TEMPERATURE_POINTS_MAX` [K].
PARAM_TEMPERATURE_STEP_K = 0.25
#: Most distinct cell temperatures tabulated exactly.
PARAM_TEMPERATURE_POINTS_MAX = 256


@dataclass(frozen=True)
class Balancing:
    """Passive balancing: a bleed resistor per parallel group, switched on above a spread threshold.

    Give at most one of ``threshold_v`` (group voltage above the lowest group voltage [V]) or
    ``threshold_soc`` (group SOC above the lowest group SOC, 0 … 1); neither: ``threshold_v = 5 mV``.
    ``during_discharge = False`` bleeds only
    while the pack charges or rests (pack current ≤ 0 in the previous step).
    """

    bleed_resistance_ohm: float
    threshold_v: float | None = None
    threshold_soc: float | None = None
    during_discharge: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.bleed_resistance_ohm) and self.bleed_resistance_ohm > 0):
            raise InputError("balancing.bleed_resistance_ohm", self.bleed_resistance_ohm, "> 0")
        if self.threshold_v is not None and self.threshold_soc is not None:
            raise InputError("balancing.threshold_v", self.threshold_v,
                             "at most one of threshold_v and threshold_soc (the other None)")
        if self.threshold_v is None and self.threshold_soc is None:
            object.__setattr__(self, "threshold_v", DEFAULT_BALANCING_THRESHOLD_V)
        if self.threshold_v is not None and not self.threshold_v >= 0:
            raise InputError("balancing.threshold_v", self.threshold_v, "≥ 0")
        if self.threshold_soc is not None and not 0 <= self.threshold_soc <= 1:
            raise InputError("balancing.threshold_soc", self.threshold_soc, "0 ≤ threshold_soc ≤ 1")


@dataclass(frozen=True)
class CellPack:
    """A pack of ``series × parallel`` cells of one type, each with its own capacity, resistance and SOC.

    Per-cell arrays have ``series · parallel`` entries in the pack's cell order (group-major, see the module
    docstring). Limits are per cell: voltage [V] and current [A] (the BMS acts on the first cell to reach
    one). Build one with :func:`build_pack`.
    """

    cell: CellSpec
    series: int
    parallel: int
    capacity_ah: FloatArray
    resistance_factor: FloatArray
    soc_initial: FloatArray
    voltage_min_v: float
    voltage_max_v: float
    max_discharge_current_a: float
    max_charge_current_a: float
    balancing: Balancing | None = None
    seed: int | None = field(default=None, compare=False)

    @property
    def n_cells(self) -> int:
        """Number of cells, ``series · parallel``."""
        return self.series * self.parallel

    def nominal(self) -> CellPack:
        """The same pack of identical nominal cells: the cell's capacity and resistance, every cell at the mean
        initial SOC of this pack, no balancing."""
        n = self.n_cells
        return replace(self, capacity_ah=np.full(n, self.cell.capacity_ah), resistance_factor=np.ones(n),
                       soc_initial=np.full(n, float(np.mean(self.soc_initial))), balancing=None)


def _per_cell(name: str, value: npt.ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1 or arr.size != n:
        raise InputError(name, f"{arr.size} values" if arr.ndim == 1 else f"shape {arr.shape}",
                         f"one value per cell ({n})")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{name}[{i}]", float(arr[i]), "a finite number")
    return arr


def build_pack(
    cell: CellSpec,
    series: int,
    parallel: int,
    *,
    soc_initial: float | npt.ArrayLike = 1.0,
    capacity_spread: float = 0.0,
    resistance_spread: float = 0.0,
    soc_spread: float = 0.0,
    seed: int | None = 0,
    capacity_ah: npt.ArrayLike | None = None,
    resistance_factor: npt.ArrayLike | None = None,
    voltage_min_v: float | None = None,
    voltage_max_v: float | None = None,
    max_discharge_current_a: float | None = None,
    max_charge_current_a: float | None = None,
    balancing: Balancing | None = None,
) -> CellPack:
    """A pack of ``series × parallel`` cells with cell-to-cell spread.

    Spread (normal distributions, drawn with ``numpy.random.default_rng(seed)`` in the order capacity,
    resistance, SOC): ``capacity_spread`` and ``resistance_spread`` are relative standard deviations
    (0.02 = 2 % of the nominal capacity / resistance), ``soc_spread`` the standard deviation of the initial SOC
    (absolute, SOC units); drawn initial SOCs are clipped to 0 … 1. A per-cell list (``capacity_ah``
    [A·h], ``resistance_factor`` [-], ``soc_initial``) replaces the draw of that quantity. Limits default to
    the cell's: ``voltage_min_v``, ``voltage_max_v`` [V], ``max_discharge_current_a = max_discharge_c ·
    capacity_ah`` and ``max_charge_current_a = max_charge_c · capacity_ah`` [A] (nominal capacity; ``inf`` =
    no current limit).

    Raises :class:`InputError` naming the field and the value for a bad count, spread, list or limit.
    """
    for name, val in (("series", series), ("parallel", parallel)):
        if isinstance(val, bool) or not isinstance(val, int | np.integer) or val < 1:
            raise InputError(name, val, "an integer ≥ 1")
    n = int(series) * int(parallel)
    for name, val in (("capacity_spread", capacity_spread), ("resistance_spread", resistance_spread),
                      ("soc_spread", soc_spread)):
        if not (math.isfinite(val) and val >= 0):
            raise InputError(name, val, "a standard deviation ≥ 0")
    rng = np.random.default_rng(seed)
    z_cap = rng.standard_normal(n)
    z_res = rng.standard_normal(n)
    z_soc = rng.standard_normal(n)
    if capacity_ah is None:
        cap = cell.capacity_ah * (1.0 + capacity_spread * z_cap)
        if np.any(cap <= 0):
            raise InputError("capacity_spread", capacity_spread,
                             f"a spread that gives every cell a capacity > 0 (cell {int(np.argmin(cap))} "
                             f"drew {float(cap.min()):.4g} A·h)")
    else:
        cap = _per_cell("capacity_ah", capacity_ah, n)
        if np.any(cap <= 0):
            i = int(np.flatnonzero(cap <= 0)[0])
            raise InputError(f"capacity_ah[{i}]", float(cap[i]), "> 0")
    if resistance_factor is None:
        rf = 1.0 + resistance_spread * z_res
        if np.any(rf <= 0):
            raise InputError("resistance_spread", resistance_spread,
                             f"a spread that gives every cell a resistance > 0 (cell {int(np.argmin(rf))} "
                             f"drew the factor {float(rf.min()):.4g})")
    else:
        rf = _per_cell("resistance_factor", resistance_factor, n)
        if np.any(rf <= 0):
            i = int(np.flatnonzero(rf <= 0)[0])
            raise InputError(f"resistance_factor[{i}]", float(rf[i]), "> 0 (a negative resistance is unphysical)")
    if np.ndim(soc_initial) == 0:
        s0 = float(soc_initial)  # type: ignore[arg-type]
        if not (math.isfinite(s0) and 0 <= s0 <= 1):
            raise InputError("soc_initial", s0, "0 ≤ soc_initial ≤ 1")
        soc = np.clip(s0 + soc_spread * z_soc, 0.0, 1.0)
    else:
        soc = _per_cell("soc_initial", soc_initial, n)
        if np.any((soc < 0) | (soc > 1)):
            i = int(np.flatnonzero((soc < 0) | (soc > 1))[0])
            raise InputError(f"soc_initial[{i}]", float(soc[i]), "0 ≤ soc ≤ 1")
    vmin = cell.voltage_min_v if voltage_min_v is None else float(voltage_min_v)
    vmax = cell.voltage_max_v if voltage_max_v is None else float(voltage_max_v)
    if not (math.isfinite(vmin) and vmin > 0):
        raise InputError("voltage_min_v", vmin, "> 0")
    if not (math.isfinite(vmax) and vmax > vmin):
        raise InputError("voltage_max_v", vmax, f"above voltage_min_v ({vmin})")
    idis = cell.max_discharge_c * cell.capacity_ah if max_discharge_current_a is None else float(
        max_discharge_current_a)
    ich = cell.max_charge_c * cell.capacity_ah if max_charge_current_a is None else float(max_charge_current_a)
    for name, val in (("max_discharge_current_a", idis), ("max_charge_current_a", ich)):
        if not val > 0:
            raise InputError(name, val, "> 0 (inf: no limit)")
    return CellPack(cell, int(series), int(parallel), cap, rf, soc, vmin, vmax, idis, ich, balancing, seed)


# ----------------------------------------------------------------------------------------------- kernel

_kernel = numba.njit(cache=True, error_model="numpy", _nrt=False, inline="always")


@_kernel
def _segment(x: FloatArray, idx: npt.NDArray[np.int64], c: int, s: float) -> tuple[int, float]:
    """Interval ``j`` and fraction ``f`` of ``s`` on the increasing axis ``x`` (clamped: f = 0 below the
    first point, the last interval with f = 1 above the last); one point: (0, 0). ``idx[c]`` caches cell
    ``c``'s interval (a cell's state moves little per step, so the search is O(1))."""
    m = x.shape[0]
    if m == 1 or s <= x[0]:
        return 0, 0.0
    if s >= x[m - 1]:
        return m - 2, 1.0
    j = idx[c]
    while j > 0 and s < x[j]:
        j -= 1
    while j < m - 2 and s >= x[j + 1]:
        j += 1
    idx[c] = j
    return j, (s - x[j]) / (x[j + 1] - x[j])


@_kernel
def _ocv_at(x: FloatArray, y: FloatArray, e: FloatArray, idx: npt.NDArray[np.int64], c: int, s: float,
            dtemp: float) -> tuple[float, float]:
    """OCV [V] and dOCV/dSOC [V] at SOC ``s`` and ``dtemp`` = T − 25 °C: linear interpolation of the OCV
    table ``(x, y)`` and of the entropic coefficient ``e`` [V/K] as ``numpy.interp`` (flat outside 0 … 1),
    ``OCV = y(s) + e(s)·dtemp`` (as :func:`tyaga.cell.ocv`)."""
    m = x.shape[0]
    if s <= x[0]:
        return y[0] + e[0] * dtemp, 0.0
    if s >= x[m - 1]:
        return y[m - 1] + e[m - 1] * dtemp, 0.0
    j = idx[c]
    while j > 0 and s < x[j]:
        j -= 1
    while j < m - 2 and s >= x[j + 1]:
        j += 1
    idx[c] = j
    dx = x[j + 1] - x[j]
    slope = (y[j + 1] - y[j]) / dx
    eslope = (e[j + 1] - e[j]) / dx
    return slope * (s - x[j]) + y[j] + (eslope * (s - x[j]) + e[j]) * dtemp, slope + eslope * dtemp


@_kernel
def _pval(tab: FloatArray, q: int, js: int, fs: float, jt: int, ft: float) -> float:
    """Parameter ``q`` of ``tab`` (n_q, n_soc, n_temp), bilinear in interval (js, fs) × (jt, ft)."""
    ns = tab.shape[1]
    nt = tab.shape[2]
    if ns == 1 and nt == 1:
        return tab[q, 0, 0]
    if nt == 1:
        a = tab[q, js, 0]
        return a + fs * (tab[q, js + 1, 0] - a)
    if ns == 1:
        a = tab[q, 0, jt]
        return a + ft * (tab[q, 0, jt + 1] - a)
    lo = tab[q, js, jt] + fs * (tab[q, js + 1, jt] - tab[q, js, jt])
    hi = tab[q, js, jt + 1] + fs * (tab[q, js + 1, jt + 1] - tab[q, js, jt + 1])
    return lo + ft * (hi - lo)


@_kernel
def _step_constants(cs: FloatArray, c: int, ptab: FloatArray, p_soc: FloatArray, p_temp: FloatArray,
                    idx_s: npt.NDArray[np.int64], idx_t: npt.NDArray[np.int64], soc: float, tc: float, f: float,
                    dt: float, inv_dt: float, n_rc: int) -> None:
    """Cell ``c``'s parameters at (``soc``, ``tc``) with resistance factor ``f``, and its step constants
    e = e^(−Δt/τ), a = τ/Δt·(1 − e) and R_eff for a step ``dt``, into the scratch rows ``cs``. ``n_rc``: RC
    pairs the table has anywhere (0, 1 or 2); the time constants τ = R·C do not depend on ``f``."""
    js, fs = _segment(p_soc, idx_s, c, soc)
    jt, ft = _segment(p_temp, idx_t, c, tc)
    r0 = _pval(ptab, 0, js, fs, jt, ft) * f
    r1 = 0.0
    e1 = 0.0
    a1 = 0.0
    if n_rc >= 1:
        r1n = _pval(ptab, 1, js, fs, jt, ft)
        if r1n > 0.0:
            r1 = r1n * f
            tau = r1n * _pval(ptab, 2, js, fs, jt, ft)
            e1 = math.exp(-dt / tau)
            a1 = tau * inv_dt * (1.0 - e1)
    r2 = 0.0
    e2 = 0.0
    a2 = 0.0
    if n_rc >= 2:
        r2n = _pval(ptab, 3, js, fs, jt, ft)
        if r2n > 0.0:
            r2 = r2n * f
            tau = r2n * _pval(ptab, 4, js, fs, jt, ft)
            e2 = math.exp(-dt / tau)
            a2 = tau * inv_dt * (1.0 - e2)
    cs[0, c] = r0
    cs[1, c] = r1
    cs[2, c] = r2
    cs[3, c] = e1
    cs[4, c] = e2
    cs[5, c] = a1
    cs[6, c] = a2
    reff = r0 + r1 * (1.0 - a1) + r2 * (1.0 - a2)
    cs[7, c] = reff
    cs[9, c] = 1.0 / reff


def _pack_loop(time_s, drive, power_mode, temp, q_as, rf, soc, v1, v2, ocv_x, ocv_y, ocv_e, ptab, p_soc, p_temp,
               idx_o, idx_s, idx_t, const_params, n_par, limits, bal, on_stop, record, cell_cur, cell_volt, cell_soc,
               pack_cur, pack_volt, pack_pow, code, lcell, bleed_rec, event, cs, gs):
    """The time loop (allocates nothing; all arrays belong to the caller, see :func:`simulate_pack`).

    ``ptab`` (5, n_soc, n_temp) holds R0, R1, C1, R2, C2 on the axes ``p_soc`` and ``p_temp``; ``idx_o``,
    ``idx_s``, ``idx_t`` (n_cells) cache each cell's interval on the OCV, parameter-SOC and temperature axes.
    ``cs`` (13, n_cells) and ``gs`` (8, n_groups) are scratch rows. ``limits`` = (v_min, v_max, i_dis, i_ch);
    ``bal`` = (r_bleed [Ω] or 0, mode 0 none / 1 voltage / 2 SOC, threshold, during_discharge 0/1).
    ``event`` receives (samples written, stop step or −1, first-limit step or −1, its cell, its kind,
    bled energy [J]). Returns nothing.
    """
    n_t = time_s.shape[0]
    n = q_as.shape[0]
    n_g = n // n_par
    v_min = limits[0]
    v_max = limits[1]
    i_dis = limits[2]
    i_ch = limits[3]
    r_b = bal[0]
    bal_mode = int(bal[1])
    bal_thr = bal[2]
    bal_dis = bal[3] > 0.0
    tt_var = temp.shape[0] > 1
    tc_var = temp.shape[1] > 1
    n_rc = 0
    for i in range(ptab.shape[1]):
        for j in range(ptab.shape[2]):
            if ptab[3, i, j] > 0.0:
                n_rc = 2
            elif ptab[1, i, j] > 0.0 and n_rc == 0:
                n_rc = 1
    # cs rows: 0 r0, 1 r1, 2 r2, 3 e1, 4 e2, 5 a1, 6 a2, 7 reff, 8 E, 9 G, 10 ocv, 11 ocv slope, 12 current
    # gs rows: 0 E_g, 1 R_g, 2 lambda, 3 mu, 4 bleed on, 5 group voltage (last sample), 6 group SOC
    dt_last = -1.0
    first_step = -1
    first_cell = -1
    first_kind = 0
    stop_step = -1
    e_bled = 0.0
    i_prev = 0.0
    written = n_t
    for g in range(n_g):
        gs[5, g] = 0.0
        gs[4, g] = 0.0
    for k in range(n_t - 1):
        dt = time_s[k + 1] - time_s[k]
        tk = k if tt_var else 0
        need = (not const_params) or dt != dt_last
        dt_last = dt
        inv_dt = 1.0 / dt
        # 1–2. cells' parameters, step constants and step sources; groups' Thevenin sources; the pack's
        e_p = 0.0
        r_p = 0.0
        g_min_v = 1e300
        g_min_s = 1e300
        for g in range(n_g):
            gsum = 0.0
            esum = 0.0
            qsum = 0.0
            ssum = 0.0
            for c in range(g * n_par, (g + 1) * n_par):
                tc = temp[tk, c if tc_var else 0]
                if need:
                    _step_constants(cs, c, ptab, p_soc, p_temp, idx_s, idx_t, soc[c], tc, rf[c], dt, inv_dt, n_rc)
                u, sl = _ocv_at(ocv_x, ocv_y, ocv_e, idx_o, c, soc[c], tc - 25.0)
                cs[10, c] = u
                cs[11, c] = sl
                e = u - cs[5, c] * v1[c] - cs[6, c] * v2[c]
                cs[8, c] = e
                gsum += cs[9, c]
                esum += e * cs[9, c]
                qsum += q_as[c]
                ssum += q_as[c] * soc[c]
            rg = 1.0 / gsum
            gs[0, g] = esum * rg
            gs[1, g] = rg
            gs[6, g] = ssum / qsum
            if k == 0:
                gs[5, g] = gs[0, g]
            g_min_v = min(g_min_v, gs[5, g])
            g_min_s = min(g_min_s, gs[6, g])
        for g in range(n_g):
            on = False
            if bal_mode > 0 and (bal_dis or i_prev <= 0.0):
                if bal_mode == 1:
                    on = gs[5, g] - g_min_v > bal_thr
                else:
                    on = gs[6, g] - g_min_s > bal_thr
            lam = 1.0
            mu = 0.0
            if on:
                lam = 1.0 / (1.0 + gs[1, g] / r_b)
                mu = lam * gs[0, g] / r_b
            gs[2, g] = lam
            gs[3, g] = mu
            gs[4, g] = 1.0 if on else 0.0
            e_p += gs[0, g] * lam
            r_p += gs[1, g] * lam
        # 3. requested pack current
        req = drive[k]
        kind_req = 0
        if power_mode:
            disc = e_p * e_p - 4.0 * r_p * req
            if disc < 0.0:
                i_req = 0.5 * e_p / r_p
                kind_req = 5
            else:
                i_req = 2.0 * req / (e_p + math.sqrt(disc))
        else:
            i_req = req
        # 4. BMS window from every cell: I_i = alpha + beta * I
        i_hi = 1e300
        i_lo = -1e300
        c_hi = -1
        c_lo = -1
        k_hi = 0
        k_lo = 0
        for g in range(n_g):
            rg = gs[1, g]
            eg = gs[0, g]
            lam = gs[2, g]
            mu = gs[3, g]
            for c in range(g * n_par, (g + 1) * n_par):
                gc = cs[9, c]
                inv_beta = 1.0 / (gc * rg * lam)
                alpha = (cs[8, c] - eg) * gc + gc * rg * mu
                # the cell's own current window [u_lo, u_hi] from its voltages c0 − d·I_i at the start and
                # the end of the step, its current limits and its charge (not below empty, not above full)
                c0s = cs[10, c] - v1[c] - v2[c]
                inv_ds = 1.0 / cs[0, c] if cs[0, c] > 0.0 else 1e300
                c0e = cs[10, c] - v1[c] * cs[3, c] - v2[c] * cs[4, c]
                inv_de = 1.0 / (cs[0, c] + cs[1, c] * (1.0 - cs[3, c]) + cs[2, c] * (1.0 - cs[4, c])
                                + cs[11, c] * dt / q_as[c])
                q_dt = q_as[c] / dt
                u_hi = (c0s - v_min) * inv_ds
                ku = 1
                u = (c0e - v_min) * inv_de
                if u < u_hi:
                    u_hi = u
                if i_dis < u_hi:
                    u_hi = i_dis
                    ku = 3
                u = soc[c] * q_dt
                if u < u_hi:
                    u_hi = u
                    ku = 6
                u_lo = (c0s - v_max) * inv_ds
                kl = 2
                u = (c0e - v_max) * inv_de
                if u > u_lo:
                    u_lo = u
                if -i_ch > u_lo:
                    u_lo = -i_ch
                    kl = 4
                u = (soc[c] - 1.0) * q_dt
                if u > u_lo:
                    u_lo = u
                    kl = 7
                bnd = (u_hi - alpha) * inv_beta
                if bnd < i_hi:
                    i_hi = bnd
                    c_hi = c
                    k_hi = ku
                bnd = (u_lo - alpha) * inv_beta
                if bnd > i_lo:
                    i_lo = bnd
                    c_lo = c
                    k_lo = kl
        cur = i_req
        kind = kind_req
        lim_c = -1
        tol = 1e-12 * (1.0 + abs(i_req))
        if cur > i_hi + tol:
            cur = i_hi
            kind = k_hi
            lim_c = c_hi
        elif cur < i_lo - tol:
            cur = i_lo
            kind = k_lo
            lim_c = c_lo
        if kind != 0 and first_step < 0:
            first_step = k
            first_cell = lim_c
            first_kind = kind
        if kind != 0 and kind != 5 and on_stop:
            stop_step = k
            written = k + 1
            break
        # 5. apply: currents, voltages, records, state update
        v_pack = 0.0
        for g in range(n_g):
            rg = gs[1, g]
            lam = gs[2, g]
            ig = lam * cur + gs[3, g]
            vg = gs[0, g] - rg * ig
            if gs[4, g] > 0.0:
                e_bled += vg * vg / r_b * dt
            vsum = 0.0
            for c in range(g * n_par, (g + 1) * n_par):
                ic = (cs[8, c] - vg) * cs[9, c]
                vc = cs[10, c] - v1[c] - v2[c] - cs[0, c] * ic
                vsum += vc
                if record:
                    cell_cur[k, c] = ic
                    cell_volt[k, c] = vc
                    cell_soc[k, c] = soc[c]
                soc[c] -= ic * dt / q_as[c]
                v1[c] = v1[c] * cs[3, c] + cs[1, c] * ic * (1.0 - cs[3, c])
                v2[c] = v2[c] * cs[4, c] + cs[2, c] * ic * (1.0 - cs[4, c])
                cs[12, c] = ic  # the current, for the last sample
            gs[5, g] = vsum / n_par
            v_pack += gs[5, g]
            if record:
                bleed_rec[k, g] = gs[4, g] > 0.0
        pack_cur[k] = cur
        pack_volt[k] = v_pack
        pack_pow[k] = (e_p - r_p * cur) * cur
        code[k] = kind
        lcell[k] = lim_c
        i_prev = cur
    # the last sample written: state at its time with the previous step's current, R0 and OCV at its state
    last = written - 1
    tl = last if tt_var else 0
    v_pack = 0.0
    for g in range(n_g):
        vsum = 0.0
        for c in range(g * n_par, (g + 1) * n_par):
            ic = cs[12, c] if last > 0 else 0.0
            tc = temp[tl, c if tc_var else 0]
            u, sl = _ocv_at(ocv_x, ocv_y, ocv_e, idx_o, c, soc[c], tc - 25.0)
            js, fs = _segment(p_soc, idx_s, c, soc[c])
            jt, ft = _segment(p_temp, idx_t, c, tc)
            vc = u - v1[c] - v2[c] - _pval(ptab, 0, js, fs, jt, ft) * rf[c] * ic
            vsum += vc
            if record:
                cell_cur[last, c] = ic
                cell_volt[last, c] = vc
                cell_soc[last, c] = soc[c]
        v_pack += vsum / n_par
        if record:
            bleed_rec[last, g] = False
    pack_cur[last] = pack_cur[last - 1] if last > 0 else 0.0
    pack_volt[last] = v_pack
    pack_pow[last] = pack_pow[last - 1] if last > 0 else 0.0
    code[last] = 0
    lcell[last] = -1
    event[0] = written
    event[1] = stop_step
    event[2] = first_step
    event[3] = first_cell
    event[4] = first_kind
    event[5] = e_bled


_loop = numba.njit(cache=True, error_model="numpy", _nrt=False)(_pack_loop)


# ----------------------------------------------------------------------------------------------- API


@dataclass
class PackSimResult:
    """Results of :func:`simulate_pack`.

    Attributes
    ----------
    dataset: xarray Dataset with dims ``(time, cell)`` (and ``group``): per cell ``current_a``, ``voltage_v``,
        ``soc``, ``temperature_c`` (when recorded); per sample ``pack_current_a``, ``pack_voltage_v``,
        ``pack_power_w``, ``limit_code`` (see :data:`LIMIT_KINDS`), ``limiting_cell`` (−1 none); per group
        ``balancing`` (bleed resistor on during the step).
    first_limit: the first step where the BMS limited the pack: ``time_s``, ``cell``, ``group``, ``position``,
        ``kind``; ``None`` when no limit was reached.
    stopped: ``True`` when ``on_limit="stop"`` ended the run early (the dataset ends at ``first_limit``).
    soc_end: every cell's SOC at the end [-]; ``energy_wh``: terminal energy over the run [Wh];
    balancing_energy_wh: energy dissipated in the bleed resistors [Wh];
    usable_energy: see :func:`usable_energy` (``None`` unless asked for).
    """

    dataset: xr.Dataset
    first_limit: dict[str, Any] | None
    stopped: bool
    soc_end: FloatArray
    energy_wh: float
    balancing_energy_wh: float
    usable_energy: dict[str, float] | None = None


def _param_table(cell: CellSpec, temp: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, bool]:
    """ECM parameters of ``cell`` tabulated for a run: (table (5, n_soc, n_temp) of R0, R1, C1, R2, C2, SOC
    axis, temperature axis, constant?).

    The SOC axis is the cell's own ``[ecm]`` SOC axis (the parameters are linear in SOC between its points,
    so the kernel's linear interpolation reproduces :func:`tyaga.cell.ecm_parameters` exactly), else
    :data:`PARAM_SOC_POINTS` uniform points. The temperature axis is the run's distinct cell temperatures
    when there are at most :data:`PARAM_TEMPERATURE_POINTS_MAX` (exact at them), else a uniform grid of
    :data:`PARAM_TEMPERATURE_STEP_K` over their range plus the table's own temperature points in it (exact
    at the points, linear between). Axes along which nothing varies collapse to one point.
    """
    ecm = getattr(cell, "ecm", None)
    own_soc = getattr(ecm, "soc", None)
    sg = np.asarray(own_soc, dtype=float) if own_soc else np.linspace(0.0, 1.0, PARAM_SOC_POINTS)
    distinct = np.unique(temp)
    if distinct.size <= PARAM_TEMPERATURE_POINTS_MAX:
        tg = distinct
    else:
        t_lo, t_hi = float(distinct[0]), float(distinct[-1])
        n_t = min(math.ceil((t_hi - t_lo) / PARAM_TEMPERATURE_STEP_K) + 1, 4 * PARAM_TEMPERATURE_POINTS_MAX)
        own_t = np.asarray(getattr(ecm, "temperature_c", None) or [], dtype=float)
        tg = np.unique(np.concatenate([np.linspace(t_lo, t_hi, n_t), own_t[(own_t > t_lo) & (own_t < t_hi)]]))
    p = ecm_parameters(cell, sg[:, None], tg[None, :])
    names = ("r0_ohm", "r1_ohm", "c1_f", "r2_ohm", "c2_f")
    tab = np.stack([np.broadcast_to(np.asarray(p[k], dtype=float), (sg.size, tg.size)) for k in names])
    for q, name in enumerate(names):
        lo = float(tab[q].min())
        if not np.isfinite(tab[q]).all() or (name.startswith("r") and lo < 0) or (name.startswith("c") and lo <= 0):
            raise InputError(f"ecm_parameters.{name}", lo, "finite, ≥ 0 (resistances) or > 0 (capacitances)",
                             hint=f"cell {cell.name!r} over SOC 0 … 1 and {tg[0]} … {tg[-1]} °C")
    if float(tab[0].min()) + float(tab[1].min()) + float(tab[3].min()) <= 0:
        raise InputError("r0_ohm", float(tab[0].min()), "> 0 for a per-cell pack simulation (cells share current "
                         "by their resistances)")
    if np.all(tab == tab[:, :1, :]):
        tab, sg = tab[:, :1, :], sg[:1]
    if np.all(tab == tab[:, :, :1]):
        tab, tg = tab[:, :, :1], tg[:1]
    return (np.ascontiguousarray(tab), np.ascontiguousarray(sg), np.ascontiguousarray(tg, dtype=float),
            tab.shape[1] == 1 and tab.shape[2] == 1)


def _temperature(temperature_c: npt.ArrayLike, n_t: int, n: int) -> FloatArray:
    """Cell temperatures as a (1 or n_t, 1 or n_cells) array [°C]."""
    t = np.asarray(temperature_c, dtype=float)
    if t.ndim == 0:
        out = t.reshape(1, 1)
    elif t.ndim == 1 and t.size == n_t:
        out = t.reshape(n_t, 1)
    elif t.ndim == 1 and t.size == n:
        out = t.reshape(1, n)
    elif t.ndim == 2 and t.shape == (n_t, n):
        out = t
    else:
        raise InputError("temperature_c", f"shape {t.shape}",
                         f"a number, a time series ({n_t}), one per cell ({n}) or (time, cell) = ({n_t}, {n})")
    if not np.all(np.isfinite(out)) or out.min() < -80 or out.max() > 150:
        raise InputError("temperature_c", float(out.min() if out.min() < -80 else out.max()),
                         "finite, −80 … 150 °C")
    return np.ascontiguousarray(out)


def simulate_pack(
    pack: CellPack,
    time_s: npt.ArrayLike,
    *,
    current_a: npt.ArrayLike | None = None,
    power_w: npt.ArrayLike | None = None,
    temperature_c: npt.ArrayLike = 25.0,
    on_limit: Literal["derate", "stop"] = "derate",
    record_cells: bool = True,
    with_usable_energy: bool = False,
) -> PackSimResult:
    """Simulate every cell of ``pack`` driven by the pack current or the pack terminal power.

    Parameters
    ----------
    pack: the pack (see :func:`build_pack`).
    time_s: sample times [s], strictly increasing.
    current_a / power_w: exactly one: pack current [A] or terminal power [W] (positive on discharge), held
        from ``time_s[k]`` to ``time_s[k+1]`` (the last value is unused).
    temperature_c: cell temperature [°C]: a number, a time series (one per sample), one per cell, or
        (time, cell).
    on_limit: ``"derate"``: the BMS reduces the pack current (power) so that no cell passes a limit;
        ``"stop"``: the run ends at the first step that would take a cell past one.
    record_cells: record the per-cell series (``False``: pack-level series and the summary only).
    with_usable_energy: also compute :func:`usable_energy` at the run's mean temperature.
    """
    t = np.ascontiguousarray(time_s, dtype=float)
    if t.ndim != 1 or t.size < 2:
        raise InputError("time_s", f"shape {t.shape}", "a 1-D array of at least 2 sample times")
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise InputError("time_s", "not strictly increasing", "strictly increasing, finite sample times")
    if (current_a is None) == (power_w is None):
        raise InputError("current_a", "given" if current_a is not None else None,
                         "exactly one of current_a and power_w")
    name = "current_a" if current_a is not None else "power_w"
    drive = np.ascontiguousarray(current_a if current_a is not None else power_w, dtype=float)
    if drive.shape != t.shape:
        raise InputError(name, f"shape {drive.shape}", f"one value per sample time ({t.size})")
    if not np.all(np.isfinite(drive)):
        raise InputError(name, float(drive[~np.isfinite(drive)][0]), "finite numbers")
    if on_limit not in ("derate", "stop"):
        raise InputError("on_limit", on_limit, "'derate' or 'stop'")
    n = pack.n_cells
    n_g = pack.series
    temp = _temperature(temperature_c, t.size, n)
    ptab, p_soc, p_temp, const = _param_table(pack.cell, temp)
    ocv_x = np.ascontiguousarray(pack.cell.ocv.soc, dtype=float)
    ocv_y = np.ascontiguousarray(pack.cell.ocv.voltage_v, dtype=float)
    entropic = getattr(pack.cell.ocv, "entropic_v_per_k", None)
    ocv_e = np.ascontiguousarray(entropic if entropic is not None else np.zeros(ocv_x.size), dtype=float)
    b = pack.balancing
    bal = np.zeros(4)
    if b is not None:
        bal[:] = (b.bleed_resistance_ohm, 1.0 if b.threshold_v is not None else 2.0,
                  b.threshold_v if b.threshold_v is not None else b.threshold_soc, 1.0 if b.during_discharge else 0.0)
    limits = np.array([pack.voltage_min_v, pack.voltage_max_v, pack.max_discharge_current_a,
                       pack.max_charge_current_a])
    rows = t.size if record_cells else 1
    cell_cur = np.zeros((rows, n))
    cell_volt = np.zeros((rows, n))
    cell_soc = np.zeros((rows, n))
    bleed = np.zeros((rows, n_g), dtype=np.bool_)
    pack_cur = np.zeros(t.size)
    pack_volt = np.zeros(t.size)
    pack_pow = np.zeros(t.size)
    code = np.zeros(t.size, dtype=np.int8)
    lcell = np.full(t.size, -1, dtype=np.int32)
    event = np.zeros(6)
    soc = pack.soc_initial.astype(float).copy()
    v1 = np.zeros(n)
    v2 = np.zeros(n)
    q_as = pack.capacity_ah * 3600.0
    idx = np.zeros((3, n), dtype=np.int64)  # interval caches: OCV, parameter SOC, temperature axes
    cs = np.zeros((13, n))
    gs = np.zeros((8, n_g))
    _loop(t, drive, current_a is None, temp, q_as, np.ascontiguousarray(pack.resistance_factor, dtype=float), soc,
          v1, v2, ocv_x, ocv_y, ocv_e, ptab, p_soc, p_temp, idx[0], idx[1], idx[2], const, pack.parallel, limits, bal,
          on_limit == "stop",
          record_cells, cell_cur, cell_volt, cell_soc, pack_cur, pack_volt, pack_pow, code, lcell, bleed, event, cs, gs)
    written = int(event[0])
    stopped = int(event[1]) >= 0
    first = None
    if int(event[2]) >= 0:
        c = int(event[3])
        first = {"time_s": float(t[int(event[2])]), "step": int(event[2]), "cell": c,
                 "group": c // pack.parallel if c >= 0 else -1, "position": c % pack.parallel if c >= 0 else -1,
                 "kind": LIMIT_KINDS[int(event[4])]}
    ts = t[:written]
    dts = np.diff(ts)
    energy_wh = float(np.sum(pack_pow[: written - 1] * dts) / 3600.0)
    ds = xr.Dataset(coords={"time_s": ("time", ts), "cell": np.arange(n), "group": np.arange(n_g),
                            "cell_group": ("cell", np.arange(n) // pack.parallel),
                            "cell_position": ("cell", np.arange(n) % pack.parallel)})
    if record_cells:
        ds["current_a"] = (("time", "cell"), cell_cur[:written])
        ds["voltage_v"] = (("time", "cell"), cell_volt[:written])
        ds["soc"] = (("time", "cell"), cell_soc[:written])
        ds["temperature_c"] = (("time", "cell"), np.broadcast_to(temp, (t.size, n))[:written])
        ds["balancing"] = (("time", "group"), bleed[:written])
    ds["pack_current_a"] = ("time", pack_cur[:written])
    ds["pack_voltage_v"] = ("time", pack_volt[:written])
    ds["pack_power_w"] = ("time", pack_pow[:written])
    ds["limit_code"] = ("time", code[:written])
    ds["limiting_cell"] = ("time", lcell[:written])
    ds["capacity_ah"] = ("cell", pack.capacity_ah)
    ds["resistance_factor"] = ("cell", pack.resistance_factor)
    ds["soc_end"] = ("cell", soc)
    units = {"_a": "A", "_v": "V", "_w": "W", "_c": "°C", "_ah": "A·h", "_s": "s"}
    for var in [*ds.data_vars, "time_s"]:
        for suf, unit in units.items():
            if str(var).endswith(suf):
                ds[var].attrs["units"] = unit
                break
    ds.attrs.update({"series": pack.series, "parallel": pack.parallel, "cell": pack.cell.name,
                     "on_limit": on_limit, "stopped": int(stopped)})
    res = PackSimResult(ds, first, stopped, soc, energy_wh, float(event[5]) / 3600.0)
    if with_usable_energy:
        res.usable_energy = usable_energy(pack, temperature_c=float(np.mean(temp)))
    return res


def usable_energy(pack: CellPack, c_rate: float = 1.0 / 3.0, temperature_c: float = 25.0,
                  dt_s: float = 1.0) -> dict[str, float]:
    """Usable energy of ``pack`` and what cell-to-cell spread costs of it [Wh].

    The usable energy is the energy at the pack terminals on a constant-current discharge at ``c_rate`` (of
    the cell's nominal capacity, per parallel cell) from the cells' initial SOCs until the first cell reaches
    ``voltage_min_v`` (``on_limit="stop"``, steps of ``dt_s``; the end is resolved to one step). The same is
    computed for :meth:`CellPack.nominal` (identical nominal cells at the mean initial SOC).

    Returns ``usable_energy_wh``, ``nominal_usable_energy_wh``, ``lost_to_spread_wh`` (nominal − spread) and
    ``lost_to_spread_fraction``.
    """
    if not (math.isfinite(c_rate) and c_rate > 0):
        raise InputError("c_rate", c_rate, "> 0")
    if not (math.isfinite(dt_s) and dt_s > 0):
        raise InputError("dt_s", dt_s, "> 0")
    current = c_rate * pack.cell.capacity_ah * pack.parallel
    q_max = float(np.max(pack.capacity_ah * pack.soc_initial))
    duration = 1.2 * q_max * pack.parallel / current * 3600.0 + 10 * dt_s
    t = np.arange(0.0, duration + dt_s, dt_s)
    i = np.full(t.size, current)

    def run(p: CellPack) -> float:
        lim = replace(p, max_discharge_current_a=math.inf, max_charge_current_a=math.inf, balancing=None)
        return simulate_pack(lim, t, current_a=i, temperature_c=temperature_c, on_limit="stop",
                             record_cells=False).energy_wh

    e = run(pack)
    nom = pack.nominal()
    one = replace(nom, series=1, parallel=1, capacity_ah=nom.capacity_ah[:1], resistance_factor=np.ones(1),
                  soc_initial=nom.soc_initial[:1])
    t1 = t
    e1 = simulate_pack(replace(one, max_discharge_current_a=math.inf, max_charge_current_a=math.inf), t1,
                       current_a=i / pack.parallel, temperature_c=temperature_c, on_limit="stop",
                       record_cells=False).energy_wh
    e_nom = e1 * pack.n_cells  # identical cells: one cell scaled (exact)
    return {"usable_energy_wh": e, "nominal_usable_energy_wh": e_nom, "lost_to_spread_wh": e_nom - e,
            "lost_to_spread_fraction": (e_nom - e) / e_nom if e_nom > 0 else math.nan}


def vehicle_power(result: Any, design: int = 0) -> tuple[FloatArray, FloatArray]:
    """Battery terminal power of a vehicle run as a (time [s], power [W]) profile for :func:`simulate_pack`.

    ``result`` is a :class:`tyaga.chain.SimulationResult` with time series (``simulate(..., timeseries=True)``)
    or its ``timeseries`` Dataset. The chain records at index k the step that ends at ``t_k``; here
    ``power_w[k]`` is held from ``t_k`` to ``t_{k+1}``, so the series is shifted by one sample.
    """
    ds = getattr(result, "timeseries", result)
    if ds is None or "battery_power_w" not in getattr(ds, "data_vars", {}):
        raise InputError("result", type(result).__name__, "a vehicle simulation with time series "
                         "(tyaga.chain.simulate(..., timeseries=True))")
    n_d = ds.sizes.get("design", 1)
    if not 0 <= design < n_d:
        raise InputError("design", design, f"0 … {n_d - 1}")
    t = np.asarray(ds["time_s"].values, dtype=float)
    p = np.asarray(ds["battery_power_w"].isel(design=design).values, dtype=float)
    power = np.append(p[1:], p[-1])
    return t, power


def simulate_vehicle_pack(pack: CellPack, result: Any, design: int = 0, **kwargs: Any) -> PackSimResult:
    """Drive ``pack`` with the battery terminal power of a vehicle run (see :func:`vehicle_power`);
    keyword arguments as :func:`simulate_pack`."""
    t, p = vehicle_power(result, design)
    return simulate_pack(pack, t, power_w=p, **kwargs)
