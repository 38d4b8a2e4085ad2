"""Design spaces and the sweep runner (tyaga.sweep, tyaga sweep)."""

from __future__ import annotations

import json
import math
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from tyaga import cells, chain, sweep, vehicles
from tyaga.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "space-compact-ev.toml"
BASE = "compact-ev-150kw"

#: Summary columns of simulate() that a sweep reports as out_* (same name).
SIMULATE_COLUMNS = [*sweep.CYCLE_OUTPUTS, "accel_0_100_s", "range_km", "usable_energy_wh"]


def space_dict(**changes: Any) -> dict[str, Any]:
    """A small mixed space: two cells, series/parallel counts, mass, Cd, motor power, ambient and cycle."""
    d: dict[str, Any] = {
        "name": "t", "vehicle": BASE, "sampling": "lhs", "samples": 24, "seed": 7, "chunk_size": 8,
        "variables": {
            "cell": {"values": ["nmc-samsung-94ah", "nmc-calb-l148n50b"]},
            "series": {"min": 88, "max": 110},
            "parallel": {"values": [1, 2, 3]},
            "mass_kg": {"min": 1500.0, "max": 1800.0},
            "drag_coefficient": {"min": 0.25, "max": 0.33},
            "motor_peak_power_kw": {"min": 90.0, "max": 200.0},
            "payload_kg": {"values": [80.0, 300.0]},
            "ambient_c": {"values": [-20.0, 5.0, 30.0]},
            "cycle": {"values": ["wltc3b", "udds"]},
        },
    }
    d.update(changes)
    return d


def spec_of(row: pd.Series) -> chain.VehicleSpec:
    """The vehicle of a design row, built here from the in_* columns (not through tyaga.sweep)."""
    base = vehicles.load(BASE)
    body = base.body.model_copy(update={"mass_kg": float(row["in_mass_kg"]),
                                        "drag_coefficient": float(row["in_drag_coefficient"]),
                                        "payload_kg": float(row["in_payload_kg"])})
    pt = base.powertrain.model_copy(update={"motor_peak_power_kw": float(row["in_motor_peak_power_kw"])})
    bat = base.battery.model_copy(update={"cell": row["in_cell"], "series": int(row["in_series"]),
                                          "parallel": int(row["in_parallel"])})
    return base.model_copy(update={"body": body, "powertrain": pt, "battery": bat})


def assert_close(a: float, b: float, what: str) -> None:
    if math.isinf(b):
        assert a == b, what
    else:
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), what


# ---------------------------------------------------------------------------------------------- the space


def test_space_round_trips_and_hash_names_it() -> None:
    s = sweep.Space.from_dict(space_dict())
    again = sweep.Space.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s and again.hash == s.hash
    other = sweep.Space.from_dict(space_dict(seed=8))
    assert other.hash != s.hash


def test_example_space_reads_and_lists_its_objectives() -> None:
    s = sweep.Space.from_toml(EXAMPLE)
    assert s.n_designs == 2000 and s.ambient_c == -20.0
    assert s.objectives == [("out_energy_dc_wh_per_km", "min"), ("out_energy_dc_wh_per_km__own_test", "min"),
                            ("out_pack_cost_usd", "min")]
    assert set(c for c, _ in s.objectives) <= set(sweep.output_columns(s))


def test_designs_are_deterministic_and_chunks_tile_the_space() -> None:
    s = sweep.Space.from_dict(space_dict())
    whole = s.designs()
    assert list(whole["design_id"]) == list(range(24))
    parts = pd.concat([sweep.Space.from_dict(space_dict()).designs(*s.chunk_bounds(k)) for k in range(s.n_chunks)],
                      ignore_index=True)
    pd.testing.assert_frame_equal(parts, whole)
    # a Latin hypercube puts exactly one sample in each of the n strata of every continuous variable
    for name in ("mass_kg", "drag_coefficient", "motor_peak_power_kw"):
        v = next(v for v in s.variables if v.name == name)
        u = (whole[f"in_{name}"].to_numpy() - v.min) / (v.max - v.min)
        assert sorted(np.floor(u * 24).astype(int)) == list(range(24))
    assert set(whole["in_cell"]) == {"nmc-samsung-94ah", "nmc-calb-l148n50b"}
    assert whole["in_series"].between(88, 110).all() and whole["in_series"].dtype == np.int64


