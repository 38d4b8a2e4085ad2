"""End to end through a real headless Chromium: inputs, runs, errors, downloads and screenshots of the pages.

Each test has its own browser context, i.e. its own Streamlit session. The numbers read from the page are
compared with the library run here in the test.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from app_helpers import (
    EXCEPTION,
    GPX,
    SCREENSHOTS,
    Server,
    check_screenshot,
    fill_number,
    goto_page,
    radio,
    run_simulation,
    select,
    upload,
    wait_idle,
)

import tyaga
from tyaga.catalog import resolve

VEHICLE = "compact-ev-150kw"
PAYLOAD_KG = 275.0


def _library(vehicle: str, cycle: str, payload_kg: float | None = None) -> pd.Series:
    return tyaga.simulate(vehicle, cycle, payload_kg=payload_kg).summary.iloc[0]


def test_bundled_vehicle_simulation_matches_the_library(page: Any, app_server: Server) -> None:
    select(page, "Bundled vehicle", VEHICLE)
    select(page, "Bundled cycle", "udds")
    fill_number(page, "Payload [kg] (empty: the vehicle's)", PAYLOAD_KG)
    page.get_by_text(f"Ready: {VEHICLE}").wait_for()
    got = run_simulation(page)
    want = _library(VEHICLE, "udds", PAYLOAD_KG)
    assert got["energy at the battery [Wh/km]"] == pytest.approx(want["energy_dc_wh_per_km"], abs=6e-4)
    assert got["range on this cycle [km]"] == pytest.approx(want["range_km"], abs=6e-4)
    assert got["distance [km]"] == pytest.approx(want["distance_km"], abs=6e-4)
    # the payload reached the run: without it the consumption differs
    assert abs(_library(VEHICLE, "udds")["energy_dc_wh_per_km"] - got["energy at the battery [Wh/km]"]) > 0.01
    assert page.locator(EXCEPTION).count() == 0


def _expected(tmp_path: Path, name: str, data: bytes, load: Any) -> str:
    """The message the library gives for this file, with its path replaced by the upload's name."""
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(tyaga.InputError) as err:
        load(p)
    return str(err.value).replace(str(p), name)


def test_bad_uploads_show_the_library_message(page: Any, app_server: Server, tmp_path: Path) -> None:
    files = tmp_path / "upload"
    files.mkdir()
    # binary data as a cycle CSV
    binary = bytes(range(256)) * 64
    (files / "bad-cycle.csv").write_bytes(binary)
    radio(page, "Cycle source", "upload")
    upload(page, "Cycle or route file", files / "bad-cycle.csv")
    want = _expected(tmp_path, "bad-cycle.csv", binary, tyaga.cycles.load)
    assert "binary data" in want
    page.get_by_text(want, exact=True).wait_for()
    # a GPX with no points
    empty = b'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test"><trk><trkseg/></trk></gpx>'
    (files / "empty.gpx").write_bytes(empty)
    upload(page, "Cycle or route file", files / "empty.gpx")
    want = _expected(tmp_path, "empty.gpx", empty, tyaga.cycles.load)
    page.get_by_text(want, exact=True).wait_for()
    # a vehicle TOML with an unknown key (pydantic forbids extra keys)
    text = resolve("vehicles", VEHICLE).read_bytes().replace(b"[body]\n", b"[body]\nwings = 2\n")
    (files / "odd-vehicle.toml").write_bytes(text)
    radio(page, "Cycle source", "bundled")
    radio(page, "Vehicle source", "upload")
    upload(page, "Vehicle TOML file", files / "odd-vehicle.toml")
    want = _expected(tmp_path, "odd-vehicle.toml", text, tyaga.vehicles.load)
    assert "wings" in want and "unknown key" in want
    page.get_by_text(want, exact=True).wait_for()
    # a 200 MB file: refused by the upload limit before it reaches the server
    big = files / "huge.toml"
    with big.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    upload(page, "Vehicle TOML file", big)
    page.get_by_text("File must be 20.0MB or smaller").first.wait_for()
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    assert "Traceback" not in page.inner_text("body")
    assert app_server.alive()
    scratch = app_server.workdir / ".tyaga-app"
    assert not scratch.exists() or not any(scratch.iterdir()), "upload files left behind"
    assert sorted(p.name for p in app_server.workdir.iterdir()) == ["results"]


