"""A fleet day: electric buses on a timetable of blocks, sharing chargers at terminals and depots.

Inputs (three CSV files, ``docs/fleet.md``):

* **routes** — ``route_id, cycle, from_terminal, to_terminal`` [, ``repeats``, ``passengers``]: what a trip
  on the route drives (a bundled cycle, a cycle file or a :mod:`tyaga.route` file) and between which
  terminals;
* **timetable** — one row per trip: ``block_id, vehicle_id, vehicle, trip_id, route_id, departure``
  [, ``arrival``, ``soc_initial``, ``depot``]. A block is one vehicle's sequence of trips from leaving the
  depot to returning to it; a vehicle may run several blocks a day;
* **chargers** — ``site, count, power_kw, grid_connection_kw, kind`` [, ``efficiency``]: the chargers at a
  terminal or depot (kind ``depot``, ``pantograph`` or ``dc``, :data:`tyaga.charging.CHARGERS`).

Method (:func:`simulate_day`):

1. **Trip energy** — one batched engine run (:func:`tyaga.chain.build_batch` + :func:`tyaga.chain.run_summary`)
   per route for all distinct vehicle designs that drive it, each started from :data:`SOC_GRID_POINTS`
   SOCs across its window: the trip's SOC drop ``ΔSOC(SOC at departure)`` is the engine's own
   coulombic ``soc_initial − soc_end`` at those SOCs, linear between them (the drop grows slightly as the
   OCV falls). 200 buses on 10 routes are 10 engine calls, not 2000.
2. **Charging** — one charge of :func:`tyaga.charging.charge` per (vehicle design, charger site) from
   ``soc_min`` to ``soc_max`` at the site's rated power (the same CP/CC–CV protocol, current limit and
   chemistry taper as ``tyaga charge``). A session that starts at SOC ``s₀`` and lasts ``Δt`` follows this
   curve from the time it passes ``s₀``: ``SOC = SOC_curve(t(s₀) + Δt)``, grid energy the curve's difference.
   This neglects the RC-pair state left by the trip (relaxed at the plug-in) and holds the pack at
   :data:`CHARGE_PACK_TEMPERATURE_C` (a conditioned pack; an assumption).
3. **The day** — discrete events (a heap of departures, arrivals, returns to the depot and session ends,
   event-exact SOC bookkeeping). At a terminal with chargers a bus joins a first-come-first-served queue,
   plugs in when a charger is free (after :data:`CONNECTION_TIME_S`), and charges until its next departure
   or its curve's end; a queued bus leaves at its departure. At the end of a block it is at its depot
   (the deadhead run is not simulated unless the timetable has it as a trip) and charges there, queueing
   too, until its next block or full. Between trips at a terminal, outside a session, the auxiliaries
   (``aux_power_w`` + the cabin HVAC at ``ambient_c``) draw from the pack (``layover_aux``); at the depot
   the bus is switched off.
4. **A block it cannot finish** — a trip whose lowest SOC (``ΔSOC`` × the trip's dip ratio: the SOC falls
   below its end value before the regen of the last braking) would be below ``soc_min`` is not driven:
   the block is reported as failed (trip, time, SOC, and by how much it falls short) and the bus returns to
   its depot at once (recovery not simulated) to charge for its next block. This is a result, not an error.

A day is **feasible** when every block finishes and every bus is back at its starting SOC by its first
departure 24 h later (``require_next_day``), so the overnight charge at the depot counts too.

Sizing (:func:`size`): the fewest chargers per site (coordinate-wise binary search, then a check that one
charger less at any site makes some block fail), and/or the smallest battery per vehicle design (fewest
``battery.parallel`` strings of a cell-built pack, or whole kWh of a pack-level shortcut; the curb mass
follows the cells' mass) that keep the day feasible.

Grid connection: each row's charger grid input ``power_kw / efficiency`` must not exceed the site's
``grid_connection_kw`` (an :class:`InputError` naming the row); where the whole site's chargers would
exceed it, only ``floor(grid_connection / (power / efficiency))`` of them charge at once (load management,
the others wait in the queue; an assumption, ``docs/fleet.md``).
"""

from __future__ import annotations

import csv
import dataclasses
import heapq
import itertools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tyaga.cycle import DriveCycle
from tyaga.errors import InputError, suggest
from tyaga.vehicle import VehicleSpec

FloatArray = npt.NDArray[np.float64]

#: One day [s]: a bus must be ready again by its first departure plus this (``require_next_day``).
DAY_S = 86400.0
#: Latest time a timetable may name [s] (48:00, a service day that runs past midnight, as GTFS writes it).
MAX_TIME_S = 2 * DAY_S
#: Site a vehicle returns to when the timetable has no ``depot`` column.
DEFAULT_DEPOT = "depot"
#: ASSUMPTION (tyaga): time from a bus reaching a free charger to current flowing [s] (pantograph lowering or
#: plug-in and the charger's handshake, "a few tens of seconds"; not a published figure). The charger is
#: occupied during it.
CONNECTION_TIME_S = 30.0
#: ASSUMPTION (tyaga): pack temperature during charging [°C]: an in-service bus pack held warm by its BTMS.
CHARGE_PACK_TEMPERATURE_C = 25.0
#: Start SOCs per trip simulation, spread over the window (ΔSOC linear between them).
SOC_GRID_POINTS = 12
#: Default time step of the grid-power series [s]: the peak is the highest mean over one step.
DEFAULT_DT_S = 60.0
#: Charger kinds a chargers file may name (the DC kinds of :data:`tyaga.charging.CHARGERS`).
FLEET_CHARGER_KINDS = ("depot", "pantograph", "dc")

ROUTE_COLUMNS = ("route_id", "cycle", "from_terminal", "to_terminal")
ROUTE_OPTIONAL = ("repeats", "passengers")
TIMETABLE_COLUMNS = ("block_id", "vehicle_id", "vehicle", "trip_id", "route_id", "departure")
TIMETABLE_OPTIONAL = ("arrival", "soc_initial", "depot")
CHARGER_COLUMNS = ("site", "count", "power_kw", "grid_connection_kw", "kind")
CHARGER_OPTIONAL = ("efficiency",)


# ============================================================================================ inputs


@dataclass(frozen=True)
class FleetRoute:
    """A route of the routes file: the cycle one trip drives and its terminals.

    ``payload_kg``: mean passenger load [kg] (``passengers × tyaga.route.PASSENGER_MASS_KG``, or a route
    file's time-weighted occupancy); ``None``: the vehicle's own ``body.payload_kg``.
    """

    route_id: str
    cycle: DriveCycle
    from_terminal: str
    to_terminal: str
    payload_kg: float | None = None
    row: int = 0

    @property
    def duration_s(self) -> float:
        """Driving time of one trip [s]."""
        return float(self.cycle.duration_s)


@dataclass(frozen=True)
class ChargerSite:
    """The chargers of one site: ``count`` chargers of ``power_w`` (DC output) on ``grid_connection_w``."""

    site: str
    count: int
    power_w: float
    grid_connection_w: float
    kind: str
    efficiency: float
    row: int = 0

    @property
    def grid_input_w(self) -> float:
        """One charger's draw from the grid at its rated output, ``power_w / efficiency`` [W]."""
        return self.power_w / self.efficiency

    @property
    def max_active(self) -> int:
        """Chargers that may charge at once: ``count``, or fewer where the grid connection caps the site."""
        return min(self.count, math.floor(self.grid_connection_w / self.grid_input_w * (1 + 1e-12)))


@dataclass(frozen=True)
class Trip:
    """One trip of the timetable (times in seconds from midnight)."""

    trip_id: str
    block_id: str
    vehicle_id: str
    route_id: str
    departure_s: float
    arrival_s: float
    from_terminal: str
    to_terminal: str
    row: int = 0


@dataclass(frozen=True)
class Fleet:
    """A fleet day's inputs, checked: routes, chargers, vehicles and their blocks of trips.

    ``specs``: vehicle design key → spec; ``vehicle_of``: vehicle_id → design key; ``blocks``: block_id →
    its trips in time order; ``vehicle_blocks``: vehicle_id → its block_ids in time order.
    """

    routes: dict[str, FleetRoute]
    chargers: dict[str, ChargerSite]
    specs: dict[str, VehicleSpec]
    vehicle_of: dict[str, str]
    depot_of: dict[str, str]
    soc_initial: dict[str, float | None]
    blocks: dict[str, list[Trip]]
    vehicle_blocks: dict[str, list[str]]
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def trips(self) -> list[Trip]:
        """All trips, block by block."""
        return [t for b in self.blocks.values() for t in b]

    def with_chargers(self, counts: Mapping[str, int]) -> Fleet:
        """A copy with other charger counts per site (sites not named keep theirs; only sites of the
        chargers file may be named)."""
        for s, n in counts.items():
            if s not in self.chargers:
                raise InputError("site", s, "a site of the chargers file", hint=_did_you_mean(s, self.chargers))
            if isinstance(n, bool) or int(n) != n or n < 0:
                raise InputError(f"chargers at {s}", n, "an integer ≥ 0")
        ch = {s: dataclasses.replace(c, count=int(counts.get(s, c.count))) for s, c in self.chargers.items()}
        return dataclasses.replace(self, chargers=ch)

    def with_specs(self, specs: Mapping[str, VehicleSpec]) -> Fleet:
        """A copy with other vehicle designs under the same keys (e.g. a smaller battery)."""
        unknown = [k for k in specs if k not in self.specs]
        if unknown:
            raise InputError("vehicle", unknown[0], "a vehicle of the timetable")
        return dataclasses.replace(self, specs={**self.specs, **specs})

    def visitors(self, site: str) -> int:
        """Distinct vehicles that are ever parked at ``site`` (a terminal between trips, or their depot)."""
        seen: set[str] = set()
        for vid, blocks in self.vehicle_blocks.items():
            if self.depot_of[vid] == site:
                seen.add(vid)
                continue
            for b in blocks:
                if any(t.to_terminal == site for t in self.blocks[b][:-1]):
                    seen.add(vid)
                    break
        return len(seen)


