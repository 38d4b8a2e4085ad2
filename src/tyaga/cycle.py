"""Drive cycles: vehicle speed and road grade against time.

A :class:`DriveCycle` holds three sampled arrays of the same length, SI inside:

* ``time_s``: time [s], strictly increasing, **starting at 0**;
* ``speed_mps``: vehicle speed [m/s], ≥ 0;
* ``grade``: road grade as rise over run [–] (0.05 = 5 %), zeros when there is none.

Index convention: sample ``i`` is the state at ``time_s[i]``; the first sample is t = 0, so a 1 Hz cycle of
1800 s has 1801 samples. Between samples the speed is linear in time, hence distances use the trapezoid
rule. Readers live here too: :func:`from_csv`, :func:`from_gpx`, and the operation-table builder
:func:`from_operations` (idle / accelerate / cruise / decelerate, as regulations define NEDC or SORT).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tyaga.errors import InputError, suggest
from tyaga.units import KMH_PER_MPS

FloatArray = npt.NDArray[np.float64]

#: Default distance window [m] over which an elevation profile is turned into a grade. GPS and barometric
#: elevation noise dominates the slope over windows shorter than about 50 m; 100 m keeps a margin and is
#: still shorter than most road gradients change over.
DEFAULT_SMOOTHING_M = 100.0

#: Largest road grade accepted [–] (1.0 = 100 % = 45°). Anything steeper is a unit mix-up or elevation noise.
MAX_ABS_GRADE = 1.0

_MIN_WINDOW_M = 1e-3  # narrower windows: plain differences (a secant over < 1 mm is float noise)

#: Speed [m/s] at or below which the vehicle counts as standing still in :func:`statistics`.
STANDSTILL_MPS = 0.01

#: Column names understood by :func:`from_csv`.
CSV_TIME_COLUMN = "time_s"
CSV_SPEED_COLUMNS = ("speed_kmh", "speed_mps")
CSV_GRADE_COLUMNS = ("grade_percent", "elevation_m")

_EXPECTED_COLUMNS = (
    "time_s, and exactly one of speed_kmh or speed_mps; optionally one of grade_percent or elevation_m"
)


def _vector(field: str, values: object) -> FloatArray:
    """``values`` as a fresh 1-D float64 array, or an :class:`InputError` naming ``field``."""
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(field, type(values).__name__, "a 1-D sequence of numbers") from None
    if arr.ndim != 1:
        raise InputError(field, f"array of shape {arr.shape}", "a 1-D sequence of numbers")
    return arr


def _first_index(mask: npt.NDArray[np.bool_]) -> int:
    """Index of the first True in ``mask`` (caller knows there is one)."""
    return int(np.flatnonzero(mask)[0])


@dataclass(frozen=True, eq=False)
class DriveCycle:
    """A speed (and grade) trace against time.

    Parameters
    ----------
    name:
        Short name, e.g. ``"wltc3b"`` or the stem of the file it was read from.
    time_s:
        Sample times [s]; strictly increasing and starting at 0. Non-uniform steps are allowed.
    speed_mps:
        Vehicle speed at each sample [m/s], ≥ 0.
    grade:
        Road grade at each sample, rise over run [–] (0.05 = 5 % uphill); ``|grade| ≤ 1``.
    source:
        Where the trace comes from (regulation, file).

    Notes
    -----
    The arrays are copied to float64 and made read-only, so a cycle can be shared safely. Equality is
    identity (``eq=False``); compare the arrays with :func:`numpy.array_equal` when needed.
    """

    name: str
    time_s: FloatArray
    speed_mps: FloatArray
    grade: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        time_s = _vector("time_s", self.time_s)
        speed_mps = _vector("speed_mps", self.speed_mps)
        grade = _vector("grade", self.grade)
        n = time_s.size
        if n < 2:
            raise InputError("time_s", f"{n} sample(s)", "at least 2 samples")
        for field, arr in (("speed_mps", speed_mps), ("grade", grade)):
            if arr.size != n:
                raise InputError(field, f"{arr.size} samples", f"{n} samples, as many as time_s")
        for field, arr in (("time_s", time_s), ("speed_mps", speed_mps), ("grade", grade)):
            bad = ~np.isfinite(arr)
            if bad.any():
                i = _first_index(bad)
                raise InputError(f"{field}[{i}]", float(arr[i]), "a finite number")
        if time_s[0] != 0.0:
            raise InputError("time_s[0]", float(time_s[0]), "0 (a cycle starts at t = 0 s)")
        steps = np.diff(time_s) <= 0
        if steps.any():
            i = _first_index(steps) + 1
            raise InputError(
                f"time_s[{i}]",
                float(time_s[i]),
                f"> time_s[{i - 1}] = {time_s[i - 1]:g} (strictly increasing)",
            )
        neg = speed_mps < 0
        if neg.any():
            i = _first_index(neg)
            raise InputError(f"speed_mps[{i}]", float(speed_mps[i]), "≥ 0")
        steep = np.abs(grade) > MAX_ABS_GRADE
        if steep.any():
            i = _first_index(steep)
            raise InputError(f"grade[{i}]", float(grade[i]), f"|grade| ≤ {MAX_ABS_GRADE:g} (rise over run)")
        for field, arr in (("time_s", time_s), ("speed_mps", speed_mps), ("grade", grade)):
            arr.flags.writeable = False
            object.__setattr__(self, field, arr)

    def __repr__(self) -> str:
        return (
            f"DriveCycle(name={self.name!r}, n_samples={self.n_samples}, duration_s={self.duration_s:g}, "
            f"distance_m={self.distance_m:.1f}, source={self.source!r})"
        )

    # -- summary properties -------------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        """Number of samples (t = 0 included)."""
        return int(self.time_s.size)

    @property
    def duration_s(self) -> float:
        """Duration [s]: time of the last sample (the first is 0)."""
        return float(self.time_s[-1])

    @property
    def distance_m(self) -> float:
        """Distance driven [m], trapezoid rule over the samples."""
        return float(np.trapezoid(self.speed_mps, self.time_s))

    @property
    def max_speed_mps(self) -> float:
        """Highest speed [m/s]."""
        return float(self.speed_mps.max())

    @property
    def mean_speed_mps(self) -> float:
        """Mean speed over the whole duration, stops included [m/s]."""
        return self.distance_m / self.duration_s

    @property
    def distance_at_sample_m(self) -> FloatArray:
        """Cumulative distance at each sample [m] (trapezoid rule; 0 at t = 0)."""
        steps = 0.5 * (self.speed_mps[1:] + self.speed_mps[:-1]) * np.diff(self.time_s)
        return np.concatenate(([0.0], np.cumsum(steps)))

    # -- transformations ----------------------------------------------------------------------------
    def repeat(self, n: int) -> DriveCycle:
        """``n`` back-to-back copies of this cycle, without duplicated time samples.

        Parameters
        ----------
        n:
            Number of copies, ≥ 1.

        Returns
        -------
        DriveCycle
            Duration ``n × duration_s``. When the cycle ends at the speed it starts with (every standard
            cycle: at rest), the last sample of one copy *is* the first sample of the next, so the
            distance is exactly ``n × distance_m``. Otherwise see :func:`concatenate`.
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise InputError("n", n, "an integer ≥ 1")
        if n == 1:
            return self
        return concatenate([self] * int(n), name=f"{self.name}*{int(n)}", source=self.source)

    def between(self, start_s: float, end_s: float) -> DriveCycle:
        """The part of the cycle from ``start_s`` to ``end_s`` [s], shifted to start at t = 0.

        Speeds and grades at ``start_s``/``end_s`` are interpolated linearly when they fall between
        samples. ``cycle.between(0, 505)`` is the first 505 s (506 samples at 1 Hz).
        """
        start_s, end_s = float(start_s), float(end_s)
        if not 0.0 <= start_s < self.duration_s:
            raise InputError(
                "start_s", start_s, f"0 ≤ start_s < {self.duration_s:g} s (the cycle's duration)"
            )
        if not start_s < end_s <= self.duration_s:
            raise InputError("end_s", end_s, f"{start_s:g} < end_s ≤ {self.duration_s:g} s")
        inner = (self.time_s > start_s) & (self.time_s < end_s)
        t = np.concatenate(([start_s], self.time_s[inner], [end_s]))
        v = np.interp(t, self.time_s, self.speed_mps)
        g = np.interp(t, self.time_s, self.grade)
        return DriveCycle(f"{self.name}[{start_s:g}:{end_s:g}]", t - start_s, v, g, self.source)


