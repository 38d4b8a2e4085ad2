"""A battery-electric bus against the diesel and CNG buses it replaces: energy, energy cost, CO₂ and a simple
total cost of ownership (TCO), all on the same cycle or route.

The combustion bus is the electric bus's own body with the traction battery taken out and an engine, gearbox
and tank put in (:func:`combustion_body`). Its wheel power is tyaga's own: the electric bus's engine run
(:func:`tyaga.chain.simulate`, road load of :mod:`tyaga.vehicle`) on the combustion body, so both buses see the
same trace, the same road load and the same inertia model. Then, per time step (see docs/tco.md):

* engine power ``P_e = max(P_wheel, 0) / η_driveline + P_aux,mech`` — no regeneration; the friction brakes take
  all braking; the engine idles at stops and drives its mechanical auxiliaries all the time;
* fuel power by the Willans line ``P_fuel = P_0 + P_e / e`` (``P_0`` the fuel power the engine burns at zero
  output, ``e`` its marginal efficiency: Willans 1888, as used by Rizzoni, Guzzella & Baumann, "Unified
  modeling of hybrid electric vehicle drivetrains", IEEE/ASME Trans. Mechatronics 4 (3), 1999, and
  Guzzella & Sciarretta, *Vehicle Propulsion Systems*, 3rd ed., 2013, ch. 3);
* fuel mass ``m_fuel = ∫P_fuel dt / LHV``; CO₂ = fuel mass × EN 16258 factor (tank-to-wheel and well-to-wheel).

The electric bus: energy at the battery terminals from the same engine run, and at the grid from a depot
charge of its pack (:func:`tyaga.charging.charge`, the charger of :data:`tyaga.charging.CHARGERS`); CO₂ from a
given grid intensity [g/kWh].

TCO (:func:`tco`): the net present value of purchase, infrastructure share, battery replacements, energy and
maintenance over the service life, and the cost per km, from a prices file (:func:`load_prices`,
``examples/tco-prices.toml``). Money is in the prices file's currency (``Prices.currency``); every default price
is an assumption (docs/tco.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tyaga.cycle import DriveCycle
from tyaga.errors import InputError, suggest
from tyaga.vehicle import VehicleSpec

FloatArray = npt.NDArray[np.float64]

J_PER_KWH = 3.6e6
J_PER_MJ = 1e6


# ----------------------------------------------------------------------------------------------------
# Fuels and engines
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fuel:
    """A fuel: lower heating value, CO₂ factors and density.

    ``lhv_j_per_kg``: tank-to-wheel energy factor (the lower heating value) [J/kg]; ``wtw_energy_j_per_kg``:
    well-to-wheel energy factor [J/kg] (``None``: not known); ``co2_ttw_kg_per_kg`` / ``co2_wtw_kg_per_kg``:
    CO₂-equivalent per kg of fuel burnt, tank-to-wheel / well-to-wheel [kg/kg]; ``density_kg_per_l``: liquid
    density [kg/L] (liquids); ``density_kg_per_nm3``: density at 0 °C and 101.325 kPa [kg/Nm³] (gases).
    """

    name: str
    lhv_j_per_kg: float
    wtw_energy_j_per_kg: float | None
    co2_ttw_kg_per_kg: float
    co2_wtw_kg_per_kg: float
    density_kg_per_l: float | None = None
    density_kg_per_nm3: float | None = None
    source: str = ""


#: Fuels, with the EN 16258:2012 factors as the lead found them quoted (PTV developer documentation of
#: EN 16258). Diesel density 0.832 kg/L is the EN 16258 value (EN 590 allows 0.820–0.845 kg/L). The CNG factors
#: are "EN 16258 as commonly quoted, to be confirmed" (not seen this session), and its normal density
#: 0.78 kg/Nm³ is an assumption (an H-gas: 45.1 MJ/kg × 0.78 kg/Nm³ ≈ 35 MJ/Nm³; pure methane is 0.717 kg/Nm³).
FUELS: dict[str, Fuel] = {
    "diesel-b7": Fuel("diesel-b7", 42.7 * J_PER_MJ, 53.2 * J_PER_MJ, 2.97, 3.76, density_kg_per_l=0.832,
                      source="EN 16258:2012 (via PTV developer documentation), diesel B7"),
    "diesel-b5": Fuel("diesel-b5", 42.8 * J_PER_MJ, 52.7 * J_PER_MJ, 3.04, 3.80, density_kg_per_l=0.832,
                      source="EN 16258:2012 (via PTV developer documentation), diesel B5"),
    "cng": Fuel("cng", 45.1 * J_PER_MJ, None, 2.74, 3.07, density_kg_per_nm3=0.78,
                source="TTW CO₂e 2.74 kg/kg: GLEC Framework default values v3.2 (2025), CNG spark ignition "
                       "(via climatiq.io); LHV 45.1 MJ/kg and WTW 3.07 kg/kg: EN 16258 as commonly quoted, to be "
                       "confirmed; density 0.78 kg/Nm³ assumed"),
}
# The WTW energy factor of CNG was not found: it is None, and the CNG bus's WTW energy is reported as unknown.


@dataclass(frozen=True)
class CombustionEngine:
    """A combustion powertrain on the Willans line, with its driveline and mechanical auxiliaries.

    ``marginal_efficiency`` ``e``: engine output per extra fuel power [–]; ``idle_fuel_power_w`` ``P_0``: fuel
    power at zero engine output, held constant over the engine's speed range [W]; ``aux_power_w``: mechanical
    auxiliaries driven by the engine all the time (cooling fan, air compressor, alternator, power steering)
    [W]; ``driveline_efficiency``: gearbox (automatic with torque converter) and axle, wheel power / engine power
    [–]; ``powertrain_mass_kg``: engine, gearbox, exhaust after-treatment, tanks and fuel, put in where the
    traction battery was [kg]; ``rated_power_w``: the engine's rated power [W] (a run that asks for more is
    reported in ``overload_s``); ``cost_table``: which table of the prices file holds its costs.
    """

    name: str
    fuel: str
    marginal_efficiency: float
    idle_fuel_power_w: float
    aux_power_w: float
    driveline_efficiency: float
    powertrain_mass_kg: float
    rated_power_w: float
    cost_table: str
    description: str = ""


#: Default combustion powertrains of a 12 m city bus. **All values are assumptions** (docs/tco.md, "Combustion
#: bus model"), typical values not fitted to the cross-check data of tests/data/ice_bus_consumption.csv:
#: diesel — marginal efficiency 0.45 (≥ the ≈ 45 % peak brake efficiency of large truck and bus diesels, which
#: the Willans slope must exceed), P_0 = 11 kW (≈ 1.1 L/h of B7 at zero output; with the 6 kW auxiliaries the
#: bus idles at ≈ 2.5 L/h); CNG — a stoichiometric spark-ignition engine (Euro VI CNG buses, three-way
#: catalyst): marginal efficiency 0.38 and P_0 × 1.5 (throttling and lower compression); lean-burn CNG: 0.40 and
#: P_0 × 1.3. Driveline 0.85 (torque-converter automatic in stop-and-go), auxiliaries 6 kW, powertrain in place
#: of the battery 1000 kg (diesel) and 1700 kg (CNG: + 700 kg of roof tanks), rated 250 kW.
ENGINES: dict[str, CombustionEngine] = {
    "diesel": CombustionEngine("diesel", "diesel-b7", 0.45, 11e3, 6e3, 0.85, 1000.0, 250e3, "diesel",
                               "compression ignition, Euro VI, automatic gearbox"),
    "cng": CombustionEngine("cng", "cng", 0.38, 16.5e3, 6e3, 0.85, 1700.0, 250e3, "cng",
                            "spark ignition, stoichiometric with three-way catalyst"),
    "cng-lean": CombustionEngine("cng-lean", "cng", 0.40, 14.3e3, 6e3, 0.85, 1700.0, 250e3, "cng",
                                 "spark ignition, lean burn"),
}

#: Traction-pack mass from the cells' mass where the vehicle file gives none: cells / pack mass (assumption,
#: a module-based bus pack with housing, cooling and BMS; docs/tco.md).
CELL_TO_PACK_MASS_RATIO = 0.70
#: Pack-level specific energy for a pack-level shortcut battery (assumption) [Wh/kg].
SHORTCUT_PACK_WH_PER_KG = 140.0


def fuel(name: str) -> Fuel:
    """The :class:`Fuel` called ``name`` (a key of :data:`FUELS`); an unknown name raises :class:`InputError`."""
    if name not in FUELS:
        close = suggest(str(name), FUELS)
        raise InputError("fuel", name, "one of " + ", ".join(FUELS), hint=f"did you mean {close!r}?" if close else None)
    return FUELS[name]


def engine(name: str | CombustionEngine) -> CombustionEngine:
    """The :class:`CombustionEngine` called ``name`` (a key of :data:`ENGINES`), checked; or ``name`` itself."""
    if isinstance(name, CombustionEngine):
        eng = name
    else:
        if name not in ENGINES:
            close = suggest(str(name), ENGINES)
            raise InputError("engine", name, "one of " + ", ".join(ENGINES),
                             hint=f"did you mean {close!r}?" if close else None)
        eng = ENGINES[name]
    fuel(eng.fuel)
    checks = (("marginal_efficiency", eng.marginal_efficiency, 0.0 < eng.marginal_efficiency <= 0.6, "0 < e ≤ 0.6"),
              ("idle_fuel_power_w", eng.idle_fuel_power_w, 0.0 <= eng.idle_fuel_power_w <= 200e3, "0 … 200000 W"),
              ("aux_power_w", eng.aux_power_w, 0.0 <= eng.aux_power_w <= 100e3, "0 … 100000 W"),
              ("driveline_efficiency", eng.driveline_efficiency, 0.5 < eng.driveline_efficiency <= 1.0,
               "0.5 < η ≤ 1"),
              ("powertrain_mass_kg", eng.powertrain_mass_kg, 0.0 <= eng.powertrain_mass_kg <= 10000.0,
               "0 … 10000 kg"),
              ("rated_power_w", eng.rated_power_w, 0.0 < eng.rated_power_w <= 2e6, "0 < P ≤ 2000000 W"),
              ("cost_table", eng.cost_table, eng.cost_table in ("diesel", "cng"), "diesel or cng"))
    for what, value, ok, allowed in checks:
        if isinstance(value, float) and not math.isfinite(value):
            ok = False
        if not ok:
            raise InputError(f"engine {eng.name}: {what}", value, allowed)
    return eng


def willans_fuel_power_w(engine_power_w: npt.ArrayLike, idle_fuel_power_w: float,
                         marginal_efficiency: float) -> FloatArray:
    """Fuel power of an engine on its Willans line [W].

    ``P_fuel = P_0 + max(P_e, 0) / e`` with the engine output ``P_e`` [W], the fuel power at zero output ``P_0``
    [W] and the marginal efficiency ``e`` [–] (Willans line: Rizzoni, Guzzella & Baumann 1999; Guzzella &
    Sciarretta 2013, ch. 3). Negative output (overrun) burns ``P_0``: fuel cut-off in overrun is not modelled
    (the engine also drives its auxiliaries, so it is rarely in overrun).
    """
    p = np.asarray(engine_power_w, dtype=float)
    return idle_fuel_power_w + np.maximum(p, 0.0) / marginal_efficiency


# ----------------------------------------------------------------------------------------------------
# The combustion bus on a cycle
# ----------------------------------------------------------------------------------------------------


def traction_pack_mass_kg(spec: VehicleSpec) -> float:
    """Mass of the vehicle's traction battery [kg].

    A cell-built pack: ``n_cells × cell mass / CELL_TO_PACK_MASS_RATIO``; a pack-level shortcut:
    ``usable energy / SHORTCUT_PACK_WH_PER_KG`` (both ratios assumptions, docs/tco.md).
    """
    from tyaga.battery import cell_for_vehicle

    b = spec.battery
    cell = cell_for_vehicle(spec)
    if cell is not None:
        assert b.series is not None and b.parallel is not None
        return b.series * b.parallel * cell.mass_kg / CELL_TO_PACK_MASS_RATIO
    assert b.usable_energy_kwh is not None
    return b.usable_energy_kwh * 1000.0 / SHORTCUT_PACK_WH_PER_KG


def combustion_body(spec: VehicleSpec, eng: str | CombustionEngine = "diesel") -> VehicleSpec:
    """The electric bus's body as a combustion bus: curb mass − traction pack + combustion powertrain [kg].

    Road-load coefficients, rotating-mass factor and payload are the electric bus's; regeneration is set to
    zero (a combustion bus brakes with friction only). The battery stays in the spec for the engine run only
    (it never limits a run that the trace does not miss, ``trace_miss_s``).
    """
    e = engine(eng)
    mass = spec.body.mass_kg - traction_pack_mass_kg(spec) + e.powertrain_mass_kg
    if not mass > 0:
        raise InputError("body.mass_kg", spec.body.mass_kg, "more than the traction pack's mass "
                         f"({traction_pack_mass_kg(spec):.0f} kg) for a combustion version of the body")
    body = spec.body.model_copy(update={"mass_kg": mass, "gross_mass_kg": None})
    pt = spec.powertrain.model_copy(update={"regen_max_power_kw": 0.0})
    return spec.model_copy(update={"name": f"{spec.name} ({e.name})", "body": body, "powertrain": pt})


@dataclass(frozen=True)
class CombustionRun:
    """A combustion bus driven over a cycle (energies [J], fuel [kg], times [s], distance [m])."""

    engine: CombustionEngine
    fuel: Fuel
    cycle: str
    test_mass_kg: float
    distance_m: float
    time_s: float
    idle_s: float
    wheel_positive_energy_j: float
    wheel_energy_j: float
    aux_energy_j: float
    engine_energy_j: float
    fuel_energy_j: float
    fuel_kg: float
    engine_power_max_w: float
    overload_s: float
    trace_miss_s: float

    @property
    def fuel_energy_kwh_per_km(self) -> float:
        """Fuel energy at the lower heating value per km [kWh/km]."""
        return self.fuel_energy_j / J_PER_KWH / (self.distance_m / 1000.0)

    @property
    def fuel_kg_per_100km(self) -> float:
        """Fuel mass per 100 km [kg/100 km]."""
        return self.fuel_kg / (self.distance_m / 1e5)

    @property
    def fuel_l_per_100km(self) -> float | None:
        """Liquid fuel volume per 100 km [L/100 km] (``None`` for a gas)."""
        d = self.fuel.density_kg_per_l
        return None if d is None else self.fuel_kg_per_100km / d

    @property
    def fuel_nm3_per_100km(self) -> float | None:
        """Gas volume at 0 °C and 101.325 kPa per 100 km [Nm³/100 km] (``None`` for a liquid)."""
        d = self.fuel.density_kg_per_nm3
        return None if d is None else self.fuel_kg_per_100km / d

    @property
    def engine_efficiency(self) -> float:
        """Mean brake efficiency over the cycle, engine energy / fuel energy [–]."""
        return self.engine_energy_j / self.fuel_energy_j


def _cycle_of(cycle: DriveCycle | str | Path | Any) -> DriveCycle:
    """A :class:`DriveCycle` from a cycle, a bundled or generated cycle name, a path, or a :class:`Route`."""
    from tyaga import route as _route

    if isinstance(cycle, DriveCycle):
        return cycle
    if isinstance(cycle, _route.Route):
        return _route.generate(cycle).cycle
    from tyaga import cycles

    return cycles.load(cycle)


def _vehicle_of(vehicle: VehicleSpec | str | Path) -> VehicleSpec:
    if isinstance(vehicle, VehicleSpec):
        return vehicle
    from tyaga import vehicles

    return vehicles.load(vehicle)


def combustion_run(vehicle: VehicleSpec | str | Path, cycle: DriveCycle | str | Path | Any = "sort2",
                   eng: str | CombustionEngine = "diesel", payload_kg: float | None = None) -> CombustionRun:
    """Drive the combustion version of ``vehicle`` (:func:`combustion_body`) over ``cycle``: fuel and energies.

    The wheel power per step is the engine run's ``wheel_power_w`` (:func:`tyaga.chain.simulate`: inertia
    ``f_rot·m·a`` and road load of :func:`tyaga.vehicle.road_load_force` at the step's mean speed). Then
    ``P_e = max(P_wheel, 0)/η_driveline + P_aux``, ``P_fuel`` by :func:`willans_fuel_power_w`,
    ``E_fuel = Σ P_fuel·Δt`` and ``m_fuel = E_fuel / LHV``. ``cycle`` may be a :class:`DriveCycle`, a cycle
    name (``"sort1"``, ``"sort2"``, ``"sort3"``, …), a cycle file or a :class:`tyaga.route.Route`.
    """
    from tyaga.chain import simulate

    e = engine(eng)
    f = fuel(e.fuel)
    spec = _vehicle_of(vehicle)
    body = combustion_body(spec, e)
    cyc = _cycle_of(cycle)
    res = simulate(body, cyc, payload_kg=payload_kg, with_range=False, with_acceleration=False)
    assert res.timeseries is not None
    ds = res.timeseries
    p_wheel = np.asarray(ds["wheel_power_w"].values[0], dtype=float)
    speed = np.asarray(ds["speed_mps"].values[0], dtype=float)
    t = np.asarray(cyc.time_s, dtype=float)
    dt = np.diff(t, prepend=t[0])
    p_engine = np.maximum(p_wheel, 0.0) / e.driveline_efficiency + e.aux_power_w
    p_fuel = willans_fuel_power_w(p_engine, e.idle_fuel_power_w, e.marginal_efficiency)
    fuel_energy = float(np.sum(p_fuel * dt))
    s = res.summary.iloc[0]
    distance = float(s["distance_km"]) * 1000.0
    if not distance > 0:
        raise InputError("cycle", cyc.name, "a cycle that covers some distance (this one never moves)")
    stopped = (speed <= 0.0) & (np.concatenate([[0.0], speed[:-1]]) <= 0.0)
    return CombustionRun(
        engine=e, fuel=f, cycle=cyc.name, test_mass_kg=body.body.test_mass_kg if payload_kg is None
        else body.body.mass_kg + payload_kg, distance_m=distance, time_s=float(t[-1] - t[0]),
        idle_s=float(np.sum(dt[stopped])),
        wheel_positive_energy_j=float(np.sum(np.maximum(p_wheel, 0.0) * dt)),
        wheel_energy_j=float(np.sum(p_wheel * dt)), aux_energy_j=float(e.aux_power_w * np.sum(dt)),
        engine_energy_j=float(np.sum(p_engine * dt)), fuel_energy_j=fuel_energy,
        fuel_kg=fuel_energy / f.lhv_j_per_kg, engine_power_max_w=float(np.max(p_engine)),
        overload_s=float(np.sum(dt[p_engine > e.rated_power_w])), trace_miss_s=float(s["trace_miss_s"]))


# ----------------------------------------------------------------------------------------------------
# The electric bus on the same cycle
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectricRun:
    """The battery-electric bus over a cycle (energies [J], distance [m])."""

    cycle: str
    test_mass_kg: float
    distance_m: float
    battery_terminal_energy_j: float
    battery_chemical_energy_j: float
    grid_per_stored: float
    charger: str
    trace_miss_s: float
    battery_energy_kwh: float

    @property
    def battery_kwh_per_km(self) -> float:
        """Net energy at the battery terminals per km [kWh/km]."""
        return self.battery_terminal_energy_j / J_PER_KWH / (self.distance_m / 1000.0)

    @property
    def grid_kwh_per_km(self) -> float:
        """Energy from the grid per km: the chemical energy used × grid energy / energy stored of a depot
        charge [kWh/km]."""
        return self.battery_chemical_energy_j * self.grid_per_stored / J_PER_KWH / (self.distance_m / 1000.0)


def electric_run(vehicle: VehicleSpec | str | Path, cycle: DriveCycle | str | Path | Any = "sort2",
                 charger_kind: str = "depot", payload_kg: float | None = None) -> ElectricRun:
    """Drive the battery-electric bus over ``cycle``; its energy at the battery and at the grid.

    At the battery: the net terminal energy of :func:`tyaga.chain.simulate`. At the grid: the chemical energy
    the run took out (∫OCV·I dt) × ``energy_grid_wh / energy_stored_wh`` of a charge of the pack from
    ``soc_min`` to ``soc_max`` at 25 °C on the charger ``charger_kind`` with its rated power
    (:func:`tyaga.charging.charge`, :data:`tyaga.charging.CHARGERS`): the charger's efficiency and the pack's
    resistive loss while charging.
    """
    from tyaga import charging
    from tyaga.battery import pack_for_vehicle
    from tyaga.chain import simulate

    spec = _vehicle_of(vehicle)
    cyc = _cycle_of(cycle)
    if charger_kind not in charging.CHARGERS:
        close = suggest(str(charger_kind), charging.CHARGERS)
        raise InputError("charger", charger_kind, "one of " + ", ".join(charging.CHARGERS),
                         hint=f"did you mean {close!r}?" if close else None)
    res = simulate(spec, cyc, payload_kg=payload_kg, timeseries=False, with_range=False, with_acceleration=False)
    s = res.summary.iloc[0]
    distance = float(s["distance_km"]) * 1000.0
    if not distance > 0:
        raise InputError("cycle", cyc.name, "a cycle that covers some distance (this one never moves)")
    pack = pack_for_vehicle(spec)
    ch = charging.charge(spec, pack.soc_min, pack.soc_max, charger_power_w=charging.CHARGERS[charger_kind]["power_w"],
                         charger_kind=charger_kind, ambient_c=25.0, reference_window=False)
    ratio = float(ch.summary["energy_grid_wh"]) / float(ch.summary["energy_stored_wh"])
    mass = spec.body.test_mass_kg if payload_kg is None else spec.body.mass_kg + payload_kg
    return ElectricRun(cyc.name, mass, distance, float(s["energy_battery_terminal_wh"]) * 3600.0,
                       float(s["energy_chemical_wh"]) * 3600.0, ratio, charger_kind, float(s["trace_miss_s"]),
                       pack.energy_wh / 1000.0)


# ----------------------------------------------------------------------------------------------------
# Prices and TCO
# ----------------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class EnergyPrices(_Strict):
    """``[energy]``: energy prices, in the file's currency (defaults: assumptions, docs/tco.md)."""

    diesel_per_l: float = Field(1.40, ge=0, le=100, description="Diesel price per litre")
    cng_per_kg: float = Field(1.20, ge=0, le=100, description="CNG price per kg")
    electricity_per_kwh: float = Field(0.20, ge=0, le=100, description="Electricity price per kWh at the meter")