def _did_you_mean(name: str, known: Any) -> str | None:
    close = suggest(str(name), [str(k) for k in known])
    return f"did you mean {close!r}?" if close else None


def _read_csv(path: str | Path, what: str, required: Sequence[str],
              optional: Sequence[str]) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """Rows of a CSV file as ``(row number, {column: text})``; ``#`` lines are comments; row 1 = the first
    data row below the header."""
    path = Path(path)
    src = str(path)
    if not path.is_file():
        raise InputError(f"{what} file", src, "an existing CSV file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise InputError(f"{what} file", src, "a readable UTF-8 CSV file") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError("rows", 0, "a header and at least one row", src)
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader)]
    allowed = list(required) + list(optional)
    for h in header:
        if h not in allowed:
            raise InputError(f"column {h!r}", h, "one of " + ", ".join(allowed), src, hint=_did_you_mean(h, allowed))
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(f"column {dup!r}", dup, "each column once", src)
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError("columns", ", ".join(header), "all of " + ", ".join(required), src,
                         hint=f"missing: {', '.join(missing)}")
    if len(lines) < 2:
        raise InputError("rows", 0, "a header and at least one row", src)
    rows = []
    for k, values in enumerate(reader, start=1):
        if len(values) != len(header):
            raise InputError(f"row {k}", lines[k], f"{len(header)} comma-separated values", src)
        rows.append((k, {h: v.strip() for h, v in zip(header, values, strict=True)}))
    return src, rows


def _number(row: dict[str, str], key: str, k: int, src: str, allowed: str, ok: Callable[[float], bool],
            default: float | None = None) -> float:
    raw = row.get(key, "")
    if raw == "":
        if default is None:
            raise InputError(f"row {k}: {key}", raw, allowed, src)
        return default
    try:
        x = float(raw)
    except ValueError:
        raise InputError(f"row {k}: {key}", raw, allowed, src) from None
    if not (math.isfinite(x) and ok(x)):
        raise InputError(f"row {k}: {key}", raw, allowed, src)
    return x


def _text(row: dict[str, str], key: str, k: int, src: str) -> str:
    v = row.get(key, "")
    if not v:
        raise InputError(f"row {k}: {key}", v, "a non-empty text", src)
    return v


def parse_time(text: str | float) -> float:
    """A time of day → seconds from midnight [s]: ``"HH:MM"``, ``"HH:MM:SS"`` or a number of seconds;
    0 … 48:00 (a service day running past midnight). Raises ``ValueError`` for anything else."""
    if isinstance(text, int | float):
        x = float(text)
    else:
        s = str(text).strip()
        if ":" in s:
            parts = s.split(":")
            if len(parts) not in (2, 3) or not all(p.strip().isdigit() for p in parts):
                raise ValueError(s)
            h, m = int(parts[0]), int(parts[1])
            sec = int(parts[2]) if len(parts) == 3 else 0
            if m >= 60 or sec >= 60:
                raise ValueError(s)
            x = 3600.0 * h + 60.0 * m + sec
        else:
            x = float(s)
    if not (math.isfinite(x) and 0.0 <= x <= MAX_TIME_S):
        raise ValueError(text)
    return x


def format_time(time_s: float) -> str:
    """Seconds from midnight → ``"HH:MM"`` (``"HH:MM:SS"`` where the seconds are not zero)."""
    t = round(time_s)
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _time(row: dict[str, str], key: str, k: int, src: str) -> float:
    try:
        return parse_time(row[key])
    except (ValueError, KeyError):
        raise InputError(f"row {k}: {key}", row.get(key, ""), "HH:MM, HH:MM:SS or seconds, 00:00 … 48:00",
                         src) from None


