"""City buses: a day's duty (trips and layovers), depot vs opportunity charging, and a battery sized for it.

A **duty** (:class:`BusDuty`) is a trip — a bundled cycle (``sort1/2/3`` …), a drive-cycle file or a
:mod:`tyaga.route` file, optionally repeated to a trip length — driven ``trips_per_day`` times, with a
layover of ``layover_s`` at the terminal between two trips, at one ambient temperature. The day
(:func:`simulate_day`) is run per design on the batch axis:

1. each trip by the engine (:func:`tyaga.chain.run_summary`, pack temperature coupled: ``pack_thermal``),
   from the SOC and pack temperature the previous step left; the cabin HVAC holds its setpoint at its steady
   power *including the air exchanged through the doors at the trip's stops*
   (:func:`tyaga.chain.door_stops_per_s` over trip + layover, :func:`tyaga.chain.cabin_hvac_power_w`);
2. each layover (none after the last trip):

   * ``"depot"`` — no charging on the route: the layover is a standstill driven by the engine (auxiliaries,
     HVAC and BTMS from the battery). The battery must hold the whole day;
   * ``"opportunity"`` — a pantograph at the terminal: a standstill of ``connect_s`` (lowering the
     pantograph and the handshake; 30 s by default, an **assumption**) by the engine, then a charge for the
     rest of the layover by :func:`tyaga.charging.charge` (the pack's own charge-current limit × the
     chemistry's taper × the BMS temperature derating, CP/CC then CV, the BTMS powered by the charger) with
     the charger's power less the auxiliary load the charger carries meanwhile (base aux + HVAC). The charge
     is cut at the end of the layover (its time series interpolated there).

3. the day starts full (``soc_max``, charged overnight at the depot for both strategies) with the pack at
   ``pack_temperature_initial_c`` — by default at its BTMS heater's threshold (10 °C for the default BTMS) or
   the ambient if warmer: an **assumption**, the pack kept warm by its BTMS on the depot charger overnight
   (that grid energy is not counted); give the ambient for a pack soaked in an unheated depot (at −20 °C the
   bundled bus's cell is at its discharge limit and cannot move the bus until heated); after the last
   trip a depot charge (:func:`tyaga.charging.charge`, ``depot_charger_power_w``) back to ``soc_max`` must fit
   in the rest of the 24 h.

A day is **feasible** when every trip and layover ends with no exhausted step (the SOC never at ``soc_min``,
engine step 7), each trip misses its trace by at most :data:`TRACE_MISS_ALLOWED_FRACTION` of its duration
(the pack's power limits, e.g. a cold small pack), and the overnight charge fits.

**Sizing** (:func:`size_battery`): the fewest parallel strings of the vehicle's cell (series count kept) for
which the day is feasible, for each of four cases — the duty as given (new pack, ``ambient_c``), at end of
life (capacity × :data:`EOL_CAPACITY_RELATIVE`, resistances × :data:`EOL_RESISTANCE_RELATIVE`, via
:func:`tyaga.life.aged_pack`), in winter (``winter_ambient_c``, heater on, pack soaked at it) and both. The
pack's mass follows the string count (cells ÷ :data:`CELL_TO_PACK_MASS_RATIO`) and moves the curb mass, so
each candidate is driven at its own mass (no fixed-point iteration is needed: the mass is a function of the
string count). The required size is the largest of the four, and the margin that binds is the one whose
case needs it. See ``docs/buses.md``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tyaga import engine
from tyaga.cycle import DriveCycle
from tyaga.errors import InputError
from tyaga.vehicle import VehicleSpec

FloatArray = npt.NDArray[np.float64]

STRATEGIES: tuple[str, ...] = ("depot", "opportunity")
#: Time between the bus stopping at the terminal and current flowing (pantograph down, contact check, ISO
#: 15118 / SAE J3105 handshake) [s]. ASSUMPTION: about 30 s, within the "less than a minute" operators
#: describe for mast pantographs; no measured figure is cited.
CONNECT_TIME_S = 30.0
#: End of life: relative capacity (state of health) at which the pack is replaced — tyaga's life criterion
#: (:data:`tyaga.life.EOL_SOH`, 80 %).
EOL_CAPACITY_RELATIVE = 0.8
#: ASSUMPTION: relative internal resistance at end of life. Resistance growth to 80 % SOH differs widely by
#: cell and use (tens of per cent to a doubling); 1.5 is a mid value, not fitted. Only one ageing model of
#: tyaga has a resistance output (docs/life.md), so this is a documented factor, not a model result.
EOL_RESISTANCE_RELATIVE = 1.5
#: Winter design ambient of the sizing [°C] (a cold day in central Europe; user's choice).
WINTER_AMBIENT_C = -20.0
#: ASSUMPTION: cell mass / pack mass of a bus pack (modules, housing, BMS, cooling): 0.65, the module-based
#: pack figure of docs/plant.md (VW MEB). Used only to move the vehicle's mass with its string count.
CELL_TO_PACK_MASS_RATIO = 0.65
#: A trip counts as driven when the bus is more than 2 km/h below its trace for at most this fraction of the
#: trip's duration (the engine's ``trace_miss_s``). ASSUMPTION: 1 %, a few seconds per SORT lap.
TRACE_MISS_ALLOWED_FRACTION = 0.01
#: Time step of a layover charge [s] (its end conditions are located exactly within a step; against 1 s
#: a 9.5 min pantograph charge of the 12 m bus ends 2e-4 lower in SOC).
LAYOVER_CHARGE_STEP_S = 5.0
DAY_S = 86400.0


@dataclass(frozen=True)
class BusDuty:
    """A day of a city bus: ``trip`` driven ``trips_per_day`` times with ``layover_s`` [s] at the terminal
    between trips, at ``ambient_c`` [°C]. ``payload_kg`` [kg]: the passengers' mass (``None``: the vehicle
    file's payload, or a route file's mean passenger mass); ``solar_w_per_m2``: sun on the glazing;
    ``pack_temperature_initial_c``: the pack at departure [°C] (``None``: kept at its BTMS heater threshold
    on the depot charger, or the ambient if warmer — see the module docstring)."""

    trip: DriveCycle
    trips_per_day: int
    layover_s: float
    ambient_c: float = 20.0
    payload_kg: float | None = None
    solar_w_per_m2: float = 0.0
    pack_temperature_initial_c: float | None = None

    def __post_init__(self) -> None:
        n = self.trips_per_day
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= 200:
            raise InputError("trips_per_day", n, "an integer 1 … 200")
        if not (math.isfinite(self.layover_s) and 0.0 <= self.layover_s <= 6 * 3600.0):
            raise InputError("layover_s", self.layover_s, "0 … 21600 s (0 … 360 min)")
        if not (math.isfinite(self.ambient_c) and -50.0 <= self.ambient_c <= 60.0):
            raise InputError("ambient_c", self.ambient_c, "-50 … 60 °C")
        if self.payload_kg is not None and not (math.isfinite(self.payload_kg) and 0 <= self.payload_kg <= 40000):
            raise InputError("payload_kg", self.payload_kg, "0 … 40000 kg")
        if not (math.isfinite(self.solar_w_per_m2) and 0.0 <= self.solar_w_per_m2 <= 1200.0):
            raise InputError("solar_w_per_m2", self.solar_w_per_m2, "0 … 1200 W/m²")
        t0 = self.pack_temperature_initial_c
        if t0 is not None and not (math.isfinite(t0) and -50.0 <= t0 <= 80.0):
            raise InputError("pack_temperature_initial_c", t0, "-50 … 80 °C")
        if self.day_s > DAY_S:
            raise InputError("trips_per_day", n, f"a day that fits in 24 h: {n} trips of {self.trip.duration_s:g} s "
                             f"and {n - 1} layovers of {self.layover_s:g} s take {self.day_s / 3600:.1f} h")

    @property
    def day_s(self) -> float:
        """Time in service: trips and the layovers between them [s]."""
        return self.trips_per_day * self.trip.duration_s + (self.trips_per_day - 1) * self.layover_s

    @property
    def distance_m(self) -> float:
        """Distance of the day [m]."""
        return self.trips_per_day * self.trip.distance_m


def trip(cycle: str | Path | DriveCycle | None = None, route: str | Path | None = None,
         trip_km: float | None = None) -> tuple[DriveCycle, float | None]:
    """One trip: a cycle (bundled name such as ``sort2``, a CSV/GPX/TOML cycle file, or a
    :class:`DriveCycle`) or a :mod:`tyaga.route` file (CSV/TOML of segments), repeated back to back up to
    ``trip_km`` [km] when given (cut at that distance). Returns the cycle and, for a route, its time-weighted
    mean passenger mass [kg] (:meth:`tyaga.route.RouteTrace.mean_mass_kg`; ``None`` for a cycle)."""
    from tyaga import cycles

    if (cycle is None) == (route is None):
        raise InputError("trip", f"cycle={cycle!r}, route={route!r}", "exactly one of a cycle or a route file")
    passengers_kg: float | None = None
    if route is not None:
        from tyaga import route as route_mod

        trace = route_mod.generate(route_mod.load(route))
        cyc = trace.cycle
        passengers_kg = trace.mean_mass_kg(1.0) - 1.0
    elif isinstance(cycle, DriveCycle):
        cyc = cycle
    else:
        assert cycle is not None
        cyc = cycles.load(cycle)
    if cyc.distance_m <= 0.0:
        raise InputError("trip", cyc.name, "a cycle that moves (distance > 0)")
    if trip_km is not None:
        if not (math.isfinite(trip_km) and 0.0 < trip_km <= 1000.0):
            raise InputError("trip_km", trip_km, "0 < trip_km ≤ 1000 km")
        target_m = trip_km * 1000.0
        n = max(1, math.ceil(target_m / cyc.distance_m - 1e-9))
        rep = cyc.repeat(n)
        if abs(rep.distance_m - target_m) > 1e-6 * target_m:
            # cut at the target distance, then run to rest at the next standstill so the trip ends stopped
            d = rep.distance_at_sample_m
            k = int(np.searchsorted(d, target_m))
            still = np.flatnonzero(rep.speed_mps[k:] <= 0.0)
            end = float(rep.time_s[k + still[0]]) if still.size else rep.duration_s
            rep = rep.between(0.0, end) if end < rep.duration_s else rep
        cyc = dataclasses.replace(rep, name=f"{cyc.name} to {trip_km:g} km")
    return cyc, passengers_kg


@dataclass
class DayResult:
    """Result of :func:`simulate_day`.

    ``summary``: one row per design — ``name``, ``strategy``, ``feasible``, ``fails`` (why not: "soc_min",
    "trace", "overnight", "" when feasible), ``parallel``, ``usable_energy_kwh`` (new pack), ``capacity_relative``,
    ``resistance_relative``, ``vehicle_mass_kg`` (curb + payload), ``pack_mass_kg``, ``ambient_c``,
    ``hvac_power_w``, ``distance_km``, ``soc_min`` (lowest SOC at a trip or layover end), ``soc_end``,
    ``energy_drive_wh`` (battery terminals, trips), ``energy_layover_wh`` (battery terminals, standstills),
    ``energy_charged_wh`` (into the battery at the terminal), ``energy_dc_wh_per_km`` (battery energy out
    per km, trips + the layovers' standstills; while a pantograph is connected the charger carries the
    auxiliaries), ``energy_grid_route_wh`` (terminal chargers incl. their losses, the BTMS and the auxiliaries
    they carry), ``overnight_charge_s``, ``overnight_grid_wh``, ``energy_grid_wh_per_km`` (terminal +
    overnight grid energy per km: the day's electricity), ``night_s`` (time left in the 24 h),
    ``pack_temperature_min_c``, ``pack_temperature_max_c``, ``trace_miss_s``, ``exhausted_s``,
    ``layovers_not_charged`` (the pack outside its charge window with a BTMS that cannot bring it in).
    ``trips``: one row per design and trip. ``soc``: SOC [-] and pack temperature [°C] at the start and end of
    every phase (drive, standstill, charge), per design — the day's SOC curve at its corners.
    """

    summary: pd.DataFrame
    trips: pd.DataFrame
    soc: pd.DataFrame
    duty: BusDuty = field(repr=False)


def _pack_mass_kg(spec: VehicleSpec) -> float:
    from tyaga.battery import cell_for_vehicle

    cell = cell_for_vehicle(spec)
    b = spec.battery
    if cell is None or b.series is None or b.parallel is None:
        raise InputError("battery", spec.name, "a pack built from a cell (cell, series, parallel) to size by strings",
                         hint="a pack-level shortcut (usable_energy_kwh) has no strings to count")
    return b.series * b.parallel * cell.mass_kg / CELL_TO_PACK_MASS_RATIO


def with_parallel(spec: VehicleSpec, parallel: int) -> VehicleSpec:
    """The vehicle with ``parallel`` strings of its cell (series count kept) and its curb mass moved by the
    pack's change in mass (cells ÷ :data:`CELL_TO_PACK_MASS_RATIO`, an assumption) [kg]."""
    if isinstance(parallel, bool) or not isinstance(parallel, int | np.integer) or not 1 <= parallel <= 500:
        raise InputError("parallel", parallel, "an integer 1 … 500")
    old = _pack_mass_kg(spec)
    assert spec.battery.parallel is not None
    new = old * parallel / spec.battery.parallel
    mass = spec.body.mass_kg - old + new
    if mass <= 0:
        raise InputError("parallel", parallel, f"a pack that leaves a curb mass > 0 (pack {old:.0f} kg in "
                         f"{spec.body.mass_kg:.0f} kg)")
    return spec.model_copy(update={
        "name": spec.name if parallel == spec.battery.parallel else f"{spec.name} ({parallel}p)",
        "battery": spec.battery.model_copy(update={"parallel": int(parallel)}),
        "body": spec.body.model_copy(update={"mass_kg": mass})})


def _resolve_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        from tyaga.errors import suggest

        close = suggest(str(strategy), STRATEGIES)
        raise InputError("strategy", strategy, "depot or opportunity",
                         hint=f"did you mean {close!r}?" if close else None)
    return strategy


def _cut(data: pd.DataFrame, t_s: float) -> dict[str, float]:
    """A charge's state at ``t_s`` [s] (interpolated in its time series; the last row if it ended before)."""
    d = data.drop_duplicates("time_s", keep="last")
    t = d["time_s"].to_numpy()
    out = {}
    for k in ("soc", "temperature_c", "energy_battery_wh", "energy_grid_wh", "energy_btms_wh"):
        out[k] = float(np.interp(min(t_s, float(t[-1])), t, d[k].to_numpy()))
    return out


def simulate_day(
    vehicles: VehicleSpec | str | Path | Sequence[VehicleSpec | str | Path],
    duty: BusDuty,
    strategy: str = "depot",
    *,
    charger_power_w: float | None = None,
    connect_s: float = CONNECT_TIME_S,
    depot_charger_power_w: float | None = None,
    capacity_relative: float = 1.0,
    resistance_relative: float = 1.0,
    pack_thermal: bool = True,
) -> DayResult:
    """Drive a bus duty for one day with a charging strategy (module docstring), one or many vehicles.

    Parameters
    ----------
    vehicles: vehicle spec(s), bundled name(s) or TOML file(s) (a batch on the engine's design axis).
    duty: the day (:class:`BusDuty`).
    strategy: ``"depot"`` (overnight only) or ``"opportunity"`` (pantograph at the terminal in each layover).
    charger_power_w: the terminal charger's rated DC output [W] (default ``CHARGERS["pantograph"]``, 450 kW).
    connect_s: time of each layover before the current flows [s] (default :data:`CONNECT_TIME_S`, assumption).
    depot_charger_power_w: the overnight charger [W] (default ``CHARGERS["depot"]``, 150 kW).
    capacity_relative, resistance_relative: an aged pack (:func:`tyaga.life.aged_pack`): capacity × q,
        resistances × r (1, 1: new).
    pack_thermal: the pack temperature as a state (engine step 8 and the charge's thermal model); ``False``:
        held at 25 °C in the drives and charges.

    Returns a :class:`DayResult`. Raises :class:`InputError` naming the field for bad input (an unknown
    strategy, a charger power ≤ the auxiliary load, a connect time ≥ the layover for ``"opportunity"``).
    """
    from tyaga import chain, charging, thermal
    from tyaga.battery import cell_for_vehicle
    from tyaga.cycle import standstill
    from tyaga.life import aged_pack

    strategy = _resolve_strategy(strategy)
    if isinstance(vehicles, VehicleSpec | str | Path):
        vehicles = [vehicles]
    specs = [chain._resolve_vehicle(v) for v in vehicles]
    if not specs:
        raise InputError("vehicles", [], "at least one vehicle")
    if duty.payload_kg is not None:
        specs = [s.model_copy(update={"body": s.body.model_copy(update={"payload_kg": duty.payload_kg})})
                 for s in specs]
    p_term = charging.CHARGERS["pantograph"]["power_w"] if charger_power_w is None else charger_power_w
    p_depot = charging.CHARGERS["depot"]["power_w"] if depot_charger_power_w is None else depot_charger_power_w
    for what, v in (("charger_power_w", p_term), ("depot_charger_power_w", p_depot)):
        if not (math.isfinite(v) and 0.0 < v <= 2e6):
            raise InputError(what, v, "0 < power ≤ 2 MW")
    if not (math.isfinite(connect_s) and connect_s >= 0.0):
        raise InputError("connect_s", connect_s, "≥ 0 s")
    if strategy == "opportunity" and duty.trips_per_day > 1 and connect_s >= duty.layover_s:
        raise InputError("connect_s", connect_s, f"shorter than the layover ({duty.layover_s:g} s): no time left "
                                                 "to charge", hint="lengthen the layover (--layover-min)")
    packs = [aged_pack(s, capacity_relative, resistance_relative) for s in specs]
    amb = duty.ambient_c
    n = len(specs)
    stops = chain.door_stops_per_s(duty.trip, duty.layover_s if duty.trips_per_day > 1 else 0.0)
    batch = chain.build_batch(specs, ambient_c=amb, pack_thermal=pack_thermal, packs=packs,
                              solar_w_per_m2=duty.solar_w_per_m2, stops_per_s=stops)
    assert batch.hvac_power_w is not None
    aux_w = batch.params[:, engine.AUX].copy()   # base aux + HVAC [W]
    soc = batch.params[:, engine.SOC_MAX].copy()
    soc_min_w = batch.params[:, engine.SOC_MIN]
    cells = [cell_for_vehicle(s) for s in specs]
    tparams = [thermal.thermal_params_for_vehicle(s, pk, c) if pack_thermal else None
               for s, pk, c in zip(specs, packs, cells, strict=True)]
    if not pack_thermal:
        temp = np.full(n, chain.UNCOUPLED_PACK_TEMPERATURE_C)
    elif duty.pack_temperature_initial_c is not None:
        temp = np.full(n, float(duty.pack_temperature_initial_c))
    else:  # kept at its BTMS heater's threshold (or the ambient, if warmer) on the depot charger overnight
        temp = np.array([max(amb, float(tp.heater_on_below_c[0])) for tp in tparams if tp is not None])

    corner_rows: list[dict[str, Any]] = []
    trip_rows: list[dict[str, Any]] = []
    clock = 0.0
    tot = {k: np.zeros(n) for k in ("drive", "layover", "charged", "grid", "miss", "exhausted", "refused")}
    t_lo, t_hi = temp.copy(), temp.copy()
    soc_low = soc.copy()
    fails_soc = np.zeros(n, dtype=bool)
    fails_trace = np.zeros(n, dtype=bool)

    def corner(phase: str, trip_no: int, t_s: float) -> None:
        for d in range(n):
            corner_rows.append({"design": d, "name": batch.names[d], "trip": trip_no, "phase": phase, "time_s": t_s,
                                "soc": soc[d], "pack_temperature_c": temp[d]})

    def run(cyc: DriveCycle) -> FloatArray:
        params = batch.params.copy()
        params[:, engine.SOC0] = soc
        if pack_thermal:
            params[:, engine.TH_T0] = temp
        return chain.run_summary(dataclasses.replace(batch, params=params), cyc)

    def after(summ: FloatArray) -> None:
        soc[:] = summ[:, engine.U["soc_end"]]
        if pack_thermal:
            temp[:] = summ[:, engine.U["pack_temperature_end_c"]]
            t_lo[:] = np.minimum(t_lo, summ[:, engine.U["pack_temperature_min_c"]])
            t_hi[:] = np.maximum(t_hi, summ[:, engine.U["pack_temperature_max_c"]])
        soc_low[:] = np.minimum(soc_low, soc)
        exhausted = summ[:, engine.U["exhausted_s"]]
        tot["exhausted"] += exhausted
        fails_soc[:] |= exhausted > 0

    lay_connect = standstill(connect_s) if strategy == "opportunity" and connect_s > 0 else None
    lay_depot = standstill(duty.layover_s) if duty.layover_s > 0 else None
    corner("start", 1, clock)
    for k in range(1, duty.trips_per_day + 1):
        soc_start = soc.copy()
        summ = run(duty.trip)
        after(summ)
        miss = summ[:, engine.U["trace_miss_s"]]
        tot["miss"] += miss
        fails_trace |= miss > TRACE_MISS_ALLOWED_FRACTION * duty.trip.duration_s
        e_drive = summ[:, engine.U["terminal_energy_j"]] / 3600.0
        tot["drive"] += e_drive
        clock += duty.trip.duration_s
        corner("drive", k, clock)
        soc_arrive = soc.copy()
        charged = np.zeros(n)
        e_lay = np.zeros(n)
        if k < duty.trips_per_day and duty.layover_s > 0:
            if strategy == "depot":
                assert lay_depot is not None
                s2 = run(lay_depot)
                after(s2)
                e_lay = s2[:, engine.U["terminal_energy_j"]] / 3600.0
                corner("standstill", k, clock + duty.layover_s)
            else:
                if lay_connect is not None:
                    s2 = run(lay_connect)
                    after(s2)
                    e_lay = s2[:, engine.U["terminal_energy_j"]] / 3600.0
                    corner("standstill", k, clock + connect_s)
                t_avail = duty.layover_s - connect_s
                for d in range(n):
                    pk = packs[d]
                    if soc[d] >= pk.soc_max - 1e-9:
                        continue
                    p_batt = p_term - aux_w[d]
                    if p_batt <= 0:
                        raise InputError("charger_power_w", p_term, f"> the auxiliary load it also carries "
                                         f"({aux_w[d]:.0f} W, base aux + HVAC)")
                    ch = charging.make_charger("pantograph", p_batt,
                                               vehicle_efficiency=specs[d].battery.charger_efficiency,
                                               vehicle_class=specs[d].vehicle_class)
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")  # the charge is cut at the layover's end on purpose
                            res = charging.charge(pk, float(soc[d]), pk.soc_max, charger=ch, ambient_c=amb,
                                                  cell=cells[d], temperature_c=float(temp[d]), thermal=tparams[d],
                                                  reference_window=False, dt_s=LAYOVER_CHARGE_STEP_S,
                                                  max_duration_s=t_avail)
                    except InputError:
                        # a pack outside its charge window that its BTMS cannot bring in: no charge this layover
                        tot["refused"][d] += 1
                        continue
                    c = _cut(res.data, t_avail)
                    charged[d] = c["energy_battery_wh"]
                    # grid: battery ÷ η + BTMS (res), plus the auxiliaries the charger carries while connected
                    tot["grid"][d] += c["energy_grid_wh"] + aux_w[d] * t_avail / 3600.0 / ch.efficiency
                    soc[d] = c["soc"]
                    if pack_thermal:
                        temp[d] = c["temperature_c"]
                        t_lo[d], t_hi[d] = min(t_lo[d], temp[d]), max(t_hi[d], temp[d])
                corner("charge", k, clock + duty.layover_s)
            clock += duty.layover_s
        tot["layover"] += e_lay
        tot["charged"] += charged
        for d in range(n):
            trip_rows.append({
                "design": d, "name": batch.names[d], "trip": k, "soc_start": soc_start[d], "soc_arrive": soc_arrive[d],
                "soc_depart_next": soc[d], "energy_drive_wh": e_drive[d], "energy_layover_wh": e_lay[d],
                "energy_charged_wh": charged[d], "pack_temperature_c": temp[d], "trace_miss_s": miss[d]})

    night_s = DAY_S - clock
    over_s = np.zeros(n)
    over_wh = np.zeros(n)
    fails_night = np.zeros(n, dtype=bool)
    for d in range(n):
        pk = packs[d]
        if soc[d] >= pk.soc_max - 1e-9:
            continue
        ch = charging.make_charger("depot", p_depot, vehicle_efficiency=specs[d].battery.charger_efficiency,
                                   vehicle_class=specs[d].vehicle_class)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = charging.charge(pk, float(max(soc[d], 0.0)), pk.soc_max, charger=ch, ambient_c=amb,
                                      cell=cells[d], temperature_c=float(temp[d]), thermal=tparams[d],
                                      reference_window=False, dt_s=30.0, max_duration_s=DAY_S)
        except InputError:
            fails_night[d] = True
            over_s[d] = math.inf
            continue
        over_s[d] = float(res.summary["duration_s"])
        over_wh[d] = float(res.summary["energy_grid_wh"])
        fails_night[d] = res.summary["soc_end"] < pk.soc_max - 1e-6 or over_s[d] > night_s
    dist_km = duty.distance_m / 1000.0
    fails = ["soc_min" if fails_soc[d] else "trace" if fails_trace[d] else "overnight" if fails_night[d] else ""
             for d in range(n)]
    summary = pd.DataFrame({
        "name": batch.names,
        "strategy": strategy,
        "feasible": [f == "" for f in fails],
        "fails": fails,
        "parallel": [s.battery.parallel for s in specs],
        "usable_energy_kwh": [pack_usable_kwh(s) for s in specs],
        "capacity_relative": capacity_relative,
        "resistance_relative": resistance_relative,
        "vehicle_mass_kg": [s.body.test_mass_kg for s in specs],
        "pack_mass_kg": [_pack_mass_or_nan(s) for s in specs],
        "ambient_c": amb,
        "hvac_power_w": batch.hvac_power_w,
        "distance_km": dist_km,
        "soc_min": soc_low,
        "soc_end": soc.copy(),
        "soc_window_min": soc_min_w,
        "energy_drive_wh": tot["drive"],
        "energy_layover_wh": tot["layover"],
        "energy_charged_wh": tot["charged"],
        "energy_dc_wh_per_km": (tot["drive"] + tot["layover"]) / dist_km,
        "energy_grid_route_wh": tot["grid"],
        "overnight_charge_s": over_s,
        "overnight_grid_wh": over_wh,
        "energy_grid_wh_per_km": (tot["grid"] + over_wh) / dist_km,
        "night_s": night_s,
        "pack_temperature_min_c": t_lo,
        "pack_temperature_max_c": t_hi,
        "trace_miss_s": tot["miss"],
        "exhausted_s": tot["exhausted"],
        "layovers_not_charged": tot["refused"].astype(int),
    }).rename_axis("design")
    return DayResult(summary, pd.DataFrame(trip_rows), pd.DataFrame(corner_rows), duty)


def pack_usable_kwh(spec: VehicleSpec) -> float:
    """Usable energy of the vehicle's new pack, its SOC window at open circuit [kWh]."""
    from tyaga.battery import pack_for_vehicle

    return pack_for_vehicle(spec).usable_energy_wh / 1000.0


def _pack_mass_or_nan(spec: VehicleSpec) -> float:
    try:
        return _pack_mass_kg(spec)
    except InputError:
        return math.nan


# ============================================================================================== sizing

#: The four cases of a sizing: (name, end of life, winter).
SIZING_CASES: tuple[tuple[str, bool, bool], ...] = (
    ("duty", False, False), ("end_of_life", True, False), ("winter", False, True), ("winter_end_of_life", True, True))


@dataclass
class SizingResult:
    """Result of :func:`size_battery` for one strategy.

    ``parallel``: the fewest strings that do the duty in every case (``None``: none up to ``max_parallel``);
    ``usable_energy_kwh`` (new pack), ``pack_mass_kg``, ``vehicle_mass_kg`` (curb + payload) of that size;
    ``binding``: which margin sets it — ``"none"`` (the duty itself), ``"end_of_life"``, ``"winter"``,
    ``"end_of_life or winter"`` (either alone needs it) or ``"end_of_life and winter"`` (only both together);
    ``cases``: per case the fewest strings and why one string fewer fails; ``evaluated``: every day run
    (case, parallel, feasible, fails, soc_min); ``day``: the :class:`DayResult` of the chosen size in the
    binding case.
    """

    strategy: str
    parallel: int | None
    usable_energy_kwh: float | None
    pack_mass_kg: float | None
    vehicle_mass_kg: float | None
    binding: str
    cases: pd.DataFrame
    evaluated: pd.DataFrame
    day: DayResult | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (no NaN)."""
        def clean(v: Any) -> Any:
            if isinstance(v, np.generic):
                v = v.item()
            return None if isinstance(v, float) and not math.isfinite(v) else v

        return {"strategy": self.strategy, "parallel": self.parallel,
                "usable_energy_kwh": clean(self.usable_energy_kwh),
                "pack_mass_kg": clean(self.pack_mass_kg), "vehicle_mass_kg": clean(self.vehicle_mass_kg),
                "binding": self.binding,
                "cases": [{k: (int(v) if k == "parallel" and clean(v) is not None else clean(v)) for k, v in r.items()}
                          for r in self.cases.to_dict("records")]}


def size_battery(
    vehicle: VehicleSpec | str | Path,
    duty: BusDuty,
    strategy: str = "depot",
    *,
    winter_ambient_c: float = WINTER_AMBIENT_C,
    capacity_relative_eol: float = EOL_CAPACITY_RELATIVE,
    resistance_relative_eol: float = EOL_RESISTANCE_RELATIVE,
    max_parallel: int | None = None,
    charger_power_w: float | None = None,
    connect_s: float = CONNECT_TIME_S,
    depot_charger_power_w: float | None = None,
) -> SizingResult:
    """The fewest parallel strings of the vehicle's cell that do ``duty`` with ``strategy`` with margins.

    Four cases (:data:`SIZING_CASES`): the duty as given (new pack at ``duty.ambient_c``); end of life
    (capacity × ``capacity_relative_eol``, resistances × ``resistance_relative_eol``); winter
    (``winter_ambient_c``, HVAC heating, the pack departing as ``duty.pack_temperature_initial_c`` says); both.
    The vehicle's SOC window is kept. Each case is searched from 1 to ``max_parallel`` (default 4 × the
    vehicle's) by bisection on the day's feasibility, which grows with the string count (more energy and more
    charge current for a mass that grows more slowly); the strings found and the one fewer are both run, so
    the answer is checked, not assumed. The mass of each candidate follows from its string count
    (:func:`with_parallel`). Other arguments as :func:`simulate_day`.
    """
    from tyaga import chain

    strategy = _resolve_strategy(strategy)
    spec = chain._resolve_vehicle(vehicle)
    _pack_mass_kg(spec)  # a cell-built pack, else InputError
    assert spec.battery.parallel is not None
    if not (math.isfinite(winter_ambient_c) and -50.0 <= winter_ambient_c <= 60.0):
        raise InputError("winter_ambient_c", winter_ambient_c, "-50 … 60 °C")
    if not (0.05 <= capacity_relative_eol <= 1.0):
        raise InputError("capacity_relative_eol", capacity_relative_eol, "0.05 … 1 (1 = new)")
    if not (1.0 <= resistance_relative_eol <= 100.0):
        raise InputError("resistance_relative_eol", resistance_relative_eol, "1 … 100 (1 = new)")
    p_max = 4 * spec.battery.parallel if max_parallel is None else max_parallel
    if isinstance(p_max, bool) or not isinstance(p_max, int | np.integer) or not 1 <= p_max <= 500:
        raise InputError("max_parallel", p_max, "an integer 1 … 500")
    winter = dataclasses.replace(duty, ambient_c=winter_ambient_c)
    evaluated: list[dict[str, Any]] = []
    days: dict[tuple[str, int], DayResult] = {}

    def feasible(case: str, eol: bool, cold: bool, p: int) -> bool:
        if (case, p) not in days:
            try:
                cand = with_parallel(spec, p)
            except InputError:
                evaluated.append({"case": case, "parallel": p, "feasible": False, "fails": "mass", "soc_min": math.nan})
                return False
            gvw = cand.body.gross_mass_kg
            day = simulate_day(cand, winter if cold else duty, strategy, charger_power_w=charger_power_w,
                               connect_s=connect_s, depot_charger_power_w=depot_charger_power_w,
                               capacity_relative=capacity_relative_eol if eol else 1.0,
                               resistance_relative=resistance_relative_eol if eol else 1.0)
            row = day.summary.iloc[0]
            ok, why = bool(row["feasible"]), str(row["fails"])
            if gvw is not None and cand.body.test_mass_kg > gvw:
                ok, why = False, "gross_mass"
            days[(case, p)] = day
            evaluated.append({"case": case, "parallel": p, "feasible": ok, "fails": why, "soc_min": row["soc_min"]})
        return next(bool(e["feasible"]) for e in evaluated if e["case"] == case and e["parallel"] == p)

    case_rows = []
    need: dict[str, int | None] = {}
    for case, eol, cold in SIZING_CASES:
        if not feasible(case, eol, cold, p_max):
            need[case] = None
            case_rows.append({"case": case, "ambient_c": winter_ambient_c if cold else duty.ambient_c,
                              "capacity_relative": capacity_relative_eol if eol else 1.0,
                              "resistance_relative": resistance_relative_eol if eol else 1.0,
                              "parallel": None, "fewer_fails": None})
            continue
        lo, hi = 0, p_max  # lo infeasible (0 strings), hi feasible
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if feasible(case, eol, cold, mid):
                hi = mid
            else:
                lo = mid
        need[case] = hi
        fewer = "" if hi == 1 else next(e["fails"] for e in evaluated if e["case"] == case and e["parallel"] == hi - 1)
        case_rows.append({"case": case, "ambient_c": winter_ambient_c if cold else duty.ambient_c,
                          "capacity_relative": capacity_relative_eol if eol else 1.0,
                          "resistance_relative": resistance_relative_eol if eol else 1.0,
                          "parallel": hi, "usable_energy_kwh": pack_usable_kwh(with_parallel(spec, hi)),
                          "fewer_fails": fewer})
    cases = pd.DataFrame(case_rows)
    if any(v is None for v in need.values()):
        return SizingResult(strategy, None, None, None, None, "no size up to max_parallel", cases,
                            pd.DataFrame(evaluated))
    sizes = {k: int(v) for k, v in need.items() if v is not None}
    required = max(sizes.values())
    eol_alone, winter_alone = sizes["end_of_life"] == required, sizes["winter"] == required
    if sizes["duty"] == required:
        binding = "none"
    elif eol_alone and winter_alone:
        binding = "end_of_life or winter"
    elif eol_alone:
        binding = "end_of_life"
    elif winter_alone:
        binding = "winter"
    else:
        binding = "end_of_life and winter"
    chosen = with_parallel(spec, required)
    case_of = next(c for c, _, _ in SIZING_CASES if sizes[c] == required)
    for c, eol, cold in SIZING_CASES:  # the chosen size must pass every case (a non-monotone case is re-checked)
        if not feasible(c, eol, cold, required):
            binding += f" (note: {c} fails at {required} strings though it passed at fewer)"
    return SizingResult(strategy, required, pack_usable_kwh(chosen), _pack_mass_kg(chosen), chosen.body.test_mass_kg
                        if duty.payload_kg is None else chosen.body.mass_kg + duty.payload_kg, binding, cases,
                        pd.DataFrame(evaluated), days.get((case_of, required)))
