"""The pack builder: cells → modules → pack, and the pack's datasheet figures as small pure functions.

A :class:`PackDesign` is ``series × parallel`` identical cells, optionally grouped in modules, with the
housing given as cell-to-pack ratios or as explicit housing mass and volume, the interconnect and busbar
resistances, the cooling type and the SOC window. The functions below derive its figures (SI units,
unit in every name; docs/pack-builder.md has the equations):

* energy: gross = ``n_cells · ∫₀¹ OCV dQ`` and usable = ``n_cells · ∫ OCV dQ`` over ``soc_min … soc_max``;
* voltage: nominal, min and max = ``series ×`` the cell's datasheet nominal voltage and cut-offs;
* mass and volume: cells, and pack = cells / ratio or cells + housing;
* power at a SOC and temperature: ``P = V·I`` with ``V = OCV − R·I`` (see :func:`discharge_power`);
* resistance: ``(series / parallel) · R_cell + R_connections`` (see :func:`connection_resistance_ohm`);
* cost: cells × the cell's price per kWh, plus an optional labelled pack-level overhead.

:func:`propose_layouts` turns a voltage target (or window) and an energy target into candidate layouts;
:func:`to_pack_model` hands a design to the vehicle chain as a :class:`tyaga.battery.PackModel`.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tyaga.battery import PackModel, pack_from_cell
from tyaga.cell import CellSpec, ecm_parameters, ocv, ocv_window_energy_wh
from tyaga.errors import InputError

Cooling = Literal["air", "liquid-plate", "immersion", "none"]

#: Duration of the peak-power pulse [s] (datasheets quote 10 s peak power).
PEAK_DURATION_S = 10.0

#: Number of layouts :func:`propose_layouts` returns at most, by default.
DEFAULT_PROPOSALS = 6


class PackDesign(BaseModel):
    """A traction pack of identical cells: layout, modules, housing, connections, cooling and SOC window.

    ``cell`` is a :class:`~tyaga.cell.CellSpec` or the name (or TOML path) of a cell in the library.
    Modules: ``cells_per_module`` cells each, ``modules_in_series × modules_in_parallel`` of them; the
    module count must divide the cell count and the series and parallel counts (each module is
    ``series / modules_in_series`` groups of ``parallel / modules_in_parallel`` cells).
    Housing: either ``cell_to_pack_mass_ratio`` (cell mass / pack mass, 0 … 1) or ``housing_mass_kg``,
    and either ``cell_to_pack_volume_ratio`` or ``housing_volume_l``; without either, the pack mass (or
    volume) is not known and is reported as ``None``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    cell: CellSpec
    series: int = Field(ge=1, le=2000, description="Cells (parallel groups) in series")
    parallel: int = Field(ge=1, le=1000, description="Cells in parallel in each group")
    cells_per_module: int | None = Field(None, ge=1, le=10000, description="Cells in one module")
    modules_in_series: int | None = Field(None, ge=1, le=2000, description="Modules in series per string")
    modules_in_parallel: int = Field(1, ge=1, le=100, description="Module strings in parallel")
    cell_to_pack_mass_ratio: float | None = Field(None, gt=0, le=1, description="Cell mass / pack mass")
    housing_mass_kg: float | None = Field(None, ge=0, le=10000, description="Mass of all but the cells [kg]")
    cell_to_pack_volume_ratio: float | None = Field(None, gt=0, le=1, description="Cell volume / pack volume")
    housing_volume_l: float | None = Field(None, ge=0, le=10000, description="Volume beyond the cells [L]")
    interconnect_resistance_ohm: float = Field(
        0.0, ge=0, le=1, description="One connection between adjacent parallel groups inside a module [Ω]")
    busbar_resistance_ohm: float = Field(0.0, ge=0, le=1, description="One module-to-module busbar [Ω]")
    cooling: Cooling = "none"
    soc_min: float = Field(0.0, ge=0, lt=1, description="Lower end of the usable SOC window")
    soc_max: float = Field(1.0, gt=0, le=1, description="Upper end of the usable SOC window")
    overhead_cost_usd: float = Field(0.0, ge=0, description="Pack-level cost beyond the cells, fixed [USD]")
    overhead_cost_usd_per_kwh: float = Field(0.0, ge=0, description="Pack-level cost per gross kWh [USD/kWh]")
    overhead_cost_source: str | None = Field(None, description="Where the overhead cost comes from")

    def __init__(self, **data: Any) -> None:
        if isinstance(data.get("cell"), str | Path):
            from tyaga import cells

            data["cell"] = cells.load(data["cell"])
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _input_error(exc, data) from None

    @model_validator(mode="after")
    def _check(self) -> PackDesign:
        if self.soc_min >= self.soc_max:
            raise InputError("soc_min", self.soc_min, f"< soc_max ({self.soc_max})")
        if self.cell_to_pack_mass_ratio is not None and self.housing_mass_kg is not None:
            raise InputError("housing_mass_kg", self.housing_mass_kg,
                             "not together with cell_to_pack_mass_ratio (give one of them)")
        if self.cell_to_pack_volume_ratio is not None and self.housing_volume_l is not None:
            raise InputError("housing_volume_l", self.housing_volume_l,
                             "not together with cell_to_pack_volume_ratio (give one of them)")
        if self.overhead_cost_source is None and (self.overhead_cost_usd or self.overhead_cost_usd_per_kwh):
            raise InputError("overhead_cost_source", None, "a source or a labelled assumption for the overhead cost")
        n = self.series * self.parallel
        if self.cells_per_module is None:
            if self.modules_in_series is not None or self.modules_in_parallel != 1:
                raise InputError("cells_per_module", None, "a cell count when modules are given")
            return self
        if n % self.cells_per_module:
            raise InputError("cells_per_module", self.cells_per_module,
                             f"a divisor of the cell count {n} ({self.series}s{self.parallel}p)")
        n_modules = n // self.cells_per_module
        if n_modules % self.modules_in_parallel:
            raise InputError("modules_in_parallel", self.modules_in_parallel,
                             f"a divisor of the module count {n_modules}")
        m_s = self.modules_in_series if self.modules_in_series is not None else n_modules // self.modules_in_parallel
        if m_s * self.modules_in_parallel != n_modules:
            raise InputError("modules_in_series", m_s,
                             f"{n_modules // self.modules_in_parallel} ({n_modules} modules of "
                             f"{self.cells_per_module} cells, {self.modules_in_parallel} in parallel)")
        if self.series % m_s:
            raise InputError("modules_in_series", m_s, f"a divisor of series = {self.series}")
        if self.parallel % self.modules_in_parallel:
            raise InputError("modules_in_parallel", self.modules_in_parallel,
                             f"a divisor of parallel = {self.parallel}")
        if self.modules_in_series is None:
            object.__setattr__(self, "modules_in_series", m_s)
        return self

    @property
    def layout(self) -> str:
        """Short label, e.g. ``"96s3p"``."""
        return f"{self.series}s{self.parallel}p"

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return self.series * self.parallel

    @property
    def n_modules(self) -> int:
        """Number of modules (1 when the design has no module level)."""
        return self.n_cells // self.cells_per_module if self.cells_per_module else 1


