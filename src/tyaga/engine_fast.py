"""A lane-vectorised summary engine: the same results as :func:`tyaga.engine.run_cycle`, faster on big batches.

:func:`run_summary_fast` returns the summary matrix of ``engine.run_cycle(..., record=False)`` for the designs
it supports — the pack thermal model off (``thermal_on = 0``), no auxiliary profile and no overhead line; every
other design is routed to :func:`tyaga.engine.run_cycle` — and it agrees with it to rounding error (the
arithmetic of each step is the same, operation for operation; tests/test_engine_fast.py holds it to 1e-9
relative on every column).

How it differs from :mod:`tyaga.engine`:

* **Lanes.** The designs are taken in blocks of :data:`BLOCK_DESIGNS` ("lanes"); the time loop is outside and
  the loop over the lanes of a block inside it, over structure-of-arrays state (one contiguous array per state
  variable and per summary accumulator), so that LLVM vectorises the step across designs: 8 doubles per
  AVX-512 register (4 with AVX2), one step of 8 designs per instruction. The kernel is compiled with every
  array argument marked ``noalias`` (:class:`_NoAliasCompiler`; without it LLVM cannot prove that the two
  dozen state arrays do not overlap and does not vectorise the loop at all) and with 512-bit vectors preferred.
  No ``fastmath``: each operation is the correctly rounded IEEE one, in a SIMD register as in a scalar one.
* **Branch-free common path.** A step that is not limited — traction within the motor's torque and power and
  the pack's power limit, regeneration within the charge limit, not at the end of the SOC window, with a real
  current — is computed for every lane with selects in place of branches, including the OCV and
  efficiency-map look-ups (gathers). Its arithmetic is that of :func:`tyaga.engine._step` with the uncoupled
  constants folded (``f_r = 1``, no line, no BTMS: multiplying by 1.0 or adding 0.0 does not change a double),
  operation for operation and in the same order, so the results are the same bits.
* **Kernel modes.** At a given step of a cycle the variants of a batch nearly all drive, or all brake, or all
  stand: the first block of a slice runs each step with the general kernel (both the traction and the braking
  quantities formed, one kept by a select) and records which it was; later blocks run that step with a kernel
  that forms only the traction (or only the braking, or neither) quantities, skipping their divisions. A lane
  that does not fit is flagged like a limited one, so the modes change the speed and never the result.
* **Scalar fix-up.** A lane whose step is limited (the bisection of step 2, the regen-limit loop of step 3),
  empty (step 7), outside the kernel's mode or without a real current is left unchanged by the vector pass and
  flagged; a scalar pass then runs :func:`tyaga.engine._step` itself on the flagged lanes, with the
  accumulation of :func:`tyaga.engine._run_core`.

Threads: a batch is split over :func:`tyaga.engine.worker_count` threads in slices (the kernels release the
GIL), as :func:`tyaga.engine.run_cycle` does. Speed: ``python benchmarks/bench_engine_fast.py``.
"""

from __future__ import annotations

import hashlib
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt
from numba.core.compiler import Compiler

from tyaga import engine as eng
from tyaga.errors import InputError

FloatArray = npt.NDArray[np.float64]

#: Designs per block (lanes that go through the time loop together). The block's state and per-design
#: constants stay in the core's cache over the whole cycle.
BLOCK_DESIGNS = 128

# per-design constants of the lane kernel (rows of the ``pv`` matrix)
(PV_MG, PV_CRR_MG, PV_CRR, PV_F0, PV_F1, PV_F2, PV_ETA_G, PV_P_PEAK, PV_T_PEAK, PV_CAP, PV_V_REGEN, PV_AUX,
 PV_LC0, PV_LKC, PV_LKI, PV_LKW, PV_MAP, PV_REGEN_ETA, PV_R1, PV_R2, PV_V_MIN, PV_V_MAX, PV_I_DIS, PV_I_CH,
 PV_SOC_MIN, PV_MAP_DW, PV_MAP_DT) = range(27)
N_PV = 27

NSUM = len(eng.SUMMARY)
NSER = len(eng.SERIES)
GRAVITY = eng.GRAVITY
TRACE_MISS_MPS = eng.TRACE_MISS_MPS


class _NoAliasCompiler(Compiler):
    """Numba's standard pipeline with every pointer argument of the compiled function marked ``noalias``.

    Used only for the lane kernels (:func:`_make_lanes`), whose array arguments never overlap (each is its own
    row of the caller's scratch). Numba has the flag (it sets it for parfor kernels) but no option for it. The
    compilation's own copy of the target context also adds :data:`_FN_ATTRS` to the kernel's LLVM function."""

    def __init__(self, typingctx, targetctx, library, args, return_type, flags, locals):  # type: ignore[no-untyped-def]
        flags.noalias = True
        super().__init__(typingctx, targetctx, library, args, return_type, flags, locals)
        ctx = self.state.targetctx  # this compilation's own copy of the target context
        post = ctx.post_lowering

        def post_lowering(mod, lib):  # type: ignore[no-untyped-def]
            for fn in mod.functions:
                if not fn.is_declaration:
                    for attr in _FN_ATTRS:
                        set.add(fn.attributes, attr)  # string attributes: llvmlite only checks enum names
            post(mod, lib)

        ctx.post_lowering = post_lowering


#: LLVM function attributes of the lane kernel: 512-bit vectors where the CPU has them (LLVM prefers 256-bit
#: on current Intel cores; the kernel is throughput-bound, and measured faster with 8 doubles a register).
_FN_ATTRS = ('"prefer-vector-width"="512"',)

