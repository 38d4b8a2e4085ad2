"""Routes by distance (tyaga.route), the generated SORT cycles and user-file bus cycles checked against statistics.

Sources of the published figures: shared/docs/data-sources.md §1 (rows "SORT 1/2/3", "Braunschweig",
"Manhattan") and §1.2 ("SORT 1/2/3"). Tolerances are given (and argued) in each test's docstring.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tyaga import cycles, route, vehicles
from tyaga.chain import simulate
from tyaga.cycle import DriveCycle, from_operations, statistics, to_csv
from tyaga.errors import InputError, UnknownNameError
from tyaga.route import Driver, Route, RouteTrace, Segment, generate
from tyaga.vehicle import Collector

KMH = 3.6


def _section_distances(trace: route.RouteTrace) -> list[float]:
    """Distance driven between consecutive stops [m], from the sampled trace (trapezoid rule)."""
    t = trace.cycle.time_s
    idx = [int(np.searchsorted(t, ts - 1e-9)) for ts in trace.section_end_s]
    at = trace.distance_m[idx]
    return list(np.diff(np.concatenate(([0.0], at))))


def _section_lengths(r: Route) -> list[float]:
    out, acc = [], 0.0
    for i, s in enumerate(r.segments):
        acc += s.length_m
        if s.dwell_s is not None or i == len(r.segments) - 1:
            out.append(acc)
            acc = 0.0
    return out


# -- the generator -------------------------------------------------------------------------------------


def test_simple_route_shape() -> None:
    """Two stops: at rest at each stop for its dwell, top speed = the limit, braking at the driver's rate."""
    r = Route([Segment(300.0, 36.0, dwell_s=20.0), Segment(500.0, 54.0, dwell_s=10.0)])
    tr = generate(r)
    c = tr.cycle
    assert c.speed_mps[0] == 0.0 and c.speed_mps[-1] == 0.0
    assert np.all(np.diff(c.time_s) == 1.0)
    assert c.distance_m == pytest.approx(800.0, abs=1e-6)
    st_ = statistics(c)
    assert st_["max_speed_kmh"] == pytest.approx(54.0, rel=0.01)
    assert st_["max_deceleration_mps2"] <= 0.8 * (1 + 1e-4)
    assert st_["max_acceleration_mps2"] <= 1.0 * (1 + 1e-4)
    assert st_["n_stops"] == 2
    # the dwell at the first stop: 20 s at rest from the stop time on
    k = int(np.searchsorted(c.time_s, tr.section_end_s[0]))
    assert np.all(c.speed_mps[k : k + 21] == 0.0)
    assert c.speed_mps[k + 21] > 0.0
    assert c.duration_s == pytest.approx(tr.section_end_s[-1] + 10.0)
    assert tr.distance_m.shape == c.time_s.shape
    np.testing.assert_allclose(tr.distance_m, c.distance_at_sample_m)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(5.0, 800.0),
            st.floats(5.0, 80.0),
            st.one_of(st.none(), st.floats(0.0, 40.0)),
            st.floats(-0.08, 0.08),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([1.0, 0.5, 2.0]),
)
def test_distance_per_stop_to_stop_section(rows: list[tuple[float, float, float | None, float]], dt_s: float) -> None:
    """The sampled trace covers each stop-to-stop section's length to within 0.5 m (the issue's requirement);
    the samples lie on the driver's profile: speeds never exceed the local limit by more than 1e-4 + 0.1 m/s
    (the residual scale factor, and the samples' trapezoid positions near a limit change), and braking stays at the
    driver's 0.8 m/s² (+1e-4)."""
    r = Route([Segment(length, v, grade=g, dwell_s=d) for length, v, d, g in rows])
    tr = generate(r, dt_s=dt_s)
    got = _section_distances(tr)
    want = _section_lengths(r)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert abs(a - b) <= 0.5
    assert tr.cycle.distance_m == pytest.approx(r.length_m, abs=0.5)
    # the limit where each sample is (a sample on a boundary: the segment ending there)
    ends = np.cumsum([s.length_m for s in r.segments])
    at = np.minimum(np.searchsorted(ends, tr.distance_m - 1e-6, side="left"), len(ends) - 1)
    limits = np.array([r.segments[i].speed_limit_mps for i in at])
    assert np.all(tr.cycle.speed_mps <= limits * (1 + 1e-4) + 0.1)
    assert statistics(tr.cycle)["max_deceleration_mps2"] <= 0.8 * (1 + 1e-4)
    for arr in (tr.under_wire, tr.segment_index, tr.occupancy, tr.passenger_mass_kg):
        assert arr.shape == tr.cycle.time_s.shape


