"""NREL FASTSim 3 ↔ tyaga: read FASTSim's bundled battery-electric vehicles into tyaga's vehicle format,
and run FASTSim itself for comparison.

FASTSim is optional: it is imported only inside the functions that need it, so ``import tyaga`` (and even
``import tyaga.interop.fastsim``) never imports it. Written against ``fastsim==3.1.0``.

Every mapping below is explained, with its evidence, in ``docs/fastsim-comparison.md``. In short:

=====================================  ===============================================================
FASTSim 3                              tyaga
=====================================  ===============================================================
``mass_kilograms`` (test mass,         ``body.mass_kg + body.payload_kg`` (payload = FASTSim's
incl. cargo)                           ``cargo_mass_kilograms``, 136 kg when not given)
``chassis.drag_coef``, frontal area    ``drag_coefficient`` × ρ_FASTSim/ρ_tyaga (1.172848/1.2), so that
                                       ρ·Cd·A — the drag power — is the same
``chassis.wheel_rr_coef``              ``rolling_resistance_coefficient`` × g_FASTSim/g_tyaga (9.8/9.80665),
                                       so that Crr·m·g — the rolling force — is the same
wheel inertia J × ``num_wheels``       ``rotating_mass_factor`` = 1 + N·J/(m·r²)
``em.pwr_out_max_watts``               ``motor_peak_power_kw`` and ``regen_max_power_kw``
``em.eff_interp_achieved`` η(P/Pmax)   efficiency map η(ω, T) = curve(ω·T/Pmax) on a speed × torque grid
(linear or step-lower)                 (read the way FASTSim reads it: interpolated, or held from each point)
generating: η = curve(0)               ``regen_efficiency`` when tyaga's format has it (see the docs)
no regen fade with speed               ``regen_min_speed_kmh = 0``
``transmission.eff_interp``            ``gear_efficiency`` (FASTSim applies it both ways, as tyaga does)
``pwr_aux_base_watts`` (+ HVAC, off)   ``aux_power_w``
``res.energy_capacity_joules``,        ``usable_energy_kwh`` = capacity × (max_soc − min_soc),
``min_soc``, ``max_soc``               ``soc_min``, ``soc_max``
``res.eff_interp`` (one-way η)         ``resistance_ohm`` losing the same fraction at 1C (constant η), or
                                       fitted to the η(C-rate) table at 22 °C
``res.pwr_out_max_watts``              ``max_discharge_c`` = ``max_charge_c`` = Pmax / gross energy
=====================================  ===============================================================

FASTSim has no motor torque, gear ratio or pack voltage; tyaga needs them, so they are *assumed*
(:data:`ASSUMED_GEAR_RATIO`, :data:`ASSUMED_BASE_SPEED_RPM`, :data:`ASSUMED_NOMINAL_VOLTAGE_V`). With the
efficiency map defined on output power, none of the three changes the energy at the battery terminals as
long as the torque limit does not bind (it does not on UDDS, HWFET or WLTC for these cars).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # pragma: no cover - typing only
    import fastsim

FloatArray = npt.NDArray[np.float64]

#: FASTSim version this module was written and checked against.
FASTSIM_VERSION_CHECKED = "3.1.0"
#: Gravity FASTSim 3 uses (``uc::ACC_GRAV``) [m/s²]; seen in ``pwr_rr / (m·Crr·v̄)`` of its history.
FASTSIM_GRAVITY_MPS2 = 9.8
#: Air density FASTSim 3.1.0 puts in its *drag power*: ``Air::get_density(None, None)`` [kg/m³]. (Its
#: history reports 1.2 — ``f2_const_air_density`` — but that value only feeds the achieved-speed solver;
#: ``pwr_drag / (½·Cd·A·v̄³)`` is 1.172848 in every step of every cycle.)
FASTSIM_DRAG_AIR_DENSITY_KG_PER_M3 = 1.172848
#: FASTSim 2's default cargo mass, used as the payload when a FASTSim 3 file does not give one [kg].
DEFAULT_CARGO_KG = 136.0
#: Assumed single-speed reduction ratio (FASTSim has none) [-].
ASSUMED_GEAR_RATIO = 9.0
#: Assumed motor base speed: peak torque = peak power / base speed (FASTSim has no torque) [rpm].
ASSUMED_BASE_SPEED_RPM = 4000.0
#: Top of the efficiency map's speed axis [rpm] (≈ 175 km/h with the assumed ratio and a 0.33 m wheel).
MAP_MAX_SPEED_RPM = 14000.0
#: Assumed nominal pack voltage (FASTSim has none) [V]; scales the pack current, not the terminal energy.
ASSUMED_NOMINAL_VOLTAGE_V = 360.0
#: Battery temperature at which a temperature-dependent FASTSim efficiency table is read [°C]
#: (FASTSim's default ambient and initial pack temperature, 295.15 K).
BATTERY_REFERENCE_TEMPERATURE_C = 22.0


@dataclass(frozen=True)
class FastsimBEV:
    """The parameters of one FASTSim 3 battery-electric vehicle that tyaga's format can use (SI units).

    ``motor_eff_frac`` / ``motor_eff`` are FASTSim's motor+inverter efficiency curve against output-power
    fraction ``P_out / P_max`` [-], read as ``motor_eff_strategy`` says: ``"Linear"`` (interpolated) or
    ``"Step-Lower"`` (each value holds from its grid point up to the next); ``regen_efficiency`` is the
    efficiency FASTSim 3.1.0 applies when generating (the curve's value at zero power when the curve
    starts at 0 — see the docs).
    ``battery_loss_slope_h`` is the one-way loss fraction per unit C-rate ``(1/η − 1)/c`` [h].
    """

    name: str
    resource: str | None
    mass_kg: float
    cargo_kg: float | None
    drag_coefficient: float
    frontal_area_m2: float
    rolling_resistance_coefficient: float
    wheel_inertia_kg_m2: float
    num_wheels: int
    wheel_radius_m: float
    motor_power_w: float
    motor_eff_frac: tuple[float, ...]
    motor_eff: tuple[float, ...]
    motor_eff_strategy: str
    regen_efficiency: float
    transmission_efficiency: float
    aux_power_w: float
    battery_capacity_j: float
    battery_soc_min: float
    battery_soc_max: float
    battery_power_w: float
    battery_efficiency_kind: str
    battery_efficiency_at_1c: float
    battery_loss_slope_h: float
    hvac: str = "None"

    @property
    def rotating_mass_factor(self) -> float:
        """``1 + N·J / (m·r²)`` [-]: FASTSim's wheel-inertia power as an equivalent mass factor."""
        return 1.0 + self.num_wheels * self.wheel_inertia_kg_m2 / (self.mass_kg * self.wheel_radius_m**2)

    def motor_efficiency(self, power_fraction: npt.ArrayLike) -> FloatArray:
        """FASTSim's motor+inverter efficiency at output-power fraction ``P/Pmax`` (≥ 0; clamped) [-]."""
        x = np.clip(np.asarray(power_fraction, dtype=float), self.motor_eff_frac[0], self.motor_eff_frac[-1])
        if self.motor_eff_strategy == "Step-Lower":
            idx = np.searchsorted(self.motor_eff_frac, x, side="right") - 1
            return np.asarray(self.motor_eff, dtype=float)[np.clip(idx, 0, len(self.motor_eff) - 1)]
        return np.interp(x, self.motor_eff_frac, self.motor_eff)


