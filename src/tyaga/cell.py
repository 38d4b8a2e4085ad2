"""Battery cells: the cell spec and the Thevenin equivalent-circuit physics as pure functions.

The equivalent circuit is the Thevenin model (OCV source, series resistance R0, one or two RC pairs),
as in Plett, *Battery Management Systems, Vol. 1: Battery Modeling* (Artech House, 2015), ch. 2, and as in
PyBaMM's ``pybamm.equivalent_circuit.Thevenin`` model.

Sign convention: current is positive on discharge. SOC is coulombic: 1.0 = full, 0.0 = empty, and
``d(soc)/dt = -current_a / (3600 · capacity_ah)``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

FloatArray = npt.NDArray[np.float64]

#: SOC grid on which every OCV curve is resampled for the engine (uniform, 0 … 1).
OCV_GRID_POINTS = 201

#: Specific heat of a lithium-ion cell when the cell file gives none [J/(kg·K)]: the middle of the
#: 800–1200 J/(kg·K) measured for 18650, pouch and prismatic cells (e.g. Maleki et al., J. Electrochem.
#: Soc. 146 (1999) 947; Bazinski & Wang, J. Power Sources 293 (2015) 283). An assumption, not a datasheet.
DEFAULT_SPECIFIC_HEAT_J_PER_KG_K = 1000.0


class OcvTable(BaseModel):
    """Open-circuit voltage as a table over SOC (linear interpolation between points)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    soc: list[float] = Field(min_length=2, description="SOC points, strictly increasing, within 0 … 1")
    voltage_v: list[float] = Field(min_length=2, description="OCV at each SOC point [V]")

    @model_validator(mode="after")
    def _check(self) -> OcvTable:
        if len(self.soc) != len(self.voltage_v):
            raise ValueError(f"ocv.soc has {len(self.soc)} points but ocv.voltage_v has {len(self.voltage_v)}")
        s = np.asarray(self.soc)
        if np.any(np.diff(s) <= 0):
            raise ValueError("ocv.soc must be strictly increasing")
        if s[0] < 0 or s[-1] > 1:
            raise ValueError(f"ocv.soc must lie within 0 … 1, got {s[0]} … {s[-1]}")
        if s[0] > 1e-9 or s[-1] < 1 - 1e-9:
            raise ValueError("ocv.soc must cover 0 and 1 (end points are the empty and full cell)")
        if np.any(np.diff(np.asarray(self.voltage_v)) < 0):
            raise ValueError("ocv.voltage_v must not decrease with SOC")
        return self


