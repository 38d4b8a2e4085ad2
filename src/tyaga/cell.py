"""Battery cells: the cell spec and the Thevenin equivalent-circuit physics as pure functions.

The equivalent circuit is the Thevenin model (OCV source, series resistance R0, one or two RC pairs),
as in Plett, *Battery Management Systems, Vol. 1: Battery Modeling* (Artech House, 2015), ch. 2, and as in
PyBaMM's ``pybamm.equivalent_circuit.Thevenin`` model.

Parameters depend on SOC and cell temperature through :func:`ecm_parameters` (tables over SOC ×
temperature, bilinear and clamped, or an Arrhenius law where one temperature is known) and the OCV on
temperature through an entropic coefficient (:func:`ocv`); docs/cells.md states the rules.

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


#: Activation energy of the Arrhenius law ``R(T) = R(T_ref) · exp(Ea/R_gas · (1/T − 1/T_ref))`` applied to a
#: cell's resistances where only one temperature is known [J/mol]. 30 kJ/mol is an assumption: it lies
#: between the 16–44 kJ/mol that an Arrhenius line through the fitted DC resistance (R0 + R1 + R2, 50 %
#: SOC, −10 … 40 °C) gives for the three PyBaMM DFN cells of the library (A123 LFP, Prada et al. 2013: 16;
#: LG M50T, O'Regan et al. 2022: 25; Kokam pouch, Ecker et al. 2015: 44; see tools/derive_cells.py), and
#: within the 17–53 kJ/mol of electrolyte conductivity and electrode kinetics in those parameter sets.
#: With it, a resistance triples from 25 °C to 0 °C and rises fivefold to −10 °C.
DEFAULT_ACTIVATION_ENERGY_J_PER_MOL = 30000.0

#: Reference temperature of a cell's constants and of its OCV table [°C].
REFERENCE_TEMPERATURE_C = 25.0

#: Molar gas constant [J/(mol·K)] (CODATA 2018, exact).
GAS_CONSTANT_J_PER_MOL_K = 8.314462618

#: 0 °C in kelvin [K].
KELVIN_OFFSET_K = 273.15


class TableValueError(ValueError):
    """A bad entry in a cell's table: names the field (e.g. ``ecm.r0_ohm[1][3]``), the value and what is allowed.

    Raised inside the pydantic validators; :func:`tyaga.cells.load` turns it into an
    :class:`~tyaga.errors.InputError` with exactly this field, value and allowed range.
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field} = {value!r} is not allowed; allowed: {allowed}")


def _check_axis(field: str, values: list[float], lo: float, hi: float, what: str) -> None:
    """Finite, strictly increasing and within ``lo … hi``; else a :class:`TableValueError` naming the point."""
    for k, x in enumerate(values):
        if not math.isfinite(x) or not lo <= x <= hi:
            raise TableValueError(f"{field}[{k}]", x, f"a finite {what} within {_num(lo)} … {_num(hi)}")
        if k and x <= values[k - 1]:
            raise TableValueError(f"{field}[{k}]", x, f"strictly increasing {what}s (above {field}[{k - 1}] = "
                                                     f"{values[k - 1]!r})")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


