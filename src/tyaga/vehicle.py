"""Vehicles: the vehicle spec (the TOML format of ``docs/vehicle-format.md``) and the longitudinal physics.

Physics, each as a small pure function:

* road load — ``F = F0 + F1·v + F2·v² + m·g·sin θ`` (coast-down form, as type approvals publish it;
  UN GTR 15 Annex 4) or ``F = Crr·m·g·cos θ + ½·ρ·Cd·A·v² + m·g·sin θ`` (physical form);
* inertia with a rotating-mass factor — ``F_inertia = f_rot · m · a`` (Guzzella & Sciarretta,
  *Vehicle Propulsion Systems*, 3rd ed., 2013, §2.1);
* motor + inverter losses — ``P_loss = C + k_c·T² + k_i·ω + k_w·ω³`` (Larminie & Lowry, *Electric
  Vehicle Technology Explained*, 2nd ed., 2012, eq. 7.1, there written as an efficiency), with the
  coefficients scaled to the motor's rated power and torque, or a user efficiency map over speed and torque.
"""

from __future__ import annotations

import csv
import typing
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from tyaga.errors import InputError
from tyaga.units import STANDARD_GRAVITY_MPS2

FloatArray = npt.NDArray[np.float64]
VehicleClass = Literal["car", "van", "bus", "trolleybus"]

#: Air density used for the physical road-load form [kg/m³] (ISA sea level, 15 °C: 1.225; we use the
#: 20 °C value that coast-down corrections refer to, 1.2 kg/m³ — SAE J2263).
AIR_DENSITY_KG_PER_M3 = 1.2

#: Default motor + inverter loss model, as fractions of rated power at the base point (ω_b = P/T, T_peak).
#: Chosen so the map peaks near 95 % and a light-load city point sits near 85–90 %, typical of
#: permanent-magnet traction drives with IGBT/SiC inverters (see docs/physics.md, "Motor and inverter").
DEFAULT_LOSS_FRACTIONS = {"constant": 0.0015, "copper": 0.030, "iron": 0.004, "windage": 0.0005}

# Defaults by vehicle class for every key that may be left out (docs/vehicle-format.md lists them).
CLASS_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "car": {
        "body": {"payload_kg": 136.0, "rotating_mass_factor": 1.04},
        "powertrain": {
            "motor_peak_power_kw": 150.0, "motor_peak_torque_nm": 310.0, "gear_ratio": 9.0,
            "wheel_radius_m": 0.33, "regen_max_power_kw": 70.0, "regen_min_speed_kmh": 5.0,
            "aux_power_w": 300.0, "gear_efficiency": 0.97,
        },
        "battery": {"soc_min": 0.03, "soc_max": 1.0, "charger_efficiency": 0.90},
    },
    "van": {
        "body": {"payload_kg": 500.0, "rotating_mass_factor": 1.04},
        "powertrain": {
            "motor_peak_power_kw": 120.0, "motor_peak_torque_nm": 300.0, "gear_ratio": 10.0,
            "wheel_radius_m": 0.35, "regen_max_power_kw": 60.0, "regen_min_speed_kmh": 5.0,
            "aux_power_w": 400.0, "gear_efficiency": 0.97,
        },
        "battery": {"soc_min": 0.05, "soc_max": 1.0, "charger_efficiency": 0.90},
    },
    "bus": {
        "body": {"payload_kg": 2500.0, "rotating_mass_factor": 1.03},
        "powertrain": {
            "motor_peak_power_kw": 250.0, "motor_peak_torque_nm": 2500.0, "gear_ratio": 6.0,
            "wheel_radius_m": 0.48, "regen_max_power_kw": 200.0, "regen_min_speed_kmh": 3.0,
            "aux_power_w": 3000.0, "gear_efficiency": 0.96,
        },
        "battery": {"soc_min": 0.10, "soc_max": 0.95, "charger_efficiency": 0.93},
    },
    "trolleybus": {
        "body": {"payload_kg": 2500.0, "rotating_mass_factor": 1.03},
        "powertrain": {
            "motor_peak_power_kw": 180.0, "motor_peak_torque_nm": 2000.0, "gear_ratio": 6.0,
            "wheel_radius_m": 0.48, "regen_max_power_kw": 150.0, "regen_min_speed_kmh": 3.0,
            "aux_power_w": 3000.0, "gear_efficiency": 0.96,
        },
        "battery": {"soc_min": 0.10, "soc_max": 0.95, "charger_efficiency": 0.93},
    },
}