class CellSpec(BaseModel):
    """A battery cell: identity, ratings and Thevenin equivalent-circuit parameters.

    Resistances and capacitances are constants here (25 °C); temperature- and SOC-dependent tables
    come with the cells-and-packs work. Every bundled cell names its ``source``; ``derived = true``
    marks parameters fitted to a model (e.g. PyBaMM) rather than measured.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: Literal[1] = 1
    name: str
    chemistry: Literal["LFP", "NMC", "NCA", "LTO", "LMO", "LCO"]
    format: Literal["cylindrical", "pouch", "prismatic"]
    source: str = Field(min_length=3, description="Where the numbers come from")
    derived: bool = Field(False, description="True when parameters were fitted to a model, not measured")
    notes: str = ""
    capacity_ah: float = Field(gt=0, le=2000, description="Nominal capacity [A·h]")
    nominal_voltage_v: float = Field(gt=0, le=10)
    voltage_min_v: float = Field(gt=0, le=10, description="Lower cut-off voltage [V]")
    voltage_max_v: float = Field(gt=0, le=10, description="Upper cut-off voltage [V]")
    mass_kg: float = Field(gt=0, le=50)
    max_discharge_c: float = Field(gt=0, le=100, description="Max continuous discharge rate [1/h]")
    max_charge_c: float = Field(gt=0, le=100, description="Max continuous charge rate [1/h]")
    r0_ohm: float = Field(ge=0, le=10, description="Series resistance [Ω]")
    r1_ohm: float = Field(0.0, ge=0, le=10, description="First RC pair resistance [Ω]")
    c1_f: float = Field(1.0, gt=0, description="First RC pair capacitance [F]")
    r2_ohm: float = Field(0.0, ge=0, le=10, description="Second RC pair resistance [Ω] (0 = none)")
    c2_f: float = Field(1.0, gt=0, description="Second RC pair capacitance [F]")
    ocv: OcvTable
    # -- datasheet figures beyond the ECM (optional; see docs/cells.md for what a missing one means) --
    max_discharge_peak_c: float | None = Field(
        None, gt=0, le=200, description="10 s peak discharge rate [1/h]; missing: max_discharge_c")
    max_charge_peak_c: float | None = Field(
        None, gt=0, le=200, description="10 s peak charge rate [1/h]; missing: max_charge_c")
    temperature_min_discharge_c: float = Field(-20.0, ge=-60, le=60, description="Lowest discharge temperature")
    temperature_max_discharge_c: float = Field(60.0, ge=-60, le=100, description="Highest discharge temperature")
    temperature_min_charge_c: float = Field(0.0, ge=-60, le=60, description="Lowest charge temperature [°C]")
    temperature_max_charge_c: float = Field(45.0, ge=-60, le=100, description="Highest charge temperature [°C]")
    diameter_mm: float | None = Field(None, gt=0, le=200, description="Cylindrical cells: diameter [mm]")
    height_mm: float | None = Field(None, gt=0, le=2000, description="Height (cylinder length) [mm]")
    length_mm: float | None = Field(None, gt=0, le=2000, description="Prismatic and pouch cells: length [mm]")
    thickness_mm: float | None = Field(None, gt=0, le=500, description="Prismatic and pouch cells: thickness [mm]")
    specific_heat_j_per_kg_k: float | None = Field(
        None, gt=100, le=5000, description="Specific heat capacity [J/(kg·K)]; missing: 1000 (assumed)")
    cost_per_kwh_usd: float | None = Field(None, gt=0, le=5000, description="Cell price per kWh [USD/kWh]")
    cost_source: str | None = Field(None, description="Where the price comes from (required with a price)")

    @model_validator(mode="after")
    def _check_limits(self) -> CellSpec:
        if self.voltage_min_v >= self.voltage_max_v:
            raise ValueError(
                f"voltage_min_v ({self.voltage_min_v}) must be below voltage_max_v ({self.voltage_max_v})"
            )
        if self.temperature_min_discharge_c >= self.temperature_max_discharge_c:
            raise ValueError(f"temperature_min_discharge_c ({self.temperature_min_discharge_c}) must be below "
                             f"temperature_max_discharge_c ({self.temperature_max_discharge_c})")
        if self.temperature_min_charge_c >= self.temperature_max_charge_c:
            raise ValueError(f"temperature_min_charge_c ({self.temperature_min_charge_c}) must be below "
                             f"temperature_max_charge_c ({self.temperature_max_charge_c})")
        if self.cost_per_kwh_usd is not None and not self.cost_source:
            raise ValueError("cost_per_kwh_usd needs a cost_source (a published price or a labelled assumption)")
        given = {k for k in ("diameter_mm", "height_mm", "length_mm", "thickness_mm") if getattr(self, k)}
        if given:
            need = {"diameter_mm", "height_mm"} if self.format == "cylindrical" else {
                "length_mm", "thickness_mm", "height_mm"}
            if given != need:
                raise ValueError(f"a {self.format} cell's dimensions are {', '.join(sorted(need))}; "
                                 f"got {', '.join(sorted(given))}")
        return self

    @property
    def volume_l(self) -> float | None:
        """Envelope volume from the dimensions [L] (cylinder or box); ``None`` without dimensions."""
        if self.height_mm is None:
            return None
        if self.format == "cylindrical":
            assert self.diameter_mm is not None
            return math.pi / 4.0 * self.diameter_mm**2 * self.height_mm * 1e-6
        assert self.length_mm is not None and self.thickness_mm is not None
        return self.length_mm * self.thickness_mm * self.height_mm * 1e-6

    @property
    def heat_capacity_j_per_k(self) -> float:
        """Heat capacity of the cell: mass × specific heat (1000 J/(kg·K) when not given) [J/K]."""
        return self.mass_kg * (self.specific_heat_j_per_kg_k or DEFAULT_SPECIFIC_HEAT_J_PER_KG_K)

    @property
    def gravimetric_energy_wh_per_kg(self) -> float:
        """Energy per mass at cell level [Wh/kg]."""
        return self.energy_wh / self.mass_kg

    @property
    def energy_wh(self) -> float:
        """Energy from full to empty at open circuit: ∫ OCV dQ [Wh]."""
        grid = np.linspace(0.0, 1.0, 2001)
        return float(np.trapezoid(ocv(self, grid), grid) * self.capacity_ah)

    @property
    def tau1_s(self) -> float:
        """Time constant of the first RC pair [s]."""
        return self.r1_ohm * self.c1_f

    @property
    def tau2_s(self) -> float:
        """Time constant of the second RC pair [s]."""
        return self.r2_ohm * self.c2_f


def ecm_parameters(
    cell: CellSpec, soc: npt.ArrayLike, temperature_c: npt.ArrayLike = 25.0
) -> dict[str, FloatArray]:
    """Thevenin parameters of ``cell`` at ``soc`` (0 … 1) and cell temperature ``temperature_c`` [°C].

    Returns ``r0_ohm``, ``r1_ohm``, ``c1_f``, ``r2_ohm``, ``c2_f`` as arrays broadcast over ``soc`` and
    ``temperature_c``. This is the one place where a cell's parameters are looked up; the cell
    files' constants are its 25 °C values (tables over SOC and temperature extend it).
    """
    shape = np.broadcast_shapes(np.shape(soc), np.shape(temperature_c))
    return {k: np.full(shape, float(getattr(cell, k))) for k in ("r0_ohm", "r1_ohm", "c1_f", "r2_ohm", "c2_f")}


def ocv(cell: CellSpec, soc: npt.ArrayLike) -> FloatArray:
    """Open-circuit voltage [V] at ``soc`` (0 … 1), by linear interpolation of the cell's table."""
    return np.interp(np.asarray(soc, dtype=float), cell.ocv.soc, cell.ocv.voltage_v)