#: A stamp of :mod:`tyaga.engine`'s source, referenced by every compiled function here: Numba's cache checks
#: only this file's own time stamp, but it keys a closure by the values it holds, so a change to the engine (whose
#: step these functions inline or copy) compiles them anew instead of loading a stale copy.
_ENGINE_STAMP = int(hashlib.sha256(Path(eng.__file__).read_bytes()).hexdigest()[:15], 16)


#: Kernel modes (see :func:`_make_lanes`); a step's mode is learnt per slice (:func:`_make_drive`).
UNKNOWN, TRAC, BRAKE, IDLE, MIXED = range(5)


def _make_lanes(has_map: bool, mode: int):  # type: ignore[no-untyped-def]
    """The vector pass of one step over the lanes of a block.

    ``has_map`` (a compile-time constant): with the efficiency-map look-up (a batch without maps does not pay
    for the gathers). ``mode``: which wheel-power paths the kernel computes — ``UNKNOWN``/``MIXED`` both, the
    general kernel; ``TRAC`` traction only, ``BRAKE`` braking only, ``IDLE`` neither (a step at standstill).
    A lane outside the kernel's mode is flagged like a limited one, so every kernel gives the same result;
    the specialised ones skip the work (and the divisions) of the paths no lane of the step takes."""
    do_trac = mode in (UNKNOWN, MIXED, TRAC)
    do_brake = mode in (UNKNOWN, MIXED, BRAKE)
    do_loss = mode != IDLE
    stamp = _ENGINE_STAMP

    def lanes(n, dt, sin_t, cos_t, v_tgt, pv, cv, ocv_t, n_ocv, maps,
              v, soc, v1, v2, flag,
              a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a18, a19, a20):
        """Advance lanes ``0 … n−1`` by one step where the step is not limited (and in the kernel's mode);
        the other lanes are left unchanged and flagged (``flag[ln] = 1``) for the scalar pass. Returns the
        number flagged and the numbers of lanes with positive and with negative wheel power. Operation for
        operation as :func:`tyaga.engine._step` and :func:`tyaga.engine._run_core` (see the module docstring)."""
        _ = stamp
        nm1 = float(n_ocv - 1)
        ns = maps.shape[1]
        nt = maps.shape[2]
        xmax = ns - 1.000001
        ymax = nt - 1.000001
        count = 0
        n_trac = 0
        n_brake = 0
        for ln in range(n):
            vv = v[ln]
            s = soc[ln]
            x1 = v1[ln]
            x2 = v2[ln]
            # the pack circuit (OCV look-up as engine._ocv, with an in-range index for every lane)
            xo = s * nm1
            io = int(min(max(xo, 0.0), nm1 - 0.5))
            io = min(max(io, 0), n_ocv - 2)
            fo = xo - io
            t_lo = ocv_t[io, ln]
            t_hi = ocv_t[io + 1, ln]
            t_first = ocv_t[0, ln]
            t_last = ocv_t[n_ocv - 1, ln]
            ocv = t_lo + fo * (t_hi - t_lo)
            ocv = t_last if xo >= nm1 else ocv
            ocv = t_first if xo <= 0.0 else ocv
            e_eff = ocv - cv[4, ln] * x1 - cv[5, ln] * x2
            r_eff = cv[6, ln]
            inv_r = cv[7, ln]
            aux = pv[PV_AUX, ln]
            # wheel force to follow the trace
            u = 0.5 * (vv + v_tgt)
            f_inert = cv[13, ln] * (v_tgt - vv)
            crr = pv[PV_CRR, ln]
            f_crr = pv[PV_CRR_MG, ln] * cos_t
            f_01 = pv[PV_F0, ln] + pv[PV_F1, ln] * u
            f_roll = f_crr if crr > 0.0 else f_01
            f_roll = f_roll if u > 0.0 else 0.0
            f_aero = pv[PV_F2, ln] * u * u
            f_grade = pv[PV_MG, ln] * sin_t
            f_w = f_inert + f_roll + f_aero + f_grade
            p_w = f_w * u
            w_m = u * cv[9, ln]
            trac = p_w > 0.0
            brake = p_w < 0.0
            n_trac += 1 if trac else 0
            n_brake += 1 if brake else 0
            eta_g = pv[PV_ETA_G, ln]
            t_peak = pv[PV_T_PEAK, ln]
            t_tr = 0.0
            p_mech_tr = 0.0
            if do_trac:  # traction quantities
                t_tr = f_w * cv[10, ln]
                p_mech_tr = p_w * cv[11, ln]
            p_mech_r = 0.0
            t_rg = 0.0
            regen = False
            if do_brake:  # braking quantities (before the charge limit)
                vr = pv[PV_V_REGEN, ln]
                phi = min(max((u - vr) / vr, 0.0), 1.0)
                phi = phi if vr > 0.0 else 1.0
                p_mech_r = phi * -p_w * eta_g
                cap = min(pv[PV_CAP, ln], t_peak * w_m)
                cap = cap if w_m > 0.0 else 0.0
                p_mech_r = cap if p_mech_r > cap else p_mech_r
                regen = p_mech_r > 0.0
                w_safe = w_m if w_m > 0.0 else 1.0
                t_rg = -p_mech_r / w_safe
            # motor + inverter loss at the torque of whichever path the lane takes (engine._loss)
            loss = 0.0
            q = 0.0
            if do_loss:
                if do_trac and do_brake:
                    t = t_tr if trac else (t_rg if regen else 0.0)
                elif do_trac:
                    t = t_tr if trac else 0.0
                else:
                    t = t_rg if regen else 0.0
                aw = abs(w_m)
                pm = abs(w_m * t)
                loss_w = (pv[PV_LC0, ln] + pv[PV_LKC, ln] * t * t + pv[PV_LKI, ln] * aw
                          + pv[PV_LKW, ln] * aw * aw * aw)
                mi_f = pv[PV_MAP, ln]
                if has_map:
                    mi = max(int(mi_f), 0)
                    x = min(aw / pv[PV_MAP_DW, ln], xmax)
                    y = min(abs(t) / pv[PV_MAP_DT, ln], ymax)
                    i = min(max(int(x), 0), ns - 2)
                    j = min(max(int(y), 0), nt - 2)
                    fx = x - i
                    fy = y - j
                    e = (maps[mi, i, j] * (1 - fx) * (1 - fy) + maps[mi, i + 1, j] * fx * (1 - fy)
                         + maps[mi, i, j + 1] * (1 - fx) * fy + maps[mi, i + 1, j + 1] * fx * fy)
                    eta = max(e, 0.05)
                    # one division serves both paths: 1/η for traction, p_mech/η_gear for braking
                    q = (1.0 if t > 0.0 else p_mech_r) / (eta if t > 0.0 else eta_g)
                    loss_map = pm * (q - 1.0) if t > 0.0 else pm * (1.0 - eta)
                    loss_w = loss_w if mi_f < 0.0 else loss_map
                elif do_brake:
                    q = p_mech_r / eta_g
                reta = pv[PV_REGEN_ETA, ln]
                loss_w = pm * (1.0 - reta) if ((t < 0.0) & (reta > 0.0)) else loss_w
                loss = 0.0 if t == 0.0 else loss_w
            p_drive = 0.0
            p_elec = 0.0
            friction = 0.0
            bad = s <= pv[PV_SOC_MIN, ln]
            if do_trac:  # traction: the limits of step 2 (a limited step goes to the scalar pass)
                p_elec_tr = p_mech_tr + loss
                p_term_tr = p_elec_tr + aux
                i_lim = pv[PV_I_DIS, ln]
                v_min = pv[PV_V_MIN, ln]
                if r_eff > 0.0:
                    i_lim = min(i_lim, (e_eff - v_min) * inv_r, 0.5 * e_eff * inv_r)
                i_lim = max(i_lim, 0.0)
                p_batt_max = (e_eff - r_eff * i_lim) * i_lim
                lim_tr = (t_tr > t_peak) | (p_mech_tr > pv[PV_P_PEAK, ln]) | (p_term_tr > p_batt_max)
                bad = bad | (trac & lim_tr)
                p_drive = p_w if trac else p_drive
                p_elec = p_elec_tr if trac else p_elec
            else:
                bad = bad | trac
            if do_brake:  # braking: the charge limit of step 3
                i_lo = -pv[PV_I_CH, ln]
                v_max = pv[PV_V_MAX, ln]
                if r_eff > 0.0:
                    i_lo = max(i_lo, (e_eff - v_max) * inv_r)
                i_lo = min(i_lo, 0.0)
                p_batt_min = (e_eff - r_eff * i_lo) * i_lo
                p_elec_r = -(p_mech_r - loss)
                p_term_r = p_elec_r + aux
                lim_rg = regen & (not (p_term_r >= p_batt_min * (1.0 + 1e-12)))
                ok_r = regen & (p_elec_r < 0.0)
                p_drive_r = -q if ok_r else 0.0
                p_elec_r = p_elec_r if ok_r else 0.0
                friction_r = p_drive_r - p_w
                bad = bad | (brake & lim_rg)
                p_drive = p_drive_r if brake else p_drive
                p_elec = p_elec_r if brake else p_elec
                friction = friction_r if brake else friction
            else:
                bad = bad | brake
            # pack current (engine._current), SOC and RC pairs
            p_term = p_elec + aux
            disc = e_eff * e_eff - 4.0 * r_eff * p_term
            cur = 2.0 * p_term / (e_eff + math.sqrt(max(disc, 0.0)))
            v_term = e_eff - r_eff * cur
            p_ta = v_term * cur
            soc_new = s - cur * cv[8, ln]
            c2 = cv[2, ln]
            c3 = cv[3, ln]
            v1_new = x1 * c2 + pv[PV_R1, ln] * cur * (1.0 - c2)
            v2_new = x2 * c3 + pv[PV_R2, ln] * cur * (1.0 - c3)
            bad = bad | (disc < 0.0) | (cur != cur)
            ok = not bad
            flag[ln] = 0 if ok else 1
            count += 0 if ok else 1
            # the step's accumulation (engine._run_core), for the lanes not flagged
            v[ln] = v_tgt if ok else vv
            soc[ln] = soc_new if ok else s
            v1[ln] = v1_new if ok else x1
            v2[ln] = v2_new if ok else x2
            a1[ln] = a1[ln] + u * dt if ok else a1[ln]
            a2[ln] = a2[ln] + ocv * cur * dt if ok else a2[ln]
            a3[ln] = a3[ln] + p_ta * dt if ok else a3[ln]
            a4[ln] = a4[ln] + p_w * dt if ok else a4[ln]
            a5[ln] = a5[ln] + f_inert * u * dt if ok else a5[ln]
            a6[ln] = a6[ln] + f_aero * u * dt if ok else a6[ln]
            a7[ln] = a7[ln] + f_roll * u * dt if ok else a7[ln]
            a8[ln] = a8[ln] + f_grade * u * dt if ok else a8[ln]
            a9[ln] = a9[ln] + (p_elec - p_drive) * dt if ok else a9[ln]
            a10[ln] = a10[ln] + friction * dt if ok else a10[ln]
            a11[ln] = a11[ln] + (ocv - v_term) * cur * dt if ok else a11[ln]
            a12[ln] = a12[ln] + aux * dt if ok else a12[ln]
            a13[ln] = a13[ln] - p_elec * dt if (ok & (p_elec < 0.0)) else a13[ln]
            a14[ln] = a14[ln] + p_w * dt if (ok & trac) else a14[ln]
            a18[ln] = min(a18[ln], v_term) if ok else a18[ln]
            a19[ln] = max(a19[ln], cur) if ok else a19[ln]
            a20[ln] = max(a20[ln], p_ta) if ok else a20[ln]
        return count, n_trac, n_brake

    return numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=False,
                      pipeline_class=_NoAliasCompiler)(lanes)