def _input_error(exc: ValidationError, data: dict[str, Any]) -> InputError:
    """One :class:`InputError` from a pydantic error (an :class:`InputError` raised in a validator as is)."""
    for err in exc.errors():
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, InputError):
            return original
    from tyaga.catalog import validation_error_to_input_error

    return validation_error_to_input_error(exc, None, data, PackDesign)


# ---------------------------------------------------------------- energy and voltage


def window_energy_wh(cell: CellSpec, soc_low: float, soc_high: float) -> float:
    """One cell's energy between two SOCs at open circuit, ``Q · ∫ OCV ds`` [Wh] (exact for the OCV table;
    :func:`tyaga.cell.ocv_window_energy_wh`)."""
    return ocv_window_energy_wh(cell.ocv.soc, cell.ocv.voltage_v, cell.capacity_ah, soc_low, soc_high)


def gross_energy_wh(d: PackDesign) -> float:
    """Energy from full to empty at open circuit, all cells [Wh]."""
    return d.n_cells * window_energy_wh(d.cell, 0.0, 1.0)


def usable_energy_wh(d: PackDesign) -> float:
    """Energy in the SOC window ``soc_min … soc_max`` at open circuit, all cells [Wh]."""
    return d.n_cells * window_energy_wh(d.cell, d.soc_min, d.soc_max)