class BusCosts(_Strict):
    """``[bev]``, ``[diesel]``, ``[cng]``: the costs of one bus type, in the file's currency."""

    purchase: float = Field(ge=0, le=1e8, description="Purchase price of one bus, paid in year 0")
    infrastructure: float = Field(0.0, ge=0, le=1e8, description="Share of the charging or refuelling "
                                  "infrastructure per bus, paid in year 0")
    maintenance_per_km: float = Field(ge=0, le=100, description="Maintenance and repair per km")
    battery_price_per_kwh: float = Field(0.0, ge=0, le=10000, description="Replacement traction battery, per kWh "
                                         "of the pack's gross energy")
    battery_life_years: float = Field(100.0, gt=0, le=100, description="Years between battery replacements "
                                      "(e.g. from tyaga life); ≥ years: none")


def _default_bev() -> BusCosts:
    return BusCosts(purchase=500_000.0, infrastructure=60_000.0, maintenance_per_km=0.20,
                    battery_price_per_kwh=250.0, battery_life_years=8.0)


def _default_diesel() -> BusCosts:
    return BusCosts(purchase=250_000.0, infrastructure=0.0, maintenance_per_km=0.30)


def _default_cng() -> BusCosts:
    return BusCosts(purchase=285_000.0, infrastructure=40_000.0, maintenance_per_km=0.33)