def _make_fixup():  # type: ignore[no-untyped-def]
    stamp = _ENGINE_STAMP

    def fixup(n, lo, k, params, ocv_tabs, maps, steps, sin_t, cos_t, speed_mps, crow, v, soc, v1, v2, flag, acc,
              out, stop):
        """The scalar pass: every flagged lane of the block starting at design ``lo`` through
        :func:`tyaga.engine._step` and the accumulation of :func:`tyaga.engine._run_core` (cycle mode).
        ``stop[ln] = 1`` where the step meets the voltage-limit end of a range run (as in ``_run_core``; an
        unlimited step, the only kind the vector pass takes, never does)."""
        _ = stamp
        v_tgt = speed_mps[k + 1]
        for ln in range(n):
            if flag[ln] == 0:
                continue
            d = lo + ln
            p = params[d]
            c = crow[ln]
            dt = c[0]
            v_old = v[ln]
            v_new, soc_new, v1_new, v2_new, _t = eng._step(p, c, ocv_tabs[d], maps, steps, v_old, v_tgt, sin_t,
                                                              cos_t, soc[ln], v1[ln], v2[ln], p[eng.TH_T0], 0.0, 0.0,
                                                              out)
            v[ln] = v_new
            soc[ln] = soc_new
            v1[ln] = v1_new
            v2[ln] = v2_new
            u = 0.5 * (v_old + v_new)  # acc[0] (time) is kept by the caller
            acc[1, ln] += u * dt
            acc[2, ln] += out[15] * dt
            acc[3, ln] += out[13] * dt
            acc[4, ln] += out[5] * dt
            acc[5, ln] += out[1] * u * dt
            acc[6, ln] += out[2] * u * dt
            acc[7, ln] += out[3] * u * dt
            acc[8, ln] += out[4] * u * dt
            acc[9, ln] += out[10] * dt
            acc[10, ln] += out[11] * dt
            acc[11, ln] += out[14] * dt
            acc[12, ln] += out[12] * dt
            if out[9] < 0.0:
                acc[13, ln] -= out[9] * dt
            if out[5] > 0.0:
                acc[14, ln] += out[5] * dt
            if v_new < v_tgt - TRACE_MISS_MPS:
                acc[15, ln] += dt
            lim = out[20]
            if lim == 1.0 or lim == 3.0:
                acc[16, ln] += dt
            if lim >= 2.0:
                acc[21, ln] += dt
            acc[18, ln] = min(acc[18, ln], out[17])
            acc[19, ln] = max(acc[19, ln], out[16])
            acc[20, ln] = max(acc[20, ln], out[13])
            if out[20] >= 1.0 and out[16] > 0.0 and v_new < v_tgt - TRACE_MISS_MPS and (
                    out[20] >= 2.0 or out[17] <= p[eng.V_MIN] * (1.0 + 1e-9)):
                stop[ln] = 1

    return numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=False)(fixup)


