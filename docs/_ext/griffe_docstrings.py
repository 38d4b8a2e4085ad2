"""A griffe extension for the API reference: tyaga's docstrings as mkdocstrings' numpy parser reads them.

tyaga's docstrings are numpy-style with two habits of their own, and some reStructuredText. They are
rewritten here, at documentation build time only (the source files are not touched):

* one-line items in ``Parameters`` / ``Other Parameters`` / ``Attributes`` sections, ``name: description``
  (numpy wants ``name`` and the description indented below it; without the rewrite the description is lost);
* a paragraph of prose after those items (``Returns a ...``, a remark): it gets a ``Notes`` heading, so it is
  not read as one more parameter;
* reST roles (``:func:`x```, ``:class:`~a.B```) become code spans, ``::`` before a literal block becomes
  ``:``, and ``>>>`` doctest lines a ``pycon`` code block.

Used by ``mkdocs.yml`` (``plugins.mkdocstrings.handlers.python.options.extensions``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ITEM_SECTIONS = {"parameters", "other parameters", "attributes"}
_NAMES = r"\*{0,2}[A-Za-z_]\w*(?:, \*{0,2}[A-Za-z_]\w*)*"
_PROPER_ITEM = re.compile(rf"^{_NAMES}(?: : .*|\s*:?\s*)$")  # "name", "name:", "name : type"
_ONE_LINE_ITEM = re.compile(rf"^(?P<names>{_NAMES}):\s+(?P<desc>\S.*)$")  # "name: description"
_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const|term|ref|doc):`~?(?P<target>[^`]+)`")
_DASHES = re.compile(r"^\s*-{3,}\s*$")


def _roles(text: str) -> str:
    return _ROLE.sub(lambda m: f"``{m.group('target')}``", text)


def rewrite(text: str) -> str:
    """The docstring ``text`` (already dedented) in the form the numpy parser and Markdown render."""
    lines = _roles(text).split("\n")
    out: list[str] = []
    section: str | None = None
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            out.append(line)
            i += 1
            continue
        if in_fence:
            out.append(line)
            i += 1
            continue
        if line.strip() and _DASHES.match(nxt):  # a section heading
            section = line.strip().lower()
            out += [line, nxt]
            i += 2
            continue
        if line.startswith(">>>"):  # a doctest block: up to the next blank line
            out.append("```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append("```")
            continue
        if section in _ITEM_SECTIONS and line and not line[0].isspace():
            one = _ONE_LINE_ITEM.match(line)
            if one and not _PROPER_ITEM.match(line):
                out += [one.group("names"), "    " + one.group("desc")]
            elif _PROPER_ITEM.match(line):
                out.append(line)
            elif out and out[-1].strip() == "":  # prose after the items
                out += ["Notes", "-----", line]
                section = "notes"
            else:  # a continuation written without indentation
                out.append("    " + line)
            i += 1
            continue
        if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            stripped = line.rstrip()[:-2].rstrip()
            out.append(stripped + ":" if stripped else "")
            i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class TyagaDocstrings(griffe.Extension):
    """Rewrite every docstring with :func:`rewrite` as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