#: Current limits of a pack-level shortcut battery, by class: (discharge, charge) in C [1/h].
SHORTCUT_C_RATES: dict[str, tuple[float, float]] = {
    "car": (3.0, 1.5), "van": (2.0, 1.0), "bus": (2.0, 1.0), "trolleybus": (3.0, 2.0),
}


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_as_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic would read true/false as 1/0 and "12" as 12 for a number: in a TOML file both are mistakes
        if not isinstance(value, bool | str):
            return value
        takes_bool, takes_text = _field_kinds(cls, str(info.field_name))
        if takes_bool and isinstance(value, bool):
            return value
        if isinstance(value, bool) or not takes_text:
            raise PydanticCustomError("number_type", "Input should be a number")
        return value


_FIELD_KINDS: dict[tuple[type, str], tuple[bool, bool]] = {}


def _field_kinds(cls: type[BaseModel], name: str) -> tuple[bool, bool]:
    """Whether a field of a spec table takes a bool, and whether it takes text (read once per class and field)."""
    key = (cls, name)
    if key not in _FIELD_KINDS:
        annotation = cls.model_fields[name].annotation
        kinds = (annotation,) if typing.get_origin(annotation) is Literal else (
            typing.get_args(annotation) or (annotation,))
        _FIELD_KINDS[key] = (bool in kinds, any(k is str or typing.get_origin(k) is Literal for k in kinds))
    return _FIELD_KINDS[key]


class Body(_Table):
    """``[body]``: masses and road load (either physical or coast-down coefficients)."""

    mass_kg: float = Field(gt=0, le=60000, description="Curb mass without driver [kg]")
    payload_kg: float = Field(ge=0, le=40000, description="Driver and load; test mass = mass + payload [kg]")
    gross_mass_kg: float | None = Field(None, gt=0, le=100000, description="Gross vehicle weight (GVW): the "
                                        "most the vehicle may weigh loaded [kg]")
    drag_coefficient: float | None = Field(None, gt=0, le=2.0)
    frontal_area_m2: float | None = Field(None, gt=0, le=20.0)
    rolling_resistance_coefficient: float | None = Field(None, gt=0, le=0.05)
    f0_n: float | None = Field(None, ge=0, le=20000)
    f1_n_per_mps: float | None = Field(None, ge=-500, le=2000)
    f2_n_per_mps2: float | None = Field(None, ge=0, le=50)
    rotating_mass_factor: float = Field(ge=1.0, le=1.5)

    @model_validator(mode="after")
    def _one_road_load(self) -> Body:
        physical = [self.drag_coefficient, self.frontal_area_m2, self.rolling_resistance_coefficient]
        coast = [self.f0_n, self.f1_n_per_mps, self.f2_n_per_mps2]
        has_p, has_c = any(v is not None for v in physical), any(v is not None for v in coast)
        if has_p and has_c:
            raise ValueError("give the road load either as drag_coefficient/frontal_area_m2/"
                             "rolling_resistance_coefficient or as f0_n/f1_n_per_mps/f2_n_per_mps2, not both")
        if has_p and not all(v is not None for v in physical):
            raise ValueError("drag_coefficient, frontal_area_m2 and rolling_resistance_coefficient go together")
        if has_c and (self.f0_n is None or self.f2_n_per_mps2 is None):
            raise ValueError("coast-down road load needs f0_n and f2_n_per_mps2 (f1_n_per_mps defaults to 0)")
        if not has_p and not has_c:
            raise ValueError("road load missing: give drag_coefficient, frontal_area_m2 and "
                             "rolling_resistance_coefficient, or f0_n, f1_n_per_mps and f2_n_per_mps2")
        if self.gross_mass_kg is not None and self.mass_kg + self.payload_kg > self.gross_mass_kg * (1 + 1e-12):
            raise ValueError(f"mass_kg + payload_kg ({self.mass_kg + self.payload_kg:g} kg) must not exceed "
                             f"gross_mass_kg ({self.gross_mass_kg:g} kg)")
        return self

    @property
    def max_payload_kg(self) -> float | None:
        """Largest payload the gross vehicle weight allows, ``gross_mass_kg − mass_kg`` [kg] (None: no GVW)."""
        return None if self.gross_mass_kg is None else self.gross_mass_kg - self.mass_kg

    @property
    def test_mass_kg(self) -> float:
        """Mass as driven: curb mass plus payload [kg]."""
        return self.mass_kg + self.payload_kg