def test_slows_down_before_a_lower_limit() -> None:
    """A 60 → 20 km/h limit change without a stop: the bus is down to 20 km/h where the slow segment begins."""
    r = Route([Segment(600.0, 60.0), Segment(200.0, 20.0, dwell_s=0.0)])
    tr = generate(r)
    c = tr.cycle
    assert statistics(c)["max_speed_kmh"] == pytest.approx(60.0, rel=0.01)
    # before the slow segment every sample lies on or below the braking curve into it (0.8 m/s² down to
    # 20 km/h at 600 m), so the bus arrives there at 20 km/h; + 0.05 m/s for the samples' trapezoid positions
    before = tr.distance_m < 600.0
    curve = np.sqrt((20.0 / KMH) ** 2 + 2.0 * 0.8 * (600.0 - tr.distance_m[before]))
    assert np.all(c.speed_mps[before] <= curve + 0.05)
    assert np.any(c.speed_mps[before] > curve - 0.5)  # and it does brake along that curve, not earlier
    after = tr.distance_m >= 600.5
    assert np.all(c.speed_mps[after] <= 20.0 / KMH * (1 + 1e-4))
    assert statistics(c)["n_stops"] == 1


@pytest.mark.parametrize("dt_s", [0.1, 0.5, 1.0])
def test_comfort_jerk_limit(dt_s: float) -> None:
    """With a jerk limit of 0.6 m/s³ the sampled trace's jerk stays within it, while the accelerations stay
    within the driver's, every stop stays where the route puts it and the limits are kept; without a limit
    the same trace jerks far harder (a hard change from 0 to 1 m/s² in one step)."""
    r = Route([Segment(300.0, 40.0, dwell_s=20.0), Segment(50.0, 30.0, dwell_s=10.0), Segment(600.0, 60.0)])
    smooth = generate(r, Driver(jerk_mps3=0.6), dt_s=dt_s)
    hard = generate(r, Driver(), dt_s=dt_s)
    for tr in (smooth, hard):
        got = _section_distances(tr)
        for a, b in zip(got, _section_lengths(r), strict=True):
            assert abs(a - b) <= 1e-6 * b
    def jerk(tr: RouteTrace) -> float:
        a = np.diff(tr.cycle.speed_mps) / dt_s
        return float(np.max(np.abs(np.diff(a))) / dt_s)
    assert jerk(smooth) <= 0.6 * (1 + 1e-4)  # + the residual distance scale, as the accelerations
    assert jerk(hard) > 0.9 / dt_s
    st_ = statistics(smooth.cycle)
    assert st_["max_acceleration_mps2"] <= 1.0 * (1 + 1e-4)
    assert st_["max_deceleration_mps2"] <= 0.8 * (1 + 1e-4)
    assert st_["max_speed_kmh"] <= 60.0 * (1 + 1e-4)
    assert st_["n_stops"] == 3
    assert smooth.cycle.duration_s > hard.cycle.duration_s
    with pytest.raises(InputError, match="jerk_mps3"):
        Driver(jerk_mps3=0.0)


def test_speed_dependent_acceleration() -> None:
    """The acceleration limit follows the driver's table: ≈ 1.5 m/s² at low speed, ≈ 0.5 m/s² near 50 km/h."""
    d = Driver(accel_kmh_mps2=((0.0, 1.5), (20.0, 1.5), (30.0, 0.5)), decel_mps2=1.0)
    c = generate(Route([Segment(1000.0, 50.0, dwell_s=0.0)]), d).cycle
    a = np.diff(c.speed_mps)
    v = c.speed_mps[:-1]
    assert a[(v < 10 / KMH) & (a > 0)].max() == pytest.approx(1.5, rel=0.02)
    fast = (v > 35 / KMH) & (v < 45 / KMH) & (a > 0)
    assert fast.any() and np.all(a[fast] <= 0.5 * 1.02)
    assert d.accel_mps2(40 / KMH) == pytest.approx(0.5)