# ----------------------------------------------------------------------------------------------------
# Reading FASTSim vehicles
# ----------------------------------------------------------------------------------------------------


def _fastsim() -> Any:
    """Import FASTSim (optional dependency) with a clear message when it is missing."""
    try:
        import fastsim
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("tyaga.interop.fastsim needs FASTSim 3: pip install 'fastsim>=3.1,<4'") from exc
    return fastsim


def bev_resource_names() -> list[str]:
    """File names of the battery-electric vehicles bundled with FASTSim (``Vehicle.list_resources()``)."""
    fs = _fastsim()
    out = []
    for res in fs.Vehicle.list_resources():
        name = Path(str(res)).name
        if "BEV" in fs.Vehicle.from_resource(name).to_dict()["pt_type"]:
            out.append(name)
    return sorted(out)


def load_fastsim_vehicle(vehicle: str | fastsim.Vehicle, hvac_off: bool = True) -> fastsim.Vehicle:
    """A FASTSim vehicle from a resource file name (or a copy of a given one), cabin HVAC off by default.

    HVAC off means ``hvac: None`` — no HVAC auxiliary load, only ``pwr_aux_base_watts``. The cabin and
    battery thermal models stay (FASTSim rejects a cabin-less vehicle with a thermal battery), and stay at
    the 22 °C ambient with no HVAC heat flows.
    """
    fs = _fastsim()
    veh = fs.Vehicle.from_resource(vehicle) if isinstance(vehicle, str | Path) else vehicle
    data = veh.to_dict()
    if "BEV" not in data["pt_type"]:
        kind = next(iter(data["pt_type"]))
        raise ValueError(f"{data.get('name')!r} is a {kind}, not a battery-electric vehicle")
    if hvac_off:
        data["hvac"] = "None"
    return fs.Vehicle.from_dict(data)