class OcvTable(BaseModel):
    """Open-circuit voltage as a table over SOC (linear interpolation between points), at 25 °C.

    ``entropic_v_per_k`` (optional, same SOC points) is the entropic coefficient dU/dT [V/K]; the OCV at
    cell temperature T [°C] is then ``voltage_v + entropic_v_per_k · (T − 25)`` (linear in T, as in
    Thomas & Newman, J. Power Sources 119–121 (2003) 844). Missing: the OCV does not depend on temperature.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    soc: list[float] = Field(min_length=2, description="SOC points, strictly increasing, within 0 … 1")
    voltage_v: list[float] = Field(min_length=2, description="OCV at each SOC point at 25 °C [V]")
    entropic_v_per_k: list[float] | None = Field(
        None, description="Entropic coefficient dU/dT at each SOC point [V/K]; missing: 0")

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
        if self.entropic_v_per_k is not None:
            if len(self.entropic_v_per_k) != len(self.soc):
                raise TableValueError("ocv.entropic_v_per_k", f"{len(self.entropic_v_per_k)} points",
                                      f"one value per ocv.soc point ({len(self.soc)})")
            for k, x in enumerate(self.entropic_v_per_k):
                if not math.isfinite(x) or abs(x) > 5e-3:
                    raise TableValueError(f"ocv.entropic_v_per_k[{k}]", x, "a finite number within −0.005 … 0.005")
        return self


#: The Thevenin parameters a cell has, in the order of :func:`ecm_parameters`' result.
ECM_KEYS = ("r0_ohm", "r1_ohm", "c1_f", "r2_ohm", "c2_f")
_RESISTANCES = ("r0_ohm", "r1_ohm", "r2_ohm")


class EcmTable(BaseModel):
    """Thevenin parameters as tables over SOC × temperature (the ``[ecm]`` table of a cell file).

    Each of ``r0_ohm`` … ``c2_f`` is a 2-D list ``[temperature][soc]`` on the axes ``temperature_c`` and
    ``soc``; a parameter without a table uses the cell's constant. Between points the tables are
    interpolated bilinearly; outside the axes they hold the edge value (clamped, no extrapolation). A table
    with one temperature only is scaled in temperature by the Arrhenius law of the resistances (see
    :func:`ecm_parameters`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    soc: list[float] = Field(min_length=1, description="SOC axis, strictly increasing, within 0 … 1")
    temperature_c: list[float] = Field(min_length=1, description="Temperature axis [°C], strictly increasing")
    r0_ohm: list[list[float]] | None = Field(None, description="Series resistance [Ω], [temperature][soc]")
    r1_ohm: list[list[float]] | None = Field(None, description="First RC resistance [Ω], [temperature][soc]")
    c1_f: list[list[float]] | None = Field(None, description="First RC capacitance [F], [temperature][soc]")
    r2_ohm: list[list[float]] | None = Field(None, description="Second RC resistance [Ω], [temperature][soc]")
    c2_f: list[list[float]] | None = Field(None, description="Second RC capacitance [F], [temperature][soc]")

    @model_validator(mode="after")
    def _check(self) -> EcmTable:
        _check_axis("ecm.soc", self.soc, 0.0, 1.0, "SOC")
        _check_axis("ecm.temperature_c", self.temperature_c, -60.0, 100.0, "temperature")
        given = [k for k in ECM_KEYS if getattr(self, k) is not None]
        if not given:
            raise TableValueError("ecm", "no parameter table", "at least one of " + ", ".join(ECM_KEYS))
        n_t, n_s = len(self.temperature_c), len(self.soc)
        for key in given:
            rows = getattr(self, key)
            field = f"ecm.{key}"
            if len(rows) != n_t:
                raise TableValueError(field, f"{len(rows)} rows", f"one row per ecm.temperature_c point ({n_t})")
            for j, row in enumerate(rows):
                if len(row) != n_s:
                    raise TableValueError(f"{field}[{j}]", f"{len(row)} values",
                                          f"one value per ecm.soc point ({n_s})")
                for k, x in enumerate(row):
                    if key in _RESISTANCES:
                        if not math.isfinite(x) or not 0.0 <= x <= 10.0:
                            raise TableValueError(f"{field}[{j}][{k}]", x, "a resistance ≥ 0 and ≤ 10 [Ω]")
                    elif not math.isfinite(x) or x <= 0.0:
                        raise TableValueError(f"{field}[{j}][{k}]", x, "a capacitance > 0 [F]")
        return self

    def grid(self, key: str) -> FloatArray | None:
        """The table of ``key`` as an array of shape (temperatures, SOC points), or ``None``."""
        rows = getattr(self, key)
        return None if rows is None else np.asarray(rows, dtype=float)


class CellSpec(BaseModel):
    """A battery cell: identity, ratings and Thevenin equivalent-circuit parameters.

    The constants ``r0_ohm`` … ``c2_f`` are the 25 °C values (at 50 % SOC where the cell has tables); the
    optional ``[ecm]`` tables over SOC × temperature and the Arrhenius law with
    ``activation_energy_j_per_mol`` make them depend on state (:func:`ecm_parameters`). Every bundled cell
    names its ``source``; ``derived = true`` marks parameters fitted to a model (e.g. PyBaMM) rather than
    measured.
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
    ecm: EcmTable | None = Field(None, description="Thevenin parameters over SOC × temperature; missing: constants")
    activation_energy_j_per_mol: float = Field(
        DEFAULT_ACTIVATION_ENERGY_J_PER_MOL, ge=0, le=150000,
        description="Arrhenius activation energy of the resistances where no temperature table exists [J/mol]")
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
    def volumetric_energy_wh_per_l(self) -> float | None:
        """Energy per envelope volume at cell level [Wh/L]; ``None`` without dimensions."""
        vol = self.volume_l
        return None if vol is None else self.energy_wh / vol

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
        """Energy from full to empty at open circuit: ∫ OCV dQ [Wh] (exact for the OCV table)."""
        return ocv_window_energy_wh(self.ocv.soc, self.ocv.voltage_v, self.capacity_ah, 0.0, 1.0)

    @property
    def tau1_s(self) -> float:
        """Time constant of the first RC pair [s]."""
        return self.r1_ohm * self.c1_f

    @property
    def tau2_s(self) -> float:
        """Time constant of the second RC pair [s]."""
        return self.r2_ohm * self.c2_f


def arrhenius_factor(
    temperature_c: npt.ArrayLike, reference_c: float, activation_energy_j_per_mol: float
) -> FloatArray:
    """Factor ``exp(Ea/R_gas · (1/T − 1/T_ref))`` by which a resistance at ``reference_c`` changes at
    ``temperature_c`` (both [°C]); > 1 below the reference temperature. Arrhenius law as used for
    Li-ion cell resistances, e.g. Plett (2015) §2.10 and PyBaMM's parameter sets."""
    t_k = np.asarray(temperature_c, dtype=float) + KELVIN_OFFSET_K
    t_ref_k = reference_c + KELVIN_OFFSET_K
    return np.exp(activation_energy_j_per_mol / GAS_CONSTANT_J_PER_MOL_K * (1.0 / t_k - 1.0 / t_ref_k))


def _interp_soc(axis: list[float], rows: FloatArray, soc: FloatArray) -> FloatArray:
    """Linear interpolation of one table row over SOC, clamped at the ends."""
    return np.interp(soc, axis, rows)


def _bilinear(soc_axis: list[float], t_axis: list[float], grid: FloatArray,
              soc: FloatArray, temperature_c: FloatArray) -> FloatArray:
    """Bilinear interpolation of ``grid[temperature][soc]`` at (soc, temperature), clamped at the edges."""
    t_ax = np.asarray(t_axis, dtype=float)
    tc = np.clip(temperature_c, t_ax[0], t_ax[-1])
    j = np.clip(np.searchsorted(t_ax, tc, side="right") - 1, 0, t_ax.size - 2)
    w = (tc - t_ax[j]) / (t_ax[j + 1] - t_ax[j])
    lower = np.empty_like(tc)
    upper = np.empty_like(tc)
    for row in range(t_ax.size - 1):  # a few temperatures: one vectorised SOC interpolation per row used
        sel = j == row
        if np.any(sel):
            lower[sel] = np.interp(soc[sel], soc_axis, grid[row])
            upper[sel] = np.interp(soc[sel], soc_axis, grid[row + 1])
    return lower + w * (upper - lower)


def ecm_parameters(
    cell: CellSpec, soc: npt.ArrayLike, temperature_c: npt.ArrayLike = 25.0
) -> dict[str, FloatArray]:
    """Thevenin parameters of ``cell`` at ``soc`` (0 … 1) and cell temperature ``temperature_c`` [°C].

    Returns ``r0_ohm``, ``r1_ohm``, ``c1_f``, ``r2_ohm``, ``c2_f`` (Ω, F) as arrays broadcast over ``soc``
    and ``temperature_c``. This is the one place where a cell's parameters are looked up. For each
    parameter:

    * with an ``[ecm]`` table over two or more temperatures: bilinear interpolation in SOC and
      temperature, clamped at the table edges (outside the axes the edge value holds; no extrapolation);
    * with a table over one temperature T_ref: linear in SOC (clamped), and for the resistances the
      Arrhenius factor ``exp(Ea/R_gas · (1/T − 1/T_ref))`` with ``Ea = cell.activation_energy_j_per_mol``;
    * without a table: the cell's constant (its 25 °C value), resistances scaled by the same Arrhenius
      factor with T_ref = 25 °C.

    Capacitances do not follow the Arrhenius law (constant where no table has them over temperature),
    so the time constants R·C scale with the resistances.
    """
    s, t = np.broadcast_arrays(np.asarray(soc, dtype=float), np.asarray(temperature_c, dtype=float))
    s_flat, t_flat = s.ravel(), t.ravel()
    table = cell.ecm
    out: dict[str, FloatArray] = {}
    factor_cache: dict[float, FloatArray] = {}
    for key in ECM_KEYS:
        grid = table.grid(key) if table is not None else None
        if grid is not None and len(table.temperature_c) > 1:  # type: ignore[union-attr]
            value = _bilinear(table.soc, table.temperature_c, grid, s_flat, t_flat)  # type: ignore[union-attr]
        else:
            if grid is not None:
                t_ref = float(table.temperature_c[0])  # type: ignore[union-attr]
                value = _interp_soc(table.soc, grid[0], s_flat)  # type: ignore[union-attr]
            else:
                t_ref = REFERENCE_TEMPERATURE_C
                value = np.full(s_flat.shape, float(getattr(cell, key)))
            if key in _RESISTANCES and cell.activation_energy_j_per_mol > 0:
                if t_ref not in factor_cache:
                    factor_cache[t_ref] = arrhenius_factor(t_flat, t_ref, cell.activation_energy_j_per_mol)
                value = value * factor_cache[t_ref]
        out[key] = value.reshape(s.shape)
    return out


def ocv(cell: CellSpec, soc: npt.ArrayLike, temperature_c: npt.ArrayLike | None = None) -> FloatArray:
    """Open-circuit voltage [V] at ``soc`` (0 … 1), by linear interpolation of the cell's table.

    With ``temperature_c`` [°C] and an entropic coefficient in the table, the OCV is
    ``OCV_25(soc) + dU/dT(soc) · (T − 25)``; without either, the 25 °C table. SOC outside 0 … 1 holds the
    end values.
    """
    s = np.asarray(soc, dtype=float)
    u = np.interp(s, cell.ocv.soc, cell.ocv.voltage_v)
    if temperature_c is None or cell.ocv.entropic_v_per_k is None:
        return u
    dudt = np.interp(s, cell.ocv.soc, cell.ocv.entropic_v_per_k)
    return u + dudt * (np.asarray(temperature_c, dtype=float) - REFERENCE_TEMPERATURE_C)


def ocv_window_energy_wh(soc: npt.ArrayLike, voltage_v: npt.ArrayLike, capacity_ah: float,
                         soc_low: float, soc_high: float) -> float:
    """Energy between two SOCs at open circuit, ``Q · ∫ OCV ds`` [Wh], for a piecewise-linear OCV table.

    ``soc`` (increasing, 0 … 1) and ``voltage_v`` [V] are the table, ``capacity_ah`` [Ah] the charge from
    SOC 0 to 1. The trapezoid rule on the table's breakpoints inside the window plus its two ends is exact for
    linear interpolation; this is the one energy integral of the cell, the pack builder and the pack model.
    """
    s = np.asarray(soc, dtype=float)
    pts = np.unique(np.concatenate([[soc_low, soc_high], s[(s > soc_low) & (s < soc_high)]]))
    return float(np.trapezoid(np.interp(pts, s, np.asarray(voltage_v, dtype=float)), pts) * capacity_ah)


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
    temperature_c: npt.ArrayLike = 25.0,
) -> dict[str, FloatArray]:
    """Drive one cell with a current profile; return SOC and terminal voltage at each sample time.

    The current ``current_a[k]`` is held constant from ``time_s[k]`` to ``time_s[k+1]`` (zero-order
    hold; the last value is unused). SOC is coulomb-counted. The Thevenin parameters are looked up with
    :func:`ecm_parameters` at the SOC and temperature at the start of each step and held over the step,
    over which the RC pairs are integrated exactly. Voltages are instantaneous values at the sample
    times, with the current of the step that starts there (at the last sample, the previous step's
    current), R0 and OCV at that sample's SOC and temperature.

    Parameters
    ----------
    cell: the cell.
    time_s: sample times [s], strictly increasing.
    current_a: current [A], positive on discharge.
    soc_initial: SOC at ``time_s[0]`` (0 … 1).
    temperature_c: cell temperature [°C], a constant or one value per sample (held over each step).

    Returns
    -------
    dict with ``time_s``, ``current_a``, ``soc``, ``temperature_c``, ``ocv_v``, ``r0_ohm``, ``v_rc1_v``,
    ``v_rc2_v``, ``voltage_v``.
    """
    t = np.asarray(time_s, dtype=float)
    i = np.asarray(current_a, dtype=float)
    if t.shape != i.shape or t.ndim != 1 or t.size < 2:
        raise ValueError("time_s and current_a must be 1-D arrays of the same length ≥ 2")
    if np.any(np.diff(t) <= 0):
        raise ValueError("time_s must be strictly increasing")
    temp = np.asarray(temperature_c, dtype=float)
    if temp.ndim == 0:
        temp = np.full(t.size, float(temp))
    elif temp.shape != t.shape:
        raise ValueError(f"temperature_c must be a number or one value per sample ({t.size}), got shape {temp.shape}")
    if not np.all(np.isfinite(temp)):
        raise ValueError("temperature_c must be finite")
    n = t.size
    dt = np.diff(t)
    q_as = cell.capacity_ah * 3600.0
    soc = np.empty(n)
    soc[0] = soc_initial
    soc[1:] = soc_initial - np.cumsum(i[:-1] * dt) / q_as
    p = ecm_parameters(cell, soc, temp)
    v1 = _rc_series(i, dt, p["r1_ohm"], p["c1_f"])
    v2 = _rc_series(i, dt, p["r2_ohm"], p["c2_f"])
    i_at = np.append(i[:-1], i[-2])
    u_oc = ocv(cell, soc, temp)
    v = u_oc - i_at * p["r0_ohm"] - v1 - v2
    return {"time_s": t, "current_a": i_at, "soc": soc, "temperature_c": temp, "ocv_v": u_oc,
            "r0_ohm": p["r0_ohm"], "v_rc1_v": v1, "v_rc2_v": v2, "voltage_v": v}


def _rc_series(i: FloatArray, dt: FloatArray, r: FloatArray, c: FloatArray) -> FloatArray:
    """RC-pair voltage at every sample: exact step ``v·e^(−dt/τ_k) + R_k·I_k·(1 − e^(−dt/τ_k))`` with the
    parameters at the start of each step (R = 0: no pair, v = 0) [V]."""
    n = i.size
    r_k, c_k = r[:-1], c[:-1]
    decay = rc_decay(dt, r_k, c_k)
    drive = r_k * i[:-1] * (1.0 - decay)
    v = np.zeros(n)
    if not np.any(r_k > 0):
        return v
    acc = 0.0
    dec_l, drv_l = decay.tolist(), drive.tolist()
    out = [0.0] * n
    for k in range(n - 1):
        acc = acc * dec_l[k] + drv_l[k]
        out[k + 1] = acc
    return np.asarray(out)
