"""Cabin climate: a lumped cabin heated or cooled to a setpoint, and the electrical power its HVAC draws.

State: cabin temperature ``cabin_temperature_c`` [°C] per design (batch axis ``(n,)``; scalars broadcast).
The cabin air and the interior it exchanges heat with quickly (seats, trim, dashboard) are one heat capacity
``C`` [J/K]; the balance is

    C · dT/dt = (UA + ṁ·c_p) · (T_amb − T) + Q_solar + Q_occupants + Q_hvac                         (1)

* ``UA`` [W/K] — conduction/convection through body and glazing to ambient;
* ``ṁ·c_p`` [W/K] — fresh air drawn in by the HVAC (``ṁ`` [kg/s], ``c_p`` = 1006 J/(kg·K)) plus, on a bus,
  the air exchanged through open doors: ``door_air_exchange_kg_per_stop`` per stop, spread over the step in
  which the stop lies (:func:`cabin_step` takes the number of stops per step);
* ``Q_solar = G · A_glazing · τ_glazing`` [W] — irradiance ``G`` [W/m²] through the glazing;
* ``Q_occupants = n · 100 W`` — sensible heat of a seated person (ASHRAE Handbook — Fundamentals 2017,
  ch. 18, Table 1: about 70 W sensible, 100–120 W total for seated, light work; we take 100 W because the
  latent part condenses on cold glass in winter; 70 W would be the stricter sensible-only value);
* ``Q_hvac`` [W] — heat from the HVAC (+ heating, − cooling), from the controller.

HVAC electrical power (:func:`hvac_electrical_power_w`):

* heating with a **heat pump**: ``P = Q/COP_hp(T_amb)`` up to its heat capacity, the rest (and all of it
  below ``heat_pump_min_ambient_c``) by the resistive PTC heater, ``P = Q/η_PTC``;
* heating with a resistive (PTC) heater only: ``P = Q/η_PTC``;
* cooling: ``P = |Q|/COP_ac(T_amb)``;
* plus the blower, ``blower_power_w``, while the HVAC heats or cools.

COP curves: a fixed fraction of the Carnot COP between the refrigerant's evaporating and condensing
temperatures, the usual first-order model of vapour-compression COP (e.g. Çengel & Boles, *Thermodynamics*,
ch. 11; Lee et al., Int. J. Refrigeration 36 (2013) 1061 for a vehicle heat pump)::

    COP_hp(T_amb) = η_hp · T_cond / (T_cond − T_evap),  T_cond = 50 °C, T_evap = T_amb − 8 K,  η_hp = 0.45
    COP_ac(T_amb) = η_ac · T_evap / (T_cond − T_evap),  T_evap = 5 °C, T_cond = T_amb + 15 K,  η_ac = 0.35

(temperatures in kelvin), both limited to 1 … 5. They give COP_hp ≈ 2.9 at +7 °C, 2.5 at 0 °C, 2.2 at −7 °C,
1.9 at −20 °C, and COP_ac ≈ 2.2 at 35 °C: within the 2–3 (heating, 0 to −10 °C) and 1.5–3 (cooling) of the
published vehicle heat-pump and A/C tests; docs/climate.md lists the figures and which are assumptions.

Control: ``Q_hvac = clip(Q_ss(T_amb) + K·(T_set − T), −P_cool,max, P_heat,max)`` — the steady-state load as
feed-forward plus a proportional term with gain ``K`` [W/K], capped at the maximum powers (``K`` large: a
thermostat that gives full power until the setpoint). Within the caps the closed loop is a linear ODE with
conductance ``UA + ṁc_p + K``, stepped exactly (:func:`tyaga.thermal.thermal_step`), so the step is stable
at any Δt; at a cap the HVAC heat is constant over the step. The mode is chosen at the step's start.

Preconditioning: while ``plugged_in`` the HVAC power is drawn from the grid, not the battery
(:func:`simulate_cabin` returns both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tyaga.errors import InputError
from tyaga.thermal import KELVIN_OFFSET_K, _arr, _check, broadcast_params, thermal_step, warn_if_outside

FloatArray = npt.NDArray[np.float64]

#: Specific heat of air at constant pressure, 0–40 °C [J/(kg·K)] (Incropera & DeWitt, Table A.4).
AIR_SPECIFIC_HEAT_J_PER_KG_K = 1006.0
#: Sensible heat given off by one seated occupant [W] (ASHRAE Fundamentals 2017, ch. 18; see the module text).
OCCUPANT_HEAT_W = 100.0

#: Carnot-fraction COP model (module docstring). Assumptions chosen to fall within published vehicle values.
HEAT_PUMP_CONDENSING_C = 50.0
HEAT_PUMP_EVAPORATOR_APPROACH_K = 8.0
HEAT_PUMP_CARNOT_FRACTION = 0.45
AC_EVAPORATING_C = 5.0
AC_CONDENSER_APPROACH_K = 15.0
AC_CARNOT_FRACTION = 0.35
COP_LIMITS = (1.0, 5.0)
#: Ambient temperatures over which the COP curves are meant (vehicle heat-pump tests reach −20 °C;
#: A/C tests +45 °C) [°C]; outside: a warning.
VALIDATED_AMBIENT_RANGE_C = (-30.0, 45.0)

#: Cabin defaults by vehicle class (assumptions, documented in docs/climate.md with their derivation):
#: heat capacity of air + fast interior, UA body+glazing, fresh-air flow, glazing area, occupants, HVAC sizes.
CABIN_DEFAULTS: dict[str, dict[str, float]] = {
    "car": {
        "heat_capacity_j_per_k": 60e3, "ua_w_per_k": 60.0, "fresh_air_mass_flow_kg_per_s": 0.025,
        "glazing_area_m2": 3.0, "glazing_transmittance": 0.5, "occupants": 1.0,
        "heater_max_power_w": 6000.0, "cooler_max_power_w": 5000.0, "heat_pump_max_heat_w": 5000.0,
        "blower_power_w": 150.0, "control_gain_w_per_k": 1000.0, "door_air_exchange_kg_per_stop": 0.0,
    },
    "van": {
        "heat_capacity_j_per_k": 100e3, "ua_w_per_k": 90.0, "fresh_air_mass_flow_kg_per_s": 0.03,
        "glazing_area_m2": 3.5, "glazing_transmittance": 0.5, "occupants": 1.0,
        "heater_max_power_w": 7000.0, "cooler_max_power_w": 6000.0, "heat_pump_max_heat_w": 6000.0,
        "blower_power_w": 200.0, "control_gain_w_per_k": 1500.0, "door_air_exchange_kg_per_stop": 3.0,
    },
    "bus": {
        "heat_capacity_j_per_k": 600e3, "ua_w_per_k": 450.0, "fresh_air_mass_flow_kg_per_s": 0.25,
        "glazing_area_m2": 25.0, "glazing_transmittance": 0.5, "occupants": 30.0,
        "heater_max_power_w": 30000.0, "cooler_max_power_w": 30000.0, "heat_pump_max_heat_w": 20000.0,
        "blower_power_w": 1000.0, "control_gain_w_per_k": 10000.0, "door_air_exchange_kg_per_stop": 40.0,
    },
}
CABIN_DEFAULTS["trolleybus"] = dict(CABIN_DEFAULTS["bus"])


@dataclass(frozen=True)
class CabinParams:
    """Cabin and HVAC parameters of a batch of designs (arrays of shape ``(n,)``); build with
    :func:`cabin_params` (validated) or :func:`cabin_params_for_class` (class defaults)."""

    heat_capacity_j_per_k: FloatArray          #: C, cabin air + fast interior [J/K]
    ua_w_per_k: FloatArray                     #: UA, body + glazing to ambient [W/K]
    fresh_air_mass_flow_kg_per_s: FloatArray   #: fresh air drawn by the HVAC [kg/s]
    glazing_area_m2: FloatArray                #: glazing area that lets sun in [m²]
    glazing_transmittance: FloatArray          #: solar transmittance of the glazing (0 … 1)
    occupants: FloatArray                      #: people aboard
    setpoint_c: FloatArray                     #: cabin setpoint [°C]
    heater_max_power_w: FloatArray             #: total heat the HVAC can deliver [W] (thermal)
    cooler_max_power_w: FloatArray             #: heat the A/C can remove [W] (thermal)
    heat_pump: FloatArray                      #: 1.0: heat pump (+ PTC top-up); 0.0: PTC heater only
    heat_pump_max_heat_w: FloatArray           #: heat-pump heat capacity; above it the PTC adds [W]
    heat_pump_min_ambient_c: FloatArray        #: below this ambient the heat pump is off (PTC only) [°C]
    heater_efficiency: FloatArray              #: PTC heat per electrical W (0 … 1]
    heat_pump_carnot_fraction: FloatArray      #: η_hp of the heating COP curve (0 … 1]
    ac_carnot_fraction: FloatArray             #: η_ac of the cooling COP curve (0 … 1]
    blower_power_w: FloatArray                 #: blower power while heating or cooling [W]
    control_gain_w_per_k: FloatArray           #: K of the proportional term [W/K]
    door_air_exchange_kg_per_stop: FloatArray  #: air exchanged through open doors per stop [kg]

    def __len__(self) -> int:
        return int(self.heat_capacity_j_per_k.size)

    def conductance_w_per_k(self, stops_per_s: npt.ArrayLike = 0.0) -> FloatArray:
        """UA + ṁ·c_p (+ door exchange per second × c_p) [W/K]."""
        m = self.fresh_air_mass_flow_kg_per_s + self.door_air_exchange_kg_per_stop * _arr(stops_per_s)
        return self.ua_w_per_k + m * AIR_SPECIFIC_HEAT_J_PER_KG_K


_FIELDS = tuple(CabinParams.__dataclass_fields__)


def cabin_params(
    heat_capacity_j_per_k: npt.ArrayLike,
    ua_w_per_k: npt.ArrayLike,
    fresh_air_mass_flow_kg_per_s: npt.ArrayLike = 0.0,
    glazing_area_m2: npt.ArrayLike = 0.0,
    glazing_transmittance: npt.ArrayLike = 0.5,
    occupants: npt.ArrayLike = 1.0,
    setpoint_c: npt.ArrayLike = 22.0,
    heater_max_power_w: npt.ArrayLike = 6000.0,
    cooler_max_power_w: npt.ArrayLike = 5000.0,
    heat_pump: npt.ArrayLike = False,
    heat_pump_max_heat_w: npt.ArrayLike = 5000.0,
    heat_pump_min_ambient_c: npt.ArrayLike = -20.0,
    heater_efficiency: npt.ArrayLike = 0.95,
    heat_pump_carnot_fraction: npt.ArrayLike = HEAT_PUMP_CARNOT_FRACTION,
    ac_carnot_fraction: npt.ArrayLike = AC_CARNOT_FRACTION,
    blower_power_w: npt.ArrayLike = 150.0,
    control_gain_w_per_k: npt.ArrayLike = 1000.0,
    door_air_exchange_kg_per_stop: npt.ArrayLike = 0.0,
) -> CabinParams:
    """Validated, broadcast :class:`CabinParams` (each argument a scalar or one value per design).

    Raises :class:`InputError` naming the field, value and allowed range for impossible values (heat
    capacity ≤ 0, negative UA, flow, area, power or gain, transmittance or efficiency outside their range,
    a Carnot fraction — hence a COP — ≤ 0).
    """
    values = [heat_capacity_j_per_k, ua_w_per_k, fresh_air_mass_flow_kg_per_s, glazing_area_m2,
              glazing_transmittance, occupants, setpoint_c, heater_max_power_w, cooler_max_power_w,
              np.asarray(heat_pump, dtype=float), heat_pump_max_heat_w, heat_pump_min_ambient_c, heater_efficiency,
              heat_pump_carnot_fraction, ac_carnot_fraction, blower_power_w, control_gain_w_per_k,
              door_air_exchange_kg_per_stop]
    p = broadcast_params("cabin parameters", _FIELDS, values)
    _check("heat_capacity_j_per_k", p["heat_capacity_j_per_k"], p["heat_capacity_j_per_k"] > 0, "> 0 [J/K]")
    for k in ("ua_w_per_k", "fresh_air_mass_flow_kg_per_s", "glazing_area_m2", "occupants", "heater_max_power_w",
              "cooler_max_power_w", "heat_pump_max_heat_w", "blower_power_w", "control_gain_w_per_k",
              "door_air_exchange_kg_per_stop"):
        _check(k, p[k], p[k] >= 0, "≥ 0")
    _check("glazing_transmittance", p["glazing_transmittance"],
           (p["glazing_transmittance"] >= 0) & (p["glazing_transmittance"] <= 1), "0 ≤ transmittance ≤ 1")
    _check("heater_efficiency", p["heater_efficiency"], (p["heater_efficiency"] > 0) & (p["heater_efficiency"] <= 1),
           "0 < efficiency ≤ 1")
    for k in ("heat_pump_carnot_fraction", "ac_carnot_fraction"):
        _check(k, p[k], (p[k] > 0) & (p[k] <= 1), "0 < Carnot fraction ≤ 1 (a COP > 0)")
    _check("setpoint_c", p["setpoint_c"], (p["setpoint_c"] >= 5) & (p["setpoint_c"] <= 35), "5 … 35 [°C]")
    _check("heat_pump", p["heat_pump"], np.isin(p["heat_pump"], (0.0, 1.0)), "true or false")
    return CabinParams(**p)


def cabin_params_for_class(vehicle_class: str, heat_pump: bool = False, **overrides: npt.ArrayLike) -> CabinParams:
    """Cabin parameters from the class defaults (:data:`CABIN_DEFAULTS`), with ``overrides`` applied."""
    if vehicle_class not in CABIN_DEFAULTS:
        raise InputError("vehicle_class", vehicle_class, "one of " + ", ".join(CABIN_DEFAULTS))
    unknown = set(overrides) - set(_FIELDS)
    if unknown:
        raise InputError(sorted(unknown)[0], overrides[sorted(unknown)[0]], "a field of CabinParams: "
                         + ", ".join(_FIELDS))
    kw: dict[str, npt.ArrayLike] = {**CABIN_DEFAULTS[vehicle_class], "heat_pump": heat_pump}
    kw.update(overrides)
    return cabin_params(**kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- physics


def heat_pump_cop(ambient_c: npt.ArrayLike, carnot_fraction: npt.ArrayLike = HEAT_PUMP_CARNOT_FRACTION) -> FloatArray:
    """Heating COP of the heat pump at ambient ``ambient_c`` [°C] (module docstring); falls as it gets colder."""
    eta = _arr(carnot_fraction)
    _check("heat_pump_carnot_fraction", eta, (eta > 0) & (eta <= 1), "0 < Carnot fraction ≤ 1 (a COP > 0)")
    t_cond = HEAT_PUMP_CONDENSING_C + KELVIN_OFFSET_K
    t_evap = np.minimum(_arr(ambient_c) - HEAT_PUMP_EVAPORATOR_APPROACH_K + KELVIN_OFFSET_K, t_cond - 1.0)
    return np.clip(eta * t_cond / (t_cond - t_evap), *COP_LIMITS)


def ac_cop(ambient_c: npt.ArrayLike, carnot_fraction: npt.ArrayLike = AC_CARNOT_FRACTION) -> FloatArray:
    """Cooling COP of the A/C at ambient ``ambient_c`` [°C] (module docstring); falls as it gets hotter."""
    eta = _arr(carnot_fraction)
    _check("ac_carnot_fraction", eta, (eta > 0) & (eta <= 1), "0 < Carnot fraction ≤ 1 (a COP > 0)")
    t_evap = AC_EVAPORATING_C + KELVIN_OFFSET_K
    t_cond = np.maximum(_arr(ambient_c) + AC_CONDENSER_APPROACH_K + KELVIN_OFFSET_K, t_evap + 1.0)
    return np.clip(eta * t_evap / (t_cond - t_evap), *COP_LIMITS)


def free_heat_w(params: CabinParams, irradiance_w_per_m2: npt.ArrayLike = 0.0) -> FloatArray:
    """Solar + occupant heat into the cabin [W]: ``G·A·τ + n·100 W``."""
    g = _arr(irradiance_w_per_m2)
    _check("irradiance_w_per_m2", g, g >= 0, "≥ 0 [W/m²]")
    return g * params.glazing_area_m2 * params.glazing_transmittance + params.occupants * OCCUPANT_HEAT_W


def steady_hvac_heat_w(params: CabinParams, ambient_c: npt.ArrayLike, irradiance_w_per_m2: npt.ArrayLike = 0.0,
                       stops_per_s: npt.ArrayLike = 0.0) -> FloatArray:
    """HVAC heat that holds the cabin at its setpoint [W] (+ heating, − cooling), the balance of (1) at
    dT/dt = 0: ``Q = (UA + ṁc_p)·(T_set − T_amb) − Q_solar − Q_occ`` (not capped)."""
    g = params.conductance_w_per_k(stops_per_s)
    return g * (params.setpoint_c - _arr(ambient_c)) - free_heat_w(params, irradiance_w_per_m2)


def hvac_electrical_power_w(params: CabinParams, q_hvac_w: npt.ArrayLike, ambient_c: npt.ArrayLike) -> FloatArray:
    """Electrical power [W] the HVAC draws to deliver heat ``q_hvac_w`` (+ heating, − cooling) at ambient
    ``ambient_c``: heat pump up to its capacity above its minimum ambient, PTC for the rest, A/C for
    cooling, plus the blower while it heats or cools."""
    q = _arr(q_hvac_w)
    ta = _arr(ambient_c)
    heat = np.maximum(q, 0.0)
    cool = np.maximum(-q, 0.0)
    hp_on = (params.heat_pump > 0.5) & (ta >= params.heat_pump_min_ambient_c)
    q_hp = np.where(hp_on, np.minimum(heat, params.heat_pump_max_heat_w), 0.0)
    q_ptc = heat - q_hp
    p = (q_hp / heat_pump_cop(ta, params.heat_pump_carnot_fraction) + q_ptc / params.heater_efficiency
         + cool / ac_cop(ta, params.ac_carnot_fraction))
    return p + np.where(np.abs(q) > 0, params.blower_power_w, 0.0)


def steady_hvac_power_w(params: CabinParams, ambient_c: npt.ArrayLike, irradiance_w_per_m2: npt.ArrayLike = 0.0,
                        stops_per_s: npt.ArrayLike = 0.0) -> FloatArray:
    """Electrical HVAC power [W] that holds the setpoint at a constant ambient (heat capped at the HVAC's
    maximum). Add it to ``aux_power_w`` for a quick ambient-temperature run (``--ambient-c``)."""
    warn_if_outside(ambient_c, *VALIDATED_AMBIENT_RANGE_C, "ambient temperature")
    q = np.clip(steady_hvac_heat_w(params, ambient_c, irradiance_w_per_m2, stops_per_s),
                -params.cooler_max_power_w, params.heater_max_power_w)
    return hvac_electrical_power_w(params, q, ambient_c)


class CabinStep(NamedTuple):
    """Result of :func:`cabin_step` (arrays over designs)."""

    cabin_temperature_c: FloatArray   #: at the end of the step [°C]
    q_hvac_w: FloatArray              #: mean HVAC heat over the step [W] (+ heating, − cooling)
    hvac_power_w: FloatArray          #: mean electrical HVAC power over the step [W]


def cabin_step(
    cabin_temperature_c: npt.ArrayLike,
    ambient_c: npt.ArrayLike,
    params: CabinParams,
    dt_s: npt.ArrayLike,
    irradiance_w_per_m2: npt.ArrayLike = 0.0,
    stops: npt.ArrayLike = 0.0,
    hvac_on: npt.ArrayLike = True,
) -> CabinStep:
    """Exact step of eq. (1) over ``dt_s`` with ambient, sun and stops held constant.

    Controller ``Q = clip(Q_ss + K·(T_set − T), −P_cool, P_heat)``, evaluated at the step's start: when it is
    within its caps the closed loop has conductance ``G = UA + ṁc_p + K`` toward
    ``T_sink = ((UA + ṁc_p)·T_amb + K·T_set)/G`` and is stepped exactly; at a cap ``Q`` is constant until the
    temperature reaches the edge of the linear band (time ``t*`` from the closed form), after which the
    linear phase runs for the rest of the step — exact for the hybrid system, so a long step cannot
    overshoot the setpoint. ``stops`` is the number of door openings in the step (spread over it).
    ``hvac_on`` False: the cabin floats (no HVAC, no fresh-air fan; ``UA`` only).
    """
    t0 = _arr(cabin_temperature_c)
    ta = _arr(ambient_c)
    dt = _arr(dt_s)
    on = np.asarray(hvac_on, dtype=bool)
    stops_per_s = _arr(stops) / dt
    g_amb = np.where(on, params.conductance_w_per_k(stops_per_s),
                     params.ua_w_per_k + params.door_air_exchange_kg_per_stop * stops_per_s
                     * AIR_SPECIFIC_HEAT_J_PER_KG_K)
    q_free = free_heat_w(params, irradiance_w_per_m2)
    q_ff = g_amb * (params.setpoint_c - ta) - q_free
    k = params.control_gain_w_per_k
    q_start = q_ff + k * (params.setpoint_c - t0)
    lo, hi = -params.cooler_max_power_w, params.heater_max_power_w
    linear = on & (q_start > lo) & (q_start < hi)
    q_cap = np.where(on, np.clip(q_start, lo, hi), 0.0)
    c = params.heat_capacity_j_per_k
    # saturated (or off): constant Q over the step; it may reach the edge of the linear band at t* < Δt
    sat = thermal_step(t0, q_free + q_cap, ta, c, g_amb, dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_edge = params.setpoint_c + (q_ff - q_cap) / np.where(k > 0, k, np.inf)
        crossed = on & ~linear & (k > 0) & ((t_edge - t0) * (t_edge - sat.temperature_c) < 0)
        t_inf = ta + (q_free + q_cap) / g_amb
        t_star = np.where(g_amb > 0, c / g_amb * np.log(np.abs((t0 - t_inf) / (t_edge - t_inf))),
                          c * (t_edge - t0) / (q_free + q_cap))
    t_star = np.where(crossed & np.isfinite(t_star), np.clip(t_star, 0.0, dt), dt)
    # linear phase (the whole step when linear at its start; the rest after t* when the band is reached):
    # C dT/dt = G (T_sink − T) + (q_free + q_ff), G = g_amb + K, T_sink = (g_amb·T_amb + K·T_set)/G
    lin = linear | crossed
    start = np.where(linear, t0, np.where(crossed, t_edge, sat.temperature_c))
    dt_lin = np.where(linear, dt, np.where(crossed, dt - t_star, 0.0))
    g = g_amb + k
    with np.errstate(divide="ignore", invalid="ignore"):
        t_sink = np.where(g > 0, (g_amb * ta + k * params.setpoint_c) / np.where(g > 0, g, 1.0), ta)
    ls = thermal_step(start, q_free + q_ff, t_sink, c, g, dt_lin)
    q_lin = q_ff + k * (params.setpoint_c - ls.mean_temperature_c)
    t1 = np.where(lin, ls.temperature_c, sat.temperature_c)
    t_sat = np.where(linear, 0.0, t_star)
    q_mean = np.where(lin, (q_cap * t_sat + q_lin * dt_lin) / dt, q_cap)
    # the electrical power of the mean heat: the COP is constant over the step (it depends on the ambient
    # only); the heat-pump/PTC split and the blower are taken at the mean heat
    return CabinStep(t1, q_mean, np.where(on, hvac_electrical_power_w(params, q_mean, ta), 0.0))


def simulate_cabin(
    time_s: npt.ArrayLike,
    ambient_c: npt.ArrayLike,
    params: CabinParams,
    cabin_temperature_initial_c: npt.ArrayLike | None = None,
    irradiance_w_per_m2: npt.ArrayLike = 0.0,
    stops: npt.ArrayLike = 0.0,
    hvac_on: npt.ArrayLike = True,
    plugged_in: npt.ArrayLike = False,
) -> dict[str, FloatArray]:
    """Cabin temperature and HVAC power of a batch over time (transient: warm-up from a cold soak,
    preconditioning, a drive).

    ``ambient_c``, ``irradiance_w_per_m2``, ``stops`` (door openings in the step from ``t_k``; one value per
    step is accepted too),
    ``hvac_on`` and ``plugged_in`` are constants or series over time ``(n_times,)`` or ``(n, n_times)``;
    value ``k`` holds over the step ``t_k → t_{k+1}``. ``cabin_temperature_initial_c`` defaults to the first
    ambient value (a cold/hot soak). While ``plugged_in`` the HVAC power goes to ``grid_power_w``, otherwise
    to ``battery_power_w``.

    Returns ``cabin_temperature_c`` (n, n_times) and, per step (n, n_times − 1), ``hvac_power_w``,
    ``battery_power_w``, ``grid_power_w``, ``q_hvac_w``; totals ``battery_energy_j``, ``grid_energy_j`` (n,).
    """
    t = _arr(time_s)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
        raise InputError("time_s", t.tolist()[:5], "a 1-D, strictly increasing array of ≥ 2 times [s]")
    n = len(params)
    shape = (n, t.size)

    def grid(x: npt.ArrayLike, name: str, dtype: type = float) -> npt.NDArray:  # type: ignore[type-arg]
        a = np.asarray(x, dtype=dtype)
        if a.ndim == 1 and a.size == n and n != t.size:
            a = a[:, None]
        try:
            return np.broadcast_to(a, shape)
        except ValueError as exc:
            raise InputError(name, a.shape, f"a number, ({t.size},), ({n}, 1) or ({n}, {t.size})") from exc

    ta = grid(ambient_c, "ambient_c")
    warn_if_outside(ta, *VALIDATED_AMBIENT_RANGE_C, "ambient temperature")
    stops_a = np.asarray(stops, dtype=float)
    if stops_a.ndim >= 1 and stops_a.shape[-1] == t.size - 1:  # one count per step: pad the unused last value
        stops_a = np.concatenate([stops_a, np.zeros((*stops_a.shape[:-1], 1))], axis=-1)
    sun, st = grid(irradiance_w_per_m2, "irradiance_w_per_m2"), grid(stops_a, "stops")
    on, plug = grid(hvac_on, "hvac_on", bool), grid(plugged_in, "plugged_in", bool)
    temp = np.empty(shape)
    temp[:, 0] = ta[:, 0] if cabin_temperature_initial_c is None else np.broadcast_to(
        _arr(cabin_temperature_initial_c), (n,))
    m = t.size - 1
    p_hvac, q_hvac = np.empty((n, m)), np.empty((n, m))
    dt = np.diff(t)
    for k in range(m):
        s = cabin_step(temp[:, k], ta[:, k], params, dt[k], sun[:, k], st[:, k], on[:, k])
        temp[:, k + 1] = s.cabin_temperature_c
        p_hvac[:, k], q_hvac[:, k] = s.hvac_power_w, s.q_hvac_w
    plug_k = plug[:, :-1]
    p_batt = np.where(plug_k, 0.0, p_hvac)
    p_grid = np.where(plug_k, p_hvac, 0.0)
    return {"time_s": t, "cabin_temperature_c": temp, "hvac_power_w": p_hvac, "q_hvac_w": q_hvac,
            "battery_power_w": p_batt, "grid_power_w": p_grid,
            "battery_energy_j": p_batt @ dt, "grid_energy_j": p_grid @ dt}


def warmup_time_s(params: CabinParams, ambient_c: npt.ArrayLike, within_k: float = 1.0,
                  horizon_s: float = 7200.0, dt_s: float = 1.0) -> FloatArray:
    """Time [s] for the cabin to come from a soak at ``ambient_c`` to within ``within_k`` of its setpoint
    (heating or cooling at full HVAC); ``inf`` where it does not within ``horizon_s``."""
    if within_k <= 0:
        raise InputError("within_k", within_k, "> 0 [K]")
    t = np.arange(0.0, horizon_s + dt_s / 2, dt_s)
    res = simulate_cabin(t, ambient_c, params)
    close = np.abs(res["cabin_temperature_c"] - params.setpoint_c[:, None]) <= within_k
    first = np.argmax(close, axis=1)
    return np.where(close.any(axis=1), t[first], np.inf)


def precondition(params: CabinParams, ambient_c: npt.ArrayLike, duration_s: float,
                 dt_s: float = 1.0, cabin_temperature_initial_c: npt.ArrayLike | None = None,
                 ) -> dict[str, FloatArray]:
    """Preconditioning while plugged in for ``duration_s`` before departure: the HVAC runs from the grid.

    Returns ``cabin_temperature_c`` at departure (n,) and ``grid_energy_j`` (n,) drawn; the battery draws
    nothing. Start the drive's :func:`simulate_cabin` from that temperature.
    """
    if duration_s <= 0:
        raise InputError("duration_s", duration_s, "> 0 [s]")
    t = np.arange(0.0, duration_s + dt_s / 2, dt_s)
    res = simulate_cabin(t, ambient_c, params, cabin_temperature_initial_c, plugged_in=True)
    return {"cabin_temperature_c": res["cabin_temperature_c"][:, -1], "grid_energy_j": res["grid_energy_j"],
            "battery_energy_j": res["battery_energy_j"]}


def count_stops(speed_mps: npt.ArrayLike, stop_below_mps: float = 0.1) -> FloatArray:
    """Door openings per step of a speed trace (n_times,) → (n_times − 1,): 1 for the step in which the
    vehicle comes to a standstill (speed falls to ≤ ``stop_below_mps``), else 0. For buses: every stop opens
    the doors (an assumption; pass your own counts for a route with known stops)."""
    v = _arr(speed_mps)
    still = v <= stop_below_mps
    return (still[1:] & ~still[:-1]).astype(float)