def capacity_ah(d: PackDesign) -> float:
    """Pack capacity: cell capacity × parallel [A·h]."""
    return d.cell.capacity_ah * d.parallel


def nominal_voltage_v(d: PackDesign) -> float:
    """Datasheet nominal voltage: series × the cell's nominal voltage [V]."""
    return d.series * d.cell.nominal_voltage_v


def voltage_min_v(d: PackDesign) -> float:
    """Lower cut-off: series × the cell's lower cut-off [V]."""
    return d.series * d.cell.voltage_min_v


def voltage_max_v(d: PackDesign) -> float:
    """Upper cut-off: series × the cell's upper cut-off [V]."""
    return d.series * d.cell.voltage_max_v


def mean_ocv_v(d: PackDesign) -> float:
    """Mean open-circuit voltage over the full SOC range, series × mean cell OCV [V]."""
    return gross_energy_wh(d) / capacity_ah(d)


# ---------------------------------------------------------------- mass, volume, density


def cells_mass_kg(d: PackDesign) -> float:
    """Mass of the cells alone [kg]."""
    return d.n_cells * d.cell.mass_kg


def pack_mass_kg(d: PackDesign) -> float | None:
    """Pack mass: cells / cell_to_pack_mass_ratio, or cells + housing_mass_kg; ``None`` without either [kg]."""
    if d.cell_to_pack_mass_ratio is not None:
        return cells_mass_kg(d) / d.cell_to_pack_mass_ratio
    if d.housing_mass_kg is not None:
        return cells_mass_kg(d) + d.housing_mass_kg
    return None


def cells_volume_l(d: PackDesign) -> float | None:
    """Envelope volume of the cells alone [L]; ``None`` when the cell has no dimensions."""
    v = d.cell.volume_l
    return None if v is None else d.n_cells * v


def pack_volume_l(d: PackDesign) -> float | None:
    """Pack volume: cells / cell_to_pack_volume_ratio, or cells + housing_volume_l; ``None`` if unknown [L]."""
    v = cells_volume_l(d)
    if v is None:
        return None
    if d.cell_to_pack_volume_ratio is not None:
        return v / d.cell_to_pack_volume_ratio
    if d.housing_volume_l is not None:
        return v + d.housing_volume_l
    return None


def _per(x: float, y: float | None) -> float | None:
    return None if y is None or y <= 0 else x / y


def densities(d: PackDesign) -> dict[str, float | None]:
    """Gravimetric [Wh/kg] and volumetric [Wh/L] energy density of the cell and of the pack (gross energy)."""
    cell_wh = window_energy_wh(d.cell, 0.0, 1.0)
    e = gross_energy_wh(d)
    return {
        "cell_wh_per_kg": cell_wh / d.cell.mass_kg,
        "cell_wh_per_l": _per(cell_wh, d.cell.volume_l),
        "pack_wh_per_kg": _per(e, pack_mass_kg(d)),
        "pack_wh_per_l": _per(e, pack_volume_l(d)),
    }


# ---------------------------------------------------------------- resistance and power