_fixup = _make_fixup()


def _make_load_block():  # type: ignore[no-untyped-def]
    stamp = _ENGINE_STAMP

    def load_block(params, ocv_tabs, steps, speed_mps, lo, n, pv, ocv_t, state, acc):
        """The lane constants, OCV tables (lane-major), start state and accumulators of designs lo … lo+n−1."""
        _ = stamp
        n_ocv = ocv_tabs.shape[1]
        for ln in range(n):
            p = params[lo + ln]
            pv[PV_MG, ln] = p[eng.MASS] * GRAVITY
            pv[PV_CRR_MG, ln] = p[eng.CRR] * p[eng.MASS] * GRAVITY
            pv[PV_CRR, ln] = p[eng.CRR]
            pv[PV_F0, ln] = p[eng.F0]
            pv[PV_F1, ln] = p[eng.F1]
            pv[PV_F2, ln] = p[eng.F2]
            pv[PV_ETA_G, ln] = p[eng.ETA_G]
            pv[PV_P_PEAK, ln] = p[eng.P_PEAK]
            pv[PV_T_PEAK, ln] = p[eng.T_PEAK]
            pv[PV_CAP, ln] = min(p[eng.P_PEAK], p[eng.P_REGEN])
            pv[PV_V_REGEN, ln] = p[eng.V_REGEN]
            pv[PV_AUX, ln] = p[eng.AUX] + 0.0 + 0.0  # engine._step: aux + profile (0) + BTMS (0)
            pv[PV_LC0, ln] = p[eng.LC0]
            pv[PV_LKC, ln] = p[eng.LKC]
            pv[PV_LKI, ln] = p[eng.LKI]
            pv[PV_LKW, ln] = p[eng.LKW]
            pv[PV_MAP, ln] = p[eng.MAP]
            pv[PV_REGEN_ETA, ln] = p[eng.REGEN_ETA]
            pv[PV_R1, ln] = p[eng.R1]
            pv[PV_R2, ln] = p[eng.R2]
            pv[PV_V_MIN, ln] = p[eng.V_MIN]
            pv[PV_V_MAX, ln] = p[eng.V_MAX]
            pv[PV_I_DIS, ln] = p[eng.I_DIS]
            pv[PV_I_CH, ln] = p[eng.I_CH]
            pv[PV_SOC_MIN, ln] = p[eng.SOC_MIN]
            mi = int(p[eng.MAP])
            pv[PV_MAP_DW, ln] = steps[mi, 0] if mi >= 0 else 1.0
            pv[PV_MAP_DT, ln] = steps[mi, 1] if mi >= 0 else 1.0
            for j in range(n_ocv):
                ocv_t[j, ln] = ocv_tabs[lo + ln, j]
            state[0, ln] = speed_mps[0]
            state[1, ln] = p[eng.SOC0]
            state[2, ln] = 0.0
            state[3, ln] = 0.0
            if p[eng.RESUME] > 0.0:  # as engine._run_core: a resumed run's start speed and RC voltages
                state[0, ln] = p[eng.RESUME_V]
                state[2, ln] = p[eng.RESUME_V1]
                state[3, ln] = p[eng.RESUME_V2]
            for j in range(NSUM):
                acc[j, ln] = 0.0
            acc[18, ln] = 1e300

    return numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=False)(load_block)


