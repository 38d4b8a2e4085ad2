"""Validation on real battery-electric vehicles: tyaga's EPA label and WLTP procedures vs. official values.

Reads ``validation_evs.csv`` (see ``shared/docs/validation-evs.md`` for its sources and conventions), builds
a tyaga vehicle for every row that has a mass (``curb_mass_kg`` or ``test_mass_kg``), ``cd``,
``frontal_area_m2`` and ``usable_kwh``, runs :func:`tyaga.procedures.epa_label` on all of them and
:func:`tyaga.procedures.wltp` on those with a WLTP target, and prints per vehicle the predicted and
official AC consumption [Wh/km] and range [km] with the % error, and the median absolute and median signed
% errors. ``--markdown FILE`` writes the same tables as Markdown (atomically). Method and discussion:
``docs/validation.md``.

Inputs the CSV does not give are filled by global rules — the same for every row, never tuned per
vehicle (:class:`Assumptions`):

* mass: ``curb_mass_kg`` is read as a US curb mass; an EU "mass in running order" (flagged in the row's
  notes, :data:`RUNNING_ORDER_PATTERN`) includes a 75 kg driver, which is taken off
  (Reg. (EU) 1230/2012 Art. 2(4)). Test mass = curb + the class-default payload (136 kg = 300 lb, EPA's
  loaded vehicle weight, 40 CFR 86.1803-01). A row with only ``test_mass_kg`` uses it as the test mass;
* rolling resistance coefficient: :data:`ROLLING_RESISTANCE` for all rows;
* nominal pack voltage: :data:`NOMINAL_VOLTAGE_V` for all rows (with the shortcut pack's default resistance
  the battery loss does not depend on it);
* everything else (motor power and torque, gearing, wheel radius, regen, auxiliaries, SOC window, charger
  efficiency, rotating-mass factor): tyaga's ``car`` class defaults (``tyaga.vehicle.CLASS_DEFAULTS``).

Run from the repository root: ``python benchmarks/validation_evs.py [--csv PATH] [--markdown FILE]``
(``--breakdown`` adds the energy breakdown per term, ``--sensitivity`` the medians under one-at-a-time
changes of the global assumptions). Runtime: a few seconds (Numba compilation included).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import shlex
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from tyaga import procedures, simulate, vehicles
from tyaga.vehicle import CLASS_DEFAULTS

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Default CSV: the shared data set next to the repository, else the copy under tests/data.
DEFAULT_CSV = REPO_ROOT.parent / "shared" / "data" / "validation_evs.csv"
FALLBACK_CSV = REPO_ROOT / "tests" / "data" / "validation_evs.csv"

#: Rolling resistance coefficient used for every row. 0.008 is the middle of the values FASTSim 3.1.0's
#: bundled BEVs carry (0.0070 Model 3, 0.0078 Bolt, 0.0080 Leaf, 0.0090 Zoe) and of EU tyre-label classes
#: B–C for C1 tyres (6.6–9.0 N/kN, Reg. (EU) 2020/740 Annex I); tyaga's bundled cars use 0.008–0.009.
ROLLING_RESISTANCE = 0.008
#: Nominal pack voltage used for every row [V] (typical 96s NMC pack; not published for most rows).
NOMINAL_VOLTAGE_V = 360.0
#: Driver mass included in an EU "mass in running order" [kg] (Reg. (EU) 1230/2012, Art. 2(4)(a)).
EU_DRIVER_KG = 75.0
#: Notes that mark ``curb_mass_kg`` as an EU running-order mass (driver included).
RUNNING_ORDER_PATTERN = re.compile(r"running order|includes 75 kg driver", re.IGNORECASE)
#: Columns a row needs to be simulated (plus a mass: curb_mass_kg or test_mass_kg).
REQUIRED = ("cd", "frontal_area_m2", "usable_kwh")

CAR = CLASS_DEFAULTS["car"]


@dataclass(frozen=True)
class Assumptions:
    """Global inputs for rows that do not give them. ``None`` = tyaga's car class default."""

    rolling_resistance: float = ROLLING_RESISTANCE
    nominal_voltage_v: float = NOMINAL_VOLTAGE_V
    charger_efficiency: float | None = None
    aux_power_w: float | None = None
    payload_kg: float | None = None
    motor_peak_power_kw: float | None = None
    motor_peak_torque_nm: float | None = None

    def describe(self) -> list[str]:
        """The rules as text lines (for the printout and the Markdown)."""
        d = CAR
        eff = self.charger_efficiency or d["battery"]["charger_efficiency"]
        aux = self.aux_power_w if self.aux_power_w is not None else d["powertrain"]["aux_power_w"]
        pay = self.payload_kg if self.payload_kg is not None else d["body"]["payload_kg"]
        pw = self.motor_peak_power_kw or d["powertrain"]["motor_peak_power_kw"]
        tq = self.motor_peak_torque_nm or d["powertrain"]["motor_peak_torque_nm"]
        return [
            f"test mass = US curb mass + {pay:g} kg payload (EPA loaded vehicle weight, curb + 300 lb); "
            f"an EU running-order mass loses its {EU_DRIVER_KG:g} kg driver first",
            f"rolling resistance coefficient {self.rolling_resistance:g}; air density 1.2 kg/m³",
            f"motor {pw:g} kW / {tq:g} N·m, gear ratio {d['powertrain']['gear_ratio']:g}, wheel radius "
            f"{d['powertrain']['wheel_radius_m']:g} m, regen ≤ {d['powertrain']['regen_max_power_kw']:g} kW, "
            f"rotating-mass factor {d['body']['rotating_mass_factor']:g} (car class defaults)",
            f"auxiliaries {aux:g} W; charger efficiency {eff:g} (AC = DC ÷ {eff:g})",
            f"shortcut pack: usable_kwh in the SOC window {d['battery']['soc_min']:g}–"
            f"{d['battery']['soc_max']:g}, {self.nominal_voltage_v:g} V nominal, default resistance",
        ]


