"""The batched time loop: every design on one drive cycle, compiled with Numba.

The engine takes numbers only — a parameter matrix with one row per design (see :data:`PARAMS`), the
designs' OCV tables and efficiency maps, and one cycle's time, speed and grade — and returns arrays. It does
no file I/O and no printing; :mod:`tyaga.chain` builds its inputs from specs and labels its outputs.

One step from ``t_k`` to ``t_{k+1}`` (all forces at the mean speed ``u = (v_k + v_{k+1})/2``):

1. wheel force to reach the trace: ``F = f_rot·m·(v_{k+1} − v_k)/Δt + F_roll(u) + F_aero(u) + F_grade``;
2. traction (``F·u > 0``): motor torque and power limits and the battery's power limit (voltage and current
   limits of the pack circuit) are checked; when one is exceeded the speed reached is the largest the
   limits allow (found by bisection), so the vehicle "does what it can";
3. braking (``F·u < 0``): the motor recovers what the regen limits allow (power, torque, minimum speed with
   a linear fade up to twice that speed, the pack's charge-current and voltage limits); friction brakes take
   the rest;
4. motor + inverter loss from the loss model or the user map at (ω, T) gives the electrical power; plus the
   auxiliary load this is the terminal power ``P``;
5. the pack current follows in closed form from ``P = (E − R·I)·I`` where ``E`` and ``R`` are the open-circuit
   voltage less the step-mean RC voltages and the effective step resistance (exact for a constant current
   over the step): ``I = 2P / (E + √(E² − 4RP))``;
6. SOC by coulomb counting; RC voltages by their exact step solution.
7. a step that starts at or below ``soc_min`` (the end of the usable window) is "empty": the BMS has
   disconnected the load, so there is no traction and no auxiliary power, only regenerative charging;
   the vehicle coasts, the shortfall shows as trace-miss time and the step counts as exhausted.
8. pack temperature (designs with ``thermal_on = 1``; the others keep the 25 °C circuit, bit for bit): at the
   step's start temperature ``T`` the pack resistances are ``f_R(T)·R`` (a per-design table of
   R(T)/R(25 °C) on :data:`RFACTOR_GRID_C`; the RC time constants are held), the discharge and charge current
   limits are multiplied by the BMS derating of :func:`tyaga.thermal.current_limit_factor` (1 inside the
   cell's window less a band, linear to 0 at its limits), and the BTMS heat and electrical draw are those of
   :func:`tyaga.thermal.btms_power` (the draw is part of the auxiliary load). After the step the heat
   ``(OCV − V)·I − I·(T + 273.15)·dU/dT + Q_btms`` is held over the step and ``C·dT/dt = Q − UA·(T − T_sink)``
   is stepped exactly (:func:`tyaga.thermal.thermal_step`). The OCV stays the 25 °C table.
9. under the wire (a step whose ``under_wire`` flag is set, for a design with a collector,
   ``line_voltage_v > 0``): the line supplies up to ``P_line,max = line_voltage_v · collector_max_current_a``.
   Traction may use the battery's power limit plus ``P_line,max``; of the demand ``P = P_elec + P_aux`` the
   line takes ``P_line = min(P_line,max, max(P + P_wire,charge, 0))`` — traction, auxiliaries and up to
   ``wire_charge_max_power_w`` of battery charging — clipped so the battery's charge does not exceed its
   charge limit; the battery's terminal power is ``P − P_line``. The line takes back no regenerated energy
   (a non-receptive line: regen goes to the battery within its limits, the rest to the friction brakes). A
   step under the wire is never "empty": the vehicle runs on the line, the battery no longer discharged
   below ``soc_min``. Energy: ``line + chemical = wheel + drivetrain + friction + aux + battery loss``.

Every energy is accounted per step so that ``OCV·I·Δt = wheel + drivetrain + friction + aux + battery loss``
holds to rounding error.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

GRAVITY = 9.80665

#: Columns of the parameter matrix, one row per design (SI units).
PARAMS = (
    "inertial_mass_kg", "test_mass_kg", "f0_n", "f1_n_per_mps", "f2_n_per_mps2", "crr",
    "wheel_radius_m", "gear_ratio", "gear_efficiency", "motor_peak_power_w", "motor_peak_torque_nm",
    "regen_max_power_w", "regen_min_speed_mps", "aux_power_w",
    "loss_constant_w", "loss_copper_w_per_nm2", "loss_iron_w_s", "loss_windage_w_s3", "map_index",
    "capacity_as", "r0_ohm", "r1_ohm", "c1_f", "r2_ohm", "c2_f",
    "voltage_min_v", "voltage_max_v", "max_discharge_current_a", "max_charge_current_a",
    "soc_min", "soc_max", "soc_initial", "regen_efficiency", "aux_profile",
    # pack thermal coupling (used when thermal_on = 1; see the module docstring, step 8)
    "thermal_on", "heat_capacity_j_per_k", "ua_w_per_k", "sink_temperature_c", "temperature_initial_c",
    "heater_on_below_c", "cooler_on_above_c", "heater_max_power_w", "heater_efficiency",
    "cooler_max_power_w", "cooler_cop", "control_band_k", "entropic_v_per_k",
    "discharge_temperature_min_c", "discharge_temperature_max_c", "charge_temperature_min_c",
    "charge_temperature_max_c", "derate_band_k",
)
#: Temperatures of the per-design resistance-factor table R(T)/R(25 °C) [°C] (linear between, held beyond).
RFACTOR_GRID_C = tuple(float(t) for t in range(-40, 65, 5))
PARAMS = PARAMS + tuple(f"r_factor_{i:02d}" for i in range(len(RFACTOR_GRID_C)))
#: Overhead line (a trolleybus under the wire, see step 9; ``line_voltage_v = 0``: no collector).
PARAMS = (*PARAMS, "line_voltage_v", "collector_max_current_a", "wire_charge_max_power_w")
#: Resuming a run (``resume = 1``): the speed and RC voltages the first step starts from, in place of the
#: cycle's first speed and relaxed RC branches (``soc_initial`` gives the SOC). Used by
#: :func:`tyaga.engine_fast.run_range_fast` to finish on this engine a range run it began; a range run counts its
#: distance on from ``resume_distance_m``.
PARAMS = (*PARAMS, "resume", "resume_speed_mps", "resume_rc1_v", "resume_rc2_v", "resume_distance_m")
P = {name: i for i, name in enumerate(PARAMS)}
(M_EFF, MASS, F0, F1, F2, CRR, WR, GR, ETA_G, P_PEAK, T_PEAK, P_REGEN, V_REGEN, AUX,
 LC0, LKC, LKI, LKW, MAP, Q_AS, R0, R1, C1, R2, C2, V_MIN, V_MAX, I_DIS, I_CH,
 SOC_MIN, SOC_MAX, SOC0, REGEN_ETA, AUX_PROFILE,
 TH_ON, TH_C, TH_UA, TH_SINK, TH_T0, TH_HEAT_BELOW, TH_COOL_ABOVE, TH_HEAT_MAX, TH_HEAT_ETA,
 TH_COOL_MAX, TH_COOL_COP, TH_BAND, TH_DUDT, TD_MIN, TD_MAX, TC_MIN, TC_MAX, T_BAND) = range(P["r_factor_00"])
RF0 = P["r_factor_00"]
N_RF = len(RFACTOR_GRID_C)
RF_T0 = RFACTOR_GRID_C[0]
RF_STEP = RFACTOR_GRID_C[1] - RFACTOR_GRID_C[0]
KELVIN = 273.15
LINE_V = P["line_voltage_v"]
I_COLL = P["collector_max_current_a"]
WIRE_CHG = P["wire_charge_max_power_w"]
RESUME = P["resume"]
RESUME_V = P["resume_speed_mps"]
RESUME_V1 = P["resume_rc1_v"]
RESUME_V2 = P["resume_rc2_v"]
RESUME_DIST = P["resume_distance_m"]

#: Time-series variables recorded per step (index k holds the step that ends at t_k; index 0 = start).
SERIES = (
    "speed_mps", "force_inertia_n", "force_aero_n", "force_rolling_n", "force_grade_n",
    "wheel_power_w", "motor_speed_rad_s", "motor_torque_nm", "motor_power_w", "motor_electrical_power_w",
    "drivetrain_loss_w", "friction_brake_power_w", "aux_power_w", "battery_power_w", "battery_loss_w",
    "chemical_power_w", "current_a", "voltage_v", "ocv_v", "soc", "limited",
    "pack_temperature_c", "btms_power_w", "pack_heat_w", "line_power_w",
)
S = {name: i for i, name in enumerate(SERIES)}

#: Columns of the per-design summary returned by :func:`run_cycle`.
SUMMARY = (
    "time_s", "distance_m", "chemical_energy_j", "terminal_energy_j", "wheel_energy_j", "inertia_energy_j",
    "aero_energy_j", "rolling_energy_j", "grade_energy_j", "drivetrain_loss_j", "friction_brake_j",
    "battery_loss_j", "aux_energy_j", "regen_energy_j", "traction_energy_j", "trace_miss_s", "limited_s",
    "soc_end", "voltage_min_v", "current_max_a", "battery_power_max_w", "exhausted_s",
    "pack_temperature_end_c", "pack_temperature_min_c", "pack_temperature_max_c", "btms_energy_j",
    "pack_heat_j", "line_energy_j", "wire_s",
)
U = {name: i for i, name in enumerate(SUMMARY)}

#: Range-run outcome codes.
ENDED_BY = {0: "soc_min", 1: "voltage_limit", 2: "max_distance", 3: "cannot_move"}

TRACE_MISS_MPS = 2.0 / 3.6


#: The time loop and its helpers allocate nothing: they only read and write arrays that their caller owns.
#: They are compiled without numba's reference counting (``_nrt=False``) and the helpers are inlined into
#: the loop. With reference counting every helper call took and released each array argument with atomic
#: instructions, which cost more than the physics: 3× slower per step, with identical results
#: (benchmarks/RESULTS.md). Such a function must not return an array or keep one.
_kernel = numba.njit(cache=True, error_model="numpy", _nrt=False, inline="always")


@_kernel
def _ocv(table: FloatArray, soc: float) -> float:
    n = table.shape[0]
    x = soc * (n - 1)
    if x <= 0.0:
        return table[0]
    if x >= n - 1:
        return table[n - 1]
    i = int(x)
    f = x - i
    return table[i] + f * (table[i + 1] - table[i])


@_kernel
def _map_eff(table: FloatArray, dw: float, dt: float, w: float, t: float) -> float:
    ns, nt = table.shape
    x = min(w / dw, ns - 1.000001)
    y = min(t / dt, nt - 1.000001)
    i = int(x)
    j = int(y)
    fx = x - i
    fy = y - j
    e = (table[i, j] * (1 - fx) * (1 - fy) + table[i + 1, j] * fx * (1 - fy)
         + table[i, j + 1] * (1 - fx) * fy + table[i + 1, j + 1] * fx * fy)
    return max(e, 0.05)


@_kernel
def _loss(p: FloatArray, maps: FloatArray, steps: FloatArray, w: float, t: float) -> float:
    """Motor + inverter loss [W] at speed w ≥ 0 [rad/s] and torque t (signed) [N·m]."""
    if t == 0.0:
        return 0.0
    if t < 0.0 and p[REGEN_ETA] > 0.0:  # a constant regenerating efficiency overrides the map
        return abs(w * t) * (1.0 - p[REGEN_ETA])
    mi = int(p[MAP])
    aw = abs(w)
    if mi < 0:
        return p[LC0] + p[LKC] * t * t + p[LKI] * aw + p[LKW] * aw * aw * aw
    eta = _map_eff(maps[mi], steps[mi, 0], steps[mi, 1], aw, abs(t))
    pm = abs(w * t)
    if t > 0.0:
        return pm * (1.0 / eta - 1.0)
    return pm * (1.0 - eta)


@_kernel
def _rolling(p: FloatArray, u: float, cos_t: float) -> float:
    if u <= 0.0:
        return 0.0
    if p[CRR] > 0.0:
        return p[CRR] * p[MASS] * GRAVITY * cos_t
    return p[F0] + p[F1] * u


@_kernel
def _solve_speed(p: FloatArray, v: float, u_hi: float, dt: float, cos_t: float, f_grade: float,
                 f_torque: float, p_wheel: float) -> float:
    """Largest mean speed u in [v/2, u_hi] with required force ≤ available force (bisection)."""
    lo = 0.5 * v
    hi = u_hi
    m2 = 2.0 * p[M_EFF] / dt
    # h(u) = required − available, increasing in u
    u = lo
    req = m2 * (u - v) + _rolling(p, u, cos_t) + p[F2] * u * u + f_grade
    avail = f_torque if u <= 0.0 else min(f_torque, p_wheel / u)
    if req - avail >= 0.0:
        return lo
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        req = m2 * (mid - v) + _rolling(p, mid, cos_t) + p[F2] * mid * mid + f_grade
        avail = f_torque if mid <= 0.0 else min(f_torque, p_wheel / mid)
        if req - avail > 0.0:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-12 * (1.0 + hi):
            break
    return lo


@_kernel
def _current(e: float, r: float, pw: float) -> float:
    """Closed-form current for terminal power pw with P = (E − R·I)·I; NaN when pw exceeds E²/4R."""
    disc = e * e - 4.0 * r * pw
    if disc < 0.0:
        return math.nan
    return 2.0 * pw / (e + math.sqrt(disc))


@_kernel
def _rfactor(p: FloatArray, temp: float) -> float:
    """R(T)/R(25 °C) of design ``p`` at pack temperature ``temp`` [°C] from its table (held beyond the ends)."""
    x = (temp - RF_T0) / RF_STEP
    if x <= 0.0:
        return p[RF0]
    if x >= N_RF - 1:
        return p[RF0 + N_RF - 1]
    i = int(x)
    f = x - i
    return p[RF0 + i] + f * (p[RF0 + i + 1] - p[RF0 + i])


@_kernel
def _derate(temp: float, lo: float, hi: float, band: float) -> float:
    """BMS current derating (as :func:`tyaga.thermal.current_limit_factor`): 1 inside ``lo + b … hi − b``,
    linear to 0 at ``lo`` and ``hi``, 0 beyond; ``b = min(band, (hi − lo)/2)``; a step when band = 0."""
    if band <= 0.0:
        return 1.0 if lo <= temp <= hi else 0.0
    b = min(band, 0.5 * (hi - lo))
    return min(max(min(temp - lo, hi - temp) / b, 0.0), 1.0)


@_kernel
def _ramp(x: float, band: float) -> float:
    if band > 0.0:
        return min(max(x / band, 0.0), 1.0)
    return 1.0 if x > 0.0 else 0.0


#: Per-design constants for one step length (see :func:`_constants`).
N_CONST = 16


@_kernel
def _constants(p, dt, c):
    """Fill ``c`` with the quantities of design ``p`` that depend only on the step length ``dt``."""
    c[0] = dt
    c[1] = 1.0 / dt
    e1 = math.exp(-dt / (p[R1] * p[C1])) if p[R1] > 0.0 else 0.0
    e2 = math.exp(-dt / (p[R2] * p[C2])) if p[R2] > 0.0 else 0.0
    a1 = p[R1] * p[C1] / dt * (1.0 - e1) if p[R1] > 0.0 else 0.0
    a2 = p[R2] * p[C2] / dt * (1.0 - e2) if p[R2] > 0.0 else 0.0
    r_eff = p[R0] + p[R1] * (1.0 - a1) + p[R2] * (1.0 - a2)
    c[2] = e1
    c[3] = e2
    c[4] = a1
    c[5] = a2
    c[6] = r_eff
    c[7] = 1.0 / r_eff if r_eff > 0.0 else 0.0
    c[8] = dt / p[Q_AS]
    c[9] = p[GR] / p[WR]
    c[10] = p[WR] / (p[GR] * p[ETA_G])
    c[11] = 1.0 / p[ETA_G]
    c[12] = p[T_PEAK] * p[GR] * p[ETA_G] / p[WR]
    c[13] = p[M_EFF] / dt
    # exact thermal step: ΔT = Δt·φ(a)/C · (Q − UA·(T − T_sink)), a = UA·Δt/C, φ(a) = (1 − e^−a)/a
    if p[TH_ON] > 0.0:
        a = p[TH_UA] * dt / p[TH_C]
        phi = -math.expm1(-a) / a if a > 1e-12 else 1.0 - 0.5 * a
        c[14] = dt * phi / p[TH_C]
    else:
        c[14] = 0.0
    c[15] = p[TH_UA]


@_kernel
def _step(p, c, ocv_tab, maps, steps, v, v_tgt, sin_t, cos_t, soc, v1, v2, temp, aux_extra, on_wire, out):
    """Advance one design by one step. Writes the step's quantities into ``out`` (length of SERIES)
    and returns the new (speed, soc, v_rc1, v_rc2, pack temperature). ``c`` holds the step constants of
    :func:`_constants`; ``aux_extra`` [W] is this step's value of the design's auxiliary profile; ``on_wire``
    > 0 puts the step under the overhead line (step 9)."""
    dt = c[0]
    f_grade = p[MASS] * GRAVITY * sin_t
    eta_g = p[ETA_G]

    # At the end of the SOC window the BMS disconnects the load: no traction and no auxiliaries, only
    # regenerative charging (the vehicle coasts to a stop and reports the shortfall as exhausted time).
    wire = on_wire > 0.0 and p[LINE_V] > 0.0
    p_line_max = p[LINE_V] * p[I_COLL] if wire else 0.0
    empty = soc <= p[SOC_MIN] and not wire

    # Pack temperature at the step's start: resistance factor, current derating, BTMS (step 8).
    thermal = p[TH_ON] > 0.0
    f_r = 1.0
    i_dis = p[I_DIS]
    i_ch = p[I_CH]
    q_btms = 0.0
    p_btms = 0.0
    if thermal:
        f_r = _rfactor(p, temp)
        i_dis *= _derate(temp, p[TD_MIN], p[TD_MAX], p[T_BAND])
        i_ch *= _derate(temp, p[TC_MIN], p[TC_MAX], p[T_BAND])
        if not empty:
            heat = p[TH_HEAT_MAX] * _ramp(p[TH_HEAT_BELOW] - temp, p[TH_BAND])
            cool = p[TH_COOL_MAX] * _ramp(temp - p[TH_COOL_ABOVE], p[TH_BAND])
            q_btms = heat - cool
            p_btms = heat / p[TH_HEAT_ETA] + cool / p[TH_COOL_COP]

    # Battery circuit over the step: E_eff − R_eff·I is the step-mean terminal voltage.
    ocv = _ocv(ocv_tab, soc)
    e_eff = ocv - c[4] * v1 - c[5] * v2
    r_eff = c[6] * f_r
    inv_r = c[7] / f_r
    if wire and soc <= p[SOC_MIN]:
        i_dis = 0.0  # the battery at the end of its window: the line alone drives

    aux = 0.0 if empty else p[AUX] + aux_extra + p_btms
    limited = 0.0
    u = 0.5 * (v + v_tgt)
    v_new = v_tgt
    f_inert = c[13] * (v_new - v)
    f_roll = _rolling(p, u, cos_t)
    f_aero = p[F2] * u * u
    f_w = f_inert + f_roll + f_aero + f_grade
    p_w = f_w * u
    w_m = u * c[9]
    p_drive = 0.0   # power entering the drivetrain at the wheel (negative when regenerating)
    t_m = 0.0
    p_elec = 0.0
    friction = 0.0
    if p_w > 0.0:
        t_m = f_w * c[10]
        p_mech = p_w * c[11]
        loss = _loss(p, maps, steps, w_m, t_m)
        p_term = p_mech + loss + aux
        # discharge power limit of the pack over this step
        i_lim = 0.0 if empty else i_dis
        if r_eff > 0.0:
            i_lim = min(i_lim, (e_eff - p[V_MIN]) * inv_r, 0.5 * e_eff * inv_r)
        i_lim = max(i_lim, 0.0)
        p_batt_max = (e_eff - r_eff * i_lim) * i_lim + p_line_max
        if t_m > p[T_PEAK] or p_mech > p[P_PEAK] or p_term > p_batt_max:
            limited = 1.0
            f_torque = c[12]
            loss_est = _loss(p, maps, steps, w_m, min(t_m, p[T_PEAK]))
            for _ in range(8):
                p_mech_lim = min(p[P_PEAK], p_batt_max - aux - loss_est)
                p_wheel_lim = max(p_mech_lim, 0.0) * eta_g
                u = _solve_speed(p, v, u, dt, cos_t, f_grade, f_torque, p_wheel_lim)
                v_new = 2.0 * u - v
                if v_new < 0.0:
                    v_new = 0.0
                    u = 0.5 * v
                f_inert = c[13] * (v_new - v)
                f_roll = _rolling(p, u, cos_t)
                f_aero = p[F2] * u * u
                f_w = f_inert + f_roll + f_aero + f_grade
                p_w = f_w * u
                w_m = u * c[9]
                if p_w > 0.0:
                    t_m = f_w * c[10]
                    p_mech = p_w * c[11]
                    loss = _loss(p, maps, steps, w_m, t_m)
                else:  # stopped short: the brakes hold the rest
                    t_m = 0.0
                    p_mech = 0.0
                    loss = 0.0
                    friction = -p_w
                p_term = p_mech + loss + aux
                if p_term <= p_batt_max * (1.0 + 1e-12) or p_mech <= 0.0:
                    break
                loss_est = loss
        if p_w > 0.0:
            p_drive = p_w
            p_elec = p_mech + loss
    elif p_w < 0.0:
        p_brake = -p_w
        vr = p[V_REGEN]
        phi = 1.0
        if vr > 0.0:
            phi = min(max((u - vr) / vr, 0.0), 1.0)
        p_r_w = phi * p_brake                      # wheel power offered to the motor
        p_mech = p_r_w * eta_g                     # at the motor shaft
        cap = min(p[P_PEAK], p[P_REGEN])
        if w_m > 0.0:
            cap = min(cap, p[T_PEAK] * w_m)
        else:
            cap = 0.0
        if p_mech > cap:
            p_mech = cap
        # charge power limit of the pack (most negative terminal power)
        i_lo = -i_ch
        if r_eff > 0.0:
            i_lo = max(i_lo, (e_eff - p[V_MAX]) * inv_r)
        i_lo = min(i_lo, 0.0)
        p_batt_min = (e_eff - r_eff * i_lo) * i_lo
        for _ in range(6):
            if p_mech <= 0.0:
                break
            t_m = -p_mech / w_m
            loss = _loss(p, maps, steps, w_m, t_m)
            p_elec = -(p_mech - loss)
            p_term = p_elec + aux
            if p_term >= p_batt_min * (1.0 + 1e-12):
                break
            limited = 1.0
            p_mech = max(p_mech - (p_batt_min - p_term) * 1.0001, 0.0)
        if p_mech > 0.0 and p_elec < 0.0:
            p_r_w = p_mech / eta_g
            p_drive = -p_r_w
        else:
            p_mech = 0.0
            t_m = 0.0
            p_elec = 0.0
            p_drive = 0.0
        friction = p_drive - p_w                   # ≥ 0: the braking the motor does not take

    p_term = p_elec + aux
    p_line = 0.0
    if wire:
        i_lo = -i_ch
        if r_eff > 0.0:
            i_lo = max(i_lo, (e_eff - p[V_MAX]) * inv_r)
        i_lo = min(i_lo, 0.0)
        p_chg_min = (e_eff - r_eff * i_lo) * i_lo
        p_line = min(p_line_max, max(p_term + p[WIRE_CHG], 0.0))
        p_line = min(p_line, max(p_term - p_chg_min, 0.0))
        p_term = p_term - p_line
    cur = _current(e_eff, r_eff, p_term)
    exhausted = 1.0 if empty else 0.0
    if math.isnan(cur):
        cur = 0.5 * e_eff * inv_r
        exhausted = 1.0
    v_term = e_eff - r_eff * cur
    p_term_actual = v_term * cur
    soc_new = soc - cur * c[8]
    v1_new = v1 * c[2] + p[R1] * f_r * cur * (1.0 - c[2])
    v2_new = v2 * c[3] + p[R2] * f_r * cur * (1.0 - c[3])
    q_pack = 0.0
    temp_new = temp
    if thermal:
        q_pack = (ocv - v_term) * cur - cur * (temp + KELVIN) * p[TH_DUDT] + q_btms
        temp_new = temp + c[14] * (q_pack - c[15] * (temp - p[TH_SINK]))

    out[0] = v_new
    out[1] = f_inert
    out[2] = f_aero
    out[3] = f_roll
    out[4] = f_grade
    out[5] = p_w
    out[6] = w_m
    out[7] = t_m
    out[8] = p_drive * c[11] if p_drive > 0.0 else p_drive * eta_g
    out[9] = p_elec
    out[10] = p_elec - p_drive
    out[11] = friction
    out[12] = aux
    out[13] = p_term_actual
    out[14] = (ocv - v_term) * cur
    out[15] = ocv * cur
    out[16] = cur
    out[17] = v_term
    out[18] = ocv
    out[19] = soc_new
    out[20] = limited + 2.0 * exhausted
    out[21] = temp_new
    out[22] = p_btms
    out[23] = q_pack
    out[24] = p_line
    return v_new, soc_new, v1_new, v2_new, temp_new


@numba.njit(cache=True, error_model="numpy")
def _grade_trig(time_s, grade):
    """Per-step Δt, sin θ and cos θ (θ = atan of the mean grade over the step)."""
    n = time_s.shape[0] - 1
    dts = np.empty(n)
    sn = np.empty(n)
    cs = np.empty(n)
    for k in range(n):
        dts[k] = time_s[k + 1] - time_s[k]
        th = math.atan(0.5 * (grade[k] + grade[k + 1]))
        sn[k] = math.sin(th)
        cs[k] = math.cos(th)
    return dts, sn, cs


def _run_core(params, ocv_tabs, maps, steps, aux_prof, wire, dts, sn, cs, speed_mps, record, series, range_mode,
              max_distance_m, result, out, cst, acc):
    """The one compiled loop behind :func:`run_cycle` and :func:`run_range`.

    Cycle mode: the cycle once; range mode: the cycle back to back until SOC reaches ``soc_min``, a voltage
    limit stops the vehicle following the trace, ``max_distance_m`` is reached, or the vehicle cannot move.
    Writes ``result`` (n_d, len(SUMMARY) + 4): the summary, then range_m, ended_by code, cycles started
    and the terminal energy [J] up to the end point (range mode only). ``dts``, ``sn``, ``cs`` are the
    steps' Δt, sin θ and cos θ (:func:`_grade_trig`); ``out``, ``cst`` and ``acc`` are scratch rows of
    len(SERIES), N_CONST and len(SUMMARY). ``aux_prof`` (n_profiles, n_t − 1): per-step auxiliary power added
    on the first pass of the cycle to the designs whose ``aux_profile`` column names the row (e.g. a cabin
    warming up from a cold soak; later passes run at the steady ``aux_power_w``). ``wire`` (n_t): 1 where the
    step from that sample runs under the overhead line (step 9), else 0.
    """
    n_d = params.shape[0]
    n_t = speed_mps.shape[0]
    ns = len(SERIES)
    nsum = len(SUMMARY)
    for d in range(n_d):
        p = params[d]
        tab = ocv_tabs[d]
        prof = int(p[AUX_PROFILE])
        out[:] = 0.0
        v = speed_mps[0]
        soc = p[SOC0]
        v1 = 0.0
        v2 = 0.0
        if p[RESUME] > 0.0:
            v = p[RESUME_V]
            v1 = p[RESUME_V1]
            v2 = p[RESUME_V2]
        temp = p[TH_T0]
        dt_last = -1.0
        acc[:] = 0.0
        acc[18] = 1e300
        acc[23] = temp
        acc[24] = temp
        if record:
            for j in range(ns):
                series[j, 0, d] = 0.0
            series[0, 0, d] = v
            series[19, 0, d] = soc
            series[18, 0, d] = _ocv(tab, soc)
            series[17, 0, d] = _ocv(tab, soc)
            series[21, 0, d] = temp
        dist = p[RESUME_DIST] if p[RESUME] > 0.0 else 0.0
        e_term = 0.0
        ended = -1
        reps = 0
        while ended < 0:
            dist_start = dist
            for k in range(n_t - 1):
                dt = dts[k]
                if dt != dt_last:
                    _constants(p, dt, cst)
                    dt_last = dt
                v_old = v
                soc_old = soc
                extra = aux_prof[prof, k] if prof >= 0 and reps == 0 else 0.0
                v, soc, v1, v2, temp = _step(p, cst, tab, maps, steps, v, speed_mps[k + 1], sn[k], cs[k],
                                             soc, v1, v2, temp, extra, wire[k], out)
                u = 0.5 * (v_old + v)
                acc[0] += dt
                acc[1] += u * dt
                acc[2] += out[15] * dt
                acc[3] += out[13] * dt
                acc[4] += out[5] * dt
                acc[5] += out[1] * u * dt
                acc[6] += out[2] * u * dt
                acc[7] += out[3] * u * dt
                acc[8] += out[4] * u * dt
                acc[9] += out[10] * dt
                acc[10] += out[11] * dt
                acc[11] += out[14] * dt
                acc[12] += out[12] * dt
                if out[9] < 0.0:
                    acc[13] -= out[9] * dt
                if out[5] > 0.0:
                    acc[14] += out[5] * dt
                if v < speed_mps[k + 1] - TRACE_MISS_MPS:
                    acc[15] += dt
                lim = out[20]
                if lim == 1.0 or lim == 3.0:
                    acc[16] += dt
                if lim >= 2.0:
                    acc[21] += dt
                acc[18] = min(acc[18], out[17])
                acc[19] = max(acc[19], out[16])
                acc[20] = max(acc[20], out[13])
                acc[23] = min(acc[23], temp)
                acc[24] = max(acc[24], temp)
                acc[25] += out[22] * dt
                acc[26] += out[23] * dt
                acc[27] += out[24] * dt
                if wire[k] > 0.0 and p[LINE_V] > 0.0:
                    acc[28] += dt
                if record:
                    for j in range(ns):
                        series[j, k + 1, d] = out[j]
                if range_mode:
                    ds = u * dt
                    if soc <= p[SOC_MIN]:
                        f = (soc_old - p[SOC_MIN]) / (soc_old - soc) if soc_old > soc else 0.0
                        dist += f * ds
                        e_term += f * out[13] * dt
                        ended = 0
                        break
                    dist += ds
                    e_term += out[13] * dt
                    if out[20] >= 1.0 and out[16] > 0.0 and v < speed_mps[k + 1] - TRACE_MISS_MPS and (
                            out[20] >= 2.0 or out[17] <= p[V_MIN] * (1.0 + 1e-9)):
                        ended = 1
                        break
                    if dist >= max_distance_m:
                        ended = 2
                        break
            reps += 1
            if not range_mode:
                ended = 0
            elif ended < 0 and dist - dist_start <= 0.0:
                ended = 3
        acc[17] = soc
        acc[22] = temp
        for j in range(nsum):
            result[d, j] = acc[j]
        result[d, nsum] = dist
        result[d, nsum + 1] = ended
        result[d, nsum + 2] = reps
        result[d, nsum + 3] = e_term


_core = numba.njit(cache=True, nogil=True, error_model="numpy", _nrt=False)(_run_core)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _run_serial(params, ocv_tabs, maps, steps, aux_prof, wire, time_s, speed_mps, grade, record, series,
                range_mode, max_distance_m):
    """The loop over one slice of a batch (allocates the result and scratch, then runs :func:`_run_core`).

    It releases the GIL, so that threads can run it on slices of a batch."""
    dts, sn, cs = _grade_trig(time_s, grade)
    result = np.zeros((params.shape[0], len(SUMMARY) + 4))
    out = np.zeros(len(SERIES))
    cst = np.zeros(N_CONST)
    acc = np.zeros(len(SUMMARY))
    _core(params, ocv_tabs, maps, steps, aux_prof, wire, dts, sn, cs, speed_mps, record, series, range_mode,
          max_distance_m, result, out, cst, acc)
    return result

#: Batches at least this large are split over threads (one slice of designs per thread).
PARALLEL_MIN_DESIGNS = 64


def worker_count() -> int:
    """Threads a large batch is split over: ``TYAGA_NUM_THREADS`` if set, else the CPUs this process may use."""
    env = os.environ.get("TYAGA_NUM_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _profiles(aux_profiles: FloatArray | None, params: FloatArray, n_t: int) -> FloatArray:
    """The auxiliary-profile matrix (a dummy row when none), checked against the designs' indices."""
    idx = params[:, AUX_PROFILE]
    if aux_profiles is None:
        if np.any(idx >= 0):
            raise ValueError("designs name an auxiliary profile but none was given")
        return np.zeros((1, max(n_t - 1, 1)))
    prof = np.ascontiguousarray(aux_profiles, dtype=float)
    if prof.ndim != 2 or prof.shape[1] != n_t - 1 or np.any(idx >= prof.shape[0]):
        raise ValueError(f"aux_profiles must be (n_profiles, {n_t - 1}) and cover every design's index")
    return prof