_load_block = _make_load_block()


def _make_drive(has_map: bool):  # type: ignore[no-untyped-def]
    """The loop over the blocks and steps of one slice, with the kernels of ``has_map``."""
    k_full = _make_lanes(has_map, UNKNOWN)
    k_trac = _make_lanes(has_map, TRAC)
    k_brake = _make_lanes(has_map, BRAKE)
    k_idle = _make_lanes(has_map, IDLE)
    fixup = _fixup
    load_block = _load_block
    stamp = _ENGINE_STAMP

    def drive(params, ocv_tabs, maps, steps, dts, sn, cs, speed_mps, block, result, final,
              pv, cv, crow, ocv_t, state, flag, acc, out, modes, smin, stop):
        """All designs of ``params`` in blocks of ``block`` lanes, the time loop outside the lane loop.

        ``modes`` (n_t − 1, all ``UNKNOWN`` at first): the kernel for each step. The general kernel runs a
        step the first time and its mode is learnt from the lanes' wheel power: all positive (or zero) →
        ``TRAC``, all negative (or zero) → ``BRAKE``, all zero → ``IDLE``, else ``MIXED``. A later block
        whose lanes do not fit the learnt mode gets those lanes through the scalar pass and the step becomes
        ``MIXED``: the modes change the speed, never the result.

        ``final`` (n_d, 5): each design's end speed [m/s], RC voltages [V], the lowest SOC after any step and
        1 if a step met the voltage-limit end of a range run, else 0 (what :func:`run_range_fast` needs to
        go on from the end of a pass)."""
        _ = stamp
        n_d = params.shape[0]
        n_t = speed_mps.shape[0]
        n_ocv = ocv_tabs.shape[1]
        v = state[0]
        soc = state[1]
        v1 = state[2]
        v2 = state[3]
        a = (acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7], acc[8], acc[9], acc[10], acc[11],
             acc[12], acc[13], acc[14], acc[18], acc[19], acc[20])
        for lo in range(0, n_d, block):
            n = min(block, n_d - lo)
            load_block(params, ocv_tabs, steps, speed_mps, lo, n, pv, ocv_t, state, acc)
            for ln in range(n):
                smin[ln] = 1e300
                stop[ln] = 0
            dt_last = -1.0
            time_acc = 0.0  # acc[0], the same for every lane: the steps' dt summed in order
            for k in range(n_t - 1):
                dt = dts[k]
                time_acc += dt
                if dt != dt_last:
                    for ln in range(n):
                        eng._constants(params[lo + ln], dt, crow[ln])
                        for j in range(eng.N_CONST):
                            cv[j, ln] = crow[ln, j]
                    dt_last = dt
                m = modes[k]
                if m == TRAC:
                    cnt, n_tr, n_br = k_trac(n, dt, sn[k], cs[k], speed_mps[k + 1], pv, cv, ocv_t, n_ocv, maps,
                                             v, soc, v1, v2, flag, *a)
                    if n_br > 0:
                        modes[k] = MIXED
                elif m == BRAKE:
                    cnt, n_tr, n_br = k_brake(n, dt, sn[k], cs[k], speed_mps[k + 1], pv, cv, ocv_t, n_ocv, maps,
                                              v, soc, v1, v2, flag, *a)
                    if n_tr > 0:
                        modes[k] = MIXED
                elif m == IDLE:
                    cnt, n_tr, n_br = k_idle(n, dt, sn[k], cs[k], speed_mps[k + 1], pv, cv, ocv_t, n_ocv, maps,
                                             v, soc, v1, v2, flag, *a)
                    if n_tr + n_br > 0:
                        modes[k] = MIXED
                else:
                    cnt, n_tr, n_br = k_full(n, dt, sn[k], cs[k], speed_mps[k + 1], pv, cv, ocv_t, n_ocv, maps,
                                             v, soc, v1, v2, flag, *a)
                    if m == UNKNOWN:
                        if n_tr == 0 and n_br == 0:
                            modes[k] = IDLE
                        elif n_br == 0:
                            modes[k] = TRAC
                        elif n_tr == 0:
                            modes[k] = BRAKE
                        else:
                            modes[k] = MIXED
                if cnt > 0:
                    fixup(n, lo, k, params, ocv_tabs, maps, steps, sn[k], cs[k], speed_mps, crow, v, soc, v1,
                           v2, flag, acc, out, stop)
                for ln in range(n):
                    smin[ln] = min(smin[ln], soc[ln])
            for ln in range(n):
                temp = params[lo + ln, eng.TH_T0]
                acc[0, ln] = time_acc
                acc[17, ln] = soc[ln]
                acc[22, ln] = temp
                acc[23, ln] = temp
                acc[24, ln] = temp
                for j in range(NSUM):
                    result[lo + ln, j] = acc[j, ln]
                final[lo + ln, 0] = v[ln]
                final[lo + ln, 1] = v1[ln]
                final[lo + ln, 2] = v2[ln]
                final[lo + ln, 3] = smin[ln]
                final[lo + ln, 4] = stop[ln]

    return numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=False)(drive)


