"""The ``tyaga`` command line: parses options, calls the library, prints with rich. No physics here."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tyaga.errors import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="tyaga — traction batteries and electric vehicles, from cell to wheel.")
console = Console()
err_console = Console(stderr=True)

#: Ambient temperature range accepted by the CLI [°C] (the climate model comes with issue #4).
AMBIENT_RANGE_C = (-50.0, 60.0)


class Kind(str, Enum):
    vehicles = "vehicles"
    cycles = "cycles"
    cells = "cells"


class One(str, Enum):
    vehicle = "vehicle"
    cycle = "cycle"
    cell = "cell"


class Procedure(str, Enum):
    wltp = "wltp"
    epa = "epa"


def _print_error(text: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)


def _fail(exc: InputError) -> None:
    _print_error(str(exc))
    raise typer.Exit(code=2)


def _check_ambient(ambient_c: float) -> None:
    lo, hi = AMBIENT_RANGE_C
    if not lo <= ambient_c <= hi:
        raise InputError("--ambient-c", ambient_c, f"{lo:g} … {hi:g} °C")


def _load_inputs(vehicle: list[str] | None, cycle: str | None) -> tuple[list[Any], Any]:
    """Read and check the vehicle and cycle files before the engine is imported: bad input fails fast."""
    from tyaga import cycles, vehicles

    specs = [vehicles.load(v) for v in (vehicle or [vehicles.DEFAULT_VEHICLE])]
    return specs, (cycles.load(cycle) if cycle is not None else None)


def _emit_json(rows: list[dict[str, Any]]) -> None:
    from tyaga.results import to_jsonable

    obj: Any = rows[0] if len(rows) == 1 else {"designs": rows}
    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "—" if v != v or v in (float("inf"), float("-inf")) else f"{v:,.2f}"
    return str(v)


def _table(title: str, rows: list[dict[str, Any]], keys: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("quantity")
    for r in rows:
        table.add_column(str(r.get("name", "")), justify="right")
    for key, label in keys:
        table.add_row(escape(label), *[escape(_fmt(r.get(key))) for r in rows])
    return table


SIMULATE_KEYS = [
    ("cycle", "cycle"), ("distance_km", "distance driven [km]"),
    ("energy_dc_wh_per_km", "energy at battery terminals [Wh/km]"),
    ("energy_ac_wh_per_km", "energy from the wall, unadjusted [Wh/km]"),
    ("range_km", "range, this cycle repeated [km]"), ("trace_miss_s", "trace missed by > 2 km/h [s]"),
    ("accel_0_100_s", "0–100 km/h [s]"), ("energy_aero_wh", "aero [Wh]"),
    ("energy_rolling_wh", "rolling [Wh]"), ("energy_grade_wh", "grade [Wh]"),
    ("energy_drivetrain_loss_wh", "drivetrain losses [Wh]"), ("energy_friction_brake_wh", "friction brakes [Wh]"),
    ("energy_battery_loss_wh", "battery resistance [Wh]"), ("energy_aux_wh", "auxiliaries [Wh]"),
    ("energy_regen_wh", "regen recovered [Wh]"), ("soc_end", "SOC at the end"),
]


@app.command()
def simulate(
    vehicle: Annotated[list[str] | None, typer.Option("--vehicle", "-v", help="Bundled name or TOML file; "
                                                      "repeat for several designs.")] = None,
    cycle: Annotated[str, typer.Option("--cycle", "-c", help="Bundled cycle name or CSV/GPX file.")] = "wltc3b",
    payload_kg: Annotated[float | None, typer.Option(help="Override the payload [kg].")] = None,
    ambient_c: Annotated[float, typer.Option(help="Ambient temperature [°C] (effect comes with the climate "
                                             "model).")] = 23.0,
    out: Annotated[Path, typer.Option(help="Folder for the plot and the time series.")] = Path("tyaga-out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Drive vehicles over a cycle: summary table, plot PNG and time series in --out."""
    try:
        _check_ambient(ambient_c)
        if out.exists() and not out.is_dir():
            raise InputError("--out", str(out), "a folder (this is a file)")
        specs, cyc = _load_inputs(vehicle, cycle)
        from tyaga import results
        from tyaga.chain import simulate as run

        res = run(specs, cyc, payload_kg=payload_kg)
        rows = res.to_dicts()
        assert res.timeseries is not None
        ts = results.timeseries_table(res.timeseries)
        results.write_csv(ts, out / "timeseries.csv")
        results.write_csv(res.summary.reset_index(), out / "summary.csv")
        results.write_json({"designs": rows}, out / "summary.json")
        results.plot_timeseries(res.timeseries, out / "simulation.png")
    except InputError as exc:
        _fail(exc)
        return
    for r in rows:
        r.pop("design", None)
        r["ambient_c"] = ambient_c
    if as_json:
        _emit_json(rows)
        return
    console.print(_table(f"tyaga simulate — {res.cycle.name}", rows, SIMULATE_KEYS))
    console.print(f"wrote {out}/summary.csv, summary.json, timeseries.csv, simulation.png")