def test_grade_and_under_wire_per_sample() -> None:
    """Grade and the wire flag come from the segment under the bus; a dwell belongs to its stop's segment."""
    r = Route(
        [
            Segment(400.0, 40.0, grade=0.04, under_wire=True),
            Segment(400.0, 40.0, grade=-0.02, dwell_s=15.0),
            Segment(300.0, 30.0, under_wire=True, dwell_s=20.0),
        ]
    )
    tr = generate(r)
    c = tr.cycle
    inside0 = (tr.distance_m > 1.0) & (tr.distance_m < 399.0)
    assert np.all(c.grade[inside0] == 0.04)
    inside1 = (tr.distance_m > 401.0) & (tr.distance_m < 799.0)
    assert np.all(c.grade[inside1] == -0.02)
    np.testing.assert_array_equal(tr.under_wire, [r.segments[i].under_wire for i in tr.segment_index])
    assert set(np.unique(tr.under_wire)) == {0.0, 1.0}
    # the 15 s dwell at 800 m belongs to segment 1 (not under the wire)
    k = int(np.searchsorted(c.time_s, tr.section_end_s[0]))
    assert np.all(tr.segment_index[k : k + 15] == 1)
    assert np.all(tr.under_wire[k : k + 15] == 0.0)
    assert tr.segment_index[k + 15] == 2
    # ascent = Σ length × grade of the climbing segment (trapezoid over samples: within a few metres)
    assert statistics(c)["ascent_m"] == pytest.approx(16.0, abs=0.5)


def test_under_wire_drives_a_trolleybus() -> None:
    """The per-sample flags are what tyaga.simulate(..., under_wire=) takes; the line supplies energy."""
    spec = vehicles.load("city-bus-12m-285kwh")
    bus = spec.model_copy(
        update={
            "name": "trolleybus-12m",
            "collector": Collector(line_voltage_v=750.0, collector_max_current_a=400.0, wire_charge_max_kw=100.0),
        }
    )
    r = Route([Segment(600.0, 50.0, dwell_s=20.0, under_wire=True), Segment(600.0, 50.0, dwell_s=20.0)])
    tr = generate(r)
    res = simulate(bus, tr.cycle, soc_initial=0.6, under_wire=tr.under_wire, with_range=False, with_acceleration=False)
    assert float(res.summary["energy_line_wh"].iloc[0]) > 0.0


def test_occupancy_and_mass() -> None:
    """Boarding/alighting change the load at each stop; mass = empty + 68 kg × passengers; mean is time-weighted."""
    r = Route(
        [
            Segment(300.0, 40.0, dwell_s=20.0, boarding=10),
            Segment(300.0, 40.0, dwell_s=20.0, boarding=5, alighting=3),
            Segment(300.0, 40.0, dwell_s=20.0, alighting=17),
        ],
        initial_passengers=5,
    )
    tr = generate(r)
    assert tr.occupancy[0] == 5
    assert tr.occupancy[-1] == 0
    assert set(np.unique(tr.occupancy)) == {5, 15, 17, 0}
    k = int(np.searchsorted(tr.cycle.time_s, tr.section_end_s[0]))
    assert tr.occupancy[k - 1] == 5 and tr.occupancy[k] == 15
    np.testing.assert_allclose(tr.passenger_mass_kg, tr.occupancy * route.PASSENGER_MASS_KG)
    m = tr.mass_kg(12000.0)
    assert m.max() == pytest.approx(12000.0 + 17 * 68.0)
    dt = np.diff(tr.cycle.time_s)
    assert tr.mean_mass_kg(12000.0) == pytest.approx(float(np.sum(m[:-1] * dt) / np.sum(dt)))
    assert 12000.0 + 5 * 68 < tr.mean_mass_kg(12000.0) < 12000.0 + 17 * 68
    assert generate(r, kg_per_passenger=75.0).passenger_mass_kg.max() == pytest.approx(17 * 75.0)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Segment(-1.0, 30.0), "segments[0].length_m"),
        (lambda: Segment(0.0, 30.0), "segments[0].length_m"),
        (lambda: Segment(100.0, 0.0), "segments[0].speed_limit_kmh"),
        (lambda: Segment(100.0, float("nan")), "segments[0].speed_limit_kmh"),
        (lambda: Segment(100.0, 30.0, dwell_s=-1.0), "segments[0].dwell_s"),
        (lambda: Segment(100.0, 30.0, grade=1.5), "segments[0].grade"),
        (lambda: Segment(100.0, 30.0, boarding=3), "segments[0].dwell_s"),
        (lambda: Segment(100.0, 30.0, dwell_s=5, boarding=-2), "segments[0].boarding"),
    ],
)
def test_bad_segment(make: object, field: str) -> None:
    with pytest.raises(InputError) as exc:
        Route([make()])  # type: ignore[operator]
    assert exc.value.field == field