def connection_resistance_ohm(d: PackDesign) -> float:
    """Resistance of the interconnects and busbars in the current path [Ω].

    A string of ``series`` groups has ``series − 1`` connections between adjacent groups; with
    ``modules_in_series = M`` modules per string, ``M − 1`` of them are module-to-module busbars
    (``busbar_resistance_ohm`` each) and ``series − M`` are in-module interconnects
    (``interconnect_resistance_ohm`` each). The ``modules_in_parallel`` strings share the current, so
    ``R = ((series − M)·r_interconnect + (M − 1)·r_busbar) / modules_in_parallel``. Without modules
    (``M = 1``) every connection is an interconnect.
    """
    m = d.modules_in_series or 1
    return ((d.series - m) * d.interconnect_resistance_ohm + (m - 1) * d.busbar_resistance_ohm) / d.modules_in_parallel


def cell_resistance_ohm(cell: CellSpec, soc: float, temperature_c: float, duration_s: float | None = None) -> float:
    """Apparent resistance of one cell after ``duration_s`` of constant current from rest [Ω].

    ``R(t) = R0 + R1·(1 − e^(−t/τ1)) + R2·(1 − e^(−t/τ2))`` with the Thevenin parameters at ``soc`` and
    ``temperature_c`` (``tyaga.cell.ecm_parameters``); ``duration_s = None`` is the steady state
    ``R0 + R1 + R2`` (continuous discharge).
    """
    p = {k: float(v) for k, v in ecm_parameters(cell, soc, temperature_c).items()}
    if duration_s is None:
        return p["r0_ohm"] + p["r1_ohm"] + p["r2_ohm"]
    r = p["r0_ohm"]
    for rk, ck in (("r1_ohm", "c1_f"), ("r2_ohm", "c2_f")):
        tau = p[rk] * p[ck]
        if p[rk] > 0 and tau > 0:
            r += p[rk] * (1.0 - math.exp(-duration_s / tau))
    return r


def pack_resistance_ohm(d: PackDesign, soc: float = 0.5, temperature_c: float = 25.0,
                        duration_s: float | None = None) -> float:
    """Pack resistance: ``(series / parallel) · R_cell(duration) + R_connections`` [Ω]."""
    r_cell = cell_resistance_ohm(d.cell, soc, temperature_c, duration_s)
    return d.series / d.parallel * r_cell + connection_resistance_ohm(d)


def _check_operating_point(d: PackDesign, soc: float, temperature_c: float) -> None:
    if not 0.0 <= soc <= 1.0:
        raise InputError("soc", soc, "0 … 1")
    lo, hi = d.cell.temperature_min_discharge_c, d.cell.temperature_max_discharge_c
    if not lo <= temperature_c <= hi:
        raise InputError("temperature_c", temperature_c, f"{lo:g} … {hi:g} °C (discharge range of {d.cell.name})")


def discharge_power(d: PackDesign, soc: float = 0.5, temperature_c: float = 25.0,
                    peak: bool = False) -> dict[str, Any]:
    """Continuous or 10 s peak discharge power at ``soc`` and ``temperature_c`` [W].

    The pack is an OCV source behind a resistance ``R``: ``V = OCV − R·I`` and ``P = V·I``. The current is
    the largest of the allowed ones, ``I = min(I_rate, I_volt, I_pmax)``:

    * ``I_rate = C · capacity_ah · parallel``, with ``C = max_discharge_c`` (continuous) or
      ``max_discharge_peak_c`` (peak; ``max_discharge_c`` when the cell gives none);
    * ``I_volt = (OCV − V_min) / R``: the terminal voltage does not fall below ``series × voltage_min_v``;
    * ``I_pmax = OCV / (2R)``: beyond it the power falls again (matched load).

    ``R`` is :func:`pack_resistance_ohm` in steady state (continuous) or after 10 s (peak).
    Returns ``power_w``, ``current_a``, ``voltage_v``, ``resistance_ohm`` and ``limited_by``
    (``"current"``, ``"voltage"`` or ``"matched load"``).
    """
    _check_operating_point(d, soc, temperature_c)
    cell = d.cell
    c_rate = (cell.max_discharge_peak_c or cell.max_discharge_c) if peak else cell.max_discharge_c
    r = pack_resistance_ohm(d, soc, temperature_c, PEAK_DURATION_S if peak else None)
    u_oc = d.series * float(ocv(cell, soc))
    v_min = voltage_min_v(d)
    limits = {"current": c_rate * capacity_ah(d)}
    if r > 0:
        limits["voltage"] = max(u_oc - v_min, 0.0) / r
        limits["matched load"] = u_oc / (2.0 * r)
    by = min(limits, key=lambda k: limits[k])
    i = limits[by]
    v = u_oc - r * i
    return {"power_w": v * i, "current_a": i, "voltage_v": v, "resistance_ohm": r, "limited_by": by}


