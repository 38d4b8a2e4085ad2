"""``tyaga bus duty`` and ``tyaga bus size``: a city bus's day on depot or opportunity charging, and the battery
it needs. Parses options, calls :mod:`tyaga.bus`, prints with rich (no physics here).

Register the plain functions (``app.command("bus-duty")(bus_duty)``, ``app.command("bus-size")(bus_size)``)
or the sub-app (``app.add_typer(bus_app, name="bus")`` → ``tyaga bus duty|size``).
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tyaga.cli_common import console, emit_json, fail
from tyaga.errors import InputError


class Strategy(str, Enum):
    depot = "depot"
    opportunity = "opportunity"
    both = "both"



def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "—" if v is None else ("yes" if v else "no")
    if isinstance(v, float):
        return "—" if not math.isfinite(v) else f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
    return str(v)


def _table(title: str, columns: list[str], rows: list[dict[str, Any]], keys: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("quantity")
    for c in columns:
        table.add_column(escape(c), justify="right")
    for key, label in keys:
        table.add_row(escape(label), *[escape(_fmt(r.get(key))) for r in rows])
    return table



VehicleOption = Annotated[str, typer.Option("--vehicle", "-v", help="Bundled name or TOML file of the bus.")]
CycleOption = Annotated[str | None, typer.Option("--cycle", "-c", help="One trip: a bundled cycle (sort1, sort2, "
                                                 "sort3, …) or a cycle file. Default sort2 (unless --route).")]
RouteOption = Annotated[str | None, typer.Option(help="One trip: a route file (CSV/TOML of segments, "
                                                 "docs/routes.md) instead of --cycle.")]
TripKmOption = Annotated[float | None, typer.Option(help="Repeat the cycle back to back to this trip length [km].")]
TripsOption = Annotated[int, typer.Option(help="Trips per day.")]
LayoverOption = Annotated[float, typer.Option(help="Layover at the terminal between trips [min].")]
AmbientOption = Annotated[float, typer.Option(help="Ambient temperature of the day [°C] (the cabin HVAC "
                                              "holds its setpoint; the doors open at every stop).")]
PassengersOption = Annotated[float | None, typer.Option(help="Passengers aboard on average (× 68 kg; default "
                                                        "the vehicle file's payload or the route's load).")]
ChargerOption = Annotated[float | None, typer.Option(help="Pantograph charger at the terminal [kW] (default 450).")]
DepotOption = Annotated[float | None, typer.Option(help="Overnight depot charger [kW] (default 150).")]
ConnectOption = Annotated[float, typer.Option(help="Seconds of each layover before the current flows "
                                              "(assumption: 30 s).")]
PackTempOption = Annotated[float | None, typer.Option(help="Pack temperature at departure [°C] (default: kept "
                                                      "at its BTMS heater threshold on the depot charger).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")]


def _duty(cycle: str | None, route: str | None, trip_km: float | None, trips: int, layover_min: float,
          ambient_c: float, passengers: float | None, pack_temperature_c: float | None) -> Any:
    from tyaga import bus
    from tyaga.route import PASSENGER_MASS_KG

    if cycle is None and route is None:
        cycle = "sort2"
    trip, route_kg = bus.trip(cycle, route, trip_km)
    if passengers is not None and not (math.isfinite(passengers) and 0 <= passengers <= 300):
        raise InputError("--passengers", passengers, "0 … 300")
    payload = passengers * PASSENGER_MASS_KG if passengers is not None else route_kg
    if not (math.isfinite(layover_min) and 0.0 <= layover_min <= 360.0):
        raise InputError("--layover-min", layover_min, "0 … 360 min")
    return bus.BusDuty(trip, trips, layover_min * 60.0, ambient_c=ambient_c, payload_kg=payload,
                       pack_temperature_initial_c=pack_temperature_c)


def _kw(v: float | None, name: str) -> float | None:
    if v is None:
        return None
    if not (math.isfinite(v) and v > 0):
        raise InputError(name, v, "a power > 0 kW")
    return v * 1e3


def _strategies(s: Strategy) -> list[str]:
    return ["depot", "opportunity"] if s is Strategy.both else [s.value]


DAY_KEYS = [
    ("feasible", "duty feasible"), ("fails", "fails by"), ("usable_energy_kwh", "usable energy, new [kWh]"),
    ("capacity_relative", "capacity (1 = new)"), ("vehicle_mass_kg", "vehicle mass [kg]"),
    ("distance_km", "distance [km]"), ("hvac_power_w", "cabin HVAC incl. doors [W]"),
    ("soc_min", "lowest SOC"), ("soc_end", "SOC at the end of service"),
    ("energy_drive_wh", "battery energy, trips [Wh]"), ("energy_layover_wh", "battery energy, layovers [Wh]"),
    ("energy_charged_wh", "charged at the terminal [Wh]"), ("energy_dc_wh_per_km", "battery energy out [Wh/km]"),
    ("energy_grid_route_wh", "grid energy, terminal [Wh]"), ("overnight_charge_s", "overnight charge [s]"),
    ("overnight_grid_wh", "grid energy, overnight [Wh]"), ("night_s", "time left for it [s]"),
    ("energy_grid_wh_per_km", "grid energy, whole day [Wh/km]"),
    ("pack_temperature_min_c", "pack temperature, lowest [°C]"),
    ("pack_temperature_max_c", "pack temperature, highest [°C]"), ("trace_miss_s", "trace missed [s]"),
]


def bus_duty(
    vehicle: VehicleOption = "city-bus-12m-285kwh",
    cycle: CycleOption = None,
    route: RouteOption = None,
    trip_km: TripKmOption = None,
    trips: TripsOption = 12,
    layover_min: LayoverOption = 10.0,
    strategy: Annotated[Strategy, typer.Option(help="Charging: depot (overnight only), opportunity "
                                               "(pantograph in each layover) or both.")] = Strategy.both,
    ambient_c: AmbientOption = 20.0,
    passengers: PassengersOption = None,
    charger_kw: ChargerOption = None,
    depot_charger_kw: DepotOption = None,
    connect_s: ConnectOption = 30.0,
    pack_temperature_c: PackTempOption = None,
    soh: Annotated[float, typer.Option(help="State of health of the pack (capacity, 1 = new).")] = 1.0,
    resistance_factor: Annotated[float, typer.Option(help="Pack resistance relative to new.")] = 1.0,
    as_json: JsonOption = False,
) -> None:
    """A bus's day: trips and layovers, SOC over the day with depot or opportunity charging."""
    from tyaga import bus

    try:
        duty = _duty(cycle, route, trip_km, trips, layover_min, ambient_c, passengers, pack_temperature_c)
        rows, per_trip = [], {}
        for s in _strategies(strategy):
            res = bus.simulate_day(vehicle, duty, s, charger_power_w=_kw(charger_kw, "--charger-kw"),
                                   connect_s=connect_s, depot_charger_power_w=_kw(depot_charger_kw,
                                                                                  "--depot-charger-kw"),
                                   capacity_relative=soh, resistance_relative=resistance_factor)
            rows.append(res.summary.iloc[0].to_dict())
            per_trip[s] = res.trips.drop(columns=["design", "name"]).to_dict("records")
    except InputError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"trip": duty.trip.name, "trips_per_day": duty.trips_per_day, "layover_s": duty.layover_s,
                    "strategies": rows, "trips": per_trip})
        return
    title = (f"tyaga bus duty — {rows[0]['name']}, {duty.trips_per_day} × {duty.trip.name} "
             f"({duty.trip.distance_m / 1000:.1f} km), layover {duty.layover_s / 60:g} min, {ambient_c:g} °C")
    console.print(_table(title, [r["strategy"] for r in rows], rows, DAY_KEYS))
    for s, tr in per_trip.items():
        t = Table(title=f"{s}: SOC per trip")
        for c in ("trip", "SOC start", "SOC arrive", "SOC depart", "charged [kWh]", "pack [°C]"):
            t.add_column(c, justify="right")
        for r in tr:
            t.add_row(str(r["trip"]), f"{r['soc_start']:.3f}", f"{r['soc_arrive']:.3f}", f"{r['soc_depart_next']:.3f}",
                      f"{r['energy_charged_wh'] / 1e3:.1f}", f"{r['pack_temperature_c']:.1f}")
        console.print(t)


