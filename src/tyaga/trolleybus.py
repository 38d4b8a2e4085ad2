"""Trolleybuses with in-motion charging on a route: SOC along the line, the longest off-wire stretch, the least
share of wire a line needs.

>>> from tyaga import route, trolleybus
>>> line = route.Route([route.Segment(2000.0, 50.0, dwell_s=20.0, under_wire=True),
...                     route.Segment(1500.0, 50.0, dwell_s=20.0)])
>>> run = trolleybus.drive("trolleybus-12m-58kwh", line)
>>> bool(run.summary["energy_line_wh"] > 0)
True

The engine's step 9 (``docs/trolleybus.md``) does the physics: under the wire the line supplies traction,
auxiliaries and in-motion charging up to the collector's limit; off the wire the vehicle is a battery bus.
This module wires a :class:`tyaga.route.Route` into it and answers the planning questions:

* :func:`drive` — one or more laps of a route: SOC, line and battery power along the distance;
* :func:`longest_off_wire_km` — how far the vehicle runs off the wire, from the top of its SOC window to the
  bottom, driving the route's speed pattern, in a given :class:`Condition` (new or at end of life, summer or
  winter);
* :func:`least_wire_share` — the smallest share of the route's length that must be under wire for the
  vehicle to run lap after lap without exhausting its battery, in a given condition;
* :func:`study` — both, for several conditions, as one table (``tyaga trolleybus``).

Conditions are labelled assumptions the user can change: :data:`NEW_MILD` (a new battery, +10 °C) and
:data:`EOL_WINTER` (end of life: 80 % capacity, 1.5 × resistance; −20 °C with the heating on and the pack
kept at +15 °C by its BTMS in service). See ``docs/trolleybus.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tyaga.cycle import DriveCycle, concatenate
from tyaga.errors import InputError
from tyaga.route import Driver, Route, RouteTrace, generate
from tyaga.vehicle import VehicleSpec

FloatArray = npt.NDArray[np.float64]

#: Relative capacity at the end of life (the 80 % SOH convention of traction batteries, e.g. IEC 62660-1's
#: cycle-life end point and common bus-tender wording; also tyaga.life.EOL_SOH).
EOL_CAPACITY_RELATIVE = 0.8

#: Relative internal resistance at the end of life. Assumption: +50 %, within the +30 … +100 % reported for
#: NMC and LFP cells at 80 % SOH in ageing studies; the user should give the cell's own figure.
EOL_RESISTANCE_RELATIVE = 1.5


@dataclass(frozen=True)
class Condition:
    """The state in which a route is driven.

    Parameters
    ----------
    name:
        Label of the condition.
    ambient_c:
        Ambient temperature [°C] (−50 … 60); the cabin's HVAC runs at it and the pack's temperature is
        coupled (engine step 8).
    capacity_relative, resistance_relative:
        The battery's capacity and resistance relative to new (:func:`tyaga.life.aged_pack`).
    pack_temperature_initial_c:
        The pack's temperature at the start [°C] (default: the ambient, a soaked pack).
    hvac_on:
        Climate control on (default).
    """

    name: str
    ambient_c: float
    capacity_relative: float = 1.0
    resistance_relative: float = 1.0
    pack_temperature_initial_c: float | None = None
    hvac_on: bool = True

    def __post_init__(self) -> None:
        a = self.ambient_c
        if isinstance(a, bool) or not isinstance(a, int | float) or not (math.isfinite(a) and -50 <= a <= 60):
            raise InputError("ambient_c", a, "-50 … 60 °C")
        p = self.pack_temperature_initial_c
        if p is not None and (isinstance(p, bool) or not isinstance(p, int | float)
                              or not (math.isfinite(p) and -50 <= p <= 80)):
            raise InputError("pack_temperature_initial_c", p, "-50 … 80 °C, or none (the ambient)")
        q, r = self.capacity_relative, self.resistance_relative
        if isinstance(q, bool) or not isinstance(q, int | float) or not (0.05 <= q <= 1.5):
            raise InputError("capacity_relative", q, "a relative capacity 0.05 … 1.5 (1 = new)")
        if isinstance(r, bool) or not isinstance(r, int | float) or not (0.5 <= r <= 100.0):
            raise InputError("resistance_relative", r, "a relative resistance 0.5 … 100 (1 = new)")


#: A new battery on a mild day (+10 °C, heating on, pack at the ambient).
NEW_MILD = Condition("new, +10 °C", 10.0)

#: End of life in winter: 80 % capacity, 1.5 × resistance, −20 °C with the heating on; the pack starts at
#: +15 °C (in service its BTMS keeps it warm under the wire; a cold-soaked NMC pack at −20 °C could not
#: discharge at all).
EOL_WINTER = Condition("end of life, −20 °C", -20.0, EOL_CAPACITY_RELATIVE, EOL_RESISTANCE_RELATIVE,
                       pack_temperature_initial_c=15.0)

DEFAULT_CONDITIONS: tuple[Condition, ...] = (NEW_MILD, EOL_WINTER)

#: Service day [km] over which :func:`least_wire_share` checks a wire share (assumption: a 12 m city
#: trolleybus runs about 200–300 km a day in two shifts).
DEFAULT_DAY_KM = 250.0


@dataclass(frozen=True, eq=False)
class RouteRun:
    """Laps of a route driven: the per-sample table and the summary row.

    Attributes
    ----------
    series:
        One row per sample: ``time_s``, ``distance_m`` (along all laps), ``lap``, ``under_wire`` (0/1),
        ``speed_mps``, ``soc``, ``battery_power_w``, ``line_power_w``, ``aux_power_w``. As in the engine's
        time series, the powers and ``under_wire`` at a sample are those of the step that ends there.
    summary:
        The simulation's summary row (:attr:`tyaga.SimulationResult.summary`), plus ``laps``,
        ``wire_share`` (share of the distance under wire), ``soc_min`` (lowest SOC on the run),
        ``test_mass_kg`` (the mass driven, passengers included) and ``condition``.
    cycle:
        The drive cycle of all laps.
    """

    series: pd.DataFrame
    summary: pd.Series
    cycle: DriveCycle = field(repr=False)


def _vehicle(vehicle: VehicleSpec | str | Path) -> VehicleSpec:
    from tyaga import vehicles

    spec = vehicle if isinstance(vehicle, VehicleSpec) else vehicles.load(vehicle)
    if spec.collector is None:
        raise InputError("vehicle.collector", spec.name, "a vehicle with a [collector] table (a trolleybus)")
    return spec


def _trace(line: Route | RouteTrace, driver: Driver | None) -> RouteTrace:
    if isinstance(line, RouteTrace):
        return line
    if isinstance(line, Route):
        return generate(line, driver)
    raise InputError("route", type(line).__name__, "a tyaga.route.Route or RouteTrace")


def _laps(trace: RouteTrace, laps: int, wire: FloatArray) -> tuple[DriveCycle, FloatArray, FloatArray, FloatArray]:
    """The cycle of ``laps`` laps, its per-sample wire flags, distance along all laps [m] and lap index."""
    if isinstance(laps, bool) or not isinstance(laps, int) or not 1 <= laps <= 1000:
        raise InputError("laps", laps, "an integer 1 … 1000")
    cyc = trace.cycle if laps == 1 else concatenate([trace.cycle] * laps, name=f"{trace.cycle.name}×{laps}",
                                                    source=trace.cycle.source)
    n = trace.cycle.time_s.size
    if cyc.time_s.size != laps * (n - 1) + 1:  # a lap that does not start and end at rest joins with a ramp
        raise InputError("route", trace.cycle.name, "a route that starts and ends at rest (it always does)")
    # the joint sample of two laps starts the next lap's first step: drop each earlier lap's last flag
    flags = np.concatenate([wire[:-1]] * laps + [wire[-1:]])
    dist = np.concatenate([trace.distance_m[:-1] + k * trace.distance_m[-1] for k in range(laps)]
                          + [trace.distance_m[-1:] + (laps - 1) * trace.distance_m[-1]])
    lap = np.concatenate([np.full(n - 1, k) for k in range(laps)] + [np.array([laps - 1])]).astype(float)
    return cyc, flags, dist, lap


def _simulate(spec: VehicleSpec, cyc: DriveCycle, flags: FloatArray | None, condition: Condition,
              payload_kg: float | None, soc_initial: float | None, timeseries: bool,
              with_range: bool) -> Any:
    import tyaga
    from tyaga.life import aged_pack

    pack = aged_pack(spec, float(condition.capacity_relative), float(condition.resistance_relative))
    return tyaga.simulate(
        spec, cyc, soc_initial=soc_initial, timeseries=timeseries, with_range=with_range, with_acceleration=False,
        payload_kg=payload_kg, ambient_c=float(condition.ambient_c), pack_thermal=True,
        pack_temperature_initial_c=condition.pack_temperature_initial_c, hvac_on=condition.hvac_on,
        packs=[pack], under_wire=flags,
    )


def _payload(trace: RouteTrace, payload_kg: float | None) -> float | None:
    """The route's time-mean passenger mass [kg] when it has passengers, else ``payload_kg``."""
    if payload_kg is not None:
        return payload_kg
    if np.any(trace.occupancy):
        return trace.mean_passenger_mass_kg
    return None


