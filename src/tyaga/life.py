"""Battery life of a vehicle on a daily duty: years and km to 80 % state of health.

A *duty* (a TOML file, :class:`Duty`, format in ``docs/life.md``) says how a vehicle is used over a year: a
drive cycle driven back to back (``cycles_per_day``) or up to a daily distance, on some days of the week,
a charge back to a target SOC on a charger, and the ambient temperature of each month. :func:`life`

1. builds each *distinct* day once — one per distinct monthly ambient, driving or parked: the day is driven
   with :func:`tyaga.chain.simulate` at 1 s (the cycle's own step) from the day's start SOC (the charge
   target) at that ambient, so the cabin HVAC load counts; on arrival the vehicle is plugged in and charged
   back to the target with :func:`tyaga.charging.charge` (CC-CV with the charger's power and the chemistry's
   taper); it then stays parked at the target SOC until the 24 h are full. A non-driving day is parked all
   day at the target SOC;
2. lays the days out over one year of 365 days — the months in sequence (31, 28, 31, … days), the week
   pattern repeating (day ``d`` drives when ``d mod 7 < driving_days_per_week``) — as a sequence of indices
   into the distinct days (cell SOC = pack SOC; cell temperature = the pack's: the drive runs with the pack
   temperature coupled — ``simulate(..., pack_thermal=True)``, from a pack soaked at the ambient — and so does
   the charge — ``charge(..., thermal=...)`` with the vehicle's BTMS, from the temperature the drive ended at
   —, and while parked the pack returns to the ambient with its time constant C/UA; a parked day sits at the
   ambient), so the self-heating of driving and fast charging and the BTMS are in the stressors;
3. ages the cell with :func:`tyaga.ageing.simulate_days` over the distinct days in their year sequence
   (each distinct day's rates are evaluated once per capacity-grid step, not once per calendar day), day by
   day for ``years`` years. **Feedback of the fade into the drive** (``feedback="drive"``, the default):
   whenever the relative capacity ``q`` has fallen by ``soh_step`` (default 2 %, :data:`FEEDBACK_SOH_STEP`)
   or — for a model with a resistance output — the relative resistance ``r`` has risen by
   ``resistance_step`` (default 25 %, :data:`FEEDBACK_RESISTANCE_STEP`) since the days were last driven, the
   driving days are driven and charged again on the aged pack (:func:`aged_pack`: capacity ``q·C``,
   resistances ``r·R``): its SOC swing for the same km is deeper, its losses higher, its power lower. Between
   two re-simulations the ageing still rescales each day's SOC swing by ``q_sim/q`` (same Ah on a smaller
   cell, BLAST-Lite's ``is_conserve_energy_throughput``). Re-simulation stops at end of life (80 %) or when
   the aged pack can no longer do the day (a note says so); the last days are then kept.
   ``feedback="soc"``: the days are driven once on the new pack and the fade enters only through that SOC
   rescaling (``tyaga life`` before re-simulation); ``feedback="none"``: the stressors of the new pack every
   day. Only ``nmc111-kokam-75ah`` has a resistance output; for the other models the resistance stays at
   its new value in the drive (``r = 1``) and only the capacity fade feeds back.

The ageing model is chosen by the chemistry of the vehicle's cell (:data:`MODEL_BY_CHEMISTRY`) unless the
duty names one: it is a *proxy* — a commercial cell of the same chemistry fitted by NREL, not the
vehicle's own cell — and every result says so.
"""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tyaga import ageing
from tyaga.battery import PackModel
from tyaga.catalog import read_toml, validation_error_to_input_error
from tyaga.errors import InputError
from tyaga.vehicle import VehicleSpec

__all__ = ["FEEDBACK_MODES", "FEEDBACK_RESISTANCE_STEP", "FEEDBACK_SOH_STEP", "MODEL_BY_CHEMISTRY", "DayProfile",
           "Duty", "LifeResult", "aged_pack", "day_profile", "life", "load_duty", "vehicle_chemistry"]

DAY_S = 86400.0
#: Days of each month of a 365-day year.
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
#: Ageing model used as a proxy for a vehicle's cell, by the cell's chemistry.
MODEL_BY_CHEMISTRY = {"LFP": "lfp-250ah-prismatic", "NMC": "nmc-50ah-b1", "NCA": "nmc-50ah-b1",
                      "LTO": "nmc-lto-10ah", "LMO": "nmc-50ah-b1", "LCO": "nmc-50ah-b1"}