def _is_route_file(path: Path) -> bool:
    """A :mod:`tyaga.route` file (segments by distance) rather than a drive-cycle file."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            from tyaga.catalog import read_toml

            return "segments" in read_toml(path)
        if suffix in {".csv", ".txt"}:
            for line in path.read_text(encoding="utf-8-sig").splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    return "length_m" in [c.strip() for c in line.split(",")]
    except (OSError, UnicodeDecodeError, InputError):
        return False
    return False


def load_routes(path: str | Path) -> dict[str, FleetRoute]:
    """Read a routes CSV (``docs/fleet.md``): ``route_id, cycle, from_terminal, to_terminal`` and optionally
    ``repeats`` (the cycle driven n times, an integer ≥ 1) and ``passengers`` (mean load, ≥ 0; payload =
    passengers × :data:`tyaga.route.PASSENGER_MASS_KG`).

    ``cycle``: a bundled cycle name (``sort1``, ``sort2``, ``wltc1`` …), or a file relative to the routes
    file: a route file of :func:`tyaga.route.load` (driven by :func:`tyaga.route.generate`; its boarding and
    alighting give the mean payload when ``passengers`` is empty) or a cycle file of :func:`tyaga.cycles.load`.
    Errors name the file, the row and the column.
    """
    from tyaga import cycles, route

    src, rows = _read_csv(path, "routes", ROUTE_COLUMNS, ROUTE_OPTIONAL)
    base = Path(path).parent
    out: dict[str, FleetRoute] = {}
    names = cycles.all_names()
    for k, row in rows:
        rid = _text(row, "route_id", k, src)
        if rid in out:
            raise InputError(f"row {k}: route_id", rid, f"a new route_id (row {out[rid].row} has it)", src)
        ref = _text(row, "cycle", k, src)
        payload: float | None = None
        try:
            if ref in names:
                cyc = cycles.load(ref)
            else:
                p = Path(ref) if Path(ref).is_absolute() else base / ref
                if not p.is_file():
                    raise InputError(f"row {k}: cycle", ref, "a bundled cycle (" + ", ".join(names) + ") or a "
                                     "route or cycle file relative to the routes file", src,
                                     hint=_did_you_mean(ref, names))
                if _is_route_file(p):
                    trace = route.generate(route.load(p))
                    cyc = trace.cycle
                    mean_pax_kg = trace.mean_mass_kg(1.0) - 1.0
                    payload = mean_pax_kg if mean_pax_kg > 0 else None
                else:
                    cyc = cycles.load(p)
        except InputError as exc:
            if exc.field.startswith(f"row {k}: "):
                raise
            raise InputError(f"row {k}: cycle", ref, "a valid cycle or route", src, hint=str(exc)) from None
        n = _number(row, "repeats", k, src, "an integer ≥ 1", lambda x: x >= 1 and x == int(x), 1.0)
        if n > 1:
            cyc = cyc.repeat(int(n))
        if row.get("passengers", ""):
            pax = _number(row, "passengers", k, src, "a number ≥ 0 (mean passengers on board)",
                          lambda x: 0 <= x <= 500)
            payload = pax * route.PASSENGER_MASS_KG
        out[rid] = FleetRoute(rid, cyc, _text(row, "from_terminal", k, src), _text(row, "to_terminal", k, src),
                              payload, k)
    return out


def load_chargers(path: str | Path) -> dict[str, ChargerSite]:
    """Read a chargers CSV (``docs/fleet.md``): one row per site, ``site, count, power_kw,
    grid_connection_kw, kind`` [, ``efficiency``]; ``kind`` one of :data:`FLEET_CHARGER_KINDS` (efficiency
    default from :data:`tyaga.charging.CHARGERS`, 0.95). Errors name the row: a count that is not an integer
    ≥ 0, a power ≤ 0, a charger whose grid input ``power_kw / efficiency`` exceeds ``grid_connection_kw``, a
    site named twice."""
    from tyaga.charging import CHARGERS

    src, rows = _read_csv(path, "chargers", CHARGER_COLUMNS, CHARGER_OPTIONAL)
    out: dict[str, ChargerSite] = {}
    for k, row in rows:
        site = _text(row, "site", k, src)
        if site in out:
            raise InputError(f"row {k}: site", site, f"one row per site (row {out[site].row} has {site!r})", src)
        kind = _text(row, "kind", k, src)
        if kind not in FLEET_CHARGER_KINDS:
            raise InputError(f"row {k}: kind", kind, ", ".join(FLEET_CHARGER_KINDS), src,
                             hint=_did_you_mean(kind, FLEET_CHARGER_KINDS))
        count = _number(row, "count", k, src, "an integer ≥ 0", lambda x: x >= 0 and x == int(x))
        power_kw = _number(row, "power_kw", k, src, "a power > 0 kW (≤ 2000)", lambda x: 0 < x <= 2000)
        grid_kw = _number(row, "grid_connection_kw", k, src, "a power > 0 kW", lambda x: x > 0)
        eff = _number(row, "efficiency", k, src, "0.5 < efficiency ≤ 1", lambda x: 0.5 < x <= 1.0,
                      float(CHARGERS[kind]["efficiency"]))
        if power_kw / eff > grid_kw * (1 + 1e-12):
            raise InputError(f"row {k}: power_kw", power_kw,
                             f"a charger whose grid input power_kw / efficiency ({power_kw / eff:.4g} kW) is at most "
                             f"the site's grid_connection_kw ({grid_kw:g} kW)", src)
        out[site] = ChargerSite(site, int(count), power_kw * 1000.0, grid_kw * 1000.0, kind, eff, k)
    return out


def _load_vehicle(ref: str, base: Path, k: int, src: str) -> VehicleSpec:
    from tyaga import vehicles

    try:
        if ref in vehicles.names():
            return vehicles.load(ref)
        p = Path(ref) if Path(ref).is_absolute() else base / ref
        if not p.is_file():
            raise InputError(f"row {k}: vehicle", ref, "a bundled vehicle (" + ", ".join(vehicles.names()) +
                             ") or a vehicle TOML file relative to the timetable", src,
                             hint=_did_you_mean(ref, vehicles.names()))
        return vehicles.load(p)
    except InputError as exc:
        if exc.field.startswith(f"row {k}: "):
            raise
        raise InputError(f"row {k}: vehicle", ref, "a valid vehicle", src, hint=str(exc)) from None


def load(timetable: str | Path, chargers: str | Path, routes: str | Path | None = None) -> Fleet:
    """Read and check a fleet day: the timetable, the chargers and the routes (default: ``routes.csv`` next
    to the timetable). Every error is an :class:`InputError` naming the file and the row:

    * a trip on a route that is not in the routes file, a trip_id used twice, an ``arrival`` earlier than
      the departure plus the route's driving time;
    * a block run by two vehicles; a vehicle named with two designs, depots or start SOCs; a start SOC
      outside the vehicle's window;
    * a trip that departs before the previous trip of its block arrives, or from another terminal than the
      one it ended at;
    * overlapping blocks of one vehicle (both rows named);
    * a chargers site that is neither a terminal of a route nor a vehicle's depot.
    """
    tt = Path(timetable)
    routes_path = Path(routes) if routes is not None else tt.parent / "routes.csv"
    route_map = load_routes(routes_path)
    charger_map = load_chargers(chargers)
    src, rows = _read_csv(tt, "timetable", TIMETABLE_COLUMNS, TIMETABLE_OPTIONAL)
    base = tt.parent
    spec_cache: dict[str, VehicleSpec] = {}
    vehicle_of: dict[str, str] = {}
    vehicle_row: dict[str, int] = {}
    depot_of: dict[str, str] = {}
    soc0: dict[str, float | None] = {}
    soc0_row: dict[str, int] = {}
    block_vehicle: dict[str, tuple[str, int]] = {}
    trip_rows: dict[str, int] = {}
    by_block: dict[str, list[Trip]] = {}
    for k, row in rows:
        tid = _text(row, "trip_id", k, src)
        if tid in trip_rows:
            raise InputError(f"row {k}: trip_id", tid, f"a new trip_id (row {trip_rows[tid]} has it)", src)
        trip_rows[tid] = k
        bid = _text(row, "block_id", k, src)
        vid = _text(row, "vehicle_id", k, src)
        vref = _text(row, "vehicle", k, src)
        rid = _text(row, "route_id", k, src)
        if rid not in route_map:
            raise InputError(f"row {k}: route_id", rid, f"a route_id of {routes_path}", src,
                             hint=_did_you_mean(rid, route_map))
        if bid in block_vehicle and block_vehicle[bid][0] != vid:
            v0, r0 = block_vehicle[bid]
            raise InputError(f"row {k}: vehicle_id", vid, f"{v0!r}, the vehicle of block {bid!r} (row {r0})", src,
                             hint="a block is run by one vehicle")
        block_vehicle.setdefault(bid, (vid, k))
        if vid in vehicle_of and vehicle_of[vid] != vref:
            raise InputError(f"row {k}: vehicle", vref, f"{vehicle_of[vid]!r}, vehicle_id {vid!r}'s design in "
                             f"row {vehicle_row[vid]}", src)
        if vref not in spec_cache:
            spec_cache[vref] = _load_vehicle(vref, base, k, src)
        vehicle_of.setdefault(vid, vref)
        vehicle_row.setdefault(vid, k)
        depot = row.get("depot", "") or DEFAULT_DEPOT
        if vid in depot_of and depot_of[vid] != depot:
            raise InputError(f"row {k}: depot", depot, f"{depot_of[vid]!r}, vehicle_id {vid!r}'s depot in row "
                             f"{vehicle_row[vid]}", src)
        depot_of.setdefault(vid, depot)
        if row.get("soc_initial", ""):
            b = spec_cache[vref].battery
            lo, hi = b.soc_min, b.soc_max
            s = _number(row, "soc_initial", k, src, f"{lo:g} … {hi:g}, the vehicle's SOC window",
                        lambda x, lo=lo, hi=hi: lo <= x <= hi)
            if soc0.get(vid) is not None and soc0[vid] != s:
                raise InputError(f"row {k}: soc_initial", s, f"{soc0[vid]:g}, vehicle_id {vid!r}'s start SOC in "
                                 f"row {soc0_row[vid]}", src)
            soc0[vid] = s
            soc0_row.setdefault(vid, k)
        else:
            soc0.setdefault(vid, None)
        rt = route_map[rid]
        dep = _time(row, "departure", k, src)
        if row.get("arrival", ""):
            arr = _time(row, "arrival", k, src)
            if arr < dep + rt.duration_s - 0.5:
                raise InputError(f"row {k}: arrival", row["arrival"],
                                 f"≥ departure + the driving time of route {rid!r} "
                                 f"({format_time(dep + rt.duration_s)}), or empty", src)
        else:
            arr = dep + rt.duration_s
        by_block.setdefault(bid, []).append(Trip(tid, bid, vid, rid, dep, arr, rt.from_terminal, rt.to_terminal, k))
    blocks: dict[str, list[Trip]] = {}
    for bid, trips in by_block.items():
        trips = sorted(trips, key=lambda t: (t.departure_s, t.row))
        for a, b in itertools.pairwise(trips):
            if b.departure_s < a.arrival_s - 1e-6:
                raise InputError(f"row {b.row}: departure", format_time(b.departure_s),
                                 f"at or after {format_time(a.arrival_s)}, when trip {a.trip_id!r} of block {bid!r} "
                                 f"(row {a.row}) arrives", src)
            if b.from_terminal != a.to_terminal:
                raise InputError(f"row {b.row}: route_id", b.route_id,
                                 f"a route from {a.to_terminal!r}, where trip {a.trip_id!r} of block {bid!r} "
                                 f"(row {a.row}) ends (route {b.route_id!r} starts at {b.from_terminal!r})", src)
        blocks[bid] = trips
    vehicle_blocks: dict[str, list[str]] = {}
    for bid in sorted(blocks, key=lambda b: (blocks[b][0].departure_s, blocks[b][0].row)):
        vehicle_blocks.setdefault(block_vehicle[bid][0], []).append(bid)
    for vid, bids in vehicle_blocks.items():
        for a, b in itertools.pairwise(bids):
            last, first = blocks[a][-1], blocks[b][0]
            if first.departure_s < last.arrival_s - 1e-6:
                raise InputError(f"row {first.row}: departure", format_time(first.departure_s),
                                 f"at or after {format_time(last.arrival_s)}, when block {a!r} of vehicle {vid!r} "
                                 f"ends (row {last.row}): blocks of one vehicle must not overlap", src,
                                 hint=f"rows {last.row} and {first.row} overlap")
    used = {r.from_terminal for r in route_map.values()} | {r.to_terminal for r in route_map.values()}
    used |= set(depot_of.values())
    for site, ch in charger_map.items():
        if site not in used:
            raise InputError(f"row {ch.row}: site", site, "a terminal of a route or a vehicle's depot",
                             str(chargers), hint=_did_you_mean(site, sorted(used)))
    specs = {ref: spec_cache[ref] for ref in dict.fromkeys(vehicle_of.values())}
    return Fleet(route_map, charger_map, specs, vehicle_of, depot_of, soc0, blocks, vehicle_blocks,
                 {"timetable": str(tt), "chargers": str(chargers), "routes": str(routes_path)})


# ============================================================================================ models


@dataclass(frozen=True)
class TripTable:
    """One vehicle design on one route: the SOC drop of a trip against the SOC at departure.

    ``soc_start``: start SOCs of the engine runs (increasing); ``dsoc``: ``soc_start − soc_end`` at each;
    ``dip_ratio``: the drop to the lowest SOC during the trip over the drop to its end (≥ 1: regen after the
    lowest point, e.g. braking into the last stop), from the run at ``soc_max``; ``energy_wh``: net
    battery-terminal energy of the trip from ``soc_max`` [Wh]; ``distance_m``; ``exhausted``: the trip empties
    the whole window even from ``soc_max`` (its ``dsoc`` is then the window scaled by the driving time over
    the time driven before the pack was empty, an estimate).
    """

    soc_start: FloatArray
    dsoc: FloatArray
    energy_wh: float
    distance_m: float
    dip_ratio: float = 1.0
    exhausted: bool = False

    def dsoc_at(self, soc: float) -> float:
        """SOC drop of the trip from ``soc`` to its end: linear between the runs, held above the highest and
        extrapolated linearly below the lowest (the slope of the lowest two, never a smaller drop)."""
        s, d = self.soc_start, self.dsoc
        if soc >= s[0] or s.size < 2:
            return float(np.interp(soc, s, d))
        slope = min((d[1] - d[0]) / (s[1] - s[0]), 0.0)
        return float(d[0] + slope * (soc - s[0]))

    def dsoc_min_at(self, soc: float) -> float:
        """SOC drop from ``soc`` to the lowest SOC during the trip (``dsoc_at × dip_ratio``)."""
        return self.dsoc_at(soc) * self.dip_ratio


@dataclass(frozen=True)
class ChargeCurve:
    """A charge from ``soc_min`` to the top of the window on one site's charger (:func:`tyaga.charging.charge`)."""

    time_s: FloatArray
    soc: FloatArray
    energy_grid_wh: FloatArray
    soc_inv: FloatArray       # strictly increasing SOCs for the inverse t(SOC)
    time_inv_s: FloatArray

    @property
    def duration_s(self) -> float:
        """Time of the whole charge [s]."""
        return float(self.time_s[-1])

    @property
    def soc_end(self) -> float:
        """SOC where the charge ends (``soc_max``, or where the CV phase cut off)."""
        return float(self.soc[-1])

    def time_at(self, soc: float) -> float:
        """Time [s] at which the charge passes ``soc`` (0 below its start)."""
        return float(np.interp(soc, self.soc_inv, self.time_inv_s))

    def soc_at(self, time_s: float | FloatArray) -> Any:
        """SOC at ``time_s`` [s] into the charge."""
        return np.interp(time_s, self.time_s, self.soc)

    def energy_at(self, time_s: float | FloatArray) -> Any:
        """Grid energy [Wh] drawn up to ``time_s`` [s]."""
        return np.interp(time_s, self.time_s, self.energy_grid_wh)