class Powertrain(_Table):
    """``[powertrain]``: motor, gearing, regenerative braking, auxiliaries."""

    motor_peak_power_kw: float = Field(gt=0, le=2000)
    motor_peak_torque_nm: float = Field(gt=0, le=50000)
    gear_ratio: float = Field(gt=0, le=50)
    wheel_radius_m: float = Field(gt=0.1, le=1.5)
    regen_max_power_kw: float = Field(ge=0, le=2000)
    regen_min_speed_kmh: float = Field(ge=0, le=50)
    aux_power_w: float = Field(ge=0, le=100000)
    gear_efficiency: float = Field(gt=0.5, le=1.0)
    efficiency_map: str | None = Field(None, description="CSV with speed_rpm, torque_nm, efficiency")
    regen_efficiency: float | None = Field(
        None, gt=0.5, le=1.0, description="Constant motor+inverter efficiency when regenerating (overrides the map)"
    )


class Battery(_Table):
    """``[battery]``: a pack from a cell (``cell``, ``series``, ``parallel``) or a pack-level shortcut."""

    cell: str | None = None
    series: int | None = Field(None, ge=1, le=2000)
    parallel: int | None = Field(None, ge=1, le=500)
    usable_energy_kwh: float | None = Field(None, gt=0, le=5000)
    nominal_voltage_v: float | None = Field(None, gt=0, le=2000)
    resistance_ohm: float | None = Field(None, ge=0, le=10)
    soc_min: float = Field(ge=0, lt=1)
    soc_max: float = Field(gt=0, le=1)
    charger_efficiency: float = Field(gt=0.5, le=1.0)
    max_discharge_c: float | None = Field(None, gt=0, le=50, description="Discharge current limit [1/h]; "
                                          "default: the cell's, or SHORTCUT_C_RATES for a shortcut pack")
    max_charge_c: float | None = Field(None, gt=0, le=50, description="Charge (regen) current limit [1/h]")
    cooling: Literal["natural-air", "forced-air", "liquid-plate", "immersion"] = Field(
        "liquid-plate", description="Pack cooling type: sets the default heat-transfer conductance and BTMS")
    heater_power_kw: float | None = Field(None, ge=0, le=200, description="BTMS heater, heat output [kW]; "
                                          "default by cooling type (tyaga.thermal.thermal_params_for_pack)")
    chiller_power_kw: float | None = Field(None, ge=0, le=500, description="BTMS chiller, heat removal [kW]")

    @model_validator(mode="after")
    def _one_kind(self) -> Battery:
        by_cell = [self.cell, self.series, self.parallel]
        shortcut = [self.usable_energy_kwh, self.nominal_voltage_v]
        if any(v is not None for v in by_cell) and (any(v is not None for v in shortcut)
                                                    or self.resistance_ohm is not None):
            raise ValueError("give either cell/series/parallel or usable_energy_kwh/nominal_voltage_v"
                             "/resistance_ohm, not both")
        if any(v is not None for v in by_cell) and not all(v is not None for v in by_cell):
            raise ValueError("cell, series and parallel go together")
        if not any(v is not None for v in by_cell) and not all(v is not None for v in shortcut):
            raise ValueError("battery missing: give cell/series/parallel or usable_energy_kwh and nominal_voltage_v")
        if self.soc_min >= self.soc_max:
            raise ValueError(f"soc_min ({self.soc_min}) must be below soc_max ({self.soc_max})")
        return self

    @property
    def from_cell(self) -> bool:
        """True when the pack is built from a cell."""
        return self.cell is not None