def concatenate(
    cycles: Sequence[DriveCycle], name: str | None = None, source: str | None = None
) -> DriveCycle:
    """Join cycles end to start.

    Each cycle's time axis is shifted to begin where the previous one ends. Where the speed at the joint
    is the same on both sides (both at rest, as every standard cycle begins and ends), the two samples
    are one: the first sample of the later cycle is dropped, so no time is duplicated and distances add
    exactly. Where the speeds differ, the later cycle is shifted by one more step (its own first time
    step) so that both samples are kept and the joint becomes a linear ramp of that length.

    Parameters
    ----------
    cycles:
        At least one cycle.
    name, source:
        Of the result; by default the names joined with ``+`` and the distinct sources joined with ``; ``.
    """
    if len(cycles) == 0:
        raise InputError("cycles", "(none)", "at least one cycle")
    t_parts = [np.asarray(cycles[0].time_s)]
    v_parts = [np.asarray(cycles[0].speed_mps)]
    g_parts = [np.asarray(cycles[0].grade)]
    t_end = cycles[0].duration_s
    for c in cycles[1:]:
        if c.speed_mps[0] == v_parts[-1][-1]:
            t_parts.append(c.time_s[1:] + t_end)
            v_parts.append(c.speed_mps[1:])
            g_parts.append(c.grade[1:])
            t_end += c.duration_s
        else:
            shift = t_end + float(c.time_s[1])
            t_parts.append(c.time_s + shift)
            v_parts.append(c.speed_mps)
            g_parts.append(c.grade)
            t_end = shift + c.duration_s
    if name is None:
        name = "+".join(c.name for c in cycles)
    if source is None:
        source = "; ".join(dict.fromkeys(c.source for c in cycles if c.source))
    return DriveCycle(name, np.concatenate(t_parts), np.concatenate(v_parts), np.concatenate(g_parts), source)


