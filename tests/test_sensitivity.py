"""Sobol' sensitivity (tyaga.sensitivity): the Ishigami function's analytic indices and a tyaga example
checked against its linearisation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tyaga.errors import InputError
from tyaga.optimize import VehicleProblem
from tyaga.sensitivity import relative_bounds, sobol, vehicle_sobol

A, B = 7.0, 0.1
PI = math.pi


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices() -> tuple[np.ndarray, np.ndarray]:
    """Analytic S1 and ST of Ishigami on [−π, π]³ (Sobol' & Levitan 1999)."""
    v1 = 0.5 * (1 + B * PI**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * PI**8 / 225
    var = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def test_ishigami_within_salib_confidence() -> None:
    s1, st = ishigami_indices()
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)  # the textbook figures
    calls = []

    def fn(X: np.ndarray) -> np.ndarray:
        calls.append(X.shape)
        return ishigami(X)

    res = sobol(fn, {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}, n=2048, seed=1)
    assert calls == [(2048 * 5, 3)]  # one batch of n (d + 2) samples
    assert res.attrs["n_evaluations"] == 2048 * 5
    assert res["variable"].tolist() == ["x1", "x2", "x3"]
    assert np.all(np.abs(res["S1"].to_numpy() - s1) <= res["S1_conf"].to_numpy())
    assert np.all(np.abs(res["ST"].to_numpy() - st) <= res["ST_conf"].to_numpy())
    assert np.all(res["S1_conf"] < 0.06)  # the confidence is informative, not huge


def test_batches_and_several_outputs_and_second_order() -> None:
    prob = {"names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}
    one = sobol(ishigami, prob, n=256, seed=4)
    split = sobol(ishigami, prob, n=256, seed=4, batch_size=100)
    np.testing.assert_array_equal(one["S1"], split["S1"])
    two = sobol(lambda X: {"ish": ishigami(X), "lin": X[:, 0] + 2 * X[:, 1]}, prob, n=256, seed=4,
                calc_second_order=True)
    assert set(two["output"]) == {"ish", "lin"}
    lin = two[two["output"] == "lin"]
    np.testing.assert_allclose(lin["S1"], [0.2, 0.8, 0.0], atol=0.05)  # variances 1 : 4 : 0
    s13 = two[(two["output"] == "ish") & (two["variable"] == "x1")]["S2_x3"].iloc[0]
    _, st = ishigami_indices()
    conf = two[(two["output"] == "ish") & (two["variable"] == "x1")]["S2_x3_conf"].iloc[0]
    assert abs(s13 - st[2]) <= conf  # the x1·x3 interaction is all of x3's effect


def test_bad_input() -> None:
    prob = {"x1": (-PI, PI), "x2": (-PI, PI)}
    with pytest.raises(InputError, match="power of 2"):
        sobol(ishigami, prob, n=1000)
    with pytest.raises(InputError, match="non-finite"):
        sobol(lambda X: np.where(X[:, 0] > 2, np.nan, X[:, 0]), prob, n=64)
    with pytest.raises(InputError, match="varies"):
        sobol(lambda X: np.ones(len(X)), prob, n=64)
    with pytest.raises(InputError, match="two inputs"):
        sobol(ishigami, {"x1": (0, 1)}, n=64)
    with pytest.raises(InputError, match="low < high"):
        sobol(ishigami, {"x1": (1, 0), "x2": (0, 1)}, n=64)


def test_road_load_inputs_of_the_compact_car_match_the_linearisation() -> None:
    """Which of mass, Cd, frontal area and Crr (each ±10 %) drives energy_dc_wh_per_km on WLTC 3b: SALib's S1
    equal the linearised shares b_i² Var(x_i) / Σ b_j² Var(x_j) (slopes from one-at-a-time runs) within SALib's
    confidence, and the indices sum to ≈ 1 (an almost additive model)."""
    fields = ["body.mass_kg", "body.drag_coefficient", "body.frontal_area_m2", "body.rolling_resistance_coefficient"]
    bounds = relative_bounds("compact-ev-150kw", fields, 0.1)
    res = vehicle_sobol("compact-ev-150kw", bounds, outputs=["energy_dc_wh_per_km"], n=512, seed=0)
    prob = VehicleProblem("compact-ev-150kw", bounds, objective="energy_dc_wh_per_km")
    lo = np.array([b[0] for b in bounds.values()])
    hi = np.array([b[1] for b in bounds.values()])
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    X = np.vstack([mid + s * half * np.eye(4)[i] for i in range(4) for s in (1, -1)])
    y = prob.evaluate(X)["energy_dc_wh_per_km"].to_numpy().reshape(4, 2)
    slope = (y[:, 0] - y[:, 1]) / (2 * half)
    share = slope**2 * (hi - lo) ** 2 / 12
    share /= share.sum()
    assert np.all(np.abs(res["S1"].to_numpy() - share) <= res["S1_conf"].to_numpy())
    assert res["S1"].sum() == pytest.approx(1.0, abs=0.05)
    assert np.all(res["ST"].to_numpy() >= res["S1"].to_numpy() - res["ST_conf"].to_numpy())
    top = res.sort_values("S1", ascending=False)["variable"].tolist()
    assert set(top[:2]) == {"body.drag_coefficient", "body.frontal_area_m2"}  # aero dominates on WLTC 3b


def test_relative_bounds() -> None:
    b = relative_bounds("compact-ev-150kw", ["body.mass_kg"], 0.2)
    assert b["body.mass_kg"] == pytest.approx((1320.0, 1980.0))
    with pytest.raises(InputError, match=r"body\.nothing"):
        relative_bounds("compact-ev-150kw", ["body.nothing"])