def test_bad_route_driver_and_options() -> None:
    with pytest.raises(InputError, match="segments"):
        Route([])
    with pytest.raises(InputError) as exc:
        Route([Segment(100.0, 30.0, dwell_s=5, alighting=3)], initial_passengers=2)
    assert exc.value.field == "segments[0].alighting" and "≤ 2" in exc.value.allowed
    with pytest.raises(InputError, match="decel_mps2"):
        Driver(decel_mps2=0.0)
    with pytest.raises(InputError, match=r"accel_kmh_mps2\[1\] speed_kmh"):
        Driver(accel_kmh_mps2=((10.0, 1.0), (5.0, 1.0)))
    with pytest.raises(InputError, match="acceleration_mps2"):
        Driver(accel_kmh_mps2=((0.0, -1.0),))
    r = Route([Segment(100.0, 30.0)])
    with pytest.raises(InputError, match="dt_s"):
        generate(r, dt_s=0.0)
    with pytest.raises(InputError, match="kg_per_passenger"):
        generate(r, kg_per_passenger=-1.0)
    with pytest.raises(InputError, match="empty_mass_kg"):
        generate(r).mass_kg(0.0)


# -- SORT ------------------------------------------------------------------------------------------------

#: (UITP nominal mean speed [km/h], nominal distance [m], carculator duration [s], distance [km], mean [km/h])
SORT_PUBLISHED = {
    "sort1": (12.6, 520.0, 153.0, 0.519, 12.2),
    "sort2": (18.6, 920.0, 183.0, 0.938, 18.45),
    "sort3": (26.3, 1450.0, 226.0, 1.457, 23.2),
}


@pytest.mark.parametrize("name", sorted(SORT_PUBLISHED))
def test_sort_against_published(name: str) -> None:
    """SORT 1/2/3 generated from the definition vs. the published figures (data-sources.md §1, §1.2).

    Sources: UITP SORT brochure nominal mean speeds 12.6 / 18.6 / 26.3 km/h and distances ≈ 520 / 920 /
    1450 m; carculator-utils 1.3.5 ``car.csv`` arrays (153 s, 0.519 km, 12.2 km/h; 183 s, 0.938 km,
    18.45 km/h; 226 s, 1.457 km, 23.2 km/h). Tolerances:

    * distance within 0.5 m of the nominal total (it is the generator's input) and within 5 % of carculator
      (its arrays are rounded 1 Hz samples);
    * mean speed within 10 % of UITP and of carculator: the acceleration profile per speed band is not
      published/confirmed, so the mean speed can only be matched approximately. SORT 1 and 2 match both
      within 3 %. SORT 3 cannot match both (UITP 26.3 and carculator 23.2 are 13 % apart); tyaga's 24.4 km/h
      lies between them (UITP −7 %, carculator +5 %): with the published 0.8 m/s² braking and 20 s stops,
      26.3 km/h would need an unrealistically long 60 km/h cruise or > 1.3 m/s² acceleration up to 60 km/h;
    * duration within 10 % of carculator; three stops of 20 s; top speed = the last trapeze's target
      (to 1e-5: the samples lie on the driver's profile); braking ≤ 0.8 m/s² (+1e-4).
    """
    uitp_mean, uitp_m, carc_s, carc_km, carc_mean = SORT_PUBLISHED[name]
    c = cycles.load(name)
    s = statistics(c)
    assert c.distance_m == pytest.approx(uitp_m, abs=0.5)
    assert s["distance_km"] == pytest.approx(carc_km, rel=0.05)
    assert s["mean_speed_kmh"] == pytest.approx(uitp_mean, rel=0.10)
    assert s["mean_speed_kmh"] == pytest.approx(carc_mean, rel=0.10)
    if name != "sort3":
        assert s["mean_speed_kmh"] == pytest.approx(uitp_mean, rel=0.03)
        assert s["mean_speed_kmh"] == pytest.approx(carc_mean, rel=0.03)
    assert s["duration_s"] == pytest.approx(carc_s, rel=0.10)
    assert s["n_stops"] == 3
    top = route.SORT_DEFINITIONS[name][-1][0]
    assert s["max_speed_kmh"] == pytest.approx(top, rel=1e-5)
    assert s["max_deceleration_mps2"] <= 0.8 * (1 + 1e-4)
    assert s["stop_time_fraction"] == pytest.approx(60.0 / s["duration_s"], abs=0.01)
    assert route.sort_route(name).length_m == uitp_m