# ---------------------------------------------------------------- cost


#: Non-cell pack cost per gross kWh [USD/kWh] (housing, module hardware, thermal system, BMS, harness,
#: assembly). ASSUMPTION from the same source as the bundled cell prices (BloombergNEF Lithium-Ion Battery Price
#: Survey 2024, press release Dec 2024: pack 115 USD/kWh, cells taken as 75 % of it): the other 25 %,
#: 28.75 USD/kWh, covers everything in the pack but the cells.
DEFAULT_NON_CELL_COST_USD_PER_KWH = 115.0 * 0.25
DEFAULT_NON_CELL_COST_SOURCE = ("ASSUMPTION: 25 % of the 115 USD/kWh average pack price (BloombergNEF Lithium-Ion "
                                "Battery Price Survey 2024, press release Dec 2024), the share left after the cells")


def cell_built_pack_cost_usd(gross_energy_wh: float, cell_cost_per_kwh_usd: float | None,
                             non_cell_cost_usd_per_kwh: float = DEFAULT_NON_CELL_COST_USD_PER_KWH
                             ) -> tuple[float, float]:
    """Cost of a cell-built pack [USD] as (cells, whole pack): cells = gross kWh × the cell's price; the whole
    pack adds ``non_cell_cost_usd_per_kwh`` × gross kWh (default :data:`DEFAULT_NON_CELL_COST_USD_PER_KWH`).
    ``gross_energy_wh`` [Wh] ≥ 0; both are NaN when the cell has no price (``None``)."""
    if not (gross_energy_wh >= 0.0 and math.isfinite(gross_energy_wh)):
        raise InputError("gross_energy_wh", gross_energy_wh, "≥ 0 Wh, finite")
    if not (non_cell_cost_usd_per_kwh >= 0.0 and math.isfinite(non_cell_cost_usd_per_kwh)):
        raise InputError("non_cell_cost_usd_per_kwh", non_cell_cost_usd_per_kwh, "≥ 0 USD/kWh, finite")
    if cell_cost_per_kwh_usd is None:
        return math.nan, math.nan
    kwh = gross_energy_wh / 1000.0
    cells = kwh * cell_cost_per_kwh_usd
    return cells, cells + kwh * non_cell_cost_usd_per_kwh


def cost(d: PackDesign) -> dict[str, Any]:
    """Pack cost [USD], each part labelled: cells (gross kWh × the cell's price) and the pack overhead.

    ``cells_usd`` and ``total_usd`` are ``None`` when the cell has no price; ``cells_source`` and
    ``overhead_source`` say where the numbers come from.
    """
    kwh = gross_energy_wh(d) / 1000.0
    price = d.cell.cost_per_kwh_usd
    cells_usd = None if price is None else kwh * price
    overhead = d.overhead_cost_usd + d.overhead_cost_usd_per_kwh * kwh
    return {
        "cells_usd": cells_usd,
        "cells_source": d.cell.cost_source if price is not None else f"no price for cell {d.cell.name}",
        "overhead_usd": overhead,
        "overhead_source": d.overhead_cost_source or "none given",
        "total_usd": None if cells_usd is None else cells_usd + overhead,
    }


