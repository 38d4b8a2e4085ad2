"""Load: 20 concurrent sessions (browser contexts in one Chromium), each with its own payload, all running a
simulation at once; every one must get its own correct result, the server must stay up, and its memory must
come back to within 100 MB of its level before once the sessions have closed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from app_helpers import EXCEPTION, Server, fill_number, metrics

import tyaga

SESSIONS = 20
LABEL = "energy at the battery [Wh/km]"
MAX_GROWTH_MB = 100.0


def _payload(i: int) -> float:
    return 40.0 * i + 15.0


def _round(browser: Any, server: Server, payloads: list[float]) -> list[float]:
    """Open one session per payload, press Run in all of them, then collect the results; close them. Each step
    is issued to every page before the next step is awaited, so the sessions overlap."""
    t0 = time.monotonic()
    opened = []
    try:
        for _ in payloads:
            ctx = browser.new_context(viewport={"width": 1200, "height": 900})
            pg = ctx.new_page()
            pg.set_default_timeout(150_000)
            opened.append((ctx, pg))
            pg.goto(server.url + "/", wait_until="commit")
        for (_, pg), p in zip(opened, payloads, strict=True):
            pg.get_by_text("Ready:").wait_for()
            fill_number(pg, "Payload [kg] (empty: the vehicle's)", p)
        for (_, pg), p in zip(opened, payloads, strict=True):
            pg.get_by_text(f"{p:,.0f} kg payload").wait_for()
            pg.locator('[data-testid="stSidebarNavLink"]', has_text="Run").first.click()
        for _, pg in opened:  # all runs start before any result is awaited: the server has them all at once
            pg.get_by_role("button", name="Run", exact=True).click()
        print(f"{len(payloads)} runs started after {time.monotonic() - t0:.1f} s")
        out = []
        for _, pg in opened:
            pg.get_by_role("heading", name="Result: simulation").wait_for()
            pg.locator('[data-testid="stMetric"]').first.wait_for()
            assert pg.locator(EXCEPTION).count() == 0
            out.append(metrics(pg)[LABEL])
        print(f"results after {time.monotonic() - t0:.1f} s")
        return out
    finally:
        for ctx, _ in opened:
            ctx.close()


def _settled_rss(server: Server, seconds: float) -> float:
    """The server's RSS [MB] after ``seconds`` of quiet (lowest of a few samples at the end)."""
    time.sleep(seconds)
    samples = []
    for _ in range(5):
        samples.append(server.rss_mb())
        time.sleep(0.4)
    return min(samples)


def test_twenty_concurrent_sessions(browser: Any, app_server: Server) -> None:
    payloads = [_payload(i) for i in range(SESSIONS)]
    want = [float(tyaga.simulate(tyaga.vehicles.DEFAULT_VEHICLE, "wltc3b", payload_kg=p)
                  .summary["energy_dc_wh_per_km"].iloc[0]) for p in payloads]
    assert len({round(w, 3) for w in want}) == SESSIONS  # the inputs really differ
    # warm up: the engine, the page code and Streamlit's caches, with sessions that then close
    _round(browser, app_server, payloads[:3])
    before = _settled_rss(app_server, 8.0)
    t0 = time.monotonic()
    got = _round(browser, app_server, payloads)
    elapsed = time.monotonic() - t0
    assert app_server.alive()
    for p, g, w in zip(payloads, got, want, strict=True):
        assert g == pytest.approx(w, abs=6e-4), f"payload {p} kg: page {g}, library {w}"
    after = _settled_rss(app_server, 8.0)
    print(f"\n20 sessions in {elapsed:.1f} s; server RSS before {before:.1f} MB, after {after:.1f} MB")
    assert after - before < MAX_GROWTH_MB, f"server RSS grew {after - before:.1f} MB (before {before:.1f})"
    assert app_server.alive()