def test_grid_enumerates_the_product() -> None:
    s = sweep.Space.from_dict({"vehicle": BASE, "variables": {
        "mass_kg": {"min": 1500.0, "max": 1700.0, "steps": 3}, "parallel": {"values": [1, 2]},
        "series": {"min": 90, "max": 100, "step": 5}}})
    d = s.designs()
    assert s.n_designs == 18 == len(d)
    combos = set(zip(d["in_mass_kg"], d["in_parallel"], d["in_series"], strict=True))
    assert combos == {(m, p, q) for m in (1500.0, 1600.0, 1700.0) for p in (1, 2) for q in (90, 95, 100)}
    assert d["in_cycle"].eq("wltc3b").all() and d["in_ambient_c"].isna().all()


@pytest.mark.parametrize(("variables", "field"), [
    ({"mass_kg": {"min": 1800.0, "max": 1500.0}}, "variables.mass_kg.max"),
    ({"mas_kg": {"min": 1500.0, "max": 1800.0}}, "variables.mas_kg"),
    ({"mass_kg": {"min": -20.0, "max": -1.0, "steps": 3}}, "variables.mass_kg"),
    ({"series": {"min": 88.5, "max": 100}}, "variables.series.min"),
    ({"cell": {"values": ["no-such-cell"]}}, "variables.cell.values"),
    ({"cycle": {"values": ["wltc9"]}}, "variables.cycle.values"),
    ({"ambient_c": {"values": [-80.0]}}, "variables.ambient_c.values"),
    ({"mass_kg": {"min": 1500.0, "max": 1800.0}}, "variables.mass_kg.steps"),  # a grid needs steps
    ({"usable_energy_kwh": {"min": 50.0, "max": 80.0, "steps": 2}}, "variables"),  # the base is cell-built
])
def test_an_invalid_variable_is_named(variables: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as e:
        sweep.Space.from_dict({"vehicle": BASE, "variables": variables})
    assert e.value.field == field


def test_bad_constraints_and_keys_are_named() -> None:
    with pytest.raises(InputError) as e:
        sweep.Space.from_dict(space_dict(constraints=[{"output": "range_kms", "op": ">=", "value": 1.0}]))
    assert e.value.field == "constraints[0].output" and "range_km" in str(e.value)
    with pytest.raises(InputError) as e:
        sweep.Space.from_dict(space_dict(constraints=[{"output": "range_km", "op": ">", "value": 1.0}]))
    assert e.value.field == "constraints[0].op"
    with pytest.raises(InputError) as e:
        sweep.Space.from_dict(space_dict(sampling="sobol"))
    assert e.value.field == "sampling"
    with pytest.raises(InputError) as e:
        sweep.Space.from_dict(space_dict(variabls={}))
    assert e.value.field == "variabls" and "variables" in str(e.value)


# ---------------------------------------------------------------------------------------------- evaluation


def test_every_design_equals_simulate_alone() -> None:
    s = sweep.Space.from_dict(space_dict())
    res = sweep.run(s, progress=False)
    assert res["feasible"].all() and (res["reason"] == "").all()
    assert res["in_ambient_c"].nunique() == 3 and res["in_cycle"].nunique() == 2
    for _, row in res.iterrows():
        amb = float(row["in_ambient_c"])
        one = chain.simulate(spec_of(row), row["in_cycle"], timeseries=False, ambient_c=amb).summary.iloc[0]
        for col in SIMULATE_COLUMNS:
            assert_close(float(row[f"out_{col}"]), float(one[col]), f"design {row['design_id']} {col}")
        assert row["out_range_ended_by"] == one["range_ended_by"]
        assert row["out_test_mass_kg"] == pytest.approx(float(row["in_mass_kg"]) + float(row["in_payload_kg"]))


def test_pack_thermal_condition_equals_simulate() -> None:
    s = sweep.Space.from_dict({"vehicle": BASE, "conditions": {"ambient_c": -10.0, "pack_thermal": True},
                               "variables": {"parallel": {"values": [1, 2]},
                                             "drag_coefficient": {"values": [0.27, 0.31]}}})
    res = sweep.run(s, progress=False)
    base = vehicles.load(BASE)
    for _, row in res.iterrows():
        spec = base.model_copy(update={
            "battery": base.battery.model_copy(update={"parallel": int(row["in_parallel"])}),
            "body": base.body.model_copy(update={"drag_coefficient": float(row["in_drag_coefficient"])})})
        one = chain.simulate(spec, "wltc3b", timeseries=False, ambient_c=-10.0, pack_thermal=True).summary.iloc[0]
        for col in SIMULATE_COLUMNS:
            assert_close(float(row[f"out_{col}"]), float(one[col]), col)


def test_a_constraint_at_its_own_condition_equals_simulate_there() -> None:
    s = sweep.Space.from_dict(space_dict(constraints=[
        {"output": "range_km", "op": ">=", "value": 1.0, "cycle": "wltc3b", "ambient_c": -20.0}]))
    res = sweep.run(s, progress=False)
    col = "out_range_km__wltc3b_m20c"
    assert col in res and res[col].notna().all()
    for _, row in res.head(4).iterrows():
        one = chain.simulate(spec_of(row), "wltc3b", timeseries=False, with_acceleration=False,
                             ambient_c=-20.0).summary.iloc[0]
        assert_close(float(row[col]), float(one["range_km"]), col)


def test_failing_a_cheap_check_stops_a_design_early() -> None:
    free = sweep.run(sweep.Space.from_dict(space_dict()), progress=False)
    limit = float(free["out_pack_voltage_max_v"].median())
    s = sweep.Space.from_dict(space_dict(constraints=[{"output": "pack_voltage_max_v", "op": "<=", "value": limit},
                                                      {"output": "range_km", "op": ">=", "value": 0.0}]))
    res = sweep.run(s, progress=False)
    over = res["out_pack_voltage_max_v"] > limit
    assert over.any() and (~over).any()
    assert not res.loc[over, "feasible"].any()
    assert res.loc[over, "out_energy_dc_wh_per_km"].isna().all() and res.loc[over, "out_range_km"].isna().all()
    assert res.loc[over, "reason"].str.startswith("out_pack_voltage_max_v = ").all()
    assert res.loc[over, "reason"].str.endswith(f"> {limit:g} (pack_voltage_max_v)").all()
    pd.testing.assert_frame_equal(res.loc[~over, free.columns].reset_index(drop=True),
                                  free.loc[~over].reset_index(drop=True))


def test_reason_names_the_first_violated_constraint_and_its_condition() -> None:
    s = sweep.Space.from_dict({"vehicle": BASE, "conditions": {"ambient_c": -20.0},
                               "variables": {"parallel": {"values": [1, 3]}},
                               "constraints": [{"output": "range_km", "op": ">=", "value": 350.0}]})
    res = sweep.run(s, progress=False)
    short = res[res["in_parallel"] == 1].iloc[0]
    assert not short["feasible"]
    assert short["reason"] == f"out_range_km = {short['out_range_km']:.4g} < 350 (range_km at -20 °C on wltc3b)"
    assert res[res["in_parallel"] == 3].iloc[0]["feasible"]


def test_a_design_that_breaks_the_physics_is_infeasible_not_a_crash() -> None:
    s = sweep.Space.from_dict({"vehicle": BASE, "variables": {"mass_kg": {"values": [0.0, 1650.0]},
                                                              "parallel": {"values": [1, 2]}}})
    res = sweep.run(s, progress=False)
    zero = res["in_mass_kg"] == 0.0
    assert not res.loc[zero, "feasible"].any() and res.loc[~zero, "feasible"].all()
    assert res.loc[zero, "reason"].str.contains("body.mass_kg").all()
    assert res.loc[zero, "out_energy_dc_wh_per_km"].isna().all()
    assert res.loc[~zero, "out_range_km"].gt(0).all()


@pytest.mark.parametrize("chunk_size", [4, 1])  # the failing design in a batch of four, or alone
def test_an_engine_failure_is_isolated_to_its_design(monkeypatch: pytest.MonkeyPatch, chunk_size: int) -> None:
    real = sweep._stage_outputs

    def fragile(stage: str, batch: Any, cycle: Any) -> dict[str, Any]:
        if stage == "range" and any(s.battery.parallel == 3 and s.body.mass_kg > 1600 for s in batch.specs):
            raise FloatingPointError("boom")
        return real(stage, batch, cycle)

    s = sweep.Space.from_dict({"vehicle": BASE, "chunk_size": chunk_size,
                               "variables": {"mass_kg": {"values": [1500.0, 1700.0]},
                                             "parallel": {"values": [2, 3]}}})
    monkeypatch.setattr(sweep, "_stage_outputs", fragile)
    res = sweep.run(s, progress=False)
    bad = (res["in_parallel"] == 3) & (res["in_mass_kg"] == 1700.0)
    assert bad.sum() == 1 and not res.loc[bad, "feasible"].any()
    assert "range run failed: FloatingPointError: boom" in res.loc[bad, "reason"].iloc[0]
    assert res.loc[~bad, "feasible"].all() and res.loc[~bad, "out_range_km"].notna().all()


def test_no_feasible_design_names_the_constraint_that_binds_most() -> None:
    s = sweep.Space.from_dict(space_dict(constraints=[
        {"output": "test_mass_kg", "op": "<=", "value": 5000.0},
        {"output": "accel_0_100_s", "op": "<=", "value": 1.0},
        {"output": "range_km", "op": ">=", "value": 5000.0}]))
    res = sweep.run(s, progress=False)
    assert not res["feasible"].any()
    bind = sweep.binding_constraints(s, res)
    assert bind.iloc[0]["constraint"] == "accel_0_100_s <= 1"
    assert bind.iloc[0]["first"] == len(res) and bind.iloc[0]["best"] == res["out_accel_0_100_s"].min()
    assert bind.set_index("column").loc["out_test_mass_kg", "violated"] == 0
    assert sweep.best_designs(s, res) == {}


# ---------------------------------------------------------------------------------------------- files, resume


def test_interrupted_and_resumed_equals_uninterrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = sweep.Space.from_dict(space_dict())
    assert s.n_chunks == 3
    whole = sweep.run(s, out_dir=tmp_path / "a", progress=False)
    with pytest.raises(sweep.SweepStoppedError):
        sweep.run(s, out_dir=tmp_path / "b", progress=False, _stop_after=2)
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert sorted(manifest["chunks"]) == ["0", "1"] and manifest["space_hash"] == s.hash
    assert len(sweep.load_results(tmp_path / "b")) == 16
    calls: list[int] = []
    real = sweep.run_chunk
    monkeypatch.setattr(sweep, "run_chunk", lambda d, k, o: calls.append(k) or real(d, k, o))
    resumed = sweep.run(s, out_dir=tmp_path / "b", progress=False)
    assert calls == [2]
    pd.testing.assert_frame_equal(resumed, whole)
    pd.testing.assert_frame_equal(sweep.load_results(tmp_path / "b"), whole)
    in_memory = sweep.run(s, progress=False)
    pd.testing.assert_frame_equal(in_memory, whole)
    for k in range(3):  # each chunk file is the same bytes, whichever run wrote it
        name = f"chunks/chunk-{k:06d}.parquet"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert not [p for p in (tmp_path / "b").rglob("*") if p.name.endswith(".tmp")]


def test_run_chunk_is_idempotent_and_returns_its_manifest_row(tmp_path: Path) -> None:
    s = sweep.Space.from_dict(space_dict())
    row = sweep.run_chunk(s.to_dict(), 1, str(tmp_path))
    first = (tmp_path / row["file"]).read_bytes()
    again = sweep.run_chunk(s.to_dict(), 1, str(tmp_path))
    assert (tmp_path / row["file"]).read_bytes() == first
    assert row["file"] == "chunks/chunk-000001.parquet" and row["chunk_id"] == 1 and row["rows"] == 8
    assert row["feasible"] == again["feasible"] == 8 and row["seconds"] > 0
    with pytest.raises(InputError):
        sweep.run_chunk(s.to_dict(), 3, str(tmp_path))
    with pytest.raises(InputError) as e:
        sweep.evaluate(s, s.designs(0, 2).drop(columns=["in_cell"]))
    assert "in_cell" in str(e.value)


def test_a_changed_space_in_an_existing_folder_is_an_error(tmp_path: Path) -> None:
    sweep.run(sweep.Space.from_dict(space_dict(samples=8)), out_dir=tmp_path, progress=False)
    with pytest.raises(InputError) as e:
        sweep.run(sweep.Space.from_dict(space_dict(samples=9)), out_dir=tmp_path, progress=False)
    assert e.value.field == "out_dir"
    assert sweep.load_space(tmp_path) == sweep.Space.from_dict(space_dict(samples=8))


def test_a_scheduler_goes_through_distributed_iter_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a scheduler the chunks go through tyaga.distributed.iter_chunks, in any order; the result is the local
    run's. (The real cluster, and a worker killed mid-sweep: tests/test_distributed.py.)"""
    seen: list[Any] = []

    def iter_chunks(fn: Any, items: list[int], scheduler: Any) -> Any:
        seen.append(scheduler)
        for k in reversed(items):  # any order
            yield k, fn(k)

    fake = types.ModuleType("tyaga.distributed")
    fake.iter_chunks = iter_chunks  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tyaga.distributed", fake)
    s = sweep.Space.from_dict(space_dict(samples=12))
    res = sweep.run(s, out_dir=tmp_path / "d", scheduler="tcp://x:1", progress=False)
    assert seen == ["tcp://x:1"]
    pd.testing.assert_frame_equal(res, sweep.run(s, progress=False))


def test_timeseries_of_a_chosen_design(tmp_path: Path) -> None:
    s = sweep.Space.from_dict(space_dict())
    row = s.designs(5, 6).iloc[0]
    ds = sweep.design_timeseries(s, 5)
    ref = chain.simulate(spec_of(row), row["in_cycle"], ambient_c=float(row["in_ambient_c"]), with_range=False,
                         with_acceleration=False).timeseries
    np.testing.assert_array_equal(ds["battery_power_w"].values, ref["battery_power_w"].values)
    (path,) = sweep.write_timeseries(s, [5], tmp_path)
    assert path.name == "design-000005.parquet" and len(pd.read_parquet(path)) == ds.sizes["time"]


# ---------------------------------------------------------------------------------------------- CLI


def _app() -> typer.Typer:
    from tyaga.cli_sweep import sweep as sweep_command

    app = typer.Typer()
    app.command("sweep")(sweep_command)

    @app.callback()
    def _root() -> None:
        pass

    return app


def _write_space(path: Path, extra: str = "") -> Path:
    path.write_text(f'''vehicle = "{BASE}"
chunk_size = 3
[conditions]
ambient_c = -20.0
[variables]
parallel = {{ values = [1, 2, 3] }}
mass_kg = {{ values = [1600.0, 1700.0] }}
{extra}
''')
    return path


def test_cli_sweep_writes_results_and_names_the_best(tmp_path: Path) -> None:
    space = _write_space(tmp_path / "s.toml", '[[constraints]]\noutput = "range_km"\nop = ">="\nvalue = 300.0\n'
                         '[[objectives]]\noutput = "energy_dc_wh_per_km"\nsense = "min"\n')
    r = CliRunner().invoke(_app(), ["sweep", str(space), "--out", str(tmp_path / "o"), "--no-progress", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    res = sweep.load_results(tmp_path / "o")
    feas = res[res["feasible"]]
    assert data["designs"] == 6 and data["feasible"] == len(feas) > 0
    best = data["best"]["out_energy_dc_wh_per_km"]
    assert best["value"] == pytest.approx(feas["out_energy_dc_wh_per_km"].min(), rel=1e-12)
    r = CliRunner().invoke(_app(), ["sweep", str(space), "--out", str(tmp_path / "o"), "--no-progress",
                                    "--timeseries", "4"])
    assert r.exit_code == 0 and "feasible" in r.output
    assert (tmp_path / "o" / "timeseries" / "design-000004.parquet").is_file()
    r = CliRunner().invoke(_app(), ["sweep", str(space), "--out", str(tmp_path / "o"), "--timeseries", "6"])
    assert r.exit_code == 2 and "--timeseries" in r.output


def test_cli_says_when_no_design_is_feasible(tmp_path: Path) -> None:
    space = _write_space(tmp_path / "s.toml", '[[constraints]]\noutput = "range_km"\nop = ">="\nvalue = 3000.0\n')
    r = CliRunner().invoke(_app(), ["sweep", str(space), "--out", str(tmp_path / "o"), "--no-progress"])
    assert r.exit_code == 0
    assert "no feasible design among 6" in r.output and "range_km >= 3000" in r.output


def test_cli_bad_space_is_one_line_and_exit_2(tmp_path: Path) -> None:
    space = tmp_path / "bad.toml"
    space.write_text(f'vehicle = "{BASE}"\n[variables]\nmass_kg = {{ min = 1800.0, max = 1500.0, steps = 3 }}\n')
    r = CliRunner().invoke(_app(), ["sweep", str(space), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "variables.mass_kg.max" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


def test_random_sampling_is_seeded_and_stays_in_range() -> None:
    a = sweep.Space.from_dict(space_dict(sampling="random", samples=50)).designs()
    b = sweep.Space.from_dict(space_dict(sampling="random", samples=50)).designs()
    c = sweep.Space.from_dict(space_dict(sampling="random", samples=50, seed=8)).designs()
    pd.testing.assert_frame_equal(a, b)
    assert not a["in_mass_kg"].equals(c["in_mass_kg"])
    assert a["in_mass_kg"].between(1500.0, 1800.0).all() and set(a["in_parallel"]) <= {1, 2, 3}


def test_a_relative_vehicle_path_is_read_from_the_space_files_folder(tmp_path: Path) -> None:
    src = Path(vehicles.__file__).parent / "data" / "vehicles" / f"{BASE}.toml"
    (tmp_path / "car.toml").write_text(src.read_text())
    (tmp_path / "s.toml").write_text('vehicle = "car.toml"\n[variables]\nparallel = [1, 2]\n')
    s = sweep.Space.from_toml(tmp_path / "s.toml")
    assert Path(s.vehicle) == (tmp_path / "car.toml").resolve()
    assert s.vehicle_for(s.designs().iloc[1]).battery.parallel == 2


# ------------------------------------------------------------------------------- the lanes, cost and life


def test_a_large_chunk_runs_on_the_lanes_and_equals_simulate_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """≥ 256 designs a condition: the cycle pass and the range run take tyaga.engine_fast; a sample of the
    designs, each simulated alone (the scalar engine), gives the same figures."""
    from tyaga import engine_fast

    calls: list[int] = []
    real = engine_fast.run_range_fast

    def spy(params: Any, *a: Any, **k: Any) -> Any:
        calls.append(len(params))
        return real(params, *a, **k)

    monkeypatch.setattr(engine_fast, "run_range_fast", spy)
    variables = {k: v for k, v in space_dict()["variables"].items() if k not in ("ambient_c", "cycle")}
    s = sweep.Space.from_dict(space_dict(samples=300, chunk_size=300, variables=variables,
                                         conditions={"cycle": "wltc3b", "ambient_c": -10.0},
                                         outputs=["energy_dc_wh_per_km", "trace_miss_s", "range_km",
                                                  "range_ended_by"]))
    res = sweep.run(s, progress=False)
    assert calls == [300]
    assert res["out_range_km"].between(50.0, 2000.0).all()
    for _, row in res.iloc[::15].iterrows():
        one = chain.simulate(spec_of(row), "wltc3b", timeseries=False, ambient_c=-10.0,
                             with_acceleration=False).summary.iloc[0]
        for col in ("energy_dc_wh_per_km", "trace_miss_s", "range_km"):
            assert_close(float(row[f"out_{col}"]), float(one[col]), f"design {row['design_id']} {col}")
        assert row["out_range_ended_by"] == one["range_ended_by"]


def test_pack_cost_is_the_cells_and_the_rest_of_the_pack() -> None:
    from tyaga import pack

    s = sweep.Space.from_dict(space_dict(samples=6, outputs=["energy_dc_wh_per_km"]))
    res = sweep.evaluate(s, s.designs())
    for _, row in res.iterrows():
        from tyaga.battery import pack_for_vehicle

        cell = cells.load(row["in_cell"])
        kwh = pack_for_vehicle(spec_of(row)).energy_wh / 1000.0
        assert row["out_pack_cells_cost_usd"] == pytest.approx(kwh * cell.cost_per_kwh_usd, rel=1e-6)
        assert row["out_pack_cost_usd"] == pytest.approx(
            row["out_pack_cells_cost_usd"] + kwh * pack.DEFAULT_NON_CELL_COST_USD_PER_KWH, rel=1e-6)
    zero = sweep.Space.from_dict(space_dict(samples=6, outputs=["energy_dc_wh_per_km"], non_cell_cost_usd_per_kwh=0))
    r0 = sweep.evaluate(zero, zero.designs())
    assert (r0["out_pack_cost_usd"] == r0["out_pack_cells_cost_usd"]).all()
    assert zero.hash != s.hash
    with pytest.raises(InputError, match="non_cell_cost_usd_per_kwh"):
        sweep.Space.from_dict(space_dict(non_cell_cost_usd_per_kwh=-5.0))


TAXI = {"name": "taxi", "cycle": "udds", "cycles_per_day": 8, "driving_days_per_week": 7, "charger": "dc",
        "charger_kw": 50, "ambient_c": 30.0, "years": 12}


def test_a_life_constraint_equals_tyaga_life_alone() -> None:
    from tyaga import life

    d = space_dict(sampling="grid", outputs=["energy_dc_wh_per_km"], duty=TAXI,
                   variables={"parallel": {"values": [1, 3]}},
                   constraints=[{"output": "life_years", "op": ">=", "value": 5.5}],
                   objectives=[{"output": "life_km", "sense": "max"}])
    d.pop("samples")
    s = sweep.Space.from_dict(d)
    res = sweep.evaluate(s, s.designs())
    for _, row in res.iterrows():
        base = vehicles.load(BASE)
        bat = base.battery.model_copy(update={"parallel": int(row["in_parallel"])})
        spec = base.model_copy(update={"battery": bat})
        ref = life.life(spec, TAXI)
        assert row["out_life_years"] == ref.years_to_eol
        assert row["out_life_km"] == ref.km_to_eol
    assert list(res["feasible"]) == [bool(y >= 5.5) for y in res["out_life_years"]]
    assert not res["feasible"].all() and res["feasible"].any()  # the bound separates the two packs
    assert res.loc[~res["feasible"], "reason"].str.contains("life_years").all()
    assert sweep.Space.from_dict(s.to_dict()) == s


def test_a_life_output_needs_a_duty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"constraints\[0\]\.output"):
        sweep.Space.from_dict(space_dict(constraints=[{"output": "life_years", "op": ">=", "value": 8}]))
    with pytest.raises(InputError, match="duty"):
        sweep.Space.from_dict(space_dict(duty=str(tmp_path / "missing.toml")))
    with pytest.raises(InputError, match="duty"):
        sweep.Space.from_dict(space_dict(duty={**TAXI, "years": 99}))