#: End-of-life criterion: relative capacity (state of health) [-].
EOL_SOH = 0.8
AMBIENT_LIMITS_C = (-50.0, 60.0)
#: How the fade feeds back (module docstring, step 3).
FEEDBACK_MODES = ("drive", "soc", "none")
#: The driving days are re-simulated on the aged pack when the SOH has fallen by this much since the last time.
FEEDBACK_SOH_STEP = 0.02
#: … or when the relative resistance has risen by this fraction (models with a resistance output).
FEEDBACK_RESISTANCE_STEP = 0.25


class Duty(BaseModel):
    """How a vehicle is used, day by day over a year (see ``docs/life.md``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    cycle: str | None = Field(None, description="A bundled cycle name or a cycle file path (relative to the duty)")
    cycles_per_day: int | None = Field(None, ge=1, le=100, description="The cycle driven back to back per day")
    distance_per_day_km: float | None = Field(None, gt=0, le=2000, description="Distance driven per day [km]")
    driving_days_per_week: int = Field(5, ge=0, le=7, description="Days with driving per week (0: parked only)")
    charge_to_soc_pct: float = Field(90.0, gt=0, le=100, description="SOC charged to after driving [%]")
    charger: Literal["ac", "dc", "depot", "pantograph"] = "ac"
    charger_kw: float | None = Field(None, gt=0, le=1000, description="Charger power [kW] (default by kind)")
    ambient_c: float | list[float] = Field(20.0, description="Ambient [°C]: one value or 12 monthly values")
    years: float = Field(15.0, gt=0, le=30, description="Years simulated")
    ageing_model: str | None = Field(None, description="An ageing model name (default by chemistry)")
    park_soc_note: str = ""

    @field_validator("ambient_c", mode="before")
    @classmethod
    def _ambient(cls, v: Any) -> Any:
        lo, hi = AMBIENT_LIMITS_C
        allowed = f"one temperature or a list of 12 monthly temperatures, each {lo:g} … {hi:g} °C"
        values = v if isinstance(v, list) else [v]
        if isinstance(v, list) and len(v) != 12:
            raise ValueError(f"{allowed} (got {len(v)} values)")
        for x in values:
            if isinstance(x, bool) or not isinstance(x, int | float) or not (lo <= x <= hi):
                raise ValueError(allowed)
        return v

    @field_validator("ageing_model")
    @classmethod
    def _model(cls, v: str | None) -> str | None:
        if v is not None and v not in ageing.models():
            raise ValueError("one of " + ", ".join(ageing.models()))
        return v

    @model_validator(mode="after")
    def _rules(self) -> Duty:
        if self.cycles_per_day is not None and self.distance_per_day_km is not None:
            raise ValueError("give cycles_per_day or distance_per_day_km, not both")
        if self.driving_days_per_week > 0 and self.cycle is None:
            raise ValueError("a duty with driving_days_per_week > 0 needs a cycle")
        return self

    @property
    def monthly_ambient_c(self) -> tuple[float, ...]:
        """Ambient temperature of each of the 12 months [°C]."""
        a = self.ambient_c
        return tuple(float(x) for x in a) if isinstance(a, list) else (float(a),) * 12

    @property
    def charge_to_soc(self) -> float:
        """Charge target as a fraction [-]."""
        return self.charge_to_soc_pct / 100.0


def load_duty(path_or_data: str | Path | dict[str, Any]) -> tuple[Duty, Path | None]:
    """A :class:`Duty` from a TOML file (or a dict); the file's folder (for relative cycle paths) or ``None``."""
    if isinstance(path_or_data, dict):
        data, source, base = path_or_data, None, None
    else:
        path = Path(path_or_data)
        if not path.is_file():
            raise InputError("duty file", str(path), "an existing TOML file")
        data, source, base = read_toml(path), str(path), path.parent
    try:
        return Duty.model_validate(data), base
    except ValidationError as exc:
        raise validation_error_to_input_error(exc, source, data, Duty) from None


def vehicle_chemistry(spec: VehicleSpec) -> str:
    """Chemistry of a vehicle's cell (``"NMC"`` for a pack given by its energy only, charging's default)."""
    from tyaga import charging

    if spec.battery.from_cell and spec.battery.cell is not None:
        from tyaga import cells

        ref = spec.battery.cell
        if spec.base_dir is not None and ("/" in ref or ref.endswith(".toml")):
            ref = str(Path(spec.base_dir) / ref)
        return str(cells.load(ref).chemistry)
    return charging.DEFAULT_CHEMISTRY