def _array(x: Any) -> list[float]:
    """FASTSim serialises arrays either as lists or as ``{"v", "dim", "data"}`` (ndarray) dicts."""
    if isinstance(x, dict) and "data" in x:
        return [float(v) for v in x["data"]]
    return [float(v) for v in x]


def _battery_efficiency(eff_interp: Any) -> tuple[str, float, float]:
    """``(kind, η at 1C discharge, loss slope (1/η−1)/c [h])`` of FASTSim's ``res.eff_interp``."""
    if isinstance(eff_interp, dict) and "Constant" in eff_interp:
        eta = float(eff_interp["Constant"])
        return "Constant", eta, 1.0 / eta - 1.0
    if isinstance(eff_interp, dict) and "CRateTemperature" in eff_interp:
        data = eff_interp["CRateTemperature"]["data"]
        c_rate, temp_c = (_array(g) for g in data["grid"])
        values = np.array([_array(row) for row in data["values"]] if isinstance(data["values"], list)
                          else _array(data["values"]), dtype=float).reshape(len(c_rate), len(temp_c))
        ref = BATTERY_REFERENCE_TEMPERATURE_C
        eta_c = np.array([np.interp(ref, temp_c, values[i]) for i in range(len(c_rate))])
        c = np.asarray(c_rate)
        sel = (c > 0) & (c <= 1.0 + 1e-9)
        loss = 1.0 / eta_c[sel] - 1.0
        slope = float(np.sum(loss * c[sel]) / np.sum(c[sel] ** 2))  # least squares through 0: loss = k·c
        return "CRateTemperature", float(np.interp(1.0, c, eta_c)), slope
    kind = list(eff_interp) if isinstance(eff_interp, dict) else eff_interp
    raise NotImplementedError(f"FASTSim battery efficiency {kind!r}")


