"""The ``tyaga`` command line: parses options, calls the library, prints with rich. No physics here."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tyaga.cli_common import console, err_console, fail, print_error
from tyaga.errors import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="tyaga — traction batteries and electric vehicles, from cell to wheel.")

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


_print_error = print_error
_fail = fail


#: Ambient temperature of the test procedures (EPA and WLTP test at 20–30 °C; 23 °C nominal) [°C].
TEST_AMBIENT_C = 23.0


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
    ("energy_battery_loss_wh", "battery resistance [Wh]"), ("energy_aux_wh", "auxiliaries incl. HVAC [Wh]"),
    ("hvac_power_w", "of which cabin HVAC [W]"), ("energy_regen_wh", "regen recovered [Wh]"),
    ("soc_end", "SOC at the end"), ("ambient_c", "ambient [°C]"),
]


THERMAL_KEYS = [
    ("pack_temperature_min_c", "pack temperature, lowest [°C]"),
    ("pack_temperature_max_c", "pack temperature, highest [°C]"),
    ("pack_temperature_end_c", "pack temperature at the end [°C]"),
    ("energy_btms_wh", "of the auxiliaries: pack heater/chiller [Wh]"),
    ("energy_pack_heat_wh", "heat into the pack (losses + BTMS) [Wh]"),
]


#: Options of the climate and pack-temperature scenario, shared by ``simulate`` and ``range``.
PackThermalOption = Annotated[bool, typer.Option(
    "--pack-thermal", help="Pack temperature as a state: its resistance, current limits and BTMS follow it "
    "(starts at the ambient unless --pack-temperature-c).")]
PackTemperatureOption = Annotated[float | None, typer.Option(
    help="Pack temperature at the start [°C], with --pack-thermal (e.g. 25: preconditioned).")]
CabinSoakedOption = Annotated[bool, typer.Option(
    "--cabin-soaked", help="The cabin starts at the ambient and warms/cools to its setpoint (default: "
    "preconditioned, steady HVAC). Needs --ambient-c.")]
SolarOption = Annotated[float, typer.Option(
    help="Sun on the cabin's glazing [W/m²] at --ambient-c (e.g. 800 on a clear summer day).")]
HvacOption = Annotated[bool, typer.Option(
    "--hvac/--no-hvac", help="Cabin climate control at --ambient-c (--no-hvac: off, the ambient still acts "
    "on the pack).")]


@app.command()
def simulate(
    vehicle: Annotated[list[str] | None, typer.Option("--vehicle", "-v", help="Bundled name or TOML file; "
                                                      "repeat for several designs.")] = None,
    cycle: Annotated[str, typer.Option("--cycle", "-c", help="Bundled cycle name or CSV/GPX file.")] = "wltc3b",
    payload_kg: Annotated[float | None, typer.Option(help="Override the payload [kg].")] = None,
    ambient_c: Annotated[float | None, typer.Option(help="Ambient temperature [°C]: adds the cabin's steady "
                                                    "HVAC load. Without it: test conditions, 23 °C, climate "
                                                    "control off.")] = None,
    pack_thermal: PackThermalOption = False,
    pack_temperature_c: PackTemperatureOption = None,
    cabin_soaked: CabinSoakedOption = False,
    hvac: HvacOption = True,
    solar_w_per_m2: SolarOption = 0.0,
    out: Annotated[Path, typer.Option(help="Folder for the plot and the time series.")] = Path("tyaga-out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Drive vehicles over a cycle: summary table, plot PNG and time series in --out."""
    try:
        if ambient_c is not None:
            _check_ambient(ambient_c)
        if out.exists() and not out.is_dir():
            raise InputError("--out", str(out), "a folder (this is a file)")
        specs, cyc = _load_inputs(vehicle, cycle)
        from tyaga import results
        from tyaga.chain import simulate as run

        res = run(specs, cyc, payload_kg=payload_kg, ambient_c=ambient_c, pack_thermal=pack_thermal,
                  pack_temperature_initial_c=pack_temperature_c, cabin_soaked=cabin_soaked, hvac_on=hvac,
                  solar_w_per_m2=solar_w_per_m2)
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
        r["ambient_c"] = TEST_AMBIENT_C if ambient_c is None else ambient_c
    if as_json:
        _emit_json(rows)
        return
    keys = SIMULATE_KEYS + (THERMAL_KEYS if pack_thermal else [])
    console.print(_table(f"tyaga simulate — {res.cycle.name}", rows, keys))
    console.print(f"wrote {out}/summary.csv, summary.json, timeseries.csv, simulation.png")