# ---------------------------------------------------------------- summary and the vehicle chain


def summary(d: PackDesign, soc: float = 0.5, temperature_c: float = 25.0) -> dict[str, Any]:
    """All derived figures of a design as one flat dict (SI units; energies also in kWh for tables)."""
    cont = discharge_power(d, soc, temperature_c)
    peak = discharge_power(d, soc, temperature_c, peak=True)
    c = cost(d)
    return {
        "name": d.name or d.layout,
        "cell": d.cell.name,
        "layout": d.layout,
        "series": d.series,
        "parallel": d.parallel,
        "n_cells": d.n_cells,
        "n_modules": d.n_modules,
        "cells_per_module": d.cells_per_module,
        "modules_in_series": d.modules_in_series,
        "modules_in_parallel": d.modules_in_parallel,
        "cooling": d.cooling,
        "gross_energy_kwh": gross_energy_wh(d) / 1000.0,
        "usable_energy_kwh": usable_energy_wh(d) / 1000.0,
        "soc_min": d.soc_min,
        "soc_max": d.soc_max,
        "capacity_ah": capacity_ah(d),
        "nominal_voltage_v": nominal_voltage_v(d),
        "voltage_min_v": voltage_min_v(d),
        "voltage_max_v": voltage_max_v(d),
        "cells_mass_kg": cells_mass_kg(d),
        "pack_mass_kg": pack_mass_kg(d),
        "cells_volume_l": cells_volume_l(d),
        "pack_volume_l": pack_volume_l(d),
        **densities(d),
        "resistance_ohm": pack_resistance_ohm(d, soc, temperature_c),
        "connection_resistance_ohm": connection_resistance_ohm(d),
        "power_soc": soc,
        "power_temperature_c": temperature_c,
        "continuous_power_kw": cont["power_w"] / 1000.0,
        "continuous_limited_by": cont["limited_by"],
        "peak_power_10s_kw": peak["power_w"] / 1000.0,
        "peak_limited_by": peak["limited_by"],
        "cells_cost_usd": c["cells_usd"],
        "overhead_cost_usd": c["overhead_usd"],
        "total_cost_usd": c["total_usd"],
        "cost_source": c["cells_source"],
    }


def to_pack_model(d: PackDesign) -> PackModel:
    """The design as the vehicle chain's pack: ``battery.pack_from_cell`` plus the connection resistance.

    The interconnects and busbars are added to R0 (they are ohmic); everything else is ``pack_from_cell``.
    """
    return pack_from_cell(d.cell, d.series, d.parallel, d.soc_min, d.soc_max,
                          connection_resistance_ohm=connection_resistance_ohm(d))


def load(path: str | Path) -> PackDesign:
    """Read a pack TOML file (keys as :class:`PackDesign`; ``cell`` a library name or a path next to it)."""
    from tyaga.catalog import read_toml

    p = Path(path)
    if not p.is_file():
        raise InputError("pack file", str(p), "an existing file")
    data = read_toml(p)
    ref = data.get("cell")
    if isinstance(ref, str) and ("/" in ref or ref.endswith(".toml")):
        data["cell"] = str(p.parent / ref)
    try:
        return PackDesign(**data)
    except InputError as exc:
        raise exc.with_source(str(p)) from None


# ---------------------------------------------------------------- layout proposals


@dataclasses.dataclass(frozen=True)
class Layout:
    """One proposed layout and how it meets the targets."""

    design: PackDesign
    energy_wh: float  # on the basis the target was given in (gross or usable)
    meets_energy: bool
    energy_error: float  # (energy − target) / target
    voltage_error: float | None  # (nominal − target) / target; None without a nominal target