def fastsim_parameters(vehicle: str | fastsim.Vehicle) -> FastsimBEV:
    """The parameters of a FASTSim battery-electric vehicle (resource file name or ``fastsim.Vehicle``)."""
    resource = Path(str(vehicle)).name if isinstance(vehicle, str | Path) else None
    veh = load_fastsim_vehicle(vehicle, hvac_off=False)
    d = veh.to_dict()
    ch = d["chassis"]
    bev = d["pt_type"]["BEV"]
    em, res, tr = bev["em"], bev["res"], bev.get("transmission")
    mass = d.get("mass_kilograms")
    if mass is None:
        raise NotImplementedError(f"{d['name']!r}: vehicle mass not set in the FASTSim file")
    interp = em["eff_interp_achieved"]
    idata = interp.get("data", interp) if isinstance(interp, dict) else interp
    frac = _array(idata["grid"][0])
    eff = _array(idata["values"])
    strategy = interp.get("strategy", "Linear") if isinstance(interp, dict) else "Linear"
    if strategy == {"Step": "Lower"}:
        strategy = "Step-Lower"
    elif strategy != "Linear":
        raise NotImplementedError(f"{d['name']!r}: motor efficiency interpolation {strategy!r}")
    if frac[0] < 0:
        raise NotImplementedError(f"{d['name']!r}: motor efficiency curve with a regen (negative) branch")
    if tr is None:
        trans_eff = 1.0
    elif isinstance(tr["eff_interp"], int | float):
        trans_eff = float(tr["eff_interp"])
    else:
        raise NotImplementedError(f"{d['name']!r}: non-constant transmission efficiency {tr['eff_interp']!r}")
    kind, eta_1c, slope = _battery_efficiency(res["eff_interp"])
    hvac = d.get("hvac")
    return FastsimBEV(
        name=str(d["name"]),
        resource=resource,
        mass_kg=float(mass),
        cargo_kg=None if ch.get("cargo_mass_kilograms") is None else float(ch["cargo_mass_kilograms"]),
        drag_coefficient=float(ch["drag_coef"]),
        frontal_area_m2=float(ch["frontal_area_square_meters"]),
        rolling_resistance_coefficient=float(ch["wheel_rr_coef"]),
        wheel_inertia_kg_m2=float(ch["wheel_inertia_kilogram_square_meters"]),
        num_wheels=int(ch["num_wheels"]),
        wheel_radius_m=float(ch["wheel_radius_meters"]),
        motor_power_w=float(em["pwr_out_max_watts"]),
        motor_eff_frac=tuple(frac),
        motor_eff=tuple(eff),
        motor_eff_strategy=str(strategy),
        # FASTSim 3.1.0 (ElectricMachine::solve): a curve whose grid starts at ≥ 0 is looked up at
        # max(P/Pmax, 0), so every regenerating step gets the curve's zero-power value.
        regen_efficiency=float(eff[0]),
        transmission_efficiency=trans_eff,
        aux_power_w=float(d["pwr_aux_base_watts"]),
        battery_capacity_j=float(res["energy_capacity_joules"]),
        battery_soc_min=float(res["min_soc"]),
        battery_soc_max=float(res["max_soc"]),
        battery_power_w=float(res["pwr_out_max_watts"]),
        battery_efficiency_kind=kind,
        battery_efficiency_at_1c=eta_1c,
        battery_loss_slope_h=slope,
        hvac=hvac if isinstance(hvac, str) else next(iter(hvac)),
    )


# ----------------------------------------------------------------------------------------------------
# To tyaga's format
# ----------------------------------------------------------------------------------------------------


def assumed_peak_torque_nm(params: FastsimBEV) -> float:
    """Motor peak torque [N·m] assumed from FASTSim's peak power and :data:`ASSUMED_BASE_SPEED_RPM`."""
    return params.motor_power_w / (ASSUMED_BASE_SPEED_RPM * math.pi / 30.0)


