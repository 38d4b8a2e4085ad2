"""Routes by distance: segments with speed limits, grades and stops, turned into a drive cycle by a driver model.

>>> from tyaga import route
>>> r = route.Route([route.Segment(200.0, 30.0, dwell_s=20.0), route.Segment(300.0, 50.0, dwell_s=20.0)])
>>> trace = route.generate(r)
>>> round(trace.cycle.distance_m, 6)
500.0

A :class:`Route` is a list of :class:`Segment` s, each with a length [m], a speed limit [km/h at the
boundary, m/s inside], a grade [–], an optional stop at its end (``dwell_s``), an ``under_wire`` flag and
the passengers boarding / alighting at that stop. :func:`generate` drives it with a :class:`Driver`:
accelerate at a (speed-dependent) limit, cruise at the speed limit, brake at a constant comfortable
deceleration so as to stop exactly at each stop and to be down to a lower speed limit where it begins.
The result (:class:`RouteTrace`) is a :class:`~tyaga.cycle.DriveCycle` plus per-sample distance,
``under_wire`` flags, occupancy and passenger mass. :func:`sort` builds the UITP SORT 1/2/3 cycles.
See ``docs/routes.md``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tyaga.cycle import MAX_ABS_GRADE, DriveCycle
from tyaga.errors import InputError
from tyaga.units import KMH_PER_MPS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Default mass of one passenger [kg]. Assumption: the conventional 68 kg per passenger of the bus type
#: approval rules (UN Regulation No. 107 / Directive 2001/85/EC Annex I, "mass of a passenger"), the figure
#: SORT and E-SORT load calculations also use; it is a convention, not a measured average.
PASSENGER_MASS_KG = 68.0

#: Default comfortable service deceleration [m/s²] (SORT: about 0.8 m/s², data-sources.md §1.2).
DEFAULT_DECEL_MPS2 = 0.8

#: Default acceleration limit against speed, ``(speed_kmh, acceleration_mps2)`` knots, interpolated
#: linearly in speed and held flat outside. A loaded 12 m city bus; chosen for SORT (see :data:`SORT_DRIVER`).
DEFAULT_ACCEL_KMH_MPS2: tuple[tuple[float, float], ...] = ((0.0, 1.0), (20.0, 1.0), (40.0, 0.6), (60.0, 0.4))

_DS_M = 0.05  # distance step [m] of the speed envelope (v² is exact per step at constant acceleration)


def _finite(field_name: str, value: object, allowed: str, ok: bool | None = None) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(field_name, value, allowed) from None
    if not math.isfinite(x) or (ok is not None and not ok):
        raise InputError(field_name, value, allowed)
    return x


@dataclass(frozen=True)
class Segment:
    """One piece of a route.

    Parameters
    ----------
    length_m:
        Length [m], > 0.
    speed_limit_kmh:
        Speed limit on this segment [km/h], > 0 (the driver's target speed).
    grade:
        Road grade, rise over run [–] (0.05 = 5 % uphill), ``|grade| ≤ 1``.
    dwell_s:
        A stop at the end of the segment lasting ``dwell_s`` [s] (≥ 0; 0 = stop and go on at once), or
        ``None`` for no stop. The last segment of a route always ends in a stop (``None`` there means 0 s).
    under_wire:
        True where the segment runs under a trolleybus overhead line (see ``docs/trolleybus.md``).
    boarding, alighting:
        Passengers getting on / off at the stop at the end of the segment (integers ≥ 0; only with a stop).
    name:
        Optional label, e.g. the stop name.
    """

    length_m: float
    speed_limit_kmh: float
    grade: float = 0.0
    dwell_s: float | None = None
    under_wire: bool = False
    boarding: int = 0
    alighting: int = 0
    name: str = ""

    def check(self, where: str = "segment") -> None:
        """Raise an :class:`InputError` naming ``where`` for a value out of range."""
        _finite(f"{where}.length_m", self.length_m, "a number > 0 m", None)
        if not float(self.length_m) > 0:
            raise InputError(f"{where}.length_m", self.length_m, "> 0 m")
        _finite(f"{where}.speed_limit_kmh", self.speed_limit_kmh, "a number > 0 km/h")
        if not float(self.speed_limit_kmh) > 0:
            raise InputError(f"{where}.speed_limit_kmh", self.speed_limit_kmh, "> 0 km/h")
        g = _finite(f"{where}.grade", self.grade, f"a number, |grade| ≤ {MAX_ABS_GRADE:g} (rise over run)")
        if abs(g) > MAX_ABS_GRADE:
            raise InputError(f"{where}.grade", self.grade, f"|grade| ≤ {MAX_ABS_GRADE:g} (rise over run)")
        if self.dwell_s is not None:
            _finite(f"{where}.dwell_s", self.dwell_s, "a number ≥ 0 s, or none (no stop)")
            if float(self.dwell_s) < 0:
                raise InputError(f"{where}.dwell_s", self.dwell_s, "≥ 0 s, or none (no stop)")
        for key in ("boarding", "alighting"):
            n = getattr(self, key)
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
                raise InputError(f"{where}.{key}", n, "an integer ≥ 0 (passengers)")
        if (self.boarding or self.alighting) and self.dwell_s is None:
            raise InputError(f"{where}.dwell_s", None, "a stop (dwell_s ≥ 0 s) where passengers board or alight")

    @property
    def speed_limit_mps(self) -> float:
        """Speed limit [m/s]."""
        return float(self.speed_limit_kmh) / KMH_PER_MPS


@dataclass(frozen=True)
class Route:
    """A sequence of segments driven from rest at the start of the first.

    Parameters
    ----------
    segments:
        At least one :class:`Segment`.
    name, source:
        Of the cycles generated from it.
    initial_passengers:
        Passengers on board at the start (integer ≥ 0).
    """

    segments: Sequence[Segment]
    name: str = "route"
    source: str = ""
    initial_passengers: int = 0

    def __post_init__(self) -> None:
        segs = tuple(self.segments)
        object.__setattr__(self, "segments", segs)
        if not segs:
            raise InputError("segments", "(none)", "at least one segment")
        for i, s in enumerate(segs):
            if not isinstance(s, Segment):
                raise InputError(f"segments[{i}]", type(s).__name__, "a tyaga.route.Segment")
            s.check(f"segments[{i}]" + (f" ({s.name})" if s.name else ""))
        n0 = self.initial_passengers
        if isinstance(n0, bool) or not isinstance(n0, int | np.integer) or n0 < 0:
            raise InputError("initial_passengers", n0, "an integer ≥ 0")
        on_board = int(n0)
        for i, s in enumerate(segs):
            on_board -= int(s.alighting)
            if on_board < 0:
                raise InputError(
                    f"segments[{i}].alighting", s.alighting, f"≤ {on_board + int(s.alighting)} (passengers on board)"
                )
            on_board += int(s.boarding)

    @property
    def length_m(self) -> float:
        """Total length [m]."""
        return float(sum(float(s.length_m) for s in self.segments))


@dataclass(frozen=True)
class Driver:
    """The driver model of :func:`generate`.

    Parameters
    ----------
    accel_kmh_mps2:
        Acceleration limit [m/s²] against speed [km/h]: ``(speed_kmh, acceleration_mps2)`` knots, speeds
        increasing, accelerations > 0; interpolated linearly, held flat outside. One knot = constant.
    decel_mps2:
        Comfortable constant service deceleration [m/s²], > 0.
    jerk_mps3:
        Comfort jerk limit [m/s³] (> 0), or ``None`` (default) for none. Typical comfort limits for standing
        passengers are 0.5–1 m/s³ (assumption; e.g. rail and lift ride-comfort practice). At 1 s sampling
        and the default accelerations a limit of 1.8 m/s³ or more changes nothing; see :func:`generate`.
    """

    accel_kmh_mps2: tuple[tuple[float, float], ...] = DEFAULT_ACCEL_KMH_MPS2
    decel_mps2: float = DEFAULT_DECEL_MPS2
    jerk_mps3: float | None = None

    def __post_init__(self) -> None:
        knots = tuple((float(v), float(a)) for v, a in self.accel_kmh_mps2)
        object.__setattr__(self, "accel_kmh_mps2", knots)
        if not knots:
            raise InputError("accel_kmh_mps2", "(empty)", "at least one (speed_kmh, acceleration_mps2) knot")
        for i, (v, a) in enumerate(knots):
            if not (math.isfinite(v) and v >= 0):
                raise InputError(f"accel_kmh_mps2[{i}] speed_kmh", v, "a number ≥ 0 km/h")
            if not (math.isfinite(a) and 0 < a <= 10):
                raise InputError(f"accel_kmh_mps2[{i}] acceleration_mps2", a, "0 < a ≤ 10 m/s²")
            if i and v <= knots[i - 1][0]:
                raise InputError(f"accel_kmh_mps2[{i}] speed_kmh", v, f"> {knots[i - 1][0]:g} (increasing)")
        d = _finite("decel_mps2", self.decel_mps2, "0 < decel ≤ 10 m/s²")
        if not 0 < d <= 10:
            raise InputError("decel_mps2", self.decel_mps2, "0 < decel ≤ 10 m/s²")
        if self.jerk_mps3 is not None:
            j = _finite("jerk_mps3", self.jerk_mps3, "0 < jerk ≤ 50 m/s³, or none")
            if not 0 < j <= 50:
                raise InputError("jerk_mps3", self.jerk_mps3, "0 < jerk ≤ 50 m/s³, or none")

    def accel_mps2(self, speed_mps: FloatArray | float) -> FloatArray:
        """Acceleration limit [m/s²] at ``speed_mps`` [m/s]."""
        v_kmh = np.asarray(speed_mps, dtype=np.float64) * KMH_PER_MPS
        xs = [k[0] for k in self.accel_kmh_mps2]
        ys = [k[1] for k in self.accel_kmh_mps2]
        return np.interp(v_kmh, xs, ys)


@dataclass(frozen=True, eq=False)
class RouteTrace:
    """A route driven: the cycle and what happens along it, one value per cycle sample.

    Attributes
    ----------
    cycle:
        The drive cycle (time [s], speed [m/s], grade [–]).
    distance_m:
        Position along the route at each sample [m] (the cycle's trapezoid distance; 0 at t = 0).
    under_wire:
        0/1 per sample: 1 where the step *from* that sample runs under the overhead line (the last sample
        repeats the one before). Pass it as ``tyaga.simulate(..., under_wire=trace.under_wire)``.
    segment_index:
        Index of the segment the step from each sample belongs to (a dwell belongs to the segment whose stop
        it is).
    occupancy:
        Passengers on board on the step from each sample. Boarding and alighting take effect when the bus
        has come to rest at the stop (the dwell samples already carry the new load).
    passenger_mass_kg:
        ``occupancy × kg_per_passenger`` [kg] per sample.
    section_end_s:
        Time [s] at which the bus comes to rest at each stop (one per stop, the last = end of motion).
    """

    cycle: DriveCycle
    distance_m: FloatArray
    under_wire: FloatArray
    segment_index: IntArray
    occupancy: IntArray
    passenger_mass_kg: FloatArray
    section_end_s: FloatArray
    route: Route = field(repr=False)

    def mass_kg(self, empty_mass_kg: float) -> FloatArray:
        """Vehicle mass per sample [kg]: ``empty_mass_kg`` [kg] (kerb + driver) plus the passengers."""
        m0 = _finite("empty_mass_kg", empty_mass_kg, "a number > 0 kg")
        if m0 <= 0:
            raise InputError("empty_mass_kg", empty_mass_kg, "> 0 kg")
        return m0 + self.passenger_mass_kg

    @property
    def mean_passenger_mass_kg(self) -> float:
        """Time-weighted mean passenger mass [kg] over the cycle (pass it as ``payload_kg``)."""
        dt = np.diff(self.cycle.time_s)
        return float(np.sum(self.passenger_mass_kg[:-1] * dt) / np.sum(dt))

    def mean_mass_kg(self, empty_mass_kg: float) -> float:
        """Time-weighted mean vehicle mass [kg] over the cycle (the engine takes one constant mass)."""
        m = self.mass_kg(empty_mass_kg)
        dt = np.diff(self.cycle.time_s)
        return float(np.sum(m[:-1] * dt) / np.sum(dt))


def _section_profile(
    lengths_m: Sequence[float], limits_mps: Sequence[float], driver: Driver, ds_m: float
) -> tuple[FloatArray, FloatArray]:
    """Speed envelope of one stop-to-stop section: knots ``(time_s, speed_mps)``, from rest to rest.

    ``lengths_m`` and ``limits_mps`` are those of the section's segments, in order.
    """
    ends = np.cumsum(np.asarray(lengths_m, dtype=np.float64))
    total = float(ends[-1])
    n = max(math.ceil(total / ds_m), 2)
    s = np.linspace(0.0, total, n + 1)
    ds = total / n
    # speed limit of each cell (between s[k] and s[k+1]) and at each node (the lower of the cells around it)
    mid = 0.5 * (s[1:] + s[:-1])
    cell_seg = np.minimum(np.searchsorted(ends, mid, side="left"), len(ends) - 1)
    cap_cell = np.asarray(limits_mps, dtype=np.float64)[cell_seg]
    cap = np.empty(n + 1)
    cap[1:-1] = np.minimum(cap_cell[1:], cap_cell[:-1])
    cap[0] = 0.0
    cap[-1] = 0.0
    # backward pass: brake at decel_mps2 to every lower limit and to the stop. Exactly:
    # v²(s_k) = min over j ≥ k of (cap_j² + 2·d·(s_j − s_k)), a reversed running minimum.
    two_d = 2.0 * driver.decel_mps2
    w = cap**2 + two_d * s
    back_sq = np.minimum.accumulate(w[::-1])[::-1] - two_d * s
    back = np.sqrt(np.maximum(back_sq, 0.0))
    # forward pass: accelerate at the speed-dependent limit (v² += 2 a(v) ds), within the envelope
    xs = [kn[0] / KMH_PER_MPS for kn in driver.accel_kmh_mps2]
    ys = [kn[1] for kn in driver.accel_kmh_mps2]
    upper = np.minimum(back[1:], cap_cell).tolist()
    v_list = [0.0] * (n + 1)
    vk = 0.0
    n_knots = len(xs)
    for k in range(n):
        if vk <= xs[0]:
            a = ys[0]
        elif vk >= xs[-1]:
            a = ys[-1]
        else:
            j = 1
            while j < n_knots and xs[j] < vk:
                j += 1
            a = ys[j - 1] + (ys[j] - ys[j - 1]) * (vk - xs[j - 1]) / (xs[j] - xs[j - 1])
        vk = min(upper[k], math.sqrt(vk * vk + 2.0 * a * ds))
        v_list[k + 1] = vk
    v = np.array(v_list)
    # time from distance: ds = (v_k + v_k+1)/2 · dt (exact while the acceleration is constant)
    vsum = v[1:] + v[:-1]
    dt = np.divide(2.0 * ds, vsum, out=np.zeros_like(vsum), where=vsum > 0)
    t = np.concatenate(([0.0], np.cumsum(dt)))
    return t, v


def _sampled_section(
    lengths_m: Sequence[float], limits_mps: Sequence[float], driver: Driver, dt_s: float
) -> tuple[FloatArray, FloatArray]:
    """One section sampled every ``dt_s`` from rest to rest: ``(time_s, speed_mps)`` with the trapezoid distance
    equal to the section's length.

    The envelope is sampled exactly (each sample is a point of the driver's profile, so the chord between two
    samples never accelerates or brakes harder than the driver). Sampling cuts the corners of the profile, so the
    trapezoid distance of the samples differs from the length by up to about ``a·dt²/8`` per corner; the envelope
    is therefore built for a slightly different length ``L'`` (found by the secant method) whose samples cover
    exactly the section's length ``L``. A last residual (below 1e-6 of ``L`` after at most 8 iterations, or where
    the number of samples jumps) is removed by scaling the speeds.
    """
    lengths = np.asarray(lengths_m, dtype=np.float64)
    length = float(lengths.sum())

    def sampled(scale: float) -> tuple[FloatArray, FloatArray, float]:
        knot_t, knot_v = _section_profile(lengths * scale, limits_mps, driver, _DS_M)
        n_move = max(math.ceil(knot_t[-1] / dt_s - 1e-9), 1)
        ts = np.arange(n_move + 1) * dt_s
        vs = np.interp(ts, knot_t, knot_v)
        vs[0] = 0.0
        vs[-1] = 0.0
        return ts, vs, float(np.trapezoid(vs, ts))

    x0, (ts, vs, got) = 1.0, sampled(1.0)
    f0 = got - length
    best = (abs(f0), ts, vs, got)
    x1 = max(1.0 - f0 / length, 0.5)
    for _ in range(8):
        if best[0] <= 1e-6 * length:
            break
        ts, vs, got = sampled(x1)
        f1 = got - length
        if abs(f1) < best[0]:
            best = (abs(f1), ts, vs, got)
        if f1 == f0:
            break
        x0, x1, f0 = x1, max(x1 - f1 * (x1 - x0) / (f1 - f0), 0.5), f1
    _, ts, vs, got = best
    vs = vs * (length / got)
    if driver.jerk_mps3 is not None:
        ts, vs = _jerk_limited(ts, vs, driver, dt_s)
    return ts, vs


def _jerk_limited(ts: FloatArray, vs: FloatArray, driver: Driver, dt_s: float) -> tuple[FloatArray, FloatArray]:
    """Limit the jerk of a sampled section (rest to rest) by a moving average of its speed over ``w`` samples.

    A moving average of the speed is the moving average of the acceleration integrated, so the acceleration
    changes by at most ``(a_max + d)/w`` per step: ``w = ceil((a_max + d)/(j·dt))`` keeps the jerk ≤ ``j`` even
    where the profile switches straight from full acceleration to full braking. Averaging never raises the
    acceleration, the braking or the speed above their largest values in the window, and — the section
    starting and ending at rest — it keeps the trapezoid distance exactly (the sum of the samples); the
    section lasts ``(w − 1)·dt`` longer.
    """
    assert driver.jerk_mps3 is not None
    a_max = max(k[1] for k in driver.accel_kmh_mps2)
    w = math.ceil((a_max + driver.decel_mps2) / (driver.jerk_mps3 * dt_s) - 1e-9)
    if w <= 1:
        return ts, vs
    v = np.convolve(vs, np.full(w, 1.0 / w))
    v[0] = 0.0
    v[-1] = 0.0
    return np.arange(v.size) * dt_s, v


def _sections(route: Route) -> list[list[int]]:
    """Segment indices of each stop-to-stop section (the last segment always closes one)."""
    out: list[list[int]] = []
    current: list[int] = []
    for i, s in enumerate(route.segments):
        current.append(i)
        if s.dwell_s is not None or i == len(route.segments) - 1:
            out.append(current)
            current = []
    return out


def generate(
    route: Route,
    driver: Driver | None = None,
    dt_s: float = 1.0,
    kg_per_passenger: float = PASSENGER_MASS_KG,
    name: str | None = None,
) -> RouteTrace:
    """Drive ``route`` with ``driver`` and sample the result every ``dt_s``.

    Method
    ------
    For each stop-to-stop section a speed envelope is built along the distance (steps of 5 cm): a backward
    pass brakes at ``decel_mps2`` to each stop and to each lower speed limit *before* its segment begins;
    a forward pass accelerates from rest at the speed-dependent limit (``v² += 2·a(v)·ds``) and never above
    the segment's limit (a higher limit is taken up only once its segment has begun). Time follows from
    ``dt = 2·ds / (v_k + v_k+1)``; the trace is sampled at ``0, dt_s, …`` up to the first sample at or after
    the bus comes to rest (so it is at rest there), then the dwell follows in whole steps (rounded up).

    Sampling a trace whose acceleration jumps (start, cruise, braking) changes its trapezoid distance by up
    to about ``a·dt_s²/8`` per corner; each section's envelope is therefore built for a slightly stretched or
    shrunk length whose samples cover exactly the section's length (:func:`_sampled_section`), so every stop
    lies where the route says (to float rounding) while the samples stay on the driver's profile: no step
    accelerates or brakes harder than the driver, and no sample exceeds its segment's limit.

    Parameters
    ----------
    route:
        The route (starts at rest at the beginning of its first segment; ends with a stop).
    driver:
        The driver model (default :class:`Driver` ()).
    dt_s:
        Sampling step [s], 0 < dt_s ≤ 10.
    kg_per_passenger:
        Mass of one passenger [kg] (default :data:`PASSENGER_MASS_KG`, a labelled convention).
    name:
        Of the cycle (default ``route.name``).

    Returns
    -------
    RouteTrace
    """
    if not isinstance(route, Route):
        raise InputError("route", type(route).__name__, "a tyaga.route.Route")
    driver = Driver() if driver is None else driver
    dt = _finite("dt_s", dt_s, "0 < dt_s ≤ 10 s")
    if not 0 < dt <= 10:
        raise InputError("dt_s", dt_s, "0 < dt_s ≤ 10 s")
    kgp = _finite("kg_per_passenger", kg_per_passenger, "0 ≤ kg ≤ 300")
    if not 0 <= kgp <= 300:
        raise InputError("kg_per_passenger", kg_per_passenger, "0 ≤ kg ≤ 300")
    segs = route.segments
    t_parts: list[FloatArray] = [np.zeros(1)]
    v_parts: list[FloatArray] = [np.zeros(1)]
    t_end = 0.0
    stop_times: list[float] = []
    for sec in _sections(route):
        ts, vs = _sampled_section(
            [float(segs[i].length_m) for i in sec], [segs[i].speed_limit_mps for i in sec], driver, dt
        )
        t_parts.append(ts[1:] + t_end)
        v_parts.append(vs[1:])
        t_end += ts[-1]
        stop_times.append(t_end)
        dwell = float(segs[sec[-1]].dwell_s or 0.0)
        n_dwell = math.ceil(dwell / dt - 1e-9)
        if n_dwell:
            t_parts.append(t_end + dt * np.arange(1, n_dwell + 1))
            v_parts.append(np.zeros(n_dwell))
            t_end += n_dwell * dt
    t = np.concatenate(t_parts)
    v = np.concatenate(v_parts)
    steps = 0.5 * (v[1:] + v[:-1]) * np.diff(t)
    s = np.concatenate(([0.0], np.cumsum(steps)))
    # the segment of the step from each sample: by the step's mid-point; a position on a boundary belongs to
    # the segment ending there (so a dwell belongs to its stop's segment)
    ends = np.cumsum([float(x.length_m) for x in segs])
    s_mid = np.append(0.5 * (s[1:] + s[:-1]), s[-1])
    seg_idx = np.minimum(np.searchsorted(ends, s_mid - 1e-6, side="left"), len(segs) - 1).astype(np.int64)
    seg_idx[-1] = seg_idx[-2]
    # grade at each sample: of the segment under the vehicle (boundary → the segment ahead, except at the end)
    seg_at = np.minimum(np.searchsorted(ends, s + 1e-6, side="right"), len(segs) - 1)
    grade = np.array([float(segs[i].grade) for i in seg_at])
    wire = np.array([1.0 if segs[i].under_wire else 0.0 for i in seg_idx])
    # occupancy: changes at the sample where the bus comes to rest at each stop
    occupancy = np.full(t.size, int(route.initial_passengers), dtype=np.int64)
    stop_segs = [sec[-1] for sec in _sections(route)]
    for i_seg, t_stop in zip(stop_segs, stop_times, strict=True):
        delta = int(segs[i_seg].boarding) - int(segs[i_seg].alighting)
        if delta:
            k = int(np.searchsorted(t, t_stop - 1e-9 * max(1.0, t_stop), side="left"))
            occupancy[k:] += delta
    cycle = DriveCycle(name or route.name, t, v, grade, route.source or "generated by tyaga.route")
    return RouteTrace(
        cycle=cycle,
        distance_m=s,
        under_wire=wire,
        segment_index=seg_idx,
        occupancy=occupancy,
        passenger_mass_kg=occupancy * kgp,
        section_end_s=np.array(stop_times),
        route=route,
    )


# -- SORT --------------------------------------------------------------------------------------------

#: SORT target speeds [km/h] of the three trapezes and segment lengths [m] of each cycle. The speeds, the
#: 20 s stops and the totals (≈ 520 / 920 / 1450 m) are the published definition (UITP SORT, as collected in
#: shared/docs/data-sources.md §1 and §1.2); the split of each total over the three trapezes is an
#: assumption (the brochure is a paid publication and was not seen), chosen so that the totals hold.
SORT_DEFINITIONS: dict[str, tuple[tuple[float, float], ...]] = {
    "sort1": ((20.0, 100.0), (30.0, 200.0), (40.0, 220.0)),
    "sort2": ((20.0, 100.0), (40.0, 300.0), (50.0, 520.0)),
    "sort3": ((30.0, 200.0), (50.0, 600.0), (60.0, 650.0)),
}

#: SORT stop time [s] after each trapeze.
SORT_DWELL_S = 20.0

#: Driver used for SORT: the acceleration per speed band is **not confirmed** (data-sources.md §1.2 says so);
#: these values are tyaga's choice for a loaded 12 m bus, 0.8 m/s² braking as published.
SORT_DRIVER = Driver(accel_kmh_mps2=DEFAULT_ACCEL_KMH_MPS2, decel_mps2=DEFAULT_DECEL_MPS2)


def sort_route(name: str) -> Route:
    """The route of SORT 1, 2 or 3 (``name`` = ``"sort1"``, ``"sort2"`` or ``"sort3"``)."""
    key = str(name).lower().replace(" ", "").replace("-", "").replace("_", "")
    if key not in SORT_DEFINITIONS:
        raise InputError("SORT cycle", name, "one of " + ", ".join(SORT_DEFINITIONS))
    segs = [Segment(length, v, dwell_s=SORT_DWELL_S) for v, length in SORT_DEFINITIONS[key]]
    source = (
        f"UITP SORT {key[-1]} (3 trapezes, {SORT_DWELL_S:g} s stops; segment split and acceleration profile "
        "assumed, see docs/cycles.md), generated by tyaga.route"
    )
    return Route(segs, name=key, source=source)


def sort(name: str, dt_s: float = 1.0) -> DriveCycle:
    """SORT 1, 2 or 3 generated from its defining parameters (see :data:`SORT_DEFINITIONS`)."""
    return generate(sort_route(name), SORT_DRIVER, dt_s=dt_s).cycle


# -- route files -------------------------------------------------------------------------------------

_COLUMNS = ("length_m", "speed_limit_kmh", "grade_percent", "dwell_s", "under_wire", "boarding", "alighting", "name")
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


def _segment_from_row(row: dict[str, object], where: str, src: str) -> Segment:
    unknown = sorted(set(row) - set(_COLUMNS))
    if unknown:
        raise InputError(f"{where}: {unknown[0]}", row[unknown[0]], "one of the columns " + ", ".join(_COLUMNS), src)
    if "length_m" not in row or "speed_limit_kmh" not in row:
        raise InputError(f"{where}", sorted(row), "length_m and speed_limit_kmh in every row", src)

    def num(key: str, allowed: str, default: float | None) -> float | None:
        raw = row.get(key, "")
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            return default
        if isinstance(raw, bool):
            raise InputError(f"{where}: {key}", raw, allowed, src)
        try:
            x = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError(f"{where}: {key}", raw, allowed, src) from None
        if not math.isfinite(x):
            raise InputError(f"{where}: {key}", raw, allowed, src)
        return x

    length = num("length_m", "a number > 0 m", None)
    speed = num("speed_limit_kmh", "a number > 0 km/h", None)
    grade_pct = num("grade_percent", "a number, -100 … 100 %", 0.0)
    dwell = num("dwell_s", "a number ≥ 0 s, or empty (no stop)", None)
    counts: dict[str, int] = {}
    for key in ("boarding", "alighting"):
        x = num(key, "an integer ≥ 0", 0.0)
        assert x is not None
        if x < 0 or x != int(x):
            raise InputError(f"{where}: {key}", row.get(key), "an integer ≥ 0 (passengers)", src)
        counts[key] = int(x)
    wire_raw = row.get("under_wire", "")
    if isinstance(wire_raw, bool):
        wire = wire_raw
    elif str(wire_raw).strip().lower() in _TRUE:
        wire = True
    elif str(wire_raw).strip().lower() in _FALSE:
        wire = False
    else:
        raise InputError(f"{where}: under_wire", wire_raw, "true/false (or 1/0, yes/no)", src)
    seg = Segment(
        length_m=length if length is not None else float("nan"),
        speed_limit_kmh=speed if speed is not None else float("nan"),
        grade=(grade_pct or 0.0) / 100.0,
        dwell_s=dwell,
        under_wire=wire,
        boarding=counts["boarding"],
        alighting=counts["alighting"],
        name=str(row.get("name", "") or ""),
    )
    try:
        seg.check("segment")
    except InputError as exc:
        key = exc.field.split(".", 1)[1]
        key = "grade_percent" if key == "grade" else key
        value = grade_pct if key == "grade_percent" else exc.value
        allowed = "-100 … 100 %" if key == "grade_percent" else exc.allowed
        raise InputError(f"{where}: {key}", value, allowed, src) from None
    return seg


def load(path: str | Path) -> Route:
    """Read a route from a CSV or TOML file (see ``docs/routes.md``).

    CSV: a header with ``length_m,speed_limit_kmh`` and optionally ``grade_percent`` [%], ``dwell_s`` [s]
    (empty = no stop), ``under_wire`` (true/false/1/0), ``boarding``, ``alighting``, ``name``; ``#`` lines
    are comments. TOML: optional ``name``, ``source``, ``initial_passengers`` and a ``[[segments]]`` table
    array with the same keys.

    Raises
    ------
    InputError
        Naming the file, the row (1 = first segment) and the column for a bad value, e.g. a length ≤ 0,
        a speed limit ≤ 0 or a dwell < 0.
    """
    from tyaga.catalog import read_toml

    path = Path(path)
    src = str(path)
    if not path.is_file():
        raise InputError("route file", src, "an existing .csv or .toml file")
    suffix = path.suffix.lower()
    name, source, initial = path.stem, src, 0
    rows: list[dict[str, object]]
    if suffix == ".toml":
        data = read_toml(path)
        extra = sorted(set(data) - {"name", "source", "initial_passengers", "segments"})
        if extra:
            raise InputError(extra[0], data[extra[0]], "name, source, initial_passengers or [[segments]]", src)
        raw = data.get("segments")
        if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
            raise InputError("segments", raw, "a non-empty [[segments]] table array", src)
        rows = raw
        name = str(data.get("name", name))
        source = str(data.get("source", source))
        init = data.get("initial_passengers", 0)
        if isinstance(init, bool) or not isinstance(init, int) or init < 0:
            raise InputError("initial_passengers", init, "an integer ≥ 0", src)
        initial = init
    elif suffix in {".csv", ".txt"}:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise InputError("route file", src, "a readable UTF-8 CSV file") from None
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if len(lines) < 2:
            raise InputError("rows", max(len(lines) - 1, 0), "a header and at least one segment row", src)
        reader = csv.DictReader(lines)
        rows = []
        for k, r in enumerate(reader, start=1):
            if None in r or any(v is None for v in r.values()):
                raise InputError(f"row {k}", lines[k], f"{len(reader.fieldnames or [])} comma-separated values", src)
            rows.append({key.strip(): (v or "").strip() for key, v in r.items()})
    else:
        raise InputError("route file", src, "a .csv or .toml file")
    segs = [_segment_from_row(r, f"row {k}", src) for k, r in enumerate(rows, start=1)]
    try:
        return Route(segs, name=name, source=source, initial_passengers=initial)
    except InputError as exc:
        field_name = exc.field.replace("segments[", "row ").replace("].", ": ")
        # segments[i] is 0-based, rows are 1-based
        if field_name.startswith("row "):
            idx, rest = field_name[4:].split(":", 1)
            field_name = f"row {int(idx) + 1}:{rest}"
        raise InputError(field_name, exc.value, exc.allowed, src) from None


__all__ = [
    "DEFAULT_ACCEL_KMH_MPS2",
    "DEFAULT_DECEL_MPS2",
    "PASSENGER_MASS_KG",
    "SORT_DEFINITIONS",
    "SORT_DRIVER",
    "SORT_DWELL_S",
    "Driver",
    "Route",
    "RouteTrace",
    "Segment",
    "generate",
    "load",
    "sort",
    "sort_route",
]