def _spec_key(spec: VehicleSpec) -> str:
    return spec.model_dump_json() + (spec.base_dir or "")


class Models:
    """Caches of the trip tables and charge curves of a fleet day, shared by the days of a sizing run.

    ``ambient_c``: ``None`` (test conditions, climate control off) or the ambient temperature [°C] of the
    cabin HVAC load while driving and at layovers (:func:`tyaga.chain.cabin_hvac_power_w`).
    """

    def __init__(self, ambient_c: float | None = None,
                 charge_temperature_c: float = CHARGE_PACK_TEMPERATURE_C) -> None:
        if ambient_c is not None and not (math.isfinite(ambient_c) and -50.0 <= ambient_c <= 60.0):
            raise InputError("ambient_c", ambient_c, "-50 … 60 °C")
        if not (math.isfinite(charge_temperature_c) and -30.0 <= charge_temperature_c <= 60.0):
            raise InputError("charge_temperature_c", charge_temperature_c, "-30 … 60 °C")
        self.ambient_c = ambient_c
        self.charge_temperature_c = charge_temperature_c
        self.trips: dict[tuple[str, str], TripTable] = {}
        self.curves: dict[tuple[str, str, float, str, float], ChargeCurve] = {}
        self.aux: dict[str, tuple[float, float]] = {}
        self.notes: list[str] = []
        self.engine_calls = 0
        self.charge_calls = 0

    def prepare(self, fleet: Fleet) -> dict[str, str]:
        """Compute what ``fleet`` needs that is not cached yet; returns design key → cache key."""
        keys = {ref: _spec_key(s) for ref, s in fleet.specs.items()}
        need: dict[str, dict[str, VehicleSpec]] = {}
        for trips in fleet.blocks.values():
            for t in trips:
                ref = fleet.vehicle_of[t.vehicle_id]
                if (keys[ref], t.route_id) not in self.trips:
                    need.setdefault(t.route_id, {})[keys[ref]] = fleet.specs[ref]
        for rid, specs in need.items():
            tables = trip_tables(list(specs.values()), fleet.routes[rid], self.ambient_c)
            self.engine_calls += 2
            for key, tab in zip(specs, tables, strict=True):
                self.trips[(key, rid)] = tab
        for ref, spec in fleet.specs.items():
            if keys[ref] not in self.aux:
                self.aux[keys[ref]] = _aux(spec, self.ambient_c)
        return keys

    def curve(self, key: str, spec: VehicleSpec, site: ChargerSite) -> ChargeCurve:
        """The charge curve of a design on a site's charger (computed once)."""
        ck = (key, site.kind, site.power_w, f"{site.efficiency:.12g}", self.charge_temperature_c)
        if ck not in self.curves:
            try:
                self.curves[ck] = charge_curve(spec, site, self.charge_temperature_c)
            except InputError as exc:
                raise InputError(f"row {site.row}: {site.site}", f"{site.kind} {site.power_w / 1e3:g} kW",
                                 f"a charger that can charge {spec.name}", hint=str(exc)) from None
            self.charge_calls += 1
        return self.curves[ck]


def _models(models: Models | None, ambient_c: float | None) -> Models:
    if models is None:
        return Models(ambient_c)
    if ambient_c is not None and ambient_c != models.ambient_c:
        raise InputError("ambient_c", ambient_c, f"the ambient of the models given ({models.ambient_c}), or "
                         "None", hint="give the ambient to Models(...) only")
    return models


def trip_tables(specs: Sequence[VehicleSpec], route: FleetRoute, ambient_c: float | None = None) -> list[TripTable]:
    """The :class:`TripTable` of each design on ``route``: two engine calls for the whole batch.

    The first (:func:`tyaga.chain.simulate` with its time series) drives every design from its ``soc_max``:
    the drop ``ΔSOC_top`` and the dip ratio. The second (:func:`tyaga.chain.run_summary`) drives each from
    :data:`SOC_GRID_POINTS` SOCs between ``soc_min + 1.5·ΔSOC_top`` (so no run reaches ``soc_min``) and
    ``soc_max``, denser towards the bottom, where the drop grows as the OCV falls. ``payload_kg`` of the
    route replaces each design's (as ``tyaga.simulate(payload_kg=...)``); ``ambient_c`` adds the cabin HVAC
    with the air exchanged at the route's door openings (:func:`tyaga.chain.door_stops_per_s`), as
    ``tyaga.simulate`` does.
    """
    from tyaga import chain, engine

    specs = list(specs)
    if route.payload_kg is not None:
        specs = [s.model_copy(update={"body": s.body.model_copy(update={"payload_kg": route.payload_kg})})
                 for s in specs]
    top = chain.simulate(specs, route.cycle, with_range=False, with_acceleration=False, ambient_c=ambient_c)
    assert top.timeseries is not None
    soc_series = top.timeseries["soc"].values  # (design, time)
    ts = top.summary
    k = SOC_GRID_POINTS
    n = len(specs)
    soc_max = np.array([s.battery.soc_max for s in specs])
    soc_min = np.array([s.battery.soc_min for s in specs])
    d_top = soc_max - ts["soc_end"].to_numpy()
    d_low = soc_max - soc_series.min(axis=1)
    exhausted = ts["exhausted_s"].to_numpy() > 0
    x = np.linspace(0.0, 1.0, k) ** 1.5
    grid = np.zeros((n, k))
    for i in range(n):
        lo = min(soc_min[i] + 1.5 * max(d_low[i], 0.0) + 2e-3, soc_max[i])
        grid[i] = lo + (soc_max[i] - lo) * x
    stops = chain.door_stops_per_s(route.cycle) if ambient_c is not None else 0.0  # as tyaga.simulate
    batch = chain.build_batch([s for s in specs for _ in range(k)], ambient_c=ambient_c, stops_per_s=stops)
    runs = chain.run_summary(batch.with_soc_initial(grid.reshape(-1)), route.cycle)
    U = engine.U
    out = []
    for i in range(n):
        dur = float(ts["time_s"].iloc[i])
        energy = float(ts["energy_battery_terminal_wh"].iloc[i])
        dist = float(ts["distance_km"].iloc[i]) * 1000.0
        ratio = float(d_low[i] / d_top[i]) if d_top[i] > 0 else 1.0
        if exhausted[i]:
            driven = max(dur - float(ts["exhausted_s"].iloc[i]), 1.0)
            est = float(d_top[i]) * dur / driven
            tab = TripTable(np.array([soc_max[i]]), np.array([est]), energy, dist, 1.0, True)
        else:
            rows = runs[i * k:(i + 1) * k]
            ok = rows[:, U["exhausted_s"]] <= 0
            s = grid[i][ok]
            d = s - rows[ok, U["soc_end"]]
            s, idx = np.unique(s, return_index=True)
            tab = TripTable(s, d[idx], energy, dist, max(ratio, 1.0))
        out.append(tab)
    return out