def drive(
    vehicle: VehicleSpec | str | Path,
    line: Route | RouteTrace,
    condition: Condition = NEW_MILD,
    *,
    laps: int = 1,
    under_wire: npt.ArrayLike | None = None,
    driver: Driver | None = None,
    payload_kg: float | None = None,
    soc_initial: float | None = None,
) -> RouteRun:
    """Drive ``laps`` laps of a route with a trolleybus and record SOC, line and battery power along it.

    Parameters
    ----------
    vehicle:
        A vehicle with a ``[collector]`` (bundled name, TOML path or spec).
    line:
        The route (generated with ``driver``) or an already generated :class:`~tyaga.route.RouteTrace`.
    condition:
        Ambient, battery age and pack temperature (default :data:`NEW_MILD`).
    laps:
        Laps driven back to back (≥ 1).
    under_wire:
        One 0/1 flag per sample of one lap overriding the route's own ``under_wire`` segments.
    payload_kg:
        Passenger (and load) mass [kg]; default: the route's time-mean passenger mass where it has
        boarding/alighting, else the vehicle's payload.
    soc_initial:
        SOC at the start (default the vehicle's ``soc_max``).
    """
    spec = _vehicle(vehicle)
    trace = _trace(line, driver)
    wire = trace.under_wire if under_wire is None else _flags(under_wire, trace)
    cyc, flags, dist, lap = _laps(trace, laps, wire)
    res = _simulate(spec, cyc, flags, condition, _payload(trace, payload_kg), soc_initial, True, False)
    ts = res.timeseries
    # the engine's series hold at sample k the step that ends at t_k: the wire flag of that step aligns with them
    wire_step = np.concatenate((flags[:1], flags[:-1]))
    series = pd.DataFrame({
        "time_s": cyc.time_s, "distance_m": dist, "lap": lap.astype(int), "under_wire": wire_step,
        "speed_mps": cyc.speed_mps,
        "soc": np.asarray(ts["soc"]).reshape(-1),
        "battery_power_w": np.asarray(ts["battery_power_w"]).reshape(-1),
        "line_power_w": np.asarray(ts["line_power_w"]).reshape(-1),
        "aux_power_w": np.asarray(ts["aux_power_w"]).reshape(-1),
    })
    summary = res.summary.iloc[0].copy()
    steps = np.diff(dist)
    summary["laps"] = laps
    summary["test_mass_kg"] = float(res.specs[0].body.test_mass_kg)
    summary["wire_share"] = float(np.sum(steps * flags[:-1]) / max(float(np.sum(steps)), 1e-12))
    summary["soc_min"] = float(series["soc"].min())
    summary["condition"] = condition.name
    return RouteRun(series, summary, cyc)