def standstill(duration_s: float, dt_s: float = 1.0, name: str = "standstill") -> DriveCycle:
    """A cycle at rest for ``duration_s`` [s], sampled every ``dt_s`` [s] (e.g. a soak between tests)."""
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise InputError("duration_s", duration_s, "> 0 s")
    if not (math.isfinite(dt_s) and dt_s > 0):
        raise InputError("dt_s", dt_s, "> 0 s")
    t = np.arange(0.0, duration_s, dt_s)
    t = np.append(t[t < duration_s - 1e-9 * duration_s], duration_s)
    zeros = np.zeros_like(t)
    return DriveCycle(name, t, zeros, zeros, "")


def from_operations(
    operations_kmh_s: Iterable[Sequence[float]],
    name: str = "operations",
    source: str = "",
    dt_s: float = 1.0,
) -> DriveCycle:
    """Build a cycle from an operation table: speed ramps linearly from → to over each duration.

    Parameters
    ----------
    operations_kmh_s:
        Rows ``(speed_from_kmh, speed_to_kmh, duration_s)``: idle is ``(0, 0, d)``, cruise
        ``(v, v, d)``, a ramp ``(v1, v2, d)``. The table starts at rest-or-any speed at t = 0; each row
        must start at the speed where the previous one ended.
    name, source:
        Of the result.
    dt_s:
        Sampling step [s]; the end of the table is always a sample.

    Returns
    -------
    DriveCycle
        Samples at ``0, dt_s, 2·dt_s, …`` plus the end; zero grade.
    """
    rows = [tuple(r) for r in operations_kmh_s]
    if not rows:
        raise InputError(
            "operations_kmh_s", "(empty)", "at least one (speed_from_kmh, speed_to_kmh, duration_s)"
        )
    if not (math.isfinite(dt_s) and dt_s > 0):
        raise InputError("dt_s", dt_s, "> 0 s")
    knots_t = [0.0]
    knots_v: list[float] = []
    for i, row in enumerate(rows):
        if len(row) != 3:
            raise InputError(
                f"operations_kmh_s[{i}]", list(row), "(speed_from_kmh, speed_to_kmh, duration_s)"
            )
        try:
            v_from, v_to, dur = (float(x) for x in row)
        except (TypeError, ValueError):
            raise InputError(f"operations_kmh_s[{i}]", list(row), "three numbers") from None
        if not all(math.isfinite(x) for x in (v_from, v_to, dur)):
            raise InputError(f"operations_kmh_s[{i}]", list(row), "finite numbers")
        if v_from < 0 or v_to < 0:
            raise InputError(f"operations_kmh_s[{i}]", list(row), "speeds ≥ 0 km/h")
        if dur <= 0:
            raise InputError(f"operations_kmh_s[{i}] duration_s", dur, "> 0 s")
        if i == 0:
            knots_v.append(v_from)
        elif not math.isclose(v_from, knots_v[-1], abs_tol=1e-9):
            raise InputError(
                f"operations_kmh_s[{i}] speed_from_kmh",
                v_from,
                f"{knots_v[-1]:g} (where row {i - 1} ended: rows must join)",
            )
        knots_t.append(knots_t[-1] + dur)
        knots_v.append(v_to)
    total_s = knots_t[-1]
    n_steps = math.floor(total_s / dt_s + 1e-9)
    t = np.arange(n_steps + 1) * dt_s
    if total_s - t[-1] > 1e-9 * max(1.0, total_s):
        t = np.append(t, total_s)
    else:
        t[-1] = total_s
    v_kmh = np.interp(t, knots_t, knots_v)
    return DriveCycle(name, t, v_kmh / KMH_PER_MPS, np.zeros_like(t), source)


