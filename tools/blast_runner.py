"""Run NREL's BLAST-Lite on SOC and temperature profiles and print its results as JSON.

This script runs inside the BLAST-Lite environment built by ``tools/blast_env.sh`` (blast-lite 1.1.1 with
numpy < 2), never in tyaga's own: tyaga's oracle test and benchmark call it in a subprocess (:func:`run`
below does that from tyaga's side with nothing but the standard library).

Input (JSON on stdin or in the file named by the first argument), one job or ``{"jobs": [job, ...]}``::

    {"model": "Lfp_Gr_250AhPrismatic",    # a class name of blast.models (see blast.models.available_models())
     "time_s": [...],                     # sample times of the profile [s], from 0
     "soc": [...],                        # state of charge at each sample [0 … 1]
     "temperature_c": [...],              # cell temperature at each sample [°C]
     "years": 10.0}                       # repeat the profile until more than this many years (365 d) passed

Each job calls ``Model().simulate_battery_life({"Time_s": ..., "SOC": ..., "Temperature_C": ...},
threshold_time=years)`` with BLAST-Lite's defaults (energy throughput conserved, stressors updated once per
day or per equivalent full cycle). Output (JSON on stdout, last line): per job ``t_days``, ``efc``, ``q`` (the
relative capacity after each update, starting at 1), ``states``, ``outputs`` (e.g. ``r``, the relative
resistance, where the model has one) and ``rates`` (BLAST-Lite's histories),
``solve_s`` (wall time of ``simulate_battery_life``) and ``versions``; for ``{"jobs": …}`` a
``{"results": [...]}`` list in the jobs' order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

#: Where tools/blast_env.sh builds the environment unless TYAGA_BLAST_VENV says otherwise.
DEFAULT_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tyaga" / "blast-lite-venv"


def venv_path() -> Path:
    """The BLAST-Lite environment: ``$TYAGA_BLAST_VENV`` or the default of tools/blast_env.sh."""
    env = os.environ.get("TYAGA_BLAST_VENV")
    return Path(env) if env else DEFAULT_VENV


def venv_python() -> Path | None:
    """The BLAST-Lite environment's Python, or ``None`` when that environment has not been built."""
    py = venv_path() / "bin" / "python"
    return py if py.is_file() else None


def run(problem: dict[str, Any], timeout_s: float = 900.0) -> dict[str, Any]:
    """Run BLAST-Lite on ``problem`` (one job or ``{"jobs": [...]}``, see the module docstring) in its own
    environment; return its results.

    Raises ``FileNotFoundError`` when the environment is missing and ``RuntimeError`` when BLAST-Lite fails.
    """
    py = venv_python()
    if py is None:
        raise FileNotFoundError(f"no BLAST-Lite environment at {venv_path()}: run `bash tools/blast_env.sh`")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONWARNINGS"] = "ignore"
    proc = subprocess.run([str(py), str(Path(__file__).resolve())], input=json.dumps(problem), text=True,
                          capture_output=True, timeout=timeout_s, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"BLAST-Lite runner failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def solve(job: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - runs in the BLAST-Lite venv
    """Run one job in BLAST-Lite (inside the BLAST-Lite environment)."""
    import importlib.metadata

    import blast.models
    import numpy as np

    cls = getattr(blast.models, str(job["model"]))
    cell = cls()
    series = {
        "Time_s": np.asarray(job["time_s"], dtype=float),
        "SOC": np.asarray(job["soc"], dtype=float),
        "Temperature_C": np.asarray(job["temperature_c"], dtype=float),
    }
    t0 = time.perf_counter()
    cell.simulate_battery_life(series, threshold_time=float(job["years"]))
    solve_s = time.perf_counter() - t0
    return {
        "model": job["model"],
        "t_days": np.asarray(cell.stressors["t_days"], dtype=float).tolist(),
        "efc": np.asarray(cell.stressors["efc"], dtype=float).tolist(),
        "q": np.asarray(cell.outputs["q"], dtype=float).tolist(),
        "states": {k: np.asarray(v, dtype=float).tolist() for k, v in cell.states.items()},
        "outputs": {k: np.asarray(v, dtype=float).tolist() for k, v in cell.outputs.items()},
        "rates": {k: np.nan_to_num(np.asarray(v, dtype=float)).tolist() for k, v in cell.rates.items()},
        "solve_s": solve_s,
        "versions": {"blast-lite": importlib.metadata.version("blast-lite"), "numpy": np.__version__},
    }


def main() -> None:  # pragma: no cover - runs in the BLAST-Lite venv
    text = Path(sys.argv[1]).read_text() if len(sys.argv) > 1 else sys.stdin.read()
    problem = json.loads(text)
    if "jobs" in problem:
        result: dict[str, Any] = {"results": [solve(job) for job in problem["jobs"]]}
    else:
        result = solve(problem)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
