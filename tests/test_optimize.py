"""Gradient-free optimisation (tyaga.optimize): analytic optima and a tyaga problem against a brute-force scan."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tyaga import vehicles
from tyaga.chain import simulate
from tyaga.errors import InputError
from tyaga.optimize import Variable, VehicleProblem, minimize

CAR = "compact-ev-150kw"


def test_mixed_integer_analytic_optimum() -> None:
    """f = (a − 1.3)² + (n − 4)² + 0.1 c² + 2 |m + 3|: optimum a = 1.3, n = 4, m = −3 (integers), c = 0."""
    calls = []

    def f(X: np.ndarray) -> np.ndarray:
        calls.append(X.shape)
        return (X[:, 0] - 1.3) ** 2 + (X[:, 1] - 4) ** 2 + 0.1 * X[:, 2] ** 2 + 2 * np.abs(X[:, 3] + 3)

    res = minimize(f, {"a": (-5, 5), "n": (-10, 10, "int"), "c": (-2, 2), "m": (-7, 7, "int")}, seed=1, tol=1e-10,
                   maxiter=1000)
    assert res.feasible and res.success
    assert res.x["n"] == 4 and res.x["m"] == -3 and isinstance(res.x["n"], int)
    assert res.x["a"] == pytest.approx(1.3, abs=1e-4) and res.x["c"] == pytest.approx(0.0, abs=1e-3)
    assert res.objective == pytest.approx(0.0, abs=1e-7)
    assert all(len(s) == 2 and s[1] == 4 for s in calls)  # always a batch (m, d)
    assert res.n_batches == len(calls) and max(s[0] for s in calls) > 1


def test_constrained_and_maximised() -> None:
    """min x + y with x·y ≥ 2 → x = y = √2; max of −(x−2)² − (k−3)² (k integer) → 0 at (2, 3)."""
    res = minimize(lambda X: (X[:, 0] + X[:, 1], (2 - X[:, 0] * X[:, 1])[:, None]), {"x": (0.1, 5), "y": (0.1, 5)},
                   seed=0, tol=1e-10, maxiter=2000)
    assert res.feasible and res.objective == pytest.approx(2 * math.sqrt(2), rel=1e-6)
    assert res.x["x"] == pytest.approx(math.sqrt(2), rel=1e-4)
    res = minimize(lambda X: -(X[:, 0] - 2) ** 2 - (X[:, 1] - 3) ** 2, [Variable("x", 0, 4), Variable("k", 0, 9, True)],
                   sense="max", seed=2, tol=1e-10)
    assert res.x["k"] == 3 and res.x["x"] == pytest.approx(2, abs=1e-4) and res.objective <= 0
    assert res.objective == pytest.approx(0, abs=1e-7)


def test_infeasible_and_failed_candidates_are_penalised() -> None:
    """NaN objectives (a failed evaluation) lose to any finite one; with no feasible point the result says so."""
    def f(X: np.ndarray) -> np.ndarray:
        return np.where(X[:, 0] < 3, np.nan, X[:, 0])

    res = minimize(f, {"x": (0, 10)}, seed=0, tol=1e-10)
    assert res.feasible and res.x["x"] == pytest.approx(3, abs=1e-3)
    res = minimize(lambda X: (X[:, 0], (1 - 0 * X[:, 0])[:, None]), {"x": (0, 1)}, seed=0, maxiter=5)
    assert not res.feasible and not res.success and res.constraint_violation == pytest.approx(1)


def test_grid_method_is_exhaustive() -> None:
    res = minimize(lambda X: (X[:, 0] - 2.2) ** 2 + (X[:, 1] - 1) ** 2, {"a": (0, 4), "k": (-3, 3, "int")},
                   method="grid", grid_points=5)
    assert res.x == {"a": 2.0, "k": 1} and res.n_evaluations == 5 * 7


def test_bad_input() -> None:
    with pytest.raises(InputError, match="low < high"):
        Variable("x", 2, 1)
    with pytest.raises(InputError, match="method"):
        minimize(lambda X: X[:, 0], {"x": (0, 1)}, method="nelder")
    with pytest.raises(InputError, match="one value per row"):
        minimize(lambda X: np.zeros(1), {"x": (0, 1), "y": (0, 1)})
    with pytest.raises(InputError, match=r"battery\.paralel"):
        VehicleProblem(CAR, {"battery.paralel": (1, 4)}, objective="range_km")
    with pytest.raises(InputError, match="rang_km"):
        VehicleProblem(CAR, {"battery.parallel": (1, 4)}, objective="rang_km")
    with pytest.raises(InputError, match=r"body\.mass_kg bound"):
        VehicleProblem(CAR, {"body.mass_kg": (-5, 2000)}, objective="range_km")
    with pytest.raises(InputError, match="constraint"):
        VehicleProblem(CAR, {"battery.parallel": (1, 4)}, objective="range_km", constraints=["range_km > 3"])


def test_vehicle_problem_rows_equal_one_at_a_time_simulate() -> None:
    p = VehicleProblem(CAR, {"battery.parallel": (1, 5), "body.drag_coefficient": (0.22, 0.36)},
                       objective="energy_dc_wh_per_km", constraints=["range_km >= 100"], pack_mass_follows=False)
    assert [v.integer for v in p.variables] == [True, False]
    X = np.array([[1, 0.25], [3, 0.31], [5, 0.36], [2, 0.22]])
    df = p.evaluate(X)
    base = vehicles.load(CAR)
    for i, (par, cd) in enumerate(X):
        spec = base.model_copy(update={"battery": base.battery.model_copy(update={"parallel": int(par)}),
                                       "body": base.body.model_copy(update={"drag_coefficient": float(cd)})})
        one = simulate(spec, "wltc3b", timeseries=False, with_acceleration=False).summary.iloc[0]
        for col in ("energy_dc_wh_per_km", "range_km", "usable_energy_wh", "trace_miss_s"):
            assert df[col].iloc[i] == pytest.approx(one[col], rel=1e-12, abs=1e-12), col
    assert df["feasible"].all() and (df["reason"] == "").all()


def test_pack_mass_follows_the_cell_count() -> None:
    from tyaga.battery import cell_for_vehicle
    from tyaga.tco import CELL_TO_PACK_MASS_RATIO

    base = vehicles.load(CAR)
    cell = cell_for_vehicle(base)
    p = VehicleProblem(CAR, {"battery.parallel": (1, 4)}, objective="range_km")
    df = p.evaluate(np.array([[1], [2], [4]]))
    dm = (df["n_cells"] - base.battery.series * base.battery.parallel) * cell.mass_kg / CELL_TO_PACK_MASS_RATIO
    np.testing.assert_allclose(df["test_mass_kg"], base.body.test_mass_kg + dm, rtol=1e-12)
    assert df["test_mass_kg"].iloc[1] == base.body.test_mass_kg
    assert np.all(np.diff(df["pack_cost_usd"]) > 0)


def test_invalid_candidate_is_infeasible_not_an_exception() -> None:
    p = VehicleProblem(CAR, {"battery.soc_min": (0.0, 0.5), "battery.soc_max": (0.6, 1.0)}, objective="range_km",
                       sense="max")
    # soc_min 0.5 < soc_max 0.6 is fine; make an invalid one by hand beyond the validated bounds
    df = p.evaluate(np.array([[0.1, 0.9], [0.5, 0.6]]))
    assert df["feasible"].all()
    df = p.evaluate(np.array([[0.95, 0.9]]))
    assert not df["feasible"].iloc[0] and "soc" in df["reason"].iloc[0] and np.isnan(df["range_km"].iloc[0])


@pytest.mark.parametrize("min_range_km", [480.0, 700.0, 1100.0])
def test_fewest_parallel_strings_equals_brute_force(min_range_km: float) -> None:
    """Fewest parallel strings of compact-ev-150kw with range ≥ X on WLTC 3b: DE's answer = a scan."""
    base = vehicles.load(CAR)
    p = VehicleProblem(CAR, {"battery.parallel": (1, 8)}, objective="battery.parallel",
                       constraints=[f"range_km >= {min_range_km}"], pack_mass_follows=False)
    res = p.minimize(seed=0)
    specs = [base.model_copy(update={"battery": base.battery.model_copy(update={"parallel": k})}) for k in range(1, 9)]
    rng = simulate(specs, "wltc3b", timeseries=False, with_acceleration=False).summary["range_km"].to_numpy()
    ok = np.flatnonzero(rng >= min_range_km)
    assert ok.size and ok[0] > 0  # the constraint binds
    assert res.feasible and res.x["battery.parallel"] == ok[0] + 1
    assert res.extra["row"]["range_km"] == pytest.approx(rng[ok[0]], rel=1e-12)