_drive_map = _make_drive(True)
_drive_nomap = _make_drive(False)


def _make_run_slice(drive):  # type: ignore[no-untyped-def]
    stamp = _ENGINE_STAMP

    def run_slice(params, ocv_tabs, maps, steps, time_s, speed_mps, grade, block):
        """One slice of a batch: allocates the result and the block's scratch, then runs the drive loop.
        Returns the summary (n_d, NSUM) and the end state (n_d, 5) of ``drive``."""
        _ = stamp
        dts, sn, cs = eng._grade_trig(time_s, grade)
        n_d = params.shape[0]
        result = np.zeros((n_d, NSUM))
        final = np.zeros((n_d, 5))
        b = max(1, min(block, n_d))
        pv = np.zeros((N_PV, b))
        cv = np.zeros((eng.N_CONST, b))
        crow = np.zeros((b, eng.N_CONST))
        ocv_t = np.zeros((ocv_tabs.shape[1], b))
        state = np.zeros((4, b))
        flag = np.zeros(b, dtype=np.int64)
        acc = np.zeros((NSUM, b))
        out = np.zeros(NSER)
        modes = np.full(max(speed_mps.shape[0] - 1, 0), UNKNOWN, dtype=np.int64)
        smin = np.zeros(b)
        stop = np.zeros(b, dtype=np.int64)
        drive(params, ocv_tabs, maps, steps, dts, sn, cs, speed_mps, b, result, final, pv, cv, crow, ocv_t, state,
              flag, acc, out, modes, smin, stop)
        return result, final

    return numba.njit(cache=True, nogil=True, error_model="numpy")(run_slice)


#: The compiled slice runners, with and without the map look-up (each compiles on its first use).
_run_slice_map = _make_run_slice(_drive_map)
_run_slice_nomap = _make_run_slice(_drive_nomap)


def _run_slice(params: FloatArray, ocv_tabs: FloatArray, maps: FloatArray, steps: FloatArray, time_s: FloatArray,
               speed_mps: FloatArray, grade: FloatArray, block: int, has_map: bool) -> tuple[FloatArray, FloatArray]:
    run = _run_slice_map if has_map else _run_slice_nomap
    return run(params, ocv_tabs, maps, steps, time_s, speed_mps, grade, block)  # type: ignore[no-any-return]


