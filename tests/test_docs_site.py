"""The documentation site builds offline and without warnings, its code runs, and no page is left out of it.

* ``mkdocs build --strict`` (MkDocs Material + mkdocstrings) into a temporary folder: it must succeed, with
  the key pages in the output and the API reference rendered from the docstrings;
* the ```` ```python ```` blocks of ``docs/getting-started.md``, and those of any other page marked with a
  ``<!-- test: run -->`` line right above the fence, run as they are (one script per page, in an empty
  folder);
* every ``docs/**/*.md`` page is in the nav of ``mkdocs.yml`` (except pages still to come, ``PENDING``,
  while the nav does not name them).

Without mkdocs (the docs tools are not installed) the build tests skip, but fail when ``CI=true``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CONFIG = ROOT / "mkdocs.yml"
#: Pages another change adds; exempt from the nav check until the nav names them.
PENDING: set[str] = set()
#: The line that marks the next fenced Python block of a page as run by these tests.
RUN_MARK = "<!-- test: run -->"
#: Pages whose every Python block runs.
ALL_BLOCKS = {"getting-started.md"}
DOCS_TOOLS = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "griffe", "yaml")


def _missing_tools() -> list[str]:
    missing = []
    for name in DOCS_TOOLS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # a parent package is missing
            found = False
        if not found:
            missing.append(name)
    return missing


def _need_docs_tools() -> None:
    missing = _missing_tools()
    if missing:
        msg = f"documentation tools not installed: {', '.join(missing)} (pip install the docs dependencies)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need_docs_tools()
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(CONFIG), "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{log[-5000:]}"
    warnings = [line for line in log.splitlines() if line.startswith("WARNING")]
    assert not warnings, "\n".join(warnings)
    return out


def _text(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_site_builds_with_key_pages(site: Path) -> None:
    for page in ("index.html", "getting-started.html", "formats.html", "physics.html", "validation.html",
                 "vehicle-format.html", "api/index.html", "api/chain.html", "search/search_index.json"):
        assert (site / page).is_file(), page
    assert "cell to wheel" in _text(site / "index.html")
    assert "A first simulation in Python" in _text(site / "getting-started.html")


def test_api_reference_renders_the_docstrings(site: Path) -> None:
    chain = _text(site / "api" / "chain.html")
    assert 'id="tyaga.chain.simulate"' in (site / "api" / "chain.html").read_text(encoding="utf-8")
    assert "Drive one or many vehicles over a cycle" in chain  # the summary line of the docstring
    # a parameter's description (a one-line "name: description" item, docs/_ext/griffe_docstrings.py)
    assert "a bundled cycle name or a CSV/GPX path" in chain
    assert ":func:" not in chain and ":class:" not in chain  # reST roles turned into code
    for page in ("cells", "packs", "vehicles", "cycles", "procedures", "heat", "ageing", "buses", "sweeps",
                 "fleet-plant", "interop", "cli"):
        assert (site / "api" / f"{page}.html").is_file(), page


def test_site_fetches_nothing(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html
    assert not list(site.rglob("assets/images/social/*")), "no social cards (they need the network)"


# --- runnable code blocks --------------------------------------------------------------------------------


def _python_blocks(page: Path) -> list[str]:
    """The fenced ```python blocks of a page that the tests run (all of them for ``ALL_BLOCKS`` pages)."""
    run_all = page.name in ALL_BLOCKS
    blocks, lines, i = [], page.read_text(encoding="utf-8").splitlines(), 0
    while i < len(lines):
        if re.match(r"^```python\s*$", lines[i]):
            marked = i > 0 and lines[i - 1].strip() == RUN_MARK
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            if run_all or marked:
                blocks.append("\n".join(lines[i + 1:j]))
            i = j
        i += 1
    return blocks


RUNNABLE = [p for p in sorted(DOCS.rglob("*.md")) if _python_blocks(p)]


def test_getting_started_has_code_to_run() -> None:
    assert len(_python_blocks(DOCS / "getting-started.md")) >= 3


@pytest.mark.parametrize("page", RUNNABLE, ids=[p.relative_to(DOCS).as_posix() for p in RUNNABLE])
def test_code_blocks_run(page: Path, tmp_path: Path) -> None:
    script = tmp_path / "blocks.py"
    script.write_text("\n\n".join(_python_blocks(page)) + "\n", encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"{page.name}: its Python blocks fail:\n{proc.stderr[-4000:]}"
    assert proc.stdout.strip(), f"{page.name}: its blocks print their results"


# --- the nav ---------------------------------------------------------------------------------------------


def _read_config() -> dict[str, Any]:
    import yaml  # PyYAML: a dependency of dask (and of mkdocs)

    class Loader(yaml.SafeLoader):
        """Reads tags (``!ENV``, ``!!python/name:``) as plain values: only the nav matters here."""

    def _any_tag(loader: Any, suffix: str, node: Any) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("", _any_tag)  # every tag the safe loader does not know
    with CONFIG.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=Loader)  # a SafeLoader subclass


def _nav_pages(node: Any) -> set[str]:
    if isinstance(node, str):
        return {node} if node.endswith(".md") else set()
    if isinstance(node, list):
        return set().union(*(_nav_pages(n) for n in node)) if node else set()
    if isinstance(node, dict):
        return set().union(*(_nav_pages(v) for v in node.values())) if node else set()
    return set()


def test_every_page_is_in_the_nav() -> None:
    config = _read_config()
    nav = _nav_pages(config.get("nav"))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
             if not any(part.startswith(("_", ".")) for part in p.relative_to(DOCS).parts)}
    left_out = sorted(pages - nav - (PENDING - nav))
    assert not left_out, f"docs pages missing from the nav of mkdocs.yml: {left_out}"
    dangling = sorted(nav - pages)
    assert not dangling, f"nav entries of mkdocs.yml without a page: {dangling}"


# --- the docstring rewriter of the API reference ---------------------------------------------------------


def test_docstring_rewriter() -> None:
    _need_docs_tools()
    spec = importlib.util.spec_from_file_location("griffe_docstrings", DOCS / "_ext" / "griffe_docstrings.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = ("Drive it.\n\nParameters\n----------\nvehicles: a :class:`VehicleSpec` or a name.\n"
            "cycle:\n    A cycle.\nname, source: of the result,\n    on two lines.\n\n"
            "Returns a :class:`~tyaga.chain.SimulationResult`.\n\nThe chain::\n\n    x = 1\n\n>>> 1 + 1\n2\n")
    assert mod.rewrite(text) == (
        "Drive it.\n\nParameters\n----------\nvehicles\n    a ``VehicleSpec`` or a name.\n"
        "cycle:\n    A cycle.\nname, source\n    of the result,\n    on two lines.\n\n"
        "Notes\n-----\nReturns a ``tyaga.chain.SimulationResult``.\n\nThe chain:\n\n    x = 1\n\n"
        "```pycon\n>>> 1 + 1\n2\n```\n"
    )