def series_range(cell: CellSpec, voltage_min_v: float | None, voltage_max_v: float | None) -> tuple[int, int]:
    """Series counts whose cut-off voltages lie inside the window ``voltage_min_v … voltage_max_v``.

    ``series · cell.voltage_min_v ≥ voltage_min_v`` and ``series · cell.voltage_max_v ≤ voltage_max_v``.
    Raises :class:`InputError` when no count fits (the window is narrower than the cell's own).
    """
    if voltage_min_v is not None and voltage_max_v is not None and voltage_min_v >= voltage_max_v:
        raise InputError("voltage_min_v", voltage_min_v, f"< voltage_max_v ({voltage_max_v})")
    lo = 1 if voltage_min_v is None else math.ceil(voltage_min_v / cell.voltage_min_v - 1e-9)
    hi = 2000 if voltage_max_v is None else math.floor(voltage_max_v / cell.voltage_max_v + 1e-9)
    if lo > hi:
        ratio = cell.voltage_max_v / cell.voltage_min_v
        shown = " … ".join("—" if v is None else f"{v:g}" for v in (voltage_min_v, voltage_max_v))
        raise InputError("voltage window", f"{shown} V",
                         f"a window that holds {cell.name}'s cut-offs {cell.voltage_min_v:g} … "
                         f"{cell.voltage_max_v:g} V × a series count of 1 … 2000 (max/min ≥ {ratio:.3f})")
    return lo, hi


