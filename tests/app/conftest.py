"""Fixtures of the workbench tests: the app server on a free loopback port, a headless Chromium, helpers.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or ``$TYAGA_CHROMIUM``) driven by Playwright's
Python package; Playwright's own browser downloads are not used. With ``CI=true`` a missing browser or
Playwright fails the tests; elsewhere they skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_helpers import Server

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("TYAGA_CHROMIUM", "/usr/bin/chromium")
#: Without the background-networking flags Chromium waits on the closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Seconds a closed tab's session is kept by the test server (production: tyaga.app.SESSION_TTL_S).
TEST_SESSION_TTL_S = 3


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} (CI=true: the browser tests must run)")
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _make_sweep(root: Path) -> Path:
    """A small results folder in the layout ``tyaga sweep`` writes (manifest.json + chunks/*.parquet), 12
    designs of the compact EV simulated here (series × parallel), for the explorer page."""
    import json

    import pandas as pd

    import tyaga
    from tyaga.vehicle import parse_vehicle

    base = tyaga.vehicles.load("compact-ev-150kw").model_dump(by_alias=True, exclude_none=True)
    grid = [(s, p) for s in (88, 96, 104) for p in (1, 2) for _ in range(2)]
    specs = []
    for k, (s, p) in enumerate(grid):
        data = {**base, "name": f"design-{k}", "battery": {**base["battery"], "series": s, "parallel": p},
                "body": {**base["body"], "mass_kg": base["body"]["mass_kg"] + 60.0 * (k % 2)}}
        specs.append(parse_vehicle(data))
    summ = tyaga.simulate(specs, "wltc3b", timeseries=False, with_acceleration=False).summary
    df = pd.DataFrame({"design_id": range(len(grid)), "in_series": [s for s, _ in grid],
                       "in_parallel": [p for _, p in grid],
                       "out_energy_dc_wh_per_km": summ["energy_dc_wh_per_km"].to_numpy(),
                       "out_usable_energy_wh": summ["usable_energy_wh"].to_numpy(),
                       "out_range_km": summ["range_km"].to_numpy()})
    df["feasible"] = df["out_range_km"] > 240.0
    out = root / "results" / "demo"
    (out / "chunks").mkdir(parents=True)
    df.to_parquet(out / "chunks" / "chunk-000000.parquet", index=False)
    manifest = {"space": {"objectives": [{"output": "energy_dc_wh_per_km", "sense": "min"},
                                         {"output": "usable_energy_wh", "sense": "min"}]},
                "chunks": {"0": {"file": "chunks/chunk-000000.parquet", "rows": len(df)}}}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The workbench served from a fresh working folder (holding a sweep's results) on a free port."""
    pytest.importorskip("streamlit") if not IN_CI else __import__("streamlit")
    from tyaga.app import server_command

    workdir = tmp_path_factory.mktemp("app-workdir")
    _make_sweep(workdir)
    port = _free_port()
    log = workdir.parent / "app-server.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(server_command(port=port, python=sys.executable, session_ttl_s=TEST_SESSION_TTL_S),
                                cwd=workdir, stdout=fh, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, workdir, log)
    try:
        deadline = time.monotonic() + 60
        while not server.alive():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app server did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.25)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's) under Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright==1.65.2)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, app_server: Server) -> Iterator[Any]:
    """A fresh browser context (its own Streamlit session) on the app's start page."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(app_server.url + "/")
    pg.get_by_text("Ready:").wait_for()
    try:
        yield pg
    finally:
        ctx.close()