def _run_supported(params: FloatArray, ocv_tabs: FloatArray, maps: FloatArray, steps: FloatArray,
                   time_s: FloatArray, speed_mps: FloatArray, grade: FloatArray, workers: int | None,
                   block: int) -> tuple[FloatArray, FloatArray]:
    """Designs the lane engine supports, over threads: the summary (n_d, NSUM) and the end state (n_d, 5)."""
    n_d = params.shape[0]
    if n_d == 0:
        return np.zeros((0, NSUM)), np.zeros((0, 5))
    has_map = bool(np.any(params[:, eng.MAP] >= 0.0))
    nw = eng.worker_count() if workers is None else max(1, int(workers))
    nw = min(nw, max(1, n_d // int(block)))
    if nw == 1:
        return _run_slice(params, ocv_tabs, maps, steps, time_s, speed_mps, grade, int(block), has_map)
    bounds = np.linspace(0, n_d, nw + 1).astype(int)
    parts: list[tuple[FloatArray, FloatArray]] = [(np.empty(0), np.empty(0))] * nw

    def work(i: int) -> None:
        lo, hi = bounds[i], bounds[i + 1]
        parts[i] = _run_slice(params[lo:hi], ocv_tabs[lo:hi], maps, steps, time_s, speed_mps, grade, int(block),
                              has_map)

    with ThreadPoolExecutor(max_workers=nw) as pool:
        list(pool.map(work, range(nw)))
    return np.concatenate([p[0] for p in parts], axis=0), np.concatenate([p[1] for p in parts], axis=0)


def supported(params: FloatArray, under_wire: FloatArray | None = None) -> npt.NDArray[np.bool_]:
    """Which designs (rows of ``params``) the lane engine runs: pack thermal model off, no auxiliary profile,
    and no overhead line on this cycle (no collector, or no step under the wire)."""
    p = np.asarray(params, dtype=float)
    ok = (p[:, eng.TH_ON] <= 0.0) & (p[:, eng.AUX_PROFILE] < 0.0)
    if under_wire is not None and np.any(np.asarray(under_wire) > 0.0):
        ok &= p[:, eng.LINE_V] <= 0.0
    return ok


def _check(params: FloatArray, ocv_tabs: FloatArray, maps: FloatArray, steps: FloatArray, time_s: FloatArray,
           speed_mps: FloatArray, grade: FloatArray) -> None:
    if params.ndim != 2 or params.shape[1] != len(eng.PARAMS):
        raise InputError("params", f"shape {params.shape}", f"(n_designs, {len(eng.PARAMS)}) (engine.PARAMS)")
    if ocv_tabs.ndim != 2 or ocv_tabs.shape[0] != params.shape[0] or ocv_tabs.shape[1] < 2:
        raise InputError("ocv_tabs", f"shape {ocv_tabs.shape}", f"({params.shape[0]}, ≥ 2): one OCV table a design")
    if maps.ndim != 3 or maps.shape[1] < 2 or maps.shape[2] < 2 or steps.shape != (maps.shape[0], 2):
        raise InputError("maps", f"shape {maps.shape}, steps {steps.shape}",
                         "(n_maps, ≥ 2, ≥ 2) with steps (n_maps, 2)")
    mi = params[:, eng.MAP]
    if params.shape[0] and (np.any(mi >= maps.shape[0]) or np.any(mi != np.floor(mi))):
        raise InputError("params[:, map_index]", float(mi.max()), f"−1 or an integer < {maps.shape[0]}")
    n_t = time_s.shape[0]
    if time_s.ndim != 1 or n_t < 2 or speed_mps.shape != (n_t,) or grade.shape != (n_t,):
        raise InputError("time_s, speed_mps, grade", f"shapes {time_s.shape}, {speed_mps.shape}, {grade.shape}",
                         "three 1-D arrays of the same length ≥ 2")
    for name, arr in (("time_s", time_s), ("speed_mps", speed_mps), ("grade", grade)):
        if not np.all(np.isfinite(arr)):
            raise InputError(name, "a non-finite value", "finite numbers")
    if not np.all(np.diff(time_s) > 0.0):
        raise InputError("time_s", "not increasing", "strictly increasing times [s]")


def _checked_arrays(params: npt.ArrayLike, ocv_tabs: npt.ArrayLike, maps: npt.ArrayLike, steps: npt.ArrayLike,
                    time_s: npt.ArrayLike, speed_mps: npt.ArrayLike, grade: npt.ArrayLike,
                    block: int) -> tuple[FloatArray, ...]:
    """The engine's inputs as C-contiguous float arrays, checked (:func:`_check`), and ``block`` checked."""
    arrays = tuple(np.ascontiguousarray(a, dtype=float)
                   for a in (params, ocv_tabs, maps, steps, time_s, speed_mps, grade))
    _check(*arrays)
    if not 1 <= int(block) <= 65536:
        raise InputError("block", block, "1 … 65536 designs")
    return arrays


def run_summary_fast(params: FloatArray, ocv_tabs: FloatArray, maps: FloatArray, steps: FloatArray,
                     time_s: FloatArray, speed_mps: FloatArray, grade: FloatArray,
                     aux_profiles: FloatArray | None = None, under_wire: FloatArray | None = None,
                     workers: int | None = None, block: int = BLOCK_DESIGNS) -> FloatArray:
    """Every design over one cycle, summary only: the matrix (n_d, len(engine.SUMMARY)) of
    ``engine.run_cycle(params, ocv_tabs, maps, steps, time_s, speed_mps, grade, False, …)``.

    Arguments as :func:`tyaga.engine.run_cycle` (``params`` one row per design in :data:`tyaga.engine.PARAMS`
    order, SI units; ``time_s`` [s], ``speed_mps`` [m/s], ``grade`` [-] one value a sample). The designs
    :func:`supported` rejects (pack thermal model, auxiliary profile, overhead line) are run by
    :func:`tyaga.engine.run_cycle` and their rows put in place. ``workers``: threads (default
    :func:`tyaga.engine.worker_count`); ``block``: lanes per block (:data:`BLOCK_DESIGNS`).
    """
    params, ocv_tabs, maps, steps, time_s, speed_mps, grade = _checked_arrays(
        params, ocv_tabs, maps, steps, time_s, speed_mps, grade, block)
    n_d = params.shape[0]
    ok = supported(params, under_wire)
    if not np.all(ok):
        out = np.zeros((n_d, NSUM))
        rest = ~ok
        dummy = np.zeros((1, 1, 1))
        out[rest] = eng.run_cycle(params[rest], ocv_tabs[rest], maps, steps, time_s, speed_mps, grade, False, dummy,
                                  aux_profiles, under_wire)
        if np.any(ok):
            out[ok] = run_summary_fast(params[ok], ocv_tabs[ok], maps, steps, time_s, speed_mps, grade,
                                       workers=workers, block=block)
        return out
    return _run_supported(params, ocv_tabs, maps, steps, time_s, speed_mps, grade, workers, int(block))[0]


#: Designs a pass of :func:`run_range_fast` needs to be run on the lane engine; fewer go on on the scalar engine
#: (a block of a few lanes is slower than the scalar loop over threads).
RANGE_MIN_LIVE = 256
#: A design whose SOC after a pass, less this many times the pass's SOC drop, is at or below ``soc_min`` goes on
#: on the scalar engine (its next pass would probably reach the end of the window).
RANGE_LOOKAHEAD = 1.2


def run_range_fast(params: FloatArray, ocv_tabs: FloatArray, maps: FloatArray, steps: FloatArray,
                   time_s: FloatArray, speed_mps: FloatArray, grade: FloatArray, max_distance_m: float,
                   aux_profiles: FloatArray | None = None, under_wire: FloatArray | None = None,
                   workers: int | None = None, block: int = BLOCK_DESIGNS) -> FloatArray:
    """Range runs, as ``engine.run_range(..., max_distance_m, with_summary=False)``: (n_d, 4) range_m,
    ended_by code (:data:`tyaga.engine.ENDED_BY`), cycles started, terminal energy [J].

    The cycle is driven pass by pass on the lane engine, each pass starting from the state the last one ended
    in (speed, SOC, RC voltages: the ``resume`` columns of :data:`tyaga.engine.PARAMS`). A pass is kept when
    the range run could not have ended in it: its SOC stayed above ``soc_min`` after every step, no step met
    the voltage-limit end, it covered some distance, and the distance so far stays below ``max_distance_m``.
    The pass in which that may have happened is driven again, from its start, by
    :func:`tyaga.engine.run_range` itself, which finds the end; so is a design from the pass before the one in
    which it probably empties its pack (:data:`RANGE_LOOKAHEAD`), and so are the last designs once fewer than
    :data:`RANGE_MIN_LIVE` are left. Which designs go on on which engine changes the speed, never a result.
    The steps are those of the scalar engine bit for bit; only the distance and energy are summed pass by pass
    instead of step by step (a difference of rounding, ≈ 1e-15 relative). Designs :func:`supported` rejects
    run on :func:`tyaga.engine.run_range` throughout. ``max_distance_m`` [m] > 0.
    """
    params, ocv_tabs, maps, steps, time_s, speed_mps, grade = _checked_arrays(
        params, ocv_tabs, maps, steps, time_s, speed_mps, grade, block)
    if not (max_distance_m > 0.0 and math.isfinite(max_distance_m)):
        raise InputError("max_distance_m", max_distance_m, "> 0 m, finite")
    n_d = params.shape[0]
    res = np.zeros((n_d, 4))
    ok = supported(params, under_wire)
    if np.any(params[ok, eng.RESUME] > 0.0):  # a resumed design's distance offset: leave it to the scalar engine
        ok &= params[:, eng.RESUME] <= 0.0
    if not np.all(ok):
        res[~ok] = eng.run_range(params[~ok], ocv_tabs[~ok], maps, steps, time_s, speed_mps, grade,
                                 max_distance_m, False, aux_profiles, under_wire)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return res
    p = params[idx].copy()
    tabs = ocv_tabs[idx]
    dist = np.zeros(idx.size)
    energy = np.zeros(idx.size)
    reps = np.zeros(idx.size)
    live = np.arange(idx.size)
    ends: list[npt.NDArray[np.int64]] = []
    d_col, e_col, s_col = eng.U["distance_m"], eng.U["terminal_energy_j"], eng.U["soc_end"]
    while live.size >= RANGE_MIN_LIVE:
        soc_start = p[live, eng.SOC0]
        summ, fin = _run_supported(p[live], tabs[live], maps, steps, time_s, speed_mps, grade, workers, int(block))
        safe = ((fin[:, 3] > p[live, eng.SOC_MIN]) & (fin[:, 4] == 0.0) & (summ[:, d_col] > 0.0)
                & (dist[live] + summ[:, d_col] < max_distance_m * (1.0 - 1e-9)))
        go = live[safe]
        dist[go] += summ[safe, d_col]
        energy[go] += summ[safe, e_col]
        reps[go] += 1.0
        p[go, eng.SOC0] = summ[safe, s_col]
        p[go, eng.RESUME] = 1.0
        p[go, eng.RESUME_V] = fin[safe, 0]
        p[go, eng.RESUME_V1] = fin[safe, 1]
        p[go, eng.RESUME_V2] = fin[safe, 2]
        ends.append(live[~safe])
        # a design that would empty its pack in the next pass leaves the lanes now: a lane that coasts empty
        # while the others drive puts a whole block on the general kernel for the rest of that pass
        soc_end = summ[safe, s_col]
        near = soc_end - RANGE_LOOKAHEAD * (soc_start[safe] - soc_end) <= p[go, eng.SOC_MIN]
        ends.append(go[near])
        live = go[~near]
    ends.append(live)  # too few left for the lanes to pay: the scalar engine goes on from where they are
    last = np.concatenate(ends)
    p[last, eng.RESUME_DIST] = dist[last]
    tail = eng.run_range(p[last], tabs[last], maps, steps, time_s, speed_mps, grade, max_distance_m, False)
    out = np.empty((idx.size, 4))
    out[last, 0] = tail[:, 0]
    out[last, 1] = tail[:, 1]
    out[last, 2] = reps[last] + tail[:, 2]
    out[last, 3] = energy[last] + tail[:, 3]
    res[idx] = out
    return res