class Prices(_Strict):
    """A prices file (TOML, ``examples/tco-prices.toml``). Every default is an assumption (docs/tco.md).

    ``discount_rate``: real discount rate per year [–] (> −1); ``years``: service life [years];
    ``annual_km``: distance per bus and year [km].
    """

    currency: str = Field("EUR", min_length=1, max_length=8)
    source: str = ""
    discount_rate: float = Field(0.04, gt=-1.0, le=1.0, description="Real discount rate per year (> −100 %)")
    years: int = Field(12, ge=1, le=50, description="Service life [years]")
    annual_km: float = Field(60_000.0, gt=0, le=500_000, description="Distance per bus and year [km]")
    energy: EnergyPrices = EnergyPrices()
    bev: BusCosts = Field(default_factory=_default_bev)
    diesel: BusCosts = Field(default_factory=_default_diesel)
    cng: BusCosts = Field(default_factory=_default_cng)


def prices_from_dict(data: Mapping[str, Any], source: str | None = None) -> Prices:
    """Validate a prices dict shaped like the TOML file; errors name the field (and the file).

    A bus table that gives only some keys keeps the defaults of :class:`Prices` for the others.
    """
    from tyaga.catalog import validation_error_to_input_error

    merged = dict(data)
    defaults = Prices()
    for table in ("bev", "diesel", "cng"):
        given = merged.get(table)
        if isinstance(given, Mapping):
            merged[table] = {**getattr(defaults, table).model_dump(), **given}
    try:
        return Prices.model_validate(merged)
    except ValidationError as exc:
        raise validation_error_to_input_error(exc, source, dict(data), Prices) from None


