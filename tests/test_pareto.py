"""Pareto fronts (tyaga.pareto) against an O(n²) brute-force reference, and the ``tyaga pareto`` command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tyaga import pareto as pf
from tyaga.cli_pareto import pareto as pareto_cmd
from tyaga.errors import InputError


def brute_force_front(values: np.ndarray, senses: list[str]) -> np.ndarray:
    """O(n²) reference: row i is on the front iff no row j is ≥ as good everywhere and better somewhere."""
    sign = np.array([1.0 if s == "min" else -1.0 for s in senses])
    F = np.asarray(values, dtype=float) * sign
    n = len(F)
    keep = np.zeros(n, dtype=bool)
    for i in range(n):
        if np.isnan(F[i]).any():
            continue
        keep[i] = not any(
            not np.isnan(F[j]).any() and np.all(F[j] <= F[i]) and np.any(F[j] < F[i]) for j in range(n) if j != i)
    return keep


@st.composite
def objective_sets(draw: st.DrawFn) -> tuple[np.ndarray, list[str]]:
    k = draw(st.integers(1, 5))
    n = draw(st.integers(1, 40))
    # few distinct values → many ties and exact duplicates; sometimes real numbers, inf and NaN
    pool = draw(st.sampled_from(["ties", "reals", "specials"]))
    if pool == "ties":
        elem = st.integers(0, 3).map(float)
    elif pool == "reals":
        elem = st.floats(-1e6, 1e6, allow_nan=False)
    else:
        elem = st.sampled_from([0.0, 1.0, 2.0, np.inf, -np.inf, np.nan])
    vals = draw(st.lists(st.lists(elem, min_size=k, max_size=k), min_size=n, max_size=n))
    senses = draw(st.lists(st.sampled_from(["min", "max"]), min_size=k, max_size=k))
    return np.array(vals, dtype=float).reshape(n, k), senses


@settings(max_examples=400, deadline=None)
@given(objective_sets())
def test_front_equals_brute_force(case: tuple[np.ndarray, list[str]]) -> None:
    values, senses = case
    ref = brute_force_front(values, senses)
    np.testing.assert_array_equal(pf.nondominated_mask(values, senses), ref)
    np.testing.assert_array_equal(pf.is_dominated(values, senses), ~ref)
    df = pd.DataFrame(values, columns=[f"out_{j}" for j in range(values.shape[1])])
    df["feasible"] = True
    fr = pf.front(df, list(zip(df.columns[:-1], senses, strict=True)))
    assert list(fr.index) == list(np.flatnonzero(ref))
    assert (fr["rank"] == 0).all()
    assert fr.attrs["excluded_nan"] == int(np.isnan(values).any(axis=1).sum())


@settings(max_examples=150, deadline=None)
@given(objective_sets())
def test_ranks_peel_fronts(case: tuple[np.ndarray, list[str]]) -> None:
    values, senses = case
    rank = pf.nondominated_rank(values, senses)
    left = ~np.isnan(values).any(axis=1)
    assert np.all(rank[~left] == -1)
    r = 0
    while left.any():  # rank r = the brute-force front of what ranks < r leave
        sub = brute_force_front(values[left], senses)
        np.testing.assert_array_equal(rank[np.flatnonzero(left)[sub]], r)
        assert np.all(rank[np.flatnonzero(left)[~sub]] > r)
        left[np.flatnonzero(left)[sub]] = False
        r += 1


def test_large_random_sets_match_brute_force_on_a_sample() -> None:
    """Beyond hypothesis's sizes: 3000 rows in 2, 3 and 4 objectives (vectorised reference)."""
    rng = np.random.default_rng(7)
    for k in (2, 3, 4):
        F = np.round(rng.random((3000, k)), 2)  # rounding makes ties
        mask = pf.nondominated_mask(F, ["min"] * k)
        dominated_by_any = np.array([np.any(np.all(F <= f, axis=1) & np.any(F < f, axis=1)) for f in F])
        np.testing.assert_array_equal(mask, ~dominated_by_any)


