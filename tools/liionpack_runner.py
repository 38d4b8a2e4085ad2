"""Run liionpack 0.4.0 on a pack of Thevenin (1-RC) cells and print its results as JSON.

This script runs inside the liionpack environment built by ``tools/liionpack_env.sh`` (liionpack 0.4.0,
pybamm 25.4.2, pandas 2.3), never in tyaga's own: tyaga's oracle test and benchmark call it in a
subprocess (:func:`run` below does that from tyaga's side with nothing but the standard library).

Input (JSON on stdin or in the file named by the first argument), SI units, current positive on discharge::

    {"series": 3, "parallel": 2, "dt_s": 1.0,
     "current_a": [...],                          # pack current of each step [A], held over the step
     "ocv": {"soc": [...], "voltage_v": [...]},   # the cells' OCV table (linear interpolation)
     "ecm": {"soc": [...], "r0_ohm": [...], "r1_ohm": [...], "c1_f": [...]},   # nominal cell over SOC
     "cells": {"capacity_ah": [...], "resistance_factor": [...], "soc_initial": [...]},
     "interconnect_ohm": 1e-9,                    # liionpack's Rb, Rc and Rt (tiny: an ideal pack circuit)
     "nproc": 1}

Cell ``c`` has R0 = f_c·r0(SOC), R1 = f_c·r1(SOC), C1 = c1(SOC)/f_c with ``f_c`` its resistance factor and
r0, r1, c1 linear in SOC on the ``ecm`` points (one point: constants), as tyaga's :mod:`tyaga.packsim`.
Cell ``c`` of every per-cell list is the cell at series position ``c // parallel`` and parallel position
``c % parallel`` (tyaga's order). Output (JSON on stdout): ``time_s``, ``pack_current_a``,
``pack_voltage_v`` (n_steps), ``cell_current_a`` and ``cell_voltage_v`` (n_steps × n_cells, tyaga's order),
``solve_s`` (wall time of ``liionpack.solve``), ``versions``.

How the pack is set up in liionpack: ``setup_circuit(Np, Ns, configuration="series-groups")`` (series
connection of parallel groups, the topology of tyaga's :mod:`tyaga.packsim`), with the interconnect,
busbar and terminal resistances set to ``interconnect_ohm``; every cell is PyBaMM's
``pybamm.equivalent_circuit.Thevenin`` model with one RC pair whose ``R0 [Ohm]``, ``R1 [Ohm]`` and ``C1 [F]``
are functions of SOC (linear interpolants) times the cell's resistance factor, and whose factor,
``Cell capacity [A.h]`` and ``Initial SoC`` are liionpack inputs with one value per cell; the OCV is a
linear interpolant of the table, entropic change zero (temperature has no effect). liionpack needs
the variables ``Terminal voltage [V]`` and ``Surface open-circuit voltage [V]``; the Thevenin model calls
them ``Voltage [V]`` and ``Open-circuit voltage [V]``, which are aliased. The current profile is one
PyBaMM drive-cycle current step (liionpack 0.4.0 rejects rest steps; a drive cycle may hold zeros).

liionpack's scheme per step (liionpack.solvers): each cell's internal resistance is taken as
``R_i = |OCV_i − V_i| / I_i`` of the last step, the circuit is solved with OCV sources and these
resistances, and each cell model is integrated over the step with its share of the current.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

#: Where tools/liionpack_env.sh builds the environment unless TYAGA_LIIONPACK_VENV says otherwise.
DEFAULT_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tyaga" / "liionpack-0.4.0-venv"


#: Names of liionpack's per-cell inputs. PyBaMM orders a model's inputs by name, and liionpack passes them
#: in the order of its inputs dict with "Current function [A]" first, so every other input's name must sort
#: after that one (names as PyBaMM's own, "C1 [F]" or "Cell capacity [A.h]", would be swapped).
INPUT = {
    "capacity_ah": "tyaga cell capacity [A.h]",
    "resistance_factor": "tyaga resistance factor",
    "soc_initial": "tyaga initial SoC",
}


def venv_path() -> Path:
    """The liionpack environment: ``$TYAGA_LIIONPACK_VENV`` or the default of tools/liionpack_env.sh."""
    env = os.environ.get("TYAGA_LIIONPACK_VENV")
    return Path(env) if env else DEFAULT_VENV


def venv_python() -> Path | None:
    """The liionpack environment's Python, or ``None`` when that environment has not been built."""
    py = venv_path() / "bin" / "python"
    return py if py.is_file() else None