def _flags(under_wire: npt.ArrayLike, trace: RouteTrace) -> FloatArray:
    w = np.asarray(under_wire)
    n = trace.cycle.time_s.size
    if w.shape != (n,) or not (np.issubdtype(w.dtype, np.bool_) or np.all((w == 0) | (w == 1))):
        raise InputError("under_wire", f"{w.shape} values", f"one flag (0/1 or true/false) per route sample, {n}")
    return w.astype(float)


def longest_off_wire_km(
    vehicle: VehicleSpec | str | Path,
    line: Route | RouteTrace,
    condition: Condition = EOL_WINTER,
    *,
    driver: Driver | None = None,
    payload_kg: float | None = None,
) -> float:
    """The longest stretch [km] the trolleybus runs off the wire in ``condition``: the route's speed pattern
    driven again and again entirely on the battery, from the top of its SOC window (as it leaves the wire
    fully charged) until the bottom of the window, or until it can no longer follow the trace.

    The chain's range procedure (:func:`tyaga.simulate` ``with_range``) with no wire; the wire flags of the
    route are ignored here.
    """
    spec = _vehicle(vehicle)
    trace = _trace(line, driver)
    res = _simulate(spec, trace.cycle, None, condition, _payload(trace, payload_kg), None, False, True)
    return float(res.summary["range_km"].iloc[0])