@dataclass(frozen=True)
class Row:
    """One usable CSV row: the inputs and the official targets (``None`` where the CSV has none)."""

    index: int                       # 1-based data row number in the CSV
    name: str
    year: int
    curb_us_kg: float | None         # curb mass, US convention (EU driver taken off); None if not given
    test_mass_csv_kg: float | None   # the CSV's (derived) test_mass_kg, used only when there is no curb mass
    running_order: bool
    cd: float
    frontal_area_m2: float
    usable_kwh: float
    epa_wh_per_km: float | None
    epa_range_km: float | None
    wltp_wh_per_km: float | None
    wltp_range_km: float | None
    raw: dict[str, str] = field(repr=False, compare=False)


def _num(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def resolve_csv(path: str | Path | None = None) -> Path:
    """The CSV to read: ``path`` if given, else the shared data set, else the tests/data copy."""
    if path is not None:
        return Path(path)
    return DEFAULT_CSV if DEFAULT_CSV.is_file() else FALLBACK_CSV


def read_rows(path: str | Path) -> tuple[list[Row], list[str]]:
    """Rows that have the inputs, and the names of the rows skipped (with the missing inputs)."""
    rows: list[Row] = []
    skipped: list[str] = []
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=1):
            curb, test = _num(r["curb_mass_kg"]), _num(r["test_mass_kg"])
            missing = [k for k in REQUIRED if _num(r[k]) is None]
            if curb is None and test is None:
                missing.insert(0, "mass")
            if missing:
                skipped.append(f"{r['name']} (no {', '.join(missing)})")
                continue
            running = curb is not None and bool(RUNNING_ORDER_PATTERN.search(r["notes"]))
            curb_us = None if curb is None else curb - (EU_DRIVER_KG if running else 0.0)
            rows.append(Row(
                index=i, name=r["name"], year=int(r["year"]), curb_us_kg=curb_us, test_mass_csv_kg=test,
                running_order=running, cd=float(r["cd"]), frontal_area_m2=float(r["frontal_area_m2"]),
                usable_kwh=float(r["usable_kwh"]), epa_wh_per_km=_num(r["epa_combined_wh_per_km"]),
                epa_range_km=_num(r["epa_range_km"]), wltp_wh_per_km=_num(r["wltp_wh_per_km"]),
                wltp_range_km=_num(r["wltp_range_km"]), raw=dict(r),
            ))
    return rows, skipped


