"""Traction packs for the vehicle chain: a pack of ``series × parallel`` identical cells, or a pack-level
shortcut, reduced to one pack-level Thevenin circuit.

Scaling of a pack of identical cells (Plett 2015, vol. 1, §3.3): OCV and voltage limits × series;
capacity and current limits × parallel; resistances × series / parallel; capacitances × parallel / series
(time constants unchanged).

The shortcut (``usable_energy_kwh``, ``nominal_voltage_v``, optional ``resistance_ohm``) is a pack with a
flat OCV equal to the nominal voltage and no RC pair; its gross capacity is chosen so that the SOC window
``soc_min … soc_max`` holds exactly the usable energy. When ``resistance_ohm`` is left out it is set so that
a 1C discharge loses 1.5 % of the voltage (``R = 0.015 · V² / E_gross``), typical of EV packs
(docs/physics.md, "Battery").
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tyaga.cell import OCV_GRID_POINTS, CellSpec, ecm_parameters, ocv_on_grid, ocv_window_energy_wh
from tyaga.errors import InputError
from tyaga.vehicle import SHORTCUT_C_RATES, VehicleSpec

FloatArray = npt.NDArray[np.float64]

#: Fraction of the nominal voltage lost at 1C in a shortcut pack without ``resistance_ohm``.
SHORTCUT_VOLTAGE_DROP_AT_1C = 0.015
#: Voltage limits of a shortcut pack, as fractions of its nominal voltage (flat OCV: rarely reached).
SHORTCUT_VOLTAGE_WINDOW = (0.75, 1.15)


@dataclass(frozen=True)
class PackModel:
    """One pack reduced to a Thevenin circuit, in SI units. ``ocv_v`` is on a uniform SOC grid 0 … 1."""

    capacity_ah: float
    ocv_v: FloatArray
    r0_ohm: float
    r1_ohm: float
    c1_f: float
    r2_ohm: float
    c2_f: float
    voltage_min_v: float
    voltage_max_v: float
    max_discharge_current_a: float
    max_charge_current_a: float
    soc_min: float
    soc_max: float
    series: int = 1
    parallel: int = 1
    cell_name: str | None = None

    @property
    def nominal_voltage_v(self) -> float:
        """Mean OCV over the full SOC range [V]."""
        return float(np.mean(0.5 * (self.ocv_v[1:] + self.ocv_v[:-1])))

    @property
    def energy_wh(self) -> float:
        """Gross energy, full to empty, at open circuit [Wh]."""
        return self.window_energy_wh(0.0, 1.0)

    @functools.cached_property
    def usable_energy_wh(self) -> float:
        """Energy in the SOC window at open circuit [Wh] (computed once per pack)."""
        return self.window_energy_wh(self.soc_min, self.soc_max)

    def window_energy_wh(self, soc_low: float, soc_high: float) -> float:
        """∫ OCV dQ between two SOCs [Wh], exact for the pack's OCV grid (:func:`tyaga.cell.ocv_window_energy_wh`)."""
        grid = np.linspace(0.0, 1.0, self.ocv_v.size)
        return ocv_window_energy_wh(grid, self.ocv_v, self.capacity_ah, soc_low, soc_high)


