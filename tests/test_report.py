"""``tyaga report``: self-contained HTML (and PDF) study reports (src/tyaga/report.py, src/tyaga/cli_report.py).

What is checked (the promises of docs/reports.md):

* the HTML stands alone: no script, no stylesheet link, no ``src``/``href`` to anything outside the file, and
  it parses with ``html.parser`` with every element closed in order;
* its numbers are the library's: the summary values (``data-value``, full precision) equal those of
  ``tyaga.simulate``, ``procedures.wltp`` / ``epa_label``, ``charging.charge`` and of the sweep's own results;
* it holds the inputs, the assumptions, the versions and the command that reproduces it — and running that
  command gives the same numbers; an embedded input file, saved and reloaded, gives the same result;
* user text is escaped; the PDF starts with ``%PDF`` and has the planned number of pages;
* bad input (unknown vehicle, missing results folder, an output folder that does not exist) ends with exit
  code 2 and one error line naming the field and the value, no traceback, and no file written — nor is one
  left behind when writing fails half way.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tyaga
from tyaga import charging, pareto, procedures, sweep, vehicles
from tyaga import report as rp
from tyaga.catalog import resolve
from tyaga.cli_report import report_app

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HOSTILE = '</pre><script>alert("x")</script> & <b>bold</b>'


class Page(HTMLParser):
    """Collects a report's tables, ``<pre>`` blocks and ids, and checks that every element closes in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.tables: dict[str, list[tuple[str, list[tuple[str, str | None]]]]] = {}
        self.pres: list[tuple[dict[str, str], str]] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self._table: str | None = None
        self._row: list[tuple[str, str | None]] | None = None
        self._cell: list[str] | None = None
        self._cell_value: str | None = None
        self._pre: tuple[dict[str, str], list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "table":
            self._table = a.get("id", f"table{len(self.tables)}")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._cell_value = [], a.get("data-value")
        elif tag == "pre":
            self._pre = (a, [])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '(none)'}>")
            return
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(("".join(self._cell).strip(), self._cell_value))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            head, *cells = self._row
            self.tables[self._table].append((head[0], cells))
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "pre" and self._pre is not None:
            self.pres.append((self._pre[0], "".join(self._pre[1])))
            self._pre = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._pre is not None:
            self._pre[1].append(data)

    def row(self, table: str, label: str) -> list[tuple[str, str | None]]:
        for head, cells in self.tables[table]:
            if head == label:
                return cells
        raise AssertionError(f"no row {label!r} in {table}: {[h for h, _ in self.tables[table]]}")

    def value(self, table: str, label: str, column: int = 0) -> float:
        v = self.row(table, label)[column][1]
        assert v is not None, f"{table} / {label}: not a number cell"
        return float(v)

    def kv(self, table: str) -> dict[str, str]:
        return {h: cells[0][0] for h, cells in self.tables[table]}

    def pre(self, **attrs: str) -> str:
        for a, text in self.pres:
            if all(a.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                return text
        raise AssertionError(f"no <pre> with {attrs}")


def parse(text: str) -> Page:
    p = Page()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors[:5]
    assert p.stack == [], f"unclosed elements: {p.stack}"
    return p


def assert_self_contained(text: str) -> Page:
    """No scripts, frames, objects or stylesheet links, and every URL-valued attribute points inside the page."""
    assert text.startswith("<!DOCTYPE html>")
    page = parse(text)
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed", "img", "audio", "video", "base"}, tags
    refs = [(t, k, v) for t, a in page.tags for k, v in a.items()
            if k in ("src", "href", "xlink:href", "action", "data", "poster", "srcset")]
    assert any(k == "href" for _, k, _ in refs), "expected internal links (the table of contents)"
    external = [r for r in refs if not r[2].startswith("#")]
    assert external == [], external[:5]
    assert not any("url(" in a.get("style", "") and "url(#" not in a["style"] for _, a in page.tags)
    style = text[text.index("<style>"):text.index("</style>")]
    assert "@import" not in style and "url(" not in style
    assert not re.search(r"<script", text, flags=re.I)
    return page


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


@pytest.fixture(scope="module")
def car_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's vehicle file: the bundled crossover renamed, heavier, with markup in its notes."""
    text = resolve("vehicles", "compact-crossover-66kwh").read_text(encoding="utf-8")
    text = text.replace('name = "compact-crossover-66kwh"', 'name = "my-car"')
    text = text.replace("mass_kg = 1800.0", "mass_kg = 1950.0")
    text = re.sub(r'^notes = .*$', f"notes = {json.dumps(HOSTILE)}", text, flags=re.M)
    path = tmp_path_factory.mktemp("veh") / "my car.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sim(car_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A simulation report of two vehicles (a user file and a bundled one) on UDDS at −5 °C, HTML and PDF."""
    folder = tmp_path_factory.mktemp("sim")
    report = rp.simulation_report([car_file, "compact-ev-150kw"], "udds", ambient_c=-5.0,
                                  out=folder / "r.html", pdf=True)
    written = rp.write_report(report, folder / "r.html", folder / "r.pdf")
    text = written[0].read_text(encoding="utf-8")
    lib = tyaga.simulate([str(car_file), "compact-ev-150kw"], "udds", ambient_c=-5.0)
    return {"report": report, "html": text, "page": parse(text), "pdf": written[1].read_bytes(), "lib": lib,
            "folder": folder}


# ---------------------------------------------------------------- simulate


def test_simulation_html_is_self_contained_and_parses(sim: dict[str, Any]) -> None:
    text, page = sim["html"], sim["page"]
    assert_self_contained(text)
    assert len(page.ids) == len(set(page.ids)), "duplicate element ids (figures' SVG ids must be prefixed)"
    assert text.count("<svg") == len(sim["report"].figures) == 2
    for sid in ("reproduce", "inputs", "assumptions", "results", "figures", "files", "versions"):
        assert sid in page.ids


def test_simulation_numbers_are_the_library_s(sim: dict[str, Any]) -> None:
    page, lib = sim["page"], sim["lib"].to_dicts()
    t = "table-summary"
    assert page.tables[t][0] == ("quantity", [("my-car", None), ("compact-ev-150kw", None)])  # the header
    assert [c[0] for c in page.row(t, "cycle")] == ["udds", "udds"]
    for col, row in enumerate(lib):
        assert page.value(t, "energy at battery terminals [Wh/km]", col) == row["energy_dc_wh_per_km"]
        assert page.value(t, "range, this cycle repeated [km]", col) == row["range_km"]
        assert page.value(t, "distance driven [km]", col) == row["distance_km"]
        assert page.value(t, "usable energy [kWh]", col) == pytest.approx(row["usable_energy_wh"] / 1e3, rel=1e-15)
        assert page.value(t, "cabin HVAC [W]", col) == row["hvac_power_w"] > 0  # −5 °C: the heater runs
        assert page.value("table-energy-breakdown", "aerodynamic drag [Wh]", col) == row["energy_aero_wh"]
        per_km = page.value("table-energy-per-km", "auxiliaries incl. HVAC [Wh/km]", col)
        assert per_km == pytest.approx(row["energy_aux_wh"] / row["distance_km"], rel=1e-15)
    # the heavier user car needs more energy per km than the bundled original would
    base = tyaga.simulate("compact-crossover-66kwh", "udds", ambient_c=-5.0, timeseries=False).to_dicts()[0]
    assert page.value(t, "energy at battery terminals [Wh/km]", 0) > base["energy_dc_wh_per_km"]
    # the shown text is the value, rounded
    shown = page.row(t, "energy at battery terminals [Wh/km]")[0][0]
    assert float(shown.replace(",", "")) == pytest.approx(lib[0]["energy_dc_wh_per_km"], rel=1e-3)


def test_simulation_inputs_assumptions_versions_and_command(sim: dict[str, Any], car_file: Path) -> None:
    page = sim["page"]
    inputs = page.kv("inputs-table")
    assert "my-car" in inputs["vehicles"] and "compact-ev-150kw" in inputs["vehicles"]
    assert inputs["cycle"].startswith("udds")
    assumptions = page.kv("assumptions-table")
    assert assumptions["ambient temperature"].startswith("-5 °C")
    assert assumptions["my-car: charger efficiency"].startswith("0.9 ")
    ver = page.kv("versions-table")
    assert ver["tyaga"] == tyaga.__version__
    assert ver["numpy"] == np.__version__ and ver["pandas"] == pd.__version__
    import numba

    assert ver["numba"] == numba.__version__
    assert ver["python"].split()[0] == __import__("platform").python_version()
    assert ver["platform"] and "git commit" in ver
    command = page.pre(id="command")
    assert command == shlex.join(["tyaga", "report", "simulate", "--vehicle", str(car_file), "--vehicle",
                                  "compact-ev-150kw", "--cycle", "udds", "--ambient-c", "-5", "--out",
                                  str(sim["folder"] / "r.html"), "--pdf"])
    assert page.pre(id="study-command").startswith("tyaga simulate --vehicle")
    assert re.search(r"created <time id=\"created\">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</time>", sim["html"])


def test_embedded_vehicle_file_reloads_to_the_same_result(sim: dict[str, Any], car_file: Path,
                                                          tmp_path: Path) -> None:
    page = sim["page"]
    text = page.pre(data_role="vehicle", data_label="my-car")
    assert text == car_file.read_text(encoding="utf-8")  # escaped on the way in, whole on the way out
    attrs = next(a for a, t in page.pres if a.get("data-label") == "my-car")
    assert attrs["data-sha256"] == hashlib.sha256(car_file.read_bytes()).hexdigest()
    again = tmp_path / "again.toml"
    again.write_text(text, encoding="utf-8")
    res = tyaga.simulate(vehicles.load(again), "udds", ambient_c=-5.0, timeseries=False).to_dicts()[0]
    assert res["energy_dc_wh_per_km"] == page.value("table-summary", "energy at battery terminals [Wh/km]", 0)
    assert res["range_km"] == page.value("table-summary", "range, this cycle repeated [km]", 0)
    # the bundled cycle is embedded too
    cycle_text = page.pre(data_role="cycle", data_label="udds")
    assert cycle_text == resolve("cycles", "udds").read_text(encoding="utf-8")


def test_user_text_is_escaped(sim: dict[str, Any]) -> None:
    assert HOSTILE not in sim["html"] and "<b>bold</b>" not in sim["html"]
    assert html_escaped(json.dumps(HOSTILE)) in sim["html"]  # the notes line of the embedded vehicle file
    r = rp.Report(title='<img src="http://x/y.png">', study="t", command="tyaga <x>",
                  inputs={"a&b": "<script>alert(1)</script>"}, assumptions={"q": '"quoted"'},
                  tables={"<t>": pd.DataFrame({"<c>": [1.5, "<v>"]}, index=pd.Index(["<r1>", "r2"], name="<i>"))})
    text = rp.render_html(r)
    assert_self_contained(text)
    page = parse(text)
    assert page.kv("inputs-table") == {"a&b": "<script>alert(1)</script>"}
    assert page.value("table-t", "<r1>") == 1.5 and page.row("table-t", "r2")[0] == ("<v>", None)
    assert "<script>" not in text and "&lt;script&gt;" in text


def html_escaped(s: str) -> str:
    import html

    return html.escape(s, quote=True)


def test_simulation_pdf(sim: dict[str, Any]) -> None:
    data, report = sim["pdf"], sim["report"]
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    n = pdf_pages(data)
    assert n == rp.pdf_page_count(report)
    # overview, results, one page per figure, every input file from a page of its own
    assert n >= 2 + len(report.figures) + len(report.files)
    # two vehicle files, the bundled EV's cell, the cycle, the two vehicles as parsed
    assert [f.role for f in report.files] == ["vehicle", "vehicle", "cell", "cycle", "vehicle as parsed",
                                              "vehicle as parsed"]


def test_reproduce_command_gives_the_same_report(sim: dict[str, Any], tmp_path: Path) -> None:
    args = shlex.split(sim["page"].pre(id="command"))
    assert args[:2] == ["tyaga", "report"]
    out = tmp_path / "again.html"
    args[args.index("--out") + 1] = str(out)
    result = CliRunner().invoke(report_app, args[2:])
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.with_suffix(".pdf").is_file()
    a, b = sim["page"], parse(out.read_text(encoding="utf-8"))
    assert a.tables["table-summary"] == b.tables["table-summary"]
    assert a.tables["table-energy-breakdown"] == b.tables["table-energy-breakdown"]


# ---------------------------------------------------------------- range, charge


def test_range_report_wltp_and_epa() -> None:
    r = rp.range_report("compact-ev-150kw", "wltp", ambient_c=0.0)
    page = parse(rp.render_html(r))
    lib = procedures.wltp(["compact-ev-150kw"], ambient_c=0.0).iloc[0]
    assert page.value("table-range", "range [km]") == lib["range_km"]
    assert page.value("table-range", "energy from the wall, unadjusted [Wh/km]") == lib["energy_ac_wh_per_km"]
    assert page.row("table-range", "ended by")[0][0] == lib["ended_by"]
    assert "UN GTR 15" in page.kv("assumptions-table")["procedure"]
    assert page.pre(id="study-command") == "tyaga range --vehicle compact-ev-150kw --procedure wltp --ambient-c 0"

    e = rp.range_report(["compact-ev-150kw", "compact-crossover-66kwh"], "epa")
    text = rp.render_html(e)
    assert_self_contained(text)
    page = parse(text)
    lib_e = procedures.epa_label(["compact-ev-150kw", "compact-crossover-66kwh"])
    for col in range(2):
        assert page.value("table-range", "range, combined label [km]", col) == lib_e["range_km"].iloc[col]
        assert page.value("table-range", "range city [km]", col) == lib_e["range_km_city"].iloc[col]
    a = page.kv("assumptions-table")
    assert "0.7" in a["label adjustment"] and "55%" in a["combined weighting"]
    assert {p.get("data-label") for p, _ in page.pres if p.get("data-role") == "cycle"} == {"udds", "hwfet"}


def test_charge_report() -> None:
    r = rp.charge_report("compact-ev-150kw", 0.2, 0.9, "dc", 120e3, ambient_c=10.0)
    page = parse(rp.render_html(r))
    lib = charging.charge("compact-ev-150kw", 0.2, 0.9, 120e3, "dc", ambient_c=10.0, thermal="auto").summary
    t = "table-charge"
    assert page.value(t, "duration [min]") == pytest.approx(lib["duration_s"] / 60.0, rel=1e-15)
    assert page.value(t, "energy from the grid [kWh]") == pytest.approx(lib["energy_grid_wh"] / 1e3, rel=1e-15)
    assert page.value(t, "10 → 80 % [min]") == pytest.approx(lib["time_10_80_s"] / 60.0, rel=1e-15)
    assert page.value(t, "charger power [kW]") == 120.0
    assert page.kv("assumptions-table")["charger efficiency"].startswith("0.95")
    assert page.pre(id="study-command") == ("tyaga charge --vehicle compact-ev-150kw --from-soc-pct 20 "
                                            "--to-soc-pct 90 --charger dc --charger-kw 120 --ambient-c 10")
    assert len(r.figures) == 2
    with pytest.raises(tyaga.InputError, match="--to-soc-pct"):
        rp.charge_report("compact-ev-150kw", 0.8, 0.5)


# ---------------------------------------------------------------- sweep


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "res"
    space = sweep.Space.from_dict({
        "name": "report-test", "vehicle": "compact-ev-150kw", "sampling": "lhs", "samples": 16, "seed": 3,
        "chunk_size": 8, "variables": {"parallel": {"values": [1, 2]}, "mass_kg": {"min": 1500.0, "max": 1800.0},
                                       "drag_coefficient": {"min": 0.25, "max": 0.33}},
        "constraints": [{"output": "range_km", "op": ">=", "value": 300.0}],
        "objectives": [{"output": "energy_dc_wh_per_km", "sense": "min"}, {"output": "range_km", "sense": "max"}]})
    sweep.run(space, out_dir=out, progress=False)
    return out


def test_sweep_report(results: Path, tmp_path: Path) -> None:
    r = rp.sweep_report(results)
    written = rp.write_report(r, tmp_path / "s.html", tmp_path / "s.pdf")
    text = written[0].read_text(encoding="utf-8")
    assert_self_contained(text)
    page = parse(text)
    df, manifest = pareto.read_results(results)
    n_feas = int(df["feasible"].sum())
    assert 0 < n_feas < len(df)  # the test space has both
    assert page.value("table-designs", "feasible") == n_feas
    assert page.value("table-designs", "infeasible") == len(df) - n_feas
    assert page.value("table-designs", "in the space") == 16
    fr = pareto.front(df, [("out_energy_dc_wh_per_km", "min"), ("out_range_km", "max")])
    assert [h for h, _ in page.tables["table-pareto-front"][1:]] == [str(i) for i in fr["design_id"]]
    best = df[df["feasible"]]["out_range_km"].max()
    assert page.value("table-best-designs", "out_range_km", 1) == best
    bind = page.row("table-binding-constraints", "range_km >= 300")
    assert float(bind[2][1] or "nan") == int((df["out_range_km"] < 300).sum())  # violated
    assert "Pareto front" in r.figures
    space_json = page.pre(data_role="space")
    assert sweep.Space.from_dict(json.loads(space_json)).hash == manifest["space_hash"]
    assert pdf_pages(written[1].read_bytes()) == rp.pdf_page_count(r)


def test_sweep_report_with_three_objectives_draws_a_scatter_matrix(results: Path) -> None:
    r = rp.sweep_report(results, ["out_energy_dc_wh_per_km:min", "out_range_km:max", "out_pack_cost_usd:min"])
    fig = r.figures["Pareto front"]
    assert len(fig.axes) == 9  # three histograms on the diagonal, six scatters
    df, _ = pareto.read_results(results)
    fr = pareto.front(df, [("out_energy_dc_wh_per_km", "min"), ("out_range_km", "max"), ("out_pack_cost_usd", "min")])
    diag = fig.axes[0]
    # the diagonal's red histogram counts the front's designs
    assert sum(p.get_height() for p in diag.patches[len(diag.patches) // 2:]) == len(fr)


# ---------------------------------------------------------------- bad input, atomic writes


@pytest.mark.parametrize(("args", "field", "value"), [
    (["simulate", "--vehicle", "no-such-car"], "vehicle", "no-such-car"),
    (["range", "--vehicle", "compact-ev-150kw", "--procedure", "epa", "--cycle", "udds"], "--cycle", "udds"),
    (["charge", "--vehicle", "compact-ev-150kw", "--charger-kw", "-5"], "--charger-kw", "-5"),
    (["sweep", "no-such-results"], "RESULTS_DIR", "no-such-results"),
    (["simulate", "--ambient-c", "90"], "--ambient-c", "90"),
])
def test_bad_input_names_the_field_and_writes_nothing(args: list[str], field: str, value: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(report_app, [*args, "--out", "r.html", "--pdf"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    line = " ".join(result.output.split())
    assert "error:" in line and field in line and value in line
    assert list(tmp_path.iterdir()) == []


def test_output_folder_must_exist(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = tmp_path / "no" / "such" / "r.html"
    result = runner.invoke(report_app, ["charge", "--out", str(missing)])
    assert result.exit_code == 2 and "--out" in result.output and "does not exist" in " ".join(result.output.split())
    assert not (tmp_path / "no").exists()
    (tmp_path / "d.html").mkdir()
    result = runner.invoke(report_app, ["charge", "--out", str(tmp_path / "d.html")])
    assert result.exit_code == 2 and "folder" in result.output
    result = runner.invoke(report_app, ["charge", "--out", str(tmp_path / "r.txt")])
    assert result.exit_code == 2 and ".html" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.html"]


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = rp.Report(title="t", study="t", command="tyaga report t", tables={"x": pd.DataFrame({"a": [1.0]})})
    old = tmp_path / "r.html"
    old.write_text("the previous report", encoding="utf-8")

    def broken(report: rp.Report, path: Path) -> None:
        path.write_bytes(b"%PDF-1.4 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rp, "_write_pdf_to", broken)
    with pytest.raises(OSError, match="No space"):
        rp.write_report(report, old, tmp_path / "r.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    assert old.read_text(encoding="utf-8") == "the previous report"


def test_git_commit_read_from_the_checkout(tmp_path: Path) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    pkg = tmp_path / "src" / "tyaga"
    pkg.mkdir(parents=True)
    assert rp.git_commit(pkg) is None
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{sha} refs/heads/main\n")
    assert rp.git_commit(pkg) == sha
    other = sha[::-1]
    (git / "refs" / "heads" / "main").write_text(other + "\n")
    assert rp.git_commit(pkg) == other
    (git / "HEAD").write_text(sha + "\n")  # detached
    assert rp.git_commit(pkg) == sha


def test_user_cycle_file_is_embedded_and_reloads(tmp_path: Path) -> None:
    speeds = [0, 10, 25, 40, 50, 50, 50, 45, 30, 15, 0, 0] * 5
    cycle = tmp_path / "my cycle.csv"
    cycle.write_text("# source: a test\ntime_s,speed_kmh\n" + "".join(f"{t},{v}\n" for t, v in enumerate(speeds)),
                     encoding="utf-8")
    r = rp.simulation_report("compact-ev-150kw", cycle)
    page = parse(rp.render_html(r))
    text = page.pre(data_role="cycle")
    assert text == cycle.read_text(encoding="utf-8")
    again = tmp_path / "again.csv"
    again.write_text(text, encoding="utf-8")
    res = tyaga.simulate("compact-ev-150kw", again, timeseries=False).to_dicts()[0]
    assert page.value("table-summary", "distance driven [km]") == res["distance_km"]
    assert page.value("table-summary", "energy at battery terminals [Wh/km]") == res["energy_dc_wh_per_km"]