# -- statistics --------------------------------------------------------------------------------------


def statistics(cycle: DriveCycle) -> dict[str, float]:
    """Summary figures of a cycle, in the units used by regulations and the literature.

    Returns
    -------
    dict
        ``duration_s``, ``distance_km`` (trapezoid rule), ``max_speed_kmh``, ``mean_speed_kmh`` (stops
        included), ``mean_moving_speed_kmh`` (stops excluded), ``stop_time_fraction`` (share of time in
        intervals that start and end at rest, speed ≤ :data:`STANDSTILL_MPS`), ``n_stops`` (moving → rest
        transitions), ``max_acceleration_mps2`` and ``max_deceleration_mps2`` (both ≥ 0, from the
        speed change over each interval), ``ascent_m`` and ``descent_m`` (∫ grade ds, split by sign),
        ``n_samples``.
    """
    t = cycle.time_s
    v = cycle.speed_mps
    dt = np.diff(t)
    dv = np.diff(v)
    ds = 0.5 * (v[1:] + v[:-1]) * dt
    distance_m = float(ds.sum())
    at_rest = v <= STANDSTILL_MPS
    stopped = at_rest[1:] & at_rest[:-1]
    stopped_s = float(dt[stopped].sum())
    moving_s = cycle.duration_s - stopped_s
    accel = dv / dt
    rise = 0.5 * (cycle.grade[1:] + cycle.grade[:-1]) * ds
    return {
        "duration_s": cycle.duration_s,
        "distance_km": distance_m / 1000.0,
        "max_speed_kmh": cycle.max_speed_mps * KMH_PER_MPS,
        "mean_speed_kmh": distance_m / cycle.duration_s * KMH_PER_MPS,
        "mean_moving_speed_kmh": distance_m / moving_s * KMH_PER_MPS if moving_s > 0 else 0.0,
        "stop_time_fraction": stopped_s / cycle.duration_s,
        "n_stops": int(np.count_nonzero(at_rest[1:] & ~at_rest[:-1])),
        "max_acceleration_mps2": float(max(accel.max(), 0.0)),
        "max_deceleration_mps2": float(max(-accel.min(), 0.0)),
        "ascent_m": float(rise[rise > 0].sum()),
        "descent_m": float(-rise[rise < 0].sum()),
        "n_samples": cycle.n_samples,
    }