def test_two_integer_pack_layout_equals_brute_force() -> None:
    """Cheapest cells (series × parallel) of compact-ev-150kw with range ≥ 560 km and 0–100 km/h ≤ 9 s, pack
    mass following the cell count: DE = the exhaustive scan over 41 × 6 layouts (one simulate batch)."""
    from tyaga.battery import cell_for_vehicle
    from tyaga.tco import CELL_TO_PACK_MASS_RATIO

    base = vehicles.load(CAR)
    cell = cell_for_vehicle(base)
    p = VehicleProblem(CAR, {"battery.series": (70, 110), "battery.parallel": (1, 6)}, objective="pack_cost_usd",
                       constraints=["range_km >= 560", "accel_0_100_s <= 9"])
    res = p.minimize(seed=3, popsize=20, maxiter=300)
    n0 = base.battery.series * base.battery.parallel
    layouts = [(s, k) for s in range(70, 111) for k in range(1, 7)]
    specs = [base.model_copy(update={
        "battery": base.battery.model_copy(update={"series": s, "parallel": k}),
        "body": base.body.model_copy(update={"mass_kg": base.body.mass_kg + (s * k - n0) * cell.mass_kg
                                             / CELL_TO_PACK_MASS_RATIO})}) for s, k in layouts]
    summ = simulate(specs, "wltc3b", timeseries=False).summary
    cost = np.array([s * k for s, k in layouts], dtype=float)
    ok = (summ["range_km"].to_numpy() >= 560) & (summ["accel_0_100_s"].to_numpy() <= 9)
    best = cost[ok].min()
    winners = {layouts[i] for i in np.flatnonzero(ok & (cost == best))}
    got = (res.x["battery.series"], res.x["battery.parallel"])
    assert res.feasible and got in winners, (got, winners)
    assert res.n_evaluations < len(layouts)  # fewer engine runs than the scan