@app.command("range")
def range_(
    vehicle: Annotated[list[str] | None, typer.Option("--vehicle", "-v", help="Bundled name or TOML file.")] = None,
    cycle: Annotated[str | None, typer.Option("--cycle", "-c", help="Cycle for the wltp procedure "
                                              "(default wltc3b).")] = None,
    procedure: Annotated[Procedure, typer.Option(help="wltp: cycle repeated to the end of the SOC window; "
                                                 "epa: UDDS + HWFET, 55/45, 0.7-adjusted.")] = Procedure.wltp,
    ambient_c: Annotated[float | None, typer.Option(help="Ambient temperature [°C]: adds the cabin's steady "
                                                    "HVAC load. Without it: the procedure's conditions (23 °C, "
                                                    "climate control off).")] = None,
    pack_thermal: PackThermalOption = False,
    pack_temperature_c: PackTemperatureOption = None,
    cabin_soaked: CabinSoakedOption = False,
    hvac: HvacOption = True,
    solar_w_per_m2: SolarOption = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Range and consumption by a test procedure."""
    try:
        if ambient_c is not None:
            _check_ambient(ambient_c)
        if procedure is Procedure.epa and cycle is not None:
            raise InputError("--cycle", cycle, "no --cycle with --procedure epa (it drives UDDS and HWFET)")
        specs, cyc = _load_inputs(vehicle, cycle)
        from tyaga import procedures

        if procedure is Procedure.epa:
            df = procedures.epa_label(specs, ambient_c=ambient_c, pack_thermal=pack_thermal,
                                      pack_temperature_initial_c=pack_temperature_c, cabin_soaked=cabin_soaked,
                                      hvac_on=hvac, solar_w_per_m2=solar_w_per_m2)
        else:
            df = procedures.wltp(specs, cyc or procedures.WLTP_CYCLE, ambient_c=ambient_c,
                                 pack_thermal=pack_thermal, pack_temperature_initial_c=pack_temperature_c,
                                 cabin_soaked=cabin_soaked, hvac_on=hvac, solar_w_per_m2=solar_w_per_m2)
    except InputError as exc:
        _fail(exc)
        return
    shown_c = TEST_AMBIENT_C if ambient_c is None else ambient_c
    rows = [{k: v for k, v in r.items()} | {"ambient_c": shown_c} for r in df.to_dict(orient="records")]
    if as_json:
        _emit_json(rows)
        return
    keys = [("procedure", "procedure"), ("range_km", "range [km]"),
            ("energy_ac_wh_per_km", "energy from the wall [Wh/km]"), ("ambient_c", "ambient [°C]"),
            ("hvac_power_w", "cabin HVAC [W]")]
    if procedure is Procedure.epa:
        keys += [("range_km_city", "range city [km]"), ("range_km_highway", "range highway [km]"),
                 ("energy_ac_wh_per_km_city", "city [Wh/km]"), ("energy_ac_wh_per_km_highway", "highway [Wh/km]")]
    else:
        keys += [("cycle", "cycle"), ("ended_by", "ended by"), ("energy_dc_wh_per_km", "at battery [Wh/km]")]
        if pack_thermal:
            keys += [("pack_temperature_end_c", "pack temperature at the end [°C]"),
                     ("energy_btms_wh", "pack heater/chiller [Wh]"),
                     ("energy_battery_loss_wh", "battery resistance [Wh]")]
    console.print(_table(f"tyaga range — {procedure.value}", rows, keys))


@app.command("list")
def list_(kind: Annotated[Kind, typer.Argument(help="vehicles, cycles or cells")]) -> None:
    """List the bundled vehicles, cycles or cells."""
    from tyaga import catalog

    if kind is Kind.cycles:
        from tyaga import cycles

        names = cycles.all_names()  # bundled files and generated cycles (SORT 1/2/3)
    else:
        names = catalog.names(kind.value)
    for name in names:
        console.print(name, highlight=False)


@app.command()
def show(
    kind: Annotated[One, typer.Argument(help="vehicle, cycle or cell")],
    name: Annotated[str, typer.Argument(help="Bundled name or file path")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
    reference: Annotated[str | None, typer.Option(help="For a cycle file: check it against the published "
                                                  "statistics of braunschweig or manhattan.")] = None,
) -> None:
    """Show one bundled vehicle, cycle or cell (with its source)."""
    try:
        if reference is not None:
            if kind is not One.cycle:
                raise InputError("--reference", reference, "only with: tyaga show cycle FILE --reference NAME")
            from tyaga import cycles

            cycles.load_checked(name, reference)  # raises naming the statistic that is off
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


# ---- tyaga cells fit: ECM identification from a pulse test or drive log (src/tyaga/fit.py; docs/cell-fit.md) ----
cells_app = typer.Typer(no_args_is_help=True, help="Cells: fit an equivalent circuit to a measured log.")
app.add_typer(cells_app, name="cells")

FIT_KEYS = [
    ("r0_ohm", "R0 [Ω]"), ("r1_ohm", "R1 [Ω]"), ("tau1_s", "τ1 [s]"), ("r2_ohm", "R2 [Ω]"), ("tau2_s", "τ2 [s]"),
    ("rms_mv", "fit RMS [mV]"), ("max_abs_mv", "fit max |error| [mV]"), ("r0_step_ohm", "R0 from voltage steps [Ω]"),
    ("steps", "current steps"), ("soc_min", "SOC min"), ("soc_max", "SOC max"), ("temperature_c", "temperature [°C]"),
    ("ocv_points", "OCV points"),
]


@cells_app.command("fit")
def cells_fit(
    data: Annotated[list[Path], typer.Argument(help="Log CSV: time_s, current_a (+ discharge), voltage_v[, "
                                                    "temperature_c]; several: one per temperature.")],
    out: Annotated[Path, typer.Option(help="Cell TOML file to write (only when the fit succeeds).")],
    name: Annotated[str, typer.Option(help="The cell's name.")],
    chemistry: Annotated[str, typer.Option(help="LFP, NMC, NCA, LTO, LMO or LCO.")],
    format_: Annotated[str, typer.Option("--format", help="cylindrical, pouch or prismatic.")],
    capacity_ah: Annotated[float, typer.Option(help="Capacity [A·h] (coulomb counting).")],
    voltage_min_v: Annotated[float, typer.Option(help="Lower cut-off voltage [V] (datasheet).")],
    voltage_max_v: Annotated[float, typer.Option(help="Upper cut-off voltage [V] (datasheet).")],
    mass_kg: Annotated[float, typer.Option(help="Cell mass [kg] (datasheet).")],
    max_discharge_c: Annotated[float, typer.Option(help="Max continuous discharge C-rate (datasheet).")],
    max_charge_c: Annotated[float, typer.Option(help="Max continuous charge C-rate (datasheet).")],
    nominal_voltage_v: Annotated[float | None, typer.Option(help="Nominal voltage [V]; default: mean OCV.")] = None,
    soc_initial: Annotated[float, typer.Option(help="SOC at the first sample (HPPC: 1.0, full and rested).")] = 1.0,
    rc_pairs: Annotated[int, typer.Option(min=1, max=2, help="Number of RC pairs (1 or 2).")] = 2,
    ocv: Annotated[str | None, typer.Option(help="Take the OCV from this bundled cell or cell TOML instead of "
                                            "fitting it.")] = None,
    ocv_step_soc: Annotated[float, typer.Option(help="SOC spacing of the fitted OCV points.")] = 0.025,
    r0_soc_step: Annotated[float | None, typer.Option(help="Fit R0 over SOC at points this far apart "
                                                      "(default: one R0).")] = None,
    max_rms_mv: Annotated[float, typer.Option(help="Largest accepted RMS voltage residual [mV].")] = 15.0,
    discharge_negative: Annotated[bool, typer.Option("--discharge-negative", help="The log's current is "
                                                     "negative on discharge.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Fit R0, RC pairs and the OCV to a pulse test (HPPC) or drive log; write a cell TOML (derived = true)."""
    try:
        if out.is_dir():
            raise InputError("--out", str(out), "a file path (this is a folder)")
        from tyaga.fit import fit_cell_file

        cell, fits, written = fit_cell_file(
            data, out, name=name, chemistry=chemistry, format=format_, capacity_ah=capacity_ah,
            voltage_min_v=voltage_min_v, voltage_max_v=voltage_max_v, mass_kg=mass_kg,
            max_discharge_c=max_discharge_c, max_charge_c=max_charge_c, nominal_voltage_v=nominal_voltage_v,
            soc_initial=soc_initial, rc_pairs=rc_pairs, ocv_from=ocv, ocv_step_soc=ocv_step_soc,
            max_rms_v=max_rms_mv / 1000.0, r0_step_soc=r0_soc_step, discharge_positive=not discharge_negative)
    except InputError as exc:
        _fail(exc)
        return
    rows: list[dict[str, Any]] = [{
        "name": cell.name, "out": str(written), "r0_ohm": f.r0_ohm, "r1_ohm": f.r1_ohm, "tau1_s": f.tau1_s,
        "r2_ohm": f.r2_ohm, "tau2_s": f.tau2_s, "rms_mv": f.rms_v * 1e3, "max_abs_mv": f.max_abs_v * 1e3,
        "r0_step_ohm": f.r0_step_ohm, "steps": f.steps, "soc_min": f.soc_min, "soc_max": f.soc_max,
        "temperature_c": f.temperature_c, "ocv_points": len(cell.ocv.soc), "ocv_fitted": f.ocv_fitted,
    } for f in sorted(fits, key=lambda f: f.temperature_c or 0.0)]
    if as_json:
        from tyaga.results import to_jsonable

        obj: Any = rows[0] if len(rows) == 1 else {"name": cell.name, "out": str(written), "temperatures": rows}
        sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")
        return
    shown = [{k: float("nan") if v is None else (f"{v:.5g}" if isinstance(v, float) else v) for k, v in r.items()}
             | {"name": f"{r['temperature_c']:g} °C" if r["temperature_c"] is not None else cell.name} for r in rows]
    console.print(_table(f"tyaga cells fit — {', '.join(p.name for p in data)}", shown, FIT_KEYS))
    console.print(f"wrote {escape(str(written))}", highlight=False)


# ---- tyaga pack: the pack builder (src/tyaga/pack.py; docs/pack-builder.md) ----
pack_app = typer.Typer(no_args_is_help=True, help="Pack builder: propose layouts, show a pack's figures.")
app.add_typer(pack_app, name="pack")

PACK_KEYS = [
    ("n_modules", "modules"), ("gross_energy_kwh", "gross energy [kWh]"),
    ("usable_energy_kwh", "usable energy [kWh]"), ("nominal_voltage_v", "nominal voltage [V]"),
    ("voltage_min_v", "min voltage [V]"), ("voltage_max_v", "max voltage [V]"), ("capacity_ah", "capacity [Ah]"),
    ("cells_mass_kg", "cells mass [kg]"), ("pack_mass_kg", "pack mass [kg]"), ("cells_volume_l", "cells volume [L]"),
    ("pack_volume_l", "pack volume [L]"), ("cell_wh_per_kg", "cell [Wh/kg]"), ("pack_wh_per_kg", "pack [Wh/kg]"),
    ("cell_wh_per_l", "cell [Wh/L]"), ("pack_wh_per_l", "pack [Wh/L]"), ("resistance_ohm", "resistance [Ω]"),
    ("continuous_power_kw", "continuous power [kW]"), ("peak_power_10s_kw", "10 s peak power [kW]"),
    ("total_cost_usd", "cost [USD]"), ("energy_error_pct", "energy vs target [%]"),
    ("voltage_error_pct", "nominal voltage vs target [%]"),
]


def _pack_print(title: str, rows: list[dict[str, Any]], as_json: bool, notes: list[str]) -> None:
    if as_json:
        from tyaga.results import to_jsonable

        sys.stdout.write(json.dumps(to_jsonable({"designs": rows, "notes": notes}), indent=2,
                                    ensure_ascii=False) + "\n")
        return
    shown = [{k: float("nan") if v is None else v for k, v in r.items()} for r in rows]
    console.print(_table(title, shown, [k for k in PACK_KEYS if any(k[0] in r for r in rows)]))
    for n in notes:
        console.print(escape(n), highlight=False)


@pack_app.command("design")
def pack_design(
    cell: Annotated[str, typer.Option(help="Bundled cell name or cell TOML file.")],
    energy_kwh: Annotated[float, typer.Option(help="Energy target [kWh] (gross unless --usable).")],
    nominal_voltage_v: Annotated[float | None, typer.Option(help="Nominal voltage target [V].")] = None,
    voltage_min_v: Annotated[float | None, typer.Option(help="Lowest voltage the system accepts [V].")] = None,
    voltage_max_v: Annotated[float | None, typer.Option(help="Highest voltage the system accepts [V].")] = None,
    usable: Annotated[bool, typer.Option("--usable", help="The energy target is the usable energy.")] = False,
    soc_min: Annotated[float, typer.Option(help="Usable SOC window, lower end.")] = 0.0,
    soc_max: Annotated[float, typer.Option(help="Usable SOC window, upper end.")] = 1.0,
    max_series: Annotated[int | None, typer.Option(help="Most cells in series.")] = None,
    module_series: Annotated[int, typer.Option(help="Cells in series in one module.")] = 1,
    module_parallel: Annotated[int, typer.Option(help="Cells in parallel in one module.")] = 1,
    mass_ratio: Annotated[float | None, typer.Option(help="Cell-to-pack mass ratio (cells / pack).")] = None,
    housing_mass_kg: Annotated[float | None, typer.Option(help="Housing mass instead of a ratio [kg].")] = None,
    volume_ratio: Annotated[float | None, typer.Option(help="Cell-to-pack volume ratio.")] = None,
    housing_volume_l: Annotated[float | None, typer.Option(help="Housing volume instead of a ratio [L].")] = None,
    busbar_resistance_ohm: Annotated[float, typer.Option(help="Per module-to-module busbar [Ω].")] = 0.0,
    interconnect_resistance_ohm: Annotated[float, typer.Option(help="Per in-module group connection [Ω].")] = 0.0,
    cooling: Annotated[str, typer.Option(help="air, liquid-plate, immersion or none.")] = "none",
    soc: Annotated[float, typer.Option(help="SOC for the power figures.")] = 0.5,
    temperature_c: Annotated[float, typer.Option(help="Cell temperature for the power figures [°C].")] = 25.0,
    top: Annotated[int, typer.Option(min=1, max=50, help="Number of layouts to list.")] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Propose layouts of a cell that meet a voltage target or window and an energy target."""
    from tyaga import pack

    try:
        opts = {"soc_min": soc_min, "soc_max": soc_max, "cell_to_pack_mass_ratio": mass_ratio,
                "housing_mass_kg": housing_mass_kg, "cell_to_pack_volume_ratio": volume_ratio,
                "housing_volume_l": housing_volume_l, "busbar_resistance_ohm": busbar_resistance_ohm,
                "interconnect_resistance_ohm": interconnect_resistance_ohm, "cooling": cooling}
        layouts = pack.propose_layouts(cell, energy_kwh * 1000.0, nominal_voltage_v, voltage_min_v, voltage_max_v,
                                       usable=usable, max_series=max_series, module_series=module_series,
                                       module_parallel=module_parallel, limit=top, **opts)
        rows = [pack.summary(x.design, soc, temperature_c) | {
            "energy_error_pct": 100.0 * x.energy_error, "meets_energy": x.meets_energy,
            "voltage_error_pct": None if x.voltage_error is None else 100.0 * x.voltage_error} for x in layouts]
    except InputError as exc:
        _fail(exc)
        return
    _pack_print(f"tyaga pack design — {rows[0]['cell']}", rows, as_json, pack.notes(layouts[0].design))


@pack_app.command("show")
def pack_show(
    file: Annotated[Path, typer.Argument(help="Pack TOML file (keys as tyaga.pack.PackDesign).")],
    soc: Annotated[float, typer.Option(help="SOC for the power figures.")] = 0.5,
    temperature_c: Annotated[float, typer.Option(help="Cell temperature for the power figures [°C].")] = 25.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Show the derived figures of a pack file."""
    from tyaga import pack

    try:
        d = pack.load(file)
        rows = [pack.summary(d, soc, temperature_c)]
    except InputError as exc:
        _fail(exc)
        return
    _pack_print(f"tyaga pack show — {file.name}", rows, as_json, pack.notes(d))


# ---- tyaga charge: CC-CV / DC / AC / pantograph / depot charging (src/tyaga/charging.py; docs/charging.md) ----
class ChargerKindOption(str, Enum):
    dc = "dc"
    ac = "ac"
    pantograph = "pantograph"
    depot = "depot"


CHARGE_KEYS = [
    ("charger", "charger"), ("charger_power_kw", "charger power [kW]"), ("temperature_c", "cell temperature [°C]"),
    ("from_soc_pct", "from SOC [%]"), ("soc_end_pct", "to SOC [%]"), ("duration_min", "duration [min]"),
    ("energy_grid_kwh", "energy from the grid [kWh]"), ("energy_battery_kwh", "energy into the battery [kWh]"),
    ("battery_loss_kwh", "battery resistance losses [kWh]"), ("charger_loss_kwh", "charger losses [kWh]"),
    ("average_power_kw", "average power at the battery [kW]"), ("peak_power_kw", "peak power at the battery [kW]"),
    ("cv_start_soc_pct", "CV phase from SOC [%]"), ("time_10_80_min", "10 → 80 % [min]"),
    ("energy_grid_10_80_kwh", "10 → 80 % from the grid [kWh]"), ("btms_energy_kwh", "of which BTMS [kWh]"),
    ("temperature_end_c", "cell temperature at the end [°C]"), ("end_reason", "ended by"),
]


@app.command()
def charge(
    vehicle: Annotated[str, typer.Option("--vehicle", "-v", help="Bundled name or TOML file.")] = "compact-ev-150kw",
    from_soc_pct: Annotated[float, typer.Option(help="Start SOC [%].")] = 10.0,
    to_soc_pct: Annotated[float, typer.Option(help="Target SOC [%].")] = 80.0,
    charger: Annotated[ChargerKindOption, typer.Option(help="dc, ac (on-board charger), pantograph or depot "
                                                       "(buses).")] = ChargerKindOption.dc,
    charger_kw: Annotated[float | None, typer.Option(help="Charger power [kW] (DC: rated output; AC: supply). "
                                                     "Default: 150 dc/depot, 11 ac, 450 pantograph.")] = None,
    ambient_c: Annotated[float, typer.Option(help="Ambient temperature [°C]; the cell temperature unless "
                                             "--cell-temperature-c.")] = 25.0,
    cell_temperature_c: Annotated[float | None, typer.Option(help="Cell temperature [°C] (e.g. preconditioned); "
                                                             "default: ambient. With --btms: at the start."
                                                             )] = None,
    btms: Annotated[bool, typer.Option("--btms/--no-btms", help="Pack temperature as a state (losses heat it; "
                                       "the vehicle's BTMS heater/chiller, powered by the charger, brings a "
                                       "cold pack into its charge window); --no-btms: the cell temperature "
                                       "is held (docs/charging.md).")] = True,
    out: Annotated[Path | None, typer.Option(help="Folder for charge.csv (time series) and charge.png "
                                             "(power curve).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Charge a vehicle: time, energy from the grid and losses for a SOC window and for 10 → 80 %."""
    import warnings as _warnings

    try:
        _check_ambient(ambient_c)
        if cell_temperature_c is not None and not AMBIENT_RANGE_C[0] <= cell_temperature_c <= AMBIENT_RANGE_C[1]:
            raise InputError("--cell-temperature-c", cell_temperature_c,
                             f"{AMBIENT_RANGE_C[0]:g} … {AMBIENT_RANGE_C[1]:g} °C")
        if out is not None and out.exists() and not out.is_dir():
            raise InputError("--out", str(out), "a folder (this is a file)")
        if charger_kw is not None and not charger_kw > 0:
            raise InputError("--charger-kw", charger_kw, "a power > 0 kW")
        if to_soc_pct <= from_soc_pct:
            raise InputError("--to-soc-pct", to_soc_pct, f"above --from-soc-pct ({from_soc_pct:g} %): a charge "
                             "raises the SOC")
        from tyaga import charging, vehicles

        spec = vehicles.load(vehicle)
        power_w = (charger_kw * 1e3 if charger_kw is not None
                   else charging.CHARGERS[charger.value]["power_w"])
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", charging.ChargingRangeWarning)
            res = charging.charge(spec, from_soc_pct / 100.0, to_soc_pct / 100.0, power_w, charger.value,
                                  ambient_c=ambient_c, temperature_c=cell_temperature_c,
                                  thermal="auto" if btms else None)
        if out is not None:
            from tyaga import results

            results.write_csv(res.data, out / "charge.csv")
            _plot_charge(res, out / "charge.png")
    except InputError as exc:
        _fail(exc)
        return
    s = res.summary

    def kilo(key: str) -> float | None:
        return None if s.get(key) is None else s[key] / 1e3

    def pct(key: str) -> float | None:
        return None if s.get(key) is None else s[key] * 100.0

    row: dict[str, Any] = dict(s) | {
        "charger_power_kw": kilo("charger_power_w"), "from_soc_pct": pct("from_soc"), "to_soc_pct": pct("to_soc"),
        "soc_end_pct": pct("soc_end"), "duration_min": s["duration_s"] / 60.0,
        "energy_grid_kwh": kilo("energy_grid_wh"), "energy_battery_kwh": kilo("energy_battery_wh"),
        "battery_loss_kwh": kilo("battery_loss_wh"), "charger_loss_kwh": kilo("charger_loss_wh"),
        "average_power_kw": kilo("average_power_w"), "peak_power_kw": kilo("peak_power_w"),
        "cv_start_soc_pct": pct("cv_start_soc"),
        "time_10_80_min": None if s.get("time_10_80_s") is None else s["time_10_80_s"] / 60.0,
        "energy_grid_10_80_kwh": kilo("energy_grid_10_80_wh"), "btms_energy_kwh": kilo("btms_energy_wh"),
    }
    curve = res.data.iloc[:: max(1, len(res.data) // 200)]
    if as_json:
        from tyaga.results import to_jsonable

        obj = row | {"power_curve": {"soc": curve["soc"].tolist(), "time_s": curve["time_s"].tolist(),
                                     "charge_power_w": curve["charge_power_w"].tolist()}}
        sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")
        return
    shown = [{k: float("nan") if row.get(k) is None else row[k] for k, _ in CHARGE_KEYS} | {"name": s["name"]}]
    console.print(_table(f"tyaga charge — {s['name']}", shown, CHARGE_KEYS))
    for note in s["warnings"]:
        err_console.print(f"[yellow]warning:[/] {escape(note)}", highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"wrote {escape(str(out))}/charge.csv, charge.png", highlight=False)


def _plot_charge(res: Any, path: Path) -> None:
    """Power curve (power at the battery and from the grid vs SOC) as a PNG, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tyaga.results import write_atomic

    d = res.data
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(d["soc"] * 100.0, d["charge_power_w"] / 1e3, label="at the battery")
    ax.plot(d["soc"] * 100.0, d["grid_power_w"] / 1e3, label="from the grid", linestyle="--")
    ax.set_xlabel("SOC [%]")
    ax.set_ylabel("power [kW]")
    ax.set_title(f"{res.summary['name']} — {res.summary['charger']} charge")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=100))
    plt.close(fig)


LIFE_KEYS = [
    ("ageing_model", "ageing model (proxy for the cell)"), ("years_to_80pct", "years to 80 % SOH"),
    ("km_to_80pct", "km to 80 % SOH"), ("soh_after_5_years_pct", "SOH after 5 years [%]"),
    ("soh_after_10_years_pct", "SOH after 10 years [%]"),
    ("resistance_growth_10_years_pct", "resistance growth after 10 years [%]"),
    ("km_per_year", "distance per year [km]"), ("energy_grid_kwh_per_year", "energy from the grid per year [kWh]"),
    ("years_simulated", "years simulated"),
]


@app.command()
def life(
    vehicle: Annotated[str, typer.Option("--vehicle", "-v", help="Bundled name or TOML file.")] = "compact-ev-150kw",
    duty: Annotated[Path, typer.Option("--duty", help="Duty TOML file (docs/life.md).")] = Path("duty.toml"),
    feedback: Annotated[str, typer.Option("--feedback", help="drive: re-drive the days on the aged pack "
                                          "(default); soc: rescale the SOC swing only; none: new-pack "
                                          "stressors every day.")] = "drive",
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Battery life on a daily duty: years and km to 80 % state of health, and the resistance growth."""
    try:
        from tyaga import life as life_mod
        from tyaga import vehicles

        spec = vehicles.load(vehicle)
        res = life_mod.life(spec, duty, feedback=feedback)
    except InputError as exc:
        _fail(exc)
        return
    row = res.to_dict()
    if as_json:
        from tyaga.results import to_jsonable

        sys.stdout.write(json.dumps(to_jsonable(row), indent=2, ensure_ascii=False) + "\n")
        return

    def pct(v: float | None, minus: float = 0.0) -> float:
        return float("nan") if v is None else (v - minus) * 100.0

    shown = row | {"name": res.vehicle, "soh_after_5_years_pct": pct(row["soh_after_5_years"]),
                   "soh_after_10_years_pct": pct(row["soh_after_10_years"]),
                   "resistance_growth_10_years_pct": pct(row["resistance_after_10_years"], 1.0)}
    shown = {k: (float("nan") if v is None else v) for k, v in shown.items()}
    console.print(_table(f"tyaga life — {res.vehicle} on {res.duty or duty.name}", [shown], LIFE_KEYS))
    if row["years_to_80pct"] == float("inf"):
        console.print(f"80 % SOH not reached within {res.years:g} years (—)", highlight=False)
    for note in res.notes:
        err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)


@app.command()
def payload(
    vehicle: Annotated[str, typer.Option("--vehicle", "-v",
                                         help="Bundled name or TOML file.")] = "van-utility-90kwh-lfp",
    cycle: Annotated[str, typer.Option("--cycle", "-c", help="Bundled cycle name or CSV/GPX file.")] = "wltc3b",
    steps: Annotated[int, typer.Option(help="Payloads from empty to the gross vehicle weight.")] = 6,
    payload_kg: Annotated[list[float] | None, typer.Option(help="Payloads [kg] instead (repeat).")] = None,
    ambient_c: Annotated[float | None, typer.Option(help="Ambient temperature [°C] (cabin HVAC load).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Consumption and range against payload, from empty to the gross vehicle weight (one batch)."""
    try:
        if ambient_c is not None:
            _check_ambient(ambient_c)
        specs, cyc = _load_inputs([vehicle], cycle)
        from tyaga import procedures

        df = procedures.payload_sweep(specs[0], cyc, payloads_kg=payload_kg, steps=steps, ambient_c=ambient_c)
    except InputError as exc:
        _fail(exc)
        return
    rows = df.to_dict(orient="records")
    if as_json:
        _emit_json([{"vehicle": specs[0].name, "cycle": cyc.name, "payloads": rows}])
        return
    table = Table(title=escape(f"tyaga payload — {specs[0].name} on {cyc.name}"))
    for col in ("payload [kg]", "test mass [kg]", "at battery [Wh/km]", "from the wall [Wh/km]", "range [km]"):
        table.add_column(escape(col), justify="right")
    for r in rows:
        table.add_row(*(_fmt(r[k]) for k in ("payload_kg", "test_mass_kg", "energy_dc_wh_per_km",
                                             "energy_ac_wh_per_km", "range_km")))
    console.print(table)


# ---- tyaga plant: a plant's yearly output and its packs' bill of materials (src/tyaga/plant.py; docs/plant.md) ----
PLANT_KEYS = [
    ("share", "share of cell energy"), ("cell", "cell"), ("layout", "layout"), ("cells_per_pack", "cells per pack"),
    ("modules_per_pack", "modules per pack"), ("pack_gross_energy_kwh", "pack energy [kWh]"),
    ("cells_in_per_year", "cells in [1/yr]"), ("cell_energy_in_gwh_per_year", "cell energy in [GWh/yr]"),
    ("modules_per_year", "good modules [1/yr]"), ("packs_per_year", "good packs [1/yr]"),
    ("vehicles_per_year", "vehicles [1/yr]"), ("packs_per_day", "packs per operating day"),
    ("cells_scrapped_at_module_per_year", "cells scrapped at module assembly [1/yr]"),
    ("cells_scrapped_at_pack_per_year", "cells scrapped at pack assembly [1/yr]"),
    ("pack_energy_gwh_per_year", "pack energy out [GWh/yr]"), ("bom_mass_kg", "pack mass [kg]"),
    ("bom_cost_usd", "pack cost [USD]"), ("bom_cost_usd_per_kwh", "pack cost [USD/kWh]"),
    ("domestic_value_share", "domestic value share"),
]


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else float("nan")


@app.command()
def plant(
    vehicle: Annotated[list[str] | None, typer.Option(
        "--vehicle", "-v", help="Product: bundled vehicle name, vehicle TOML or pack TOML; repeat for a mix.")] = None,
    share: Annotated[list[float] | None, typer.Option(
        help="Share of the plant's cell energy for each --vehicle, in the same order (they sum to 1).")] = None,
    plant_file: Annotated[Path | None, typer.Option(
        "--plant", help="Plant TOML file (keys as tyaga.plant.PlantSpec); options given here override it.")] = None,
    gwh: Annotated[float | None, typer.Option("--gwh", help="Annual output as cell energy [GWh/yr].")] = None,
    cells: Annotated[float | None, typer.Option("--cells", help="Annual output in cells [1/yr].")] = None,
    cell_to_module_yield: Annotated[float | None, typer.Option(
        help="Good modules / modules built (default 0.97, an assumption).")] = None,
    module_to_pack_yield: Annotated[float | None, typer.Option(
        help="Good packs / packs built (default 0.99, an assumption).")] = None,
    days: Annotated[float | None, typer.Option("--days", help="Operating days per year.")] = None,
    origin: Annotated[list[str] | None, typer.Option(
        help="Origin of a BOM component as COMPONENT=LABEL (e.g. cells=RU); repeat.")] = None,
    domestic_origin: Annotated[str | None, typer.Option(
        help='Origin label counted as domestic besides "domestic" (e.g. RU).')] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """A plant's yearly output (cells, modules, packs, vehicles) and its packs' bill of materials."""
    from tyaga import plant as plant_mod

    try:
        data: dict[str, Any] = plant_mod.load(plant_file).model_dump(exclude_none=True) if plant_file else {}
        if gwh is not None or cells is not None:
            data.pop("energy_gwh_per_year", None)
            data.pop("cells_per_year", None)
        extra = {"energy_gwh_per_year": gwh, "cells_per_year": cells, "cell_to_module_yield": cell_to_module_yield,
                 "module_to_pack_yield": module_to_pack_yield, "operating_days_per_year": days}
        data |= {k: v for k, v in extra.items() if v is not None}
        if vehicle:
            shares = share or ([1.0] if len(vehicle) == 1 else [])
            if len(shares) != len(vehicle):
                raise InputError("--share", share, f"one share per --vehicle ({len(vehicle)} given)")
            data["mix"] = dict(zip(vehicle, shares, strict=True))
        elif share:
            raise InputError("--share", share, "shares only with --vehicle")
        bom = data.setdefault("bom", {})
        for item in origin or []:
            component, sep, label = item.partition("=")
            if not sep:
                raise InputError("--origin", item, "COMPONENT=LABEL, e.g. cells=RU")
            bom.setdefault("origins", {})[component.strip()] = label.strip()
        if domestic_origin is not None:
            bom["domestic_origin"] = domestic_origin
        report = plant_mod.plant_report(plant_mod.PlantSpec(**data))
    except InputError as exc:
        _fail(exc)
        return
    if as_json:
        from tyaga.results import to_jsonable

        sys.stdout.write(json.dumps(to_jsonable(report), indent=2, ensure_ascii=False) + "\n")
        return
    rows = [r | {"name": r["product"], "bom_mass_kg": r["bom"]["mass_kg"], "bom_cost_usd": r["bom"]["cost_usd"],
                 "bom_cost_usd_per_kwh": r["bom"]["cost_usd_per_kwh"],
                 "domestic_value_share": r["bom"]["domestic_value_share"]} for r in report["products"]]
    total = {k: "—" for k, _ in PLANT_KEYS} | report["plant"] | {"name": "plant total"}
    shown = [{k: float("nan") if v is None else v for k, v in r.items()} for r in [*rows, total]]
    console.print(_table(escape(f"tyaga plant — {report['plant']['name'] or 'yearly output'}"), shown,
                         [k for k in PLANT_KEYS if any(k[0] in r for r in shown)]))
    for r in rows:
        b = r["bom"]
        table = Table(title=escape(f"bill of materials — one pack of {r['name']}"))
        for col in ("component", "mass [kg]", "mass [%]", "cost [USD]", "cost [%]", "origin"):
            table.add_column(escape(col), justify="left" if col in ("component", "origin") else "right")
        for x in b["lines"]:
            table.add_row(escape(x["component"]), _fmt(x["mass_kg"]), _fmt(_pct(x["mass_kg"], b["mass_kg"])),
                          _fmt(x["cost_usd"]), _fmt(_pct(x["cost_usd"], b["cost_usd"])), escape(x["origin"]))
        table.add_row("total", _fmt(b["mass_kg"]), _fmt(100.0), _fmt(b["cost_usd"]), _fmt(100.0),
                      f"domestic {100.0 * b['domestic_value_share']:.1f} %")
        console.print(table)
    p = report["plant"]
    console.print(escape(f"pack value {p['pack_value_usd_per_year']:,.0f} USD/yr, made domestically "
                         f"{100.0 * p['domestic_value_share']:.1f} %; yearly rates, not whole units; the non-cell "
                         "mass and cost splits, yields and origins are labelled assumptions (docs/plant.md)"),
                  highlight=False)


# ---- tyaga trolleybus: off-wire range and the least wire share on a route (src/tyaga/trolleybus.py) ----
TROLLEY_KEYS = [
    ("condition", "condition"), ("route_km", "lap [km]"), ("route_wire_share", "wire on the route"),
    ("route_soc_min", "lowest SOC on a lap"), ("longest_off_wire_km", "longest off-wire stretch [km]"),
    ("least_wire_share", "least wire share"), ("least_wire_off_wire_km", "off-wire per lap at that share [km]"),
    ("least_wire_trace_miss_s", "behind the trace at that share [s]"),
]


def _parse_battery(text: str) -> dict[str, Any]:
    """``[CELL:]NsMp`` → ``{"cell": …, "series": N, "parallel": M}`` (the cell only when given)."""
    import re

    m = re.fullmatch(r"\s*(?:([A-Za-z0-9_.\-/]+):)?(\d+)\s*s\s*(\d+)\s*p\s*", text or "")
    if not m:
        raise InputError("--battery", text, "[CELL:]NsMp, e.g. 168s1p or nmc-samsung-94ah:168s2p")
    out: dict[str, Any] = {"series": int(m.group(2)), "parallel": int(m.group(3))}
    if m.group(1):
        out["cell"] = m.group(1)
    return out


@app.command()
def trolleybus(
    route_file: Annotated[Path, typer.Option("--route", "-r", help="Route CSV/TOML (docs/routes.md); its "
                                             "under_wire segments are the line's wire.")],
    vehicle: Annotated[str, typer.Option("--vehicle", "-v", help="A vehicle with a [collector] (bundled name "
                                         "or TOML).")] = "trolleybus-12m-58kwh",
    battery: Annotated[str | None, typer.Option(help="Battery instead of the vehicle's: [CELL:]NsMp, e.g. "
                                                "168s2p.")] = None,
    placement: Annotated[str, typer.Option(help="Where added wire goes: start (one stretch from the start of "
                                           "the lap) or spread (the start of every stop-to-stop section).")] = "start",
    day_km: Annotated[float, typer.Option(help="Service day over which a wire share must hold [km].")] = 250.0,
    mild_c: Annotated[float, typer.Option(help="Ambient of the new-battery condition [°C].")] = 10.0,
    winter_c: Annotated[float, typer.Option(help="Ambient of the end-of-life condition [°C].")] = -20.0,
    eol_capacity: Annotated[float, typer.Option(help="Capacity at end of life, relative to new.")] = 0.8,
    eol_resistance: Annotated[float, typer.Option(help="Resistance at end of life, relative to new.")] = 1.5,
    out: Annotated[Path | None, typer.Option(help="Folder for soc_along_route.csv, study.csv and a plot.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """A trolleybus on a route: SOC along the line, the longest off-wire stretch and the least share of wire
    it needs, new on a mild day and at end of life in winter."""
    try:
        for name, val in (("--mild-c", mild_c), ("--winter-c", winter_c)):
            if not AMBIENT_RANGE_C[0] <= val <= AMBIENT_RANGE_C[1]:
                raise InputError(name, val, f"{AMBIENT_RANGE_C[0]:g} … {AMBIENT_RANGE_C[1]:g} °C")
        from tyaga import route, vehicles
        from tyaga import trolleybus as tb

        spec = vehicles.load(vehicle)
        if battery is not None:
            upd = _parse_battery(battery)
            try:
                spec = spec.model_copy(update={"battery": type(spec.battery).model_validate(
                    {**spec.battery.model_dump(), **upd})})
            except Exception as exc:  # pydantic's ValidationError: name the option
                raise InputError("--battery", battery, f"a valid battery ({str(exc).splitlines()[-1].strip()})") \
                    from None
        line = route.load(route_file)
        trace = route.generate(line)
        conditions = (
            tb.Condition(f"new, {mild_c:+g} °C", mild_c),
            tb.Condition(f"end of life, {winter_c:+g} °C", winter_c, eol_capacity, eol_resistance,
                         pack_temperature_initial_c=tb.EOL_WINTER.pack_temperature_initial_c),
        )
        df = tb.study(spec, trace, conditions, placement=placement, day_km=day_km)
        run = tb.drive(spec, trace, conditions[0])
    except InputError as exc:
        _fail(exc)
        return
    rows = df.to_dict(orient="records")
    if out is not None:
        _write_trolleybus(out, run, df)
    if as_json:
        _emit_json([{"vehicle": spec.name, "route": line.name, "placement": placement, "day_km": day_km,
                     "conditions": rows}])
        return
    console.print(_table(f"tyaga trolleybus — {spec.name} on {line.name} ({placement} wire)", rows, TROLLEY_KEYS))
    for r in rows:
        if r["least_wire_share"] is None or r["least_wire_share"] > 0:
            console.print(escape(f"{r['condition']}: {r['least_wire_reason']} just below the least share"),
                          highlight=False)


def _write_trolleybus(out: Path, run: Any, df: Any) -> None:
    """Write the SOC table, the study table and a plot; each file written whole (temp file, then rename)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("soc_along_route.csv", run.series), ("study.csv", df)):
        tmp = out / (name + ".tmp")
        frame.to_csv(tmp, index=False)
        tmp.replace(out / name)
    fig, ax = plt.subplots(figsize=(9, 4))
    s = run.series
    ax.plot(s["distance_m"] / 1000.0, s["soc"] * 100.0, color="tab:blue", label="SOC")
    wired = s["under_wire"].to_numpy() > 0
    ax.fill_between(s["distance_m"] / 1000.0, 0, 100, where=wired, color="tab:orange", alpha=0.15,
                    label="under the wire", step="pre")
    ax.set_xlabel("distance [km]")
    ax.set_ylabel("SOC [%]")
    ax.set_ylim(0, 100)
    ax.legend(loc="lower left")
    ax.set_title(f"{run.summary['name']} — {run.summary['condition']}")
    fig.tight_layout()
    tmp = out / "soc_along_route.png.tmp"
    fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    tmp.replace(out / "soc_along_route.png")


# commands whose code lives in their own modules (src/tyaga/cli_*.py)
from tyaga.cli_app import app_command as _app_command  # noqa: E402
from tyaga.cli_bus import bus_app as _bus_app  # noqa: E402
from tyaga.cli_fleet import fleet_command as _fleet  # noqa: E402
from tyaga.cli_pareto import pareto as _pareto  # noqa: E402
from tyaga.cli_report import report_app as _report_app  # noqa: E402
from tyaga.cli_sweep import sweep as _sweep  # noqa: E402
from tyaga.cli_tco import compare as _compare  # noqa: E402

app.command("fleet")(_fleet)
app.command("compare")(_compare)
app.command("sweep")(_sweep)
app.command("pareto")(_pareto)
app.command("app")(_app_command)
app.add_typer(_bus_app, name="bus")
app.add_typer(_report_app, name="report")


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