def test_duplicates_ties_and_unique() -> None:
    df = pd.DataFrame({"design_id": [0, 1, 2, 3, 4], "out_a": [1.0, 1.0, 2.0, 1.0, 0.5],
                       "out_b": [5.0, 5.0, 4.0, 6.0, 7.0], "feasible": [True] * 5})
    fr = pf.front(df, [("out_a", "min"), ("out_b", "min")])
    # 0 and 1 are equal (both kept), 3 ties 0 in a and is worse in b (dominated)
    assert fr["design_id"].tolist() == [0, 1, 2, 4]
    assert pf.front(df, ["out_a:min", "out_b:min"], unique=True)["design_id"].tolist() == [0, 2, 4]
    assert pf.dominates([1, 5], [1, 6]) and not pf.dominates([1, 5], [1, 5])
    assert pf.dominates([2, 5], [1, 5], ["max", "min"])


def test_feasible_only_nan_and_depth() -> None:
    df = pd.DataFrame({"out_x": [1.0, 2.0, 3.0, 0.0, np.nan], "out_y": [3.0, 2.0, 1.0, 0.0, 0.0],
                       "feasible": [True, True, True, False, True]})
    fr = pf.front(df, [("out_x", "min"), ("out_y", "min")])
    assert fr.index.tolist() == [0, 1, 2] and fr.attrs["excluded_nan"] == 1 and fr.attrs["considered"] == 3
    assert pf.front(df, [("out_x", "min"), ("out_y", "min")], feasible_only=False).index.tolist() == [3]
    deep = pf.front(df, [("out_x", "min"), ("out_y", "min")], feasible_only=False, depth=2)
    assert deep.index.tolist() == [3, 0, 1, 2] and deep["rank"].tolist() == [0, 1, 1, 1]


def test_bad_input_names_the_field() -> None:
    df = pd.DataFrame({"out_x": [1.0], "name": ["a"], "feasible": [True]})
    with pytest.raises(InputError, match="out_z"):
        pf.front(df, [("out_z", "min")])
    with pytest.raises(InputError, match="sense"):
        pf.front(df, [("out_x", "lowest")])
    with pytest.raises(InputError, match="numeric"):
        pf.front(df, [("name", "min")])
    with pytest.raises(InputError, match="feasible"):
        pf.front(df.drop(columns="feasible"), [("out_x", "min")])
    with pytest.raises(InputError, match="objective"):
        pf.parse_objective("out_x:up")
    with pytest.raises(InputError, match="at least one"):
        pf.front(df, [])


# ---------------------------------------------------------------- results folder and CLI