def test_sort_registered() -> None:
    assert cycles.generated_names() == ["sort1", "sort2", "sort3"]
    assert {"sort1", "sort2", "sort3", "wltc3b"} <= set(cycles.all_names())
    assert cycles.load("sort2").name == "sort2"
    with pytest.raises(UnknownNameError, match="sort3"):
        cycles.load("sort4")
    with pytest.raises(InputError, match="SORT cycle"):
        route.sort_route("sort9")


def test_sort_in_a_recipe(tmp_path: Path) -> None:
    """A recipe may use a generated cycle by name."""
    p = tmp_path / "two_sorts.toml"
    p.write_text('source = "test"\n[[parts]]\ncycle = "sort1"\nrepeat = 2\n', encoding="utf-8")
    assert cycles.load(p).distance_m == pytest.approx(1040.0, abs=1.0)


# -- user-file bus cycles -------------------------------------------------------------------------------


def _synthetic(duration_s: int, n_trips: int, idle_s: int, max_kmh: float, mean_kmh: float) -> DriveCycle:
    """``n_trips`` trapezes (15 s ramps), the first to ``max_kmh``, the others at the speed that gives ``mean_kmh``."""
    move = (duration_s - n_trips * idle_s) // n_trips
    tail = duration_s - n_trips * (idle_s + move)
    ramp = 15
    dist_m = mean_kmh / KMH * duration_s
    v_other = (dist_m / (move - ramp) - max_kmh / KMH) / (n_trips - 1) * KMH
    ops: list[tuple[float, float, float]] = []
    for i in range(n_trips):
        v = max_kmh if i == 0 else v_other
        ops += [(0.0, 0.0, idle_s), (0.0, v, ramp), (v, v, move - 2 * ramp), (v, 0.0, ramp)]
    if tail:
        ops.append((0.0, 0.0, tail))
    return from_operations(ops, name="synthetic")


def test_braunschweig_file_checked(tmp_path: Path) -> None:
    """A file built to DieselNet's Braunschweig figures (1740 s, ≈ 11 km, 58.2 / 22.9 km/h, ≈ 22 % idle) passes;
    the same with a 65 km/h top speed fails naming max_speed_kmh and the tolerance."""
    good = _synthetic(1740, 10, 38, 58.2, 22.9)
    s = statistics(good)
    assert s["duration_s"] == 1740 and s["max_speed_kmh"] == pytest.approx(58.2)
    assert s["mean_speed_kmh"] == pytest.approx(22.9, rel=1e-6)
    path = to_csv(good, tmp_path / "bs.csv")
    c = cycles.load_checked(path, "braunschweig")
    assert c.name == "braunschweig" and c.duration_s == 1740
    bad = to_csv(_synthetic(1740, 10, 38, 65.0, 22.9), tmp_path / "bs_bad.csv")
    with pytest.raises(InputError) as exc:
        cycles.load_checked(bad, "braunschweig")
    assert exc.value.field.startswith("max_speed_kmh")
    assert "58.2 ± 0.58 km/h" in exc.value.allowed
    assert exc.value.source == str(bad)


def test_manhattan_file_checked(tmp_path: Path) -> None:
    """Manhattan (1089 s, 40.9 / 11.0 km/h, ≈ 3.3 km): a matching file passes; a 1200 s one fails on duration_s."""
    good = to_csv(_synthetic(1089, 9, 40, 40.9, 11.0), tmp_path / "mh.csv")
    assert cycles.load_checked(good, "manhattan").distance_m == pytest.approx(3327.5, rel=1e-3)
    bad = to_csv(_synthetic(1200, 9, 40, 40.9, 11.0), tmp_path / "mh_bad.csv")
    with pytest.raises(InputError, match="duration_s"):
        cycles.load_checked(bad, "manhattan")
    with pytest.raises(UnknownNameError):
        cycles.load_checked(good, "moscow")
    assert cycles.reference_names() == ["braunschweig", "manhattan"]


def test_reference_statistics_are_consistent() -> None:
    """Each reference's distance agrees with mean speed × duration within its tolerance."""
    for ref in cycles.REFERENCE_STATISTICS.values():
        f = ref.figures
        derived = f["mean_speed_kmh"][0] * f["duration_s"][0] / 3600.0
        assert math.isclose(derived, f["distance_km"][0], abs_tol=f["distance_km"][1])


# -- route files -------------------------------------------------------------------------------------------