def test_download_zip_reproduces_the_run(page: Any, app_server: Server, tmp_path: Path) -> None:
    select(page, "Bundled vehicle", VEHICLE)
    page.get_by_text(f"Ready: {VEHICLE}").wait_for()
    got = run_simulation(page)
    goto_page(page, "Downloads")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download everything").first.click()
    data = Path(dl.value.path()).read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    assert {"results/summary.csv", "results/summary.parquet", "results/timeseries.csv", "results/timeseries.parquet",
            "inputs/vehicle-0.toml", "inputs/cycle.csv", "settings.json", "reproduce.py"} <= names
    summary = pd.read_csv(zf.open("results/summary.csv"))
    want = _library(VEHICLE, "wltc3b")
    assert summary["energy_dc_wh_per_km"].iloc[0] == pytest.approx(want["energy_dc_wh_per_km"], rel=1e-12)
    assert summary["energy_dc_wh_per_km"].iloc[0] == pytest.approx(got["energy at the battery [Wh/km]"], abs=6e-4)
    parquet = pd.read_parquet(io.BytesIO(zf.read("results/summary.parquet")))
    assert parquet["range_km"].iloc[0] == pytest.approx(summary["range_km"].iloc[0], rel=1e-12)
    ts = pd.read_parquet(io.BytesIO(zf.read("results/timeseries.parquet")))
    assert len(ts) == len(tyaga.cycles.load("wltc3b").time_s)
    assert zf.read("inputs/vehicle-0.toml") == resolve("vehicles", VEHICLE).read_bytes()
    assert zf.read("inputs/cycle.csv") == resolve("cycles", "wltc3b").read_bytes()
    settings = json.loads(zf.read("settings.json"))
    assert settings["study"] == "simulation" and settings["designs"][0]["vehicle"] == VEHICLE
    # the zip reproduces the number
    out = tmp_path / "zip"
    zf.extractall(out)
    run = subprocess.run([sys.executable, "reproduce.py"], cwd=out, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert f"{want['energy_dc_wh_per_km']:.3f}"[:6] in run.stdout
    # one table alone, as CSV
    with page.expect_download() as dl2:
        page.get_by_role("button", name="summary.csv").first.click()
    one = pd.read_csv(dl2.value.path())
    assert one["range_km"].iloc[0] == pytest.approx(want["range_km"], rel=1e-12)


def test_screenshots_of_the_pages(page: Any, app_server: Server) -> None:
    check_screenshot(page, SCREENSHOTS / "01-inputs.png")
    # a GPX route, simulated: plots and the map
    radio(page, "Cycle source", "upload")
    upload(page, "Cycle or route file", GPX)
    page.get_by_text("GPS track").wait_for()
    check_screenshot(page, SCREENSHOTS / "02-inputs-gpx.png")
    page.get_by_role("button", name="Add this design to the comparison").click()
    wait_idle(page)
    run_simulation(page)
    check_screenshot(page, SCREENSHOTS / "03-run-speed.png")
    for tab in ("Power", "SOC", "Losses", "Map"):
        radio(page, "Plot", tab)
        check_screenshot(page, SCREENSHOTS / f"04-run-{tab.lower()}.png")
    # charging and life studies
    radio(page, "Study", "Charging")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("heading", name="Result: charging").wait_for()
    check_screenshot(page, SCREENSHOTS / "05-run-charging.png")
    radio(page, "Study", "Battery life")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("heading", name="Result: life").wait_for(timeout=120_000)
    check_screenshot(page, SCREENSHOTS / "06-run-life.png")
    # compare two designs
    goto_page(page, "Inputs")
    select(page, "Bundled vehicle", VEHICLE)
    page.get_by_text(f"Ready: {VEHICLE}").wait_for()
    page.get_by_role("button", name="Add this design to the comparison").click()
    wait_idle(page)
    goto_page(page, "Compare", "Compare designs")
    page.get_by_role("button", name="Run the comparison").click()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    check_screenshot(page, SCREENSHOTS / "07-compare.png")
    # the sweep explorer on the folder of the fixture
    goto_page(page, "Sweep explorer")
    box = page.get_by_label("Results folder, relative to the working folder")
    box.fill("results/demo")
    box.press("Enter")
    page.get_by_text("Pareto front:").wait_for()
    check_screenshot(page, SCREENSHOTS / "08-sweep.png")
    # a folder outside the working folder is refused
    box.fill("../..")
    box.press("Enter")
    page.get_by_text("inside the working folder").wait_for()
    goto_page(page, "Downloads")
    check_screenshot(page, SCREENSHOTS / "09-downloads.png")
