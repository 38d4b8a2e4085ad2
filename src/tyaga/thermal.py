"""Lumped thermal model of a traction pack, with its battery thermal management (BTMS), as pure array functions.

State: one pack temperature ``temperature_c`` [°C] per design (a batch axis of shape ``(n,)``; scalars
broadcast). The pack is one lumped heat capacity exchanging heat with a sink (coolant loop or ambient air)
through a heat-transfer conductance ``UA``:

    C_th · dT/dt = Q_gen − UA · (T − T_sink) + Q_btms                                    (1)

* ``Q_gen`` [W] — heat generated in the cells (Bernardi, Pawlikowski & Newman, J. Electrochem. Soc. 132
  (1985) 5, eq. 1 in the form of Thomas & Newman, J. Power Sources 119–121 (2003) 844)::

      Q_gen = (OCV − V) · I  −  I · T_K · dU/dT

  with the current ``I`` positive on **discharge** (the project's convention), ``T_K`` the temperature in
  kelvin and ``dU/dT`` the pack's entropic coefficient [V/K] (series × the cell's, see
  :func:`pack_entropic_v_per_k`). The first term is the irreversible (ohmic + polarisation) heat, the same
  ``(OCV − V) · I`` that :mod:`tyaga.engine` books as battery loss; the second is the reversible (entropic)
  heat: with ``dU/dT < 0`` a discharge releases heat and a charge absorbs it.
* ``Q_btms`` [W] — heat added by the thermal management (positive: heating, negative: cooling), from
  :func:`btms_power`, which also returns the **electrical** power the heater and the chiller draw (the
  engine adds it to the auxiliary load).

Integration (:func:`thermal_step`): with ``Q = Q_gen + Q_btms`` held constant over a step Δt (zero-order
hold, as the engine holds the current), (1) is linear with constant coefficients and its exact solution is

    T(t0 + Δt) = T∞ + (T0 − T∞) · e^(−Δt/τ),   τ = C_th / UA,   T∞ = T_sink + Q / UA,

written as ``ΔT = Δt/C · φ(a) · (Q − UA·(T0 − T_sink))`` with ``a = Δt/τ`` and ``φ(a) = (1 − e^(−a))/a``
(φ(0) = 1), so that UA = 0 (adiabatic) is the same formula. The step is unconditionally stable (any Δt,
any UA) and conserves energy: over the step, ``Q·Δt = C·ΔT + E_rejected`` with the rejected heat from the
exact integral ``E_rejected = ∫ UA·(T − T_sink) dt = Δt·[Q·(1 − φ) + UA·(T0 − T_sink)·φ]``.

Coupling to the electrical model (for the engine): the cell's resistances follow the pack temperature
through :func:`tyaga.cell.ecm_parameters` (tables or Arrhenius; :func:`resistance_factor` is the Arrhenius
factor alone) and the current limits are derated near the cell's temperature limits by
:func:`current_limit_factor`. docs/thermal.md gives the defaults, their sources and the engine API.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from tyaga.battery import PackModel
from tyaga.cell import GAS_CONSTANT_J_PER_MOL_K, KELVIN_OFFSET_K, REFERENCE_TEMPERATURE_C, CellSpec
from tyaga.errors import InputError
from tyaga.vehicle import VehicleSpec

FloatArray = npt.NDArray[np.float64]
CoolingType = Literal["natural-air", "forced-air", "liquid-plate", "immersion"]


class TemperatureRangeWarning(UserWarning):
    """A temperature outside the range a model was validated for; the message names the range."""


#: Default pack-to-sink conductance per kWh of gross pack energy, by cooling type [W/(K·kWh)].
#: Derived as ``UA = h · A`` with heat-transfer coefficients within the ranges of Incropera & DeWitt,
#: *Fundamentals of Heat and Mass Transfer*, 6th ed. (2007), Table 1.1 (free convection of gases 2–25,
#: forced convection of gases 25–250, forced convection of liquids 100–20 000 W/(m²·K)), and the areas a kWh
#: of cells offers: about 0.3 m² of cell surface per kWh (a 21700 cell: 0.0053 m² for 18 Wh), 0.05 m² of
#: enclosure per kWh, 0.05 m² of cold-plate contact per kWh.
#:
#: * natural-air: enclosure to still air, h ≈ 10 on 0.05 m²/kWh → 0.5 (e.g. a passively cooled pack);
#: * forced-air: fan air over the cells, h ≈ 20 on half the cell area (0.15 m²/kWh) → 3;
#: * liquid-plate: cold plate with a thermal interface, effective h ≈ 250 W/(m²·K) (conduction through
#:   TIM and plate in series with the coolant film) on 0.05 m²/kWh → 12; a 75 kWh pack: 900 W/K;
#: * immersion: dielectric fluid over the whole cell surface, h ≈ 100 on 0.3 m²/kWh → 30.
#:
#: These are engineering assumptions, not measurements of a given pack: give ``ua_w_per_k`` when known.
UA_W_PER_K_PER_KWH: dict[str, float] = {
    "natural-air": 0.5, "forced-air": 3.0, "liquid-plate": 12.0, "immersion": 30.0,
}

#: Conductance from a pack to the ambient air while it drives, per kWh, by cooling type [W/(K·kWh)]. An
#: air-cooled pack exchanges heat with the air its fan blows (as :data:`UA_W_PER_K_PER_KWH`); a liquid-
#: conditioned pack's coolant loop is its BTMS — heating and cooling are the heater and chiller terms — and
#: with the loop idle (radiator bypassed) only its enclosure meets the air: the natural-air value, a time
#: constant C/UA of about 3 h for a car pack (0.5 W/(K·kWh) · 77 kWh = 39 W/K against ≈ 4·10⁵ J/K).
AMBIENT_UA_W_PER_K_PER_KWH: dict[str, float] = {
    "natural-air": 0.5, "forced-air": 3.0, "liquid-plate": 0.5, "immersion": 0.5,
}

#: Gravimetric energy of the cells of a pack given as a shortcut (no cell file), used to estimate the cell
#: mass [Wh/kg]: 200 Wh/kg lies within 150–180 (LFP) and 200–270 (NMC) of current automotive cells. An
#: assumption.
SHORTCUT_CELL_SPECIFIC_ENERGY_WH_PER_KG = 200.0

#: Mass of housing, cold plates, busbars and coolant per kg of cells, counted in the pack's heat capacity
#: [kg/kg] (cell-to-pack mass ratios of 0.6–0.8 leave 0.25–0.65 kg of the rest per kg of cells; we count 0.3
#: as thermally coupled). An assumption.
HOUSING_MASS_FRACTION = 0.3
#: Specific heat of the housing (aluminium, 900 J/(kg·K), Incropera & DeWitt Table A.1) [J/(kg·K)].
HOUSING_SPECIFIC_HEAT_J_PER_KG_K = 900.0

#: Default BTMS settings (assumptions typical of liquid-conditioned packs; see docs/thermal.md).
DEFAULT_HEATER_ON_BELOW_C = 10.0
DEFAULT_COOLER_ON_ABOVE_C = 35.0
DEFAULT_CONTROL_BAND_K = 5.0
DEFAULT_HEATER_EFFICIENCY = 0.95   # PTC / high-voltage coolant heater, electrical → heat
DEFAULT_COOLER_COP = 2.5           # chiller on the A/C loop, heat removed per electrical W
DEFAULT_HEATER_POWER_W_PER_KWH = 80.0   # e.g. 6 kW for a 75 kWh pack
DEFAULT_COOLER_POWER_W_PER_KWH = 80.0

#: Width of the BMS current-derating band inside a cell's temperature limits [K]: the rated current is
#: allowed from ``T_min + band`` to ``T_max − band`` and falls linearly to 0 at the limits
#: (:func:`current_limit_factor`). An assumption in the style of published BMS derating maps.
DEFAULT_DERATE_BAND_K = 10.0

#: Temperatures for which the lumped model and the bundled cell data are meant [°C]; outside: a warning.
VALIDATED_TEMPERATURE_RANGE_C = (-40.0, 80.0)


def _arr(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def warn_if_outside(temperature_c: npt.ArrayLike, low_c: float, high_c: float, what: str) -> bool:
    """Warn (:class:`TemperatureRangeWarning`) when any of ``temperature_c`` lies outside ``low_c … high_c``.

    Returns True when it warned. The message names the quantity, the extreme values and the range.
    """
    t = _arr(temperature_c)
    if t.size == 0:
        return False
    lo, hi = float(np.min(t)), float(np.max(t))
    if lo < low_c or hi > high_c:
        warnings.warn(f"{what} {lo:g} … {hi:g} °C lies outside the validated range {low_c:g} … {high_c:g} °C",
                      TemperatureRangeWarning, stacklevel=3)
        return True
    return False


def _check(field: str, value: npt.ArrayLike, ok: npt.ArrayLike, allowed: str) -> None:
    """Raise :class:`InputError` naming ``field``, the first bad value and ``allowed`` where ``ok`` is False."""
    v, good = np.broadcast_arrays(_arr(value), np.asarray(ok, dtype=bool))
    if not np.all(good):
        bad = v[~good].flat[0]
        raise InputError(field, float(bad), allowed)


# --------------------------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class PackThermalParams:
    """Thermal parameters of a batch of packs, one entry per design (arrays of shape ``(n,)``).

    Build with :func:`pack_thermal_params` (validates and broadcasts) or :func:`thermal_params_for_pack`.
    """

    heat_capacity_j_per_k: FloatArray    #: C_th, lumped heat capacity of the pack [J/K]
    ua_w_per_k: FloatArray               #: UA, conductance pack → sink (coolant or air) [W/K]
    heater_on_below_c: FloatArray        #: BTMS heater acts below this pack temperature [°C]
    cooler_on_above_c: FloatArray        #: BTMS chiller acts above this pack temperature [°C]
    heater_max_power_w: FloatArray       #: heater's maximum heat output [W] (thermal)
    heater_efficiency: FloatArray        #: heat per electrical W of the heater (0 … 1]
    cooler_max_power_w: FloatArray       #: chiller's maximum heat removal [W] (thermal)
    cooler_cop: FloatArray               #: heat removed per electrical W of the chiller (> 0)
    control_band_k: FloatArray           #: proportional band: full power this far past the threshold [K]

    def __len__(self) -> int:
        return int(self.heat_capacity_j_per_k.size)

    @property
    def time_constant_s(self) -> FloatArray:
        """τ = C_th / UA [s] (inf where UA = 0)."""
        with np.errstate(divide="ignore"):
            return np.where(self.ua_w_per_k > 0, self.heat_capacity_j_per_k / np.maximum(self.ua_w_per_k, 1e-300),
                            np.inf)


def broadcast_params(what: str, names: tuple[str, ...], values: list[npt.ArrayLike]) -> dict[str, FloatArray]:
    """Per-design parameter arrays: ``values`` broadcast to one common length, each finite, keyed by ``names``.

    Raises :class:`InputError` when the lengths do not broadcast or a value is not finite.
    """
    arrays = [np.atleast_1d(_arr(v)) for v in values]
    try:
        b = np.broadcast_arrays(*arrays)
    except ValueError as exc:
        raise InputError(what, [a.shape for a in arrays],
                         "scalars or arrays of one common length (one value per design)") from exc
    p = dict(zip(names, [np.array(x, dtype=float).reshape(-1) for x in b], strict=True))
    for k, v in p.items():
        _check(k, v, np.isfinite(v), "a finite number")
    return p


def pack_thermal_params(
    heat_capacity_j_per_k: npt.ArrayLike,
    ua_w_per_k: npt.ArrayLike,
    heater_on_below_c: npt.ArrayLike = DEFAULT_HEATER_ON_BELOW_C,
    cooler_on_above_c: npt.ArrayLike = DEFAULT_COOLER_ON_ABOVE_C,
    heater_max_power_w: npt.ArrayLike = 0.0,
    heater_efficiency: npt.ArrayLike = DEFAULT_HEATER_EFFICIENCY,
    cooler_max_power_w: npt.ArrayLike = 0.0,
    cooler_cop: npt.ArrayLike = DEFAULT_COOLER_COP,
    control_band_k: npt.ArrayLike = DEFAULT_CONTROL_BAND_K,
) -> PackThermalParams:
    """Validated, broadcast :class:`PackThermalParams` (every argument a scalar or an array over designs).

    Raises :class:`InputError` (field, value, allowed range) for physically impossible values: heat capacity
    ≤ 0, UA < 0, efficiency outside (0, 1], COP ≤ 0, negative powers or band, a heater threshold not below
    the cooler threshold.
    """
    names = ("heat_capacity_j_per_k", "ua_w_per_k", "heater_on_below_c", "cooler_on_above_c",
             "heater_max_power_w", "heater_efficiency", "cooler_max_power_w", "cooler_cop", "control_band_k")
    values = [_arr(v) for v in (heat_capacity_j_per_k, ua_w_per_k, heater_on_below_c, cooler_on_above_c,
                                heater_max_power_w, heater_efficiency, cooler_max_power_w, cooler_cop,
                                control_band_k)]
    p = broadcast_params("thermal parameters", names, values)
    _check("heat_capacity_j_per_k", p["heat_capacity_j_per_k"], p["heat_capacity_j_per_k"] > 0, "> 0 [J/K]")
    _check("ua_w_per_k", p["ua_w_per_k"], p["ua_w_per_k"] >= 0, "≥ 0 [W/K]")
    _check("heater_max_power_w", p["heater_max_power_w"], p["heater_max_power_w"] >= 0, "≥ 0 [W]")
    _check("cooler_max_power_w", p["cooler_max_power_w"], p["cooler_max_power_w"] >= 0, "≥ 0 [W]")
    _check("heater_efficiency", p["heater_efficiency"],
           (p["heater_efficiency"] > 0) & (p["heater_efficiency"] <= 1), "0 < efficiency ≤ 1")
    _check("cooler_cop", p["cooler_cop"], p["cooler_cop"] > 0, "COP > 0")
    _check("control_band_k", p["control_band_k"], p["control_band_k"] >= 0, "≥ 0 [K]")
    _check("heater_on_below_c", p["heater_on_below_c"], p["heater_on_below_c"] < p["cooler_on_above_c"],
           "below cooler_on_above_c")
    return PackThermalParams(**p)


def pack_heat_capacity_j_per_k(pack: PackModel, cell: CellSpec | None = None,
                               housing_mass_fraction: float = HOUSING_MASS_FRACTION) -> float:
    """Lumped heat capacity of a pack [J/K]: cells + thermally coupled housing.

    ``C = n_cells · m_cell · c_p,cell + f_housing · m_cells · c_p,Al``. With ``cell`` (the pack's cell), its
    ``heat_capacity_j_per_k`` (mass × specific heat; 1000 J/(kg·K) where the cell file gives none) is used;
    without, the cell mass is estimated as gross energy ÷ :data:`SHORTCUT_CELL_SPECIFIC_ENERGY_WH_PER_KG` and
    the specific heat as 1000 J/(kg·K).
    """
    if housing_mass_fraction < 0:
        raise InputError("housing_mass_fraction", housing_mass_fraction, "≥ 0")
    if cell is not None:
        n = pack.series * pack.parallel
        m_cells = n * cell.mass_kg
        c_cells = n * cell.heat_capacity_j_per_k
    else:
        from tyaga.cell import DEFAULT_SPECIFIC_HEAT_J_PER_KG_K

        m_cells = pack.energy_wh / SHORTCUT_CELL_SPECIFIC_ENERGY_WH_PER_KG
        c_cells = m_cells * DEFAULT_SPECIFIC_HEAT_J_PER_KG_K
    return float(c_cells + housing_mass_fraction * m_cells * HOUSING_SPECIFIC_HEAT_J_PER_KG_K)


def thermal_params_for_pack(
    pack: PackModel,
    cell: CellSpec | None = None,
    cooling: CoolingType = "liquid-plate",
    ua_w_per_k: float | None = None,
    heater_max_power_w: float | None = None,
    cooler_max_power_w: float | None = None,
    **btms: float,
) -> PackThermalParams:
    """Thermal parameters of one pack with documented defaults (one design; concatenate with
    :func:`stack_params` for a batch).

    ``ua_w_per_k`` defaults to :data:`UA_W_PER_K_PER_KWH` [cooling] × gross kWh. A natural- or forced-air pack
    gets no heater or chiller by default; a liquid or immersion pack gets
    :data:`DEFAULT_HEATER_POWER_W_PER_KWH` and :data:`DEFAULT_COOLER_POWER_W_PER_KWH` × gross kWh. Other
    keyword arguments go to :func:`pack_thermal_params` (thresholds, efficiency, COP, band).
    """
    if cooling not in UA_W_PER_K_PER_KWH:
        raise InputError("cooling", cooling, "one of " + ", ".join(UA_W_PER_K_PER_KWH))
    kwh = pack.energy_wh / 1000.0
    conditioned = cooling in ("liquid-plate", "immersion")
    ua = UA_W_PER_K_PER_KWH[cooling] * kwh if ua_w_per_k is None else ua_w_per_k
    heat = (DEFAULT_HEATER_POWER_W_PER_KWH * kwh if conditioned else 0.0) if heater_max_power_w is None \
        else heater_max_power_w
    cool = (DEFAULT_COOLER_POWER_W_PER_KWH * kwh if conditioned else 0.0) if cooler_max_power_w is None \
        else cooler_max_power_w
    return pack_thermal_params(pack_heat_capacity_j_per_k(pack, cell), ua, heater_max_power_w=heat,
                               cooler_max_power_w=cool, **btms)


def thermal_params_for_vehicle(spec: VehicleSpec, pack: PackModel | None = None,
                               cell: CellSpec | None = None) -> PackThermalParams:
    """Thermal parameters of a vehicle's pack as it stands in the ambient: :func:`thermal_params_for_pack`
    with the vehicle file's ``battery.cooling``, ``heater_power_kw`` and ``chiller_power_kw`` (defaults by
    cooling type where left out) and the conductance to the ambient :data:`AMBIENT_UA_W_PER_K_PER_KWH`
    (the loop of a liquid-conditioned pack is its BTMS; the air meets only its enclosure). The one set of
    parameters of a vehicle's pack, for a drive (``simulate(..., pack_thermal=True)``) and a charge
    (``charging.charge(..., thermal="auto")``). ``pack`` and ``cell`` default to the vehicle's own."""
    from tyaga.battery import cell_for_vehicle, pack_for_vehicle

    pk = pack_for_vehicle(spec) if pack is None else pack
    c = cell_for_vehicle(spec) if cell is None else cell
    b = spec.battery
    return thermal_params_for_pack(
        pk, c, cooling=b.cooling, ua_w_per_k=AMBIENT_UA_W_PER_K_PER_KWH[b.cooling] * pk.energy_wh / 1000.0,
        heater_max_power_w=None if b.heater_power_kw is None else b.heater_power_kw * 1000.0,
        cooler_max_power_w=None if b.chiller_power_kw is None else b.chiller_power_kw * 1000.0)