# -- elevation → grade -------------------------------------------------------------------------------


def grade_from_elevation(
    distance_m: npt.ArrayLike, elevation_m: npt.ArrayLike, smoothing_m: float = DEFAULT_SMOOTHING_M
) -> FloatArray:
    """Road grade at each sample from an elevation profile along the distance driven.

    Parameters
    ----------
    distance_m:
        Cumulative distance at each sample [m], non-decreasing (repeated values while at rest).
    elevation_m:
        Elevation at each sample [m].
    smoothing_m:
        Window [m]. The grade at distance ``s`` is the secant
        ``(h(s + w/2) − h(s − w/2)) / w`` with ``h`` the elevation interpolated linearly along the
        distance; near either end of the profile the window is cut at the end. Samples at the same
        distance (stops) share one elevation, their mean. ``0`` (or anything under 1 mm) gives plain
        centred differences between neighbouring distinct distances (no smoothing).

    Returns
    -------
    numpy.ndarray
        Grade, rise over run [–]; zeros where the profile has fewer than two distinct distances.
    """
    s = np.asarray(distance_m, dtype=np.float64)
    h = np.asarray(elevation_m, dtype=np.float64)
    if not (math.isfinite(smoothing_m) and smoothing_m >= 0):
        raise InputError("smoothing_m", smoothing_m, "≥ 0 m")
    # samples less than 1 mm apart are one point (a stop, or GPS jitter): their mean distance and elevation
    keys, inverse = np.unique(np.round(s / _MIN_WINDOW_M), return_inverse=True)
    if keys.size < 2:
        return np.zeros_like(s)
    counts = np.bincount(inverse)
    s_u = np.bincount(inverse, weights=s) / counts
    h_u = np.bincount(inverse, weights=h) / counts
    if smoothing_m < _MIN_WINDOW_M:
        # secant between the neighbouring distinct distances (one-sided at the ends)
        lo_i = np.maximum(np.arange(s_u.size) - 1, 0)
        hi_i = np.minimum(np.arange(s_u.size) + 1, s_u.size - 1)
        return ((h_u[hi_i] - h_u[lo_i]) / (s_u[hi_i] - s_u[lo_i]))[inverse]
    half = 0.5 * smoothing_m
    lo = np.clip(s - half, s_u[0], s_u[-1])
    hi = np.clip(s + half, s_u[0], s_u[-1])
    width = hi - lo
    rise = np.interp(hi, s_u, h_u) - np.interp(lo, s_u, h_u)
    return np.divide(rise, width, out=np.zeros_like(s), where=width > 0)


# -- CSV ---------------------------------------------------------------------------------------------

_SOURCE_LINE = re.compile(r"#\s*source\s*:\s*(.*)", re.IGNORECASE)


