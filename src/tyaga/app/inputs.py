"""The workbench's inputs and outputs, without Streamlit: designs, uploads, loading, the runs and the zip.

A *design* is a vehicle (bundled name or uploaded TOML) with an optional cell (bundled name or uploaded TOML)
and overrides (cells in series/parallel, payload). A *cycle choice* is a bundled cycle name or an uploaded
CSV/GPX/TOML file (a drive cycle, a cycle recipe, or a route by distance, as ``tyaga simulate --cycle``).

Uploaded files live in memory (bytes). The library's loaders read paths, so :func:`prepared` writes them into a
fresh folder under ``<workdir>/.tyaga-app/`` (never elsewhere: the names are fixed by role, not taken from the
upload), yields the loaded specs, and deletes the folder when the block ends; every run happens inside it.
Errors are the library's :class:`~tyaga.errors.InputError`, with the temporary paths replaced by the names
of the uploaded files, so the page shows the message the CLI would print for that file.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import tomllib
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tyaga.errors import InputError

#: Folder (under the app's working folder) for the uploads of the runs in progress.
SCRATCH_DIR = ".tyaga-app"
#: Suffixes accepted for an uploaded cycle or route file.
CYCLE_SUFFIXES = (".csv", ".txt", ".gpx", ".toml")
#: Most designs compared side by side.
MAX_DESIGNS = 4
#: Payload accepted by the workbench [kg] (as :func:`tyaga.chain.simulate`).
PAYLOAD_RANGE_KG = (0.0, 40000.0)
#: Ambient temperature accepted by the workbench [°C] (as the CLI).
AMBIENT_RANGE_C = (-50.0, 60.0)


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its name as given by the browser (shown only, never used as a path) and its bytes."""

    name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Design:
    """One design: a vehicle with an optional cell and overrides.

    ``vehicle``: a bundled vehicle name or an :class:`Upload` of a vehicle TOML. ``cell``: ``None`` (the
    vehicle's own), a bundled cell name or an :class:`Upload` of a cell TOML. ``series`` / ``parallel``: cells
    in series / strings in parallel (``None``: the vehicle's). ``payload_kg``: payload [kg] (``None``: the
    vehicle's). ``label``: the name shown (default the vehicle's name).
    """

    vehicle: str | Upload
    cell: str | Upload | None = None
    series: int | None = None
    parallel: int | None = None
    payload_kg: float | None = None
    label: str | None = None

    def describe(self) -> str:
        """One line for a list of designs."""
        parts = [self.vehicle.name if isinstance(self.vehicle, Upload) else self.vehicle]
        if self.cell is not None:
            parts.append("cell " + (self.cell.name if isinstance(self.cell, Upload) else self.cell))
        if self.series is not None or self.parallel is not None:
            parts.append(f"{self.series or '·'}s{self.parallel or '·'}p")
        if self.payload_kg is not None:
            parts.append(f"payload {self.payload_kg:g} kg")
        return ", ".join(parts)


@dataclass
class Prepared:
    """What :func:`prepared` yields: the specs, the cycle, the GPS track (GPX only) and the file paths."""

    specs: list[Any]
    cycle: Any
    track: pd.DataFrame | None
    folder: Path
    cycle_path: Path | None = None
    names: dict[str, str] = field(default_factory=dict)  # temporary path → name shown


def check_number(field_name: str, value: float | None, lo: float, hi: float, unit: str) -> float | None:
    """``value`` when it is ``None`` or finite within ``lo … hi``; else an :class:`InputError` naming it."""
    if value is None:
        return None
    if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value <= hi):
        raise InputError(field_name, value, f"{lo:g} … {hi:g} {unit}".strip())
    return float(value)


def scratch_root(workdir: str | Path) -> Path:
    """The folder under ``workdir`` that holds the temporary upload folders."""
    return Path(workdir).resolve() / SCRATCH_DIR


def _write(folder: Path, stem: str, upload: Upload, suffixes: Sequence[str], what: str) -> Path:
    suffix = Path(upload.name).suffix.lower()
    if suffix not in suffixes:
        raise InputError(f"{what} file", upload.name, "a " + ", ".join(suffixes) + " file")
    path = folder / f"{stem}{suffix}"
    path.write_bytes(upload.data)
    return path


