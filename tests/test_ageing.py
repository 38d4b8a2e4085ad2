"""tyaga.ageing: registry, monotonic fade, time-step independence, rate grid, batch axis, validity warnings and
bad input. The agreement with BLAST-Lite itself is tests/oracles/test_blast.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tyaga import ageing
from tyaga.errors import InputError, UnknownNameError

MONOTONIC = ["lfp-250ah-prismatic", "nmc-50ah-b1", "nmc-50ah-b2", "nmc-75ah-a", "nmc811-lg-mj1", "nmc111-kokam-75ah"]


def day(dt_s: float, dod: float = 0.8, temperature_c: float = 25.0, soc_high: float = 0.95,
        drive_h: float = 1.6, charge_h: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One day at ``dt_s`` steps (closing sample included): parked at ``soc_high``, a drive from 08:00 down by
    ``dod`` over ``drive_h``, a charge from 20:00 back over ``charge_h``; temperature ± 5 K over the day."""
    t = np.arange(0.0, 86400.0 + dt_s / 2, dt_s)
    h = t / 3600.0
    soc = soc_high - dod * np.clip((h - 8.0) / drive_h, 0, 1) + dod * np.clip((h - 20.0) / charge_h, 0, 1)
    return t, soc, temperature_c + 5.0 * np.sin(2 * np.pi * (h - 9.0) / 24.0)


def quiet(*args: object, **kwargs: object) -> ageing.AgeingResult:
    """:func:`ageing.simulate` with validity warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ageing.simulate(*args, **kwargs)  # type: ignore[arg-type]


def test_registry() -> None:
    names = ageing.models()
    assert {"lfp-250ah-prismatic", "nmc-50ah-b1", "nmc-lto-10ah"} <= set(names)
    for n in names:
        m = ageing.load(n)
        assert m.name == n and m.capacity_ah > 0 and m.reference and m.terms
        lo, hi = m.validity.temperature_c
        assert lo < hi
    assert {ageing.load(n).chemistry for n in names} >= {"LFP-Gr", "NMC-Gr", "NMC-LTO"}
    with pytest.raises(UnknownNameError, match="lfp-250ah-prismatic"):
        ageing.load("lfp-250ah-prismatc")


def test_anode_potential() -> None:
    """Graphite potential falls with SOC; ~0.123 V at 50 % (the NMC models' normalisation)."""
    soc = np.linspace(0, 1, 101)
    ua = ageing.anode_potential_v(soc)
    assert np.all(np.diff(ua) < 0)
    assert ua[50] == pytest.approx(0.123, abs=0.002)


@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(MONOTONIC), dod=st.floats(0.0, 0.85), temperature_c=st.floats(12.0, 40.0),
       soc_high=st.floats(0.86, 1.0), charge_h=st.floats(0.5, 6.0))
def test_fade_is_monotonic(name: str, dod: float, temperature_c: float, soc_high: float, charge_h: float) -> None:
    """Capacity never rises from one day to the next (the graphite-anode models have loss terms only)."""
    t, soc, temp = day(600.0, dod=dod, temperature_c=temperature_c, soc_high=soc_high, charge_h=charge_h)
    r = quiet(name, t, soc, temp, years=3.0)
    assert np.all(np.diff(r.q[0]) <= 1e-15)
    assert r.q[0, -1] < 1.0
    assert np.all(np.diff(r.efc[0]) >= 0)
    if r.resistance is not None:
        assert np.all(np.diff(r.resistance[0]) >= -1e-15)


@pytest.mark.parametrize("name", ["lfp-250ah-prismatic", "nmc-50ah-b1"])
def test_time_step_independence(name: str) -> None:
    """1 s and 60 s sampling of the same day give the same 10-year fade within 0.5 % (measured ≤ 3e-7)."""
    a = ageing.simulate(name, *day(1.0), years=10.0)
    b = ageing.simulate(name, *day(60.0), years=10.0)
    assert 1.0 - a.q[0, -1] > 0.05
    assert np.abs(a.q[0] - b.q[0]).max() <= 0.005
    assert np.abs(a.q[0] - b.q[0]).max() <= 1e-5  # what it is (the bar above is the issue's)


@pytest.mark.parametrize("name", ["lfp-250ah-prismatic", "nmc-50ah-b1", "nmc811-lg-mj1"])
def test_rate_grid_matches_daily_evaluation(name: str) -> None:
    """The q-grid interpolation of the rates stays within 1e-4 of evaluating them every day."""
    t, soc, temp = day(300.0)
    a = quiet(name, t, soc, temp, years=10.0)
    b = quiet(name, t, soc, temp, years=10.0, q_step=None)
    assert np.abs(a.q - b.q).max() <= 1e-4


def test_batch_equals_one_at_a_time() -> None:
    """Three cells in one call (different DOD and temperature) equal three single-cell calls."""
    profiles = [day(300.0, dod=d, temperature_c=tc) for d, tc in [(0.8, 20.0), (0.85, 35.0), (0.9, 15.0)]]
    t = profiles[0][0]
    soc = np.stack([p[1] for p in profiles])
    temp = np.stack([p[2] for p in profiles])
    batch = ageing.simulate("lfp-250ah-prismatic", t, soc, temp, years=5.0)
    for i in range(3):
        one = ageing.simulate("lfp-250ah-prismatic", t, soc[i], temp[i], years=5.0)
        np.testing.assert_allclose(batch.q[i], one.q[0], rtol=0, atol=1e-13)
    assert np.ptp(batch.q[:, -1]) > 0.005
    batch = ageing.simulate("nmc111-kokam-75ah", t, soc, temp, years=5.0)
    for i in range(3):
        one = ageing.simulate("nmc111-kokam-75ah", t, soc[i], temp[i], years=5.0)
        np.testing.assert_allclose(batch.resistance[i], one.resistance[0], rtol=1e-13)