#: Heat-transfer coefficient from a bare cell to still air (natural convection and radiation) [W/(m²·K)]:
#: 10, within the 2–25 of free convection of gases (Incropera & DeWitt, Table 1.1). An assumption, for a single
#: cell on a bench or in a climate chamber without forced air.
CELL_NATURAL_CONVECTION_W_PER_M2_K = 10.0


def cell_surface_area_m2(cell: CellSpec) -> float:
    """Outer surface of a cell from its dimensions [m²]: cylinder ``π·d·h + π·d²/2``, box
    ``2·(l·t + l·h + t·h)``. Raises :class:`InputError` when the cell file gives no dimensions."""
    if cell.height_mm is None:
        raise InputError("height_mm", None, "the cell's dimensions (needed for its surface area)",
                         hint=f"cell {cell.name!r} has none; give ua_w_per_k instead")
    if cell.format == "cylindrical":
        assert cell.diameter_mm is not None
        d, h = cell.diameter_mm * 1e-3, cell.height_mm * 1e-3
        return math.pi * d * h + math.pi * d * d / 2.0
    assert cell.length_mm is not None and cell.thickness_mm is not None
    ln, t, h = cell.length_mm * 1e-3, cell.thickness_mm * 1e-3, cell.height_mm * 1e-3
    return 2.0 * (ln * t + ln * h + t * h)