def run(problem: dict[str, Any], timeout_s: float = 1800.0) -> dict[str, Any]:
    """Run liionpack on ``problem`` (see the module docstring) in its own environment; return its results.

    Raises ``FileNotFoundError`` when the environment is missing and ``RuntimeError`` when liionpack fails.
    """
    py = venv_python()
    if py is None:
        raise FileNotFoundError(f"no liionpack environment at {venv_path()}: run `bash tools/liionpack_env.sh`")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONWARNINGS"] = "ignore"
    proc = subprocess.run([str(py), str(Path(__file__).resolve())], input=json.dumps(problem), text=True,
                          capture_output=True, timeout=timeout_s, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"liionpack runner failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def solve(problem: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - runs in the liionpack venv
    """Set the pack up in liionpack and solve it (runs inside the liionpack environment)."""
    import liionpack as lp
    import numpy as np
    import pybamm

    lp.set_logging_level("ERROR")
    ns, np_ = int(problem["series"]), int(problem["parallel"])
    n = ns * np_
    dt = float(problem["dt_s"])
    current = np.asarray(problem["current_a"], dtype=float)
    cells = {k: np.asarray(v, dtype=float) for k, v in problem["cells"].items()}
    r_ic = float(problem.get("interconnect_ohm", 1e-9))
    # liionpack numbers the cells down each parallel column: index = p * Ns + s; tyaga: s * Np + p
    lp_of_ty = np.array([(c % np_) * ns + c // np_ for c in range(n)])
    ty_of_lp = np.argsort(lp_of_ty)

    def per_lp(values: Any) -> Any:
        return values[ty_of_lp]

    soc_tab = np.asarray(problem["ocv"]["soc"], dtype=float)
    ocv_tab = np.asarray(problem["ocv"]["voltage_v"], dtype=float)
    ecm = {k: np.asarray(v, dtype=float) for k, v in problem["ecm"].items()}
    r0_init = float(np.mean(ecm["r0_ohm"]))
    netlist = lp.setup_circuit(Np=np_, Ns=ns, Rb=r_ic, Rc=r_ic, Rt=r_ic, Ri=r0_init, V=float(ocv_tab[-1]),
                               I=float(current[0]) if current[0] != 0 else 1e-6, configuration="series-groups")
    factor = pybamm.InputParameter(INPUT["resistance_factor"])

    def over_soc(key: str, soc: Any) -> Any:
        if ecm["soc"].size == 1:
            return pybamm.Scalar(float(ecm[key][0]))
        return pybamm.Interpolant(ecm["soc"], ecm[key], soc, f"tyaga {key}", "linear")

    values = {
        "chemistry": "ecm",
        "Initial SoC": pybamm.InputParameter(INPUT["soc_initial"]),
        "Initial temperature [K]": 298.15,
        "Ambient temperature [K]": 298.15,
        "Cell capacity [A.h]": pybamm.InputParameter(INPUT["capacity_ah"]),
        "Nominal cell capacity [A.h]": float(np.mean(cells["capacity_ah"])),
        "Current function [A]": "[input]",
        "Upper voltage cut-off [V]": 100.0,
        "Lower voltage cut-off [V]": -100.0,
        "Cell thermal mass [J/K]": 1000.0,
        "Cell-jig heat transfer coefficient [W/K]": 10.0,
        "Jig thermal mass [J/K]": 500.0,
        "Jig-air heat transfer coefficient [W/K]": 10.0,
        "Open-circuit voltage [V]": lambda soc: pybamm.Interpolant(soc_tab, ocv_tab, soc, "ocv", "linear"),
        "Entropic change [V/K]": 0.0,
        "R0 [Ohm]": lambda temp, cur, soc: factor * over_soc("r0_ohm", soc),
        "R1 [Ohm]": lambda temp, cur, soc: factor * over_soc("r1_ohm", soc),
        "C1 [F]": lambda temp, cur, soc: over_soc("c1_f", soc) / factor,
        "Element-1 initial overpotential [V]": 0.0,
        "RCR lookup limit [A]": 1e9,
    }
    parameter_values = pybamm.ParameterValues(values)

    def sim_func(pv: Any) -> Any:
        model = pybamm.equivalent_circuit.Thevenin(options={"number of rc elements": 1})
        model.events = []  # no SoC events: the comparison runs the whole profile
        model.variables["Terminal voltage [V]"] = model.variables["Voltage [V]"]
        model.variables["Surface open-circuit voltage [V]"] = model.variables["Open-circuit voltage [V]"]
        return pybamm.Simulation(model, parameter_values=pv, solver=pybamm.CasadiSolver(mode="safe"))

    inputs = {INPUT[k]: per_lp(cells[k]) for k in sorted(INPUT, key=INPUT.__getitem__)}
    t_data = np.arange(current.size) * dt
    experiment = pybamm.Experiment([pybamm.step.current(np.column_stack([t_data, current]))], period=f"{dt} seconds")
    t0 = time.perf_counter()
    out = lp.solve(netlist=netlist, sim_func=sim_func, parameter_values=parameter_values, experiment=experiment,
                   inputs=inputs, nproc=int(problem.get("nproc", 1)), initial_soc=None)
    solve_s = time.perf_counter() - t0
    i_cell = np.asarray(out["Cell current [A]"], dtype=float)[:, lp_of_ty]
    v_cell = np.asarray(out["Terminal voltage [V]"], dtype=float)[:, lp_of_ty]
    return {
        "time_s": np.asarray(out["Time [s]"], dtype=float).tolist(),
        "pack_current_a": np.asarray(out["Pack current [A]"], dtype=float).tolist(),
        "pack_voltage_v": np.asarray(out["Pack terminal voltage [V]"], dtype=float).tolist(),
        "cell_current_a": i_cell.tolist(),
        "cell_voltage_v": v_cell.tolist(),
        "solve_s": solve_s,
        "versions": {"liionpack": lp.__version__, "pybamm": pybamm.__version__},
    }


def main() -> None:  # pragma: no cover - runs in the liionpack venv
    text = Path(sys.argv[1]).read_text() if len(sys.argv) > 1 else sys.stdin.read()
    result = solve(json.loads(text))
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
