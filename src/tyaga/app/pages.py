"""The workbench's pages (Streamlit): Inputs, Run, Compare, Sweep explorer, Downloads.

Each browser tab is its own Streamlit session, with its own ``st.session_state``: the chosen inputs, the
uploaded files (bytes, in memory), the designs to compare and the last results. Bad input is shown with
``st.error`` and the library's message (as the CLI prints it); no page shows a traceback. The logic is in
:mod:`tyaga.app.inputs`, the figures in :mod:`tyaga.figures`.
"""

from __future__ import annotations

import hashlib
import io
import math
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from tyaga.app import MAX_UPLOAD_MB
from tyaga.app.inputs import MAX_DESIGNS, Design, Outcome, Upload, prepared, results_zip, run_study, table_bytes
from tyaga.errors import InputError

#: Widgets whose values are kept when the user goes to another page (Streamlit drops the state of widgets
#: that a page does not draw; writing the value back keeps it).
KEPT_WIDGETS = ("vehicle_mode", "vehicle_name", "cell_mode", "cell_name", "series", "parallel", "payload_kg",
                "cycle_mode", "cycle_name", "ambient_on", "ambient_c", "study", "procedure", "pack_thermal",
                "from_soc_pct", "to_soc_pct", "charger_kw", "charger_kind", "cycles_per_day", "days_per_week",
                "years", "life_charger", "charge_to_pct", "sweep_dir", "feasible_only", "run_plot", "compare_plot")
#: Starting values of the widgets that do not start at their first option or their minimum.
DEFAULTS: dict[str, Any] = {"ambient_c": -7.0, "from_soc_pct": 10.0, "to_soc_pct": 80.0, "charger_kw": 150.0,
                            "cycles_per_day": 2, "days_per_week": 5, "years": 10.0, "charge_to_pct": 90.0,
                            "feasible_only": True}
UPLOAD_KEYS = {"vehicle": "vehicle_file", "cell": "cell_file", "cycle": "cycle_file"}

#: Summary rows shown in the comparison table: column → label (display units).
COMPARE_ROWS = [
    ("energy_dc_wh_per_km", "energy at the battery [Wh/km]", 1.0), ("energy_ac_wh_per_km",
                                                                    "energy from the wall [Wh/km]", 1.0),
    ("range_km", "range on this cycle [km]", 1.0), ("accel_0_100_s", "0–100 km/h [s]", 1.0),
    ("usable_energy_wh", "usable energy [kWh]", 1e-3), ("soc_end", "SOC at the end [%]", 100.0),
    ("battery_power_max_w", "peak battery power [kW]", 1e-3), ("current_max_a", "peak current [A]", 1.0),
    ("energy_regen_wh", "regen recovered [kWh]", 1e-3), ("trace_miss_s", "trace missed [s]", 1.0),
]


#: The plots of a simulation: choice → function of :mod:`tyaga.figures` (one is drawn at a time).
SIM_PLOTS = {"Speed": "speed_figure", "Power": "power_figure", "SOC": "soc_figure", "Current": "current_figure",
             "Temperature": "temperature_figure", "Losses": "losses_figure", "Map": "", "Summary table": ""}


def workdir() -> Path:
    """The app's working folder (the server's current folder)."""
    return Path.cwd().resolve()


# ------------------------------------------------------------------------------------------- state


def init_state() -> None:
    """Per-session defaults, and the values of the kept widgets written back (see :data:`KEPT_WIDGETS`)."""
    ss = st.session_state
    ss.setdefault("sid", uuid.uuid4().hex)
    ss.setdefault("uploads", {"vehicle": None, "cell": None, "cycle": None})
    ss.setdefault("designs", [])
    for key, value in DEFAULTS.items():
        ss.setdefault(key, value)
    for key in KEPT_WIDGETS:
        if key in ss:
            ss[key] = ss[key]


def _store_upload(kind: str) -> None:
    """on_change of a file uploader: keep the file's bytes in the session (the widget forgets them when the
    user leaves the page)."""
    f = st.session_state.get(UPLOAD_KEYS[kind])
    st.session_state["uploads"][kind] = None if f is None else Upload(f.name, f.getvalue())


