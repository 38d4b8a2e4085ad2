"""The web workbench (``tyaga app``): a local Streamlit app to choose or upload inputs, run studies, plot,
compare designs, explore sweeps and download results with the files that reproduce them (docs/app.md).

:func:`launch` starts the Streamlit server on :data:`SCRIPT` in a subprocess and waits for it; the page code
is :mod:`tyaga.app.pages`, the logic without Streamlit :mod:`tyaga.app.inputs`, the figures
:mod:`tyaga.figures`. Streamlit is imported only by the server process, not by importing this package.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: The Streamlit script the server runs.
SCRIPT = Path(__file__).with_name("main.py")
#: Largest upload accepted [MB] (Streamlit's ``server.maxUploadSize``; larger files are refused by the page).
MAX_UPLOAD_MB = 20
#: Largest websocket message [MB] (Streamlit's ``server.maxMessageSize``).
MAX_MESSAGE_MB = 200
#: Where the server listens by default: this machine only.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


#: Seconds a session whose browser tab went away is kept before its state is freed.
SESSION_TTL_S = 60


def server_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, max_upload_mb: int = MAX_UPLOAD_MB,
                   python: str | None = None, session_ttl_s: int = SESSION_TTL_S) -> list[str]:
    """The command line that serves the workbench on ``host:port`` (headless, no usage statistics, no file
    watcher, uploads up to ``max_upload_mb`` MB, error details hidden from the page, a closed tab's session
    freed after ``session_ttl_s`` s)."""
    return [
        python or sys.executable, "-m", "streamlit", "run", str(SCRIPT),
        "--server.address", host, "--server.port", str(int(port)),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.maxUploadSize", str(int(max_upload_mb)), "--server.maxMessageSize", str(MAX_MESSAGE_MB),
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--client.showErrorDetails", "none", "--client.toolbarMode", "minimal",
        "--server.disconnectedSessionTTL", str(int(session_ttl_s)),
        "--global.developmentMode", "false", "--theme.base", "light",
    ]


def launch(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, max_upload_mb: int = MAX_UPLOAD_MB,
           cwd: str | Path | None = None) -> int:
    """Serve the workbench at ``http://host:port`` until interrupted; returns the server's exit code.

    ``cwd``: the app's working folder (default the current one): temporary upload folders go under
    ``cwd/.tyaga-app/`` and the sweep explorer reads results folders below it.
    """
    cmd = server_command(host, port, max_upload_mb)
    proc = subprocess.Popen(cmd, cwd=str(cwd) if cwd is not None else None)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "MAX_UPLOAD_MB", "SCRIPT", "SESSION_TTL_S", "launch", "server_command"]
