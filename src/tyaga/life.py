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
   pattern repeating (day ``d`` drives when ``d mod 7 < driving_days_per_week``) — into one SOC and cell
   temperature profile (cell SOC = pack SOC; **cell temperature = ambient**: the thermal model is not
   coupled yet, so the self-heating of driving and charging is not in the stressors);
3. ages the cell with :func:`tyaga.ageing.simulate`, which repeats that year profile for ``years`` years
   and integrates the fade day by day. Feedback of the fade: every day draws the same charge [Ah] as on the
   fresh pack, so on a cell of relative capacity ``q`` the SOC swing is ``1/q`` deeper (ageing's SOC
   rescaling, BLAST-Lite's ``is_conserve_energy_throughput``) — a deeper, harder cycle as the pack ages.
   The resistance growth ``r`` is reported where the model has one (``nmc111-kokam-75ah``); it is not fed
   back into the drive (each distinct day is simulated once, on the fresh pack).

The ageing model is chosen by the chemistry of the vehicle's cell (:data:`MODEL_BY_CHEMISTRY`) unless the
duty names one: it is a *proxy* — a commercial cell of the same chemistry fitted by NREL, not the
vehicle's own cell — and every result says so.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tyaga import ageing
from tyaga.catalog import read_toml, validation_error_to_input_error
from tyaga.errors import InputError
from tyaga.vehicle import VehicleSpec

__all__ = ["MODEL_BY_CHEMISTRY", "DayProfile", "Duty", "LifeResult", "day_profile", "life", "load_duty",
           "vehicle_chemistry"]

DAY_S = 86400.0
#: Days of each month of a 365-day year.
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
#: Ageing model used as a proxy for a vehicle's cell, by the cell's chemistry.
MODEL_BY_CHEMISTRY = {"LFP": "lfp-250ah-prismatic", "NMC": "nmc-50ah-b1", "NCA": "nmc-50ah-b1",
                      "LTO": "nmc-lto-10ah", "LMO": "nmc-50ah-b1", "LCO": "nmc-50ah-b1"}
#: End-of-life criterion: relative capacity (state of health) [-].
EOL_SOH = 0.8
AMBIENT_LIMITS_C = (-50.0, 60.0)


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
    """One distinct duty day: SOC and cell temperature over 24 h, and what the day drove and charged."""

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

    @property
    def dod(self) -> float:
        """Depth of discharge of the fresh cell that day [-]."""
        return float(self.soc.max() - self.soc.min())


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


def day_profile(spec: VehicleSpec, duty: Duty, ambient_c: float, driving: bool, cycle: Any = None) -> DayProfile:
    """The 24 h SOC and temperature profile of one duty day at ``ambient_c`` (module docstring, step 1)."""
    from tyaga import chain, charging

    s_full = duty.charge_to_soc
    pack_max = float(spec.battery.soc_max)
    if s_full > pack_max + 1e-12:
        raise InputError("charge_to_soc_pct", duty.charge_to_soc_pct,
                         f"≤ {pack_max * 100:g} %, the top of {spec.name}'s SOC window")
    if not driving:
        t = np.array([0.0, DAY_S])
        return DayProfile(ambient_c, False, t, np.full(2, s_full), np.full(2, ambient_c), 0.0, 0.0, 0.0, 0.0,
                          s_full, 0.0, 0.0)
    res = chain.simulate(spec, cycle, soc_initial=s_full, timeseries=True, with_range=False,
                         with_acceleration=False, ambient_c=ambient_c)
    col = res.columns
    ts = res.timeseries
    assert ts is not None
    t_drive = np.asarray(ts["time_s"].values, dtype=float)
    soc_drive = np.asarray(ts["soc"].values[0], dtype=float)
    soc_min = float(spec.battery.soc_min)
    if float(col["exhausted_s"][0]) > 0 or soc_drive.min() < soc_min - 1e-9:
        dist_m = np.asarray(ts["distance_m"].values[0], dtype=float)
        empty_km = float(dist_m[int(np.argmax(soc_drive < soc_min - 1e-9))]) / 1e3
        raise InputError("distance_per_day_km" if duty.distance_per_day_km else "cycles_per_day",
                         duty.distance_per_day_km or duty.cycles_per_day or 1,
                         f"a day {spec.name} can drive from {duty.charge_to_soc_pct:g} % SOC at {ambient_c:g} °C "
                         f"(the pack ran empty after {empty_km:.1f} km)")
    soc_end = float(soc_drive[-1])
    notes: list[str] = []
    t_parts, s_parts = [t_drive], [soc_drive]
    energy_grid_wh, charge_s = 0.0, 0.0
    if soc_end < s_full - 1e-9:
        power_w = (duty.charger_kw * 1e3 if duty.charger_kw is not None
                   else charging.CHARGERS[duty.charger]["power_w"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", charging.ChargingRangeWarning)
            ch = charging.charge(spec, soc_end, s_full, power_w, duty.charger, ambient_c=ambient_c,
                                 reference_window=False)
        notes += [str(w.message) for w in caught]
        tc = np.asarray(ch.data["time_s"], dtype=float)
        sc = np.asarray(ch.data["soc"], dtype=float)
        charge_s = float(tc[-1])
        energy_grid_wh = float(ch.summary["energy_grid_wh"])
        t_parts.append(t_drive[-1] + tc[1:])
        s_parts.append(sc[1:])
        if ch.summary["soc_end"] < s_full - 1e-6:
            notes.append(f"charge at {ambient_c:g} °C ended at {ch.summary['soc_end'] * 100:.1f} % "
                         f"({ch.summary['end_reason']}), below the target {duty.charge_to_soc_pct:g} %")
    t_busy = t_parts[-1][-1]
    if t_busy > DAY_S - 1.0:
        raise InputError("duty", f"{t_busy / 3600:.1f} h of driving and charging at {ambient_c:g} °C",
                         "a day that fits in 24 h (fewer cycles per day or a faster charger)")
    s_last = float(s_parts[-1][-1])
    t_parts.append(np.array([DAY_S]))
    s_parts.append(np.array([s_last]))
    t = np.concatenate(t_parts)
    soc = np.clip(np.concatenate(s_parts), 0.0, 1.0)
    return DayProfile(ambient_c, True, t, soc, np.full(t.size, ambient_c), float(col["distance_km"][0]),
                      float(col["energy_battery_terminal_wh"][0]), energy_grid_wh, float(col["hvac_power_w"][0]),
                      soc_end, float(t_drive[-1]), charge_s, tuple(notes))


@dataclass
class LifeResult:
    """Result of :func:`life`.

    ``years_to_eol`` / ``km_to_eol``: years (of 365 days) and km driven until the relative capacity falls to
    80 % (``inf`` when it stays above within the simulated years). ``yearly``: one row per year — SOH and
    relative resistance at its end, cumulative EFC and km. ``days``: one row per distinct day.
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
            "yearly": self.yearly.to_dict(orient="records"),
            "days": self.days.to_dict(orient="records"),
            "notes": list(self.notes),
        }


def life(vehicle: VehicleSpec | str | Path, duty: Duty | str | Path | dict[str, Any],
         q_step: float | None = 0.02) -> LifeResult:
    """Years and km to 80 % SOH of ``vehicle`` on ``duty`` (module docstring); ``q_step`` as ageing.simulate."""
    from tyaga import vehicles

    spec = vehicle if isinstance(vehicle, VehicleSpec) else vehicles.load(vehicle)
    base: Path | None = None
    if not isinstance(duty, Duty):
        duty, base = load_duty(duty)
    chem = vehicle_chemistry(spec)
    model = duty.ageing_model or MODEL_BY_CHEMISTRY[chem]
    notes = [f"ageing model {model!r} is a proxy for {spec.name}'s {chem} cell (a commercial cell of that "
             "chemistry fitted by NREL, not the vehicle's own cell)",
             "cell temperature = ambient (the thermal model is not coupled: no self-heating while driving or "
             "charging)"]
    months = np.repeat(np.arange(12), MONTH_DAYS)                      # month of each day of the year
    driving = (np.arange(365) % 7) < duty.driving_days_per_week
    amb = np.array(duty.monthly_ambient_c)[months]
    cyc = _day_cycle(duty, base) if duty.driving_days_per_week > 0 else None
    profiles: dict[tuple[float, bool], DayProfile] = {}
    for a, d in zip(amb, driving, strict=True):
        key = (float(a), bool(d))
        if key not in profiles:
            profiles[key] = day_profile(spec, duty, key[0], key[1], cyc)
    for p in profiles.values():
        notes += [n for n in p.notes if n not in notes]
    year_days = [profiles[(float(a), bool(d))] for a, d in zip(amb, driving, strict=True)]
    t_year = np.concatenate([[0.0]] + [d * DAY_S + p.time_s[1:] for d, p in enumerate(year_days)])
    soc_year = np.concatenate([[year_days[0].soc[0]]] + [p.soc[1:] for p in year_days])
    temp_year = np.concatenate([[year_days[0].temperature_c[0]]] + [p.temperature_c[1:] for p in year_days])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        res = ageing.simulate(model, t_year, soc_year, temp_year, years=duty.years, q_step=q_step)
    notes += [str(w.message) for w in caught if str(w.message) not in notes]

    km_day = np.array([p.distance_km for p in year_days])
    n_days = res.time_days.size - 1
    km_cum = np.concatenate([[0.0], np.cumsum(km_day[np.arange(n_days) % 365])])
    q = res.q[0]
    years_to_eol, km_to_eol = math.inf, math.inf
    below = np.flatnonzero(q <= EOL_SOH)
    if below.size:
        k = int(below[0])
        f = (q[k - 1] - EOL_SOH) / (q[k - 1] - q[k]) if q[k - 1] != q[k] else 1.0
        years_to_eol = float((res.time_days[k - 1] + f * (res.time_days[k] - res.time_days[k - 1])) / 365.0)
        km_to_eol = float(km_cum[k - 1] + f * (km_cum[k] - km_cum[k - 1]))

    ends = [365 * y for y in range(1, math.floor(duty.years + 1e-9) + 1)]
    yearly = pd.DataFrame({
        "year": list(range(1, len(ends) + 1)),
        "soh": [float(q[i]) for i in ends],
        "resistance_relative": [None if res.resistance is None else float(res.resistance[0, i]) for i in ends],
        "efc": [float(res.efc[0, i]) for i in ends],
        "km": [float(km_cum[i]) for i in ends],
    })
    counts: dict[tuple[float, bool], list[int]] = {}
    for m, a, d in zip(months, amb, driving, strict=True):
        counts.setdefault((float(a), bool(d)), []).append(int(m) + 1)
    days = pd.DataFrame([{
        "ambient_c": p.ambient_c, "driving": p.driving, "days_per_year": len(counts[key]),
        "months": sorted(set(counts[key])), "distance_km": p.distance_km,
        "energy_battery_wh": p.energy_battery_wh, "energy_grid_wh": p.energy_grid_wh,
        "hvac_power_w": p.hvac_power_w, "soc_start": float(p.soc[0]), "soc_end_drive": p.soc_end_drive,
        "dod": p.dod, "drive_s": p.drive_s, "charge_s": p.charge_s} for key, p in profiles.items()])
    # the daily drive fits the pack's window while its swing rescaled by 1/q stays above soc_min
    worst_dod = max(float(p.soc[0] - p.soc.min()) for p in profiles.values())
    room = duty.charge_to_soc - float(spec.battery.soc_min)
    soh_min = worst_dod / room if room > 0 else math.inf
    return LifeResult(
        vehicle=spec.name, duty=duty.name, chemistry=chem, model=model, years=float(duty.years),
        years_to_eol=years_to_eol, km_to_eol=km_to_eol, km_per_year=float(km_day.sum()),
        energy_grid_kwh_per_year=float(sum(p.energy_grid_wh for p in year_days) / 1e3),
        driving_days_per_year=int(driving.sum()), soh_min_for_daily_distance=soh_min,
        yearly=yearly, days=days, ageing_result=res, notes=notes)