def load_prices(path: str | Path) -> Prices:
    """Read a prices TOML file (see ``docs/tco.md``, ``examples/tco-prices.toml``)."""
    from tyaga.catalog import read_toml

    p = Path(path)
    return prices_from_dict(read_toml(p), source=str(p))


def annuity_factor(discount_rate: float, years: int) -> float:
    """Present value of 1 paid at the end of each of ``years`` years, ``Σ_{t=1..N} (1 + r)^−t`` [years].

    ``= (1 − (1 + r)^−N) / r`` for ``r ≠ 0`` and ``N`` for ``r = 0`` (standard discounting, e.g. Brealey, Myers &
    Allen, *Principles of Corporate Finance*, ch. 2).
    """
    if not (math.isfinite(discount_rate) and discount_rate > -1.0):
        raise InputError("discount_rate", discount_rate, "a rate > −1 (−100 %)")
    if years < 1:
        raise InputError("years", years, "≥ 1")
    if discount_rate == 0.0:
        return float(years)
    return (1.0 - (1.0 + discount_rate) ** -years) / discount_rate


TCO_COLUMNS = ("purchase_npv", "infrastructure_npv", "battery_replacement_npv", "energy_npv", "maintenance_npv",
               "total_npv", "lifetime_km", "cost_per_km", "levelized_cost_per_km")


