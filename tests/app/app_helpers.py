"""Page actions of the workbench tests (Playwright, sync API)."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
GPX = Path(__file__).resolve().parents[1] / "data" / "gpx" / "around-visnjan-with-car.gpx"
#: Streamlit's element for an uncaught exception.
EXCEPTION = '[data-testid="stException"]'


@dataclass
class Server:
    """The running app: its URL, process and working folder."""

    url: str
    proc: subprocess.Popen[bytes]
    workdir: Path
    log: Path

    def alive(self) -> bool:
        """True while the process runs and answers its health check."""
        if self.proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=5) as r:
                return r.read().strip() == b"ok"
        except OSError:
            return False

    def rss_mb(self) -> float:
        """Resident memory of the server process [MB] (from /proc)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
        raise RuntimeError("no VmRSS")


def goto_page(page: Any, title: str, heading: str | None = None) -> None:
    """Click a page in the sidebar navigation (keeps the session) and wait for its heading."""
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
    page.get_by_role("heading", name=heading or title).first.wait_for()


def radio(page: Any, group: str, option: str) -> None:
    """Choose ``option`` of the radio group labelled ``group``."""
    page.locator('[data-testid="stRadio"]', has_text=group).get_by_text(option, exact=True).click()


def select(page: Any, label: str, option: str) -> None:
    """Choose ``option`` in the select box labelled ``label``."""
    page.locator('[data-testid="stSelectbox"]', has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def fill_number(page: Any, label: str, value: float) -> None:
    """Type a number into the number input labelled ``label`` and commit it."""
    box = page.get_by_label(label, exact=True)
    box.fill(f"{value:g}")
    box.press("Enter")


def upload(page: Any, label: str, path: Path | str) -> None:
    """Give ``path`` to the file uploader labelled ``label``."""
    page.locator('[data-testid="stFileUploader"]', has_text=label).locator('input[type="file"]').set_input_files(
        str(path))


def wait_idle(page: Any, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished the script run (its status widget is gone)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=timeout_ms)


def metrics(page: Any) -> dict[str, float]:
    """The page's ``st.metric`` values by label (numbers with thousands separators parsed)."""
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        text = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
        num = re.sub(r"[^0-9.\-]", "", text.replace(",", ""))
        out[label] = float(num) if num not in ("", "-", ".") else float("nan")
    return out


def run_simulation(page: Any) -> dict[str, float]:
    """On the Run page: press Run (simulation study) and return the metrics when they appear."""
    goto_page(page, "Run")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("heading", name="Result: simulation").wait_for(timeout=120_000)
    page.locator('[data-testid="stMetric"]').first.wait_for()
    return metrics(page)


def check_screenshot(page: Any, path: Path) -> None:
    """Screenshot the page to ``path`` and check it rendered: no Streamlit exception element, no traceback
    text, and not a blank image."""
    wait_idle(page)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for i in range(charts.count()):
        if charts.nth(i).is_visible():
            charts.nth(i).locator(".main-svg").first.wait_for()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls an inner container, so a full-page shot stops at the window: make the window as tall as
    # the page's content (at most 6000 px) for the shot, then put it back
    size = page.viewport_size
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], "
                           "[data-testid=\"stAppViewContainer\"], section.main')].map(e => e.scrollHeight), 0)")
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 6000)})
        page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    if size:
        page.set_viewport_size(size)
    assert page.locator(EXCEPTION).count() == 0, f"{path.name}: Streamlit shows an exception"
    assert "Traceback" not in page.inner_text("body"), f"{path.name}: a traceback in the page"
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.var() > 0, f"{path.name}: blank screenshot"
