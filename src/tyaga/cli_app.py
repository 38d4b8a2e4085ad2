"""``tyaga app``: serve the web workbench (Streamlit) on this machine; see ``docs/app.md``.

Checks the options, then hands over to :func:`tyaga.app.launch` (a Streamlit server in a subprocess). No
physics here. Registered in :mod:`tyaga.cli` with ``app.command("app")(app_command)``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from tyaga.cli_common import console, fail, print_error
from tyaga.errors import InputError

#: Upload limits the workbench accepts [MB].
UPLOAD_RANGE_MB = (1, 200)


def app_command(
    port: Annotated[int, typer.Option(help="TCP port to listen on (1024 … 65535).")] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on. The default serves this machine only; "
                                      "0.0.0.0 serves the network (no login: only on a trusted network).")]
    = "127.0.0.1",
    workdir: Annotated[Path | None, typer.Option(help="The app's working folder: uploads are written below "
                                                 "it (and deleted after each run), the sweep explorer reads "
                                                 "results folders below it. Default: the current folder.")]
    = None,
    max_upload_mb: Annotated[int, typer.Option(help="Largest file an upload may be [MB] (1 … 200).")] = 20,
) -> None:
    """Start the web workbench at http://HOST:PORT: choose or upload a cell, vehicle and cycle or route, run a
    simulation, range, charging or life study, compare up to 4 designs, explore a sweep, download results."""
    from tyaga import app as workbench

    try:
        if not 1024 <= port <= 65535:
            raise InputError("--port", port, "1024 … 65535")
        lo, hi = UPLOAD_RANGE_MB
        if not lo <= max_upload_mb <= hi:
            raise InputError("--max-upload-mb", max_upload_mb, f"{lo} … {hi}")
        if not host or any(c.isspace() for c in host):
            raise InputError("--host", host, "an address such as 127.0.0.1 or 0.0.0.0")
        folder = (workdir or Path.cwd()).resolve()
        if not folder.is_dir():
            raise InputError("--workdir", str(workdir), "an existing folder")
    except InputError as exc:
        fail(exc)
        return
    missing = [m for m in ("streamlit", "plotly") if importlib.util.find_spec(m) is None]
    if missing:
        print_error(f"the workbench needs {' and '.join(missing)}, not installed here: pip install 'tyaga[app]'")
        raise typer.Exit(code=2)
    console.print(f"tyaga workbench on [bold]http://{host}:{port}[/] (working folder {folder}); Ctrl+C stops it.",
                  highlight=False)
    rc = workbench.launch(host=host, port=port, max_upload_mb=max_upload_mb, cwd=folder)
    if rc not in (0, -2, 130):
        raise typer.Exit(code=rc)


__all__ = ["app_command"]