@dataclass(frozen=True)
class DayProfile:
    """One distinct duty day: SOC and cell temperature over 24 h, and what the day drove and charged.

    ``soc`` is the SOC of the pack the day was driven on (capacity ``capacity_relative`` of new, resistance
    ``resistance_relative`` of new; 1, 1: the new pack); :attr:`ageing_soc` is the same charge throughput
    as an SOC of the *new* capacity, the input the ageing models rescale by the capacity of the day.
    """

    ambient_c: float
    driving: bool
    time_s: np.ndarray          # (n,), 0 … 86400 s
    soc: np.ndarray             # (n,) cell SOC [-]
    temperature_c: np.ndarray   # (n,) cell temperature [°C] (= ambient)
    distance_km: float
    energy_battery_wh: float    # net energy out of the battery terminals while driving [Wh]
    energy_grid_wh: float       # energy from the grid to charge back [Wh]
    hvac_power_w: float
    soc_end_drive: float
    drive_s: float
    charge_s: float
    notes: tuple[str, ...] = ()
    capacity_relative: float = 1.0
    resistance_relative: float = 1.0

    @property
    def dod(self) -> float:
        """Depth of discharge of the pack the day was driven on [-]."""
        return float(self.soc.max() - self.soc.min())

    @property
    def ageing_soc(self) -> np.ndarray:
        """The day's SOC swing in SOC of the new capacity: ``soc₀ + (soc − soc₀)·capacity_relative``."""
        if self.capacity_relative == 1.0:
            return self.soc
        s0 = self.soc[0]
        return np.clip(s0 + (self.soc - s0) * self.capacity_relative, 0.0, 1.0)


def aged_pack(spec: VehicleSpec, capacity_relative: float, resistance_relative: float = 1.0) -> PackModel:
    """The pack of ``spec`` aged to ``capacity_relative`` of its capacity and ``resistance_relative`` of its
    resistance: capacity × q; R0, R1, R2 × r and C1, C2 ÷ r (the RC time constants stay); the OCV curve over
    SOC, the voltage limits, the SOC window and the current limits [A] stay those of the new pack."""
    from tyaga.battery import pack_for_vehicle

    q, r = capacity_relative, resistance_relative
    if isinstance(q, bool) or not isinstance(q, int | float) or not (0.05 <= q <= 1.5):
        raise InputError("capacity_relative", q, "a relative capacity 0.05 … 1.5 (1 = new)")
    if isinstance(r, bool) or not isinstance(r, int | float) or not (0.5 <= r <= 100.0):
        raise InputError("resistance_relative", r, "a relative resistance 0.5 … 100 (1 = new)")
    pk = pack_for_vehicle(spec)
    return dataclasses.replace(pk, capacity_ah=pk.capacity_ah * q, r0_ohm=pk.r0_ohm * r, r1_ohm=pk.r1_ohm * r,
                               r2_ohm=pk.r2_ohm * r, c1_f=pk.c1_f / r, c2_f=pk.c2_f / r)


def _day_cycle(duty: Duty, base: Path | None) -> Any:
    from tyaga import cycles

    assert duty.cycle is not None
    ref: str | Path = duty.cycle
    if base is not None and ("/" in duty.cycle or "." in duty.cycle) and not Path(duty.cycle).is_absolute():
        ref = base / duty.cycle
    cyc = cycles.load(ref)
    if duty.distance_per_day_km is None:
        return cyc.repeat(duty.cycles_per_day or 1)
    target_m = duty.distance_per_day_km * 1000.0
    n = max(1, math.ceil(target_m / cyc.distance_m - 1e-9))
    rep = cyc.repeat(n)
    if abs(rep.distance_m - target_m) < 1e-6 * target_m:
        return rep
    t_end = float(np.interp(target_m, rep.distance_at_sample_m, rep.time_s))
    return rep.between(0.0, t_end)