def _wire(under_wire: FloatArray | None, n_t: int) -> FloatArray:
    """The per-sample under-the-wire flags as 0/1 floats (zeros when none)."""
    if under_wire is None:
        return np.zeros(n_t)
    w = np.ascontiguousarray(under_wire, dtype=float)
    if w.shape != (n_t,) or not np.all((w == 0.0) | (w == 1.0)):
        raise ValueError(f"under_wire must be {n_t} flags of 0 or 1, one per sample")
    return w


def _run(params: FloatArray, ocv_tabs: FloatArray, maps: FloatArray, steps: FloatArray, time_s: FloatArray,
         speed_mps: FloatArray, grade: FloatArray, record: bool, series: FloatArray, range_mode: bool,
         max_distance_m: float, aux_profiles: FloatArray | None = None,
         under_wire: FloatArray | None = None) -> FloatArray:
    """Run the compiled loop; large summary-only batches go over several threads, one slice each.

    Every design is independent of the others, so the result does not depend on how the batch is split.
    """
    prof = _profiles(aux_profiles, params, time_s.shape[0])
    wire = _wire(under_wire, time_s.shape[0])
    n_d = params.shape[0]
    workers = min(worker_count(), max(1, n_d // (PARALLEL_MIN_DESIGNS // 2)))
    if record or workers == 1 or n_d < PARALLEL_MIN_DESIGNS:
        return _run_serial(params, ocv_tabs, maps, steps, prof, wire, time_s, speed_mps, grade, record, series,
                           range_mode, max_distance_m)
    bounds = np.linspace(0, n_d, workers + 1).astype(int)
    parts: list[FloatArray] = [np.empty(0)] * workers

    def work(i: int) -> None:
        lo, hi = bounds[i], bounds[i + 1]
        parts[i] = _run_serial(np.ascontiguousarray(params[lo:hi]), np.ascontiguousarray(ocv_tabs[lo:hi]), maps,
                               steps, prof, wire, time_s, speed_mps, grade, False, series, range_mode,
                               max_distance_m)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, range(workers)))
    return np.concatenate(parts, axis=0)