def propose_layouts(
    cell: CellSpec | str,
    energy_wh: float,
    nominal_voltage_v: float | None = None,
    voltage_min_v: float | None = None,
    voltage_max_v: float | None = None,
    *,
    usable: bool = False,
    max_series: int | None = None,
    module_series: int = 1,
    module_parallel: int = 1,
    neighbours: int = 2,
    limit: int = DEFAULT_PROPOSALS,
    **design: Any,
) -> list[Layout]:
    """Layouts of ``cell`` meeting a voltage target or window and an energy target, best first.

    Series: the count nearest ``nominal_voltage_v / cell.nominal_voltage_v`` and ``neighbours`` counts on
    each side (or, without a nominal target, the middle of :func:`series_range` and its neighbours),
    multiples of ``module_series``, inside the window and ``≤ max_series``. Parallel: for each series
    count, the multiples of ``module_parallel`` just below and just above the energy target (gross energy,
    or usable energy with ``usable=True``). Sorted: layouts that reach the energy target first, then by
    ``|energy error| + |voltage error|``. ``design`` passes further :class:`PackDesign` fields (SOC window,
    housing, resistances, cooling); with modules, each module is ``module_series × module_parallel`` cells.
    """
    if isinstance(cell, str):
        from tyaga import cells

        cell = cells.load(cell)
    if not energy_wh > 0:
        raise InputError("energy_wh", energy_wh, "> 0")
    if nominal_voltage_v is not None and not nominal_voltage_v > 0:
        raise InputError("nominal_voltage_v", nominal_voltage_v, "> 0")
    if nominal_voltage_v is None and voltage_min_v is None and voltage_max_v is None:
        raise InputError("nominal_voltage_v", None, "a nominal voltage or a voltage window")
    for field, value in (("module_series", module_series), ("module_parallel", module_parallel)):
        if value < 1:
            raise InputError(field, value, "≥ 1")
    if max_series is not None and max_series < 1:
        raise InputError("max_series", max_series, "≥ 1")
    lo, hi = series_range(cell, voltage_min_v, voltage_max_v)
    if max_series is not None:
        hi = min(hi, max_series)
    if lo > hi:
        raise InputError("max_series", max_series, f"≥ {lo} (the fewest cells in series for the voltage window)")
    lo_m, hi_m = math.ceil(lo / module_series) * module_series, hi // module_series * module_series
    if lo_m > hi_m:
        raise InputError("module_series", module_series,
                         f"a module size whose multiples include a series count within {lo} … {hi} "
                         f"(the counts the voltage window allows)")
    lo, hi = lo_m, hi_m
    centre = nominal_voltage_v / cell.nominal_voltage_v if nominal_voltage_v is not None else (lo + hi) / 2
    s0 = min(max(round(centre / module_series) * module_series, lo), hi)
    series_counts = [s for s in range(s0 - neighbours * module_series, s0 + (neighbours + 1) * module_series,
                                      module_series) if lo <= s <= hi]
    if nominal_voltage_v is not None:
        v_lo, v_hi = lo * cell.nominal_voltage_v, hi * cell.nominal_voltage_v
        if not v_lo * 0.97 <= nominal_voltage_v <= v_hi * 1.03:
            raise InputError("nominal_voltage_v", nominal_voltage_v,
                             f"{v_lo:.0f} … {v_hi:.0f} V (series {lo} … {hi} of {cell.name}, as the voltage window, "
                             "max_series and module size allow)")
    soc_lo, soc_hi = design.get("soc_min", 0.0), design.get("soc_max", 1.0)
    if soc_lo >= soc_hi:
        raise InputError("soc_min", soc_lo, f"< soc_max ({soc_hi})")
    cell_wh = window_energy_wh(cell, soc_lo, soc_hi) if usable else window_energy_wh(cell, 0.0, 1.0)
    out: list[Layout] = []
    for s in series_counts:
        p_exact = energy_wh / (s * cell_wh)
        below = max(math.floor(p_exact / module_parallel + 1e-9) * module_parallel, module_parallel)
        above = max(math.ceil(p_exact / module_parallel - 1e-9) * module_parallel, module_parallel)
        for p in sorted({below, above}):
            if p > 1000:
                raise InputError("energy_wh", energy_wh,
                                 f"≤ {1000 * s * cell_wh:.0f} Wh with {cell.name} ({s} in series, ≤ 1000 in parallel)")
            modules = {}
            if module_series > 1 or module_parallel > 1:
                modules = {"cells_per_module": module_series * module_parallel,
                           "modules_in_series": s // module_series,
                           "modules_in_parallel": p // module_parallel}
            d = PackDesign(cell=cell, series=s, parallel=p, **modules, **design)
            e = s * p * cell_wh
            v_err = None
            if nominal_voltage_v is not None:
                v_err = (s * cell.nominal_voltage_v - nominal_voltage_v) / nominal_voltage_v
            out.append(Layout(d, e, e >= energy_wh * (1 - 1e-9), (e - energy_wh) / energy_wh, v_err))
    out.sort(key=lambda x: (not x.meets_energy, abs(x.energy_error) + abs(x.voltage_error or 0.0)))
    return out[:limit]


def notes(d: PackDesign) -> list[str]:
    """What the figures of ``d`` leave out, in words (missing dimensions, price, housing), for the CLI."""
    out = []
    if pack_mass_kg(d) is None:
        out.append("pack mass unknown: give a cell-to-pack mass ratio or a housing mass (cells mass shown)")
    if d.cell.volume_l is None:
        out.append(f"volume unknown: cell {d.cell.name} has no dimensions")
    elif pack_volume_l(d) is None:
        out.append("pack volume unknown: give a cell-to-pack volume ratio or a housing volume (cells volume shown)")
    if d.cell.cost_per_kwh_usd is None:
        out.append(f"cost unknown: cell {d.cell.name} has no price")
    else:
        out.append(f"cell price: {d.cell.cost_per_kwh_usd:g} USD/kWh ({d.cell.cost_source})")
    if d.cell.max_discharge_peak_c is None:
        out.append(f"peak power uses the continuous C-rate: cell {d.cell.name} gives no peak rate")
    out.append("power: P = V·I, V = OCV − R·I, I limited by the C-rate, the voltage cut-off and OCV/2R")
    return out