def wire_flags(trace: RouteTrace, share: float, placement: str = "start") -> FloatArray:
    """0/1 wire flags per sample for ``share`` of the route's length under wire.

    ``placement``: ``"start"`` — one wired stretch from the start of the lap over ``share`` of its length
    (the off-wire part is one stretch: the conservative layout); ``"spread"`` — the first ``share`` of every
    stop-to-stop section (the wire spread evenly along the line).
    """
    if isinstance(share, bool) or not isinstance(share, int | float) or not (math.isfinite(share)
                                                                              and 0 <= share <= 1):
        raise InputError("share", share, "0 … 1 (share of the route's length under wire)")
    s = trace.distance_m
    s_mid = np.append(0.5 * (s[1:] + s[:-1]), s[-1])
    if placement == "start":
        return (s_mid < share * s[-1]).astype(float)
    if placement == "spread":
        ends = np.asarray(trace.section_end_s)
        t = trace.cycle.time_s
        # position where each stop-to-stop section begins and ends
        bounds = np.concatenate(([0.0], np.interp(ends, t, s)))
        k = np.clip(np.searchsorted(bounds, s_mid, side="right") - 1, 0, len(bounds) - 2)
        start, length = bounds[k], np.diff(bounds)[k]
        return ((s_mid - start) < share * length).astype(float)
    raise InputError("placement", placement, "start or spread")


@dataclass(frozen=True)
class WireShare:
    """Result of :func:`least_wire_share`.

    Attributes
    ----------
    share:
        Least share of the route's length under wire [–] that works (``None``: even a fully wired route
        does not, e.g. a collector too weak for the traction).
    off_wire_km:
        The off-wire length per lap at that share [km].
    soc_min:
        Lowest SOC over the laps at that share.
    laps:
        Laps of the service day simulated for each trial.
    tolerance:
        Resolution of the search (share).
    reason:
        Why a share is infeasible at ``share − tolerance`` (or why none is feasible).
    trace_miss_s:
        Seconds the vehicle falls more than 2 km/h behind the trace over the laps at that share (the
        battery's power limit off the wire; time lost, not energy).
    """

    share: float | None
    off_wire_km: float | None
    soc_min: float | None
    laps: int
    tolerance: float
    reason: str
    trace_miss_s: float | None = None


def _sustainable(spec: VehicleSpec, trace: RouteTrace, share: float, placement: str, condition: Condition,
                 laps: int, payload_kg: float | None) -> tuple[bool, float, str, float]:
    """Can the vehicle run ``laps`` laps from soc_max with ``share`` of wire without exhausting its battery or
    touching the bottom of its SOC window? Returns (ok, lowest SOC, reason, seconds behind the trace). Falling
    behind the trace (the battery's power limit off the wire) is reported, not counted as infeasible: it costs
    time, not energy."""
    flags = wire_flags(trace, share, placement)
    cyc, lap_flags, _, _ = _laps(trace, laps, flags)
    res = _simulate(spec, cyc, lap_flags, condition, payload_kg, None, True, False)
    summ = res.summary.iloc[0]
    miss = float(summ["trace_miss_s"])
    soc = np.asarray(res.timeseries["soc"]).reshape(-1)
    soc_floor = float(spec.battery.soc_min)
    if float(summ["exhausted_s"]) > 0.0:
        why = f"the battery is exhausted off the wire ({float(summ['exhausted_s']):.0f} s)"
        return False, float(soc.min()), why, miss
    if float(soc.min()) <= soc_floor + 1e-6:
        return False, float(soc.min()), "SOC reaches the bottom of the window", miss
    return True, float(soc.min()), "", miss