def charge_curve(spec: VehicleSpec, site: ChargerSite,
                 temperature_c: float = CHARGE_PACK_TEMPERATURE_C) -> ChargeCurve:
    """A full-window charge of ``spec`` on one of ``site``'s chargers (:func:`tyaga.charging.charge`, no
    thermal model, the pack at ``temperature_c``)."""
    from tyaga import charging

    b = spec.battery
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", charging.ChargingRangeWarning)
        res = charging.charge(spec, b.soc_min, b.soc_max, site.power_w, site.kind, temperature_c=temperature_c,
                              charger_efficiency=site.efficiency, reference_window=False)
    d = res.data
    t = d["time_s"].to_numpy(dtype=float)
    s = d["soc"].to_numpy(dtype=float)
    e = d["energy_grid_wh"].to_numpy(dtype=float)
    keep = np.concatenate([[True], np.diff(t) > 0])
    t, s, e = t[keep], s[keep], e[keep]
    inv = np.concatenate([[True], np.diff(np.maximum.accumulate(s)) > 0]) & (s >= np.maximum.accumulate(s))
    return ChargeCurve(t, s, e, s[inv], t[inv])


def _aux(spec: VehicleSpec, ambient_c: float | None) -> tuple[float, float]:
    """(auxiliary power at layovers [W], pack energy per unit SOC [Wh]) of a design: ``aux_power_w`` plus, at
    ``ambient_c``, the steady cabin HVAC with the doors closed (:func:`tyaga.chain.cabin_hvac_power_w`,
    ``stops_per_s = 0``; an assumption: a bus waiting at its terminal), over the window's mean OCV."""
    from tyaga import chain
    from tyaga.battery import pack_for_vehicle

    p = float(spec.powertrain.aux_power_w)
    if ambient_c is not None:
        p += float(chain.cabin_hvac_power_w([spec], ambient_c)[0])
    pk = pack_for_vehicle(spec)
    return p, pk.usable_energy_wh / (pk.soc_max - pk.soc_min)


# ============================================================================================ the day


@dataclass(frozen=True)
class FleetResult:
    """A simulated fleet day. Times are seconds from midnight; energies Wh; powers W.

    Tables (pandas, tidy):

    * ``soc`` — ``vehicle_id, time_s, soc, state`` (SOC over the day, event-exact, linear between rows;
      ``state`` names the row's event: ``depot`` (at the depot), ``driving`` (departs), ``arrived``,
      ``layover`` (the auxiliaries' drain up to here), ``charging`` (in a session), ``charged`` (its end));
    * ``trips`` — one row per trip: ``block_id, trip_id, vehicle_id, route_id, departure_s, arrival_s,
      driven, soc_departure, soc_arrival, dsoc, energy_wh, distance_km``;
    * ``blocks`` — ``block_id, vehicle_id, trips, first_departure_s, last_arrival_s, finished, failed_trip,
      failed_time_s, failed_soc, soc_short, min_soc``;
    * ``vehicles`` — ``vehicle_id, vehicle, depot, soc_initial, min_soc, soc_end, ready_s, ready_next_day,
      distance_km, energy_driving_wh, energy_charged_grid_wh``;
    * ``sessions`` — one row per charge: ``site, vehicle_id, queued_s, start_s, end_s, wait_s, soc_start,
      soc_end, energy_grid_wh``;
    * ``occupancy`` — ``site, time_s, chargers_busy, queue_length`` after each change (a step function);
    * ``grid_power`` — ``site, time_s, power_w``: the mean grid power over ``[time_s, time_s + dt_s)``;
    * ``sites`` — per site: ``site, kind, count, max_active, power_w, sessions, energy_grid_wh,
      peak_grid_power_w, max_busy, max_queue, mean_wait_s``.

    ``summary``: fleet totals and ``feasible``; ``notes``: what the run assumed or could not do.
    """

    soc: pd.DataFrame
    trips: pd.DataFrame
    blocks: pd.DataFrame
    vehicles: pd.DataFrame
    sessions: pd.DataFrame
    occupancy: pd.DataFrame
    grid_power: pd.DataFrame
    sites: pd.DataFrame
    summary: dict[str, Any]
    notes: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        """Every block finished (and, with ``require_next_day``, every bus ready again the next day)."""
        return bool(self.summary["feasible"])

    @property
    def failed_blocks(self) -> list[str]:
        """Ids of the blocks that could not be finished."""
        return [str(b) for b in self.blocks.loc[~self.blocks["finished"], "block_id"]]


@dataclass
class _Vehicle:
    vid: str
    key: str
    ref: str
    soc: float
    t_last: float
    soc_min: float
    aux_dsoc_per_s: float
    site: str | None = None
    draining: bool = False
    charging: bool = False
    next_dep: float | None = None
    ready_s: float = 0.0
    trace: list[tuple[float, float, str]] = field(default_factory=list)


_END, _DEPART, _ARRIVE = 0, 1, 2  # same-time order: sessions end, then buses leave, then buses arrive