def _vehicle_data(design: Design, folder: Path, index: int, names: dict[str, str]) -> tuple[dict[str, Any], str,
                                                                                              Path]:
    """The raw vehicle dict of a design (overrides applied), its source name and its folder."""
    from tyaga.catalog import read_toml, resolve

    if isinstance(design.vehicle, Upload):
        path = _write(folder, f"vehicle-{index}", design.vehicle, (".toml",), "vehicle")
        names[str(path)] = design.vehicle.name
        source = design.vehicle.name
    else:
        if not isinstance(design.vehicle, str) or not design.vehicle:
            raise InputError("vehicle", design.vehicle, "a bundled vehicle name or an uploaded TOML file")
        from tyaga import vehicles

        if design.vehicle not in vehicles.names():  # a name only: never a path on the server
            from tyaga.errors import UnknownNameError

            raise UnknownNameError("vehicle", design.vehicle, vehicles.names())
        path = resolve("vehicles", design.vehicle)
        source = design.vehicle
    data = read_toml(path)
    if not isinstance(data.get("battery", {}), dict):
        return data, source, path.parent
    battery = dict(data.get("battery", {}))
    if isinstance(design.cell, Upload):
        cpath = _write(folder, f"cell-{index}", design.cell, (".toml",), "cell")
        names[str(cpath)] = design.cell.name
        battery["cell"] = str(cpath)
    elif isinstance(design.cell, str) and design.cell:
        from tyaga import cells

        if design.cell not in cells.names():
            from tyaga.errors import UnknownNameError

            raise UnknownNameError("cell", design.cell, cells.names())
        battery["cell"] = design.cell
    for key, value, hi in (("series", design.series, 2000), ("parallel", design.parallel, 500)):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
                raise InputError(f"battery.{key}", value, f"a whole number 1 … {hi}")
            battery[key] = value
    if design.cell is not None and "usable_energy_kwh" in battery:
        battery.pop("usable_energy_kwh", None)  # a cell-built pack replaces the shortcut
        battery.pop("nominal_voltage_v", None)
        battery.pop("resistance_ohm", None)
    data = {**data, "battery": battery}
    if design.payload_kg is not None:
        check_number("payload_kg", design.payload_kg, *PAYLOAD_RANGE_KG, "kg")
        body = dict(data.get("body", {})) if isinstance(data.get("body", {}), dict) else {}
        body["payload_kg"] = float(design.payload_kg)
        data["body"] = body
    if design.label:
        data["name"] = design.label
    return data, source, path.parent


def load_design(design: Design, folder: Path, index: int = 0, names: dict[str, str] | None = None) -> Any:
    """The :class:`~tyaga.vehicle.VehicleSpec` of a design; uploads are written into ``folder`` (which must
    outlive the spec's use: the pack's cell is read from there when the run builds the pack)."""
    from tyaga.vehicle import parse_vehicle

    names = {} if names is None else names
    data, source, base = _vehicle_data(design, folder, index, names)
    return parse_vehicle(data, source=source, base_dir=str(base))


def _cycle(choice: str | Upload, folder: Path, names: dict[str, str]) -> tuple[Any, Path | None]:
    from tyaga import cycles

    if isinstance(choice, Upload):
        path = _write(folder, "cycle", choice, CYCLE_SUFFIXES, "cycle")
        names[str(path)] = choice.name
        return cycles.load(path), path
    if not isinstance(choice, str) or choice not in cycles.all_names():
        from tyaga.errors import UnknownNameError

        raise UnknownNameError("cycle", str(choice), cycles.all_names())
    return cycles.load(choice), None


def gpx_track(path: str | Path, time_s: np.ndarray) -> pd.DataFrame | None:
    """Longitude and latitude [°] of a GPX track at the times ``time_s`` [s since its first point], linear
    between the track points (the time base of :func:`tyaga.cycle.from_gpx`); ``None`` without a usable track."""
    import gpxpy

    try:
        gpx = gpxpy.parse(Path(path).read_text(encoding="utf-8-sig"))
    except Exception:  # gpxpy raises several kinds; the cycle loader has already named the problem
        return None
    pts = [p for trk in gpx.tracks for seg in trk.segments for p in seg.points if p.time is not None]
    if len(pts) < 2:
        return None
    stamps = np.array([p.time.timestamp() for p in pts])  # type: ignore[union-attr]
    keep = np.concatenate(([True], np.diff(stamps) > 0))
    t = stamps[keep] - stamps[0]
    lon = np.array([p.longitude for p in pts])[keep]
    lat = np.array([p.latitude for p in pts])[keep]
    return pd.DataFrame({"time_s": time_s, "lon_deg": np.interp(time_s, t, lon),
                         "lat_deg": np.interp(time_s, t, lat)})


def friendly(exc: InputError, names: dict[str, str]) -> str:
    """The error's message with temporary paths replaced by the uploaded files' names."""
    text = str(exc)
    for tmp, shown in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(tmp, shown)
    return text


