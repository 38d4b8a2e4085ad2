"""``tyaga compare``: a battery-electric bus against diesel and CNG buses on the same cycle or route.

The command function :func:`compare` is registered by :mod:`tyaga.cli` (``app.command("compare")(compare)``).
It parses options, calls :func:`tyaga.tco.compare` and prints; no physics here.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tyaga.cli_common import console, fail
from tyaga.errors import InputError

#: Rows of the energy table: (column of :data:`tyaga.tco.ENERGY_COLUMNS`, label, format).
ENERGY_ROWS = [
    ("test_mass_kg", "mass as driven [kg]", "{:,.0f}"),
    ("energy_kwh_per_km", "energy at the pump (LHV) / at the grid [kWh/km]", "{:.3f}"),
    ("battery_kwh_per_km", "energy at the battery terminals [kWh/km]", "{:.3f}"),
    ("diesel_l_per_100km", "diesel [L/100 km]", "{:.1f}"),
    ("fuel_kg_per_100km", "fuel mass [kg/100 km]", "{:.1f}"),
    ("cng_nm3_per_100km", "CNG [Nm³/100 km]", "{:.1f}"),
    ("engine_efficiency", "mean engine efficiency", "{:.3f}"),
    ("energy_wtw_kwh_per_km", "well-to-wheel energy [kWh/km]", "{:.3f}"),
    ("energy_cost_per_km", "energy cost [{cur}/km]", "{:.3f}"),
    ("co2_ttw_g_per_km", "CO₂e tank-to-wheel [g/km]", "{:,.0f}"),
    ("co2_wtw_g_per_km", "CO₂e well-to-wheel [g/km]", "{:,.0f}"),
    ("trace_miss_s", "trace missed by > 2 km/h [s]", "{:.0f}"),
    ("overload_s", "above the engine's rated power [s]", "{:.0f}"),
]
TCO_ROWS = [
    ("purchase_npv", "purchase [{cur}]", "{:,.0f}"),
    ("infrastructure_npv", "infrastructure share [{cur}]", "{:,.0f}"),
    ("battery_replacement_npv", "battery replacements, NPV [{cur}]", "{:,.0f}"),
    ("energy_npv", "energy, NPV [{cur}]", "{:,.0f}"),
    ("maintenance_npv", "maintenance, NPV [{cur}]", "{:,.0f}"),
    ("total_npv", "total cost of ownership, NPV [{cur}]", "{:,.0f}"),
    ("cost_per_km", "TCO per km driven [{cur}/km]", "{:.3f}"),
    ("levelized_cost_per_km", "levelized cost per km [{cur}/km]", "{:.3f}"),
]



def _cell(value: Any, fmt: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return fmt.format(value)


def _table(title: str, data: dict[str, dict[str, Any]], rows: list[tuple[str, str, str]], cur: str) -> Table:
    table = Table(title=title)
    table.add_column("quantity")
    for bus in data:
        table.add_column(bus, justify="right")
    for key, label, fmt in rows:
        table.add_row(escape(label.format(cur=cur)), *[escape(_cell(data[b].get(key), fmt)) for b in data])
    return table


def compare(
    vehicle: Annotated[str, typer.Option("--vehicle", "-v", help="The battery-electric bus: bundled name or "
                                         "TOML file.")] = "city-bus-12m-285kwh",
    cycle: Annotated[str | None, typer.Option("--cycle", "-c", help="Cycle name (sort1, sort2, sort3, …) or "
                                              "CSV/GPX file (default sort2).")] = None,
    route: Annotated[Path | None, typer.Option(help="Route file (CSV or TOML) instead of --cycle.")] = None,
    grid_g_per_kwh: Annotated[float, typer.Option(help="Grid CO₂e intensity at the meter [g/kWh].")] = 400.0,
    prices: Annotated[Path | None, typer.Option(help="Prices TOML file (examples/tco-prices.toml); default: "
                                                "the built-in assumptions.")] = None,
    engine: Annotated[list[str] | None, typer.Option("--engine", "-e", help="Combustion powertrain to compare: "
                                                     "diesel, cng, cng-lean; repeat (default diesel and cng).")
                      ] = None,
    charger: Annotated[str, typer.Option(help="Charger of the electric bus: depot, pantograph, dc, ac.")] = "depot",
    payload_kg: Annotated[float | None, typer.Option(help="Override the payload of every bus [kg].")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Compare a battery-electric bus with diesel and CNG buses on the same cycle: energy, cost, CO₂, TCO."""
    try:
        if cycle is not None and route is not None:
            raise InputError("--route", str(route), "either --cycle or --route, not both")
        from tyaga import route as routes
        from tyaga import tco

        where: Any = routes.load(route) if route is not None else (cycle or "sort2")
        res = tco.compare(vehicle, where, grid_g_per_kwh=grid_g_per_kwh, prices=prices,
                          engines=tuple(engine) if engine else ("diesel", "cng"), charger_kind=charger,
                          payload_kg=payload_kg)
    except InputError as exc:
        fail(exc)
        return
    out = res.to_dict()
    if as_json:
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        return
    cur = res.prices.currency
    console.print(_table(f"tyaga compare — {res.vehicle} on {res.cycle}, grid {res.grid_g_per_kwh:g} g/kWh",
                         out["energy"], ENERGY_ROWS, cur))
    p = res.prices
    console.print(_table(f"total cost of ownership — {p.years} years × {p.annual_km:,.0f} km, discount rate "
                         f"{p.discount_rate:.1%}", out["tco"], TCO_ROWS, cur))
    console.print("combustion buses: tyaga's Willans-line model on the same body and cycle; every default price "
                  "and engine parameter is an assumption (docs/tco.md)", style="dim")