def thermal_params_for_cell(cell: CellSpec, ua_w_per_k: float | None = None,
                            h_w_per_m2_k: float = CELL_NATURAL_CONVECTION_W_PER_M2_K,
                            **btms: float) -> PackThermalParams:
    """Thermal parameters of one cell: ``C = m·c_p`` (the cell's ``heat_capacity_j_per_k``) and
    ``UA = h·A_surface`` (or ``ua_w_per_k``); no heater or chiller unless given in ``btms``. The same
    step functions then give the cell temperature (e.g. as the input of :mod:`tyaga.packsim`, one cell per
    entry of the batch axis)."""
    if not math.isfinite(h_w_per_m2_k) or h_w_per_m2_k < 0:
        raise InputError("h_w_per_m2_k", h_w_per_m2_k, "a finite number ≥ 0 [W/(m²·K)]")
    ua = h_w_per_m2_k * cell_surface_area_m2(cell) if ua_w_per_k is None else ua_w_per_k
    return pack_thermal_params(cell.heat_capacity_j_per_k, ua, **btms)


def stack_params(params: list[PackThermalParams]) -> PackThermalParams:
    """One :class:`PackThermalParams` for a batch, from one per design (or per group of designs)."""
    if not params:
        raise InputError("params", [], "at least one PackThermalParams")
    fields = PackThermalParams.__dataclass_fields__
    return PackThermalParams(**{k: np.concatenate([getattr(p, k) for p in params]) for k in fields})