def efficiency_map_grid(
    params: FastsimBEV, n_speed: int = 64, n_torque: int = 64, max_speed_rpm: float = MAP_MAX_SPEED_RPM
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """FASTSim's η(P/Pmax) curve as a map over speed × torque: ``(speed_rpm, torque_nm, eff[speed, torque])``.

    ``η(ω, T) = curve(ω·T / Pmax)`` on a uniform grid from 0 to ``max_speed_rpm`` and 0 to the assumed
    peak torque (points beyond peak power are clamped to the curve's last value, as FASTSim clamps).
    """
    speed_rpm = np.linspace(0.0, max_speed_rpm, n_speed)
    torque_nm = np.linspace(0.0, assumed_peak_torque_nm(params), n_torque)
    power_w = np.outer(speed_rpm * math.pi / 30.0, torque_nm)
    return speed_rpm, torque_nm, params.motor_efficiency(power_w / params.motor_power_w)


def write_efficiency_map_csv(params: FastsimBEV, path: str | Path, **grid: Any) -> Path:
    """Write the map of :func:`efficiency_map_grid` as a long-form CSV ``speed_rpm,torque_nm,efficiency``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    speed, torque, eff = efficiency_map_grid(params, **grid)
    lines = [f"# motor+inverter efficiency of FASTSim {FASTSIM_VERSION_CHECKED} vehicle {params.name!r}: "
             f"eta(w, T) = curve(w*T / {params.motor_power_w:.0f} W)", "speed_rpm,torque_nm,efficiency"]
    lines += [f"{s:.3f},{t:.4f},{eff[i, j]:.6f}" for i, s in enumerate(speed) for j, t in enumerate(torque)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def slug(name: str) -> str:
    """File-name-safe lower-case name: ``"2022 Tesla Model 3 RWD"`` → ``"2022-tesla-model-3-rwd"``."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in name)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def vehicle_from_fastsim(
    vehicle: str | fastsim.Vehicle | FastsimBEV,
    map_dir: str | Path | None = None,
    map_name: str | None = None,
) -> dict[str, Any]:
    """A tyaga vehicle dict (the TOML layout; feed it to :func:`tyaga.vehicles.from_dict`) from a FASTSim BEV.

    ``vehicle`` is a FASTSim resource file name (e.g. ``"2020 Chevrolet Bolt EV thrml.yaml"``), a
    ``fastsim.Vehicle`` or already-read :class:`FastsimBEV` parameters. The motor efficiency map is written
    as a CSV into ``map_dir`` (a new temporary folder when not given) and referenced by absolute path;
    ``map_name`` sets that path relative to the TOML instead (see :func:`write_vehicle`).
    """
    p = vehicle if isinstance(vehicle, FastsimBEV) else fastsim_parameters(vehicle)
    folder = Path(map_dir) if map_dir is not None else Path(tempfile.mkdtemp(prefix="tyaga-fastsim-"))
    csv_name = f"{slug(p.name)}-motor-map.csv"
    csv_path = write_efficiency_map_csv(p, folder / csv_name)
    payload = DEFAULT_CARGO_KG if p.cargo_kg is None else p.cargo_kg
    gross_kwh = p.battery_capacity_j / 3.6e6
    usable_kwh = gross_kwh * (p.battery_soc_max - p.battery_soc_min)
    v = ASSUMED_NOMINAL_VOLTAGE_V
    # One-way loss fraction k·c at C-rate c; for a resistance: loss/P = c·E_gross·R/V² → R = k·V²/E_gross.
    resistance = p.battery_loss_slope_h * v * v / (gross_kwh * 1000.0)
    c_max = p.battery_power_w / (gross_kwh * 1000.0)
    try:
        import fastsim as _fs

        fs_version = _fs.__version__
    except ImportError:  # pragma: no cover - parameters given directly without FASTSim installed
        fs_version = FASTSIM_VERSION_CHECKED
    what = f"resource {p.resource}" if p.resource else f"vehicle {p.name!r}"
    source = f"FASTSim {fs_version} {what}"
    powertrain: dict[str, Any] = {
        "motor_peak_power_kw": p.motor_power_w / 1000.0,
        "motor_peak_torque_nm": assumed_peak_torque_nm(p),
        "gear_ratio": ASSUMED_GEAR_RATIO,
        "wheel_radius_m": p.wheel_radius_m,
        "regen_max_power_kw": p.motor_power_w / 1000.0,
        "regen_min_speed_kmh": 0.0,
        "aux_power_w": p.aux_power_w,
        "gear_efficiency": p.transmission_efficiency,
        "efficiency_map": map_name if map_name is not None else str(csv_path.resolve()),
    }
    regen_note = (f"FASTSim's generating efficiency {p.regen_efficiency:.4f} (its curve at zero power) is "
                  f"carried as powertrain.regen_efficiency")
    if _tyaga_has_regen_efficiency():
        powertrain["regen_efficiency"] = p.regen_efficiency
    else:
        regen_note = (f"not representable: FASTSim's generating efficiency {p.regen_efficiency:.4f} (its "
                      f"curve at zero power) — this tyaga uses the map when generating")
    return {
        "format_version": 1,
        "name": p.name,
        "class": "car",
        "source": source,
        "notes": (
            f"Converted by tyaga.interop.fastsim (docs/fastsim-comparison.md). FASTSim test mass "
            f"{p.mass_kg:g} kg incl. {payload:g} kg payload; drag and rolling coefficients rescaled to keep "
            f"FASTSim's rho*Cd*A (rho = {FASTSIM_DRAG_AIR_DENSITY_KG_PER_M3}) and Crr*g "
            f"(g = {FASTSIM_GRAVITY_MPS2}); "
            f"gear ratio, peak torque and pack voltage are assumed (FASTSim has none); {regen_note}; "
            f"cabin HVAC off (base aux only)."
        ),
        "body": {
            "mass_kg": p.mass_kg - payload,
            "payload_kg": payload,
            "drag_coefficient": p.drag_coefficient * FASTSIM_DRAG_AIR_DENSITY_KG_PER_M3
            / _tyaga_air_density(),
            "frontal_area_m2": p.frontal_area_m2,
            "rolling_resistance_coefficient": p.rolling_resistance_coefficient * FASTSIM_GRAVITY_MPS2
            / _tyaga_gravity(),
            "rotating_mass_factor": p.rotating_mass_factor,
        },
        "powertrain": powertrain,
        "battery": {
            "usable_energy_kwh": usable_kwh,
            "nominal_voltage_v": v,
            "resistance_ohm": resistance,
            "soc_min": p.battery_soc_min,
            "soc_max": p.battery_soc_max,
            "charger_efficiency": 0.90,
            "max_discharge_c": c_max,
            "max_charge_c": c_max,
        },
    }