def _write_results(root, n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "design_id": np.arange(n),
        "in_parallel": rng.integers(1, 5, n),
        "out_range_km": np.round(rng.uniform(200, 700, n), 1),
        "out_pack_cost_usd": np.round(rng.uniform(3000, 12000, n), 0),
        "out_accel_0_100_s": np.round(rng.uniform(6, 12, n), 2),
    })
    df["feasible"] = df["out_range_km"] > 250
    df["reason"] = np.where(df["feasible"], "", "out_range_km < 250")
    (root / "chunks").mkdir(parents=True)
    df.iloc[n // 2:].to_parquet(root / "chunks" / "chunk-000001.parquet")  # order on disk ≠ design order
    df.iloc[: n // 2].to_parquet(root / "chunks" / "chunk-000000.parquet")
    df.iloc[:3].to_parquet(root / "chunks" / "chunk-000002.parquet")  # not finished: not in the manifest
    # the manifest as tyaga.sweep writes it: outputs without the out_ prefix, finished chunks by id
    manifest = {"space_hash": "x", "space": {"objectives": [{"output": "range_km", "sense": "max"},
                                                           {"output": "pack_cost_usd", "sense": "min"}]},
                "chunks": {str(k): {"chunk_id": k, "rows": n // 2, "file": f"chunks/chunk-{k:06d}.parquet"}
                           for k in (1, 0)}}
    (root / "manifest.json").write_text(json.dumps(manifest))
    return df


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("pareto")(pareto_cmd)
    app.command("other")(lambda: None)  # a second command keeps "pareto" a subcommand
    return app


def test_read_results_and_manifest_objectives(tmp_path) -> None:
    df = _write_results(tmp_path)
    got, manifest = pf.read_results(tmp_path)
    pd.testing.assert_frame_equal(got, df, check_dtype=False)
    assert pf.manifest_objectives(manifest) == [("out_range_km", "max"), ("out_pack_cost_usd", "min")]


def test_cli_json_default_objectives(tmp_path) -> None:
    df = _write_results(tmp_path)
    res = CliRunner().invoke(_app(), ["pareto", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    feas = df[df["feasible"]]
    ref = brute_force_front(feas[["out_range_km", "out_pack_cost_usd"]].to_numpy(), ["max", "min"])
    assert [r["design_id"] for r in out["front"]] == feas["design_id"].to_numpy()[ref].tolist()
    assert out["considered"] == len(feas)


def test_cli_table_and_plots(tmp_path) -> None:
    _write_results(tmp_path / "res")
    png = tmp_path / "front.png"
    res = CliRunner().invoke(_app(), ["pareto", str(tmp_path / "res"), "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert "Pareto front" in res.stdout and "range_km (max)" in res.stdout and "parallel" in res.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    png3 = tmp_path / "matrix.png"
    res = CliRunner().invoke(_app(), ["pareto", str(tmp_path / "res"), "-o", "out_range_km:max", "-o",
                                      "out_pack_cost_usd:min", "-o", "out_accel_0_100_s:min", "--plot", str(png3)])
    assert res.exit_code == 0, res.output
    assert png3.stat().st_size > 1000
    assert not list(tmp_path.glob(".*png"))  # no temporary files left


def test_cli_bad_input_exits_2(tmp_path) -> None:
    _write_results(tmp_path / "res")
    app = _app()
    r1 = CliRunner().invoke(app, ["pareto", str(tmp_path / "nowhere")])
    r2 = CliRunner().invoke(app, ["pareto", str(tmp_path / "res"), "-o", "out_rangekm:max"])
    r3 = CliRunner().invoke(app, ["pareto", str(tmp_path / "res"), "-o", "out_range_km:max", "--plot",
                                  str(tmp_path / "x.png")])
    for r, text in ((r1, "results_dir"), (r2, "out_range_km"), (r3, "two or more")):
        assert r.exit_code == 2 and text in r.stderr, r.output
        assert "Traceback" not in r.output
    assert not (tmp_path / "x.png").exists()


def test_front_of_a_real_sweep_folder(tmp_path) -> None:
    """End to end: a small tyaga.sweep grid written to a folder, then ``tyaga pareto`` on it = brute force."""
    from tyaga import sweep

    space = sweep.Space.from_dict({
        "format_version": 1, "name": "pareto-test", "vehicle": "compact-ev-150kw", "sampling": "grid",
        "chunk_size": 4,
        "variables": {"parallel": {"values": [1, 2, 3]}, "drag_coefficient": {"min": 0.24, "max": 0.34, "steps": 3}},
        "constraints": [{"output": "range_km", "op": ">=", "value": 300.0}],
        "objectives": [{"output": "range_km", "sense": "max"}, {"output": "energy_dc_wh_per_km", "sense": "min"}]})
    df = sweep.run(space, out_dir=tmp_path / "res", progress=False)
    res = CliRunner().invoke(_app(), ["pareto", str(tmp_path / "res"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [o["output"] for o in out["objectives"]] == ["out_range_km", "out_energy_dc_wh_per_km"]
    feas = df[df["feasible"]]
    assert 0 < len(feas) < len(df)
    ref = brute_force_front(feas[["out_range_km", "out_energy_dc_wh_per_km"]].to_numpy(), ["max", "min"])
    assert [r["design_id"] for r in out["front"]] == feas["design_id"].to_numpy()[ref].tolist()