# --------------------------------------------------------------------------------------------- physics


def pack_entropic_v_per_k(cell: CellSpec, soc: npt.ArrayLike, series: int) -> FloatArray:
    """Entropic coefficient dU/dT of a pack of ``series`` cells in series [V/K] at ``soc`` (0 where the cell
    file gives none). Parallel strings do not change it."""
    s = _arr(soc)
    if cell.ocv.entropic_v_per_k is None:
        return np.zeros_like(s)
    return series * np.interp(s, cell.ocv.soc, cell.ocv.entropic_v_per_k)


def heat_generation_w(
    current_a: npt.ArrayLike,
    ocv_v: npt.ArrayLike,
    voltage_v: npt.ArrayLike,
    temperature_c: npt.ArrayLike,
    entropic_v_per_k: npt.ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Irreversible and reversible heat of a pack [W] (Bernardi et al. 1985), current positive on discharge.

    Returns ``(q_irreversible_w, q_reversible_w)``::

        q_irreversible = (OCV − V) · I          (the engine's battery loss)
        q_reversible   = −I · (T + 273.15) · dU/dT

    Their sum is ``Q_gen`` of eq. (1).
    """
    i = _arr(current_a)
    q_irr = (_arr(ocv_v) - _arr(voltage_v)) * i
    q_rev = -i * (_arr(temperature_c) + KELVIN_OFFSET_K) * _arr(entropic_v_per_k)
    return q_irr, q_rev


def btms_power(temperature_c: npt.ArrayLike, params: PackThermalParams,
               enabled: npt.ArrayLike = True) -> tuple[FloatArray, FloatArray]:
    """Heat the BTMS puts into the pack and the electrical power it draws, at pack temperature ``T`` [°C].

    Proportional control with a band ``b`` (``b = 0``: on/off at the threshold)::

        heat    = P_heat,max · clip((T_heat − T) / b, 0, 1)       (T < T_heat)
        cool    = P_cool,max · clip((T − T_cool) / b, 0, 1)       (T > T_cool)
        Q_btms  = heat − cool                                      [W, + into the pack]
        P_elec  = heat / η_heater + cool / COP                     [W, drawn from the battery or the grid]

    ``enabled`` (bool per design) switches the BTMS off (e.g. a parked vehicle). Returns
    ``(q_btms_w, electrical_power_w)``. Evaluate it at the start of a step and hold it over the step.
    """
    t = _arr(temperature_c)
    band = params.control_band_k

    def ramp(x: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(band > 0, x / np.where(band > 0, band, 1.0), np.where(x > 0, 1.0, 0.0))
        return np.clip(r, 0.0, 1.0)

    on = np.asarray(enabled, dtype=bool)
    heat = np.where(on, params.heater_max_power_w * ramp(params.heater_on_below_c - t), 0.0)
    cool = np.where(on, params.cooler_max_power_w * ramp(t - params.cooler_on_above_c), 0.0)
    return heat - cool, heat / params.heater_efficiency + cool / params.cooler_cop


class ThermalStep(NamedTuple):
    """Result of :func:`thermal_step` (arrays over designs)."""

    temperature_c: FloatArray        #: temperature at the end of the step [°C]
    mean_temperature_c: FloatArray   #: time-mean temperature over the step [°C]
    stored_j: FloatArray             #: C·ΔT, heat stored over the step [J]
    rejected_j: FloatArray           #: ∫UA·(T − T_sink) dt, heat to the sink over the step [J]


def _phi(a: FloatArray) -> FloatArray:
    """φ(a) = (1 − e^(−a)) / a, with φ(0) = 1 (accurate for small a through expm1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 1e-12, -np.expm1(-a) / np.where(a > 1e-12, a, 1.0), 1.0 - 0.5 * a)


def thermal_step(
    temperature_c: npt.ArrayLike,
    heat_w: npt.ArrayLike,
    sink_temperature_c: npt.ArrayLike,
    heat_capacity_j_per_k: npt.ArrayLike,
    ua_w_per_k: npt.ArrayLike,
    dt_s: npt.ArrayLike,
) -> ThermalStep:
    """Exact step of ``C·dT/dt = Q − UA·(T − T_sink)`` over ``dt_s`` with ``Q`` and ``T_sink`` constant.

    ``ΔT = Δt/C · φ(a) · (Q − UA·(T0 − T_sink))``, ``a = UA·Δt/C``, ``φ(a) = (1 − e^(−a))/a``; the rejected
    heat is the exact integral ``Δt·[Q·(1 − φ) + UA·(T0 − T_sink)·φ]`` and the time-mean temperature is
    ``T_sink + E_rejected/(UA·Δt)`` (the mid value of the closed form when UA = 0). Stable for any Δt ≥ 0;
    ``Q·Δt = stored + rejected`` holds to rounding. All arguments broadcast over designs.
    """
    t0 = _arr(temperature_c)
    q = _arr(heat_w)
    ts = _arr(sink_temperature_c)
    c = _arr(heat_capacity_j_per_k)
    ua = _arr(ua_w_per_k)
    dt = _arr(dt_s)
    a = ua * dt / c
    phi = _phi(a)
    drive = q - ua * (t0 - ts)
    stored = dt * phi * drive
    t1 = t0 + stored / c
    rejected = dt * (q * (1.0 - phi) + ua * (t0 - ts) * phi)
    # mean temperature: (T0 − T∞)·φ + T∞ with T∞ = T_sink + Q/UA; for UA → 0 it tends to T0 + Q·Δt/(2C)
    psi = _psi(a)
    mean = t0 + dt * drive * psi / c
    return ThermalStep(t1, mean, stored, rejected)


def _psi(a: FloatArray) -> FloatArray:
    """ψ(a) = (1 − φ(a)) / a = (a − 1 + e^(−a)) / a², ψ(0) = 1/2: the mean of ΔT(t)/ΔT_linear over a step."""
    with np.errstate(divide="ignore", invalid="ignore"):
        big = a > 1e-4
        safe = np.where(big, a, 1.0)
        return np.where(big, (safe + np.expm1(-safe)) / (safe * safe), 0.5 - a / 6.0 + a * a / 24.0)


class PackStep(NamedTuple):
    """Result of :func:`pack_thermal_step` (arrays over designs)."""

    temperature_c: FloatArray            #: pack temperature at the end of the step [°C]
    q_irreversible_w: FloatArray         #: (OCV − V)·I [W]
    q_reversible_w: FloatArray           #: −I·T·dU/dT [W]
    q_btms_w: FloatArray                 #: heat from the BTMS into the pack [W]
    btms_electrical_power_w: FloatArray  #: electrical draw of heater + chiller [W] (add to the aux load)
    stored_j: FloatArray                 #: heat stored over the step [J]
    rejected_j: FloatArray               #: heat to the coolant/air over the step [J]


def pack_thermal_step(
    temperature_c: npt.ArrayLike,
    current_a: npt.ArrayLike,
    ocv_v: npt.ArrayLike,
    voltage_v: npt.ArrayLike,
    sink_temperature_c: npt.ArrayLike,
    params: PackThermalParams,
    dt_s: npt.ArrayLike,
    entropic_v_per_k: npt.ArrayLike = 0.0,
    btms_enabled: npt.ArrayLike = True,
) -> PackStep:
    """One engine step of the pack's temperature (eq. 1): heat generation and BTMS at the step's start
    state, held over the step, then the exact step :func:`thermal_step`.

    Inputs per design: ``current_a`` (positive on discharge), ``ocv_v`` and ``voltage_v`` of the step (as the
    engine computes its battery loss), the sink temperature (coolant inlet or ambient air) [°C]. The energy
    of the step balances: ``(q_irreversible + q_reversible + q_btms)·Δt = stored + rejected``.
    """
    t0 = _arr(temperature_c)
    q_irr, q_rev = heat_generation_w(current_a, ocv_v, voltage_v, t0, entropic_v_per_k)
    q_btms, p_el = btms_power(t0, params, btms_enabled)
    st = thermal_step(t0, q_irr + q_rev + q_btms, sink_temperature_c, params.heat_capacity_j_per_k,
                      params.ua_w_per_k, dt_s)
    return PackStep(st.temperature_c, q_irr, q_rev, q_btms, p_el, st.stored_j, st.rejected_j)


def simulate_pack_temperature(
    time_s: npt.ArrayLike,
    current_a: npt.ArrayLike,
    ocv_v: npt.ArrayLike,
    voltage_v: npt.ArrayLike,
    params: PackThermalParams,
    sink_temperature_c: npt.ArrayLike,
    temperature_initial_c: npt.ArrayLike,
    entropic_v_per_k: npt.ArrayLike = 0.0,
    btms_enabled: npt.ArrayLike = True,
) -> dict[str, FloatArray]:
    """Pack temperature of a batch over a time series (offline, from the electrical results of a run).

    Arrays of shape ``(n_designs, n_times)`` (or ``(n_times,)``, broadcast over designs); the values at
    ``k`` are held over the step ``t_k → t_{k+1}`` (``sink_temperature_c`` and ``entropic_v_per_k`` may be
    constants). Returns ``temperature_c`` (n, n_times), the per-step heats and BTMS power (n, n_times − 1) and
    the totals ``generated_j``, ``btms_heat_j``, ``stored_j``, ``rejected_j``, ``btms_electrical_j`` (n,).
    """
    t = _arr(time_s)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
        raise InputError("time_s", t.tolist()[:5], "a 1-D, strictly increasing array of ≥ 2 times [s]")
    n = len(params)
    shape = (n, t.size)

    def grid(x: npt.ArrayLike, name: str) -> FloatArray:
        a = _arr(x)
        if a.ndim == 1 and a.size == n and n != t.size:
            a = a[:, None]
        try:
            return np.broadcast_to(a, shape)
        except ValueError as exc:
            raise InputError(name, a.shape, f"a number, ({t.size},), ({n}, 1) or ({n}, {t.size})") from exc

    i, u, v = grid(current_a, "current_a"), grid(ocv_v, "ocv_v"), grid(voltage_v, "voltage_v")
    ts, dudt = grid(sink_temperature_c, "sink_temperature_c"), grid(entropic_v_per_k, "entropic_v_per_k")
    temp = np.empty(shape)
    temp[:, 0] = np.broadcast_to(_arr(temperature_initial_c), (n,))
    warn_if_outside(temp[:, 0], *VALIDATED_TEMPERATURE_RANGE_C, "initial pack temperature")
    warn_if_outside(ts, *VALIDATED_TEMPERATURE_RANGE_C, "sink temperature")
    m = t.size - 1
    q_gen, q_btms, p_el = np.empty((n, m)), np.empty((n, m)), np.empty((n, m))
    stored, rejected = np.zeros(n), np.zeros(n)
    dt = np.diff(t)
    for k in range(m):
        s = pack_thermal_step(temp[:, k], i[:, k], u[:, k], v[:, k], ts[:, k], params, dt[k], dudt[:, k],
                              btms_enabled)
        temp[:, k + 1] = s.temperature_c
        q_gen[:, k] = s.q_irreversible_w + s.q_reversible_w
        q_btms[:, k], p_el[:, k] = s.q_btms_w, s.btms_electrical_power_w
        stored += s.stored_j
        rejected += s.rejected_j
    warn_if_outside(temp, *VALIDATED_TEMPERATURE_RANGE_C, "pack temperature")
    return {"time_s": t, "temperature_c": temp, "q_gen_w": q_gen, "q_btms_w": q_btms,
            "btms_electrical_power_w": p_el, "generated_j": q_gen @ dt, "btms_heat_j": q_btms @ dt,
            "stored_j": stored, "rejected_j": rejected, "btms_electrical_j": p_el @ dt}


# --------------------------------------------------------------------------------------------- coupling


def resistance_factor(temperature_c: npt.ArrayLike,
                      activation_energy_j_per_mol: npt.ArrayLike,
                      reference_c: float = REFERENCE_TEMPERATURE_C) -> FloatArray:
    """Arrhenius factor by which the pack resistances at ``reference_c`` change at ``temperature_c``:
    ``exp(Ea/R·(1/T − 1/T_ref))`` (> 1 when cold). For a cell with ``[ecm]`` tables over temperature use
    :func:`tyaga.cell.ecm_parameters` at the pack temperature instead."""
    ea = _arr(activation_energy_j_per_mol)
    _check("activation_energy_j_per_mol", ea, ea >= 0, "≥ 0 [J/mol]")
    inv_k = 1.0 / (_arr(temperature_c) + KELVIN_OFFSET_K) - 1.0 / (reference_c + KELVIN_OFFSET_K)
    return np.exp(ea / GAS_CONSTANT_J_PER_MOL_K * inv_k)


def resistance_factor_table(cell: CellSpec | None, temperature_c: npt.ArrayLike, soc: float = 0.5,
                            activation_energy_j_per_mol: float | None = None) -> FloatArray:
    """Factor on a pack's resistances at each of ``temperature_c`` [°C], relative to 25 °C.

    With a cell: its DC resistance ``R0 + R1 + R2`` at ``soc`` from :func:`tyaga.cell.ecm_parameters` (the
    cell's measured or fitted table over temperature, or its Arrhenius law) over the same at 25 °C. Without
    a cell (a pack-level shortcut): :func:`resistance_factor` with ``activation_energy_j_per_mol`` (default
    :data:`tyaga.cell.DEFAULT_ACTIVATION_ENERGY_J_PER_MOL`).
    """
    from tyaga.cell import DEFAULT_ACTIVATION_ENERGY_J_PER_MOL, ecm_parameters

    t = _arr(temperature_c)
    if cell is None:
        ea = DEFAULT_ACTIVATION_ENERGY_J_PER_MOL if activation_energy_j_per_mol is None \
            else activation_energy_j_per_mol
        return resistance_factor(t, ea)

    def dc(temp: FloatArray) -> FloatArray:
        p = ecm_parameters(cell, np.full(temp.shape, soc), temp)
        return np.asarray(p["r0_ohm"] + p["r1_ohm"] + p["r2_ohm"], dtype=float)

    ref = float(dc(np.array([REFERENCE_TEMPERATURE_C]))[0])
    return dc(t) / ref if ref > 0 else np.ones_like(t)


def current_limit_factor(temperature_c: npt.ArrayLike, temperature_min_c: npt.ArrayLike,
                         temperature_max_c: npt.ArrayLike, derate_band_k: float = DEFAULT_DERATE_BAND_K) -> FloatArray:
    """Fraction (0 … 1) of the rated current a BMS allows at ``temperature_c``: 1 between
    ``T_min + band`` and ``T_max − band``, falling linearly to 0 at the cell's limits ``T_min``/``T_max`` and
    0 beyond. Use the cell's discharge limits for the discharge current and its charge limits for the charge
    (regen) current. The linear derating band (10 K) is an assumption in the style of published BMS
    derating maps; with band = 0 the limit is a step."""
    if derate_band_k < 0 or not math.isfinite(derate_band_k):
        raise InputError("derate_band_k", derate_band_k, "a finite number ≥ 0 [K]")
    t, lo, hi = _arr(temperature_c), _arr(temperature_min_c), _arr(temperature_max_c)
    _check("temperature_min_c", lo, lo < hi, "below temperature_max_c")
    if derate_band_k == 0:
        return np.where((t >= lo) & (t <= hi), 1.0, 0.0)
    band = np.minimum(derate_band_k, 0.5 * (hi - lo))
    return np.clip(np.minimum(t - lo, hi - t) / band, 0.0, 1.0)