def _read_text(path: Path, what: str) -> str:
    """UTF-8 text of ``path``; binary or unreadable files become an :class:`InputError`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{what} file", str(path), "a readable file", hint=exc.strerror) from None
    if b"\x00" in raw[:65536]:
        raise InputError("file contents", "binary data", f"UTF-8 {what} text", source=str(path))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            "file contents", f"undecodable byte at offset {exc.start}", f"UTF-8 {what} text", source=str(path)
        ) from None


def from_csv(path: str | Path, smoothing_m: float = DEFAULT_SMOOTHING_M) -> DriveCycle:
    """Read a drive cycle from a CSV file.

    Format: optional comment lines starting with ``#`` (the first ``# source: …`` line becomes
    :attr:`DriveCycle.source`), a header line, then one row per sample. Columns (names exact,
    comma-separated; ``;`` or tab also accepted when the header uses them):

    * ``time_s`` [s]: first row 0, strictly increasing;
    * exactly one of ``speed_kmh`` [km/h] or ``speed_mps`` [m/s], ≥ 0;
    * optionally one of ``grade_percent`` [%] (rise over run × 100) or ``elevation_m`` [m]; elevation is
      turned into grade along the distance driven by :func:`grade_from_elevation`.

    Other columns are ignored. Blank lines and ``#`` lines may appear anywhere.

    Parameters
    ----------
    path:
        The CSV file.
    smoothing_m:
        Window [m] for ``elevation_m`` → grade (see :func:`grade_from_elevation`); unused otherwise.

    Raises
    ------
    InputError
        Naming the file, the column and the data row (1 = first row after the header; the file line
        number is given too) for any value out of range, and the expected columns when they are wrong.
    """
    path = Path(path)
    src = str(path)
    text = _read_text(path, "CSV")
    lines = text.splitlines()

    source_note = ""
    header_i = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = _SOURCE_LINE.match(stripped)
            if m and not source_note:
                source_note = m.group(1).strip()
            continue
        header_i = i
        break
    if header_i is None:
        raise InputError("header", "(no header line)", _EXPECTED_COLUMNS, source=src)

    header_line = lines[header_i]
    delimiter = next((d for d in (",", ";", "\t") if d in header_line), ",")
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError("columns", header, "each column name once", source=src, hint=f"repeated: {dupes}")

    def _missing(column: str) -> InputError:
        close = [c for c in (suggest(column, header),) if c]
        hint = f"found columns {header}" + (f"; did you mean {close[0]!r} for {column!r}?" if close else "")
        return InputError("columns", header, _EXPECTED_COLUMNS, source=src, hint=hint)

    if CSV_TIME_COLUMN not in header:
        raise _missing(CSV_TIME_COLUMN)
    speeds = [c for c in CSV_SPEED_COLUMNS if c in header]
    if len(speeds) == 2:
        raise InputError(
            "columns",
            "speed_kmh and speed_mps",
            "exactly one speed column: speed_kmh or speed_mps, not both",
            source=src,
        )
    if not speeds:
        raise _missing("speed_kmh")
    speed_col = speeds[0]
    grades = [c for c in CSV_GRADE_COLUMNS if c in header]
    if len(grades) == 2:
        raise InputError(
            "columns",
            "grade_percent and elevation_m",
            "at most one of grade_percent or elevation_m, not both",
            source=src,
        )
    grade_col = grades[0] if grades else None
    wanted = [CSV_TIME_COLUMN, speed_col] + ([grade_col] if grade_col else [])
    index = {c: header.index(c) for c in wanted}

    values: dict[str, list[float]] = {c: [] for c in wanted}
    line_of_row: list[int] = []
    for i in range(header_i + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        row_no = len(line_of_row) + 1
        where = f"row {row_no}, line {i + 1}"
        cells = next(csv.reader([lines[i]], delimiter=delimiter))
        if len(cells) != len(header):
            raise InputError(
                f"({where})",
                lines[i],
                f"{len(header)} values separated by {delimiter!r} ({', '.join(header)})",
                source=src,
            )
        for col in wanted:
            cell = cells[index[col]].strip()
            try:
                x = float(cell)
            except ValueError:
                raise InputError(f"{col} ({where})", cell, "a number", source=src) from None
            if not math.isfinite(x):
                raise InputError(f"{col} ({where})", cell, "a finite number", source=src)
            values[col].append(x)
        line_of_row.append(i + 1)

    n = len(line_of_row)
    if n < 2:
        raise InputError("data rows", n, "at least 2 rows after the header", source=src)

    def _where(k: int) -> str:
        return f"row {k + 1}, line {line_of_row[k]}"

    t = np.asarray(values[CSV_TIME_COLUMN])
    if t[0] != 0.0:
        raise InputError(
            f"time_s ({_where(0)})",
            t[0],
            "0 (a cycle starts at t = 0 s)",
            source=src,
            hint="shift the time column, or add a first row at t = 0",
        )
    bad = np.diff(t) <= 0
    if bad.any():
        k = _first_index(bad) + 1
        raise InputError(
            f"time_s ({_where(k)})",
            t[k],
            f"> {t[k - 1]:g} (the previous row); time must increase strictly",
            source=src,
        )
    v = np.asarray(values[speed_col])
    neg = v < 0
    if neg.any():
        k = _first_index(neg)
        raise InputError(f"{speed_col} ({_where(k)})", v[k], "≥ 0", source=src)
    speed_mps = v / KMH_PER_MPS if speed_col == "speed_kmh" else v

    if grade_col == "grade_percent":
        g_pct = np.asarray(values[grade_col])
        steep = np.abs(g_pct) > 100 * MAX_ABS_GRADE
        if steep.any():
            k = _first_index(steep)
            raise InputError(
                f"grade_percent ({_where(k)})",
                g_pct[k],
                f"-{100 * MAX_ABS_GRADE:g} … {100 * MAX_ABS_GRADE:g} %",
                source=src,
            )
        grade = g_pct / 100.0
    elif grade_col == "elevation_m":
        probe = DriveCycle(path.stem, t, speed_mps, np.zeros_like(t))
        grade = grade_from_elevation(probe.distance_at_sample_m, np.asarray(values[grade_col]), smoothing_m)
        _check_derived_grade(grade, src, "elevation_m", smoothing_m)
    else:
        grade = np.zeros_like(t)
    return DriveCycle(path.stem, t, speed_mps, grade, source_note or src)


def _check_derived_grade(grade: FloatArray, src: str, what: str, smoothing_m: float) -> None:
    steep = np.abs(grade) > MAX_ABS_GRADE
    if steep.any():
        k = _first_index(steep)
        raise InputError(
            f"grade from {what} (sample {k})",
            float(grade[k]),
            f"|grade| ≤ {MAX_ABS_GRADE:g}",
            source=src,
            hint=f"the elevation is noisy or jumps; use a longer smoothing_m than {smoothing_m:g} m",
        )


def to_csv(cycle: DriveCycle, path: str | Path) -> Path:
    """Write ``cycle`` as a CSV that :func:`from_csv` reads back (km/h; grade in % when not all zero).

    Values are written with ``repr`` precision, so a round trip is exact up to the km/h ↔ m/s conversion.
    """
    path = Path(path)
    with_grade = bool(np.any(cycle.grade != 0))
    out = []
    if cycle.source:
        out.append(f"# source: {cycle.source}")
    out.append("time_s,speed_kmh" + (",grade_percent" if with_grade else ""))
    speed_kmh = cycle.speed_mps * KMH_PER_MPS
    grade_pct = cycle.grade * 100.0
    for i in range(cycle.n_samples):
        row = f"{float(cycle.time_s[i])!r},{float(speed_kmh[i])!r}"
        if with_grade:
            row += f",{float(grade_pct[i])!r}"
        out.append(row)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


# -- GPX ---------------------------------------------------------------------------------------------


def from_gpx(path: str | Path, smoothing_m: float = DEFAULT_SMOOTHING_M) -> DriveCycle:
    """Read a recorded GPS track (GPX 1.0/1.1) as a 1 Hz drive cycle.

    Steps:

    1. All track points of all tracks and segments, in file order (segments are joined).
       Every point needs a ``<time>``; points with the same time as the one before are dropped.
    2. Horizontal distance between consecutive points (gpxpy's ``distance_2d``), accumulated.
    3. Time and distance resampled to 1 Hz (t = 0 … whole seconds of the track) by linear
       interpolation; speed [m/s] is the centred difference of that distance (one-sided at the ends).
    4. Grade from the ``<ele>`` values along the distance with :func:`grade_from_elevation`
       (window ``smoothing_m``); points without ``<ele>`` are filled by interpolation along the
       distance; a track without any elevation gets zero grade.

    Parameters
    ----------
    path:
        The GPX file.
    smoothing_m:
        Distance window [m] for the grade, > 0 (default :data:`DEFAULT_SMOOTHING_M`).

    Raises
    ------
    InputError
        For a file that is not GPX, a track with fewer than two points, and points without timestamps.
    """
    import gpxpy  # imported here: only GPX users pay for it
    import gpxpy.gpx

    path = Path(path)
    src = str(path)
    if not (math.isfinite(smoothing_m) and smoothing_m > 0):
        raise InputError("smoothing_m", smoothing_m, "> 0 m", source=src)
    text = _read_text(path, "GPX")
    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError, TypeError, AttributeError) as exc:
        raise InputError("GPX contents", str(exc)[:200], "a GPX 1.0/1.1 XML file", source=src) from None

    points = [p for trk in gpx.tracks for seg in trk.segments for p in seg.points]
    if len(points) < 2:
        n_route = sum(len(r.points) for r in gpx.routes)
        hint = None
        if n_route or gpx.waypoints:
            hint = (
                f"the file has {n_route} route point(s) and {len(gpx.waypoints)} waypoint(s) but no recorded "
                "track; a drive cycle needs a track with timestamps"
            )
        raise InputError(
            "track points", len(points), "at least 2 (<trkpt> with <time>)", source=src, hint=hint
        )

    missing = [i for i, p in enumerate(points) if p.time is None]
    if len(missing) == len(points):
        raise InputError(
            "time",
            "(none on any track point)",
            "a <time> on every track point",
            source=src,
            hint="this track has no timestamps, so speed cannot be known; record with time, "
            "or give a CSV with time_s and speed",
        )
    if missing:
        raise InputError(
            f"time (track point {missing[0] + 1})",
            "(missing)",
            "a <time> on every track point",
            source=src,
            hint=f"{len(missing)} of {len(points)} track points have no <time>",
        )

    def _epoch_s(p: gpxpy.gpx.GPXTrackPoint) -> float:
        stamp = p.time
        assert stamp is not None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()

    stamps = np.array([_epoch_s(p) for p in points])
    back = np.diff(stamps) < 0
    if back.any():
        k = _first_index(back) + 1
        raise InputError(
            f"time (track point {k + 1})",
            points[k].time.isoformat() if points[k].time else None,
            f"≥ the previous point's time {points[k - 1].time}",
            source=src,
        )
    keep = np.concatenate(([True], np.diff(stamps) > 0))
    kept = [p for p, k in zip(points, keep, strict=True) if k]
    t_pts = stamps[keep] - stamps[0]
    if t_pts[-1] < 1.0:
        raise InputError("track duration", float(t_pts[-1]), "≥ 1 s", source=src)
    steps = [kept[i].distance_2d(kept[i - 1]) or 0.0 for i in range(1, len(kept))]
    s_pts = np.concatenate(([0.0], np.cumsum(steps)))

    t = np.arange(math.floor(t_pts[-1]) + 1, dtype=np.float64)
    s = np.interp(t, t_pts, s_pts)
    speed_mps = np.gradient(s, t)

    ele = np.array([np.nan if p.elevation is None else float(p.elevation) for p in kept])
    has_ele = np.isfinite(ele)
    if has_ele.sum() >= 2:
        ele_filled = np.interp(s_pts, s_pts[has_ele], ele[has_ele]) if not has_ele.all() else ele
        ele_t = np.interp(t, t_pts, ele_filled)
        grade = grade_from_elevation(s, ele_t, smoothing_m)
        _check_derived_grade(grade, src, "<ele>", smoothing_m)
    else:
        grade = np.zeros_like(t)

    track_names = [trk.name for trk in gpx.tracks if trk.name]
    label = f" (track {track_names[0]!r})" if track_names else ""
    source = f"GPX {path.name}{label}; resampled to 1 Hz; grade over {smoothing_m:g} m"
    return DriveCycle(path.stem, t, speed_mps, grade, source)


__all__ = [
    "DEFAULT_SMOOTHING_M",
    "MAX_ABS_GRADE",
    "STANDSTILL_MPS",
    "DriveCycle",
    "concatenate",
    "from_csv",
    "from_gpx",
    "from_operations",
    "grade_from_elevation",
    "standstill",
    "statistics",
    "to_csv",
]