def _choice(kind: str, mode_key: str, name_key: str) -> str | Upload | None:
    ss = st.session_state
    mode = ss.get(mode_key, "bundled")
    if mode == "upload":
        return ss["uploads"].get(kind)
    if mode == "bundled":
        return ss.get(name_key)
    return None


def current_design() -> Design | None:
    """The design described by the Inputs page (``None`` while an upload is still missing)."""
    from tyaga import vehicles

    ss = st.session_state
    vehicle = _choice("vehicle", "vehicle_mode", "vehicle_name") if "vehicle_mode" in ss else vehicles.DEFAULT_VEHICLE
    if vehicle is None:
        return None
    cell = _choice("cell", "cell_mode", "cell_name")
    if ss.get("cell_mode") == "upload" and cell is None:
        return None

    def whole(key: str) -> int | None:
        v = ss.get(key)
        return None if v is None else int(v)

    payload = ss.get("payload_kg")
    return Design(vehicle, cell, whole("series"), whole("parallel"), None if payload is None else float(payload))


def current_cycle() -> str | Upload | None:
    """The cycle chosen on the Inputs page (default WLTC class 3b)."""
    if "cycle_mode" not in st.session_state:
        return "wltc3b"
    return _choice("cycle", "cycle_mode", "cycle_name")


def current_ambient() -> float | None:
    """Ambient temperature [°C] of the runs, ``None`` for the test condition (climate control off)."""
    ss = st.session_state
    return float(ss["ambient_c"]) if ss.get("ambient_on") and ss.get("ambient_c") is not None else None


def show_error(exc: BaseException) -> None:
    """An error as one message in the page: the library's own for bad input, the type and text otherwise."""
    if isinstance(exc, InputError):
        st.error(str(exc), icon="⚠️")
    else:
        st.error(f"Could not finish: {type(exc).__name__}: {exc}", icon="⚠️")


def _fingerprint(*items: Any) -> str:
    h = hashlib.sha256()
    for it in items:
        if isinstance(it, Design):
            for part in (it.vehicle, it.cell):
                h.update(part.data if isinstance(part, Upload) else repr(part).encode())
            h.update(repr((it.series, it.parallel, it.payload_kg, it.label)).encode())
        elif isinstance(it, Upload):
            h.update(it.name.encode() + b"\0" + it.data)
        else:
            h.update(repr(it).encode())
    return h.hexdigest()