def run_cycle(params: FloatArray, ocv_tabs: FloatArray, maps: FloatArray, steps: FloatArray, time_s: FloatArray,
              speed_mps: FloatArray, grade: FloatArray, record: bool, series: FloatArray,
              aux_profiles: FloatArray | None = None, under_wire: FloatArray | None = None) -> FloatArray:
    """Simulate every design over one cycle. ``series`` is (n_series, n_t, n_d) when ``record`` else unused;
    ``aux_profiles`` (n_profiles, n_t − 1) per-step extra auxiliary power [W] for the designs whose
    ``aux_profile`` column names a row (−1: none); ``under_wire`` (n_t) 0/1 flags of the overhead line (step 9).

    Returns the summary matrix (n_d, len(SUMMARY)).
    """
    res = _run(params, ocv_tabs, maps, steps, time_s, speed_mps, grade, record, series, False, 0.0, aux_profiles,
               under_wire)
    return res[:, : len(SUMMARY)]


def run_range(params: FloatArray, ocv_tabs: FloatArray, maps: FloatArray, steps: FloatArray, time_s: FloatArray,
              speed_mps: FloatArray, grade: FloatArray, max_distance_m: float,
              with_summary: bool = False, aux_profiles: FloatArray | None = None,
              under_wire: FloatArray | None = None) -> FloatArray:
    """Repeat the cycle from each design's ``soc_initial`` until SOC reaches ``soc_min``, a voltage limit
    stops the vehicle following the trace, or ``max_distance_m``.

    Returns (n_d, 4): range_m, ended_by code (see ENDED_BY), cycles started, terminal energy [J]; with
    ``with_summary`` (n_d, len(SUMMARY) + 4): the summary of the whole range run (to the end of the step
    that ended it) before those four. ``aux_profiles``: as :func:`run_cycle`, on the first pass only;
    ``under_wire``: as :func:`run_cycle`, on every pass.
    """
    dummy = np.zeros((1, 1, 1))
    res = _run(params, ocv_tabs, maps, steps, time_s, speed_mps, grade, False, dummy, True, float(max_distance_m),
               aux_profiles, under_wire)
    return res if with_summary else res[:, len(SUMMARY):]