def tco(energy_cost_per_km: Mapping[str, float], prices: Prices | None = None,
        battery_energy_kwh: float = 0.0, cost_tables: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Total cost of ownership of each bus type: net present value of each cost item and cost per km.

    ``energy_cost_per_km``: energy cost per km of each bus type (keys become the index; money per km);
    ``cost_tables``: which table of the prices (``bev``, ``diesel``, ``cng``) holds each type's costs
    (default: the key itself); ``battery_energy_kwh``: gross energy of the traction battery, for replacements
    [kWh]. With the discount rate ``r``, ``N`` years, ``D`` km a year and the annuity factor
    ``A = Σ_{t=1..N} (1 + r)^−t`` (:func:`annuity_factor`; costs of a year paid at its end):

    * ``purchase_npv`` = purchase; ``infrastructure_npv`` = infrastructure share (both in year 0);
    * ``battery_replacement_npv`` = ``Σ_k price_per_kWh · E · (1 + r)^−kL`` over ``k ≥ 1`` with ``kL < N``
      (``L`` = ``battery_life_years``); no residual value at the end of service (assumption);
    * ``energy_npv`` = energy cost per km · D · A; ``maintenance_npv`` = maintenance per km · D · A;
    * ``total_npv``; ``lifetime_km`` = D·N; ``cost_per_km`` = total / (D·N); ``levelized_cost_per_km`` =
      total / (D·A), the constant price per km with the same present value.

    Prices are real (no escalation): ``r`` is a real rate. Money is in ``prices.currency``.
    """
    p = prices if prices is not None else Prices()
    r, n, d = p.discount_rate, p.years, p.annual_km
    a = annuity_factor(r, n)
    if not (math.isfinite(battery_energy_kwh) and battery_energy_kwh >= 0.0):
        raise InputError("battery_energy_kwh", battery_energy_kwh, "≥ 0 kWh")
    rows = {}
    for name, cost in energy_cost_per_km.items():
        if not (isinstance(cost, int | float) and math.isfinite(cost) and cost >= 0.0):
            raise InputError(f"energy cost per km ({name})", cost, "≥ 0")
        table = (cost_tables or {}).get(name, name)
        if table not in ("bev", "diesel", "cng"):
            close = suggest(str(table), ("bev", "diesel", "cng"))
            raise InputError("bus type", table, "bev, diesel or cng",
                             hint=f"did you mean {close!r}?" if close else None)
        c: BusCosts = getattr(p, table)
        replacements = 0.0
        if c.battery_price_per_kwh > 0 and battery_energy_kwh > 0 and table == "bev":
            k = 1
            while k * c.battery_life_years < n - 1e-9:
                replacements += c.battery_price_per_kwh * battery_energy_kwh * (1.0 + r) ** -(k * c.battery_life_years)
                k += 1
        energy_npv = float(cost) * d * a
        maint_npv = c.maintenance_per_km * d * a
        total = c.purchase + c.infrastructure + replacements + energy_npv + maint_npv
        rows[name] = {"purchase_npv": c.purchase, "infrastructure_npv": c.infrastructure,
                      "battery_replacement_npv": replacements, "energy_npv": energy_npv,
                      "maintenance_npv": maint_npv, "total_npv": total, "lifetime_km": d * n,
                      "cost_per_km": total / (d * n), "levelized_cost_per_km": total / (d * a)}
    df = pd.DataFrame.from_dict(rows, orient="index", columns=list(TCO_COLUMNS))
    df.index.name = "bus"
    df.attrs["currency"] = p.currency
    return df


# ----------------------------------------------------------------------------------------------------
# The comparison
# ----------------------------------------------------------------------------------------------------

ENERGY_COLUMNS = {
    "test_mass_kg": "mass as driven [kg]",
    "energy_kwh_per_km": "energy at the pump (fuel LHV) or at the grid [kWh/km]",
    "battery_kwh_per_km": "energy at the battery terminals [kWh/km]",
    "diesel_l_per_100km": "diesel [L/100 km]",
    "fuel_kg_per_100km": "fuel mass [kg/100 km]",
    "cng_nm3_per_100km": "CNG at 0 °C, 101.325 kPa [Nm³/100 km]",
    "engine_efficiency": "mean engine efficiency [–]",
    "energy_wtw_kwh_per_km": "well-to-wheel energy [kWh/km]",
    "energy_cost_per_km": "energy cost [money/km]",
    "co2_ttw_g_per_km": "CO₂e tank-to-wheel [g/km]",
    "co2_wtw_g_per_km": "CO₂e well-to-wheel [g/km]",
    "trace_miss_s": "trace missed by > 2 km/h [s]",
    "overload_s": "above the engine's rated power [s]",
}


@dataclass
class Comparison:
    """Result of :func:`compare`: ``energy`` (one row per bus type, :data:`ENERGY_COLUMNS`) and ``tco``
    (:func:`tco`, :data:`TCO_COLUMNS`), both pandas DataFrames indexed by ``bus``."""

    vehicle: str
    cycle: str
    grid_g_per_kwh: float
    prices: Prices
    energy: pd.DataFrame
    tco: pd.DataFrame
    runs: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None)."""
        def rows(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
            out: dict[str, dict[str, Any]] = {}
            for name, row in df.iterrows():
                out[str(name)] = {k: (None if isinstance(v, float) and not math.isfinite(v) else
                                      (v.item() if isinstance(v, np.generic) else v)) for k, v in row.items()}
            return out

        return {"vehicle": self.vehicle, "cycle": self.cycle, "grid_g_per_kwh": self.grid_g_per_kwh,
                "currency": self.prices.currency, "energy": rows(self.energy), "tco": rows(self.tco)}


def compare(vehicle: VehicleSpec | str | Path, cycle: DriveCycle | str | Path | Any = "sort2", *,
            grid_g_per_kwh: float, prices: Prices | str | Path | None = None,
            engines: Sequence[str | CombustionEngine] = ("diesel", "cng"), charger_kind: str = "depot",
            payload_kg: float | None = None) -> Comparison:
    """The battery-electric ``vehicle`` against combustion versions of its body on the same ``cycle``.

    Energy (:func:`electric_run`, :func:`combustion_run`): per km at the pump (fuel at its LHV) or at the grid,
    L/100 km of diesel, kg and Nm³/100 km of CNG; energy cost per km (fuel or grid energy × its price); CO₂e
    per km: fuel mass × EN 16258 factor (TTW, WTW), grid energy × ``grid_g_per_kwh`` (WTW; 0 TTW). TCO:
    :func:`tco` with ``prices`` (a :class:`Prices`, a TOML path, or ``None`` for the defaults, all
    assumptions). ``grid_g_per_kwh``: grid CO₂e intensity at the meter [g/kWh], 0 … 2000.
    """
    if not (isinstance(grid_g_per_kwh, int | float) and math.isfinite(grid_g_per_kwh)
            and 0.0 <= grid_g_per_kwh <= 2000.0):
        raise InputError("grid_g_per_kwh", grid_g_per_kwh, "0 … 2000 g/kWh")
    pr = prices if isinstance(prices, Prices) else (Prices() if prices is None else load_prices(prices))
    engs = [engine(e) for e in engines]
    names = [e.name for e in engs]
    if len(set(names)) != len(names) or "bev" in names:
        raise InputError("engines", names, "distinct engine names, none called 'bev'")
    spec = _vehicle_of(vehicle)
    if spec.vehicle_class not in ("bus", "trolleybus"):
        raise InputError("vehicle class", spec.vehicle_class, "bus or trolleybus (the combustion powertrains and "
                         "prices are a 12 m city bus's)", source=spec.name)
    cyc = _cycle_of(cycle)
    ev = electric_run(spec, cyc, charger_kind=charger_kind, payload_kg=payload_kg)
    nan = float("nan")
    rows: dict[str, dict[str, float]] = {}
    rows["bev"] = {
        "test_mass_kg": ev.test_mass_kg, "energy_kwh_per_km": ev.grid_kwh_per_km,
        "battery_kwh_per_km": ev.battery_kwh_per_km, "diesel_l_per_100km": nan, "fuel_kg_per_100km": nan,
        "cng_nm3_per_100km": nan, "engine_efficiency": nan, "energy_wtw_kwh_per_km": ev.grid_kwh_per_km,
        "energy_cost_per_km": ev.grid_kwh_per_km * pr.energy.electricity_per_kwh,
        "co2_ttw_g_per_km": 0.0, "co2_wtw_g_per_km": ev.grid_kwh_per_km * grid_g_per_kwh,
        "trace_miss_s": ev.trace_miss_s, "overload_s": nan,
    }
    runs: dict[str, Any] = {"bev": ev}
    for e in engs:
        run = combustion_run(spec, cyc, e, payload_kg=payload_kg)
        runs[e.name] = run
        f = run.fuel
        kg_per_km = run.fuel_kg / (run.distance_m / 1000.0)
        if e.cost_table == "diesel":
            if f.density_kg_per_l is None:
                raise InputError(f"engine {e.name}: fuel", f.name, "a liquid fuel (priced per litre)")
            cost = kg_per_km / f.density_kg_per_l * pr.energy.diesel_per_l
        else:
            cost = kg_per_km * pr.energy.cng_per_kg
        rows[e.name] = {
            "test_mass_kg": run.test_mass_kg, "energy_kwh_per_km": run.fuel_energy_kwh_per_km,
            "battery_kwh_per_km": nan,
            "diesel_l_per_100km": run.fuel_l_per_100km if run.fuel_l_per_100km is not None else nan,
            "fuel_kg_per_100km": run.fuel_kg_per_100km,
            "cng_nm3_per_100km": run.fuel_nm3_per_100km if run.fuel_nm3_per_100km is not None else nan,
            "engine_efficiency": run.engine_efficiency,
            "energy_wtw_kwh_per_km": nan if f.wtw_energy_j_per_kg is None else
            kg_per_km * f.wtw_energy_j_per_kg / J_PER_KWH,
            "energy_cost_per_km": cost,
            "co2_ttw_g_per_km": kg_per_km * f.co2_ttw_kg_per_kg * 1000.0,
            "co2_wtw_g_per_km": kg_per_km * f.co2_wtw_kg_per_kg * 1000.0,
            "trace_miss_s": run.trace_miss_s, "overload_s": run.overload_s,
        }
    energy_df = pd.DataFrame.from_dict(rows, orient="index", columns=list(ENERGY_COLUMNS))
    energy_df.index.name = "bus"
    energy_df.attrs["currency"] = pr.currency
    tables = {"bev": "bev", **{e.name: e.cost_table for e in engs}}
    tco_df = tco({k: float(v) for k, v in energy_df["energy_cost_per_km"].items()}, pr,
                 battery_energy_kwh=ev.battery_energy_kwh, cost_tables=tables)
    return Comparison(spec.name, cyc.name, float(grid_g_per_kwh), pr, energy_df, tco_df, runs)


__all__ = [
    "CELL_TO_PACK_MASS_RATIO", "ENERGY_COLUMNS", "ENGINES", "FUELS", "TCO_COLUMNS", "BusCosts",
    "CombustionEngine", "CombustionRun", "Comparison", "ElectricRun", "EnergyPrices", "Fuel", "Prices",
    "annuity_factor", "combustion_body", "combustion_run", "compare", "electric_run", "engine", "fuel",
    "load_prices", "prices_from_dict", "tco", "traction_pack_mass_kg", "willans_fuel_power_w",
]