def test_fade_feeds_back_into_the_soc_swing() -> None:
    """The same Ah throughput on a faded cell is a deeper cycle: the cycling state grows faster than with
    the stressors of the new cell (LG MJ1, which fades to < 60 % in 10 years)."""
    t, soc, temp = day(300.0, dod=0.6, soc_high=0.9)
    r = quiet("nmc811-lg-mj1", t, soc, temp, years=10.0, q_step=None)  # rates every day: exact at the clip
    assert r.q[0, -1] < 0.6
    # ΔEFC per day is the same Ah every day (throughput conserved) while the faded cell can still deliver
    # the day's 0.6 of the nominal capacity from 90 % SOC (q > 0.6/0.9); then the swing is clipped at 0 SOC
    d_efc = np.diff(r.efc[0])
    ok = r.q[0, :-1] > 0.6 / 0.9 + 1e-9
    assert ok.sum() > 100 and (~ok).sum() > 100
    np.testing.assert_allclose(d_efc[ok], 0.6, rtol=1e-9)
    assert np.all(d_efc[~ok] < 0.6)
    np.testing.assert_allclose(d_efc[~ok], 0.9 * r.q[0, :-1][~ok], rtol=1e-6)


def test_life_to_soh() -> None:
    t, soc, temp = day(300.0)
    years = ageing.life_to_soh("nmc-50ah-b1", t, soc, temp, soh=0.85)
    r = ageing.simulate("nmc-50ah-b1", t, soc, temp, years=float(years[0]) + 0.01)
    assert 1.0 < years[0] < 30.0
    assert np.interp(years[0], r.time_years, r.q[0]) == pytest.approx(0.85, abs=1e-6)
    assert np.isinf(ageing.life_to_soh("nmc-50ah-b1", t, soc, temp, soh=0.5, max_years=2.0))[0]


def test_multi_day_profile() -> None:
    """A profile of two days (a driving day, a parked day) ages as those days alternate."""
    t1, soc1, temp1 = day(600.0)
    t = np.concatenate([t1, t1[1:] + 86400.0])
    soc = np.concatenate([soc1, np.full(t1.size - 1, soc1[-1])])
    temp = np.concatenate([temp1, temp1[1:]])
    r = ageing.simulate("lfp-250ah-prismatic", t, soc, temp, years=1.0)
    d_efc = np.diff(r.efc[0])
    assert d_efc[0] > 0.7 and d_efc[1] == 0.0 and d_efc[2] == pytest.approx(d_efc[0], rel=1e-3)


# -------------------------------------------------------------------------------------------- validity


def test_temperature_outside_range_warns_naming_it() -> None:
    t, soc, temp = day(600.0, temperature_c=2.0)
    with pytest.warns(UserWarning, match=r"validated range 10 … 45 °C"):
        ageing.simulate("lfp-250ah-prismatic", t, soc, temp, years=1.0)
    with pytest.warns(UserWarning, match=r"validated range 30 … 60 °C"):
        ageing.simulate("nmc-lto-10ah", *day(600.0), years=1.0)


def test_dod_and_c_rate_outside_range_warn() -> None:
    with pytest.warns(UserWarning, match=r"depth of discharge .* validated range 0.8 … 1"):
        ageing.simulate("lfp-250ah-prismatic", *day(600.0, dod=0.3), years=1.0)
    with pytest.warns(UserWarning, match=r"charge rate .* validated range 0 … 0.65 C"):
        ageing.simulate("lfp-250ah-prismatic", *day(60.0, charge_h=0.5), years=1.0)


def test_in_range_profile_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ageing.simulate("lfp-250ah-prismatic", *day(600.0), years=1.0)


# -------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("change", "field", "allowed"), [
    ("soc_high", "soc", "0 ≤ soc ≤ 1"),
    ("temperature", "temperature_c", "absolute zero"),
    ("time", "time_s", "strictly increasing"),
    ("duration", "time_s (duration)", "whole number of days"),
    ("nan", "temperature_c", "finite"),
    ("shape", "soc", "samples"),
])
def test_impossible_input_is_an_input_error(change: str, field: str, allowed: str) -> None:
    t, soc, temp = day(600.0)
    if change == "soc_high":
        soc = soc + 0.1
    elif change == "temperature":
        temp = temp - 400.0
    elif change == "time":
        t = t.copy()
        t[5] = t[4]
    elif change == "duration":
        t, soc, temp = t[:-1], soc[:-1], temp[:-1]
    elif change == "nan":
        temp = temp.copy()
        temp[3] = np.nan
    elif change == "shape":
        soc = soc[:-1]
    with pytest.raises(InputError) as e:
        ageing.simulate("lfp-250ah-prismatic", t, soc, temp, years=1.0)
    assert e.value.field.split(" (sample")[0] == field
    assert allowed in e.value.allowed


def test_bad_years_and_soh() -> None:
    t, soc, temp = day(600.0)
    with pytest.raises(InputError, match="years"):
        ageing.simulate("lfp-250ah-prismatic", t, soc, temp, years=0.0)
    with pytest.raises(InputError, match="soh"):
        ageing.life_to_soh("lfp-250ah-prismatic", t, soc, temp, soh=1.2)