@contextlib.contextmanager
def prepared(designs: Sequence[Design], cycle: str | Upload, workdir: str | Path) -> Iterator[Prepared]:
    """Load the designs and the cycle, uploads written to a fresh folder under ``workdir`` (deleted on exit).

    Raises :class:`InputError` with the message of the library's loader (temporary paths replaced by the
    uploads' names).
    """
    if not designs:
        raise InputError("designs", 0, "at least one design")
    if len(designs) > MAX_DESIGNS:
        raise InputError("designs", len(designs), f"at most {MAX_DESIGNS}")
    root = scratch_root(workdir)
    folder = root / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=False)
    names: dict[str, str] = {str(folder): "(upload)"}
    try:
        specs = [load_design(d, folder, i, names) for i, d in enumerate(designs)]
        cyc, cpath = _cycle(cycle, folder, names)
        track = gpx_track(cpath, np.asarray(cyc.time_s)) if cpath is not None and cpath.suffix == ".gpx" else None
        yield Prepared(specs, cyc, track, folder, cpath, names)
    except InputError as exc:
        raise _RenamedError(friendly(exc, names), exc) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            root.rmdir()  # only when empty: other sessions' runs may be using it


class _RenamedError(InputError):
    """An :class:`InputError` whose message names the uploads instead of their temporary paths."""

    def __init__(self, message: str, original: InputError) -> None:
        super().__init__(original.field, original.value, original.allowed, original.source, original.hint)
        self.message = message
        self.args = (message,)

    def __str__(self) -> str:
        return self.message


# ------------------------------------------------------------------------------------------------ runs

STUDIES = ("simulation", "range", "charging", "life")


@dataclass
class Outcome:
    """A finished study: ``tables`` (name → DataFrame, written as CSV and Parquet), ``headline`` (label →
    number shown on the page, in display units), the raw result objects and the settings that reproduce it."""

    study: str
    tables: dict[str, pd.DataFrame]
    headline: dict[str, float]
    settings: dict[str, Any]
    result: Any = None
    track: pd.DataFrame | None = None
    inputs: dict[str, bytes] = field(default_factory=dict)


def input_files(designs: Sequence[Design], cycle: str | Upload, workdir: str | Path) -> dict[str, bytes]:
    """The files that reproduce a run: ``inputs/…`` name → bytes (the uploaded files as given, the bundled
    vehicle/cell/cycle files copied from the package; a generated cycle written as CSV)."""
    from tyaga.catalog import resolve

    out: dict[str, bytes] = {}
    for i, d in enumerate(designs):
        if isinstance(d.vehicle, Upload):
            out[f"inputs/vehicle-{i}.toml"] = d.vehicle.data
        else:
            out[f"inputs/vehicle-{i}.toml"] = resolve("vehicles", d.vehicle).read_bytes()
        if isinstance(d.cell, Upload):
            out[f"inputs/cell-{i}.toml"] = d.cell.data
        elif isinstance(d.cell, str):
            out[f"inputs/cell-{i}.toml"] = resolve("cells", d.cell).read_bytes()
    if isinstance(cycle, Upload):
        out["inputs/cycle" + Path(cycle.name).suffix.lower()] = cycle.data
    else:
        from tyaga import cycles
        from tyaga.cycle import to_csv

        if cycle in cycles.names():
            p = resolve("cycles", cycle)
            out["inputs/cycle" + p.suffix] = p.read_bytes()  # a recipe may name other bundled cycles: still loads
        else:
            out["inputs/cycle.csv"] = scratch_bytes(lambda path: to_csv(cycles.load(cycle), path), ".csv", workdir)
    return out


def scratch_bytes(write: Any, suffix: str, workdir: str | Path) -> bytes:
    """Bytes of a file that ``write(path)`` writes, through a temporary file in a fresh folder under
    ``workdir/.tyaga-app/`` (deleted at once)."""
    root = scratch_root(workdir)
    folder = root / uuid.uuid4().hex
    folder.mkdir(parents=True)
    try:
        p = folder / f"out{suffix}"
        write(p)
        return p.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            root.rmdir()


def design_settings(designs: Sequence[Design]) -> list[dict[str, Any]]:
    """The designs as JSON-ready dicts, naming the files of :func:`input_files`."""
    rows = []
    for i, d in enumerate(designs):
        cell = None if d.cell is None else f"inputs/cell-{i}.toml"
        rows.append({"vehicle_file": f"inputs/vehicle-{i}.toml",
                     "vehicle": d.vehicle.name if isinstance(d.vehicle, Upload) else d.vehicle,
                     "cell_file": cell,
                     "cell": None if d.cell is None else (d.cell.name if isinstance(d.cell, Upload) else d.cell),
                     "series": d.series, "parallel": d.parallel, "payload_kg": d.payload_kg, "label": d.label})
    return rows