@app.command("range")
def range_(
    vehicle: Annotated[list[str] | None, typer.Option("--vehicle", "-v", help="Bundled name or TOML file.")] = None,
    cycle: Annotated[str | None, typer.Option("--cycle", "-c", help="Cycle for the wltp procedure "
                                              "(default wltc3b).")] = None,
    procedure: Annotated[Procedure, typer.Option(help="wltp: cycle repeated to the end of the SOC window; "
                                                 "epa: UDDS + HWFET, 55/45, 0.7-adjusted.")] = Procedure.wltp,
    ambient_c: Annotated[float, typer.Option(help="Ambient temperature [°C].")] = 23.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Range and consumption by a test procedure."""
    try:
        _check_ambient(ambient_c)
        if procedure is Procedure.epa and cycle is not None:
            raise InputError("--cycle", cycle, "no --cycle with --procedure epa (it drives UDDS and HWFET)")
        specs, cyc = _load_inputs(vehicle, cycle)
        from tyaga import procedures

        if procedure is Procedure.epa:
            df = procedures.epa_label(specs)
        else:
            df = procedures.wltp(specs, cyc or procedures.WLTP_CYCLE)
    except InputError as exc:
        _fail(exc)
        return
    rows = [{k: v for k, v in r.items()} | {"ambient_c": ambient_c} for r in df.to_dict(orient="records")]
    if as_json:
        _emit_json(rows)
        return
    keys = [("procedure", "procedure"), ("range_km", "range [km]"),
            ("energy_ac_wh_per_km", "energy from the wall [Wh/km]")]
    if procedure is Procedure.epa:
        keys += [("range_km_city", "range city [km]"), ("range_km_highway", "range highway [km]"),
                 ("energy_ac_wh_per_km_city", "city [Wh/km]"), ("energy_ac_wh_per_km_highway", "highway [Wh/km]")]
    else:
        keys += [("cycle", "cycle"), ("ended_by", "ended by"), ("energy_dc_wh_per_km", "at battery [Wh/km]")]
    console.print(_table(f"tyaga range — {procedure.value}", rows, keys))


@app.command("list")
def list_(kind: Annotated[Kind, typer.Argument(help="vehicles, cycles or cells")]) -> None:
    """List the bundled vehicles, cycles or cells."""
    from tyaga import catalog

    for name in catalog.names(kind.value):
        console.print(name, highlight=False)


@app.command()
def show(
    kind: Annotated[One, typer.Argument(help="vehicle, cycle or cell")],
    name: Annotated[str, typer.Argument(help="Bundled name or file path")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Show one bundled vehicle, cycle or cell (with its source)."""
    try:
        info = _describe(kind, name)
    except InputError as exc:
        _fail(exc)
        return
    if as_json:
        _emit_json([info])
        return
    table = Table(title=f"{kind.value} {name}", show_header=False)
    table.add_column("key")
    table.add_column("value", overflow="fold")
    for k, v in info.items():
        table.add_row(k, escape(_fmt(v) if not isinstance(v, dict) else json.dumps(v, ensure_ascii=False)))
    console.print(table)


def _describe(kind: One, name: str) -> dict[str, Any]:
    if kind is One.vehicle:
        from tyaga import vehicles
        from tyaga.battery import pack_for_vehicle

        spec = vehicles.load(name)
        pack = pack_for_vehicle(spec)
        info = spec.model_dump(by_alias=True, exclude_none=True)
        info["derived"] = {"test_mass_kg": spec.body.test_mass_kg, "pack_capacity_ah": pack.capacity_ah,
                           "pack_usable_energy_kwh": pack.usable_energy_wh / 1000.0,
                           "pack_nominal_voltage_v": pack.nominal_voltage_v}
        return info
    if kind is One.cell:
        from tyaga import cells

        cell = cells.load(name)
        info = cell.model_dump(exclude={"ocv"})
        info["energy_wh"] = cell.energy_wh
        info["ocv_points"] = len(cell.ocv.soc)
        return info
    from tyaga import cycles
    from tyaga.cycle import statistics

    cyc = cycles.load(name)
    return {"name": cyc.name, "source": cyc.source, **statistics(cyc)}


def main() -> None:
    """Entry point of the ``tyaga`` console script."""
    try:
        app()
    except InputError as exc:  # errors raised outside a command (should not happen, but never a traceback)
        _print_error(str(exc))
        sys.exit(2)
    except OSError as exc:  # a file that cannot be read or written (permissions, full disk, …)
        where = f"{exc.filename}: " if exc.filename else ""
        _print_error(f"{where}{exc.strerror or exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
