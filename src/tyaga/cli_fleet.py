"""``tyaga fleet``: a fleet day of electric buses with shared chargers, and its charger / battery sizing.

The command function :func:`fleet_command` is registered on the main app by ``tyaga.cli``
(``app.command("fleet")(fleet_command)``); it parses, calls :mod:`tyaga.fleet` and prints. No physics here.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tyaga.cli_common import console, err_console, fail
from tyaga.errors import InputError


class SizeWhat(str, Enum):
    chargers = "chargers"
    battery = "battery"
    both = "both"



def _fmt(v: Any, digits: int = 1) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "—" if v != v else f"{v:,.{digits}f}"
    return str(v)


def _hm(time_s: float) -> str:
    from tyaga.fleet import format_time

    return "—" if time_s != time_s else format_time(time_s)


def fleet_command(
    timetable: Annotated[Path, typer.Option(help="Timetable CSV: one row per trip (docs/fleet.md).")],
    chargers: Annotated[Path, typer.Option(help="Chargers CSV: one row per site.")],
    routes: Annotated[Path | None, typer.Option(help="Routes CSV (default: routes.csv next to the "
                                                "timetable).")] = None,
    size: Annotated[SizeWhat | None, typer.Option(help="Find the fewest chargers per site, the smallest "
                                                  "battery per vehicle design, or both, that let every block "
                                                  "finish.")] = None,
    ambient_c: Annotated[float | None, typer.Option(help="Ambient temperature [°C]: adds the cabin HVAC load "
                                                    "while driving and at layovers (default: off).")] = None,
    dt_s: Annotated[float, typer.Option(help="Step of the grid-power series [s]; the peak is the highest "
                                        "mean over one step.")] = 60.0,
    connection_time_s: Annotated[float, typer.Option(help="Charger occupied before current flows, per "
                                                     "session [s].")] = 30.0,
    next_day: Annotated[bool, typer.Option("--next-day/--no-next-day", help="Feasible also needs every bus "
                                           "recharged by its first departure the next day.")] = True,
    out: Annotated[Path | None, typer.Option(help="Folder for the tables (CSV), summary.json and "
                                             "fleet.png.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """A fleet day: SOC of every bus, blocks it cannot finish, charger queues, the sites' peak grid power and
    daily energy; with --size the fewest chargers and/or the smallest battery that let every block finish."""
    sizing = None
    try:
        if out is not None and out.exists() and not out.is_dir():
            raise InputError("--out", str(out), "a folder (this is a file)")
        from tyaga import fleet as fl

        f = fl.load(timetable, chargers, routes)
        models = fl.Models(ambient_c)
        opts = {"dt_s": dt_s, "connection_time_s": connection_time_s, "require_next_day": next_day}
        if size is not None:
            sizing = fl.size(f, size.value, models=models, **opts)
            res = sizing.result
        else:
            res = fl.simulate_day(f, models=models, **opts)
        if out is not None:
            fl.write(res, out, sizing)
    except InputError as exc:
        fail(exc)
        return
    failed = res.blocks[~res.blocks["finished"]]
    if as_json:
        from tyaga.results import to_jsonable

        obj: dict[str, Any] = {"summary": res.summary, "notes": list(res.notes),
                               "sites": res.sites.to_dict("records"), "failed_blocks": failed.to_dict("records"),
                               "vehicles": res.vehicles.to_dict("records")}
        if sizing is not None:
            obj["sizing"] = fl.sizing_dict(sizing)
        sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")
        return
    s = res.summary
    table = Table(title="tyaga fleet — the day")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for label, value in (
        ("vehicles / blocks / trips", f"{s['vehicles']} / {s['blocks']} / {s['trips']}"),
        ("blocks not finished", str(s["blocks_failed"])),
        ("buses not recharged for the next day", str(s["vehicles_not_ready"])),
        ("feasible", _fmt(s["feasible"])),
        ("distance driven [km]", _fmt(s["distance_km"])),
        ("energy at the batteries, driving [kWh]", _fmt(s["energy_driving_wh"] / 1e3)),
        ("energy from the grid, all sites [kWh]", _fmt(s["energy_grid_wh"] / 1e3)),
        ("peak grid power, all sites [kW]", _fmt(s["peak_grid_power_w"] / 1e3)),
        ("depot peak grid power [kW]", _fmt(s["depot_peak_grid_power_w"] / 1e3)),
        ("depot energy from the grid [kWh]", _fmt(s["depot_energy_grid_wh"] / 1e3)),
    ):
        table.add_row(escape(label), escape(value))
    console.print(table)
    st = Table(title="chargers by site")
    for col in ("site", "kind", "chargers", "at once", "kW each", "sessions", "energy [kWh]", "peak [kW]",
                "max busy", "max queue", "mean wait [min]"):
        st.add_column(col, justify="left" if col in ("site", "kind") else "right")
    for r in res.sites.to_dict("records"):
        st.add_row(escape(str(r["site"])), r["kind"], str(r["count"]), str(r["max_active"]),
                   _fmt(r["power_w"] / 1e3, 0), str(r["sessions"]), _fmt(r["energy_grid_wh"] / 1e3),
                   _fmt(r["peak_grid_power_w"] / 1e3), str(r["max_busy"]), str(r["max_queue"]),
                   _fmt(r["mean_wait_s"] / 60.0))
    console.print(st)
    if len(failed):
        ft = Table(title=f"blocks not finished ({len(failed)})")
        for col in ("block", "vehicle", "trip not driven", "at", "SOC", "short by [% SOC]"):
            ft.add_column(col, justify="right")
        for r in failed.head(20).to_dict("records"):
            ft.add_row(escape(str(r["block_id"])), escape(str(r["vehicle_id"])), escape(str(r["failed_trip"])),
                       _hm(r["failed_time_s"]), _fmt(100 * r["failed_soc"]), _fmt(100 * r["soc_short"], 2))
        console.print(ft)
    if sizing is not None:
        zt = Table(title=f"sizing ({sizing.what}): {'a minimum found' if sizing.feasible else 'NOT FEASIBLE'}"
                   f" after {sizing.evaluations} days")
        zt.add_column("item")
        zt.add_column("size", justify="right")
        for site, n in sizing.chargers.items():
            zt.add_row(escape(f"chargers at {site}"), str(n))
        for ref, n in sizing.battery.items():
            zt.add_row(escape(f"battery of {ref} [{sizing.battery_unit[ref]}]"), str(n))
        for r in sizing.checks.to_dict("records"):
            zt.add_row(escape(f"check: {r['change']}"), "feasible" if r["feasible"] else
                       f"fails ({r['blocks_failed']} blocks, {r['vehicles_not_ready']} not ready)")
        console.print(zt)
    for note in res.notes:
        err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    if out is not None:
        console.print(escape(f"wrote {out}/soc.csv, trips.csv, blocks.csv, vehicles.csv, sessions.csv, "
                             "occupancy.csv, grid_power.csv, sites.csv, summary.json, fleet.png"), highlight=False)