def run_study(study: str, designs: Sequence[Design], cycle: str | Upload, workdir: str | Path,
              options: dict[str, Any] | None = None) -> Outcome:
    """Run one study on the designs and the cycle; ``options`` per study (SI except where named):

    * ``simulation``: ``ambient_c`` [°C] or None, ``pack_thermal`` (bool);
    * ``range``: ``procedure`` (``"wltp"``, ``"epa"`` or ``"cycle"`` — the chosen cycle back to back),
      ``ambient_c``;
    * ``charging`` (first design): ``from_soc``, ``to_soc`` [0 … 1], ``charger_kw`` [kW], ``charger_kind``
      (``"dc"``, ``"ac"``…), ``ambient_c``;
    * ``life`` (first design): ``cycles_per_day``, ``driving_days_per_week``, ``years``, ``charger``
      (``"ac"``/``"dc"``…), ``charge_to_soc_pct`` [%], ``ambient_c``.

    Raises :class:`InputError` for bad input (from the library, or here for the options).
    """
    from tyaga import __version__

    opts = dict(options or {})
    if study not in STUDIES:
        raise InputError("study", study, "one of " + ", ".join(STUDIES))
    ambient = check_number("ambient_c", opts.get("ambient_c"), *AMBIENT_RANGE_C, "°C")
    with prepared(designs, cycle, workdir) as prep:
        out = _run(study, prep, opts, ambient)
    out.inputs = input_files(designs, cycle, workdir)
    out.settings = {"tyaga_version": __version__, "study": study, "designs": design_settings(designs),
                    "cycle": cycle.name if isinstance(cycle, Upload) else cycle,
                    "cycle_file": next(k for k in out.inputs if k.startswith("inputs/cycle")),
                    "options": dict(opts)}
    out.track = prep.track
    return out


def _run(study: str, prep: Prepared, opts: dict[str, Any], ambient: float | None) -> Outcome:
    if study == "simulation":
        from tyaga import results
        from tyaga.chain import simulate

        res = simulate(prep.specs, prep.cycle, ambient_c=ambient, pack_thermal=bool(opts.get("pack_thermal")))
        assert res.timeseries is not None
        summary = res.summary.reset_index()
        first = summary.iloc[0]
        head = {"energy at the battery [Wh/km]": float(first["energy_dc_wh_per_km"]),
                "range on this cycle [km]": float(first["range_km"]),
                "distance [km]": float(first["distance_km"]), "SOC at the end [%]": 100.0 * float(first["soc_end"])}
        return Outcome(study, {"summary": summary, "timeseries": results.timeseries_table(res.timeseries)}, head,
                       {}, res)
    if study == "range":
        from tyaga import procedures

        proc = opts.get("procedure", "wltp")
        if proc == "wltp":
            df = procedures.wltp(prep.specs, ambient_c=ambient)
        elif proc == "epa":
            df = procedures.epa_label(prep.specs, ambient_c=ambient)
        elif proc == "cycle":
            df = procedures.range_on_cycle(prep.specs, prep.cycle, ambient_c=ambient)
        else:
            raise InputError("procedure", proc, "wltp, epa or cycle")
        df = df.reset_index(drop="design" not in df.index.names)
        first = df.iloc[0]
        return Outcome(study, {"range": df}, {"range [km]": float(first["range_km"]),
                                              "energy from the wall [Wh/km]": float(first["energy_ac_wh_per_km"])},
                       {}, df)
    if study == "charging":
        from tyaga import charging

        lo = check_number("from_soc", opts.get("from_soc", 0.1), 0.0, 1.0, "")
        hi = check_number("to_soc", opts.get("to_soc", 0.8), 0.0, 1.0, "")
        kw = check_number("charger_kw", opts.get("charger_kw", 150.0), 0.1, 2000.0, "kW")
        assert lo is not None and hi is not None and kw is not None
        res = charging.charge(prep.specs[0], lo, hi, kw * 1000.0, str(opts.get("charger_kind", "dc")),
                              ambient_c=25.0 if ambient is None else ambient)
        s = res.summary
        summary = pd.DataFrame([{k: v for k, v in s.items() if not isinstance(v, list | tuple | dict)}])
        return Outcome(study, {"charge": res.data, "summary": summary},
                       {"charging time [min]": float(s["duration_s"]) / 60.0,
                        "energy from the grid [kWh]": float(s["energy_grid_wh"]) / 1000.0,
                        "peak power [kW]": float(s["peak_power_w"]) / 1000.0}, {}, res)
    # life
    from tyaga import life

    duty: dict[str, Any] = {
        "name": "workbench duty", "cycle": str(prep.cycle_path) if prep.cycle_path else prep.cycle.name,
        "cycles_per_day": int(opts.get("cycles_per_day", 2)),
        "driving_days_per_week": int(opts.get("driving_days_per_week", 5)),
        "years": float(opts.get("years", 10.0)), "charger": str(opts.get("charger", "ac")),
        "charge_to_soc_pct": float(opts.get("charge_to_soc_pct", 90.0)),
        "ambient_c": 20.0 if ambient is None else ambient,
    }
    res = life.life(prep.specs[0], duty)
    d = res.to_dict()
    summary = pd.DataFrame([{k: v for k, v in d.items() if not isinstance(v, list | dict)}])
    years = d["years_to_80pct"]
    return Outcome(study, {"yearly": res.yearly, "days": res.days, "summary": summary},
                   {"years to 80 % SOH": math.inf if years is None else float(years),
                    f"SOH after {min(10.0, res.years):g} years [%]": 100.0 * res.soh_after(min(10.0, res.years)),
                    "km per year": float(res.km_per_year)}, {}, res)