class Climate(_Table):
    """``[climate]``: the cabin's climate system."""

    heat_pump: bool = Field(False, description="Cabin heating by a heat pump (else a resistive PTC heater)")


class Collector(_Table):
    """``[collector]``: current collectors on an overhead DC line (a trolleybus)."""

    line_voltage_v: float = Field(gt=0, le=3000, description="Nominal line voltage [V] (600 or 750 V DC)")
    collector_max_current_a: float = Field(gt=0, le=2000, description="Current the collectors may draw [A]")
    wire_charge_max_kw: float = Field(0.0, ge=0, le=1000, description="Battery charging from the line, at most [kW]")


class VehicleSpec(BaseModel):
    """A vehicle as in ``docs/vehicle-format.md`` (``format_version = 1``), with class defaults applied."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    format_version: Literal[1] = 1
    name: str = Field(min_length=1)
    vehicle_class: VehicleClass = Field(alias="class")
    source: str = ""
    notes: str = ""
    body: Body
    powertrain: Powertrain
    battery: Battery
    climate: Climate = Climate()
    collector: Collector | None = None
    base_dir: str | None = Field(None, exclude=True, description="Folder of the file it came from")


def with_class_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Fill every omitted key of a raw vehicle dict with its default for the vehicle's class."""
    cls = data.get("class", "car")
    if cls not in CLASS_DEFAULTS:
        return data  # the model's validation reports the bad class
    out = dict(data)
    for table, defaults in CLASS_DEFAULTS[cls].items():
        given = out.get(table, {})
        if not isinstance(given, dict):
            continue
        merged = dict(defaults)
        merged.update(given)
        if table == "body" and "f0_n" in given:
            merged.setdefault("f1_n_per_mps", 0.0)
        out[table] = merged
    return out


def parse_vehicle(data: dict[str, Any], source: str | None = None, base_dir: str | None = None) -> VehicleSpec:
    """Validate a raw vehicle dict (as read from TOML), applying class defaults; errors name the field."""
    from tyaga.catalog import validation_error_to_input_error

    if not isinstance(data.get("name", ""), str):
        raise InputError("name", data.get("name"), "a text", source=source)
    try:
        filled = with_class_defaults(data)
        if base_dir is not None:
            filled["base_dir"] = base_dir
        spec = VehicleSpec.model_validate(filled)
    except ValidationError as exc:
        raise validation_error_to_input_error(exc, source, data, VehicleSpec) from None
    _check_references(spec, source)
    return spec


def _check_references(spec: VehicleSpec, source: str | None) -> None:
    """The cell and the efficiency map a vehicle names must exist (checked here so the error names the file).

    Paths follow the rules of :func:`tyaga.battery.pack_for_vehicle` and :func:`tyaga.chain.build_batch`.
    """
    from tyaga.catalog import resolve

    cell = spec.battery.cell
    if cell is not None:
        ref = cell
        if spec.base_dir is not None and ("/" in ref or ref.endswith(".toml")):
            ref = str(Path(spec.base_dir) / ref)
        try:
            resolve("cells", ref)
        except InputError as exc:
            raise InputError("battery.cell", cell, exc.allowed, source=source, hint=exc.hint) from None
    emap = spec.powertrain.efficiency_map
    if emap:
        path = Path(emap)
        if not path.is_absolute() and spec.base_dir:
            path = Path(spec.base_dir) / path
        if not path.is_file():
            where = "" if str(path) == emap else f" (looked for {path})"
            raise InputError("powertrain.efficiency_map", emap, f"an existing CSV file{where}", source=source)