def _drive(spec: VehicleSpec, cycle: Any, soc0: float, ambient_c: float, pack: PackModel | None
           ) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Summary columns, time [s], SOC, distance [m] and pack temperature [°C] of the day's drive
    (:func:`tyaga.chain.simulate` with the pack temperature coupled, from a pack soaked at the ambient; on
    ``pack`` instead of the spec's own pack when given)."""
    from tyaga import chain

    res = chain.simulate(spec, cycle, soc_initial=soc0, timeseries=True, with_range=False,
                         with_acceleration=False, ambient_c=ambient_c, pack_thermal=True,
                         packs=None if pack is None else [pack])
    ts = res.timeseries
    assert ts is not None
    return (res.columns, np.asarray(ts["time_s"].values, dtype=float), np.asarray(ts["soc"].values[0], dtype=float),
            np.asarray(ts["distance_m"].values[0], dtype=float),
            np.asarray(ts["pack_temperature_c"].values[0], dtype=float))


#: Time step of a duty day's charge [s]: 30 s, the coarsest the charge allows (its end is located exactly
#: within a step); against its default (≈ 1/2000 of the charge) an 11 kW AC charge of ``compact-ev-150kw``
#: differs by 2e-8 in duration and 2e-5 in grid energy, and takes 0.06 s instead of 0.5 s.
CHARGE_STEP_S = 30.0


def _charge(spec: VehicleSpec, duty: Duty, soc_from: float, soc_to: float, ambient_c: float,
            pack: PackModel | None, start_c: float) -> Any:
    """:func:`tyaga.charging.charge` of the vehicle (or of ``pack``, with the vehicle's charger and cell), the
    pack temperature a state from ``start_c`` with the vehicle's BTMS
    (:func:`tyaga.thermal.thermal_params_for_vehicle`)."""
    from tyaga import charging, thermal
    from tyaga.battery import cell_for_vehicle

    power_w = duty.charger_kw * 1e3 if duty.charger_kw is not None else charging.CHARGERS[duty.charger]["power_w"]
    if pack is None:
        return charging.charge(spec, soc_from, soc_to, power_w, duty.charger, ambient_c=ambient_c,
                               temperature_c=start_c, reference_window=False, thermal="auto",
                               dt_s=CHARGE_STEP_S)
    cell = cell_for_vehicle(spec)
    charger = charging.make_charger(duty.charger, power_w, vehicle_efficiency=spec.battery.charger_efficiency,
                                    vehicle_class=spec.vehicle_class)
    return charging.charge(pack, soc_from, soc_to, charger=charger, ambient_c=ambient_c, cell=cell,
                           temperature_c=start_c, reference_window=False,
                           thermal=thermal.thermal_params_for_vehicle(spec, pack, cell), dt_s=CHARGE_STEP_S)


#: Step of the parked part of a day's temperature profile [s]: the pack cools (or warms) back to the ambient
#: with its time constant C/UA (about 3 h for a car), sampled every 10 min.
PARK_SAMPLE_S = 600.0


def _parked_temperature(spec: VehicleSpec, pack: PackModel | None, t_from_s: float, start_c: float,
                        ambient_c: float) -> tuple[np.ndarray, np.ndarray]:
    """Times (after ``t_from_s``, up to the end of the day) and pack temperatures while parked: the exact
    solution of ``C·dT/dt = −UA·(T − T_ambient)`` (no BTMS while parked and unplugged); the last sample is the
    ambient, where the next day starts."""
    from tyaga import thermal

    tp = thermal.thermal_params_for_vehicle(spec, pack)
    tau = float(tp.time_constant_s[0])
    t = np.unique(np.append(np.arange(t_from_s + PARK_SAMPLE_S, DAY_S, PARK_SAMPLE_S), DAY_S))
    t = t[t > t_from_s]
    temp = ambient_c + (start_c - ambient_c) * np.exp(-(t - t_from_s) / tau)
    temp[-1] = ambient_c  # the day ends soaked, as the next one starts (what is left after ≥ 20 h: ≈ 1 mK)
    return t, temp


def day_profile(spec: VehicleSpec, duty: Duty, ambient_c: float, driving: bool, cycle: Any = None,
                pack: PackModel | None = None) -> DayProfile:
    """The 24 h SOC and temperature profile of one duty day at ``ambient_c`` (module docstring, step 1).

    ``pack``: drive and charge this pack (an :func:`aged_pack` of ``spec``) instead of the vehicle's new one.
    """
    from tyaga import charging
    from tyaga.battery import pack_for_vehicle

    s_full = duty.charge_to_soc
    pack_max = float(spec.battery.soc_max)
    if s_full > pack_max + 1e-12:
        raise InputError("charge_to_soc_pct", duty.charge_to_soc_pct,
                         f"≤ {pack_max * 100:g} %, the top of {spec.name}'s SOC window")
    q_rel, r_rel = 1.0, 1.0
    if pack is not None:
        new = pack_for_vehicle(spec)
        q_rel = pack.capacity_ah / new.capacity_ah
        r_rel = pack.r0_ohm / new.r0_ohm if new.r0_ohm > 0 else 1.0
    if not driving:
        t = np.array([0.0, DAY_S])
        return DayProfile(ambient_c, False, t, np.full(2, s_full), np.full(2, ambient_c), 0.0, 0.0, 0.0, 0.0,
                          s_full, 0.0, 0.0, (), q_rel, r_rel)
    col, t_drive, soc_drive, dist_m, temp_drive = _drive(spec, cycle, s_full, ambient_c, pack)
    soc_min = float(spec.battery.soc_min)
    aged = "" if pack is None else f" with the pack aged to {q_rel * 100:.1f} % capacity"
    if float(col["exhausted_s"][0]) > 0 or soc_drive.min() < soc_min - 1e-9:
        empty_km = float(dist_m[int(np.argmax(soc_drive < soc_min - 1e-9))]) / 1e3
        raise InputError("distance_per_day_km" if duty.distance_per_day_km else "cycles_per_day",
                         duty.distance_per_day_km or duty.cycles_per_day or 1,
                         f"a day {spec.name} can drive from {duty.charge_to_soc_pct:g} % SOC at {ambient_c:g} °C"
                         f"{aged} (the pack ran empty after {empty_km:.1f} km)")
    soc_end = float(soc_drive[-1])
    notes: list[str] = []
    t_parts, s_parts, temp_parts = [t_drive], [soc_drive], [temp_drive]
    energy_grid_wh, charge_s = 0.0, 0.0
    if soc_end < s_full - 1e-9:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", charging.ChargingRangeWarning)
            ch = _charge(spec, duty, soc_end, s_full, ambient_c, pack, float(temp_drive[-1]))
        notes += [str(w.message) for w in caught]
        tc = np.asarray(ch.data["time_s"], dtype=float)
        sc = np.asarray(ch.data["soc"], dtype=float)
        charge_s = float(tc[-1])
        energy_grid_wh = float(ch.summary["energy_grid_wh"])
        t_parts.append(t_drive[-1] + tc[1:])
        s_parts.append(sc[1:])
        temp_parts.append(np.asarray(ch.data["temperature_c"], dtype=float)[1:])
        if ch.summary["soc_end"] < s_full - 1e-6:
            notes.append(f"charge at {ambient_c:g} °C{aged} ended at {ch.summary['soc_end'] * 100:.1f} % "
                         f"({ch.summary['end_reason']}), below the target {duty.charge_to_soc_pct:g} %")
    t_busy = t_parts[-1][-1]
    if t_busy > DAY_S - 1.0:
        raise InputError("duty", f"{t_busy / 3600:.1f} h of driving and charging at {ambient_c:g} °C{aged}",
                         "a day that fits in 24 h (fewer cycles per day or a faster charger)")
    s_last = float(s_parts[-1][-1])
    t_park, temp_park = _parked_temperature(spec, pack, float(t_busy), float(temp_parts[-1][-1]), ambient_c)
    t_parts.append(t_park)
    s_parts.append(np.full(t_park.size, s_last))
    temp_parts.append(temp_park)
    t = np.concatenate(t_parts)
    soc = np.clip(np.concatenate(s_parts), 0.0, 1.0)
    temp = np.concatenate(temp_parts)
    keep = np.concatenate([np.diff(t) > 0, [True]])  # a sample repeated at a phase change: keep the last
    t, soc, temp = t[keep], soc[keep], temp[keep]
    return DayProfile(ambient_c, True, t, soc, temp, float(col["distance_km"][0]),
                      float(col["energy_battery_terminal_wh"][0]), energy_grid_wh, float(col["hvac_power_w"][0]),
                      soc_end, float(t_drive[-1]), charge_s, tuple(notes), q_rel, r_rel)


@dataclass
class LifeResult:
    """Result of :func:`life`.

    ``years_to_eol`` / ``km_to_eol``: years (of 365 days) and km driven until the relative capacity falls to
    80 % (``inf`` when it stays above within the simulated years). ``yearly``: one row per year — SOH and
    relative resistance at its end, cumulative EFC and km, the year's grid and battery energy, the pack's
    capacity at its end. ``days``: one row per distinct day (on the new pack). ``resimulations``: one row per
    re-simulation of the driving days on the aged pack (``feedback="drive"``).
    """

    vehicle: str
    duty: str
    chemistry: str
    model: str
    years: float
    years_to_eol: float
    km_to_eol: float
    km_per_year: float
    energy_grid_kwh_per_year: float
    driving_days_per_year: int
    soh_min_for_daily_distance: float
    yearly: pd.DataFrame
    days: pd.DataFrame
    ageing_result: ageing.AgeingResult = field(repr=False)
    notes: list[str] = field(default_factory=list)
    feedback: str = "drive"
    feedback_soh_step: float = FEEDBACK_SOH_STEP
    feedback_resistance_step: float = FEEDBACK_RESISTANCE_STEP
    resimulations: pd.DataFrame = field(default_factory=pd.DataFrame)
    pack_capacity_ah_new: float = math.nan

    def soh_after(self, years: float) -> float:
        """Relative capacity after ``years`` [-] (linear between days; NaN beyond the simulated time)."""
        t = self.ageing_result.time_years
        if years > t[-1] + 1e-12:
            return math.nan
        return float(np.interp(years, t, self.ageing_result.q[0]))

    def resistance_after(self, years: float) -> float | None:
        """Relative DC resistance after ``years`` [-]; ``None`` for a capacity-only model."""
        r = self.ageing_result.resistance
        t = self.ageing_result.time_years
        if r is None:
            return None
        if years > t[-1] + 1e-12:
            return math.nan
        return float(np.interp(years, t, r[0]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (``inf``/NaN become ``None`` in :func:`tyaga.results.to_jsonable`)."""
        return {
            "vehicle": self.vehicle, "duty": self.duty, "chemistry": self.chemistry, "ageing_model": self.model,
            "years_simulated": self.years, "eol_soh": EOL_SOH,
            "years_to_80pct": self.years_to_eol, "km_to_80pct": self.km_to_eol,
            "km_per_year": self.km_per_year, "energy_grid_kwh_per_year": self.energy_grid_kwh_per_year,
            "driving_days_per_year": self.driving_days_per_year,
            "soh_min_for_daily_distance": self.soh_min_for_daily_distance,
            "soh_after_5_years": self.soh_after(5.0), "soh_after_10_years": self.soh_after(10.0),
            "resistance_after_5_years": self.resistance_after(5.0),
            "resistance_after_10_years": self.resistance_after(10.0),
            "feedback": self.feedback, "feedback_soh_step_pct": self.feedback_soh_step * 100.0,
            "feedback_resistance_step_pct": self.feedback_resistance_step * 100.0,
            "pack_capacity_ah_new": self.pack_capacity_ah_new,
            "yearly": self.yearly.to_dict(orient="records"),
            "days": self.days.to_dict(orient="records"),
            "resimulations": self.resimulations.to_dict(orient="records"),
            "notes": list(self.notes),
        }


def _check_life_options(feedback: object, soh_step: object, resistance_step: object) -> None:
    if feedback not in FEEDBACK_MODES:
        raise InputError("feedback", feedback, "drive (re-simulate the days on the aged pack), soc (SOC rescaling "
                         "only) or none (stressors of the new pack)")
    for name, v, hi in (("soh_step", soh_step, 0.1), ("resistance_step", resistance_step, 1.0)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not (0.0 < v <= hi):
            raise InputError(name, v, f"0 < {name} ≤ {hi:g} (a fraction: 0.01 = 1 %)")


def _note_key(message: str) -> str:
    """A warning without its numbers: the same kind of warning from another re-simulation is one note."""
    return re.sub(r"-?\d[\d.,]*(e[-+]?\d+)?", "#", message)


def life(vehicle: VehicleSpec | str | Path, duty: Duty | str | Path | dict[str, Any],
         q_step: float | None = 0.02, feedback: str = "drive", soh_step: float = FEEDBACK_SOH_STEP,
         resistance_step: float = FEEDBACK_RESISTANCE_STEP) -> LifeResult:
    """Years and km to 80 % SOH of ``vehicle`` on ``duty`` (module docstring).

    ``q_step``: as :func:`tyaga.ageing.simulate`. ``feedback``: ``"drive"`` (re-simulate the driving days on
    the aged pack every ``soh_step`` of capacity fade or ``resistance_step`` of resistance growth), ``"soc"``
    or ``"none"`` (module docstring, step 3).
    """
    from tyaga import vehicles
    from tyaga.battery import pack_for_vehicle

    _check_life_options(feedback, soh_step, resistance_step)
    spec = vehicle if isinstance(vehicle, VehicleSpec) else vehicles.load(vehicle)
    base: Path | None = None
    if not isinstance(duty, Duty):
        duty, base = load_duty(duty)
    chem = vehicle_chemistry(spec)
    model = duty.ageing_model or MODEL_BY_CHEMISTRY[chem]
    m = ageing.load(model)
    notes = [f"ageing model {model!r} is a proxy for {spec.name}'s {chem} cell (a commercial cell of that "
             "chemistry fitted by NREL, not the vehicle's own cell)",
             "cell temperature = ambient (the thermal model is not coupled: no self-heating while driving or "
             "charging)"]
    has_r = m.has_resistance
    if feedback == "drive" and not has_r:
        notes.append(f"ageing model {model!r} fits capacity only: the drive on the aged pack keeps the new "
                     "pack's resistance (only nmc111-kokam-75ah has a resistance growth)")
    months = np.repeat(np.arange(12), MONTH_DAYS)                      # month of each day of the year
    driving = (np.arange(365) % 7) < duty.driving_days_per_week
    amb = np.array(duty.monthly_ambient_c)[months]
    cyc = _day_cycle(duty, base) if duty.driving_days_per_week > 0 else None
    keys: list[tuple[float, bool]] = []
    index: dict[tuple[float, bool], int] = {}
    for a, d in zip(amb, driving, strict=True):
        key = (float(a), bool(d))
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
    seq = np.array([index[(float(a), bool(d))] for a, d in zip(amb, driving, strict=True)])
    fresh = [day_profile(spec, duty, a, d, cyc) for a, d in keys]
    for p in fresh:
        notes += [n for n in p.notes if n not in notes]

    n_total = max(1, round(365.0 * duty.years))
    seen_keys = {_note_key(n) for n in notes}
    sets: list[list[DayProfile]] = [fresh]
    set_of_day = np.zeros(n_total, dtype=np.int64)
    segments: list[ageing.AgeingResult] = []
    resims: list[dict[str, Any]] = []
    state: ageing.AgeingState | None = None
    q_sim, r_sim = 1.0, 1.0
    resimulate = feedback == "drive" and duty.driving_days_per_week > 0
    done = 0
    while done < n_total:
        profiles = sets[-1]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            res = ageing.simulate_days(
                m, [(p.time_s, p.ageing_soc, p.temperature_c) for p in profiles], seq, n_days=n_total - done,
                q_step=q_step, start=state, conserve_throughput=feedback != "none",
                stop_below_q=q_sim - soh_step if resimulate else None,
                stop_above_resistance=r_sim * (1.0 + resistance_step) if resimulate and has_r else None)
        for w in caught:
            msg = str(w.message)
            if _note_key(msg) not in seen_keys:
                seen_keys.add(_note_key(msg))
                notes.append(msg)
        segments.append(res)
        state = res.final_state
        set_of_day[done:state.day] = len(sets) - 1
        done = state.day
        if done >= n_total:
            break
        q_now = float(res.q[0, -1])
        r_now = float(res.resistance[0, -1]) if res.resistance is not None else 1.0
        if q_now <= EOL_SOH:
            notes.append(f"the days are re-simulated on the aged pack until end of life ({EOL_SOH * 100:g} % SOH, "
                         f"after {done / 365:.2f} years); beyond it the last ones are kept")
            resimulate = False
            continue
        try:
            pk = aged_pack(spec, q_now, r_now)
            new = [day_profile(spec, duty, a, True, cyc, pack=pk) if d else fresh[i]
                   for i, (a, d) in enumerate(keys)]
        except InputError as exc:
            notes.append(f"after {done / 365:.2f} years (SOH {q_now * 100:.1f} %) the aged pack can no longer do "
                         f"the duty day ({exc}); the last days that it could do are kept")
            resimulate = False
            continue
        for n in (n for p in new for n in p.notes):
            if _note_key(n) not in seen_keys:
                seen_keys.add(_note_key(n))
                notes.append(n)
        sets.append(new)
        q_sim, r_sim = q_now, r_now
        drv = [p for p in new if p.driving]
        resims.append({"day": done, "years": done / 365.0, "soh": q_now,
                       "resistance_relative": r_now if has_r else None,
                       "dod_max": max(p.dod for p in drv),
                       "energy_battery_wh_per_day_mean": float(np.mean([new[j].energy_battery_wh for j in seq
                                                                        if new[j].driving])),
                       "energy_grid_wh_per_day_mean": float(np.mean([new[j].energy_grid_wh for j in seq
                                                                     if new[j].driving]))})

    res = segments[0] if len(segments) == 1 else ageing.AgeingResult(
        model, np.concatenate([segments[0].time_days] + [s.time_days[1:] for s in segments[1:]]),
        np.concatenate([segments[0].q] + [s.q[:, 1:] for s in segments[1:]], axis=1),
        np.concatenate([segments[0].efc] + [s.efc[:, 1:] for s in segments[1:]], axis=1),
        {k: np.concatenate([segments[0].states[k]] + [s.states[k][:, 1:] for s in segments[1:]], axis=1)
         for k in segments[0].states},
        None if segments[0].resistance is None else np.concatenate(
            [segments[0].resistance] + [s.resistance[:, 1:] for s in segments[1:]], axis=1))  # type: ignore[index]

    n_days = res.time_days.size - 1
    day_of_year = np.arange(n_days) % 365
    set_idx = set_of_day[:n_days]
    table = {name: np.array([[getattr(p, name) for p in st] for st in sets])   # (sets, distinct days)
             for name in ("distance_km", "energy_grid_wh", "energy_battery_wh")}
    per_day = {name: tab[set_idx, seq[day_of_year]] for name, tab in table.items()}
    km_cum = np.concatenate([[0.0], np.cumsum(per_day["distance_km"])])
    q = res.q[0]
    years_to_eol, km_to_eol = math.inf, math.inf
    below = np.flatnonzero(q <= EOL_SOH)
    if below.size:
        k = int(below[0])
        f = (q[k - 1] - EOL_SOH) / (q[k - 1] - q[k]) if q[k - 1] != q[k] else 1.0
        years_to_eol = float((res.time_days[k - 1] + f * (res.time_days[k] - res.time_days[k - 1])) / 365.0)
        km_to_eol = float(km_cum[k - 1] + f * (km_cum[k] - km_cum[k - 1]))

    cap_new = float(pack_for_vehicle(spec).capacity_ah)
    ends = [365 * y for y in range(1, math.floor(duty.years + 1e-9) + 1)]
    yearly = pd.DataFrame({
        "year": list(range(1, len(ends) + 1)),
        "soh": [float(q[i]) for i in ends],
        "resistance_relative": [None if res.resistance is None else float(res.resistance[0, i]) for i in ends],
        "efc": [float(res.efc[0, i]) for i in ends],
        "km": [float(km_cum[i]) for i in ends],
        "energy_grid_kwh": [float(per_day["energy_grid_wh"][i - 365:i].sum() / 1e3) for i in ends],
        "energy_battery_kwh": [float(per_day["energy_battery_wh"][i - 365:i].sum() / 1e3) for i in ends],
        "pack_capacity_ah": [float(q[i]) * cap_new for i in ends],
    })
    counts: dict[tuple[float, bool], list[int]] = {}
    for mo, a, d in zip(months, amb, driving, strict=True):
        counts.setdefault((float(a), bool(d)), []).append(int(mo) + 1)
    days = pd.DataFrame([{
        "ambient_c": p.ambient_c, "driving": p.driving, "days_per_year": len(counts[key]),
        "months": sorted(set(counts[key])), "distance_km": p.distance_km,
        "energy_battery_wh": p.energy_battery_wh, "energy_grid_wh": p.energy_grid_wh,
        "hvac_power_w": p.hvac_power_w, "soc_start": float(p.soc[0]), "soc_end_drive": p.soc_end_drive,
        "dod": p.dod, "drive_s": p.drive_s, "charge_s": p.charge_s} for key, p in zip(keys, fresh, strict=True)])
    # the daily drive fits the pack's window while its swing rescaled by 1/q stays above soc_min
    worst_dod = max(float(p.soc[0] - p.soc.min()) for p in fresh)
    room = duty.charge_to_soc - float(spec.battery.soc_min)
    soh_min = worst_dod / room if room > 0 else math.inf
    year_days = [fresh[j] for j in seq]
    return LifeResult(
        vehicle=spec.name, duty=duty.name, chemistry=chem, model=model, years=float(duty.years),
        years_to_eol=years_to_eol, km_to_eol=km_to_eol, km_per_year=float(sum(p.distance_km for p in year_days)),
        energy_grid_kwh_per_year=float(sum(p.energy_grid_wh for p in year_days) / 1e3),
        driving_days_per_year=int(driving.sum()), soh_min_for_daily_distance=soh_min,
        yearly=yearly, days=days, ageing_result=res, notes=notes, feedback=feedback,
        feedback_soh_step=float(soh_step), feedback_resistance_step=float(resistance_step),
        resimulations=pd.DataFrame(resims, columns=["day", "years", "soh", "resistance_relative", "dod_max",
                                                    "energy_battery_wh_per_day_mean",
                                                    "energy_grid_wh_per_day_mean"]),
        pack_capacity_ah_new=cap_new)