def least_wire_share(
    vehicle: VehicleSpec | str | Path,
    line: Route | RouteTrace,
    condition: Condition = EOL_WINTER,
    *,
    placement: str = "start",
    day_km: float = DEFAULT_DAY_KM,
    tolerance: float = 0.005,
    driver: Driver | None = None,
    payload_kg: float | None = None,
) -> WireShare:
    """The least share of the route's length under wire that lets the trolleybus run a service day on it.

    Method: the wire is laid by :func:`wire_flags` (``placement``); for a trial share the route is driven lap
    after lap from ``soc_max`` in ``condition`` for a service day of ``day_km`` (whole laps, at least two);
    the share is feasible when the battery is never exhausted and SOC never reaches the bottom of the window
    (a battery drawn down a little each lap fails within the day; one that settles to a periodic state
    passes). The least feasible share is found by bisection to ``tolerance``: more wire never needs more
    battery (monotone), which the bisection assumes. Time lost behind the trace (the battery's power limit
    off the wire) is reported, not counted as infeasible.
    """
    spec = _vehicle(vehicle)
    trace = _trace(line, driver)
    pay = _payload(trace, payload_kg)
    if isinstance(day_km, bool) or not isinstance(day_km, int | float) or not (math.isfinite(day_km)
                                                                                and 0 < day_km <= 2000):
        raise InputError("day_km", day_km, "0 < day_km ≤ 2000 km")
    laps = max(2, math.ceil(float(day_km) * 1000.0 / float(trace.distance_m[-1]) - 1e-9))
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 1e-4 <= tolerance <= 0.2:
        raise InputError("tolerance", tolerance, "1e-4 … 0.2 (share)")
    ok1, soc1, why1, miss1 = _sustainable(spec, trace, 1.0, placement, condition, laps, pay)
    if not ok1:
        return WireShare(None, None, None, laps, float(tolerance), f"not even a fully wired route works: {why1}",
                         miss1)
    ok0, soc0, why0, miss0 = _sustainable(spec, trace, 0.0, placement, condition, laps, pay)
    length_km = float(trace.distance_m[-1]) / 1000.0
    if ok0:
        return WireShare(0.0, length_km, soc0, laps, float(tolerance), "no wire needed", miss0)
    lo, hi, soc_hi, why_lo, miss_hi = 0.0, 1.0, soc1, why0, miss1
    while hi - lo > tolerance:
        mid = 0.5 * (lo + hi)
        ok, soc, why, miss = _sustainable(spec, trace, mid, placement, condition, laps, pay)
        if ok:
            hi, soc_hi, miss_hi = mid, soc, miss
        else:
            lo, why_lo = mid, why
    return WireShare(hi, (1.0 - hi) * length_km, soc_hi, laps, float(tolerance), why_lo, miss_hi)


def study(
    vehicle: VehicleSpec | str | Path,
    line: Route | RouteTrace,
    conditions: Sequence[Condition] = DEFAULT_CONDITIONS,
    *,
    placement: str = "start",
    day_km: float = DEFAULT_DAY_KM,
    tolerance: float = 0.005,
    driver: Driver | None = None,
    payload_kg: float | None = None,
) -> pd.DataFrame:
    """For each condition: one lap of the route as given (its own wire), the longest off-wire stretch and the least wire
    share. One row per condition; columns ``condition``, ``ambient_c``, ``capacity_relative``,
    ``resistance_relative``, ``route_km``, ``route_wire_share``, ``route_soc_min``, ``route_soc_end``,
    ``route_energy_line_wh``, ``longest_off_wire_km``, ``least_wire_share``, ``least_wire_off_wire_km``,
    ``least_wire_reason``."""
    spec = _vehicle(vehicle)
    trace = _trace(line, driver)
    rows: list[dict[str, Any]] = []
    for c in conditions:
        run = drive(spec, trace, c, payload_kg=payload_kg)
        ws = least_wire_share(spec, trace, c, placement=placement, day_km=day_km, tolerance=tolerance,
                              payload_kg=payload_kg)
        rows.append({
            "condition": c.name, "ambient_c": c.ambient_c, "capacity_relative": c.capacity_relative,
            "resistance_relative": c.resistance_relative,
            "route_km": float(trace.distance_m[-1]) / 1000.0,
            "route_wire_share": float(run.summary["wire_share"]),
            "route_soc_min": float(run.summary["soc_min"]), "route_soc_end": float(run.summary["soc_end"]),
            "route_exhausted_s": float(run.summary["exhausted_s"]),
            "route_energy_line_wh": float(run.summary["energy_line_wh"]),
            "longest_off_wire_km": longest_off_wire_km(spec, trace, c, payload_kg=payload_kg),
            "least_wire_share": ws.share, "least_wire_off_wire_km": ws.off_wire_km,
            "least_wire_reason": ws.reason, "least_wire_trace_miss_s": ws.trace_miss_s,
            "route_trace_miss_s": float(run.summary["trace_miss_s"]),
        })
    return pd.DataFrame(rows)


__all__ = [
    "DEFAULT_CONDITIONS",
    "DEFAULT_DAY_KM",
    "EOL_CAPACITY_RELATIVE",
    "EOL_RESISTANCE_RELATIVE",
    "EOL_WINTER",
    "NEW_MILD",
    "Condition",
    "RouteRun",
    "WireShare",
    "drive",
    "least_wire_share",
    "longest_off_wire_km",
    "study",
    "wire_flags",
]