# ----------------------------------------------------------------------------------------------------
# Physics: pure functions
# ----------------------------------------------------------------------------------------------------


def road_load_coefficients(spec: VehicleSpec) -> tuple[float, float, float, float]:
    """Road-load coefficients ``(f0_n, f1_n_per_mps, f2_n_per_mps2, crr)`` on level ground.

    For the physical form ``f0 = Crr·m·g`` (test mass), ``f1 = 0``, ``f2 = ½·ρ·Cd·A``; ``crr`` is
    returned so that rolling resistance can follow ``cos θ`` on grades. For the coast-down form ``crr = 0``
    and ``f0`` is used as given.
    """
    b = spec.body
    if b.drag_coefficient is not None:
        assert b.frontal_area_m2 is not None and b.rolling_resistance_coefficient is not None
        crr = b.rolling_resistance_coefficient
        f2 = 0.5 * AIR_DENSITY_KG_PER_M3 * b.drag_coefficient * b.frontal_area_m2
        return crr * b.test_mass_kg * STANDARD_GRAVITY_MPS2, 0.0, f2, crr
    assert b.f0_n is not None and b.f2_n_per_mps2 is not None
    return b.f0_n, b.f1_n_per_mps or 0.0, b.f2_n_per_mps2, 0.0


def road_load_force(
    speed_mps: npt.ArrayLike,
    grade: npt.ArrayLike,
    mass_kg: float,
    f0_n: float,
    f1_n_per_mps: float,
    f2_n_per_mps2: float,
    crr: float = 0.0,
) -> dict[str, FloatArray]:
    """Road-load forces at the wheels [N]: rolling, aero and grade.

    ``rolling = f0 + f1·v`` (coast-down form, ``crr = 0``) or ``crr·m·g·cos θ`` (physical form, ``f0`` must
    then equal ``crr·m·g``); ``aero = f2·v²``; ``grade = m·g·sin θ`` with ``θ = atan(grade)``.
    """
    v = np.asarray(speed_mps, dtype=float)
    g = np.asarray(grade, dtype=float)
    theta = np.arctan(g)
    rolling = (crr * mass_kg * STANDARD_GRAVITY_MPS2 * np.cos(theta)) if crr > 0 else (f0_n + f1_n_per_mps * v)
    rolling = np.where(v > 0, rolling, 0.0) * np.ones_like(v)
    return {
        "rolling_n": rolling,
        "aero_n": f2_n_per_mps2 * v * v,
        "grade_n": mass_kg * STANDARD_GRAVITY_MPS2 * np.sin(theta) * np.ones_like(v),
    }


def loss_model_coefficients(
    peak_power_w: float, peak_torque_nm: float, fractions: dict[str, float] | None = None
) -> tuple[float, float, float, float]:
    """Coefficients ``(C [W], k_c [W/N²m²], k_i [W·s], k_w [W·s³])`` of the default motor+inverter loss model.

    At the base point (ω_b = P/T, T = T_peak) the four terms equal the given fractions of the peak power.
    """
    f = DEFAULT_LOSS_FRACTIONS if fractions is None else fractions
    omega_b = peak_power_w / peak_torque_nm
    return (
        f["constant"] * peak_power_w,
        f["copper"] * peak_power_w / peak_torque_nm**2,
        f["iron"] * peak_power_w / omega_b,
        f["windage"] * peak_power_w / omega_b**3,
    )