def simulate_day(
    fleet: Fleet,
    *,
    ambient_c: float | None = None,
    dt_s: float = DEFAULT_DT_S,
    connection_time_s: float = CONNECTION_TIME_S,
    layover_aux: bool = True,
    require_next_day: bool = True,
    models: Models | None = None,
) -> FleetResult:
    """Simulate one day of ``fleet`` (method: the module docstring, ``docs/fleet.md``).

    Parameters
    ----------
    fleet: the inputs of :func:`load`.
    ambient_c: ambient temperature [°C] for the cabin HVAC (``None``: climate control off, test conditions);
        with ``models``, leave it ``None`` (the models carry theirs).
    dt_s: step of the grid-power series [s] (10 … 3600); the peak is the highest mean over one step.
    connection_time_s: charger occupied before current flows, per session [s] (0 … 600).
    layover_aux: the auxiliaries draw from the pack while a bus waits at a terminal (not while it charges,
        not at the depot).
    require_next_day: ``feasible`` also needs every bus back at its start SOC by its first departure + 24 h.
    models: a :class:`Models` cache to reuse (sizing runs share one).
    """
    if not (math.isfinite(dt_s) and 10.0 <= dt_s <= 3600.0):
        raise InputError("dt_s", dt_s, "10 … 3600 s")
    if not (math.isfinite(connection_time_s) and 0.0 <= connection_time_s <= 600.0):
        raise InputError("connection_time_s", connection_time_s, "0 … 600 s")
    models = _models(models, ambient_c)
    keys = models.prepare(fleet)

    vehicles: dict[str, _Vehicle] = {}
    for vid, bids in fleet.vehicle_blocks.items():
        ref = fleet.vehicle_of[vid]
        spec = fleet.specs[ref]
        aux_w, wh_per_soc = models.aux[keys[ref]]
        s0 = fleet.soc_initial[vid]
        soc = spec.battery.soc_max if s0 is None else s0
        t0 = fleet.blocks[bids[0]][0].departure_s
        v = _Vehicle(vid, keys[ref], ref, soc, t0, spec.battery.soc_min,
                     (aux_w / 3600.0 / wh_per_soc) if layover_aux else 0.0, site=fleet.depot_of[vid])
        v.trace.append((t0, soc, "depot"))
        vehicles[vid] = v

    heap: list[tuple[float, int, int, tuple[Any, ...]]] = []
    seq = 0

    def push(t: float, kind: int, data: tuple[Any, ...]) -> None:
        nonlocal seq
        heapq.heappush(heap, (t, kind, seq, data))
        seq += 1

    for vid, bids in fleet.vehicle_blocks.items():
        push(fleet.blocks[bids[0]][0].departure_s, _DEPART, (vid, 0, 0))

    busy = dict.fromkeys(fleet.chargers, 0)
    queue: dict[str, list[tuple[str, float]]] = {s: [] for s in fleet.chargers}
    occupancy: list[tuple[str, float, int, int]] = []
    sessions: list[dict[str, Any]] = []
    grid_sessions: list[tuple[str, ChargeCurve, float, float, float]] = []  # site, curve, shift, tau0, tau1
    trip_rows: dict[str, dict[str, Any]] = {}
    failures: dict[str, dict[str, Any]] = {}
    curves_for: dict[tuple[str, str], ChargeCurve] = {}

    def curve(v: _Vehicle, site: str) -> ChargeCurve:
        ck = (v.key, site)
        if ck not in curves_for:
            curves_for[ck] = models.curve(v.key, fleet.specs[v.ref], fleet.chargers[site])
        return curves_for[ck]

    def drain(v: _Vehicle, t: float) -> None:
        if v.draining and not v.charging and t > v.t_last:
            v.soc = max(v.soc - v.aux_dsoc_per_s * (t - v.t_last), 0.0)
            v.trace.append((t, v.soc, "layover"))
        v.t_last = max(v.t_last, t)

    def record(site: str, t: float) -> None:
        occupancy.append((site, t, busy[site], len(queue[site])))

    def dispatch(site: str, t: float) -> None:
        ch = fleet.chargers[site]
        while busy[site] < ch.max_active and queue[site]:
            vid, t_join = queue[site].pop(0)
            v = vehicles[vid]
            drain(v, t)
            c = curve(v, site)
            remaining = (math.inf if v.next_dep is None else v.next_dep - t) - connection_time_s
            tau0 = c.time_at(v.soc)
            if remaining <= 1e-6 or v.soc >= c.soc_end - 1e-9 or tau0 >= c.duration_s:
                continue
            if remaining < c.duration_s - tau0:  # cut by the departure: it ends exactly then
                assert v.next_dep is not None
                end = v.next_dep
                dur = end - t - connection_time_s
            else:
                dur = c.duration_s - tau0
                end = t + connection_time_s + dur
            v.charging = True
            busy[site] += 1
            sessions.append({"site": site, "vehicle_id": vid, "queued_s": t_join, "start_s": t, "end_s": end,
                             "wait_s": t - t_join, "soc_start": v.soc, "soc_end": float(c.soc_at(tau0 + dur)),
                             "energy_grid_wh": float(c.energy_at(tau0 + dur) - c.energy_at(tau0))})
            grid_sessions.append((site, c, t + connection_time_s - tau0, tau0, tau0 + dur))
            v.trace.append((t + connection_time_s, v.soc, "charging"))
            inner = c.time_s[(c.time_s > tau0) & (c.time_s < tau0 + dur)]
            if inner.size:
                for tc in inner[np.linspace(0, inner.size - 1, min(inner.size, 8)).astype(int)]:
                    v.trace.append((float(tc - tau0 + t + connection_time_s), float(c.soc_at(tc)), "charging"))
            push(end, _END, (site, vid, len(sessions) - 1))
        record(site, t)

    def park(v: _Vehicle, site: str, t: float, at_depot: bool, next_dep: float | None) -> None:
        v.site = site
        v.draining = not at_depot
        v.next_dep = next_dep
        v.t_last = t
        ch = fleet.chargers.get(site)
        if ch is not None and ch.max_active > 0:
            queue[site].append((v.vid, t))
            dispatch(site, t)

    def go_to_depot(v: _Vehicle, t: float, next_block: int) -> None:
        bids = fleet.vehicle_blocks[v.vid]
        nxt = fleet.blocks[bids[next_block]][0].departure_s if next_block < len(bids) else None
        v.ready_s = t
        v.trace.append((t, v.soc, "depot"))
        if nxt is not None:
            push(nxt, _DEPART, (v.vid, next_block, 0))
        park(v, fleet.depot_of[v.vid], t, True, nxt)

    while heap:
        t, kind, _, data = heapq.heappop(heap)
        if kind == _END:
            site, vid, idx = data
            v = vehicles[vid]
            v.soc = sessions[idx]["soc_end"]
            v.charging = False
            v.t_last = t
            v.trace.append((t, v.soc, "charged"))
            if v.next_dep is None:
                v.ready_s = t
            busy[site] -= 1
            dispatch(site, t)
        elif kind == _DEPART:
            vid, bi, ti = data
            v = vehicles[vid]
            if v.charging:  # sessions end at the departure at the latest, and end first at equal times
                raise RuntimeError(f"{vid} departs while charging")
            if v.site is not None and v.site in queue:
                q = queue[v.site]
                before = len(q)
                q[:] = [e for e in q if e[0] != vid]
                if len(q) != before:
                    record(v.site, t)
            drain(v, t)
            bid = fleet.vehicle_blocks[vid][bi]
            trip = fleet.blocks[bid][ti]
            tab = models.trips[(v.key, trip.route_id)]
            need = tab.dsoc_at(v.soc)
            soc_after = v.soc - need
            soc_lowest = v.soc - tab.dsoc_min_at(v.soc)
            row = {"block_id": bid, "trip_id": trip.trip_id, "vehicle_id": vid, "route_id": trip.route_id,
                   "departure_s": trip.departure_s, "arrival_s": trip.arrival_s, "driven": False,
                   "soc_departure": v.soc, "soc_arrival": math.nan, "dsoc": need, "energy_wh": tab.energy_wh,
                   "distance_km": tab.distance_m / 1000.0}
            trip_rows[trip.trip_id] = row
            if soc_lowest < v.soc_min - 1e-9:
                failures[bid] = {"failed_trip": trip.trip_id, "failed_time_s": t, "failed_soc": v.soc,
                                 "soc_short": v.soc_min - soc_lowest}
                v.site = None
                go_to_depot(v, t, bi + 1)
                continue
            row["driven"] = True
            row["soc_arrival"] = soc_after
            v.trace.append((t, v.soc, "driving"))
            v.site = None
            v.draining = False
            v.soc = soc_after
            v.t_last = trip.arrival_s
            push(trip.arrival_s, _ARRIVE, (vid, bi, ti))
        else:  # arrival
            vid, bi, ti = data
            v = vehicles[vid]
            bid = fleet.vehicle_blocks[vid][bi]
            trips = fleet.blocks[bid]
            v.trace.append((t, v.soc, "arrived"))
            if ti == len(trips) - 1:
                go_to_depot(v, t, bi + 1)
            else:
                push(trips[ti + 1].departure_s, _DEPART, (vid, bi, ti + 1))
                park(v, trips[ti].to_terminal, t, False, trips[ti + 1].departure_s)

    return _assemble(fleet, models, vehicles, trip_rows, failures, sessions, occupancy, grid_sessions, dt_s,
                     require_next_day, connection_time_s, curves_for)