def vehicle_dict(row: Row, a: Assumptions = Assumptions()) -> dict[str, Any]:
    """The tyaga vehicle dict of a row: CSV inputs + the global rules; omitted keys = class defaults."""
    pay = a.payload_kg if a.payload_kg is not None else CAR["body"]["payload_kg"]
    if row.curb_us_kg is not None:
        mass = row.curb_us_kg
    else:
        assert row.test_mass_csv_kg is not None
        mass = row.test_mass_csv_kg - CAR["body"]["payload_kg"]
    body: dict[str, Any] = {
        "mass_kg": mass, "payload_kg": pay,
        "drag_coefficient": row.cd, "frontal_area_m2": row.frontal_area_m2,
        "rolling_resistance_coefficient": a.rolling_resistance,
    }
    powertrain: dict[str, Any] = {}
    if a.aux_power_w is not None:
        powertrain["aux_power_w"] = a.aux_power_w
    if a.motor_peak_power_kw is not None:
        powertrain["motor_peak_power_kw"] = a.motor_peak_power_kw
    if a.motor_peak_torque_nm is not None:
        powertrain["motor_peak_torque_nm"] = a.motor_peak_torque_nm
    battery: dict[str, Any] = {"usable_energy_kwh": row.usable_kwh, "nominal_voltage_v": a.nominal_voltage_v}
    if a.charger_efficiency is not None:
        battery["charger_efficiency"] = a.charger_efficiency
    return {
        "format_version": 1, "name": row.name, "class": "car",
        "source": "validation_evs.csv row " + str(row.index) + ": " + row.raw.get("sources", ""),
        "body": body, "powertrain": powertrain, "battery": battery,
    }


def _err(pred: float, ref: float | None) -> float:
    return 100.0 * (pred / ref - 1.0) if ref else math.nan


def evaluate(rows: Sequence[Row], a: Assumptions = Assumptions()) -> pd.DataFrame:
    """Predicted vs. official values, one row per vehicle (errors in % of the official value)."""
    specs = [vehicles.from_dict(vehicle_dict(r, a), source=f"validation_evs.csv row {r.index}") for r in rows]
    epa = procedures.epa_label(specs)
    with_wltp = [i for i, r in enumerate(rows) if r.wltp_wh_per_km is not None or r.wltp_range_km is not None]
    wltp = procedures.wltp([specs[i] for i in with_wltp]) if with_wltp else None
    out = []
    for i, r in enumerate(rows):
        e = epa.iloc[i]
        rec: dict[str, Any] = {
            "row": r.index, "name": r.name, "test_mass_kg": specs[i].body.test_mass_kg, "cd": r.cd,
            "frontal_area_m2": r.frontal_area_m2, "usable_kwh": r.usable_kwh,
            "epa_wh_per_km": r.epa_wh_per_km, "pred_epa_wh_per_km": float(e["energy_ac_wh_per_km"]),
            "err_epa_wh_per_km": _err(float(e["energy_ac_wh_per_km"]), r.epa_wh_per_km),
            "epa_range_km": r.epa_range_km, "pred_epa_range_km": float(e["range_km"]),
            "err_epa_range_km": _err(float(e["range_km"]), r.epa_range_km),
            "pred_epa_city_wh_per_km": float(e["energy_ac_wh_per_km_city"]),
            "pred_epa_highway_wh_per_km": float(e["energy_ac_wh_per_km_highway"]),
            # model-free check of the label: usable energy ÷ (range × AC consumption) ≈ charge efficiency
            "label_implied_efficiency": (1000.0 * r.usable_kwh / (r.epa_range_km * r.epa_wh_per_km)
                                         if r.epa_range_km and r.epa_wh_per_km else math.nan),
            "wltp_wh_per_km": r.wltp_wh_per_km, "wltp_range_km": r.wltp_range_km,
            "pred_wltp_wh_per_km": math.nan, "err_wltp_wh_per_km": math.nan,
            "pred_wltp_range_km": math.nan, "err_wltp_range_km": math.nan,
        }
        if wltp is not None and i in with_wltp:
            w = wltp.iloc[with_wltp.index(i)]
            rec["pred_wltp_wh_per_km"] = float(w["energy_ac_wh_per_km"])
            rec["pred_wltp_range_km"] = float(w["range_km"])
            rec["err_wltp_wh_per_km"] = _err(rec["pred_wltp_wh_per_km"], r.wltp_wh_per_km)
            rec["err_wltp_range_km"] = _err(rec["pred_wltp_range_km"], r.wltp_range_km)
        out.append(rec)
    return pd.DataFrame(out)