def check_inputs(design: Design, cycle: str | Upload) -> dict[str, Any]:
    """Load a design and a cycle as a run would; their key figures, or ``{"error": message}``.

    Cached per session by the inputs' fingerprint, so a rerun of the page does not parse the files again.
    """
    from tyaga.battery import pack_for_vehicle
    from tyaga.cycle import statistics

    key = _fingerprint(design, cycle)
    cache = st.session_state.setdefault("checked", {})
    if key in cache:
        return cache[key]
    try:
        with prepared([design], cycle, workdir()) as prep:
            spec = prep.specs[0]
            pack = pack_for_vehicle(spec)
            stats = statistics(prep.cycle)
            info: dict[str, Any] = {
                "vehicle": spec.name, "class": spec.vehicle_class, "mass_kg": spec.body.mass_kg,
                "payload_kg": spec.body.payload_kg, "usable_energy_kwh": pack.usable_energy_wh / 1000.0,
                "cycle": prep.cycle.name, "duration_s": stats["duration_s"], "distance_km": stats["distance_km"],
                "max_speed_kmh": stats["max_speed_kmh"], "gps_track": prep.track is not None,
            }
    except Exception as exc:  # shown in the page; the server goes on
        info = {"error": str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"}
    if len(cache) > 16:
        cache.clear()
    cache[key] = info
    return info


# ------------------------------------------------------------------------------------------- page 1


def page_inputs() -> None:
    """Choose or upload a vehicle, a cell and a cycle or route; see them checked."""
    from tyaga import cells, cycles, vehicles

    st.title("Inputs")
    st.caption(f"Choose bundled specs or upload your own files (TOML vehicles and cells, CSV/GPX/TOML cycles and "
               f"routes, up to {MAX_UPLOAD_MB} MB). They are checked as `tyaga simulate` checks them.")
    left, right = st.columns(2)
    with left:
        st.subheader("Vehicle")
        mode = st.radio("Vehicle source", ["bundled", "upload"], horizontal=True, key="vehicle_mode")
        if mode == "bundled":
            names = vehicles.names()
            st.session_state.setdefault("vehicle_name", vehicles.DEFAULT_VEHICLE)
            st.selectbox("Bundled vehicle", names, key="vehicle_name")
        else:
            st.file_uploader("Vehicle TOML file", type=["toml"], key="vehicle_file", on_change=_store_upload,
                             args=("vehicle",))
            _upload_note("vehicle")
        st.subheader("Cell")
        cmode = st.radio("Cell", ["the vehicle's own", "bundled", "upload"], horizontal=True, key="cell_mode")
        if cmode == "bundled":
            st.selectbox("Bundled cell", cells.names(), key="cell_name")
        elif cmode == "upload":
            st.file_uploader("Cell TOML file", type=["toml"], key="cell_file", on_change=_store_upload,
                             args=("cell",))
            _upload_note("cell")
        a, b = st.columns(2)
        a.number_input("Cells in series (empty: the vehicle's)", min_value=1, max_value=2000, value=None, step=1,
                       key="series")
        b.number_input("Strings in parallel (empty: the vehicle's)", min_value=1, max_value=500, value=None,
                       step=1, key="parallel")
        st.number_input("Payload [kg] (empty: the vehicle's)", min_value=0.0, max_value=40000.0, value=None,
                        step=50.0, key="payload_kg")
    with right:
        st.subheader("Cycle or route")
        ymode = st.radio("Cycle source", ["bundled", "upload"], horizontal=True, key="cycle_mode")
        if ymode == "bundled":
            st.session_state.setdefault("cycle_name", "wltc3b")
            st.selectbox("Bundled cycle", cycles.all_names(), key="cycle_name")
        else:
            st.file_uploader("Cycle or route file (CSV, GPX or TOML)", type=["csv", "gpx", "toml", "txt"],
                             key="cycle_file", on_change=_store_upload, args=("cycle",))
            _upload_note("cycle")
        st.subheader("Conditions")
        st.checkbox("Set an ambient temperature", key="ambient_on",
                    help="Adds the cabin's HVAC load at that ambient; off: the test condition, 23 °C, no HVAC.")
        if st.session_state.get("ambient_on"):
            st.number_input("Ambient [°C]", min_value=-50.0, max_value=60.0, step=1.0, key="ambient_c")
    design, cycle = current_design(), current_cycle()
    st.divider()
    if design is None or cycle is None:
        st.info("Upload the missing file, or choose a bundled one.")
        return
    info = check_inputs(design, cycle)
    if "error" in info:
        st.error(info["error"], icon="⚠️")
        return
    st.success(f"Ready: **{info['vehicle']}** ({info['class']}, {info['mass_kg']:,.0f} kg + "
               f"{info['payload_kg']:,.0f} kg payload, {info['usable_energy_kwh']:.1f} kWh usable) on "
               f"**{info['cycle']}** ({info['distance_km']:.2f} km in {info['duration_s'] / 60:.1f} min, up to "
               f"{info['max_speed_kmh']:.0f} km/h{', GPS track' if info['gps_track'] else ''}).")
    n = len(st.session_state["designs"])
    if st.button(f"Add this design to the comparison ({n} of {MAX_DESIGNS})", disabled=n >= MAX_DESIGNS):
        st.session_state["designs"].append(design)
        st.rerun()


def _upload_note(kind: str) -> None:
    up = st.session_state["uploads"].get(kind)
    if up is not None and st.session_state.get(UPLOAD_KEYS[kind]) is None:
        st.caption(f"Using the uploaded {kind} file **{up.name}** ({len(up.data):,} bytes).")


# ------------------------------------------------------------------------------------------- page 2


def page_run() -> None:
    """Run a simulation, a range procedure, a charge or a life study; see its numbers and plots."""
    st.title("Run")
    design, cycle = current_design(), current_cycle()
    if design is None or cycle is None:
        st.info("Choose the inputs first (page Inputs).")
        return
    cyc_name = cycle.name if isinstance(cycle, Upload) else cycle
    st.caption(f"Design: {design.describe()} — cycle: {cyc_name} — ambient: "
               f"{'test condition' if current_ambient() is None else f'{current_ambient():g} °C'}")
    study = st.radio("Study", ["simulation", "range", "charging", "life"], horizontal=True, key="study",
                     format_func={"simulation": "Simulation (this cycle)", "range": "Range procedure",
                                  "charging": "Charging", "life": "Battery life"}.get)
    opts: dict[str, Any] = {"ambient_c": current_ambient()}
    if study == "simulation":
        opts["pack_thermal"] = st.checkbox("Pack temperature as a state (thermal model)", key="pack_thermal")
    elif study == "range":
        opts["procedure"] = st.selectbox("Procedure", ["wltp", "epa", "cycle"], key="procedure",
                                         format_func={"wltp": "WLTP (WLTC 3b back to back)",
                                                      "epa": "EPA label (UDDS + HWFET, 0.7-adjusted)",
                                                      "cycle": "This cycle back to back"}.get)
    elif study == "charging":
        a, b, c, d = st.columns(4)
        opts["from_soc"] = a.number_input("From SOC [%]", 0.0, 100.0, step=5.0, key="from_soc_pct") / 100.0
        opts["to_soc"] = b.number_input("To SOC [%]", 0.0, 100.0, step=5.0, key="to_soc_pct") / 100.0
        opts["charger_kw"] = c.number_input("Charger [kW]", 1.0, 1000.0, step=10.0, key="charger_kw")
        opts["charger_kind"] = d.selectbox("Charger", ["dc", "ac", "depot", "pantograph"], key="charger_kind")
    else:
        a, b, c, d, e = st.columns(5)
        opts["cycles_per_day"] = a.number_input("Cycles per day", 1, 100, step=1, key="cycles_per_day")
        opts["driving_days_per_week"] = b.number_input("Driving days per week", 0, 7, step=1, key="days_per_week")
        opts["years"] = c.number_input("Years", 1.0, 30.0, step=1.0, key="years")
        opts["charger"] = d.selectbox("Charger", ["ac", "dc", "depot", "pantograph"], key="life_charger")
        opts["charge_to_soc_pct"] = e.number_input("Charge to [%]", 10.0, 100.0, step=5.0, key="charge_to_pct")
    if st.button("Run", type="primary", key="run_button"):
        with st.spinner(f"Running the {study} study… (the first run of a server compiles the engine)"):
            try:
                st.session_state["outcome"] = run_study(study, [design], cycle, workdir(), opts)
                st.session_state.pop("run_error", None)
            except Exception as exc:  # shown in the page; the server goes on
                st.session_state["run_error"] = exc
                st.session_state.pop("outcome", None)
    if "run_error" in st.session_state:
        show_error(st.session_state["run_error"])
    outcome: Outcome | None = st.session_state.get("outcome")
    if outcome is not None:
        show_outcome(outcome)


def _metric_text(v: float) -> str:
    if not math.isfinite(v):
        return "∞" if v > 0 else "—"
    return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.1f}"


