"""Test procedures built on the engine: range to the end of the SOC window (WLTP-style) and the EPA label.

Rules and sources are documented in ``docs/procedures.md``:

* **Range** (``range_on_cycle``): the cycle is driven back to back from ``soc_max`` until the SOC reaches
  ``soc_min`` (the end is interpolated within the last step) or a battery voltage limit stops the vehicle
  following the trace (WLTP's break-off criterion, UN GTR 15 Annex 8 / Reg. (EU) 2017/1151 Sub-Annex 8,
  "consecutive cycle procedure"). AC consumption = DC energy over the range ÷ range ÷ charger efficiency.
* **EPA label** (``epa_label``): UDDS (city) and HWFET (highway) multi-cycle ranges and consumptions,
  each divided by 0.7 for consumption and multiplied by 0.7 for range (the optional "0.7 adjustment"
  of 40 CFR 600.116-12 / 600.210-12, used for most BEV labels); combined = 55 % city + 45 % highway
  (40 CFR 600.114-12 weighting); consumption at the wall = DC ÷ charger efficiency.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tyaga import engine
from tyaga.chain import (
    CycleLike,
    VehicleLike,
    _resolve_cycle,
    build_batch,
    door_stops_per_s,
    run_range,
    with_cabin_warmup,
)
from tyaga.cycle import DriveCycle

#: EPA's derived 5-cycle adjustment for BEVs: label range = 0.7 × dynamometer range.
EPA_ADJUSTMENT = 0.7
#: EPA city/highway weighting of the combined label value.
EPA_CITY_WEIGHT = 0.55
#: Cycle driven by the WLTP procedure (class 3b: vehicles over 34 W/kg with a top speed ≥ 120 km/h).
WLTP_CYCLE = "wltc3b"


def range_on_cycle(vehicles: VehicleLike | Sequence[VehicleLike], cycle: CycleLike,
                   ambient_c: float | None = None, pack_thermal: bool = False,
                   pack_temperature_initial_c: float | None = None, cabin_soaked: bool = False,
                   hvac_on: bool = True, solar_w_per_m2: float = 0.0) -> pd.DataFrame:
    """Range of each vehicle driving ``cycle`` back to back from ``soc_max`` (one row per design).

    Columns: ``name``, ``cycle``, ``range_km``, ``ended_by`` (soc_min / voltage_limit / max_distance /
    cannot_move), ``cycles`` (repetitions started), ``energy_dc_wh_per_km`` (terminal energy over the
    range ÷ range), ``energy_ac_wh_per_km`` (÷ charger efficiency; no label adjustment) and ``hvac_power_w``.
    ``ambient_c``: ``None`` = the procedure's condition (climate control off); a temperature adds the steady
    cabin HVAC load at that ambient (:func:`tyaga.chain.cabin_hvac_power_w`). ``pack_thermal`` and
    ``pack_temperature_initial_c``: the pack's temperature as a state of the run (as in
    :func:`tyaga.chain.simulate`); the table then also has ``pack_temperature_end_c``, ``energy_btms_wh``
    (BTMS draw over the range) and ``energy_battery_loss_wh``. ``cabin_soaked``: the cabin warms up from
    the ambient on the first cycle (:func:`tyaga.chain.with_cabin_warmup`); ``hvac_on=False``: climate
    control off at ``ambient_c``; ``solar_w_per_m2``: sun on the cabin's glazing.
    """
    cyc: DriveCycle = _resolve_cycle(cycle)
    batch = build_batch(vehicles, ambient_c=ambient_c, pack_thermal=pack_thermal,
                        pack_temperature_initial_c=pack_temperature_initial_c, hvac_on=hvac_on,
                        solar_w_per_m2=solar_w_per_m2,
                        stops_per_s=door_stops_per_s(cyc) if ambient_c is not None else 0.0)
    if cabin_soaked:
        batch = with_cabin_warmup(batch, cyc)
    full = run_range(batch, cyc, with_summary=True)
    summ, res = full[:, : len(engine.SUMMARY)], full[:, len(engine.SUMMARY):]
    rng_km = res[:, 0] / 1000.0
    eff = np.array([s.battery.charger_efficiency for s in batch.specs])
    with np.errstate(divide="ignore", invalid="ignore"):
        dc = np.where(rng_km > 0, res[:, 3] / 3600.0 / rng_km, np.nan)
    out = pd.DataFrame({
        "name": batch.names,
        "cycle": cyc.name,
        "range_km": rng_km,
        "ended_by": [engine.ENDED_BY[int(c)] for c in res[:, 1]],
        "cycles": res[:, 2].astype(int),
        "energy_dc_wh_per_km": dc,
        "energy_ac_wh_per_km": dc / eff,
        "hvac_power_w": batch.hvac_power_w if batch.hvac_power_w is not None else np.zeros(len(batch)),
    }).rename_axis("design")
    if pack_thermal:
        out["pack_temperature_end_c"] = summ[:, engine.U["pack_temperature_end_c"]]
        out["energy_btms_wh"] = summ[:, engine.U["btms_energy_j"]] / 3600.0
        out["energy_battery_loss_wh"] = summ[:, engine.U["battery_loss_j"]] / 3600.0
    return out


def wltp(vehicles: VehicleLike | Sequence[VehicleLike], cycle: CycleLike = WLTP_CYCLE,
         ambient_c: float | None = None, pack_thermal: bool = False,
         pack_temperature_initial_c: float | None = None, cabin_soaked: bool = False,
         hvac_on: bool = True, solar_w_per_m2: float = 0.0) -> pd.DataFrame:
    """WLTP-style range and AC consumption (unadjusted) on WLTC class 3b by default (``ambient_c``,
    ``pack_thermal``, ``pack_temperature_initial_c``, ``cabin_soaked``, ``hvac_on``, ``solar_w_per_m2``: as
    :func:`range_on_cycle`)."""
    return range_on_cycle(vehicles, cycle, ambient_c, pack_thermal, pack_temperature_initial_c,
                          cabin_soaked, hvac_on, solar_w_per_m2).assign(procedure="wltp")


def epa_label(vehicles: VehicleLike | Sequence[VehicleLike], ambient_c: float | None = None,
              pack_thermal: bool = False, pack_temperature_initial_c: float | None = None,
              cabin_soaked: bool = False, hvac_on: bool = True, solar_w_per_m2: float = 0.0) -> pd.DataFrame:
    """EPA-style label values: 0.7-adjusted city, highway and combined range and AC consumption.

    Columns: ``range_km`` and ``energy_ac_wh_per_km`` (combined, label-adjusted), plus the city/highway
    values (``*_city``, ``*_highway``) and the unadjusted DC consumptions. ``ambient_c``: as
    :func:`range_on_cycle` (the label's 0.7 factor already stands for average weather and climate use, so a
    climate load on top of it is a what-if, not a label).
    """
    args = (ambient_c, pack_thermal, pack_temperature_initial_c, cabin_soaked, hvac_on, solar_w_per_m2)
    city = range_on_cycle(vehicles, "udds", *args)
    hwy = range_on_cycle(vehicles, "hwfet", *args)
    w = EPA_CITY_WEIGHT
    out = pd.DataFrame({"name": city["name"], "procedure": "epa"})
    for label, t in (("city", city), ("highway", hwy)):
        out[f"range_km_{label}"] = EPA_ADJUSTMENT * t["range_km"]
        out[f"energy_ac_wh_per_km_{label}"] = t["energy_ac_wh_per_km"] / EPA_ADJUSTMENT
        out[f"energy_dc_unadjusted_wh_per_km_{label}"] = t["energy_dc_wh_per_km"]
    out["range_km"] = w * out["range_km_city"] + (1 - w) * out["range_km_highway"]
    out["energy_ac_wh_per_km"] = w * out["energy_ac_wh_per_km_city"] + (1 - w) * out["energy_ac_wh_per_km_highway"]
    out["hvac_power_w"] = city["hvac_power_w"]
    if pack_thermal:
        for label, t in (("city", city), ("highway", hwy)):
            out[f"energy_btms_wh_{label}"] = t["energy_btms_wh"]
    return out


def payload_sweep(vehicle: VehicleLike, cycle: CycleLike = WLTP_CYCLE,
                  payloads_kg: Sequence[float] | None = None, steps: int = 6,
                  ambient_c: float | None = None) -> pd.DataFrame:
    """Consumption and range of one vehicle over payloads, from empty to its gross vehicle weight.

    ``payloads_kg``: the payloads [kg]; default ``steps`` values evenly from 0 to ``gross_mass_kg −
    mass_kg`` (the vehicle file's ``[body] gross_mass_kg``, required then). All variants run as one batch
    (:func:`tyaga.chain.simulate`). One row per payload: ``payload_kg``, ``test_mass_kg``,
    ``energy_dc_wh_per_km``, ``energy_ac_wh_per_km``, ``range_km``, ``trace_miss_s``.
    """
    from tyaga.chain import _resolve_vehicle, simulate
    from tyaga.errors import InputError

    spec = _resolve_vehicle(vehicle)
    cap = spec.body.max_payload_kg
    if payloads_kg is None:
        if cap is None:
            raise InputError("gross_mass_kg", None, f"a gross vehicle weight in {spec.name}'s [body] (or give "
                             "the payloads)")
        if not 2 <= steps <= 1000:
            raise InputError("steps", steps, "2 … 1000")
        payloads = np.linspace(0.0, cap, steps)
    else:
        payloads = np.asarray(payloads_kg, dtype=float)
        if payloads.ndim != 1 or payloads.size == 0 or not np.all(np.isfinite(payloads)) or np.any(payloads < 0):
            raise InputError("payloads_kg", list(payloads.ravel())[:5], "one or more payloads ≥ 0 kg")
        if cap is not None and payloads.max() > cap * (1 + 1e-12):
            raise InputError("payloads_kg", float(payloads.max()), f"≤ {cap:g} kg (gross_mass_kg − mass_kg of "
                             f"{spec.name})")
    specs = [spec.model_copy(update={"name": f"{spec.name} +{p:g} kg",
                                     "body": spec.body.model_copy(update={"payload_kg": float(p)})})
             for p in payloads]
    res = simulate(specs, cycle, timeseries=False, with_acceleration=False, ambient_c=ambient_c).summary
    return pd.DataFrame({
        "payload_kg": payloads, "test_mass_kg": spec.body.mass_kg + payloads,
        "energy_dc_wh_per_km": res["energy_dc_wh_per_km"].to_numpy(),
        "energy_ac_wh_per_km": res["energy_ac_wh_per_km"].to_numpy(),
        "range_km": res["range_km"].to_numpy(), "trace_miss_s": res["trace_miss_s"].to_numpy(),
    })