METRICS = {
    "err_epa_wh_per_km": "EPA combined Wh/km (primary)",
    "err_epa_range_km": "EPA range",
    "err_wltp_wh_per_km": "WLTP Wh/km",
    "err_wltp_range_km": "WLTP range",
}


def medians(df: pd.DataFrame) -> pd.DataFrame:
    """Per metric: number of rows, median |error| and median signed error [%]."""
    recs = []
    for col, label in METRICS.items():
        x = [float(v) for v in df[col] if math.isfinite(v)]
        recs.append({"metric": label, "n": len(x),
                     "median_abs_pct": statistics.median(abs(v) for v in x) if x else math.nan,
                     "median_signed_pct": statistics.median(x) if x else math.nan})
    return pd.DataFrame(recs)


def breakdown(rows: Sequence[Row], a: Assumptions = Assumptions()) -> Table:
    """Energy at the battery terminals per km by term, unadjusted DC, on UDDS and HWFET [Wh/km]."""
    specs = [vehicles.from_dict(vehicle_dict(r, a)) for r in rows]
    parts = {"aero": "energy_aero_wh", "rolling": "energy_rolling_wh",
             "drivetrain": "energy_drivetrain_loss_wh", "friction_brake": "energy_friction_brake_wh",
             "aux": "energy_aux_wh", "terminal": "energy_battery_terminal_wh",
             "battery_loss": "energy_battery_loss_wh"}
    recs = []
    for cyc in ("udds", "hwfet"):
        s = simulate(specs, cyc, timeseries=False, with_range=False, with_acceleration=False).summary
        for i, r in enumerate(rows):
            rec: dict[str, Any] = {"name": r.name, "cycle": cyc}
            for k, col in parts.items():
                rec[k] = float(s[col].iloc[i] / s["distance_km"].iloc[i])
            recs.append(rec)
    header = ["vehicle", "cycle", *parts]
    out = [[r["name"], r["cycle"], *(f"{r[k]:.1f}" for k in parts)] for r in recs]
    note = ("terminal = aero + rolling + drivetrain + friction_brake + aux (battery_loss is inside the pack, "
            "not in terminal); unadjusted DC, before ÷ 0.7 and ÷ charger efficiency")
    return header, out, [note]