def show_outcome(outcome: Outcome) -> None:
    """Headline numbers, tables and plots of a finished study."""
    from tyaga import figures

    st.subheader(f"Result: {outcome.study}")
    cols = st.columns(len(outcome.headline))
    for col, (label, value) in zip(cols, outcome.headline.items(), strict=True):
        col.metric(label, _metric_text(value))
    res = outcome.result
    if outcome.study == "simulation":
        plot = st.radio("Plot", list(SIM_PLOTS), horizontal=True, key="run_plot")
        if plot == "Map":
            if outcome.track is not None:
                power = res.timeseries["battery_power_w"].isel(design=0).values
                st.plotly_chart(figures.route_map_figure(outcome.track["lon_deg"], outcome.track["lat_deg"], power),
                                width="stretch")
            else:
                st.info("The map needs a GPX track as the cycle (upload one on the Inputs page).")
        elif plot == "Summary table":
            st.dataframe(outcome.tables["summary"].set_index("name").T, width="stretch")
        else:
            st.plotly_chart(getattr(figures, SIM_PLOTS[plot])(res), width="stretch")
    elif outcome.study == "range":
        st.dataframe(outcome.tables["range"], width="stretch")
    elif outcome.study == "charging":
        st.plotly_chart(figures.charging_figure(res), width="stretch")
        st.dataframe(outcome.tables["summary"].T.rename(columns={0: "value"}), width="stretch")
    else:
        st.plotly_chart(figures.life_figure(res), width="stretch")
        st.dataframe(outcome.tables["yearly"], width="stretch")
        for note in res.notes:
            st.caption(note)


