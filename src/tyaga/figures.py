"""Interactive plotly figures of tyaga results: small pure functions, one figure each.

Every function takes tyaga result objects or plain tables (a :class:`tyaga.chain.SimulationResult` or its
``timeseries`` Dataset, a summary DataFrame, a :class:`tyaga.charging.ChargeResult` or its ``data``, a life
study's ``yearly`` table, a sweep's results table) and returns a new :class:`plotly.graph_objects.Figure`; none
reads files, keeps state or draws map tiles. Inside tyaga quantities are SI (s, m/s, W, Wh, A, °C); the axes
show the units people read: km/h, kW, kWh, %, min. Used by the web workbench (:mod:`tyaga.app`) and free to
reuse elsewhere (``fig.write_html(...)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr

#: Colours of up to 10 designs, in order (plotly's default qualitative palette).
COLOURS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880", "#ff97ff",
           "#fecb52")

#: Energy sinks of a drive, summary column → label (all [Wh] in the summary, shown in kWh).
LOSS_COLUMNS = {
    "energy_aero_wh": "aerodynamic drag",
    "energy_rolling_wh": "rolling resistance",
    "energy_grade_wh": "grade (net climb)",
    "energy_drivetrain_loss_wh": "drivetrain losses",
    "energy_friction_brake_wh": "friction brakes",
    "energy_battery_loss_wh": "battery resistance",
    "energy_aux_wh": "auxiliaries incl. HVAC",
}


def _dataset(result: Any) -> xr.Dataset:
    """The time-series Dataset of a SimulationResult (or the Dataset itself)."""
    ds = getattr(result, "timeseries", result)
    if not isinstance(ds, xr.Dataset):
        raise TypeError("expected a tyaga SimulationResult with a time series, or its xarray Dataset")
    return ds


def _names(ds: xr.Dataset) -> list[str]:
    return [str(n) for n in ds["name"].values] if "name" in ds.coords else [str(d) for d in ds["design"].values]


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, hovermode="x unified",
                      margin={"l": 60, "r": 20, "t": 50, "b": 50}, legend={"orientation": "h", "y": -0.2},
                      template="plotly_white")
    return fig


def timeseries_figure(result: Any, variable: str, scale: float = 1.0, title: str = "", y_title: str = "",
                      x_minutes: bool = False) -> go.Figure:
    """One variable of a simulation's time series against time, one line per design.

    ``result``: a :class:`~tyaga.chain.SimulationResult` or its ``timeseries`` Dataset (dims design × time).
    ``variable``: a data variable of it in SI units (e.g. ``"battery_power_w"`` [W]); ``scale`` multiplies it
    for display (``1e-3`` → kW). x: time [s], or [min] with ``x_minutes``.
    """
    ds = _dataset(result)
    if variable not in ds:
        raise KeyError(f"{variable!r} is not in the time series")
    t = np.asarray(ds["time_s"].values, dtype=float) / (60.0 if x_minutes else 1.0)
    values = ds[variable]
    fig = go.Figure()
    if "design" in values.dims:
        for i, name in enumerate(_names(ds)):
            fig.add_trace(go.Scatter(x=t, y=np.asarray(values.isel(design=i).values, dtype=float) * scale,
                                     mode="lines", name=name, line={"color": COLOURS[i % len(COLOURS)]}))
    else:
        fig.add_trace(go.Scatter(x=t, y=np.asarray(values.values, dtype=float) * scale, mode="lines",
                                 name=variable))
    return _layout(fig, title or variable, "time [min]" if x_minutes else "time [s]", y_title or variable)


def speed_figure(result: Any) -> go.Figure:
    """Vehicle speed [km/h] against time [s], one line per design, with the cycle's trace dashed (from
    ``speed_mps`` and ``speed_trace_mps`` [m/s])."""
    ds = _dataset(result)
    fig = timeseries_figure(ds, "speed_mps", 3.6, "Speed", "speed [km/h]")
    if "speed_trace_mps" in ds:
        fig.add_trace(go.Scatter(x=np.asarray(ds["time_s"].values, dtype=float),
                                 y=np.asarray(ds["speed_trace_mps"].values, dtype=float) * 3.6, mode="lines",
                                 name="cycle trace", line={"color": "grey", "dash": "dot", "width": 1}))
    return fig


def power_figure(result: Any) -> go.Figure:
    """Battery power at the terminals [kW] against time [s] (from ``battery_power_w`` [W]; > 0 discharge,
    < 0 regenerative braking), one line per design."""
    return timeseries_figure(result, "battery_power_w", 1e-3, "Battery power (> 0: discharge)", "power [kW]")


def soc_figure(result: Any) -> go.Figure:
    """State of charge [%] against time [s] (from ``soc`` [0 … 1]), one line per design."""
    return timeseries_figure(result, "soc", 100.0, "State of charge", "SOC [%]")


def current_figure(result: Any) -> go.Figure:
    """Battery current [A] against time [s] (``current_a``; > 0 discharge), one line per design."""
    return timeseries_figure(result, "current_a", 1.0, "Battery current (> 0: discharge)", "current [A]")


def temperature_figure(result: Any) -> go.Figure:
    """Pack temperature [°C] against time [s] (``pack_temperature_c``; constant 25 °C unless the run coupled
    the pack's thermal model), one line per design."""
    return timeseries_figure(result, "pack_temperature_c", 1.0, "Pack temperature", "temperature [°C]")


def losses_figure(summary: pd.DataFrame | Any) -> go.Figure:
    """Where the battery's energy went over the cycle [kWh]: one group of bars per energy sink
    (:data:`LOSS_COLUMNS`, summary columns in Wh), one bar per design, and the energy recovered by regeneration.

    ``summary``: a SimulationResult's ``summary`` table (or the result itself), one row per design.
    """
    df = getattr(summary, "summary", summary)
    if not isinstance(df, pd.DataFrame):
        raise TypeError("expected a summary DataFrame or a SimulationResult")
    cols = {**LOSS_COLUMNS, "energy_regen_wh": "recovered by regen"}
    present = [c for c in cols if c in df.columns]
    if not present:
        raise KeyError("the summary has none of the energy columns")
    names = [str(n) for n in df["name"]] if "name" in df.columns else [str(i) for i in df.index]
    fig = go.Figure()
    for i, (_, row) in enumerate(df.iterrows()):
        fig.add_trace(go.Bar(x=[cols[c] for c in present], y=[float(row[c]) / 1000.0 for c in present],
                             name=names[i], marker_color=COLOURS[i % len(COLOURS)]))
    fig.update_layout(barmode="group")
    return _layout(fig, "Energy by sink over the cycle", "", "energy [kWh]")


def _charge_data(charge: Any) -> pd.DataFrame:
    data = getattr(charge, "data", charge)
    if not isinstance(data, pd.DataFrame):
        raise TypeError("expected a ChargeResult or its data table")
    return data


def charging_figure(charges: Any | Sequence[Any], names: Sequence[str] | None = None) -> go.Figure:
    """Charging curve: power into the battery [kW] against SOC [%], one line per charge, with the charge
    current [A] on a second axis (dotted).

    ``charges``: a :class:`~tyaga.charging.ChargeResult` (or its ``data`` table, columns ``soc`` [0 … 1],
    ``charge_power_w`` [W], ``charge_current_a`` [A], ``time_s`` [s]) or a sequence of them; ``names`` labels
    them (default the results' ``summary["name"]``).
    """
    items = list(charges) if isinstance(charges, list | tuple) else [charges]
    fig = go.Figure()
    for i, item in enumerate(items):
        data = _charge_data(item)
        label = (names[i] if names is not None else
                 str(getattr(item, "summary", {}).get("name", f"charge {i + 1}")))
        colour = COLOURS[i % len(COLOURS)]
        soc = data["soc"].to_numpy(dtype=float) * 100.0
        minutes = data["time_s"].to_numpy(dtype=float) / 60.0
        fig.add_trace(go.Scatter(x=soc, y=data["charge_power_w"].to_numpy(dtype=float) / 1000.0, mode="lines",
                                 name=f"{label}: power", line={"color": colour}, customdata=minutes,
                                 hovertemplate="SOC %{x:.1f} %<br>%{y:.1f} kW<br>%{customdata:.1f} min"))
        if "charge_current_a" in data.columns:
            fig.add_trace(go.Scatter(x=soc, y=data["charge_current_a"].to_numpy(dtype=float), mode="lines",
                                     name=f"{label}: current", yaxis="y2",
                                     line={"color": colour, "dash": "dot", "width": 1}))
    fig.update_layout(yaxis2={"title": "current [A]", "overlaying": "y", "side": "right", "showgrid": False})
    fig = _layout(fig, "Charging curve", "SOC [%]", "power into the battery [kW]")
    fig.update_layout(hovermode="closest")
    return fig


def route_map_figure(lon_deg: Iterable[float], lat_deg: Iterable[float], power_w: Iterable[float],
                     title: str = "Route coloured by battery power") -> go.Figure:
    """A GPS track drawn as points in longitude/latitude [°], coloured by battery power [kW] (from ``power_w``
    [W]; red discharge, blue regeneration, white ≈ 0). No map tiles: a plain scatter whose axes keep the local
    east–west / north–south scale equal (longitude squeezed by cos(latitude))."""
    lon = np.asarray(list(lon_deg), dtype=float)
    lat = np.asarray(list(lat_deg), dtype=float)
    p_kw = np.asarray(list(power_w), dtype=float) / 1000.0
    if not (lon.shape == lat.shape == p_kw.shape):
        raise ValueError(f"lon, lat and power differ in length: {lon.size}, {lat.size}, {p_kw.size}")
    ok = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(p_kw)
    lon, lat, p_kw = lon[ok], lat[ok], p_kw[ok]
    span = float(np.max(np.abs(p_kw))) if p_kw.size else 1.0
    fig = go.Figure(go.Scattergl(
        x=lon, y=lat, mode="markers",
        marker={"color": p_kw, "colorscale": "RdBu_r", "cmin": -span, "cmax": span, "size": 5,
                "colorbar": {"title": "battery<br>power [kW]"}},
        hovertemplate="lon %{x:.5f}°<br>lat %{y:.5f}°<br>%{marker.color:.1f} kW<extra></extra>"))
    mean_lat = float(np.mean(lat)) if lat.size else 0.0
    ratio = 1.0 / max(math.cos(math.radians(mean_lat)), 0.05)
    fig.update_yaxes(scaleanchor="x", scaleratio=ratio)
    fig = _layout(fig, title, "longitude [°]", "latitude [°]")
    fig.update_layout(hovermode="closest")
    return fig


def life_figure(yearly: pd.DataFrame | Any) -> go.Figure:
    """State of health [%] (``soh`` [0 … 1]) against year of service, with the 80 % end-of-life line.

    ``yearly``: a :class:`~tyaga.life.LifeResult`'s ``yearly`` table (or the result itself), columns ``year``
    and ``soh``, and optionally ``resistance_relative`` (shown on a second axis, relative to new [-]).
    """
    df = getattr(yearly, "yearly", yearly)
    if not isinstance(df, pd.DataFrame) or not {"year", "soh"} <= set(df.columns):
        raise TypeError("expected a life study's yearly table (columns year, soh)")
    years = np.concatenate([[0.0], df["year"].to_numpy(dtype=float)])
    soh = np.concatenate([[100.0], df["soh"].to_numpy(dtype=float) * 100.0])
    fig = go.Figure(go.Scatter(x=years, y=soh, mode="lines+markers", name="capacity (SOH)",
                               line={"color": COLOURS[0]}))
    fig.add_hline(y=80.0, line={"dash": "dash", "color": "grey"}, annotation_text="end of life, 80 %")
    col = next((c for c in ("resistance_relative", "resistance") if c in df.columns), None)
    if col is not None:
        r = df[col].to_numpy(dtype=float)
        if np.isfinite(r).any():
            fig.add_trace(go.Scatter(x=years, y=np.concatenate([[1.0], r]), mode="lines", yaxis="y2",
                                     name="resistance (relative)", line={"color": COLOURS[1], "dash": "dot"}))
            fig.update_layout(yaxis2={"title": "resistance [× new]", "overlaying": "y", "side": "right",
                                      "showgrid": False})
    return _layout(fig, "Battery ageing", "year of service", "capacity [% of new]")


def pareto_figure(results: pd.DataFrame, front: pd.DataFrame, objectives: Sequence[tuple[str, str]]) -> go.Figure:
    """A sweep's designs (grey) and its Pareto front (red) in the plane of the first two objectives.

    ``results``: every design (a sweep's results table); ``front``: the front's rows
    (:func:`tyaga.pareto.front`); ``objectives``: ``[(column, "min" | "max"), …]``, two or more (the first
    two are plotted; columns in the results' units, e.g. ``out_energy_dc_wh_per_km`` [Wh/km]).
    """
    if len(objectives) < 2:
        raise ValueError("two or more objectives are needed to plot a front")
    (cx, sx), (cy, sy) = objectives[0], objectives[1]
    for c in (cx, cy):
        if c not in results.columns:
            raise KeyError(f"{c!r} is not a column of the results")
    hover = "design_id" if "design_id" in results.columns else None
    fig = go.Figure()
    fig.add_trace(go.Scattergl(x=results[cx], y=results[cy], mode="markers", name=f"designs ({len(results)})",
                               marker={"color": "lightgrey", "size": 5},
                               text=results[hover] if hover else None))
    line = front.sort_values(cx)
    fig.add_trace(go.Scatter(x=line[cx], y=line[cy], mode="lines+markers", name=f"Pareto front ({len(front)})",
                             marker={"color": "crimson", "size": 7}, line={"color": "crimson", "dash": "dot"},
                             text=line[hover] if hover else None))
    fig = _layout(fig, "Pareto front", f"{cx} ({sx})", f"{cy} ({sy})")
    fig.update_layout(hovermode="closest")
    return fig


__all__ = ["COLOURS", "LOSS_COLUMNS", "charging_figure", "current_figure", "life_figure", "losses_figure",
           "pareto_figure", "power_figure", "route_map_figure", "soc_figure", "speed_figure",
           "temperature_figure", "timeseries_figure"]