def _f(x: Any, fmt: str = ".0f", signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return format(x, ("+" if signed else "") + fmt)


#: A printable table: header, rows of cells, notes below it.
Table = tuple[list[str], list[list[str]], list[str]]


def tables(df: pd.DataFrame) -> dict[str, Table]:
    """The EPA and WLTP tables and the medians, as headers + rows of strings."""
    epa_h = ["#", "vehicle", "test mass kg", "label Wh/km", "tyaga Wh/km", "err %",
             "label range km", "tyaga range km", "err %", "label η implied"]
    epa_r = [[str(r.row), r.name, _f(r.test_mass_kg), _f(r.epa_wh_per_km), _f(r.pred_epa_wh_per_km),
              _f(r.err_epa_wh_per_km, ".1f", True), _f(r.epa_range_km), _f(r.pred_epa_range_km),
              _f(r.err_epa_range_km, ".1f", True), _f(r.label_implied_efficiency, ".3f")]
             for r in df.itertuples()]
    w = df[df["pred_wltp_range_km"].notna()]
    wltp_h = ["#", "vehicle", "WLTP Wh/km", "tyaga Wh/km", "err %", "WLTP range km", "tyaga range km",
              "err %"]
    wltp_r = [[str(r.row), r.name, _f(r.wltp_wh_per_km), _f(r.pred_wltp_wh_per_km),
               _f(r.err_wltp_wh_per_km, ".1f", True), _f(r.wltp_range_km), _f(r.pred_wltp_range_km),
               _f(r.err_wltp_range_km, ".1f", True)] for r in w.itertuples()]
    m = medians(df)
    med_h = ["metric", "rows", "median abs. error %", "median signed error %"]
    med_r = [[r.metric, str(r.n), _f(r.median_abs_pct, ".1f"), _f(r.median_signed_pct, ".1f", True)]
             for r in m.itertuples()]
    return {"EPA label (combined, AC, 0.7-adjusted)": (epa_h, epa_r, []),
            "WLTP (WLTC class 3b, AC)": (wltp_h, wltp_r, []), "Medians": (med_h, med_r, [])}


#: Columns aligned left in the tables (text); the others are numbers, aligned right.
TEXT_COLUMNS = ("vehicle", "metric", "change", "battery figure", "simulated", "cycle")


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    cols = list(zip(header, *rows, strict=True)) if rows else [(h,) for h in header]
    width = [max(len(c) for c in col) for col in cols]
    left = [h in TEXT_COLUMNS for h in header]

    def line(cells: Sequence[str]) -> str:
        cols = zip(cells, width, left, strict=True)
        return "  ".join(c.ljust(w) if lf else c.rjust(w) for c, w, lf in cols)

    return "\n".join([line(header), "  ".join("-" * w for w in width), *(line(r) for r in rows)])


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    align = ["---" if h in TEXT_COLUMNS else "---:" for h in header]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def markdown(sections: dict[str, Table], a: Assumptions, csv_path: Path, command: str, n_rows: int,
             skipped: Sequence[str]) -> str:
    """The tables as a Markdown fragment (pasted into docs/validation.md)."""
    parts = [f"Generated by `{command}` from `{csv_path.name}` ({n_rows} rows simulated, "
             f"{len(skipped)} skipped for missing inputs).", "", "Global rules:", ""]
    parts += [f"* {line}" for line in a.describe()]
    if skipped:
        parts += ["", "Rows skipped: " + "; ".join(skipped) + "."]
    for title, (h, r, notes) in sections.items():
        parts += ["", f"**{title}**", "", _md_table(h, r)]
        if notes:
            parts += ["", *(f"* {n}" for n in notes)]
    return "\n".join(parts) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: One-at-a-time changes of the global assumptions for ``--sensitivity`` (label, changes).
SENSITIVITY: list[tuple[str, dict[str, Any]]] = [
    ("Crr 0.007", {"rolling_resistance": 0.007}),
    ("Crr 0.009", {"rolling_resistance": 0.009}),
    ("charger efficiency 0.85", {"charger_efficiency": 0.85}),
    ("charger efficiency 0.92", {"charger_efficiency": 0.92}),
    ("aux 150 W", {"aux_power_w": 150.0}),
    ("aux 600 W", {"aux_power_w": 600.0}),
    ("payload 0 kg", {"payload_kg": 0.0}),
    ("motor 100 kW / 250 N·m", {"motor_peak_power_kw": 100.0, "motor_peak_torque_nm": 250.0}),
    ("motor 300 kW / 600 N·m", {"motor_peak_power_kw": 300.0, "motor_peak_torque_nm": 600.0}),
]


def sensitivity_table(rows: Sequence[Row], a: Assumptions = Assumptions()) -> Table:
    """Medians under the one-at-a-time changes of :data:`SENSITIVITY` (header, rows)."""
    cols = list(METRICS.values())
    header = ["change", *cols]
    out = []
    for label, change in [("none (baseline)", {}), *SENSITIVITY]:
        m = medians(evaluate(rows, replace(a, **change))).set_index("metric")
        out.append([label, *(f"{m.loc[c, 'median_abs_pct']:.1f} / {m.loc[c, 'median_signed_pct']:+.1f}"
                             for c in cols)])
    return header, out, ["cells: median abs. error % / median signed error %"]


#: Notes that say the row's ``usable_kwh`` is not a net (usable) figure: gross, nominal, estimated or unclear.
NOT_NET_PATTERN = re.compile(
    r"\bGROSS\b|usable is a|pack energy|PRE-RELEASE|gross/usable unclear|kWh is nominal")


def implied_efficiency_table(path: str | Path, simulated: set[int] | None = None) -> Table:
    """Label-implied charge efficiency of every row with usable_kwh, EPA range and EPA Wh/km.

    EPA derives the label range and the label AC consumption from the same test (both × or ÷ 0.7), so
    ``usable / (range × consumption)`` is the DC energy the pack delivered over the AC energy it took to
    recharge — what tyaga's ``charger_efficiency`` stands for — to within the accuracy of ``usable_kwh``.
    It does not use the model. Returns the table (header, rows) and summary lines (medians by group).
    """
    simulated = simulated or set()
    header = ["#", "vehicle", "usable kWh", "battery figure", "label η implied", "simulated"]
    rows: list[list[str]] = []
    groups: dict[str, list[float]] = {k: [] for k in ("all", "net", "all, not sim.", "net, not sim.")}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=1):
            e, rng, wh = _num(r["usable_kwh"]), _num(r["epa_range_km"]), _num(r["epa_combined_wh_per_km"])
            if e is None or rng is None or wh is None:
                continue
            eta = 1000.0 * e / (rng * wh)
            net = not NOT_NET_PATTERN.search(r["notes"])
            rows.append([str(i), r["name"], f"{e:g}", "net" if net else "gross/est.", f"{eta:.3f}",
                         "yes" if i in simulated else ""])
            groups["all"].append(eta)
            if net:
                groups["net"].append(eta)
            if i not in simulated:
                groups["all, not sim."].append(eta)
                if net:
                    groups["net, not sim."].append(eta)
    summary = [f"{k}: n = {len(v)}, median {statistics.median(v):.3f}, range {min(v):.3f}–{max(v):.3f}"
               for k, v in groups.items() if v]
    return header, rows, summary


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("csv_pos", nargs="?", metavar="CSV", help="validation_evs.csv (same as --csv)")
    p.add_argument("--csv", dest="csv_opt", metavar="PATH",
                   help=f"validation_evs.csv (default: {DEFAULT_CSV}, else {FALLBACK_CSV})")
    p.add_argument("--markdown", metavar="FILE", help="also write the tables as Markdown to FILE")
    p.add_argument("--breakdown", action="store_true", help="print the energy breakdown on UDDS and HWFET")
    p.add_argument("--sensitivity", action="store_true",
                   help="print the medians under one-at-a-time changes of the global assumptions")
    p.add_argument("--implied", action="store_true",
                   help="print the label-implied charge efficiency of every row with a battery figure")
    args = p.parse_args(argv)
    csv_path = resolve_csv(args.csv_opt or args.csv_pos)
    given = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join(["python", "benchmarks/validation_evs.py", *given])
    print(f"command: {command}")
    print(f"csv: {csv_path}")
    a = Assumptions()
    rows, skipped = read_rows(csv_path)
    if not rows:
        print("no row has mass, cd, frontal_area_m2 and usable_kwh", file=sys.stderr)
        return 1
    df = evaluate(rows, a)
    print(f"{len(rows)} rows simulated; {len(skipped)} skipped for missing inputs")
    print("global rules:\n" + "\n".join(f"  - {line}" for line in a.describe()))
    sections = tables(df)
    if args.breakdown:
        sections["Energy at the battery terminals by term on UDDS and HWFET [Wh/km]"] = breakdown(rows, a)
    if args.sensitivity:
        sections["Sensitivity to the global assumptions, one change at a time"] = sensitivity_table(rows, a)
    if args.implied:
        title = "Model-free check: label-implied charge efficiency = usable_kwh / (EPA range × EPA Wh/km)"
        sections[title] = implied_efficiency_table(csv_path, {row.index for row in rows})
    for title, (h, r, notes) in sections.items():
        print(f"\n{title}\n{_text_table(h, r)}")
        for n in notes:
            print(f"  {n}")
    if args.markdown:
        write_atomic(Path(args.markdown), markdown(sections, a, csv_path, command, len(rows), skipped))
        print(f"\nwrote {args.markdown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