# ------------------------------------------------------------------------------------------- page 3


def page_compare() -> None:
    """Up to four designs on the same cycle: a table and overlaid plots."""
    from tyaga import figures

    st.title("Compare designs")
    ss = st.session_state
    designs: list[Design] = ss["designs"]
    st.caption(f"Add designs on the Inputs page (up to {MAX_DESIGNS}); they drive the cycle chosen there in one "
               "batch.")
    design, cycle = current_design(), current_cycle()
    if design is not None and st.button("Add the current design", disabled=len(designs) >= MAX_DESIGNS):
        designs.append(design)
    for i, d in enumerate(list(designs)):
        a, b = st.columns([6, 1])
        a.write(f"**{i + 1}.** {d.describe()}")
        if b.button("Remove", key=f"remove_{i}"):
            designs.pop(i)
            ss.pop("compare", None)
            st.rerun()
    if not designs or cycle is None:
        st.info("No designs to compare yet.")
        return
    if st.button("Run the comparison", type="primary", disabled=not designs):
        bar = st.progress(0.0, text="Loading the designs…")
        try:
            labelled = [Design(d.vehicle, d.cell, d.series, d.parallel, d.payload_kg, f"{i + 1}: {_short(d)}")
                        for i, d in enumerate(designs)]
            bar.progress(0.3, text=f"Driving {len(designs)} designs…")
            ss["compare"] = run_study("simulation", labelled, cycle, workdir(), {"ambient_c": current_ambient()})
            ss.pop("compare_error", None)
        except Exception as exc:  # shown in the page
            ss["compare_error"] = exc
            ss.pop("compare", None)
        bar.progress(1.0, text="Done")
    if "compare_error" in ss:
        show_error(ss["compare_error"])
    out: Outcome | None = ss.get("compare")
    if out is None:
        return
    summary = out.tables["summary"]
    table = pd.DataFrame({label: summary[col].to_numpy() * scale for col, label, scale in COMPARE_ROWS
                          if col in summary.columns}, index=summary["name"]).T
    st.dataframe(table.style.format("{:,.2f}"), width="stretch")
    plot = st.radio("Plot", [k for k in SIM_PLOTS if k not in ("Map", "Summary table")], horizontal=True,
                    key="compare_plot")
    st.plotly_chart(getattr(figures, SIM_PLOTS[plot])(out.result), width="stretch")


def _short(d: Design) -> str:
    text = d.describe()
    return text if len(text) <= 60 else text[:57] + "…"


# ------------------------------------------------------------------------------------------- page 4


def _sweep_frame() -> tuple[pd.DataFrame, dict[str, Any]] | None:
    from tyaga import pareto as pf

    src = st.radio("Results", ["a folder here", "a Parquet file"], horizontal=True, key="sweep_source")
    if src == "a folder here":
        text = st.text_input("Results folder, relative to the working folder", key="sweep_dir",
                             placeholder="e.g. results/compact-ev")
        if not text:
            return None
        root = workdir()
        path = (root / text).resolve()
        if not path.is_relative_to(root):
            raise InputError("results folder", text, f"a folder inside the working folder {root}")
        return pf.read_results(path)
    up = st.file_uploader("Results table (Parquet)", type=["parquet"], key="sweep_file")
    if up is None:
        return None
    try:
        df = pd.read_parquet(io.BytesIO(up.getvalue()))
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        raise InputError("file contents", up.name, "a Parquet table (a sweep's chunk or results file)",
                         hint=str(exc)[:200]) from None
    return df, {}


