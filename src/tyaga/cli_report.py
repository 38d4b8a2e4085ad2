"""``tyaga report simulate|range|charge|sweep``: a study written as one self-contained HTML file (and a PDF).

Parses options, calls the builders of :mod:`tyaga.report` (which call the library: no physics here) and
writes the files (each to a temporary name first, then renamed: never a partial output). Register the sub-app
in :mod:`tyaga.cli` with ``app.add_typer(report_app, name="report")``. See ``docs/reports.md``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from tyaga.cli_common import console, fail
from tyaga.errors import InputError


class Procedure(str, Enum):
    wltp = "wltp"
    epa = "epa"


class ChargerKind(str, Enum):
    dc = "dc"
    ac = "ac"
    pantograph = "pantograph"
    depot = "depot"


OutOption = Annotated[Path, typer.Option("--out", "-o", help="The HTML report to write (its folder must exist).")]
PdfOption = Annotated[bool, typer.Option("--pdf", help="Also write a PDF beside it (same name, .pdf).")]
VehiclesOption = Annotated[list[str] | None, typer.Option("--vehicle", "-v", help="Bundled name or TOML file; "
                                                          "repeat for several designs.")]
AmbientOption = Annotated[float | None, typer.Option(help="Ambient temperature [°C]: adds the cabin's steady HVAC "
                                                     "load. Without it: the test condition, 23 °C, climate off.")]
PackThermalOption = Annotated[bool, typer.Option("--pack-thermal", help="Pack temperature as a state of the run.")]
PackTemperatureOption = Annotated[float | None, typer.Option(help="Pack temperature at the start [°C], with "
                                                             "--pack-thermal.")]
CabinSoakedOption = Annotated[bool, typer.Option("--cabin-soaked", help="The cabin starts at the ambient.")]
HvacOption = Annotated[bool, typer.Option("--hvac/--no-hvac", help="Cabin climate control at --ambient-c.")]
SolarOption = Annotated[float, typer.Option(help="Sun on the cabin's glazing [W/m²].")]


def _targets(out: Path, pdf: bool) -> tuple[Path, Path | None]:
    """The output paths, checked before any work (InputError naming --out)."""
    from tyaga.report import check_output

    html_path = check_output(out)
    return html_path, (html_path.with_suffix(".pdf") if pdf else None)


def _write(report: Any, html_path: Path, pdf_path: Path | None) -> None:
    from tyaga.report import pdf_page_count, write_report

    written = write_report(report, html_path, pdf_path)
    parts = [f"{written[0]} ({written[0].stat().st_size / 1024:,.0f} KiB)"]
    if pdf_path is not None:
        parts.append(f"{written[1]} ({pdf_page_count(report)} pages)")
    console.print(escape("wrote " + ", ".join(parts)), highlight=False)
    for note in report.notes:
        console.print(escape(f"note: {note}"), highlight=False)


def _run(build: Any, out: Path, pdf: bool) -> None:
    try:
        html_path, pdf_path = _targets(out, pdf)
        report = build()
        _write(report, html_path, pdf_path)
    except InputError as exc:
        fail(exc)


def report_simulate(
    vehicle: VehiclesOption = None,
    cycle: Annotated[str, typer.Option("--cycle", "-c", help="Bundled cycle name or CSV/GPX/TOML file.")] = "wltc3b",
    payload_kg: Annotated[float | None, typer.Option(help="Override the payload [kg].")] = None,
    ambient_c: AmbientOption = None,
    pack_thermal: PackThermalOption = False,
    pack_temperature_c: PackTemperatureOption = None,
    cabin_soaked: CabinSoakedOption = False,
    hvac: HvacOption = True,
    solar_w_per_m2: SolarOption = 0.0,
    out: OutOption = Path("report.html"),
    pdf: PdfOption = False,
) -> None:
    """Drive vehicles over a cycle: summary, energy breakdown, speed/power/current/SOC/temperature plots."""
    from tyaga import report as rp
    from tyaga import vehicles

    names: list[str | Path] = list(vehicle or [vehicles.DEFAULT_VEHICLE])
    _run(lambda: rp.simulation_report(names, cycle, payload_kg=payload_kg, ambient_c=ambient_c,
                                      pack_thermal=pack_thermal, pack_temperature_initial_c=pack_temperature_c,
                                      cabin_soaked=cabin_soaked, hvac_on=hvac, solar_w_per_m2=solar_w_per_m2,
                                      out=out, pdf=pdf), out, pdf)


def report_range(
    vehicle: VehiclesOption = None,
    cycle: Annotated[str | None, typer.Option("--cycle", "-c", help="Cycle for the wltp procedure "
                                              "(default wltc3b).")] = None,
    procedure: Annotated[Procedure, typer.Option(help="wltp: the cycle repeated to the end of the SOC window; "
                                                 "epa: UDDS + HWFET, 55/45, 0.7-adjusted.")] = Procedure.wltp,
    ambient_c: AmbientOption = None,
    pack_thermal: PackThermalOption = False,
    pack_temperature_c: PackTemperatureOption = None,
    cabin_soaked: CabinSoakedOption = False,
    hvac: HvacOption = True,
    solar_w_per_m2: SolarOption = 0.0,
    out: OutOption = Path("report.html"),
    pdf: PdfOption = False,
) -> None:
    """Range and consumption by a test procedure, with its assumptions and the cycles driven."""
    from tyaga import report as rp
    from tyaga import vehicles

    names: list[str | Path] = list(vehicle or [vehicles.DEFAULT_VEHICLE])
    _run(lambda: rp.range_report(names, procedure.value, cycle, ambient_c=ambient_c, pack_thermal=pack_thermal,
                                 pack_temperature_initial_c=pack_temperature_c, cabin_soaked=cabin_soaked,
                                 hvac_on=hvac, solar_w_per_m2=solar_w_per_m2, out=out, pdf=pdf), out, pdf)


def report_charge(
    vehicle: Annotated[str, typer.Option("--vehicle", "-v", help="Bundled name or TOML file.")] = "compact-ev-150kw",
    from_soc_pct: Annotated[float, typer.Option(help="Start SOC [%].")] = 10.0,
    to_soc_pct: Annotated[float, typer.Option(help="Target SOC [%].")] = 80.0,
    charger: Annotated[ChargerKind, typer.Option(help="dc, ac (on-board charger), pantograph or depot.")
                       ] = ChargerKind.dc,
    charger_kw: Annotated[float | None, typer.Option(help="Charger power [kW]; default 150 dc/depot, 11 ac, "
                                                     "450 pantograph.")] = None,
    ambient_c: Annotated[float, typer.Option(help="Ambient temperature [°C].")] = 25.0,
    cell_temperature_c: Annotated[float | None, typer.Option(help="Cell temperature at the start [°C]; default: "
                                                             "the ambient.")] = None,
    btms: Annotated[bool, typer.Option("--btms/--no-btms", help="Pack temperature as a state with the vehicle's "
                                       "heater/chiller; --no-btms: held.")] = True,
    out: OutOption = Path("report.html"),
    pdf: PdfOption = False,
) -> None:
    """Charge a vehicle: charging curve, time, energy from the grid and losses."""
    from tyaga import report as rp

    def build() -> Any:
        if charger_kw is not None and not charger_kw > 0:
            raise InputError("--charger-kw", charger_kw, "a power > 0 kW")
        for name, v in (("--from-soc-pct", from_soc_pct), ("--to-soc-pct", to_soc_pct)):
            if not 0.0 <= v <= 100.0:
                raise InputError(name, v, "0 … 100 %")
        return rp.charge_report(vehicle, from_soc_pct / 100.0, to_soc_pct / 100.0, charger.value,
                                None if charger_kw is None else charger_kw * 1e3, ambient_c=ambient_c,
                                cell_temperature_c=cell_temperature_c, btms=btms, out=out, pdf=pdf)

    _run(build, out, pdf)


def report_sweep(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by tyaga sweep.")],
    objective: Annotated[list[str] | None, typer.Option("--objective", help="COLUMN:min or COLUMN:max (repeat it; "
                                                        "default: the space's objectives).")] = None,
    top: Annotated[int, typer.Option(help="Rows of the Pareto front listed at most.")] = 50,
    out: OutOption = Path("report.html"),
    pdf: PdfOption = False,
) -> None:
    """A sweep's results: the space, feasible counts, binding constraints, best designs, the Pareto front."""
    from tyaga import report as rp

    _run(lambda: rp.sweep_report(results_dir, objective, top=top, out=out, pdf=pdf), out, pdf)


report_app = typer.Typer(add_completion=False, no_args_is_help=True,
                         help="Self-contained study reports (HTML, optionally PDF): inputs, assumptions, versions, "
                              "the command to reproduce, results tables and plots.")
report_app.command("simulate")(report_simulate)
report_app.command("range")(report_range)
report_app.command("charge")(report_charge)
report_app.command("sweep")(report_sweep)

__all__ = ["report_app"]