def _assemble(fleet: Fleet, models: Models, vehicles: dict[str, _Vehicle], trip_rows: dict[str, dict[str, Any]],
              failures: dict[str, dict[str, Any]], sessions: list[dict[str, Any]],
              occupancy: list[tuple[str, float, int, int]],
              grid_sessions: list[tuple[str, ChargeCurve, float, float, float]], dt_s: float,
              require_next_day: bool, connection_time_s: float,
              curves_for: dict[tuple[str, str], ChargeCurve]) -> FleetResult:
    # trips (those never reached after a failure appear as not driven)
    rows = []
    for bid, trips in fleet.blocks.items():
        for tr in trips:
            r = trip_rows.get(tr.trip_id)
            if r is None:
                tab = models.trips[(vehicles[tr.vehicle_id].key, tr.route_id)]
                r = {"block_id": bid, "trip_id": tr.trip_id, "vehicle_id": tr.vehicle_id, "route_id": tr.route_id,
                     "departure_s": tr.departure_s, "arrival_s": tr.arrival_s, "driven": False,
                     "soc_departure": math.nan, "soc_arrival": math.nan, "dsoc": math.nan,
                     "energy_wh": tab.energy_wh, "distance_km": tab.distance_m / 1000.0}
            rows.append(r)
    trips_df = pd.DataFrame(rows)
    soc_rows = [(vid, t, s, st) for vid, v in vehicles.items() for (t, s, st) in v.trace]
    soc_df = pd.DataFrame(soc_rows, columns=["vehicle_id", "time_s", "soc", "state"])
    soc_df = soc_df.sort_values(["vehicle_id", "time_s"], kind="stable").reset_index(drop=True)
    min_soc = soc_df.groupby("vehicle_id")["soc"].min()
    block_rows = []
    for bid, trips in fleet.blocks.items():
        f = failures.get(bid)
        sel = trips_df[trips_df["block_id"] == bid]
        socs = pd.concat([sel["soc_departure"], sel["soc_arrival"]]).dropna()
        block_rows.append({
            "block_id": bid, "vehicle_id": trips[0].vehicle_id, "trips": len(trips),
            "first_departure_s": trips[0].departure_s, "last_arrival_s": trips[-1].arrival_s,
            "finished": f is None, "failed_trip": f["failed_trip"] if f else "",
            "failed_time_s": f["failed_time_s"] if f else math.nan,
            "failed_soc": f["failed_soc"] if f else math.nan, "soc_short": f["soc_short"] if f else 0.0,
            "min_soc": float(socs.min()) if len(socs) else math.nan})
    blocks_df = pd.DataFrame(block_rows)
    sess_df = pd.DataFrame(sessions, columns=["site", "vehicle_id", "queued_s", "start_s", "end_s", "wait_s",
                                              "soc_start", "soc_end", "energy_grid_wh"])
    veh_rows = []
    for vid, v in vehicles.items():
        spec = fleet.specs[v.ref]
        s0 = fleet.soc_initial[vid]
        start = spec.battery.soc_max if s0 is None else s0
        depot = fleet.depot_of[vid]
        target = start
        ch = fleet.chargers.get(depot)
        if ch is not None and ch.max_active > 0:
            target = min(start, curves_for[(v.key, depot)].soc_end) if (v.key, depot) in curves_for else start
        first = fleet.blocks[fleet.vehicle_blocks[vid][0]][0].departure_s
        ready = bool(v.soc >= target - 1e-6 and v.ready_s <= first + DAY_S)
        tv = trips_df[(trips_df["vehicle_id"] == vid) & trips_df["driven"]]
        veh_rows.append({
            "vehicle_id": vid, "vehicle": spec.name, "depot": depot, "soc_initial": start,
            "min_soc": float(min_soc.get(vid, start)), "soc_end": v.soc, "ready_s": v.ready_s,
            "ready_next_day": ready, "distance_km": float(tv["distance_km"].sum()),
            "energy_driving_wh": float(tv["energy_wh"].sum()),
            "energy_charged_grid_wh": float(sess_df.loc[sess_df["vehicle_id"] == vid, "energy_grid_wh"].sum())})
    veh_df = pd.DataFrame(veh_rows)
    occ_df = pd.DataFrame(occupancy, columns=["site", "time_s", "chargers_busy", "queue_length"])
    occ_df = occ_df.drop_duplicates(["site", "time_s"], keep="last").reset_index(drop=True)

    # grid power: mean over each dt_s step, from each session's curve shifted to its start
    t_first = min(t.departure_s for t in fleet.trips)
    t_last = max([t.arrival_s for t in fleet.trips] + [float(s["end_s"]) for s in sessions])
    t0 = math.floor(t_first / dt_s) * dt_s
    n = max(math.ceil((t_last - t0) / dt_s), 1)
    edges = t0 + dt_s * np.arange(n + 1)
    cum = {s: np.zeros(n + 1) for s in fleet.chargers}
    for site, c, shift, tau0, tau1 in grid_sessions:
        lo = int(np.searchsorted(edges, shift + tau0, side="left"))
        e0 = float(c.energy_at(tau0))
        cum[site][lo:] += np.asarray(c.energy_at(np.clip(edges[lo:] - shift, tau0, tau1))) - e0
    grid_frames = []
    site_rows = []
    total = np.zeros(n)
    for site, ch in fleet.chargers.items():
        p = np.diff(cum[site]) * 3600.0 / dt_s
        total += p
        grid_frames.append(pd.DataFrame({"site": site, "time_s": edges[:-1], "power_w": p}))
        ss = sess_df[sess_df["site"] == site]
        oc = occ_df[occ_df["site"] == site]
        site_rows.append({
            "site": site, "kind": ch.kind, "count": ch.count, "max_active": ch.max_active, "power_w": ch.power_w,
            "grid_connection_w": ch.grid_connection_w, "sessions": len(ss),
            "energy_grid_wh": float(ss["energy_grid_wh"].sum()), "peak_grid_power_w": float(p.max()) if n else 0.0,
            "max_busy": int(oc["chargers_busy"].max()) if len(oc) else 0,
            "max_queue": int(oc["queue_length"].max()) if len(oc) else 0,
            "mean_wait_s": float(ss["wait_s"].mean()) if len(ss) else 0.0})
    grid_df = (pd.concat(grid_frames, ignore_index=True) if grid_frames
               else pd.DataFrame(columns=["site", "time_s", "power_w"]))
    sites_df = pd.DataFrame(site_rows, columns=["site", "kind", "count", "max_active", "power_w",
                                                "grid_connection_w", "sessions", "energy_grid_wh",
                                                "peak_grid_power_w", "max_busy", "max_queue", "mean_wait_s"])
    n_failed = int((~blocks_df["finished"]).sum())
    n_not_ready = int((~veh_df["ready_next_day"]).sum())
    feasible = n_failed == 0 and (n_not_ready == 0 or not require_next_day)
    depots = set(fleet.depot_of.values())
    dep = sites_df[sites_df["site"].isin(depots)]
    summary: dict[str, Any] = {
        "vehicles": len(vehicles), "blocks": len(blocks_df), "trips": len(trips_df),
        "trips_driven": int(trips_df["driven"].sum()), "blocks_failed": n_failed,
        "vehicles_not_ready": n_not_ready, "feasible": feasible, "require_next_day": require_next_day,
        "distance_km": float(veh_df["distance_km"].sum()),
        "energy_driving_wh": float(veh_df["energy_driving_wh"].sum()),
        "energy_grid_wh": float(sess_df["energy_grid_wh"].sum()),
        "peak_grid_power_w": float(total.max()) if n else 0.0,
        "depot_peak_grid_power_w": float(dep["peak_grid_power_w"].max()) if len(dep) else 0.0,
        "depot_energy_grid_wh": float(dep["energy_grid_wh"].sum()) if len(dep) else 0.0,
        "chargers": int(sum(c.count for c in fleet.chargers.values())), "sessions": len(sess_df),
        "dt_s": dt_s, "connection_time_s": connection_time_s, "ambient_c": models.ambient_c,
        "charge_temperature_c": models.charge_temperature_c,
    }
    notes = list(models.notes)
    for site, ch in fleet.chargers.items():
        if ch.max_active < ch.count:
            notes.append(f"{site}: {ch.count} chargers, but its grid connection ({ch.grid_connection_w / 1e3:g} kW) "
                         f"lets only {ch.max_active} charge at once")
    for d in sorted(depots):
        if d not in fleet.chargers:
            notes.append(f"depot {d!r} has no chargers (not in the chargers file)")
    exhausted = sorted({rid for (_, rid), tab in models.trips.items() if tab.exhausted})
    if exhausted:
        notes.append("routes a vehicle cannot drive even from a full battery: " + ", ".join(exhausted))
    return FleetResult(soc_df, trips_df, blocks_df, veh_df, sess_df, occ_df, grid_df, sites_df, summary,
                       tuple(notes))


# ============================================================================================ sizing


def battery_size(spec: VehicleSpec) -> tuple[int, str]:
    """A design's battery size as sized here: (``battery.parallel``, ``"parallel"``) for a cell-built pack,
    (whole ``usable_energy_kwh``, ``"usable_kwh"``) for a pack-level shortcut."""
    b = spec.battery
    if b.from_cell:
        assert b.parallel is not None
        return int(b.parallel), "parallel"
    assert b.usable_energy_kwh is not None
    return round(b.usable_energy_kwh), "usable_kwh"


def with_battery(spec: VehicleSpec, size: int) -> VehicleSpec:
    """``spec`` with another battery size: ``size`` parallel strings of its cell (the curb mass changes by
    the cells' mass, ``Δparallel × series × cell.mass_kg``; housing and cooling mass held, an assumption), or
    a shortcut pack of ``size`` kWh usable (mass held: the shortcut has no cell mass)."""
    from tyaga.battery import cell_for_vehicle

    b = spec.battery
    if isinstance(size, bool) or int(size) != size or size < 1:
        raise InputError("battery size", size, "an integer ≥ 1")
    size = int(size)
    if b.from_cell:
        assert b.parallel is not None and b.series is not None
        if size > 500:
            raise InputError("battery.parallel", size, "1 … 500")
        cell = cell_for_vehicle(spec)
        assert cell is not None
        mass = spec.body.mass_kg + (size - b.parallel) * b.series * cell.mass_kg
        if mass <= 0:
            raise InputError("body.mass_kg", mass, "> 0 kg after removing cells")
        return spec.model_copy(update={"battery": b.model_copy(update={"parallel": size}),
                                       "body": spec.body.model_copy(update={"mass_kg": mass}),
                                       "name": f"{_base_name(spec.name)} [{size}p]"})
    if size > 5000:
        raise InputError("battery.usable_energy_kwh", size, "1 … 5000 kWh")
    return spec.model_copy(update={"battery": b.model_copy(update={"usable_energy_kwh": float(size)}),
                                   "name": f"{_base_name(spec.name)} [{size} kWh]"})


def _base_name(name: str) -> str:
    return name.rsplit(" [", 1)[0] if name.endswith("]") else name


@dataclass(frozen=True)
class SizingResult:
    """The outcome of :func:`size`.

    ``chargers``: site → count found (the given counts where chargers were not sized); ``battery``:
    vehicle design (the timetable's ``vehicle``) → size, ``battery_unit`` its unit (``parallel`` strings or
    ``usable_kwh``); ``checks``: the reductions tried at the end from the minimum (``change``, ``feasible``,
    ``blocks_failed``, ``vehicles_not_ready``) — each must be infeasible for a minimum; ``feasible``: the
    minimum is a feasible day (``False``: none was found; ``result`` is then the day at the largest sizes
    tried); ``evaluations``: fleet days simulated.
    """

    what: str
    feasible: bool
    chargers: dict[str, int]
    battery: dict[str, int]
    battery_unit: dict[str, str]
    checks: pd.DataFrame
    evaluations: int
    result: FleetResult
    fleet: Fleet


SizeWhat = Literal["chargers", "battery", "both"]