def ocv_on_grid(cell: CellSpec, points: int = OCV_GRID_POINTS) -> FloatArray:
    """The cell's OCV resampled on a uniform SOC grid from 0 to 1 with ``points`` points [V]."""
    return ocv(cell, np.linspace(0.0, 1.0, points))


def rc_decay(dt_s: float | FloatArray, r_ohm: float | FloatArray, c_f: float | FloatArray):  # type: ignore[no-untyped-def]
    """Factor ``exp(-dt / (R·C))`` of an RC pair over a step; 0 when R = 0 (no pair)."""
    tau = np.asarray(r_ohm) * np.asarray(c_f)
    with np.errstate(divide="ignore"):
        return np.where(tau > 0, np.exp(-np.asarray(dt_s) / np.where(tau > 0, tau, 1.0)), 0.0)


def rc_step(v_rc_v: float, current_a: float, r_ohm: float, c_f: float, dt_s: float) -> float:
    """RC-pair voltage after a step of constant current (exact solution of ``C dv/dt = I − v/R``) [V].

    ``v(t+dt) = v·e^(−dt/τ) + R·I·(1 − e^(−dt/τ))``, τ = R·C.
    """
    if r_ohm <= 0.0:
        return 0.0
    decay = math.exp(-dt_s / (r_ohm * c_f))
    return v_rc_v * decay + r_ohm * current_a * (1.0 - decay)


def terminal_voltage(ocv_v: float, current_a: float, r0_ohm: float, v_rc_total_v: float) -> float:
    """Thevenin terminal voltage ``V = OCV − I·R0 − Σ v_rc`` [V] (current positive on discharge)."""
    return ocv_v - current_a * r0_ohm - v_rc_total_v


def simulate_current(
    cell: CellSpec,
    time_s: npt.ArrayLike,
    current_a: npt.ArrayLike,
    soc_initial: float = 1.0,
) -> dict[str, FloatArray]:
    """Drive one cell with a current profile; return SOC and terminal voltage at each sample time.

    The current ``current_a[k]`` is held constant from ``time_s[k]`` to ``time_s[k+1]`` (zero-order
    hold; the last value is unused). The RC pairs are integrated exactly over each step; SOC is
    coulomb-counted. Voltages are instantaneous values at the sample times, with the current of the
    step that starts there (at the last sample, the previous step's current).

    Parameters
    ----------
    cell: the cell.
    time_s: sample times [s], strictly increasing.
    current_a: current [A], positive on discharge.
    soc_initial: SOC at ``time_s[0]`` (0 … 1).

    Returns
    -------
    dict with ``time_s``, ``current_a``, ``soc``, ``ocv_v``, ``v_rc1_v``, ``v_rc2_v``, ``voltage_v``.
    """
    t = np.asarray(time_s, dtype=float)
    i = np.asarray(current_a, dtype=float)
    if t.shape != i.shape or t.ndim != 1 or t.size < 2:
        raise ValueError("time_s and current_a must be 1-D arrays of the same length ≥ 2")
    if np.any(np.diff(t) <= 0):
        raise ValueError("time_s must be strictly increasing")
    n = t.size
    soc = np.empty(n)
    v1 = np.empty(n)
    v2 = np.empty(n)
    soc[0], v1[0], v2[0] = soc_initial, 0.0, 0.0
    q_as = cell.capacity_ah * 3600.0
    for k in range(n - 1):
        dt = t[k + 1] - t[k]
        soc[k + 1] = soc[k] - i[k] * dt / q_as
        v1[k + 1] = rc_step(v1[k], i[k], cell.r1_ohm, cell.c1_f, dt)
        v2[k + 1] = rc_step(v2[k], i[k], cell.r2_ohm, cell.c2_f, dt)
    i_at = np.append(i[:-1], i[-2])
    u_oc = ocv(cell, soc)
    v = u_oc - i_at * cell.r0_ohm - v1 - v2
    return {"time_s": t, "current_a": i_at, "soc": soc, "ocv_v": u_oc, "v_rc1_v": v1, "v_rc2_v": v2, "voltage_v": v}