# ------------------------------------------------------------------------------------------------ downloads

REPRODUCE = '''"""Re-run this workbench study with the tyaga library: python reproduce.py (next to settings.json)."""
import json
import tomllib
from pathlib import Path

import tyaga
from tyaga.vehicle import parse_vehicle

here = Path(__file__).parent
settings = json.loads((here / "settings.json").read_text(encoding="utf-8"))
specs = []
for d in settings["designs"]:
    data = tomllib.loads((here / d["vehicle_file"]).read_text(encoding="utf-8"))
    battery = dict(data.get("battery", {}))
    if d["cell_file"]:
        battery["cell"] = str(here / d["cell_file"])
        for key in ("usable_energy_kwh", "nominal_voltage_v", "resistance_ohm"):
            battery.pop(key, None)
    for key in ("series", "parallel"):
        if d[key] is not None:
            battery[key] = d[key]
    data["battery"] = battery
    if d["payload_kg"] is not None:
        data["body"] = {**data.get("body", {}), "payload_kg": d["payload_kg"]}
    if d["label"]:
        data["name"] = d["label"]
    specs.append(parse_vehicle(data, source=d["vehicle_file"], base_dir=str(here / "inputs")))
cycle = tyaga.cycles.load(here / settings["cycle_file"])
opts = settings["options"]
if settings["study"] == "simulation":
    res = tyaga.simulate(specs, cycle, ambient_c=opts.get("ambient_c"), pack_thermal=bool(opts.get("pack_thermal")))
    print(res.summary.T)
else:
    print("study", settings["study"], "with options", opts, "- see tyaga.procedures / charging / life")
'''


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame = df.copy()
    for c in frame.columns:  # mixed object columns (None and text) as text: Parquet needs one type per column
        if frame[c].dtype == object:
            frame[c] = frame[c].map(lambda v: None if v is None else str(v))
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def table_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """A table as ``csv`` (UTF-8, no index) or ``parquet`` bytes."""
    if fmt == "csv":
        return df.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        return _parquet_bytes(df)
    raise ValueError(f"unknown format {fmt!r}")


def results_zip(outcome: Outcome) -> bytes:
    """One zip: ``results/<table>.csv`` and ``.parquet``, the input files (``inputs/…``), ``settings.json``
    and ``reproduce.py``."""
    from tyaga.results import to_jsonable

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, df in outcome.tables.items():
            zf.writestr(f"results/{name}.csv", table_bytes(df, "csv"))
            zf.writestr(f"results/{name}.parquet", table_bytes(df, "parquet"))
        for name, data in outcome.inputs.items():
            zf.writestr(name, data)
        zf.writestr("settings.json", json.dumps(to_jsonable(outcome.settings), indent=2, ensure_ascii=False))
        zf.writestr("reproduce.py", REPRODUCE)
    return buf.getvalue()


def read_vehicle_bytes(data: bytes) -> dict[str, Any]:
    """Parse uploaded TOML bytes (used only to show what a file holds; loading goes through the library)."""
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError("TOML", str(exc)[:200], "UTF-8 TOML text") from None


__all__ = ["CYCLE_SUFFIXES", "MAX_DESIGNS", "STUDIES", "Design", "Outcome", "Prepared", "Upload", "check_number",
           "design_settings", "friendly", "gpx_track", "input_files", "load_design", "prepared", "results_zip",
           "run_study", "scratch_root", "table_bytes"]
