"""What every ``tyaga`` command module shares: the consoles, the one-line error exit and JSON output.

Imported by :mod:`tyaga.cli` and the command modules ``tyaga.cli_*`` (which :mod:`tyaga.cli` registers), so
none of them imports another's command code. No physics here.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from tyaga.errors import InputError

console = Console()
err_console = Console(stderr=True)


def print_error(text: str) -> None:
    """One red ``error:`` line on stderr."""
    err_console.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)


def fail(exc: InputError) -> None:
    """Print ``exc`` as one line and leave with exit code 2 (bad input)."""
    print_error(str(exc))
    raise typer.Exit(code=2)


def emit_json(obj: Any) -> None:
    """``obj`` as indented JSON on stdout (NaN/inf as null, numpy and pandas values as plain ones)."""
    from tyaga.results import to_jsonable

    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")


__all__ = ["console", "emit_json", "err_console", "fail", "print_error"]
