"""The workbench's logic without a browser: loading designs and uploads, runs against the library, the zip of
results and inputs, the figures, and ``tyaga app``'s option checks."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from app_helpers import GPX
from typer.testing import CliRunner

import tyaga
from tyaga import figures
from tyaga.app import server_command
from tyaga.app.inputs import Design, Upload, gpx_track, prepared, results_zip, run_study, table_bytes
from tyaga.catalog import resolve
from tyaga.cli import app as cli_app

VEHICLE = "compact-ev-150kw"


def _only_scratch_left(workdir: Path) -> None:
    """Nothing but (at most) an empty scratch folder is left in the working folder."""
    left = list(workdir.iterdir())
    assert all(p.name == ".tyaga-app" and not any(p.iterdir()) for p in left), left


def test_simulation_equals_the_library_and_leaves_no_files(tmp_path: Path) -> None:
    out = run_study("simulation", [Design(VEHICLE, payload_kg=300.0)], "udds", tmp_path)
    want = tyaga.simulate(VEHICLE, "udds", payload_kg=300.0).summary.iloc[0]
    got = out.tables["summary"].iloc[0]
    assert got["energy_dc_wh_per_km"] == pytest.approx(want["energy_dc_wh_per_km"], rel=1e-12)
    assert out.headline["range on this cycle [km]"] == pytest.approx(want["range_km"], rel=1e-12)
    assert len(out.tables["timeseries"]) == len(tyaga.cycles.load("udds").time_s)
    _only_scratch_left(tmp_path)


def test_overrides_reach_the_pack(tmp_path: Path) -> None:
    spec = tyaga.vehicles.load(VEHICLE)
    more = spec.battery.parallel + 1
    base = run_study("simulation", [Design(VEHICLE)], "wltc3b", tmp_path).tables["summary"].iloc[0]
    bigger = run_study("simulation", [Design(VEHICLE, parallel=more)], "wltc3b", tmp_path).tables["summary"].iloc[0]
    ratio = bigger["usable_energy_wh"] / base["usable_energy_wh"]
    assert ratio == pytest.approx(more / spec.battery.parallel, rel=1e-9)


def test_uploaded_vehicle_and_gpx_route(tmp_path: Path) -> None:
    vehicle = Upload("my-car.toml", resolve("vehicles", VEHICLE).read_bytes())
    route = Upload("trip.gpx", GPX.read_bytes())
    out = run_study("simulation", [Design(vehicle)], route, tmp_path)
    want = tyaga.simulate(VEHICLE, tyaga.cycles.load(GPX)).summary.iloc[0]
    assert out.tables["summary"].iloc[0]["energy_dc_wh_per_km"] == pytest.approx(want["energy_dc_wh_per_km"],
                                                                                  rel=1e-12)
    assert out.track is not None and len(out.track) == len(out.tables["timeseries"])
    assert out.track["lat_deg"].between(-90, 90).all() and out.track["lon_deg"].between(-180, 180).all()
    _only_scratch_left(tmp_path)


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("cycle.exe", b"MZ\x90\x00", "cycle file"),
    ("bad.csv", bytes(range(256)) * 8, "binary data"),
    ("empty.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="t"><trk><trkseg/></trk></gpx>', "empty.gpx"),
])
def test_bad_cycle_uploads_are_input_errors_naming_the_upload(tmp_path: Path, name: str, data: bytes,
                                                              needle: str) -> None:
    with pytest.raises(tyaga.InputError) as err:
        run_study("simulation", [Design(VEHICLE)], Upload(name, data), tmp_path)
    text = str(err.value)
    assert needle in text
    assert str(tmp_path) not in text, "the message shows a temporary path instead of the upload's name"
    _only_scratch_left(tmp_path)


def test_upload_names_are_never_paths(tmp_path: Path) -> None:
    """A browser-given name with folders in it does not choose where the file is written."""
    evil = Upload("../../escape.toml", resolve("vehicles", VEHICLE).read_bytes())
    run_study("simulation", [Design(evil)], "udds", tmp_path / "work")
    assert not (tmp_path / "escape.toml").exists() and not (tmp_path.parent / "escape.toml").exists()
    with pytest.raises(tyaga.InputError, match="vehicle"):
        run_study("simulation", [Design("../vehicles/compact-ev-150kw")], "udds", tmp_path)


def test_bad_options_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(tyaga.InputError, match="ambient_c"):
        run_study("simulation", [Design(VEHICLE)], "udds", tmp_path, {"ambient_c": -80.0})
    with pytest.raises(tyaga.InputError, match="payload_kg"):
        run_study("simulation", [Design(VEHICLE, payload_kg=float("nan"))], "udds", tmp_path)
    with pytest.raises(tyaga.InputError, match=r"battery\.series"):
        run_study("simulation", [Design(VEHICLE, series=0)], "udds", tmp_path)
    with pytest.raises(tyaga.InputError, match="designs"):
        run_study("simulation", [Design(VEHICLE)] * 5, "udds", tmp_path)
    with pytest.raises(tyaga.InputError, match="study"):
        run_study("ageing", [Design(VEHICLE)], "udds", tmp_path)


def test_charging_and_range_equal_the_library(tmp_path: Path) -> None:
    ch = run_study("charging", [Design(VEHICLE)], "wltc3b", tmp_path,
                   {"from_soc": 0.1, "to_soc": 0.8, "charger_kw": 150.0, "charger_kind": "dc"})
    want = tyaga.charging.charge(tyaga.vehicles.load(VEHICLE), 0.1, 0.8, 150e3, "dc", ambient_c=25.0).summary
    assert ch.headline["charging time [min]"] == pytest.approx(want["duration_s"] / 60.0, rel=1e-12)
    rg = run_study("range", [Design(VEHICLE)], "wltc3b", tmp_path, {"procedure": "wltp"})
    want_r = tyaga.procedures.wltp(tyaga.vehicles.load(VEHICLE))
    assert rg.headline["range [km]"] == pytest.approx(float(want_r["range_km"].iloc[0]), rel=1e-12)


def test_zip_holds_results_inputs_and_settings(tmp_path: Path) -> None:
    cell = tyaga.cells.names()[0]
    out = run_study("simulation", [Design(VEHICLE), Design(VEHICLE, cell=cell, series=96, parallel=4)], "udds",
                    tmp_path)
    zf = zipfile.ZipFile(io.BytesIO(results_zip(out)))
    names = set(zf.namelist())
    assert {"results/summary.csv", "results/summary.parquet", "inputs/vehicle-0.toml", "inputs/vehicle-1.toml",
            "inputs/cell-1.toml", "settings.json", "reproduce.py"} <= names
    assert zf.read("inputs/cell-1.toml") == resolve("cells", cell).read_bytes()
    settings = json.loads(zf.read("settings.json"))
    assert settings["designs"][1]["series"] == 96 and settings["designs"][1]["cell"] == cell
    csv = pd.read_csv(zf.open("results/summary.csv"))
    pq = pd.read_parquet(io.BytesIO(zf.read("results/summary.parquet")))
    np.testing.assert_allclose(csv["energy_dc_wh_per_km"], pq["energy_dc_wh_per_km"], rtol=1e-12)
    with pytest.raises(ValueError, match="format"):
        table_bytes(csv, "xlsx")


def test_figures_have_the_data() -> None:
    res = tyaga.simulate([VEHICLE, tyaga.vehicles.DEFAULT_VEHICLE], "udds")
    fig = figures.speed_figure(res)
    n = len(tyaga.cycles.load("udds").time_s)
    assert len(fig.data) >= 1 and all(len(tr.x) == n for tr in fig.data)
    power = figures.power_figure(res)
    assert len(power.data) == 2
    np.testing.assert_allclose(np.asarray(power.data[0].y, dtype=float),
                               res.timeseries["battery_power_w"].isel(design=0).values / 1000.0, rtol=1e-12)
    losses = figures.losses_figure(res.summary)
    assert len(losses.data) >= 1


def test_gpx_track_without_times_is_none(tmp_path: Path) -> None:
    untimed = tmp_path / "untimed.gpx"
    untimed.write_text('<?xml version="1.0"?><gpx version="1.1" creator="t"><trk><trkseg>'
                       '<trkpt lat="45.0" lon="14.0"/><trkpt lat="45.001" lon="14.001"/></trkseg></trk></gpx>')
    assert gpx_track(untimed, np.arange(10.0)) is None
    assert gpx_track(tmp_path / "missing.gpx", np.arange(10.0)) is None


def test_server_command_is_local_and_limited() -> None:
    cmd = server_command(port=8600, max_upload_mb=7)
    joined = " ".join(cmd)
    assert "--server.address 127.0.0.1" in joined and "--server.port 8600" in joined
    assert "--server.maxUploadSize 7" in joined and "--browser.gatherUsageStats false" in joined


@pytest.mark.parametrize(("args", "field"), [
    (["--port", "80"], "--port"), (["--max-upload-mb", "0"], "--max-upload-mb"),
    (["--workdir", "/no/such/folder"], "--workdir"),
])
def test_app_command_rejects_bad_options(args: list[str], field: str) -> None:
    res = CliRunner().invoke(cli_app, ["app", *args])
    assert res.exit_code == 2
    assert field in res.output
    assert "Traceback" not in res.output


def test_prepared_cleans_up_on_error(tmp_path: Path) -> None:
    with pytest.raises(tyaga.InputError), prepared([Design(VEHICLE)], "no-such-cycle", tmp_path):
        pass
    _only_scratch_left(tmp_path)


def test_app_command_without_streamlit_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name, *a))
    res = CliRunner().invoke(cli_app, ["app", "--port", "8555"])
    assert res.exit_code == 2
    assert "streamlit" in res.output and "pip install 'tyaga[app]'" in res.output