def pack_from_cell(
    cell: CellSpec,
    series: int,
    parallel: int,
    soc_min: float,
    soc_max: float,
    max_discharge_c: float | None = None,
    max_charge_c: float | None = None,
    temperature_c: float | None = None,
    connection_resistance_ohm: float = 0.0,
) -> PackModel:
    """Pack-level Thevenin circuit of ``series × parallel`` identical cells.

    ``temperature_c``: ``None`` takes the cell's constants (its 25 °C values); a temperature takes
    :func:`tyaga.cell.ecm_parameters` at that temperature and the middle of the SOC window (the lumped pack
    has one set of parameters). ``connection_resistance_ohm``: interconnects and busbars, added to R0 [Ω].
    """
    if connection_resistance_ohm < 0 or not math.isfinite(connection_resistance_ohm):
        raise InputError("connection_resistance_ohm", connection_resistance_ohm, "≥ 0 Ω")
    if temperature_c is None:
        r0, r1, c1, r2, c2 = cell.r0_ohm, cell.r1_ohm, cell.c1_f, cell.r2_ohm, cell.c2_f
    else:
        e = ecm_parameters(cell, 0.5 * (soc_min + soc_max), temperature_c)
        r0, r1, c1, r2, c2 = (float(e[k]) for k in ("r0_ohm", "r1_ohm", "c1_f", "r2_ohm", "c2_f"))
    k = series / parallel
    return PackModel(
        capacity_ah=cell.capacity_ah * parallel,
        ocv_v=ocv_on_grid(cell) * series,
        r0_ohm=r0 * k + connection_resistance_ohm,
        r1_ohm=r1 * k,
        c1_f=c1 / k,
        r2_ohm=r2 * k,
        c2_f=c2 / k,
        voltage_min_v=cell.voltage_min_v * series,
        voltage_max_v=cell.voltage_max_v * series,
        max_discharge_current_a=(max_discharge_c or cell.max_discharge_c) * cell.capacity_ah * parallel,
        max_charge_current_a=(max_charge_c or cell.max_charge_c) * cell.capacity_ah * parallel,
        soc_min=soc_min,
        soc_max=soc_max,
        series=series,
        parallel=parallel,
        cell_name=cell.name,
    )


def pack_shortcut(
    usable_energy_wh: float,
    nominal_voltage_v: float,
    soc_min: float,
    soc_max: float,
    max_discharge_c: float,
    max_charge_c: float,
    resistance_ohm: float | None = None,
) -> PackModel:
    """Pack-level shortcut: flat OCV at ``nominal_voltage_v``, window holding ``usable_energy_wh``."""
    capacity_ah = usable_energy_wh / (nominal_voltage_v * (soc_max - soc_min))
    gross_wh = capacity_ah * nominal_voltage_v
    if resistance_ohm is None:
        resistance_ohm = SHORTCUT_VOLTAGE_DROP_AT_1C * nominal_voltage_v**2 / gross_wh
    lo, hi = SHORTCUT_VOLTAGE_WINDOW
    return PackModel(
        capacity_ah=capacity_ah,
        ocv_v=np.full(OCV_GRID_POINTS, nominal_voltage_v),
        r0_ohm=resistance_ohm,
        r1_ohm=0.0,
        c1_f=1.0,
        r2_ohm=0.0,
        c2_f=1.0,
        voltage_min_v=lo * nominal_voltage_v,
        voltage_max_v=hi * nominal_voltage_v,
        max_discharge_current_a=max_discharge_c * capacity_ah,
        max_charge_current_a=max_charge_c * capacity_ah,
        soc_min=soc_min,
        soc_max=soc_max,
    )


def cell_for_vehicle(spec: VehicleSpec) -> CellSpec | None:
    """The cell of a cell-built vehicle pack (a bundled name, or a file relative to the vehicle file);
    ``None`` for a pack-level shortcut."""
    b = spec.battery
    if not b.from_cell:
        return None
    from tyaga import cells

    assert b.cell is not None
    cell_ref = b.cell
    if spec.base_dir is not None and ("/" in cell_ref or cell_ref.endswith(".toml")):
        from pathlib import Path

        cell_ref = str(Path(spec.base_dir) / cell_ref)
    return cells.load(cell_ref)


def pack_for_vehicle(spec: VehicleSpec) -> PackModel:
    """The pack of a vehicle spec (loads the named cell for a cell-built pack)."""
    b = spec.battery
    cell = cell_for_vehicle(spec)
    if cell is not None:
        assert b.series is not None and b.parallel is not None
        return pack_from_cell(cell, b.series, b.parallel, b.soc_min, b.soc_max, b.max_discharge_c, b.max_charge_c)
    assert b.usable_energy_kwh is not None and b.nominal_voltage_v is not None
    dis, chg = SHORTCUT_C_RATES[spec.vehicle_class]
    return pack_shortcut(
        b.usable_energy_kwh * 1000.0,
        b.nominal_voltage_v,
        b.soc_min,
        b.soc_max,
        b.max_discharge_c or dis,
        b.max_charge_c or chg,
        b.resistance_ohm,
    )
