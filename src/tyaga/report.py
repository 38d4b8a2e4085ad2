"""Self-contained study reports: one HTML file (and optionally a PDF) that holds a study whole.

A :class:`Report` gathers what a reader needs to trust and redo a study: its **inputs** (the names and files
given, and the full text of every input file, embedded so the study can be rerun from the report alone),
the **assumptions** the study rests on (test procedure, ambient temperature, charger efficiency, label factors
… with the document that explains each), the **versions** (tyaga, Python, NumPy, Numba, pandas, the platform
and the git commit when tyaga runs from a checkout), the **command** that reproduces the report, the date,
and the results as **tables** (pandas DataFrames) and **figures** (matplotlib Figures).

:func:`render_html` turns a report into one HTML document with no external resources: the CSS is inline, the
figures are inline SVG, the tables are HTML tables (each number cell also carries its full-precision value in
``data-value``), every piece of user text is HTML-escaped. :func:`write_pdf` writes the same content as a PDF
(matplotlib's PdfPages: text pages, table pages, one page per figure). :func:`write_report` writes both,
each to a temporary file first and renamed at the end, so a failed run never leaves a partial output.

Builders, one per study; each calls the library function that the matching CLI command calls (no physics
here): :func:`simulation_report` (:func:`tyaga.chain.simulate`), :func:`range_report`
(:func:`tyaga.procedures.wltp` / :func:`tyaga.procedures.epa_label`), :func:`charge_report`
(:func:`tyaga.charging.charge`) and :func:`sweep_report` (a results folder of ``tyaga sweep``:
:mod:`tyaga.sweep`, :mod:`tyaga.pareto`). Units: SI inside; the tables show km, km/h, kWh, Wh/km, kW, %, °C
as their headers say. See ``docs/reports.md``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import math
import os
import platform
import re
import shlex
import sys
import tempfile
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tyaga.errors import InputError

#: Largest input file embedded whole in a report [bytes] (larger ones are named, hashed and left out).
MAX_EMBED_BYTES = 5_000_000
#: Samples per plotted line at most (longer series are plotted every k-th sample; the tables use all).
MAX_PLOT_POINTS = 5000
#: Lines of text per PDF page, characters per line, and lines of one input file shown in the PDF at most.
PDF_LINES_PER_PAGE = 80
PDF_LINE_CHARS = 118
PDF_MAX_FILE_LINES = 150
#: Rows of the Pareto front listed in a sweep report at most.
SWEEP_FRONT_ROWS = 50
#: Packages whose versions every report lists.
VERSION_PACKAGES = ("tyaga", "numpy", "numba", "pandas", "xarray", "scipy", "pydantic", "matplotlib")


# ============================================================================================== data


@dataclass(frozen=True)
class InputFile:
    """An input file embedded in a report: ``role`` (vehicle, cycle, cell, efficiency map, space …), a ``label``,
    the ``path`` it was read from and its full ``text`` (``None`` when it was too large or not text)."""

    role: str
    label: str
    path: str
    text: str | None
    sha256: str
    size_bytes: int
    note: str = ""

    @classmethod
    def read(cls, role: str, label: str, path: str | Path, note: str = "") -> InputFile:
        """Read ``path`` (UTF-8 text up to :data:`MAX_EMBED_BYTES`) into an :class:`InputFile`."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise InputError(f"{role} file", str(p), f"a readable file ({exc.strerror})") from None
        digest = hashlib.sha256(raw).hexdigest()
        text: str | None = None
        if len(raw) <= MAX_EMBED_BYTES:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                note = (note + "; " if note else "") + "not UTF-8 text: not embedded"
        else:
            note = (note + "; " if note else "") + f"over {MAX_EMBED_BYTES:,} bytes: not embedded"
        return cls(role, label, str(p), text, digest, len(raw), note)

    @classmethod
    def from_text(cls, role: str, label: str, path: str, text: str, note: str = "") -> InputFile:
        """An input given as text (e.g. a normalised design space as JSON)."""
        raw = text.encode("utf-8")
        return cls(role, label, path, text, hashlib.sha256(raw).hexdigest(), len(raw), note)


@dataclass
class Report:
    """A study report: what was done, on what, under which assumptions, with which software, and the results.

    ``inputs``: what the study was given (label → value, shown as text); ``assumptions``: what it assumed
    (label → value and where it is documented); ``tables``: title → DataFrame (the index is shown as the
    first column; ``frame.attrs["note"]`` is printed under it); ``figures``: title → matplotlib Figure;
    ``files``: the input files, embedded whole; ``notes``: warnings and remarks; ``command``: the shell
    command that writes this report again; ``study_command``: the plain ``tyaga`` command of the same study;
    ``versions`` and ``created`` are filled in when the report is made.
    """

    title: str
    study: str
    command: str
    study_command: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    assumptions: dict[str, str] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    files: list[InputFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=lambda: versions())
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))


# ============================================================================================== versions


def git_commit(start: str | Path | None = None) -> str | None:
    """The git commit of the checkout tyaga runs from (``None`` when installed from a wheel, or unknown).

    Read from the ``.git`` folder (``HEAD``, the ref it names, ``packed-refs``); git itself is not run. Only a
    checkout whose ``src/tyaga`` is this package counts, so an unrelated repository around an installation
    is not taken for tyaga's.
    """
    pkg = Path(start) if start is not None else Path(__file__).resolve().parent
    root = pkg.parent.parent
    if start is None and (root / "src" / "tyaga").resolve() != pkg:
        return None
    git = root / ".git"
    try:
        if git.is_file():  # a worktree or submodule: "gitdir: <path>"
            target = git.read_text(encoding="utf-8").strip().removeprefix("gitdir:").strip()
            git = (root / target).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return head if re.fullmatch(r"[0-9a-f]{40,64}", head) else None
        ref = head.removeprefix("ref:").strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for base in (git, common):
            f = base / ref
            if f.is_file():
                return f.read_text(encoding="utf-8").strip()
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except (OSError, UnicodeDecodeError):
        return None
    return None


def versions() -> dict[str, str]:
    """Versions of tyaga, Python, the numerical packages and the platform, and the git commit if known."""
    import tyaga

    out: dict[str, str] = {}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = tyaga.__version__ if name == "tyaga" else "not installed"
    out["python"] = sys.version.split()[0] + f" ({platform.python_implementation()})"
    out["platform"] = platform.platform()
    out["machine"] = platform.machine() or "unknown"
    commit = git_commit()
    out["git commit"] = commit if commit else "unknown (not a git checkout)"
    return out


# ============================================================================================== formatting


def _fmt(v: Any) -> str:
    """A cell value as shown: numbers to 4 significant digits (thousands separated), — for missing."""
    if v is None:
        return "—"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        x = float(v)
        if math.isnan(x):
            return "—"
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        if x == 0:
            return "0"
        if abs(x) >= 1e5 or abs(x) < 1e-3:
            return f"{x:.4g}"
        digits = max(0, 3 - math.floor(math.log10(abs(x))))
        return f"{x:,.{digits}f}"
    return str(v)


def _number(v: Any) -> float | None:
    if isinstance(v, bool | np.bool_):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _table_html(title: str, df: pd.DataFrame) -> str:
    index_name = df.index.name or ""
    head = "".join(f"<th scope=\"col\">{_e(c)}</th>" for c in df.columns)
    rows = []
    for idx, row in zip(df.index, df.itertuples(index=False, name=None), strict=True):
        cells = []
        for v in row:
            num = _number(v)
            if num is not None:
                cells.append(f'<td class="num" data-value="{_e(repr(num))}">{_e(_fmt(v))}</td>')
            else:
                cells.append(f"<td>{_e(_fmt(v))}</td>")
        rows.append(f'<tr><th scope="row">{_e(_fmt(idx))}</th>{"".join(cells)}</tr>')
    note = df.attrs.get("note")
    note_html = f'<p class="note">{_e(note)}</p>' if note else ""
    return (f'<table class="data" id="table-{_slug(title)}" data-title="{_e(title)}">'
            f'<caption>{_e(title)}</caption><thead><tr><th scope="col">{_e(index_name)}</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{note_html}')