SIZE_KEYS = [
    ("parallel", "strings in parallel"), ("usable_energy_kwh", "usable energy, new [kWh]"),
    ("pack_mass_kg", "pack mass [kg]"), ("vehicle_mass_kg", "vehicle mass [kg]"), ("binding", "margin that binds"),
]


def bus_size(
    vehicle: VehicleOption = "city-bus-12m-285kwh",
    cycle: CycleOption = None,
    route: RouteOption = None,
    trip_km: TripKmOption = None,
    trips: TripsOption = 12,
    layover_min: LayoverOption = 10.0,
    strategy: Annotated[Strategy, typer.Option(help="Charging: depot, opportunity or both.")] = Strategy.both,
    ambient_c: AmbientOption = 20.0,
    winter_c: Annotated[float, typer.Option(help="Winter design ambient [°C] (heater on).")] = -20.0,
    eol_soh: Annotated[float, typer.Option(help="Capacity at end of life (1 = new).")] = 0.8,
    eol_resistance: Annotated[float, typer.Option(help="Resistance at end of life, relative to new "
                                                  "(assumption 1.5).")] = 1.5,
    passengers: PassengersOption = None,
    charger_kw: ChargerOption = None,
    depot_charger_kw: DepotOption = None,
    connect_s: ConnectOption = 30.0,
    pack_temperature_c: PackTempOption = None,
    max_parallel: Annotated[int | None, typer.Option(help="Largest string count tried (default 4 × the "
                                                     "vehicle's).")] = None,
    as_json: JsonOption = False,
) -> None:
    """The fewest strings of the bus's cell that do the duty at end of life and in winter, per strategy."""
    from tyaga import bus

    try:
        duty = _duty(cycle, route, trip_km, trips, layover_min, ambient_c, passengers, pack_temperature_c)
        results = [bus.size_battery(vehicle, duty, s, winter_ambient_c=winter_c, capacity_relative_eol=eol_soh,
                                    resistance_relative_eol=eol_resistance, max_parallel=max_parallel,
                                    charger_power_w=_kw(charger_kw, "--charger-kw"), connect_s=connect_s,
                                    depot_charger_power_w=_kw(depot_charger_kw, "--depot-charger-kw"))
                   for s in _strategies(strategy)]
    except InputError as exc:
        fail(exc)
        return
    dicts = [r.to_dict() for r in results]
    if as_json:
        emit_json({"trip": duty.trip.name, "trips_per_day": duty.trips_per_day, "layover_s": duty.layover_s,
                    "ambient_c": ambient_c, "winter_ambient_c": winter_c, "strategies": dicts})
        return
    title = (f"tyaga bus size — {duty.trips_per_day} × {duty.trip.name} ({duty.trip.distance_m / 1000:.1f} km), "
             f"layover {duty.layover_s / 60:g} min, {ambient_c:g} °C / winter {winter_c:g} °C")
    console.print(_table(title, [d["strategy"] for d in dicts], dicts, SIZE_KEYS))
    for d in dicts:
        t = Table(title=f"{d['strategy']}: strings needed per case")
        for c in ("case", "ambient [°C]", "capacity", "resistance", "strings", "one fewer fails by"):
            t.add_column(c, justify="right")
        for c in d["cases"]:
            t.add_row(escape(str(c["case"])), _fmt(c["ambient_c"]), _fmt(c["capacity_relative"]),
                      _fmt(c["resistance_relative"]), _fmt(c["parallel"]), escape(_fmt(c["fewer_fails"])))
        console.print(t)


bus_app = typer.Typer(add_completion=False, no_args_is_help=True,
                      help="City buses: a day's duty with depot or opportunity charging, and the battery for it.")
bus_app.command("duty")(bus_duty)
bus_app.command("size")(bus_size)