def page_sweep() -> None:
    """A sweep's results (folder or Parquet) and its Pareto front."""
    from tyaga import figures
    from tyaga import pareto as pf

    st.title("Sweep explorer")
    st.caption("A folder written by `tyaga sweep` (chunks/*.parquet and manifest.json) below the folder the app "
               "was started in, or one Parquet table.")
    try:
        loaded = _sweep_frame()
    except Exception as exc:
        show_error(exc)
        return
    if loaded is None:
        return
    df, manifest = loaded
    n_feasible = int(df["feasible"].fillna(False).astype(bool).sum()) if "feasible" in df.columns else len(df)
    st.write(f"**{len(df):,} designs**, {n_feasible:,} feasible.")
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and c.startswith("out_")]
    if len(numeric) < 2:
        numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and c != "design_id"]
    try:
        defaults = [c for c, _ in pf.manifest_objectives(manifest) if c in numeric]
    except InputError:
        defaults = []
    chosen = st.multiselect("Objectives", numeric, default=defaults[:3] or numeric[:2], key="sweep_objectives")
    senses = dict(pf.manifest_objectives(manifest)) if defaults else {}
    objs = []
    if chosen:
        cols = st.columns(len(chosen))
        for col, c in zip(cols, chosen, strict=True):
            sense = col.selectbox(c, ["min", "max"], index=0 if senses.get(c, "min") == "min" else 1,
                                  key=f"sense_{c}")
            objs.append((c, sense))
    feasible_only = st.checkbox("Feasible designs only", key="feasible_only")
    if len(objs) < 2:
        st.info("Choose two or more objectives.")
        return
    try:
        fr = pf.front(df, objs, feasible_only=feasible_only and "feasible" in df.columns)
    except Exception as exc:
        show_error(exc)
        return
    st.write(f"Pareto front: **{len(fr)}** of {fr.attrs.get('considered', len(df))} designs.")
    pool = df[df["feasible"].fillna(False).astype(bool)] if feasible_only and "feasible" in df.columns else df
    st.plotly_chart(figures.pareto_figure(pool, fr, objs), width="stretch")
    show = [c for c in ("design_id",) if c in fr.columns] + [c for c, _ in objs] + \
        [c for c in fr.columns if c.startswith("in_") and df[c].nunique(dropna=False) > 1]
    st.dataframe(fr[show], width="stretch")
    st.download_button("Download the front (CSV)", table_bytes(fr[show], "csv"), "pareto-front.csv", "text/csv",
                       on_click="ignore", key="dl_front")


# ------------------------------------------------------------------------------------------- page 5


def page_downloads() -> None:
    """The last results as CSV and Parquet, and one zip with the inputs and settings that reproduce them."""
    st.title("Downloads")
    ss = st.session_state
    found = False
    for key, title in (("outcome", "Last run"), ("compare", "Last comparison")):
        out: Outcome | None = ss.get(key)
        if out is None:
            continue
        found = True
        st.subheader(f"{title}: {out.study}")
        st.download_button("Download everything (zip: results, inputs, settings, reproduce.py)", results_zip(out),
                           f"tyaga-{out.study}.zip", "application/zip", on_click="ignore", key=f"dl_zip_{key}",
                           type="primary")
        for name, df in out.tables.items():
            a, b = st.columns(2)
            a.download_button(f"{name}.csv", table_bytes(df, "csv"), f"{name}.csv", "text/csv", on_click="ignore",
                              key=f"dl_{key}_{name}_csv")
            b.download_button(f"{name}.parquet", table_bytes(df, "parquet"), f"{name}.parquet",
                              "application/vnd.apache.parquet", on_click="ignore", key=f"dl_{key}_{name}_parquet")
    if not found:
        st.info("Nothing to download yet: run a study on the Run page (or a comparison).")


# ------------------------------------------------------------------------------------------- app


def main() -> None:
    """The Streamlit script's body: state, navigation, the chosen page; errors shown, never raised."""
    st.set_page_config(page_title="tyaga workbench", page_icon="🔋", layout="wide")
    init_state()
    nav = st.navigation([
        st.Page(page_inputs, title="Inputs", url_path="inputs", default=True),
        st.Page(page_run, title="Run", url_path="run"),
        st.Page(page_compare, title="Compare", url_path="compare"),
        st.Page(page_sweep, title="Sweep explorer", url_path="sweep"),
        st.Page(page_downloads, title="Downloads", url_path="downloads"),
    ])
    with st.sidebar:
        st.caption("tyaga workbench — traction batteries and electric vehicles. Runs on this machine only.")
    try:
        nav.run()
    except Exception as exc:  # the last net: a message, not a traceback (Streamlit's own control flow passes)
        show_error(exc)


__all__ = ["main"]