def size(fleet: Fleet, what: SizeWhat = "chargers", *, ambient_c: float | None = None,
         models: Models | None = None, **day_options: Any) -> SizingResult:
    """The fewest chargers per site and/or the smallest battery per vehicle design that let every block finish
    (and, with ``require_next_day``, every bus recharge overnight).

    Chargers: from the given counts (or, if those fail, one per visiting bus at every site) each site is cut
    by a binary search to the fewest chargers that keep the day feasible, the costliest chargers (highest
    power) first, repeated until no site can lose one more; then one charger less at each site is checked
    to fail (the result is a minimum per site, which need not be the fewest chargers in total over all
    combinations). Battery: the same per vehicle design over :func:`battery_size` (the curb mass follows,
    :func:`with_battery`), with the chargers fixed; ``both`` sizes the chargers first, then the battery at
    those chargers. ``checks`` lists the final reductions (one charger less per site, one step and 10 % less
    battery per design) and whether each was feasible.
    """
    if what not in ("chargers", "battery", "both"):
        raise InputError("size", what, "chargers, battery or both")
    models = _models(models, ambient_c)
    memo: dict[tuple[Any, ...], FleetResult] = {}
    counter = [0]

    def day(f: Fleet) -> FleetResult:
        key = (tuple(sorted((s, c.count) for s, c in f.chargers.items())),
               tuple(sorted((r, _spec_key(s)) for r, s in f.specs.items())))
        if key not in memo:
            memo[key] = simulate_day(f, models=models, **day_options)
            counter[0] += 1
        return memo[key]

    current = fleet
    feasible = day(current).feasible
    if what in ("chargers", "both"):
        current, feasible = _size_chargers(current, day)
    if what in ("battery", "both") and feasible:
        current, feasible = _size_battery(current, day)
    elif what in ("battery", "both"):
        current, feasible = _size_battery(current, day)
        if feasible and what == "both":
            current, feasible = _size_chargers(current, day)
    checks = []
    if feasible:
        if what in ("chargers", "both"):
            for s, c in current.chargers.items():
                if c.count > 0:
                    r = day(current.with_chargers({s: c.count - 1}))
                    checks.append(_check(f"{s}: {c.count} → {c.count - 1} chargers", r))
        if what in ("battery", "both"):
            for ref, spec in current.specs.items():
                n, unit = battery_size(spec)
                steps = {n - 1, min(n - 1, math.floor(0.9 * n))}
                for m in sorted(steps, reverse=True):
                    if m >= 1:
                        r = day(current.with_specs({ref: with_battery(spec, m)}))
                        checks.append(_check(f"{ref}: {n} → {m} {unit}", r))
    check_df = pd.DataFrame(checks, columns=["change", "feasible", "blocks_failed", "vehicles_not_ready"])
    return SizingResult(what, feasible, {s: c.count for s, c in current.chargers.items()},
                        {r: battery_size(s)[0] for r, s in current.specs.items()},
                        {r: battery_size(s)[1] for r, s in current.specs.items()}, check_df, counter[0],
                        day(current), current)


def _check(change: str, r: FleetResult) -> dict[str, Any]:
    return {"change": change, "feasible": r.feasible, "blocks_failed": int(r.summary["blocks_failed"]),
            "vehicles_not_ready": int(r.summary["vehicles_not_ready"])}


def _smallest(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """Smallest n in lo … hi with ok(n), given ok(hi) (binary search; assumes ok is monotone)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def _size_chargers(fleet: Fleet, day: Callable[[Fleet], FleetResult]) -> tuple[Fleet, bool]:
    counts = {s: c.count for s, c in fleet.chargers.items()}
    if not day(fleet).feasible:
        counts = {s: max(c, fleet.visitors(s)) for s, c in counts.items()}
        if not day(fleet.with_chargers(counts)).feasible:
            return fleet.with_chargers(counts), False
    order = sorted(fleet.chargers, key=lambda s: (-fleet.chargers[s].power_w, s))
    changed = True
    while changed:
        changed = False
        for s in order:
            if counts[s] == 0:
                continue
            def ok(n: int, s: str = s) -> bool:
                return day(fleet.with_chargers({**counts, s: n})).feasible
            n = _smallest(0, counts[s], ok)
            if n < counts[s]:
                counts[s] = n
                changed = True
            if counts[s] > 0 and ok(counts[s] - 1):  # not monotone here: step down and search again
                counts[s] -= 1
                changed = True
    return fleet.with_chargers(counts), True


def _size_battery(fleet: Fleet, day: Callable[[Fleet], FleetResult]) -> tuple[Fleet, bool]:
    sizes = {r: battery_size(s)[0] for r, s in fleet.specs.items()}
    base = dict(fleet.specs)

    def variant(sz: Mapping[str, int]) -> Fleet:
        return fleet.with_specs({r: with_battery(base[r], n) for r, n in sz.items()})

    limit = {r: (500 if battery_size(s)[1] == "parallel" else 5000) for r, s in base.items()}
    if not day(variant(sizes)).feasible:
        while not day(variant(sizes)).feasible:
            if all(sizes[r] >= limit[r] for r in sizes):
                return variant(sizes), False
            sizes = {r: min(2 * n, limit[r]) for r, n in sizes.items()}
    changed = True
    while changed:
        changed = False
        for r in sorted(sizes):
            def ok(n: int, r: str = r) -> bool:
                return day(variant({**sizes, r: n})).feasible
            n = _smallest(1, sizes[r], ok)
            if n < sizes[r]:
                sizes[r] = n
                changed = True
            if sizes[r] > 1 and ok(sizes[r] - 1):
                sizes[r] -= 1
                changed = True
    return variant(sizes), True


# ============================================================================================ writers


def write(result: FleetResult, out_dir: str | Path, sizing: SizingResult | None = None) -> list[Path]:
    """Write the tables as CSV and Parquet (``soc``, ``trips``, ``blocks``, ``vehicles``, ``sessions``,
    ``occupancy``, ``grid_power``, ``sites`` ``.csv`` / ``.parquet``), ``summary.json`` and ``fleet.png`` into
    ``out_dir``, each file atomically."""
    from tyaga.results import write_csv, write_json, write_parquet

    out = Path(out_dir)
    paths = []
    for name in ("soc", "trips", "blocks", "vehicles", "sessions", "occupancy", "grid_power", "sites"):
        paths.append(write_csv(getattr(result, name), out / f"{name}.csv"))
        paths.append(write_parquet(getattr(result, name), out / f"{name}.parquet"))
    obj: dict[str, Any] = {"summary": result.summary, "notes": list(result.notes),
                           "failed_blocks": result.blocks[~result.blocks["finished"]].to_dict("records"),
                           "sites": result.sites.to_dict("records")}
    if sizing is not None:
        obj["sizing"] = sizing_dict(sizing)
    paths.append(write_json(obj, out / "summary.json"))
    paths.append(plot_day(result, out / "fleet.png"))
    return paths


def sizing_dict(s: SizingResult) -> dict[str, Any]:
    """A :class:`SizingResult` as plain data (JSON-ready with :func:`tyaga.results.to_jsonable`)."""
    return {"what": s.what, "feasible": s.feasible, "chargers": s.chargers, "battery": s.battery,
            "battery_unit": s.battery_unit, "evaluations": s.evaluations, "checks": s.checks.to_dict("records")}


def plot_day(result: FleetResult, path: str | Path, max_vehicles: int = 30) -> Path:
    """Three panels — SOC of (up to ``max_vehicles``) vehicles, chargers busy per site, grid power per site —
    against the time of day, saved as PNG (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tyaga.results import write_atomic

    fig, axes = plt.subplots(3, 1, figsize=(11, 10), sharex=True)
    for i, (vid, g) in enumerate(result.soc.groupby("vehicle_id", sort=False)):
        if i >= max_vehicles:
            break
        axes[0].plot(g["time_s"] / 3600.0, g["soc"] * 100.0, lw=0.8, label=str(vid))
    failed = result.blocks[~result.blocks["finished"]]
    if len(failed):
        axes[0].plot(failed["failed_time_s"] / 3600.0, failed["failed_soc"] * 100.0, "rx", ms=8,
                     label="block failed")
    axes[0].set_ylabel("SOC [%]")
    for site, g in result.occupancy.groupby("site", sort=False):
        axes[1].step(g["time_s"] / 3600.0, g["chargers_busy"], where="post", label=str(site))
    axes[1].set_ylabel("chargers busy")
    for site, g in result.grid_power.groupby("site", sort=False):
        axes[2].step(g["time_s"] / 3600.0, g["power_w"] / 1000.0, where="post", label=str(site))
    axes[2].set_ylabel("grid power [kW]")
    axes[2].set_xlabel("time of day [h]")
    for ax in axes:
        ax.grid(alpha=0.3)
        handles, _ = ax.get_legend_handles_labels()
        if handles and len(handles) <= 12:
            ax.legend(loc="upper right", fontsize=7)
    fig.suptitle("tyaga fleet day")
    fig.tight_layout()
    write_atomic(path, lambda p: fig.savefig(p, dpi=100, format="png"))
    plt.close(fig)
    return Path(path)


__all__ = [
    "CHARGE_PACK_TEMPERATURE_C",
    "CONNECTION_TIME_S",
    "ChargeCurve",
    "ChargerSite",
    "Fleet",
    "FleetResult",
    "FleetRoute",
    "Models",
    "SizingResult",
    "Trip",
    "TripTable",
    "battery_size",
    "charge_curve",
    "format_time",
    "load",
    "load_chargers",
    "load_routes",
    "parse_time",
    "plot_day",
    "simulate_day",
    "size",
    "sizing_dict",
    "trip_tables",
    "with_battery",
    "write",
]