def test_load_csv_and_toml(tmp_path: Path) -> None:
    csv_path = tmp_path / "line7.csv"
    csv_path.write_text(
        "# line 7\nlength_m,speed_limit_kmh,grade_percent,dwell_s,under_wire,boarding,alighting,name\n"
        "400,40,2,20,true,10,0,Depot\n300,50,,,no,,,\n500,40,-1,25,1,0,10,Terminus\n",
        encoding="utf-8",
    )
    r = route.load(csv_path)
    assert r.name == "line7" and len(r.segments) == 3 and r.length_m == 1200.0
    assert r.segments[0].grade == pytest.approx(0.02) and r.segments[0].under_wire
    assert r.segments[1].dwell_s is None and not r.segments[1].under_wire
    assert r.segments[2].name == "Terminus"
    toml_path = tmp_path / "line7.toml"
    toml_path.write_text(
        'name = "seven"\ninitial_passengers = 3\n'
        "[[segments]]\nlength_m = 400\nspeed_limit_kmh = 40\ndwell_s = 20\nboarding = 2\n"
        "[[segments]]\nlength_m = 300\nspeed_limit_kmh = 30\nunder_wire = true\ndwell_s = 10\nalighting = 5\n",
        encoding="utf-8",
    )
    r2 = route.load(toml_path)
    assert r2.name == "seven" and r2.initial_passengers == 3 and r2.segments[1].under_wire
    assert generate(r2).occupancy[-1] == 0


@pytest.mark.parametrize(
    ("row2", "field"),
    [
        ("-5,40,0,20", "row 2: length_m"),
        ("100,0,0,20", "row 2: speed_limit_kmh"),
        ("100,40,0,-3", "row 2: dwell_s"),
        ("100,abc,0,20", "row 2: speed_limit_kmh"),
        ("100,40,150,20", "row 2: grade_percent"),
    ],
)
def test_load_bad_rows(tmp_path: Path, row2: str, field: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(f"length_m,speed_limit_kmh,grade_percent,dwell_s\n100,40,0,20\n{row2}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        route.load(p)
    assert exc.value.field == field
    assert exc.value.source == str(p)


def test_load_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="existing"):
        route.load(tmp_path / "nope.csv")
    p = tmp_path / "r.json"
    p.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match=r"\.csv or \.toml"):
        route.load(p)
    t = tmp_path / "r.toml"
    t.write_text('[[segments]]\nlength_m = 100\nspeed_limit_kmh = 30\nspeed = 3\n', encoding="utf-8")
    with pytest.raises(InputError, match="row 1: speed"):
        route.load(t)
    t.write_text("[[segments]]\nlength_m = 100\nspeed_limit_kmh = 30\ndwell_s = 5\nalighting = 2\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        route.load(t)
    assert exc.value.field == "row 1: alighting"
    c = tmp_path / "short.csv"
    c.write_text("length_m,speed_limit_kmh\n", encoding="utf-8")
    with pytest.raises(InputError, match="rows"):
        route.load(c)
    c.write_text("length_m,speed_limit_kmh\n100,30,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 1"):
        route.load(c)


def test_van_delivery_round_example() -> None:
    """The bundled example parcel round (examples/routes/van-delivery.toml): 30 drops, 36 parcels of 20 kg
    counted as the route's "passengers". The load falls from 720 kg to nothing drop by drop; the van is driven
    at its time-mean load, between empty and full; in winter the long dwells with the heating on cost far more
    per km than on WLTC 3b (the cab is heated while the van stands), in mild weather the slow round costs less
    per km than WLTC 3b."""
    path = Path(__file__).resolve().parent.parent / "examples" / "routes" / "van-delivery.toml"
    r = route.load(path)
    tr = generate(r, kg_per_passenger=20.0)
    assert tr.occupancy[0] == 36 and tr.occupancy[-1] == 0
    assert np.all(np.diff(tr.occupancy) <= 0)
    assert statistics(tr.cycle)["n_stops"] == 30
    load = tr.mean_passenger_mass_kg
    assert 0.0 < load < 720.0
    van = "van-utility-90kwh-lfp"
    per_km = {}
    for name, cyc in (("round", tr.cycle), ("wltc3b", cycles.load("wltc3b"))):
        for amb in (None, -10.0):
            res = simulate(van, cyc, payload_kg=load, ambient_c=amb, with_range=False, with_acceleration=False,
                           timeseries=False)
            per_km[name, amb] = float(res.summary["energy_dc_wh_per_km"].iloc[0])
    assert per_km["round", None] < per_km["wltc3b", None]
    assert per_km["round", -10.0] - per_km["round", None] > 1.5 * (per_km["wltc3b", -10.0] - per_km["wltc3b", None])