def _tyaga_has_regen_efficiency() -> bool:
    """Whether this tyaga's vehicle format has ``powertrain.regen_efficiency`` (a constant generating
    efficiency); without it FASTSim's regen efficiency cannot be carried over (docs/fastsim-comparison.md)."""
    from tyaga.vehicle import Powertrain

    return "regen_efficiency" in Powertrain.model_fields


def _tyaga_air_density() -> float:
    from tyaga.vehicle import AIR_DENSITY_KG_PER_M3

    return AIR_DENSITY_KG_PER_M3


def _tyaga_gravity() -> float:
    from tyaga.units import STANDARD_GRAVITY_MPS2

    return STANDARD_GRAVITY_MPS2


def _toml_value(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return repr(x)
    if isinstance(x, str):
        return '"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"cannot write {x!r} to TOML")


def to_toml(data: dict[str, Any]) -> str:
    """Write a tyaga vehicle dict (scalars and one level of tables) as TOML text."""
    top = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [f"\n[{k}]\n" + "\n".join(f"{kk} = {_toml_value(vv)}" for kk, vv in v.items())
              for k, v in data.items() if isinstance(v, dict)]
    return "\n".join(top) + "\n" + "\n".join(tables) + "\n"


def write_vehicle(vehicle: str | fastsim.Vehicle | FastsimBEV, folder: str | Path) -> Path:
    """Write ``<slug>.toml`` and ``<slug>-motor-map.csv`` (map referenced relatively) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    p = vehicle if isinstance(vehicle, FastsimBEV) else fastsim_parameters(vehicle)
    data = vehicle_from_fastsim(p, map_dir=folder, map_name=f"{slug(p.name)}-motor-map.csv")
    path = folder / f"{slug(p.name)}.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------------
# Running FASTSim
# ----------------------------------------------------------------------------------------------------


#: A FASTSim resource name, a ``fastsim.Cycle``, ``(time_s, speed_mps[, grade])`` or an object with them.
CycleLike = Any


def fastsim_cycle(cycle: CycleLike) -> fastsim.Cycle:
    """A ``fastsim.Cycle`` from a resource name (``"udds"``, ``"hwfet.csv"``), a ``fastsim.Cycle``, a
    ``(time_s, speed_mps[, grade])`` tuple, or an object with ``time_s`` and ``speed_mps`` arrays."""
    fs = _fastsim()
    if isinstance(cycle, fs.Cycle):
        return cycle
    if isinstance(cycle, str):
        return fs.Cycle.from_resource(cycle if cycle.endswith(".csv") else f"{cycle}.csv")
    if isinstance(cycle, Sequence) and len(cycle) in (2, 3):
        time_s, speed_mps, *rest = cycle
        grade = rest[0] if rest else None
    else:
        time_s, speed_mps = cycle.time_s, cycle.speed_mps
        grade = getattr(cycle, "grade", None)
    data: dict[str, Any] = {
        "time_seconds": np.asarray(time_s, dtype=float).tolist(),
        "speed_meters_per_second": np.asarray(speed_mps, dtype=float).tolist(),
    }
    if grade is not None:
        data["grade"] = (np.asarray(grade, dtype=float) * np.ones(len(data["time_seconds"]))).tolist()
    return fs.Cycle.from_dict(data)


@dataclass(frozen=True)
class FastsimRun:
    """One FASTSim run, reduced: DC energy per km and an energy breakdown [Wh/km] (each ∑ P·Δt / distance).

    ``energy_dc_wh_per_km`` is FASTSim's ``res.energy_out_electrical`` over the achieved distance: the
    electrical energy at the battery terminals (``pwr_out_electrical = em electrical input + aux``),
    net of regen, *not* including the battery's internal loss (``pwr_out_chemical − pwr_out_electrical``).
    """

    vehicle: str
    energy_dc_wh_per_km: float
    distance_km: float
    breakdown_wh_per_km: dict[str, float]


def run_fastsim(vehicle: str | fastsim.Vehicle, cycle: CycleLike, hvac_off: bool = True) -> FastsimRun:
    """Run FASTSim (``SimDrive.run``: a BEV starts at ``max_soc``) and return DC Wh/km with a breakdown."""
    fs = _fastsim()
    veh = load_fastsim_vehicle(vehicle, hvac_off=hvac_off)
    veh.set_save_interval(1)
    sd = fs.SimDrive(veh, fastsim_cycle(cycle))
    sd.run()
    out = sd.to_dict()["veh"]
    hist = out["history"]
    bev = out["pt_type"]["BEV"]
    res, em, tr = bev["res"]["history"], bev["em"]["history"], bev["transmission"]["history"]
    t = np.asarray(hist["time_seconds"], dtype=float)
    dt = np.concatenate([[0.0], np.diff(t)])
    dist_km = float(hist["dist_meters"][-1]) / 1000.0

    def e(x: Any) -> float:
        return float(np.sum(np.asarray(x, dtype=float) * dt)) / 3600.0 / dist_km

    def a(x: Any) -> FloatArray:
        return np.asarray(x, dtype=float)

    tract = a(hist["pwr_tractive_watts"])
    mech, elec = a(em["pwr_mech_prop_out_watts"]), a(em["pwr_elec_prop_in_watts"])
    regen = mech < 0
    vbar = 0.5 * (a(hist["speed_ach_meters_per_second"])[1:] + a(hist["speed_ach_meters_per_second"])[:-1])
    d = out["chassis"]
    drag = a(hist["pwr_drag_watts"])[1:]
    moving = vbar > 1.0
    half_cda = 0.5 * d["drag_coef"] * d["frontal_area_square_meters"]
    rho = float(np.median(drag[moving] / (half_cda * vbar[moving] ** 3)))
    breakdown = {
        "wheel_positive": e(np.clip(tract, 0.0, None)),
        "wheel_negative": e(np.clip(tract, None, 0.0)),
        "aero": e(hist["pwr_drag_watts"]),
        "rolling": e(hist["pwr_rr_watts"]),
        "inertia": e(hist["pwr_accel_watts"]) + e(hist["pwr_whl_inertia_watts"]),
        "friction_brake": e(hist["pwr_brake_watts"]) + e(em["pwr_mech_dyn_brake_watts"]),
        "gear_loss": e(tr["pwr_loss_watts"]),
        "motor_loss_motoring": e(np.where(regen, 0.0, elec - mech)),
        "motor_loss_regen": e(np.where(regen, elec - mech, 0.0)),
        "motor_electrical_positive": e(np.clip(elec, 0.0, None)),
        "motor_electrical_negative": e(np.clip(elec, None, 0.0)),
        "aux": e(res["pwr_aux_watts"]),
        "battery_internal_loss": e(res["pwr_loss_watts"]),
        "drag_air_density_kg_per_m3": rho,
    }
    energy_j = float(bev["res"]["state"]["energy_out_electrical_joules"])
    return FastsimRun(str(out["name"]), energy_j / 3600.0 / dist_km, dist_km, breakdown)


def fastsim_energy_dc_wh_per_km(
    vehicle: str | fastsim.Vehicle, cycle: CycleLike, hvac_off: bool = True
) -> float:
    """FASTSim's energy at the battery terminals per km [Wh/km] for ``vehicle`` on ``cycle`` (HVAC off)."""
    return run_fastsim(vehicle, cycle, hvac_off=hvac_off).energy_dc_wh_per_km