def motor_loss_power(
    speed_rad_s: npt.ArrayLike, torque_nm: npt.ArrayLike, coefficients: tuple[float, float, float, float]
) -> FloatArray:
    """Motor + inverter loss [W] at shaft speed ω [rad/s] and torque T [N·m] (either sign).

    ``P_loss = C + k_c·T² + k_i·|ω| + k_w·|ω|³`` while the motor carries torque, 0 at zero torque.
    """
    c0, kc, ki, kw = coefficients
    w = np.abs(np.asarray(speed_rad_s, dtype=float))
    t = np.asarray(torque_nm, dtype=float)
    return np.where(t != 0.0, c0 + kc * t * t + ki * w + kw * w**3, 0.0)


def motor_efficiency(
    speed_rad_s: npt.ArrayLike, torque_nm: npt.ArrayLike, coefficients: tuple[float, float, float, float]
) -> FloatArray:
    """Motoring efficiency ``P_mech / (P_mech + P_loss)`` of the loss model (for plots and maps)."""
    w = np.asarray(speed_rad_s, dtype=float)
    t = np.asarray(torque_nm, dtype=float)
    p = np.abs(w * t)
    loss = motor_loss_power(w, t, coefficients)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(p > 0, p / (p + loss), 0.0)


class EfficiencyMap(BaseModel):
    """A user motor+inverter efficiency map on a regular grid of speed [rpm] × torque [N·m] (≥ 0)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    speed_rpm: list[float]
    torque_nm: list[float]
    efficiency: list[list[float]]  # [speed][torque]

    @classmethod
    def from_csv(cls, path: Path) -> EfficiencyMap:
        """Read a long-form CSV with columns ``speed_rpm, torque_nm, efficiency`` (one row per grid point)."""
        try:
            with path.open(newline="") as fh:
                rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
        except (OSError, UnicodeDecodeError):
            raise InputError("efficiency_map", str(path), "a readable CSV file") from None
        need = {"speed_rpm", "torque_nm", "efficiency"}
        if not rows or not need <= set(rows[0]):
            raise InputError("efficiency_map columns", sorted(rows[0]) if rows else [], "speed_rpm, torque_nm, "
                             "efficiency", source=str(path))
        pts: dict[tuple[float, float], float] = {}
        for k, r in enumerate(rows, start=2):
            try:
                s, t, e = float(r["speed_rpm"]), float(r["torque_nm"]), float(r["efficiency"])
            except (TypeError, ValueError):
                raise InputError(f"row {k}", r, "numbers", source=str(path)) from None
            if not (0 < e <= 1) or s < 0 or t < 0 or not np.isfinite(s + t + e):
                raise InputError(f"efficiency (row {k})", e, "0 < efficiency ≤ 1, speed and torque ≥ 0",
                                 source=str(path))
            pts[(s, t)] = e
        speeds = sorted({s for s, _ in pts})
        torques = sorted({t for _, t in pts})
        if len(speeds) < 2 or len(torques) < 2 or len(pts) != len(speeds) * len(torques):
            raise InputError("efficiency_map grid", f"{len(pts)} points", "a full regular grid of at least 2 "
                             "speeds × 2 torques", source=str(path))
        eff = [[pts[(s, t)] for t in torques] for s in speeds]
        return cls(speed_rpm=speeds, torque_nm=torques, efficiency=eff)

    def to_uniform(self, n_speed: int = 64, n_torque: int = 64) -> tuple[float, float, FloatArray]:
        """Resample on a uniform grid from 0: ``(speed_step_rad_s, torque_step_nm, table[n_speed, n_torque])``."""
        s = np.asarray(self.speed_rpm) * np.pi / 30.0
        t = np.asarray(self.torque_nm)
        e = np.asarray(self.efficiency)
        s_new = np.linspace(0.0, s[-1], n_speed)
        t_new = np.linspace(0.0, t[-1], n_torque)
        tmp = np.array([np.interp(s_new, s, e[:, j]) for j in range(t.size)]).T  # [n_speed, n_t_orig]
        table = np.array([np.interp(t_new, t, tmp[i]) for i in range(n_speed)])
        return float(s_new[1] - s_new[0]), float(t_new[1] - t_new[0]), table