# ------------------------------------------------------------------------------------------------ charging

#: Per-design controls of :func:`run_charge` (SI units; one row per design).
CHARGE_CTRL = ("battery_power_w", "charger_current_a", "voltage_cv_v", "soc_target", "cutoff_current_a",
               "dt_s", "max_duration_s")
#: Columns of the per-design result of :func:`run_charge`.
CHARGE_SUMMARY = (
    "duration_s", "soc_end", "energy_battery_j", "energy_btms_j", "battery_loss_j", "peak_power_w",
    "cv_start_soc", "wait_s", "temperature_end_c", "temperature_max_c", "end_code",
)
#: End codes of :func:`run_charge`.
CHARGE_ENDED_BY = {0: "soc", 1: "cv_cutoff", 2: "max_duration"}
#: SOC points of the per-design charge-current taper table of :func:`run_charge` (0, 0.05, …, 1).
TAPER_POINTS = 21


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _charge_core(params, ocv_tabs, ctrl, taper, result):  # pragma: no cover - compiled
    """Constant power (or current) then constant voltage, every design of the batch: the two-step protocol
    of :func:`tyaga.charging.charge` at a fixed step, on the pack circuit and temperature of the drive.

    Each step of ``dt``: the current limit ``I_lim = min(I_charger, I_max · taper(SOC) · derate_charge(T))``;
    the charge current ``i > 0`` from ``P = (E + R·i)·i`` (or ``I_lim`` without a power limit), clipped to
    ``I_lim`` and to the CV voltage, ``E + R·i ≤ V_cv`` (then the step is CV); SOC, RC pairs and (with the
    thermal columns on) the pack temperature advance as in :func:`_step`, the BTMS drawing from the charger.
    Ends at the target SOC (located within the step by linear interpolation), when a CV current falls below
    the cut-off, or at ``max_duration_s``.
    """
    n_d = params.shape[0]
    cst = np.zeros(N_CONST)
    for d in range(n_d):
        p = params[d]
        tab = ocv_tabs[d]
        c = ctrl[d]
        p_batt, i_chg, v_cv, soc_t, i_cut, dt, t_max = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
        _constants(p, dt, cst)
        soc = p[SOC0]
        temp = p[TH_T0]
        thermal = p[TH_ON] > 0.0
        v1 = 0.0
        v2 = 0.0
        t = 0.0
        e_batt = 0.0
        e_btms = 0.0
        e_loss = 0.0
        peak = 0.0
        cv_soc = -1.0
        wait = 0.0
        t_hi = temp
        code = 2
        while t < t_max:
            f_r = 1.0
            der = 1.0
            p_btms = 0.0
            q_btms = 0.0
            if thermal:
                f_r = _rfactor(p, temp)
                der = _derate(temp, p[TC_MIN], p[TC_MAX], p[T_BAND])
                heat = p[TH_HEAT_MAX] * _ramp(p[TH_HEAT_BELOW] - temp, p[TH_BAND])
                cool = p[TH_COOL_MAX] * _ramp(temp - p[TH_COOL_ABOVE], p[TH_BAND])
                q_btms = heat - cool
                p_btms = heat / p[TH_HEAT_ETA] + cool / p[TH_COOL_COP]
            x = min(max(soc, 0.0), 1.0) * (TAPER_POINTS - 1)
            k = min(int(x), TAPER_POINTS - 2)
            tp = taper[d, k] + (x - k) * (taper[d, k + 1] - taper[d, k])
            i_lim = min(i_chg, p[I_CH] * tp * der)
            ocv = _ocv(tab, soc)
            e = ocv - cst[4] * v1 - cst[5] * v2
            r = cst[6] * f_r
            if p_batt > 0.0 and r > 0.0:
                i = (math.sqrt(e * e + 4.0 * r * p_batt) - e) / (2.0 * r)
            elif p_batt > 0.0:
                i = p_batt / e
            else:
                i = i_lim
            i = min(i, i_lim)
            cv = False
            if r > 0.0 and e + r * i > v_cv:
                i = max((v_cv - e) / r, 0.0)
                cv = True
                if cv_soc < 0.0:
                    cv_soc = soc
            if i <= 0.0:
                i = 0.0
                if not cv:
                    wait += dt
            v_term = e + r * i
            soc_new = soc + i * cst[8]
            frac = 1.0
            if soc_new >= soc_t:
                frac = (soc_t - soc) / (soc_new - soc) if soc_new > soc else 0.0
                code = 0
            h = frac * dt
            if h != dt:  # the last, partial step: its own RC factors
                e1 = math.exp(-h / (p[R1] * p[C1])) if p[R1] > 0.0 else 0.0
                e2 = math.exp(-h / (p[R2] * p[C2])) if p[R2] > 0.0 else 0.0
            else:
                e1 = cst[2]
                e2 = cst[3]
            loss = (v_term - ocv) * i
            e_batt += v_term * i * h
            e_loss += loss * h
            e_btms += p_btms * h
            peak = max(peak, v_term * i)
            # RC pairs: tyaga's sign convention (+ discharge), so the charge current enters as −i
            v1 = v1 * e1 - p[R1] * f_r * i * (1.0 - e1)
            v2 = v2 * e2 - p[R2] * f_r * i * (1.0 - e2)
            soc = soc_t if code == 0 else soc_new
            if thermal:
                a = p[TH_UA] * h / p[TH_C]
                phi = -math.expm1(-a) / a if a > 1e-12 else 1.0 - 0.5 * a
                temp = temp + h * phi / p[TH_C] * (loss + q_btms - p[TH_UA] * (temp - p[TH_SINK]))
                t_hi = max(t_hi, temp)
            t += h
            if code == 0:
                break
            if cv and i < i_cut:
                code = 1
                break
        r_out = result[d]
        r_out[0] = t
        r_out[1] = soc
        r_out[2] = e_batt
        r_out[3] = e_btms
        r_out[4] = e_loss
        r_out[5] = peak
        r_out[6] = cv_soc
        r_out[7] = wait
        r_out[8] = temp
        r_out[9] = t_hi
        r_out[10] = code


def run_charge(params: FloatArray, ocv_tabs: FloatArray, ctrl: FloatArray, taper: FloatArray) -> FloatArray:
    """Charge every design of a batch from its ``soc_initial`` (see :func:`_charge_core`): ``ctrl`` is
    (n_d, len(CHARGE_CTRL)), ``taper`` (n_d, TAPER_POINTS) the fraction of the charge limit at SOC 0, 0.05 … 1.
    Returns (n_d, len(CHARGE_SUMMARY)); ``battery_power_w`` ≤ 0 means no power limit (CC-CV)."""
    n_d = params.shape[0]
    if ctrl.shape != (n_d, len(CHARGE_CTRL)) or taper.shape != (n_d, TAPER_POINTS):
        raise ValueError("ctrl and taper must have one row per design")
    result = np.zeros((n_d, len(CHARGE_SUMMARY)))
    _charge_core(np.ascontiguousarray(params), np.ascontiguousarray(ocv_tabs), np.ascontiguousarray(ctrl),
                 np.ascontiguousarray(taper), result)
    return result