def _kv_html(table_id: str, items: dict[str, str]) -> str:
    rows = "".join(f'<tr><th scope="row">{_e(k)}</th><td>{_e(v)}</td></tr>' for k, v in items.items())
    return f'<table class="kv" id="{_e(table_id)}"><tbody>{rows}</tbody></table>'


def figure_svg(fig: Figure, prefix: str) -> str:
    """A figure as inline SVG: no XML prolog, DOCTYPE or metadata, text as text, element ids prefixed with
    ``prefix`` so several figures in one page cannot clash."""
    import io

    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tyaga"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    # every reference in matplotlib's SVG is to an id of the same SVG: prefix them all alike
    svg = svg.replace(' id="', f' id="{prefix}-').replace('href="#', f'href="#{prefix}-')
    svg = svg.replace("url(#", f"url(#{prefix}-")
    return svg.strip()


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:70rem;
padding:0 1rem;color:#1d1d1f;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
.meta{color:#555}pre{background:#f5f5f7;padding:.6rem;overflow-x:auto;font-size:.85rem;white-space:pre}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}caption{text-align:left;font-weight:600;
padding:.3rem 0}th,td{border:1px solid #d0d0d5;padding:.2rem .5rem;vertical-align:top}
thead th{background:#eef0f4}tbody th{text-align:left;font-weight:500}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{text-align:left;background:#f7f7fa;font-weight:500}.note{color:#555;font-size:.85rem;margin-top:0}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:.9rem}
details{margin:.5rem 0}summary{cursor:pointer}nav ul{columns:2}
"""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML5 document (inline CSS and SVG, no scripts, no external links;
    every piece of user text escaped)."""
    sections: list[tuple[str, str, str]] = []
    sections.append(("reproduce", "Reproduce", (
        "<p>Write this report again (the same inputs, the same tyaga version; see Versions):</p>"
        f'<pre id="command">{_e(report.command)}</pre>'
        + (f'<p>The same study with the plain command line:</p><pre id="study-command">{_e(report.study_command)}'
           "</pre>" if report.study_command else "")
        + ("<p>Input files given by path are embedded below (Input files): save one under its path to rerun."
           "</p>" if report.files else ""))))
    sections.append(("inputs", "Inputs", _kv_html("inputs-table", report.inputs)))
    sections.append(("assumptions", "Assumptions", _kv_html("assumptions-table", report.assumptions)))
    body = "".join(_table_html(t, df) for t, df in report.tables.items())
    sections.append(("results", "Results", body or "<p>No tables.</p>"))
    figs = []
    for i, (title, fig) in enumerate(report.figures.items()):
        figs.append(f'<figure id="figure-{_slug(title)}">{figure_svg(fig, f"f{i}")}'
                    f"<figcaption>Figure {i + 1}: {_e(title)}</figcaption></figure>")
    if figs:
        sections.append(("figures", "Figures", "".join(figs)))
    if report.notes:
        sections.append(("notes", "Notes", "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in report.notes) + "</ul>"))
    files = []
    for i, f in enumerate(report.files):
        meta = f"{f.size_bytes:,} bytes, SHA-256 {f.sha256}" + (f"; {f.note}" if f.note else "")
        content = (f'<pre class="input-file" id="file-{i}" data-role="{_e(f.role)}" data-label="{_e(f.label)}" '
                   f'data-path="{_e(f.path)}" data-sha256="{_e(f.sha256)}">{_e(f.text)}</pre>'
                   if f.text is not None else "<p>(not embedded)</p>")
        files.append(f"<details{' open' if i == 0 else ''}><summary>{_e(f.role)}: {_e(f.label)} — "
                     f"<code>{_e(f.path)}</code> ({_e(meta)})</summary>{content}</details>")
    if files:
        sections.append(("files", "Input files", "".join(files)))
    sections.append(("versions", "Versions", _kv_html("versions-table", report.versions)))
    nav = "".join(f'<li><a href="#{sid}">{_e(name)}</a></li>' for sid, name, _ in sections)
    parts = "".join(f'<section id="{sid}"><h2>{_e(name)}</h2>{content}</section>' for sid, name, content in sections)
    tyaga_v = report.versions.get("tyaga", "")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta name="generator" content="tyaga {_e(tyaga_v)}"><title>{_e(report.title)}</title>'
            f"<style>{CSS}</style></head><body>"
            f'<header><h1>{_e(report.title)}</h1><p class="meta">study: <span id="study">{_e(report.study)}</span>'
            f' · created <time id="created">{_e(report.created)}</time> · tyaga {_e(tyaga_v)}</p></header>'
            f"<nav><ul>{nav}</ul></nav>{parts}"
            "<footer><p class=\"meta\">Written by tyaga (docs/reports.md). Self-contained: no scripts, no external "
            "resources.</p></footer></body></html>\n")


# ============================================================================================== writing


def check_output(path: str | Path, suffixes: tuple[str, ...] = (".html", ".htm"), option: str = "--out") -> Path:
    """``path`` as an output file: its folder must exist, it must not be a folder, its suffix one of
    ``suffixes``; an :class:`InputError` naming ``option`` otherwise."""
    p = Path(path)
    if p.is_dir():
        raise InputError(option, str(p), "a file path (this is a folder)")
    if p.suffix.lower() not in suffixes:
        raise InputError(option, str(p), "a file name ending in " + " or ".join(suffixes))
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(option, str(p), f"a file in an existing folder ({parent} does not exist)")
    return p


def _temp_beside(path: Path) -> Path:
    """An empty temporary file in ``path``'s folder, with the permissions a new file gets there (umask)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    return Path(tmp)


def write_report(report: Report, html_path: str | Path, pdf_path: str | Path | None = None) -> list[Path]:
    """Write the HTML (and the PDF when ``pdf_path``): every file to a temporary name beside it first, then all
    renamed, so an error leaves no partial output. Returns the paths written."""
    targets = [(check_output(html_path), "html")]
    if pdf_path is not None:
        targets.append((check_output(pdf_path, (".pdf",), "--pdf"), "pdf"))
    text = render_html(report)
    temps: list[Path] = []
    try:
        for path, kind in targets:
            tmp = _temp_beside(path)
            temps.append(tmp)
            if kind == "html":
                tmp.write_text(text, encoding="utf-8")
            else:
                _write_pdf_to(report, tmp)
        for (path, _), tmp in zip(targets, temps, strict=True):
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    return [p for p, _ in targets]


def write_html(report: Report, path: str | Path) -> Path:
    """Write the report as one self-contained HTML file, atomically (temporary file, then rename)."""
    return write_report(report, path)[0]


def write_pdf(report: Report, path: str | Path) -> Path:
    """Write the report as a PDF (text pages, table pages, one page per figure; :func:`pdf_page_count` pages),
    atomically (temporary file, then rename)."""
    p = check_output(path, (".pdf",), "--pdf")
    tmp = _temp_beside(p)
    try:
        _write_pdf_to(report, tmp)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


def _wrap(line: str) -> list[str]:
    if len(line) <= PDF_LINE_CHARS:
        return [line]
    indent = len(line) - len(line.lstrip())
    return textwrap.wrap(line, PDF_LINE_CHARS, subsequent_indent=" " * (indent + 2), break_long_words=True,
                         replace_whitespace=False, drop_whitespace=False) or [""]


def _kv_lines(items: dict[str, str]) -> list[str]:
    width = min(36, max((len(k) for k in items), default=0))
    return [f"  {k:<{width}}  {v}" for k, v in items.items()]


def _frame_lines(df: pd.DataFrame) -> list[str]:
    shown = df.map(_fmt) if hasattr(df, "map") else df.applymap(_fmt)
    shown.index = [_fmt(i) for i in df.index]
    shown.index.name = df.index.name
    return shown.to_string(line_width=PDF_LINE_CHARS).splitlines()


def _pdf_plan(report: Report) -> list[tuple[str, str, Any]]:
    """The PDF's pages: ("text", heading, lines) or ("figure", heading, Figure). The overview (command, inputs,
    assumptions, notes, versions), then the tables one after the other, one page per figure, and each input file
    from a new page (at most :data:`PDF_MAX_FILE_LINES` lines of it); text longer than a page goes on."""
    pages: list[tuple[str, str, Any]] = []

    def text(heading: str, lines: list[str]) -> None:
        wrapped = [w for line in lines for w in _wrap(line)] or [""]
        n = PDF_LINES_PER_PAGE - 3
        for k in range(0, len(wrapped), n):
            pages.append(("text", heading + (" (continued)" if k else ""), wrapped[k:k + n]))

    overview = [f"study: {report.study}", f"created: {report.created}", "", "Reproduce:", *report.command.splitlines()]
    if report.study_command:
        overview += ["", "The same study with the plain command line:", report.study_command]
    overview += ["", "Inputs:", *_kv_lines(report.inputs), "", "Assumptions:", *_kv_lines(report.assumptions)]
    if report.notes:
        overview += ["", "Notes:", *[f"  - {n}" for n in report.notes]]
    overview += ["", "Versions:", *_kv_lines(report.versions)]
    text(report.title, overview)
    results: list[str] = []
    for title, df in report.tables.items():
        results += [title, "─" * min(len(title), PDF_LINE_CHARS), *_frame_lines(df)]
        if df.attrs.get("note"):
            results += ["", str(df.attrs["note"])]
        results.append("")
    if results:
        text("Results", results)
    for title, fig in report.figures.items():
        pages.append(("figure", title, fig))
    for f in report.files:
        head = [f"path: {f.path}", f"{f.size_bytes:,} bytes, SHA-256 {f.sha256}" + (f"; {f.note}" if f.note else ""),
                ""]
        body = (f.text or "(not embedded)").splitlines()
        if len(body) > PDF_MAX_FILE_LINES:
            left = len(body) - PDF_MAX_FILE_LINES
            body = [*body[:PDF_MAX_FILE_LINES], "", f"… {left:,} more lines: the HTML report holds the whole file"]
        text(f"Input file — {f.role}: {f.label}", head + body)
    return pages


def pdf_page_count(report: Report) -> int:
    """Number of pages :func:`write_pdf` writes for ``report``."""
    return len(_pdf_plan(report))


def _write_pdf_to(report: Report, path: Path) -> None:
    from matplotlib.backends.backend_pdf import PdfPages

    meta = {"Title": report.title, "Creator": f"tyaga {report.versions.get('tyaga', '')}", "Subject": report.study}
    with PdfPages(path, metadata=meta) as pdf:
        for kind, heading, content in _pdf_plan(report):
            if kind == "figure":
                pdf.savefig(content)
                continue
            page = Figure(figsize=(8.27, 11.69))  # A4 portrait
            page.text(0.06, 0.965, heading, fontsize=12, weight="bold", va="top")
            page.text(0.06, 0.935, "\n".join(content), fontsize=6.6, family="monospace", va="top")
            pdf.savefig(page)


# ============================================================================================== inputs


def _vehicle_files(name_or_path: str | Path) -> tuple[Any, list[InputFile]]:
    """Load a vehicle (InputError for a bad name or file) and the files it is made of: the vehicle file, a cell
    file it names, its efficiency map."""
    from tyaga import vehicles
    from tyaga.catalog import looks_like_path, resolve

    spec = vehicles.load(name_or_path)
    path = resolve("vehicles", name_or_path)
    bundled = not looks_like_path(name_or_path)
    files = [InputFile.read("vehicle", spec.name, path, "bundled with tyaga" if bundled else "")]
    cell = spec.battery.cell
    if cell is not None:
        ref = cell
        if spec.base_dir is not None and ("/" in ref or ref.endswith(".toml")):
            ref = str(Path(spec.base_dir) / ref)
        files.append(InputFile.read("cell", cell, resolve("cells", ref),
                                    "bundled with tyaga" if not looks_like_path(cell) else ""))
    emap = spec.powertrain.efficiency_map
    if emap:
        p = Path(emap)
        if not p.is_absolute() and spec.base_dir:
            p = Path(spec.base_dir) / p
        files.append(InputFile.read("efficiency map", emap, p))
    return spec, files


def _cycle_file(name_or_path: str | Path) -> InputFile | None:
    from tyaga import cycles
    from tyaga.catalog import looks_like_path, resolve

    if isinstance(name_or_path, str) and name_or_path in cycles.GENERATED:
        return None  # generated in code from its defining parameters
    bundled = not looks_like_path(name_or_path)
    return InputFile.read("cycle", str(name_or_path), resolve("cycles", name_or_path),
                          "bundled with tyaga" if bundled else "")


def _resolved(spec: Any) -> InputFile:
    text = json.dumps(spec.model_dump(mode="json", by_alias=True, exclude_none=True), indent=2, ensure_ascii=False)
    return InputFile.from_text("vehicle as parsed", spec.name, "(class defaults applied; JSON)", text,
                               "for reading: the vehicle file above is the input")


def _cmd(*parts: Any) -> str:
    return shlex.join([str(p) for p in parts if p is not None])


def _opt(name: str, value: Any) -> list[str]:
    if value is None or value is False:
        return []
    if value is True:
        return [name]
    return [name, f"{value:g}" if isinstance(value, float) else str(value)]


def _out_opts(out: str | Path, pdf: bool) -> list[str]:
    return ["--out", str(out), *(["--pdf"] if pdf else [])]


def _as_list(vehicles: str | Path | Sequence[str | Path]) -> list[str | Path]:
    return [vehicles] if isinstance(vehicles, str | Path) else list(vehicles)


def _check_ambient(option: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and -50.0 <= value <= 60.0):
        raise InputError(option, value, "-50 … 60 °C")


def _condition_assumptions(ambient_c: float | None, pack_thermal: bool, pack_temperature_initial_c: float | None,
                           cabin_soaked: bool, hvac_on: bool, solar_w_per_m2: float) -> dict[str, str]:
    a: dict[str, str] = {}
    if ambient_c is None:
        a["ambient temperature"] = "23 °C, the test procedures' condition; climate control off (docs/procedures.md)"
    else:
        a["ambient temperature"] = (f"{ambient_c:g} °C; cabin climate control "
                                    + ("on: the cabin's steady HVAC load at this ambient" if hvac_on else "off")
                                    + " (docs/climate.md)")
        a["cabin at the start"] = ("soaked at the ambient, warmed/cooled to its setpoint" if cabin_soaked
                                   else "preconditioned (at its setpoint; steady HVAC)")
        a["sun on the glazing"] = f"{solar_w_per_m2:g} W/m²"
    if pack_thermal:
        start = "the ambient" if pack_temperature_initial_c is None else f"{pack_temperature_initial_c:g} °C"
        a["pack temperature"] = (f"a state of the run from {start}: resistance, current limits and BTMS follow "
                                 "it (docs/thermal.md)")
    else:
        a["pack temperature"] = "not modelled (constant; pack thermal model off, docs/thermal.md)"
    return a


def _vehicle_assumptions(specs: Sequence[Any]) -> dict[str, str]:
    from tyaga.battery import pack_for_vehicle

    a: dict[str, str] = {}
    for s in specs:
        pack = pack_for_vehicle(s)
        b = s.battery
        a[f"{s.name}: charger efficiency"] = (f"{b.charger_efficiency:g} (AC energy = DC ÷ this; "
                                              "docs/procedures.md)")
        a[f"{s.name}: usable SOC window"] = (f"{b.soc_min:g} … {b.soc_max:g} "
                                             f"({pack.usable_energy_wh / 1e3:.2f} kWh usable at open circuit)")
        a[f"{s.name}: test mass"] = (f"{s.body.test_mass_kg:g} kg (curb {s.body.mass_kg:g} kg + payload "
                                     f"{s.body.payload_kg:g} kg)")
    return a


# ============================================================================================== plots


def _every(n: int) -> int:
    return max(1, -(-n // MAX_PLOT_POINTS))


def _timeseries_figure(ds: Any, pack_thermal: bool) -> Figure:
    t = ds["time_s"].values
    k = _every(t.size)
    fig = Figure(figsize=(9.0, 11.0), layout="constrained")
    axes = fig.subplots(5, 1, sharex=True)
    axes[0].plot(t[::k], ds["speed_trace_mps"].values[::k] * 3.6, color="0.6", lw=2.2, label="trace")
    for d in range(ds.sizes["design"]):
        name = str(ds["name"].values[d])
        axes[0].plot(t[::k], ds["speed_mps"].values[d, ::k] * 3.6, lw=0.9, label=name)
        axes[1].plot(t[::k], ds["battery_power_w"].values[d, ::k] / 1e3, lw=0.7, label=name)
        axes[2].plot(t[::k], ds["current_a"].values[d, ::k], lw=0.7, label=name)
        axes[3].plot(t[::k], ds["soc"].values[d, ::k] * 100.0, lw=1.0, label=name)
        axes[4].plot(t[::k], ds["pack_temperature_c"].values[d, ::k], lw=1.0, label=name)
    labels = ["speed [km/h]", "battery power [kW]", "battery current [A]", "SOC [%]", "pack temperature [°C]"]
    for ax, label in zip(axes, labels, strict=True):
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=7)
    if not pack_thermal:
        axes[4].set_title("pack thermal model off: the temperature is held", fontsize=8, loc="left")
    axes[4].set_xlabel("time [s]" + (f" (every {k}th sample)" if k > 1 else ""))
    fig.suptitle(f"tyaga simulate — {ds.attrs.get('cycle', '')}")
    return fig


def _bars_figure(frame: pd.DataFrame, xlabel: str, title: str) -> Figure:
    """Horizontal grouped bars: one group per row of ``frame``, one bar per column."""
    fig = Figure(figsize=(9.0, 0.45 * len(frame) * max(1, len(frame.columns)) + 1.6), layout="constrained")
    ax = fig.subplots()
    n = len(frame.columns)
    h = 0.8 / max(n, 1)
    y = np.arange(len(frame))
    for j, col in enumerate(frame.columns):
        ax.barh(y + (j - (n - 1) / 2) * h, frame[col].to_numpy(dtype=float), height=h, label=str(col))
    ax.set_yticks(y, [str(i) for i in frame.index])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    if n > 1:
        ax.legend(fontsize=7)
    ax.set_title(title)
    return fig


# ============================================================================================== simulate

#: Summary rows of a simulation report: (summary column, label with unit, factor from the column's unit).
SIMULATE_ROWS: tuple[tuple[str, str, float], ...] = (
    ("cycle", "cycle", 1.0), ("distance_km", "distance driven [km]", 1.0), ("time_s", "duration [s]", 1.0),
    ("energy_dc_wh_per_km", "energy at battery terminals [Wh/km]", 1.0),
    ("energy_ac_wh_per_km", "energy from the wall, unadjusted [Wh/km]", 1.0),
    ("range_km", "range, this cycle repeated [km]", 1.0), ("range_ended_by", "range ended by", 1.0),
    ("trace_miss_s", "trace missed by > 2 km/h [s]", 1.0), ("accel_0_100_s", "0–100 km/h [s]", 1.0),
    ("usable_energy_wh", "usable energy [kWh]", 1e-3), ("soc_end", "SOC at the end [%]", 100.0),
    ("voltage_min_v", "lowest battery voltage [V]", 1.0), ("current_max_a", "highest battery current [A]", 1.0),
    ("battery_power_max_w", "highest battery power [kW]", 1e-3), ("hvac_power_w", "cabin HVAC [W]", 1.0),
    ("limited_s", "time at a battery limit [s]", 1.0),
    ("pack_temperature_min_c", "pack temperature, lowest [°C]", 1.0),
    ("pack_temperature_max_c", "pack temperature, highest [°C]", 1.0),
    ("pack_temperature_end_c", "pack temperature at the end [°C]", 1.0),
    ("energy_btms_wh", "pack heater/chiller [Wh]", 1.0),
)
#: Energy breakdown rows: (summary column, label) [Wh].
ENERGY_ROWS: tuple[tuple[str, str], ...] = (
    ("energy_aero_wh", "aerodynamic drag"), ("energy_rolling_wh", "rolling resistance"),
    ("energy_grade_wh", "grade"), ("energy_drivetrain_loss_wh", "drivetrain losses"),
    ("energy_friction_brake_wh", "friction brakes"), ("energy_battery_loss_wh", "battery resistance"),
    ("energy_aux_wh", "auxiliaries incl. HVAC"), ("energy_regen_wh", "regen recovered"),
    ("energy_battery_terminal_wh", "net at the battery terminals"), ("energy_chemical_wh", "net chemical (OCV)"),
)


def _rows_frame(rows: Sequence[dict[str, Any]], spec: Sequence[tuple[str, str, float]], names: Sequence[str],
                index_name: str = "quantity") -> pd.DataFrame:
    data: dict[str, list[Any]] = {n: [] for n in names}
    labels = []
    for key, label, factor in spec:
        if not any(key in r for r in rows):
            continue
        labels.append(label)
        for n, r in zip(names, rows, strict=True):
            v = r.get(key)
            if factor != 1.0 and _number(v) is not None:
                v = float(v) * factor
            data[n].append(v)
    df = pd.DataFrame(data, index=pd.Index(labels, name=index_name), dtype=object)
    return df


def _unique_names(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _vehicles_and_files(vehicles: str | Path | Sequence[str | Path]) -> tuple[list[str | Path], list[Any],
                                                                              list[Any]]:
    """The vehicles as a list (names or TOML files), their specs and the input files they read (InputError
    naming ``--vehicle`` when none is given)."""
    names = _as_list(vehicles)
    if not names:
        raise InputError("--vehicle", None, "one or more bundled vehicle names or TOML files")
    specs, files = [], []
    for v in names:
        spec, f = _vehicle_files(v)
        specs.append(spec)
        files += f
    return names, specs, files


def simulation_report(vehicles: str | Path | Sequence[str | Path], cycle: str | Path = "wltc3b", *,
                      payload_kg: float | None = None, ambient_c: float | None = None, pack_thermal: bool = False,
                      pack_temperature_initial_c: float | None = None, cabin_soaked: bool = False,
                      hvac_on: bool = True, solar_w_per_m2: float = 0.0, out: str | Path = "report.html",
                      pdf: bool = False) -> Report:
    """Report of :func:`tyaga.chain.simulate`: vehicles (bundled names or TOML files) over one cycle (a name or
    a CSV/GPX/TOML file). Summary table, energy breakdown [Wh] and per km, speed/power/current/SOC/pack
    temperature plots. ``ambient_c`` [°C], ``payload_kg`` [kg], ``solar_w_per_m2`` [W/m²] and the flags as in
    :func:`tyaga.chain.simulate`; ``out`` and ``pdf`` only go into the reproduce command."""
    from tyaga.chain import simulate

    _check_ambient("--ambient-c", ambient_c)
    names, specs, files = _vehicles_and_files(vehicles)
    cyc_file = _cycle_file(cycle)
    res = simulate(specs, cycle, payload_kg=payload_kg, ambient_c=ambient_c, pack_thermal=pack_thermal,
                   pack_temperature_initial_c=pack_temperature_initial_c, cabin_soaked=cabin_soaked, hvac_on=hvac_on,
                   solar_w_per_m2=solar_w_per_m2)
    rows = res.to_dicts()
    cols = _unique_names([str(r["name"]) for r in rows])
    summary = _rows_frame(rows, SIMULATE_ROWS, cols)
    energy = _rows_frame(rows, [(k, f"{label} [Wh]", 1.0) for k, label in ENERGY_ROWS], cols, "energy")
    per_km = energy.copy()
    for c, r in zip(cols, rows, strict=True):
        d = r["distance_km"]
        per_km[c] = [float(v) / d if d and _number(v) is not None else None for v in energy[c]]
    per_km.index = pd.Index([i.replace("[Wh]", "[Wh/km]") for i in energy.index], name="energy per km driven")
    energy.attrs["note"] = ("Energies over the cycle [Wh]. The road loads (aero, rolling, grade) are at the wheel; "
                            "regen recovered is the motor's electrical output while braking.")
    args = [a for v in names for a in ("--vehicle", str(v))] + ["--cycle", str(cycle)]
    opts = (_opt("--payload-kg", payload_kg) + _opt("--ambient-c", ambient_c) + _opt("--pack-thermal", pack_thermal)
            + _opt("--pack-temperature-c", pack_temperature_initial_c) + _opt("--cabin-soaked", cabin_soaked)
            + ([] if hvac_on else ["--no-hvac"]) + (_opt("--solar-w-per-m2", solar_w_per_m2) if solar_w_per_m2
                                                    else []))
    report = Report(
        title=f"tyaga simulate — {', '.join(s.name for s in specs)} on {res.cycle.name}",
        study="simulate",
        command=_cmd("tyaga", "report", "simulate", *args, *opts, *_out_opts(out, pdf)),
        study_command=_cmd("tyaga", "simulate", *args, *opts),
    )
    report.inputs = {"vehicles": ", ".join(f"{s.name} ({v})" for s, v in zip(specs, names, strict=True)),
                     "cycle": f"{res.cycle.name} ({cycle}); {res.cycle.distance_m / 1e3:.3f} km, "
                              f"{res.cycle.duration_s:g} s",
                     "cycle source": str(res.cycle.source or "—"),
                     "payload": "each vehicle's own" if payload_kg is None else f"{payload_kg:g} kg (all vehicles)"}
    report.assumptions = {
        "procedure": ("one pass of the cycle from soc_max; energy per km = net terminal energy ÷ distance driven; "
                      "range = the cycle repeated to the end of the SOC window (docs/procedures.md)"),
        "trace tolerance": "2 km/h below the trace counts as missed (UN GTR 15, 40 CFR 1066.425)",
        "0–100 km/h": "full power on level ground at test mass from soc_max; tyre grip not modelled",
        **_condition_assumptions(ambient_c, pack_thermal, pack_temperature_initial_c, cabin_soaked, hvac_on,
                                 solar_w_per_m2),
        **_vehicle_assumptions(res.specs),
    }
    report.tables = {"summary": summary, "energy breakdown": energy, "energy per km": per_km}
    assert res.timeseries is not None
    report.figures["speed, power, current, SOC and pack temperature"] = _timeseries_figure(res.timeseries,
                                                                                          pack_thermal)
    bars = pd.DataFrame({c: [float(r[k]) / 1e3 for k, _ in ENERGY_ROWS[:8]] for c, r in zip(cols, rows, strict=True)},
                        index=[label for _, label in ENERGY_ROWS[:8]])
    report.figures["energy breakdown"] = _bars_figure(bars, "energy over the cycle [kWh]", "where the energy goes")
    report.files = [*files, *([cyc_file] if cyc_file else []), *[_resolved(s) for s in res.specs]]
    if cyc_file is None:
        report.notes.append(f"cycle {cycle} is generated in code from its defining parameters (docs/cycles.md); "
                            "the same tyaga version gives the same cycle")
    return report


# ============================================================================================== range


def range_report(vehicles: str | Path | Sequence[str | Path], procedure: str = "wltp", cycle: str | Path | None = None,
                 *, ambient_c: float | None = None, pack_thermal: bool = False,
                 pack_temperature_initial_c: float | None = None, cabin_soaked: bool = False, hvac_on: bool = True,
                 solar_w_per_m2: float = 0.0, out: str | Path = "report.html", pdf: bool = False) -> Report:
    """Report of a range procedure: ``procedure`` ``"wltp"`` (:func:`tyaga.procedures.wltp`, the cycle repeated
    to the end of the SOC window; ``cycle`` default WLTC 3b) or ``"epa"`` (:func:`tyaga.procedures.epa_label`:
    UDDS + HWFET, 0.7-adjusted, 55/45). Range [km] and consumption [Wh/km] table and bar charts, and the
    cycles' speed traces. Other arguments as :func:`simulation_report`."""
    from tyaga import cycles, procedures

    _check_ambient("--ambient-c", ambient_c)
    if procedure not in ("wltp", "epa"):
        raise InputError("--procedure", procedure, "wltp or epa")
    if procedure == "epa" and cycle is not None:
        raise InputError("--cycle", str(cycle), "no --cycle with --procedure epa (it drives UDDS and HWFET)")
    names, specs, files = _vehicles_and_files(vehicles)
    kw: dict[str, Any] = {"ambient_c": ambient_c, "pack_thermal": pack_thermal,
                          "pack_temperature_initial_c": pack_temperature_initial_c, "cabin_soaked": cabin_soaked,
                          "hvac_on": hvac_on, "solar_w_per_m2": solar_w_per_m2}
    cycle_names: list[str | Path]
    if procedure == "epa":
        df = procedures.epa_label(specs, **kw)
        cycle_names = ["udds", "hwfet"]
        keys: list[tuple[str, str, float]] = [
            ("range_km", "range, combined label [km]", 1.0),
            ("energy_ac_wh_per_km", "energy from the wall, combined label [Wh/km]", 1.0),
            ("range_km_city", "range city [km]", 1.0), ("range_km_highway", "range highway [km]", 1.0),
            ("energy_ac_wh_per_km_city", "city, from the wall [Wh/km]", 1.0),
            ("energy_ac_wh_per_km_highway", "highway, from the wall [Wh/km]", 1.0),
            ("energy_dc_unadjusted_wh_per_km_city", "city, at the battery, unadjusted [Wh/km]", 1.0),
            ("energy_dc_unadjusted_wh_per_km_highway", "highway, at the battery, unadjusted [Wh/km]", 1.0),
            ("hvac_power_w", "cabin HVAC [W]", 1.0)]
    else:
        cyc = cycle if cycle is not None else procedures.WLTP_CYCLE
        df = procedures.wltp(specs, cyc, **kw)
        cycle_names = [cyc]
        keys = [("cycle", "cycle", 1.0), ("range_km", "range [km]", 1.0), ("ended_by", "ended by", 1.0),
                ("cycles", "cycles started", 1.0), ("energy_dc_wh_per_km", "at the battery [Wh/km]", 1.0),
                ("energy_ac_wh_per_km", "energy from the wall, unadjusted [Wh/km]", 1.0),
                ("hvac_power_w", "cabin HVAC [W]", 1.0),
                ("pack_temperature_end_c", "pack temperature at the end [°C]", 1.0),
                ("energy_btms_wh", "pack heater/chiller [Wh]", 1.0),
                ("energy_battery_loss_wh", "battery resistance [Wh]", 1.0)]
    rows = df.to_dict(orient="records")
    cols = _unique_names([str(r["name"]) for r in rows])
    args = [a for v in names for a in ("--vehicle", str(v))] + ["--procedure", procedure]
    if cycle is not None:
        args += ["--cycle", str(cycle)]
    opts = (_opt("--ambient-c", ambient_c) + _opt("--pack-thermal", pack_thermal)
            + _opt("--pack-temperature-c", pack_temperature_initial_c) + _opt("--cabin-soaked", cabin_soaked)
            + ([] if hvac_on else ["--no-hvac"]) + (_opt("--solar-w-per-m2", solar_w_per_m2) if solar_w_per_m2
                                                    else []))
    report = Report(title=f"tyaga range — {procedure}: {', '.join(s.name for s in specs)}", study="range",
                    command=_cmd("tyaga", "report", "range", *args, *opts, *_out_opts(out, pdf)),
                    study_command=_cmd("tyaga", "range", *args, *opts))
    loaded = [cycles.load(c) for c in cycle_names]
    report.inputs = {"vehicles": ", ".join(f"{s.name} ({v})" for s, v in zip(specs, names, strict=True)),
                     "procedure": procedure,
                     "cycles": "; ".join(f"{c.name} ({c.distance_m / 1e3:.3f} km, {c.duration_s:g} s)"
                                         for c in loaded)}
    from tyaga.chain import MAX_RANGE_M

    if procedure == "wltp":
        proc = {"procedure": ("WLTP consecutive-cycle test (UN GTR 15 Annex 8; Reg. (EU) 2017/1151 Sub-Annex 8): "
                              "the cycle driven back to back from soc_max (docs/procedures.md)"),
                "end of the run": ("the SOC reaches soc_min (interpolated in the last step), or a battery voltage "
                                   "limit keeps the vehicle > 2 km/h below the trace, or "
                                   f"{MAX_RANGE_M / 1e3:,.0f} km (a guard)"),
                "soak between cycles": "not modelled (SOC and RC voltages carry over)",
                "consumption from the wall": "DC energy over the range ÷ range ÷ charger efficiency; no label factor"}
    else:
        proc = {"procedure": ("EPA label: UDDS (city) and HWFET (highway) each driven back to back from full to the "
                              "end of the window (SAE J1634 multi-cycle idea; docs/procedures.md)"),
                "label adjustment": (f"range × {procedures.EPA_ADJUSTMENT:g}, consumption ÷ "
                                     f"{procedures.EPA_ADJUSTMENT:g} (40 CFR 600.116-12 / 600.210-12)"),
                "combined weighting": (f"{procedures.EPA_CITY_WEIGHT:.0%} city + "
                                       f"{1 - procedures.EPA_CITY_WEIGHT:.0%} highway (40 CFR 600.114-12)"),
                "not modelled": "the MCT's constant-speed phases and the mid-test soaks"}
    report.assumptions = {**proc, **_condition_assumptions(ambient_c, pack_thermal, pack_temperature_initial_c,
                                                          cabin_soaked, hvac_on, solar_w_per_m2),
                          **_vehicle_assumptions(specs)}
    report.tables = {"range": _rows_frame(rows, keys, cols)}
    if procedure == "epa":
        rng = pd.DataFrame({c: [r["range_km_city"], r["range_km_highway"], r["range_km"]]
                            for c, r in zip(cols, rows, strict=True)}, index=["city", "highway", "combined"])
        con = pd.DataFrame({c: [r["energy_ac_wh_per_km_city"], r["energy_ac_wh_per_km_highway"],
                                r["energy_ac_wh_per_km"]] for c, r in zip(cols, rows, strict=True)},
                           index=["city", "highway", "combined"])
    else:
        rng = pd.DataFrame({c: [r["range_km"]] for c, r in zip(cols, rows, strict=True)}, index=["range"])
        con = pd.DataFrame({c: [r["energy_dc_wh_per_km"], r["energy_ac_wh_per_km"]]
                            for c, r in zip(cols, rows, strict=True)}, index=["at the battery", "from the wall"])
    report.figures["range"] = _bars_figure(rng, "range [km]", f"range — {procedure}")
    report.figures["consumption"] = _bars_figure(con, "energy per km [Wh/km]", f"consumption — {procedure}")
    fig = Figure(figsize=(9.0, 2.6 * len(loaded) + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(loaded), 1))
    for ax, c in zip(axes, loaded, strict=True):
        k = _every(c.time_s.size)
        ax.plot(c.time_s[::k], c.speed_mps[::k] * 3.6, lw=0.9)
        ax.set_ylabel("speed [km/h]")
        ax.set_title(f"{c.name}: {c.distance_m / 1e3:.2f} km, {c.duration_s:g} s", fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time [s]")
    report.figures["cycles driven"] = fig
    cyc_files = [f for f in (_cycle_file(c) for c in cycle_names) if f is not None]
    report.files = [*files, *cyc_files, *[_resolved(s) for s in specs]]
    return report


# ============================================================================================== charge

#: Summary rows of a charge report: (summary key, label with unit, factor from the key's SI unit).
CHARGE_ROWS: tuple[tuple[str, str, float], ...] = (
    ("charger", "charger", 1.0), ("charger_power_w", "charger power [kW]", 1e-3),
    ("charger_efficiency", "charger efficiency", 1.0), ("ambient_c", "ambient [°C]", 1.0),
    ("temperature_c", "cell temperature at the start [°C]", 1.0), ("from_soc", "from SOC [%]", 100.0),
    ("to_soc", "target SOC [%]", 100.0), ("soc_end", "SOC at the end [%]", 100.0),
    ("end_reason", "ended by", 1.0), ("duration_s", "duration [min]", 1.0 / 60.0),
    ("energy_grid_wh", "energy from the grid [kWh]", 1e-3), ("energy_battery_wh", "energy into the battery [kWh]",
                                                             1e-3),
    ("energy_stored_wh", "energy stored (OCV) [kWh]", 1e-3), ("battery_loss_wh", "battery losses [kWh]", 1e-3),
    ("charger_loss_wh", "charger losses [kWh]", 1e-3), ("btms_energy_wh", "BTMS heater/chiller [kWh]", 1e-3),
    ("average_power_w", "average power at the battery [kW]", 1e-3),
    ("peak_power_w", "peak power at the battery [kW]", 1e-3),
    ("peak_grid_power_w", "peak power from the grid [kW]", 1e-3),
    ("cv_start_soc", "CV phase from SOC [%]", 100.0), ("time_10_80_s", "10 → 80 % [min]", 1.0 / 60.0),
    ("energy_grid_10_80_wh", "10 → 80 % from the grid [kWh]", 1e-3),
    ("time_to_window_s", "wait until the pack may charge [min]", 1.0 / 60.0),
    ("temperature_end_c", "cell temperature at the end [°C]", 1.0),
    ("temperature_max_c", "cell temperature, highest [°C]", 1.0), ("thermal", "pack temperature", 1.0),
)


def charge_report(vehicle: str | Path, from_soc: float = 0.10, to_soc: float = 0.80, charger: str = "dc",
                  charger_power_w: float | None = None, *, ambient_c: float = 25.0,
                  cell_temperature_c: float | None = None, btms: bool = True, out: str | Path = "report.html",
                  pdf: bool = False) -> Report:
    """Report of :func:`tyaga.charging.charge`: a vehicle (bundled name or TOML file) charged from ``from_soc``
    to ``to_soc`` (fractions, 0 … 1) on a ``charger`` kind (dc, ac, pantograph, depot) of ``charger_power_w``
    [W] (default that kind's, :data:`tyaga.charging.CHARGERS`), at ``ambient_c`` [°C]; ``cell_temperature_c``
    [°C] the pack at the start (default the ambient); ``btms``: the pack temperature a state with the vehicle's
    heater/chiller (``thermal="auto"``), else held. Summary table, power curve and SOC/current/temperature over
    time."""
    from tyaga import charging

    _check_ambient("--ambient-c", ambient_c)
    _check_ambient("--cell-temperature-c", cell_temperature_c)
    if charger not in charging.CHARGER_KINDS:
        raise InputError("--charger", charger, ", ".join(charging.CHARGER_KINDS))
    if charger_power_w is not None and not (math.isfinite(charger_power_w) and charger_power_w > 0):
        raise InputError("--charger-kw", charger_power_w / 1e3, "a power > 0 kW")
    if not to_soc > from_soc:
        raise InputError("--to-soc-pct", to_soc * 100.0, f"above --from-soc-pct ({from_soc * 100.0:g} %): a charge "
                         "raises the SOC")
    spec, files = _vehicle_files(vehicle)
    power_w = charger_power_w if charger_power_w is not None else charging.CHARGERS[charger]["power_w"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", charging.ChargingRangeWarning)
        res = charging.charge(spec, from_soc, to_soc, power_w, charger, ambient_c=ambient_c,
                              temperature_c=cell_temperature_c, thermal="auto" if btms else None)
    s = res.summary
    table = _rows_frame([s], CHARGE_ROWS, [str(s["name"])])
    args = ["--vehicle", str(vehicle), "--from-soc-pct", f"{from_soc * 100:g}", "--to-soc-pct", f"{to_soc * 100:g}",
            "--charger", charger, *(_opt("--charger-kw", power_w / 1e3) if charger_power_w is not None else []),
            "--ambient-c", f"{ambient_c:g}", *_opt("--cell-temperature-c", cell_temperature_c),
            *([] if btms else ["--no-btms"])]
    report = Report(title=f"tyaga charge — {s['name']}, {charger} {power_w / 1e3:g} kW, "
                          f"{from_soc:.0%} → {to_soc:.0%}", study="charge",
                    command=_cmd("tyaga", "report", "charge", *args, *_out_opts(out, pdf)),
                    study_command=_cmd("tyaga", "charge", *args))
    report.inputs = {"vehicle": f"{spec.name} ({vehicle})", "charger": f"{charger}, {power_w / 1e3:g} kW",
                     "SOC window": f"{from_soc:.1%} → {to_soc:.1%}", "ambient": f"{ambient_c:g} °C",
                     "cell temperature at the start": ("the ambient" if cell_temperature_c is None
                                                       else f"{cell_temperature_c:g} °C"),
                     "BTMS": "on (pack temperature a state)" if btms else "off (cell temperature held)"}
    cspec = charging.CHARGERS.get(charger, {})
    from tyaga.battery import cell_for_vehicle

    cell = cell_for_vehicle(spec)
    chem = cell.chemistry if cell is not None else charging.DEFAULT_CHEMISTRY
    taper = charging.DEFAULT_TAPER.get(str(chem), charging.DEFAULT_TAPER[charging.DEFAULT_CHEMISTRY])
    a = {"charger efficiency": (f"{s['charger_efficiency']:g} (grid → battery terminals; "
                                + ("the vehicle's charger_efficiency for AC" if charger == "ac"
                                   else "typical full-load efficiency of DC power cabinets") + "; docs/charging.md)"),
         "protocol": (f"CC/CP at the battery's charge limit × the taper, then CV at the upper voltage until the "
                      f"target SOC or {charging.CV_CUTOFF_C_RATE:g} C (docs/charging.md)"),
         f"taper ({chem})": ("SOC " + ", ".join(f"{p:g}" for p in taper[0]) + " → fraction of the limit "
                             + ", ".join(f"{f:g}" for f in taper[1]) + " (assumption of tyaga, docs/charging.md)"),
         "thermal": ("pack temperature a state of the lumped model with the vehicle's BTMS (heater/chiller powered "
                     "by the charger); enclosure conductance "
                     f"{charging.CHARGE_AMBIENT_UA_W_PER_K_PER_KWH:g} W/(K·kWh) (docs/charging.md, docs/thermal.md)"
                     if btms else "the cell temperature held at its start value")}
    if charger == "ac":
        a["on-board charger"] = ("min(supply, OBC rating): " + ", ".join(f"{k} {v / 1e3:g} kW" for k, v in
                                                                        charging.OBC_MAX_POWER_W.items())
                                 + " (assumption)")
    else:
        a["charger output window"] = (f"{cspec.get('max_current_a', math.inf):g} A, "
                                      f"{cspec.get('voltage_min_v', 0):g} … {cspec.get('voltage_max_v', math.inf):g} V"
                                      " (typical equipment, docs/charging.md)")
    a["10 → 80 % figure"] = ("read from this charge when its window holds 10 … 80 %, else from a run of its own "
                             "(same charger and temperatures)")
    report.assumptions = a | _vehicle_assumptions([spec])
    report.tables = {"charge": table}
    d = res.data
    k = _every(len(d))
    fig = Figure(figsize=(9.0, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(d["soc"].to_numpy()[::k] * 100.0, d["charge_power_w"].to_numpy()[::k] / 1e3, label="at the battery")
    ax.plot(d["soc"].to_numpy()[::k] * 100.0, d["grid_power_w"].to_numpy()[::k] / 1e3, "--", label="from the grid")
    ax.set_xlabel("SOC [%]")
    ax.set_ylabel("power [kW]")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(f"{s['name']} — {charger} charge curve")
    report.figures["charging curve (power against SOC)"] = fig
    fig2 = Figure(figsize=(9.0, 8.0), layout="constrained")
    axes = fig2.subplots(3, 1, sharex=True)
    tmin = d["time_s"].to_numpy()[::k] / 60.0
    axes[0].plot(tmin, d["soc"].to_numpy()[::k] * 100.0)
    axes[0].set_ylabel("SOC [%]")
    axes[1].plot(tmin, d["charge_current_a"].to_numpy()[::k], label="current")
    axes[1].plot(tmin, d["current_limit_a"].to_numpy()[::k], ":", label="limit")
    axes[1].set_ylabel("current [A]")
    axes[1].legend(fontsize=7)
    axes[2].plot(tmin, d["temperature_c"].to_numpy()[::k])
    axes[2].set_ylabel("cell temperature [°C]")
    axes[2].set_xlabel("time [min]")
    for x in axes:
        x.grid(alpha=0.3)
    report.figures["SOC, current and temperature over time"] = fig2
    report.files = [*files, _resolved(spec)]
    report.notes += [str(w.message) for w in caught] + [str(n) for n in s.get("warnings", [])
                                                        if str(n) not in {str(w.message) for w in caught}]
    return report


# ============================================================================================== sweep


def sweep_report(results_dir: str | Path, objectives: Sequence[str] | None = None, *, top: int = SWEEP_FRONT_ROWS,
                 out: str | Path = "report.html", pdf: bool = False) -> Report:
    """Report of a results folder written by ``tyaga sweep``: the space (variables, sampling, conditions,
    constraints, objectives), counts of designs feasible and not, why designs fail, the constraints that bind,
    the best design per objective, the Pareto front (``objectives``: ``COLUMN:min|max`` items, default the
    space's; at most ``top`` rows listed) and its plot."""
    from tyaga import pareto as pf
    from tyaga import sweep as sw

    root = Path(results_dir)
    if not root.is_dir():
        raise InputError("RESULTS_DIR", str(root), "an existing sweep results folder (chunks/*.parquet, "
                         "manifest.json)")
    if not (root / "manifest.json").is_file():
        raise InputError("RESULTS_DIR", str(root), "a folder written by tyaga sweep (it has no manifest.json)")
    df, manifest = pf.read_results(root)
    space = sw.load_space(root)
    objs = [pf.parse_objective(o) for o in objectives] if objectives else space.objectives
    for col, _ in objs:
        if col not in df.columns:
            outs = ", ".join(c for c in df.columns if c.startswith("out_"))
            raise InputError("--objective", col, f"a results column: {outs}")
    if not (isinstance(top, int) and top >= 1):
        raise InputError("--top", top, "an integer ≥ 1")
    n = len(df)
    feasible = df["feasible"].fillna(False).astype(bool) if "feasible" in df else pd.Series(False, index=df.index)
    n_feas = int(feasible.sum())
    sd = space.to_dict()
    args = [str(results_dir), *[a for o in (objectives or []) for a in ("--objective", o)]]
    if top != SWEEP_FRONT_ROWS:
        args += ["--top", str(top)]
    report = Report(title=f"tyaga sweep — {space.name}", study="sweep",
                    command=_cmd("tyaga", "report", "sweep", *args, *_out_opts(out, pdf)),
                    study_command=_cmd("tyaga", "pareto", str(results_dir),
                                       *[a for c, s in objs for a in ("--objective", f"{c}:{s}")]))
    report.inputs = {"results folder": str(results_dir), "space name": space.name, "base vehicle": space.vehicle,
                     "space hash": str(manifest.get("space_hash", space.hash)),
                     "objectives": ", ".join(f"{c} ({s})" for c, s in objs) or "none"}
    cond = (f"cycle {space.cycle}, " + ("23 °C test condition (climate off)" if space.ambient_c is None
                                        else f"{space.ambient_c:g} °C") + (", pack thermal" if space.pack_thermal
                                                                           else ""))
    report.assumptions = {
        "sampling": (f"{space.sampling}" + (f", {space.samples} samples" if space.samples else "")
                     + (f", seed {space.seed}" if space.sampling != "grid" else "")),
        "condition": cond + " unless a cycle/ambient_c variable sets it (docs/sweeps.md)",
        "mass follows the pack": (f"cell-to-pack mass ratio {space.cell_to_pack_mass_ratio:g}"
                                  if space.cell_to_pack_mass_ratio is not None else "no (curb mass as given)"),
        "figures": "each equals tyaga.simulate for that design alone (docs/sweeps.md)",
        "staging": "a design failing a constraint at a cheap stage is not driven further: its later out_* are NaN",
        "Pareto front": "the feasible designs no other feasible design beats in every objective (docs/optimisation.md)",
    }
    var_rows = {}
    for name, v in sd["variables"].items():
        var_rows[name] = {"kind": "values" if "values" in v else "range",
                          "levels": ", ".join(map(str, v["values"])) if "values" in v else
                          f"{v.get('min')} … {v.get('max')}" + (f", steps {v['steps']}" if "steps" in v else "")
                          + (f", step {v['step']}" if "step" in v else "")}
    variables = pd.DataFrame.from_dict(var_rows, orient="index")
    variables.index.name = "variable"
    counts = pd.DataFrame({"designs": [space.n_designs, n, n_feas, n - n_feas,
                                       len(manifest.get("chunks", {})), space.n_chunks]},
                          index=pd.Index(["in the space", "evaluated (finished chunks)", "feasible", "infeasible",
                                          "chunks finished", "chunks in the space"], name="count"))
    counts.attrs["note"] = (f"{n_feas / n:.1%} of the evaluated designs are feasible." if n else "no design evaluated")
    report.tables = {"design space": variables, "designs": counts}
    if space.constraints:
        cons = pd.DataFrame([c.to_dict() for c in space.constraints])
        cons.index = pd.Index(range(1, len(cons) + 1), name="#")
        report.tables["constraints"] = cons
        bind = sw.binding_constraints(space, df).set_index("constraint")
        bind.attrs["note"] = ("violated: of the designs with the figure known; first: designs for which it is the "
                              "first violated (their reason); best: the value closest to meeting it.")
        report.tables["binding constraints"] = bind
    reasons = df.loc[~feasible, "reason"].astype(str) if "reason" in df else pd.Series(dtype=str)
    if len(reasons):
        cat = reasons.str.extract(r"^(out_\w+|[^:=]+)")[0].str.strip().fillna("other")
        why = cat.value_counts().rename("designs").to_frame()
        why.index.name = "why infeasible (first reason)"
        report.tables["why designs are infeasible"] = why
    in_cols = [c for c in df.columns if c.startswith("in_")]
    if objs:
        best: dict[str, pd.Series] = {}
        feas_df = df[feasible]
        for col, sense in objs:
            vals = feas_df[col].astype(float)
            if vals.notna().any():
                best[f"{sense} {col.removeprefix('out_')}"] = feas_df.loc[vals.idxmin() if sense == "min"
                                                                          else vals.idxmax()]
        if best:
            show = ["design_id", *[c for c, _ in objs], *in_cols]
            bt = pd.DataFrame({k: [r.get(c) for c in show] for k, r in best.items()},
                              index=pd.Index(show, name="best feasible design for"), dtype=object)
            report.tables["best designs"] = bt
        fr = pf.front(df, objs, feasible_only=True) if "feasible" in df else None
        if fr is not None:
            varying = [c for c in in_cols if df[c].nunique(dropna=False) > 1]
            shown = fr[[*[c for c, _ in objs], *varying]].head(top).copy()
            shown.index = pd.Index(fr["design_id"].head(top).to_numpy() if "design_id" in fr else shown.index,
                                   name="design_id")
            shown.attrs["note"] = (f"{len(fr)} designs on the front of {fr.attrs['considered']} feasible compared"
                                   + (f"; {fr.attrs['excluded_nan']} left out for NaN" if fr.attrs["excluded_nan"]
                                      else "") + (f"; the first {top} listed" if len(fr) > top else ""))
            report.tables["Pareto front"] = shown
            if len(objs) >= 2:
                report.figures["Pareto front"] = _pareto_figure(df, feasible.to_numpy(), fr, objs)
    if n_feas == 0:
        report.notes.append(f"no feasible design among {n:,}")
    report.files = [InputFile.from_text("space", space.name, "(the space as normalised; JSON for "
                                        "tyaga.sweep.Space.from_dict)", json.dumps(sd, indent=2,
                                                                                    ensure_ascii=False))]
    try:
        _, vfiles = _vehicle_files(space.vehicle)
        report.files += vfiles
    except InputError as exc:
        report.notes.append(f"base vehicle file not embedded: {exc}")
    return report


def _pareto_figure(df: pd.DataFrame, feasible: np.ndarray, fr: pd.DataFrame, objs: Sequence[tuple[str, str]]
                   ) -> Figure:
    cols = [c for c, _ in objs][:4]
    label = {c: f"{c.removeprefix('out_')} ({s})" for c, s in objs}
    k = len(cols)
    if k == 2:
        fig = Figure(figsize=(7.5, 5.5), layout="constrained")
        ax = fig.subplots()
        ax.scatter(df.loc[~feasible, cols[0]], df.loc[~feasible, cols[1]], s=5, c="0.85", marker="x",
                   label=f"infeasible ({int((~feasible).sum())})")
        ax.scatter(df.loc[feasible, cols[0]], df.loc[feasible, cols[1]], s=7, c="0.5",
                   label=f"feasible ({int(feasible.sum())})")
        line = fr.sort_values(cols[0])
        ax.plot(line[cols[0]], line[cols[1]], ":o", c="tab:red", ms=4, lw=0.8, label=f"Pareto front ({len(fr)})")
        ax.set_xlabel(label[cols[0]])
        ax.set_ylabel(label[cols[1]])
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        return fig
    fig = Figure(figsize=(2.6 * k, 2.6 * k), layout="constrained")
    from tyaga.results import pareto_matrix

    pareto_matrix(fig.subplots(k, k, squeeze=False), df.loc[feasible], fr, cols, label, bins=20, label_size=7,
                  tick_size=6)
    fig.suptitle(f"Pareto front: {len(fr)} of {int(feasible.sum())} feasible designs (red)")
    return fig


__all__ = ["InputFile", "Report", "charge_report", "check_output", "figure_svg", "git_commit", "pdf_page_count",
           "range_report", "render_html", "simulation_report", "sweep_report", "versions", "write_html", "write_pdf",
           "write_report"]
