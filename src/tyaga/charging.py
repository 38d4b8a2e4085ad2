"""Charging: CC-CV and constant-power charges of a cell, a pack or a vehicle, built on :mod:`tyaga.protocol`.

A charge is a protocol of two steps run by :func:`tyaga.protocol.run_protocol` (no second integrator):

1. ``Charge at P until <to_soc> or <V_cv>`` — constant power ``P`` at the battery terminals (the charger's
   DC output, or the on-board charger's output for AC), its current clipped to the charge-current limit
   ``I_lim(SOC, T)``. Where the limit binds the charge is constant-current (CC), elsewhere constant-power
   (CP). Without a power limit (``charger_power_w=None``) this step is a constant current at the limit.
2. ``Hold at V_cv until <to_soc> or <cut-off current>`` — constant voltage (CV) at
   ``V_cv = min(V_max of the battery, V_max of the charger)``, still clipped to ``I_lim``.

Charge-current limit (a BMS's limit, the lower of all):

``I_lim(SOC, T) = min(I_charger, I_max · taper(SOC) · f_T(T))``

* ``I_max`` — the target's continuous charge limit (cell ``max_charge_c``, pack ``max_charge_current_a``);
* ``taper(SOC)`` — a current-vs-SOC curve (fraction of ``I_max``), linear between points: the chemistry's
  default (:data:`DEFAULT_TAPER`, tyaga's assumption, see ``docs/charging.md``) or the user's;
* ``f_T(T) = thermal.current_limit_factor(T, temperature_min_charge_c, temperature_max_charge_c)`` — tyaga's
  one charge-current temperature model (docs/thermal.md gives the engine the same for regen): 1 inside the
  cell's charge range, falling linearly to 0 over 10 K at its datasheet limits, 0 beyond (a BMS derating
  map). A pack without a cell uses :class:`~tyaga.cell.CellSpec`'s defaults, 0 … 45 °C;
* ``I_charger`` — the charger's output current limit (:data:`CHARGERS`).

The Arrhenius law acts on the resistance only: a pack's resistances follow the cell temperature
(``run_protocol(..., pack_resistance_factor=...)``, the cell's DC-resistance ratio from ``ecm_parameters``);
a cell's through ``ecm_parameters`` — so a cold pack reaches the CV voltage earlier and loses more.

Energy (sign: all positive into the battery): ``E_batt = ∫ V·|I| dt`` at the terminals (summed exactly by
the runner), ``E_stored = Q·∫ OCV dSOC`` (exact for the piecewise-linear OCV), ``E_rc = Σ ½·C_j·v_j²`` left in
the RC pairs at the end, battery losses ``E_loss,batt = E_batt − E_stored − E_rc`` (= ∫ I²R0 + Σ v_j²/R_j dt),
the charger's losses ``E_batt/η − E_batt`` (η: the off-board charger's, or the on-board charger's for AC), the
BTMS's electrical energy ``E_btms`` (drawn from the charger, booked at the grid; 0 without a thermal model)
and grid energy ``E_grid = E_batt / η + E_btms``. So ``E_grid = E_stored + E_rc + E_loss,batt +
E_loss,charger + E_btms``.

SOC is the chain's coulombic SOC of the target (1 = full, 0 … 1, as ``soc_end`` in ``tyaga simulate``);
``to_soc`` must lie inside a pack's window ``soc_min … soc_max``.

Temperature: without a thermal model (``thermal=None``) the cell temperature is an input — a constant
(default: the ambient temperature, an unconditioned pack) or a function of the time since the start [s]
(:func:`temperature_series`). With ``thermal="auto"`` (or a :class:`~tyaga.thermal.PackThermalParams`) it is a
state of the lumped model of :mod:`tyaga.thermal`, advanced after every sub-step of the runner
(``run_protocol(..., temperature_advance=...)``) by :func:`tyaga.thermal.pack_thermal_step`: heat in, the
battery's ``(OCV − V)·I`` and the BTMS heater; heat out, ``UA·(T − ambient)`` and the chiller. The temperature
feeds ``f_T`` and the resistances each sub-step, so a cold pack waits (``phase = "WAIT"``) while the heater,
powered by the charger, brings it into its window, then charges. A charge that cannot start (outside the
window with no heater, or a heater too weak for the ambient) is an :class:`InputError`; one that stalls
later ends at ``max_duration_s``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tyaga import thermal as th
from tyaga.battery import PackModel, cell_for_vehicle, pack_for_vehicle
from tyaga.cell import CellSpec, ecm_parameters
from tyaga.errors import InputError
from tyaga.protocol import Condition, ProtocolResult, Step, run_protocol
from tyaga.thermal import PackThermalParams, current_limit_factor
from tyaga.vehicle import VehicleSpec

FloatArray = npt.NDArray[np.float64]
ChargerKind = Literal["dc", "ac", "pantograph", "depot"]
CHARGER_KINDS: tuple[str, ...] = ("dc", "ac", "pantograph", "depot")

#: Default taper by chemistry: (SOC points, fraction of the continuous charge limit) — linear between points,
#: held beyond. An assumption of tyaga, shaped after published DC charging curves of graphite-anode EVs
#: (full current over the lower half of the SOC, falling towards the top where the anode potential nears
#: lithium plating); LFP's flat OCV and LTO's plating-free anode keep the current longer. docs/charging.md.
DEFAULT_TAPER: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "NMC": ((0.0, 0.5, 0.8, 0.9, 1.0), (1.0, 1.0, 0.5, 0.25, 0.1)),
    "NCA": ((0.0, 0.5, 0.8, 0.9, 1.0), (1.0, 1.0, 0.5, 0.25, 0.1)),
    "LMO": ((0.0, 0.5, 0.8, 0.9, 1.0), (1.0, 1.0, 0.5, 0.25, 0.1)),
    "LCO": ((0.0, 0.5, 0.8, 0.9, 1.0), (1.0, 1.0, 0.5, 0.25, 0.1)),
    "LFP": ((0.0, 0.6, 0.85, 0.95, 1.0), (1.0, 1.0, 0.5, 0.2, 0.1)),
    "LTO": ((0.0, 0.9, 1.0), (1.0, 1.0, 0.5)),
}
#: Chemistry assumed where a pack has no cell (a pack-level shortcut).
DEFAULT_CHEMISTRY = "NMC"


@dataclass(frozen=True)
class ChargerSpec:
    """A charger: its kind, output limits and efficiency (grid → battery terminals).

    ``power_w``: for ``"dc"``, ``"pantograph"`` and ``"depot"`` the rated DC output [W] (how such chargers are
    rated); for ``"ac"`` the AC supply of the wallbox or socket [W], of which the on-board charger (OBC) takes at
    most ``obc_max_power_w`` and delivers ``efficiency`` × that to the battery. ``None``: no power limit (a
    pure CC-CV). ``max_current_a``, ``voltage_min_v``, ``voltage_max_v``: the output window (DC kinds).
    """

    kind: ChargerKind
    power_w: float | None
    max_current_a: float = math.inf
    voltage_min_v: float = 0.0
    voltage_max_v: float = math.inf
    efficiency: float = 1.0
    obc_max_power_w: float = math.inf

    @property
    def battery_power_w(self) -> float | None:
        """Largest power the charger puts into the battery terminals [W] (``None``: unlimited)."""
        if self.power_w is None:
            return None
        if self.kind == "ac":
            return self.efficiency * min(self.power_w, self.obc_max_power_w)
        return self.power_w


#: Typical output limits of the off-board charger kinds (assumptions, docs/charging.md): current [A],
#: voltage window [V], efficiency grid → DC output, and the default rated power [W] of the CLI.
#: dc: CCS high-power chargers (500 A, 150–920 V class; 95 % typical at rated power);
#: pantograph: SAE J3105 / OppCharge mast chargers for buses (150–600 kW; 1000 A assumed);
#: depot: plug-in CCS depot chargers for buses (100–150 kW).
CHARGERS: dict[str, dict[str, float]] = {
    "dc": {"max_current_a": 500.0, "voltage_min_v": 150.0, "voltage_max_v": 920.0, "efficiency": 0.95,
           "power_w": 150e3},
    "pantograph": {"max_current_a": 1000.0, "voltage_min_v": 150.0, "voltage_max_v": 920.0, "efficiency": 0.95,
                   "power_w": 450e3},
    "depot": {"max_current_a": 500.0, "voltage_min_v": 150.0, "voltage_max_v": 920.0, "efficiency": 0.95,
              "power_w": 150e3},
    "ac": {"power_w": 11e3},
}
#: On-board charger rating by vehicle class [W] where the vehicle file gives none (assumption: 3-phase
#: 16 A × 400 V ≈ 11 kW for cars and vans, 22 kW for buses).
OBC_MAX_POWER_W: dict[str, float] = {"car": 11e3, "van": 11e3, "bus": 22e3, "trolleybus": 22e3}
#: CV phase ends when the current falls to this C-rate [1/h] (if the target SOC was not reached before).
CV_CUTOFF_C_RATE = 0.05
#: The window whose time every summary reports (SOC fractions).
REFERENCE_WINDOW = (0.10, 0.80)
#: Each of a charge's two steps ends (``end_reason = "max_duration"``) after ``max_duration_s``; default
#: ``max(MIN_MAX_DURATION_S, 20 × the expected duration)`` [s] — a guard against a charge that cannot proceed
#: (e.g. a pack held at its temperature limit), far beyond any charge that can.
MIN_MAX_DURATION_S = 6 * 3600.0
#: ASSUMPTION (tyaga): conductance from a charging pack to the ambient air, per kWh of gross pack energy
#: [W/(K·kWh)]: the enclosure's natural convection, ``thermal.UA_W_PER_K_PER_KWH["natural-air"]`` (0.5; h ≈ 10
#: W/(m²·K) on 0.05 m²/kWh, Incropera & DeWitt Table 1.1, docs/thermal.md). While the car is plugged in the
#: coolant loop carries the BTMS heater's or chiller's heat (``Q_btms``); it is not a path to the ambient.
CHARGE_AMBIENT_UA_W_PER_K_PER_KWH = th.UA_W_PER_K_PER_KWH["natural-air"]


class ChargingRangeWarning(UserWarning):
    """An input outside the range the charging model is validated for (e.g. the cell's charge temperatures)."""


@dataclass(frozen=True)
class ChargeResult:
    """One charge: ``data`` (time series, one row per sample) and ``summary`` (a flat dict).

    ``data`` columns: ``time_s``, ``soc``, ``current_a`` (tyaga's sign: + discharge, so < 0 here),
    ``charge_current_a`` (> 0 into the battery), ``voltage_v``, ``ocv_v``, ``charge_power_w`` (at the
    terminals, > 0), ``grid_power_w`` (charger input for the battery + BTMS draw), ``battery_loss_w``
    (I²R0 + Σ v_j²/R_j), ``charger_loss_w``, ``btms_power_w`` (electrical draw of heater + chiller at the
    row), ``current_limit_a`` (I_lim at the row), ``temperature_c``, ``energy_battery_wh``,
    ``energy_btms_wh`` and ``energy_grid_wh`` (cumulative), ``phase`` ("CC", "CP", "CV", or "WAIT" where the
    limit is 0: the pack outside its charge range), ``step``. The row where the CP/CC step hands over to the
    CV step appears twice, at the same time, once for each step (drop one where strictly increasing times
    are needed, as :mod:`tyaga.life` does).
    """

    data: pd.DataFrame
    summary: dict[str, Any]
    protocol: ProtocolResult = field(repr=False)
    warnings: tuple[str, ...] = ()


# ============================================================================================== model


def taper_function(soc_points: Sequence[float], fractions: Sequence[float]) -> Callable[[float], float]:
    """Taper ``f(SOC)``: linear interpolation of ``fractions`` (0 … 1) over ``soc_points`` (0 … 1, increasing)."""
    s = np.asarray(soc_points, dtype=float)
    f = np.asarray(fractions, dtype=float)
    if s.ndim != 1 or s.size < 1 or s.shape != f.shape:
        raise InputError("taper", f"{s.size} SOC points, {f.size} fractions", "equal, non-empty lists")
    if np.any(~np.isfinite(s)) or np.any(np.diff(s) <= 0) or s[0] < 0 or s[-1] > 1:
        raise InputError("taper SOC points", list(s), "strictly increasing SOCs within 0 … 1")
    if np.any(~np.isfinite(f)) or np.any(f <= 0) or np.any(f > 1):
        raise InputError("taper fractions", list(f), "fractions of the charge limit within 0 < f ≤ 1")
    sl, fl = s.tolist(), f.tolist()
    return lambda soc: float(np.interp(soc, sl, fl))


def default_taper(chemistry: str) -> Callable[[float], float]:
    """The chemistry's default taper (:data:`DEFAULT_TAPER`; an unknown chemistry gets NMC's)."""
    pts, fr = DEFAULT_TAPER.get(chemistry.upper(), DEFAULT_TAPER[DEFAULT_CHEMISTRY])
    return taper_function(pts, fr)


def temperature_series(time_s: Sequence[float], temperature_c: Sequence[float]) -> Callable[[float], float]:
    """A cell-temperature history as a function of time [s] → °C (linear, held beyond the ends), for
    ``charge(..., temperature_c=...)``."""
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(temperature_c, dtype=float)
    if t.ndim != 1 or t.size < 1 or t.shape != y.shape or np.any(np.diff(t) <= 0):
        raise InputError("temperature series", f"{t.size} times, {y.size} temperatures",
                         "equal lists, times strictly increasing")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise InputError("temperature series", "non-finite values", "finite times [s] and temperatures [°C]")
    tl, yl = t.tolist(), y.tolist()
    return lambda ts: float(np.interp(ts, tl, yl))


@dataclass(frozen=True)
class _Target:
    """What a charge needs of its target: the circuit, the cell (for chemistry and temperature range)."""

    name: str
    model: CellSpec | PackModel
    cell: CellSpec | None
    chemistry: str
    temperature_min_c: float
    temperature_max_c: float
    activation_energy_j_per_mol: float
    vehicle_class: str | None
    charger_efficiency: float | None  # the vehicle's OBC efficiency
    source: Any = None  # the target as resolved (a VehicleSpec for a name), for a second run


def _resolve(target: VehicleSpec | PackModel | CellSpec | str | Path, cell: CellSpec | None) -> _Target:
    if isinstance(target, (str, Path)):
        from tyaga import vehicles

        target = vehicles.load(target)
    if isinstance(target, VehicleSpec):
        pack = pack_for_vehicle(target)
        c = cell if cell is not None else cell_for_vehicle(target)
        return _with_cell(target.name, pack, c, target.vehicle_class, target.battery.charger_efficiency, target)
    if isinstance(target, PackModel):
        c = cell
        if c is None and target.cell_name:
            from tyaga import cells

            if target.cell_name in cells.names():
                c = cells.load(target.cell_name)
        name = f"pack {target.series}s{target.parallel}p {target.cell_name}" if target.cell_name else "pack"
        return _with_cell(name, target, c, None, None, target)
    if isinstance(target, CellSpec):
        return _with_cell(target.name, target, target, None, None, target)
    raise InputError("charge target", type(target).__name__,
                     "a vehicle name or file, a VehicleSpec, a PackModel or a CellSpec")


def _with_cell(name: str, model: CellSpec | PackModel, cell: CellSpec | None, vclass: str | None,
               eff: float | None, source: Any) -> _Target:
    if cell is not None:
        return _Target(name, model, cell, cell.chemistry, cell.temperature_min_charge_c,
                       cell.temperature_max_charge_c, cell.activation_energy_j_per_mol, vclass, eff, source)
    ref = CellSpec.model_fields  # a pack without a cell: CellSpec's defaults (0 … 45 °C, Ea 30 kJ/mol)
    return _Target(name, model, None, DEFAULT_CHEMISTRY, ref["temperature_min_charge_c"].default,
                   ref["temperature_max_charge_c"].default, ref["activation_energy_j_per_mol"].default, vclass,
                   eff, source)


def make_charger(kind: str, power_w: float | None, *, max_current_a: float | None = None,
                 voltage_max_v: float | None = None, efficiency: float | None = None,
                 obc_max_power_w: float | None = None, vehicle_efficiency: float | None = None,
                 vehicle_class: str | None = None) -> ChargerSpec:
    """A :class:`ChargerSpec` of ``kind`` with the defaults of :data:`CHARGERS`; given values override them.

    AC: the efficiency is the vehicle's ``battery.charger_efficiency`` (the OBC's) unless given, and the OBC
    rating is :data:`OBC_MAX_POWER_W` of the vehicle class unless given (unlimited for a bare cell or pack).
    """
    if kind not in CHARGER_KINDS:
        from tyaga.errors import suggest

        close = suggest(str(kind), CHARGER_KINDS)
        raise InputError("charger", kind, "dc, ac, pantograph or depot",
                         hint=f"did you mean {close!r}?" if close else None)
    if power_w is not None and not (math.isfinite(power_w) and power_w > 0):
        raise InputError("charger power", power_w, "a power > 0 W (the CLI: --charger-kw > 0)")
    for what, v in (("charger max current", max_current_a), ("charger max voltage", voltage_max_v),
                    ("OBC max power", obc_max_power_w)):
        if v is not None and not (v > 0 and not math.isnan(v)):
            raise InputError(what, v, "a value > 0")
    if efficiency is not None and not (0.0 < efficiency <= 1.0):
        raise InputError("charger efficiency", efficiency, "0 < η ≤ 1")
    d = CHARGERS[kind]
    if kind == "ac":
        eta = efficiency if efficiency is not None else (vehicle_efficiency if vehicle_efficiency else 1.0)
        obc = obc_max_power_w if obc_max_power_w is not None else OBC_MAX_POWER_W.get(vehicle_class or "", math.inf)
        return ChargerSpec("ac", power_w, max_current_a if max_current_a is not None else math.inf, 0.0,
                           voltage_max_v if voltage_max_v is not None else math.inf, eta, obc)
    return ChargerSpec(kind, power_w,  # type: ignore[arg-type]
                       max_current_a if max_current_a is not None else d["max_current_a"], d["voltage_min_v"],
                       voltage_max_v if voltage_max_v is not None else d["voltage_max_v"],
                       efficiency if efficiency is not None else d["efficiency"])


# ============================================================================================== charge


def charge(
    target: VehicleSpec | PackModel | CellSpec | str | Path,
    from_soc: float,
    to_soc: float,
    charger_power_w: float | None = None,
    charger_kind: str = "dc",
    *,
    ambient_c: float = 25.0,
    temperature_c: float | Callable[[float], float] | None = None,
    taper: Callable[[float], float] | tuple[Sequence[float], Sequence[float]] | None = None,
    charger: ChargerSpec | None = None,
    charger_current_a: float | None = None,
    charger_efficiency: float | None = None,
    obc_max_power_w: float | None = None,
    max_charge_current_a: float | None = None,
    cv_cutoff_c: float = CV_CUTOFF_C_RATE,
    cell: CellSpec | None = None,
    dt_s: float | None = None,
    reference_window: bool = True,
    thermal: PackThermalParams | Literal["auto"] | None = None,
    max_duration_s: float | None = None,
) -> ChargeResult:
    """Charge ``target`` from ``from_soc`` to ``to_soc`` (coulombic SOC, 0 … 1) on a charger.

    Parameters
    ----------
    target: a bundled vehicle name or vehicle TOML path, a :class:`VehicleSpec`, a :class:`PackModel` or a
        :class:`CellSpec` (a cell-level charge: powers and currents per cell).
    from_soc, to_soc: start and target SOC (``to_soc > from_soc``; within the pack's SOC window).
    charger_power_w: the charger's power [W] (DC kinds: rated output; AC: the supply, see
        :class:`ChargerSpec`); ``None``: no power limit, a plain CC-CV at the current limit.
    charger_kind: ``"dc"``, ``"ac"``, ``"pantograph"`` or ``"depot"`` (defaults in :data:`CHARGERS`).
    ambient_c: ambient temperature [°C]: the default of ``temperature_c``, and with ``thermal`` the sink of
        the pack's heat loss.
    temperature_c: cell temperature [°C], constant or a function of time [s] (:func:`temperature_series`);
        default ``ambient_c`` (a pack that was not preconditioned). With ``thermal``: the pack temperature at
        the start (a constant; e.g. 25 for a preconditioned pack).
    taper: ``f(SOC)`` → fraction of the current limit, or ``(soc_points, fractions)``; default by chemistry.
    charger: a full :class:`ChargerSpec` instead of ``charger_kind`` and the overrides below.
    charger_current_a, charger_efficiency, obc_max_power_w: overrides of the charger's defaults.
    max_charge_current_a: the battery's continuous charge limit [A]; default the target's.
    cv_cutoff_c: the CV phase ends at this C-rate [1/h] if ``to_soc`` is not reached first.
    cell: the cell of a :class:`PackModel` (chemistry, temperature range, Ea) when it is not bundled.
    dt_s: time step [s]; default about 1/2000 of the expected duration, 1 … 30 s. End conditions are located
        exactly within a step (Brent), so the SOC stops at ``to_soc`` to ~1e-9.
    reference_window: also report the 10 → 80 % time and grid energy (run separately if the window does
        not contain it).
    thermal: ``None`` (default): the temperature is the input ``temperature_c``; ``"auto"``: the pack
        temperature is a state of the lumped thermal model with :func:`default_charge_thermal` (a BTMS heater
        and chiller, powered by the charger); or the :class:`~tyaga.thermal.PackThermalParams` of one pack.
    max_duration_s: each of the two steps ends after this time [s] (``end_reason = "max_duration"``);
        default ``max(MIN_MAX_DURATION_S, 20 × the expected duration)``.

    Returns
    -------
    :class:`ChargeResult`. ``summary`` keys: ``name``, ``charger``, ``charger_power_w``, ``from_soc``,
    ``to_soc``, ``soc_end``, ``end_reason``, ``ambient_c``, ``temperature_c`` (start), ``duration_s``,
    ``energy_grid_wh``, ``energy_battery_wh``, ``energy_stored_wh``, ``energy_rc_wh``, ``battery_loss_wh``,
    ``charger_loss_wh``, ``loss_wh``, ``average_power_w``, ``peak_power_w`` (at the battery),
    ``average_grid_power_w``, ``peak_grid_power_w``, ``cv_start_soc``, ``current_limit_start_a``,
    ``time_10_80_s``, ``energy_grid_10_80_wh``, ``btms_energy_wh`` (0 without ``thermal``), ``thermal``
    ("input" or "coupled"), ``temperature_end_c``, ``temperature_max_c``, ``time_to_window_s`` (time of the
    first row with a current limit > 0: the heating wait), and with ``thermal`` the heat balance
    ``heat_generated_wh`` (Σ (OCV − V)·I·Δt), ``btms_heat_wh``, ``heat_stored_wh`` (C·ΔT) and
    ``heat_rejected_wh`` (to the ambient), ``None`` without; ``warnings``.

    Raises :class:`InputError` (field, value, allowed range) for bad input, and when the pack starts at or
    beyond its charge range with no heater (``thermal=None``), or with a BTMS that cannot bring it in.
    """
    tg = _resolve(target, cell)
    model = tg.model
    is_cell = isinstance(model, CellSpec)
    hi = 1.0 if is_cell else model.soc_max  # type: ignore[union-attr]
    for what, v in (("from_soc", from_soc), ("to_soc", to_soc)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and 0.0 <= v <= 1.0):
            raise InputError(what, v, "an SOC within 0 … 1 (the CLI: 0 … 100 %)")
    if to_soc <= from_soc:
        raise InputError("to_soc", to_soc, f"above the start SOC {from_soc:g} (a charge raises the SOC)",
                         hint="for a discharge use tyaga.protocol.run_protocol")
    if to_soc > hi + 1e-12:
        raise InputError("to_soc", to_soc, f"≤ {hi:g}, the top of {tg.name}'s SOC window")
    if not (math.isfinite(cv_cutoff_c) and cv_cutoff_c > 0):
        raise InputError("cv_cutoff_c", cv_cutoff_c, "a C-rate > 0")
    if not math.isfinite(ambient_c):
        raise InputError("ambient_c", ambient_c, "a finite temperature [°C]")
    if charger is None:
        charger = make_charger(charger_kind, charger_power_w, max_current_a=charger_current_a,
                               efficiency=charger_efficiency if charger_efficiency is not None
                               else (1.0 if is_cell and charger_kind != "ac" else None),
                               obc_max_power_w=obc_max_power_w, vehicle_efficiency=tg.charger_efficiency,
                               vehicle_class=tg.vehicle_class)
        if is_cell and charger_kind != "ac":  # a cell is charged by a lab supply: no vehicle-charger window
            charger = ChargerSpec(charger.kind, charger.power_w,
                                  charger_current_a if charger_current_a is not None else math.inf,
                                  efficiency=charger.efficiency)
    capacity_ah = model.capacity_ah
    v_max = model.voltage_max_v
    v_min = model.voltage_min_v
    i_max = (model.max_charge_c * capacity_ah if is_cell  # type: ignore[union-attr]
             else model.max_charge_current_a)  # type: ignore[union-attr]
    if max_charge_current_a is not None:
        if not (math.isfinite(max_charge_current_a) and max_charge_current_a > 0):
            raise InputError("max_charge_current_a", max_charge_current_a, "a current > 0 A")
        i_max = max_charge_current_a
    if charger.voltage_max_v < v_min or charger.voltage_min_v > v_max:
        raise InputError("charger voltage window", f"{charger.voltage_min_v:g} … {charger.voltage_max_v:g} V",
                         f"a window that overlaps {tg.name}'s {v_min:g} … {v_max:g} V")
    v_cv = min(v_max, charger.voltage_max_v)

    if taper is None:
        taper_fn = default_taper(tg.chemistry)
    elif callable(taper):
        taper_fn = taper
    else:
        taper_fn = taper_function(*taper)
    ea = tg.activation_energy_j_per_mol
    t_lo_c, t_hi_c = tg.temperature_min_c, tg.temperature_max_c
    if max_duration_s is not None and not (math.isfinite(max_duration_s) and max_duration_s > 0):
        raise InputError("max_duration_s", max_duration_s, "a duration > 0 s")

    # temperature: an input (constant or a function of time), or with `thermal` a state of the lumped model
    params = _thermal_params(thermal, tg)
    temp_in = ambient_c if temperature_c is None else temperature_c
    temp_field = "ambient_c" if temperature_c is None else "temperature_c"
    if callable(temp_in):
        if params is not None:
            raise InputError("temperature_c", "(a function of time)",
                             "a constant start temperature [°C] with thermal (the model then computes it)",
                             hint="give thermal=None for a prescribed temperature history")
        temp_arg: float | Callable[[float], float] = temp_in
        t_start_c = float(temp_in(0.0))
    else:
        temp_arg = t_start_c = float(temp_in)
    if not math.isfinite(t_start_c):
        raise InputError(temp_field, t_start_c, "a finite temperature [°C]")

    factor_cache: dict[float, float] = {}

    def temperature_factor(t_c: float) -> float:
        """The BMS's charge-current factor at T: thermal.current_limit_factor over the cell's charge range."""
        if t_c not in factor_cache:
            factor_cache[t_c] = float(current_limit_factor(t_c, t_lo_c, t_hi_c))
        return factor_cache[t_c]

    i_charger = charger.max_current_a

    def current_limit(soc: float, t_c: float) -> float:
        return min(i_charger, i_max * float(taper_fn(soc)) * temperature_factor(t_c))

    warm_limit = min(i_charger, i_max * float(taper_fn(from_soc)))  # the limit inside the window
    if not warm_limit > 0:
        raise InputError("charge current limit", f"{warm_limit:g} A at SOC {from_soc:g}",
                         "a current > 0 A (check the taper and the charger's current)")
    lim0 = current_limit(from_soc, t_start_c)
    thermal_state: _ChargeThermal | None = None
    if params is not None:
        _check_heater_reaches_window(params, t_start_c, ambient_c, tg, temp_field)
        thermal_state = _ChargeThermal(params, ambient_c, t_start_c)
    elif not lim0 > 0:
        raise InputError(temp_field, f"{t_start_c:g} °C (the cell temperature at the start)",
                         f"{t_lo_c:g} … {t_hi_c:g} °C, {tg.name}'s charge range (the charge current is 0 at and "
                         "beyond its limits)",
                         hint="precondition the pack (temperature_c=25, --cell-temperature-c 25) or let the "
                              "BTMS heat it (thermal='auto', --btms)")

    resistance_factor = None
    if not is_cell:
        window = 0.5 * (tg.model.soc_min + tg.model.soc_max)  # type: ignore[union-attr]
        resistance_factor = _pack_resistance_factor(tg.cell, ea, window)

    p_batt = charger.battery_power_w
    i_est = lim0 if params is None else warm_limit
    i_est = min(i_est, p_batt / v_cv if p_batt is not None else i_est)
    est_s = (to_soc - from_soc) * capacity_ah * 3600.0 / max(i_est, 1e-12)
    if dt_s is None:
        dt_s = float(min(30.0, max(1.0, est_s / 2000.0)))
    step_limit_s = max_duration_s if max_duration_s is not None else max(MIN_MAX_DURATION_S, 20.0 * est_s)
    until = (Condition("soc", to_soc),)
    if p_batt is not None:
        first = Step("charge", "power", p_batt, until=(*until, Condition("voltage", v_cv)),
                     text=f"Charge at {p_batt / 1e3:g} kW until {to_soc * 100:g} % or {v_cv:g} V")
    else:
        first = Step("charge", "current", i_max, until=(*until, Condition("voltage", v_cv)),
                     text=f"Charge at the current limit until {to_soc * 100:g} % or {v_cv:g} V")
    hold = Step("hold", "voltage", v_cv, until=(*until, Condition("c_rate", cv_cutoff_c)),
                text=f"Hold at {v_cv:g} V until {to_soc * 100:g} % or C/{1 / cv_cutoff_c:g}")
    res = run_protocol(model, [first, hold], soc_initial=from_soc, temperature_c=temp_arg, dt_s=dt_s,
                       max_step_s=step_limit_s, on_current_limit="clip", soc_window=not is_cell,
                       charge_current_limit_a=current_limit, pack_resistance_factor=resistance_factor,
                       temperature_advance=thermal_state.advance if thermal_state is not None else None)

    data, summary = _post(res, tg, charger, current_limit, resistance_factor, temp_arg, from_soc, to_soc, p_batt,
                          thermal_state)
    notes: list[str] = []
    temps = data["temperature_c"].to_numpy()
    outside = (temps <= t_lo_c) | (temps >= t_hi_c)
    if thermal_state is not None and outside[0]:
        notes.append(f"the pack started at {t_start_c:g} °C, outside {tg.name}'s charge range {t_lo_c:g} … "
                     f"{t_hi_c:g} °C: no charge current for the first {summary['time_to_window_s'] / 60:.1f} min "
                     f"while the BTMS conditioned it ({summary['btms_energy_wh'] / 1e3:.2f} kWh from the grid)")
    elif np.any(outside):
        shown = f"{temps[outside].min():g} … {temps[outside].max():g} °C"
        notes.append(f"cell temperature {shown} reached the limits of {tg.name}'s charge range {t_lo_c:g} … "
                     f"{t_hi_c:g} °C during the charge: the charge current is 0 there")
    if summary["soc_end"] < to_soc - 1e-9:
        notes.append(f"the charge ended at {summary['soc_end'] * 100:.2f} % SOC ({summary['end_reason']}), "
                     f"before the target {to_soc * 100:g} %")
    summary.update({"ambient_c": ambient_c, "temperature_c": t_start_c})
    if reference_window:
        a, b = REFERENCE_WINDOW
        if from_soc <= a + 1e-12 and summary["soc_end"] >= b - 1e-9:
            summary["time_10_80_s"], summary["energy_grid_10_80_wh"] = _window(data, a, b)
        elif b <= hi + 1e-12:
            ref = charge(tg.source, a, b, charger=charger, ambient_c=ambient_c, temperature_c=temperature_c,
                         taper=taper_fn, max_charge_current_a=max_charge_current_a, cv_cutoff_c=cv_cutoff_c,
                         cell=tg.cell, dt_s=dt_s, reference_window=False, thermal=params,
                         max_duration_s=max_duration_s)
            summary["time_10_80_s"] = ref.summary["duration_s"] if ref.summary["soc_end"] >= b - 1e-9 else None
            summary["energy_grid_10_80_wh"] = ref.summary["energy_grid_wh"]
        else:
            summary["time_10_80_s"] = summary["energy_grid_10_80_wh"] = None
    summary["warnings"] = notes
    for n in notes:
        warnings.warn(n, ChargingRangeWarning, stacklevel=2)
    return ChargeResult(data, summary, res, tuple(notes))


def _pack_resistance_factor(cell: CellSpec | None, ea: float, soc: float) -> Callable[[float], float]:
    """Factor on a pack's resistances at temperature T — the drive's: :func:`tyaga.thermal.resistance_factor_table`
    (the cell's DC resistance R0 + R1 + R2 at ``soc``, the middle of the pack's window, over its 25 °C value;
    a pack without a cell: the Arrhenius factor with ``ea``) on the engine's grid
    :data:`tyaga.engine.RFACTOR_GRID_C`, interpolated linearly and held beyond its ends."""
    from tyaga.engine import RFACTOR_GRID_C

    grid = np.asarray(RFACTOR_GRID_C)
    table = th.resistance_factor_table(cell, grid, soc=soc, activation_energy_j_per_mol=ea)
    g, f = grid.tolist(), np.asarray(table, dtype=float).tolist()
    return lambda t_c: float(np.interp(t_c, g, f))


# ============================================================================================== thermal


def default_charge_thermal(target: VehicleSpec | PackModel | CellSpec | str | Path,
                           cell: CellSpec | None = None) -> PackThermalParams:
    """The lumped thermal model of a charge with ``thermal="auto"`` (documented assumptions).

    A vehicle or a pack: :func:`tyaga.thermal.thermal_params_for_pack` with ``cooling="liquid-plate"`` — its
    heat capacity (cells + housing), its BTMS heater and chiller (``DEFAULT_HEATER_POWER_W_PER_KWH`` and
    ``DEFAULT_COOLER_POWER_W_PER_KWH``, 80 W per kWh; heater below 10 °C, chiller above 35 °C, 5 K band,
    heater efficiency 0.95, chiller COP 2.5; docs/thermal.md) — and the conductance to the ambient
    :data:`CHARGE_AMBIENT_UA_W_PER_K_PER_KWH` × kWh. A vehicle:
    :func:`tyaga.thermal.thermal_params_for_vehicle` (its file's ``battery.cooling``, ``heater_power_kw``,
    ``chiller_power_kw``; the same defaults where left out) — the parameters its drive uses with
    ``pack_thermal=True``. A cell: :func:`tyaga.thermal.thermal_params_for_cell` (its heat capacity, still
    air on its surface, no heater). Pass a :class:`~tyaga.thermal.PackThermalParams` to
    ``charge(thermal=...)`` for another BTMS.
    """
    return _default_thermal(_resolve(target, cell))


def _default_thermal(tg: _Target) -> PackThermalParams:
    model = tg.model
    if isinstance(model, CellSpec):
        return th.thermal_params_for_cell(model)
    if isinstance(tg.source, VehicleSpec):  # the vehicle file's cooling, heater and chiller
        return th.thermal_params_for_vehicle(tg.source, model, tg.cell)
    kwh = model.energy_wh / 1000.0
    return th.thermal_params_for_pack(model, tg.cell, "liquid-plate",
                                      ua_w_per_k=CHARGE_AMBIENT_UA_W_PER_K_PER_KWH * kwh)


def _thermal_params(thermal: PackThermalParams | str | None, tg: _Target) -> PackThermalParams | None:
    if thermal is None:
        return None
    if isinstance(thermal, str):
        if thermal != "auto":
            raise InputError("thermal", thermal, "None (temperature as input), 'auto' or a PackThermalParams")
        return _default_thermal(tg)
    if not isinstance(thermal, PackThermalParams):
        raise InputError("thermal", type(thermal).__name__,
                         "None (temperature as input), 'auto' or a PackThermalParams")
    if len(thermal) != 1:
        raise InputError("thermal", f"{len(thermal)} designs", "the parameters of one pack (one design)")
    return thermal


def _net_heat_w(params: PackThermalParams, temperature_c: float, ambient_c: float) -> float:
    """Heat into the pack at zero current [W]: the BTMS's minus the loss to the ambient."""
    q_btms, _ = th.btms_power(temperature_c, params)
    return float(q_btms[0]) - float(params.ua_w_per_k[0]) * (temperature_c - ambient_c)


def _check_heater_reaches_window(params: PackThermalParams, start_c: float, ambient_c: float, tg: _Target,
                                 field: str) -> None:
    """A pack outside its charge range draws no current, so only the BTMS can bring it in: refuse a charge
    whose BTMS cannot (net heat at the range's limit ≤ 0 at zero current; ``_net_heat_w`` falls with T)."""
    lo, hi = tg.temperature_min_c, tg.temperature_max_c
    if lo < start_c < hi:
        return
    cold = start_c <= lo
    edge = lo if cold else hi
    net = _net_heat_w(params, edge, ambient_c)
    if (net > 0.0) if cold else (net < 0.0):
        return
    ua = float(params.ua_w_per_k[0])
    power = float(params.heater_max_power_w[0] if cold else params.cooler_max_power_w[0])
    what = "heater" if cold else "chiller"
    raise InputError(field, f"{start_c:g} °C (the pack at the start; ambient {ambient_c:g} °C)",
                     f"{lo:g} … {hi:g} °C, {tg.name}'s charge range (no charge current at and beyond its limits), "
                     f"or a BTMS that brings the pack there",
                     hint=f"the BTMS {what} ({power:g} W, acting {'below' if cold else 'above'} "
                     f"{float(params.heater_on_below_c[0] if cold else params.cooler_on_above_c[0]):g} °C) "
                     f"against the loss UA·(T − ambient) = {ua:g} W/K × ({edge:g} − {ambient_c:g}) K leaves "
                     f"{net:g} W at {edge:g} °C; give a larger {what} (thermal=PackThermalParams) or a "
                     "preconditioned temperature_c")


class _ChargeThermal:
    """The pack temperature as a state of a charge: one :func:`tyaga.thermal.pack_thermal_step` per sub-step
    of the protocol runner (its ``temperature_advance`` hook), with a log of the step's heats."""

    def __init__(self, params: PackThermalParams, ambient_c: float, start_c: float) -> None:
        self.params = params
        self.ambient_c = ambient_c
        self.temperature_c = start_c
        #: per sub-step: dt [s], Q_gen [W], Q_btms [W], BTMS electrical [W], stored [J], rejected [J]
        self.log: list[tuple[float, float, float, float, float, float]] = []

    def advance(self, time_s: float, dt_s: float, current_a: float, ocv_v: float, voltage_v: float) -> float:
        s = th.pack_thermal_step(self.temperature_c, current_a, ocv_v, voltage_v, self.ambient_c, self.params,
                                 dt_s)
        row = tuple(float(np.ravel(x)[0]) for x in (s.q_irreversible_w + s.q_reversible_w, s.q_btms_w,
                                                      s.btms_electrical_power_w, s.stored_j, s.rejected_j))
        self.log.append((dt_s, *row))  # type: ignore[arg-type]
        self.temperature_c = float(np.ravel(s.temperature_c)[0])
        return self.temperature_c


def _ocv_table(model: CellSpec | PackModel) -> tuple[FloatArray, FloatArray]:
    if isinstance(model, CellSpec):
        return np.asarray(model.ocv.soc, float), np.asarray(model.ocv.voltage_v, float)
    return np.linspace(0.0, 1.0, model.ocv_v.size), np.asarray(model.ocv_v, float)


def ocv_energy_wh(model: CellSpec | PackModel, soc_a: float, soc_b: float) -> float:
    """``Q · ∫_a^b OCV dSOC`` [Wh], exact for the piecewise-linear OCV table the runner uses."""
    g, v = _ocv_table(model)
    inner = g[(g > soc_a) & (g < soc_b)]
    s = np.concatenate([[soc_a], inner, [soc_b]])
    u = np.interp(s, g, v)
    return float(np.sum(0.5 * (u[1:] + u[:-1]) * np.diff(s)) * model.capacity_ah)


def _params_rows(model: CellSpec | PackModel, soc: FloatArray, temp: FloatArray,
                 factor: Callable[[float], float] | None) -> dict[str, FloatArray]:
    if isinstance(model, CellSpec):
        return ecm_parameters(model, soc, temp)
    f = np.array([factor(float(t)) for t in temp]) if factor is not None else np.ones_like(soc)
    return {"r0_ohm": model.r0_ohm * f, "r1_ohm": model.r1_ohm * f, "c1_f": np.full_like(soc, model.c1_f),
            "r2_ohm": model.r2_ohm * f, "c2_f": np.full_like(soc, model.c2_f)}


def _thermal_rows(res: ProtocolResult, ts: _ChargeThermal) -> tuple[FloatArray, FloatArray]:
    """Per row of ``res.data``: the BTMS's instantaneous electrical power [W] and its cumulative energy [Wh].

    The runner calls the hook once per loop pass, and each pass records one row after the step's start row,
    so the log's entries belong, in order, to the rows that do not start a step."""
    d = res.data
    steps = d["step"].to_numpy()
    starts = np.concatenate([[True], steps[1:] != steps[:-1]])
    log = np.asarray(ts.log, dtype=float).reshape(-1, 6)
    if log.shape[0] != int(np.count_nonzero(~starts)):  # the runner's contract (protocol.run_protocol)
        raise RuntimeError(f"thermal log has {log.shape[0]} sub-steps for {np.count_nonzero(~starts)} rows")
    step_wh = np.zeros(d.shape[0])
    step_wh[~starts] = log[:, 0] * log[:, 3] / 3600.0
    _, p_el = th.btms_power(d["temperature_c"].to_numpy(), ts.params)
    return np.asarray(p_el, dtype=float), np.cumsum(step_wh)


def _post(res: ProtocolResult, tg: _Target, charger: ChargerSpec, limit: Callable[[float, float], float],
          factor: Callable[[float], float] | None, temp: float | Callable[[float], float], soc0: float,
          soc1: float, p_set_w: float | None,
          ts: _ChargeThermal | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    d = res.data
    if ts is not None:
        btms_w, btms_wh = _thermal_rows(res, ts)
    else:
        btms_w = btms_wh = np.zeros(d.shape[0])
    empty = res.steps["step"][res.steps["duration_s"] <= 0.0].to_numpy()
    if empty.size and empty.size < len(res.steps):  # a step met at start leaves one row of its own control
        keep = ~d["step"].isin(empty).to_numpy()
        d = d[keep].reset_index(drop=True)
        btms_w, btms_wh = btms_w[keep], btms_wh[keep]
    model = tg.model
    t = d["time_s"].to_numpy()
    soc = d["soc"].to_numpy()
    i = d["current_a"].to_numpy()
    v = d["voltage_v"].to_numpy()
    if ts is not None:
        temp_rows = d["temperature_c"].to_numpy()
    else:
        temp_rows = np.array([temp(float(x)) for x in t]) if callable(temp) else np.full(t.size, float(temp))
    prm = _params_rows(model, soc, temp_rows, factor)
    v1, v2 = d["v_rc1_v"].to_numpy(), d["v_rc2_v"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rc_loss = (np.where(prm["r1_ohm"] > 0, v1**2 / prm["r1_ohm"], 0.0)
                   + np.where(prm["r2_ohm"] > 0, v2**2 / prm["r2_ohm"], 0.0))
    eta = charger.efficiency
    p_batt = -i * v
    lim = np.array([limit(float(s), float(tc)) for s, tc in zip(soc, temp_rows, strict=True)])
    steps = d["step"].to_numpy()
    cc = d["limited"].to_numpy()
    cp_step = p_set_w is not None  # the first step is constant power (CP, or CC where the limit binds)
    phase = np.where(lim <= 0.0, "WAIT", np.where(steps == 1, "CV", np.where(cc | (not cp_step), "CC", "CP")))
    e_batt = -d["energy_wh"].to_numpy()
    grid_w = p_batt / eta + btms_w
    data = pd.DataFrame({
        "time_s": t, "soc": soc, "current_a": i, "charge_current_a": -i, "voltage_v": v,
        "ocv_v": d["ocv_v"].to_numpy(), "charge_power_w": p_batt, "grid_power_w": grid_w,
        "battery_loss_w": i**2 * prm["r0_ohm"] + rc_loss, "charger_loss_w": p_batt * (1.0 / eta - 1.0),
        "btms_power_w": btms_w, "current_limit_a": lim, "temperature_c": temp_rows, "energy_battery_wh": e_batt,
        "energy_btms_wh": btms_wh, "energy_grid_wh": e_batt / eta + btms_wh, "phase": phase, "step": steps,
    })
    soc_end = float(soc[-1])
    duration = float(t[-1])
    e_b = float(e_batt[-1])
    e_stored = ocv_energy_wh(model, soc0, soc_end)
    e_rc = 0.5 * float(prm["c1_f"][-1] * v1[-1] ** 2 * (prm["r1_ohm"][-1] > 0)
                       + prm["c2_f"][-1] * v2[-1] ** 2 * (prm["r2_ohm"][-1] > 0)) / 3600.0
    e_btms = float(btms_wh[-1])
    e_grid = e_b / eta + e_btms
    cv_rows = steps == 1
    cv_start = float(soc[cv_rows][0]) if np.any(cv_rows) and float(res.steps["duration_s"].iloc[1]) > 0 else None
    steps_df = res.steps
    reason = str(steps_df["end_reason"].iloc[-1] if steps_df["duration_s"].iloc[-1] > 0
                 else steps_df["end_reason"].iloc[0])
    summary: dict[str, Any] = {
        "name": tg.name, "charger": charger.kind, "charger_power_w": charger.power_w,
        "charger_efficiency": eta, "from_soc": soc0, "to_soc": soc1, "soc_end": soc_end, "end_reason": reason,
        "duration_s": duration, "energy_grid_wh": e_grid, "energy_battery_wh": e_b, "energy_stored_wh": e_stored,
        "energy_rc_wh": e_rc, "battery_loss_wh": e_b - e_stored - e_rc, "charger_loss_wh": e_b / eta - e_b,
        "btms_energy_wh": e_btms, "loss_wh": e_grid - e_stored - e_rc,
        "average_power_w": e_b * 3600.0 / duration if duration > 0 else float("nan"),
        "peak_power_w": float(np.max(p_batt)),
        "average_grid_power_w": e_grid * 3600.0 / duration if duration > 0 else float("nan"),
        "peak_grid_power_w": float(np.max(grid_w)), "cv_start_soc": cv_start,
        "cv_voltage_v": min(model.voltage_max_v, charger.voltage_max_v),
        "current_limit_start_a": float(lim[0]),
        "thermal": "coupled" if ts is not None else "input",
        "temperature_end_c": float(temp_rows[-1]), "temperature_max_c": float(np.max(temp_rows)),
        "time_to_window_s": float(t[int(np.argmax(lim > 0.0))]) if np.any(lim > 0.0) else duration,
    }
    if ts is not None:
        log = np.asarray(ts.log, dtype=float).reshape(-1, 6)
        dt = log[:, 0]
        summary |= {"heat_generated_wh": float(dt @ log[:, 1]) / 3600.0,
                    "btms_heat_wh": float(dt @ log[:, 2]) / 3600.0,
                    "heat_stored_wh": float(np.sum(log[:, 4])) / 3600.0,
                    "heat_rejected_wh": float(np.sum(log[:, 5])) / 3600.0}
    else:
        summary |= dict.fromkeys(("heat_generated_wh", "btms_heat_wh", "heat_stored_wh", "heat_rejected_wh"))
    return data, summary


def _window(data: pd.DataFrame, a: float, b: float) -> tuple[float, float]:
    """Time [s] and grid energy [Wh] between the crossings of SOC ``a`` and ``b`` (linear between rows)."""
    soc = data["soc"].to_numpy()
    keep = np.concatenate([[True], np.diff(soc) > 0])  # drop repeated rows (step boundaries, holds)
    s, t, e = soc[keep], data["time_s"].to_numpy()[keep], data["energy_grid_wh"].to_numpy()[keep]
    ta, tb = np.interp([a, b], s, t)
    ea_, eb = np.interp([a, b], s, e)
    return float(tb - ta), float(eb - ea_)


def charge_many(targets: Sequence[VehicleSpec | PackModel | CellSpec | str | Path], from_soc: float,
                to_soc: float, charger_power_w: float | None = None, charger_kind: str = "dc",
                **options: Any) -> pd.DataFrame:
    """:func:`charge` for several designs (a loop over the protocol runner, one design at a time): one
    summary row per design, in order."""
    rows = []
    for k, tgt in enumerate(targets):
        r = charge(tgt, from_soc, to_soc, charger_power_w, charger_kind, **options)
        rows.append({"design": k} | {key: val for key, val in r.summary.items() if key != "warnings"}
                    | {"warnings": "; ".join(r.warnings)})
    return pd.DataFrame(rows)


#: A batch charge gives up after this time [s] (``end_reason = "max_duration"``): 72 h, beyond the slowest
#: charge of a bundled vehicle (a 12 m bus on 11 kW AC from a cold soak, about 20 h).
BATCH_MAX_DURATION_S = 72 * 3600.0


def charge_batch(
    vehicles: VehicleSpec | str | Path | Sequence[VehicleSpec | str | Path],
    from_soc: float,
    to_soc: float,
    charger_power_w: float | None = None,
    charger_kind: str = "dc",
    *,
    ambient_c: float = 25.0,
    temperature_c: float | None = None,
    thermal: bool = True,
    cv_cutoff_c: float = CV_CUTOFF_C_RATE,
    dt_s: float = 1.0,
    max_duration_s: float = BATCH_MAX_DURATION_S,
) -> pd.DataFrame:
    """The charge of :func:`charge` for a batch of vehicles on the batch axis, in one compiled call.

    The same two-step protocol (constant power or current up to ``V_cv``, then constant voltage), the same
    charge-current limit (charger current, the pack's limit × the chemistry's default taper × the BMS
    temperature derating), the same pack circuit and resistance factor, and with ``thermal`` the same lumped
    pack temperature with the vehicle's BTMS powered by the charger (:func:`tyaga.thermal.thermal_params_for_vehicle`)
    — stepped at a fixed ``dt_s`` by :func:`tyaga.engine.run_charge` instead of the protocol runner's located
    events; ``tests/test_charging.py`` checks it against :func:`charge` design by design. Without ``thermal``
    the temperature is held at ``temperature_c`` (default ``ambient_c``). No reference window is run.

    Returns one row per design: ``name``, ``duration_s``, ``soc_end``, ``end_reason`` (soc, cv_cutoff,
    max_duration), ``energy_battery_wh``, ``energy_btms_wh``, ``energy_grid_wh`` (battery ÷ charger
    efficiency + BTMS), ``battery_loss_wh``, ``peak_power_w``, ``average_power_w``, ``cv_start_soc``
    (NaN: no CV phase), ``wait_s`` (no current: the pack outside its charge window), ``temperature_end_c``,
    ``temperature_max_c``.
    """
    from tyaga import chain, engine

    if isinstance(vehicles, VehicleSpec | str | Path):
        vehicles = [vehicles]
    specs = [chain._resolve_vehicle(v) for v in vehicles]
    for name, v, lo, hi in (("from_soc", from_soc, 0.0, 1.0), ("to_soc", to_soc, 0.0, 1.0)):
        if not (math.isfinite(v) and lo <= v <= hi):
            raise InputError(name, v, f"{lo:g} … {hi:g}")
    if not to_soc > from_soc:
        raise InputError("to_soc", to_soc, f"above from_soc ({from_soc:g}): a charge raises the SOC")
    if not (math.isfinite(dt_s) and 0.01 <= dt_s <= 60.0):
        raise InputError("dt_s", dt_s, "0.01 … 60 s")
    start_c = ambient_c if temperature_c is None else temperature_c
    batch = chain.build_batch(specs, soc_initial=from_soc, ambient_c=ambient_c, pack_thermal=True,
                              pack_temperature_initial_c=start_c, hvac_on=False)
    params = batch.params.copy()
    if not thermal:  # the temperature held: no heat capacity to change, no BTMS
        params[:, engine.P["heat_capacity_j_per_k"]] = 1e300
        params[:, engine.P["heater_max_power_w"]] = 0.0
        params[:, engine.P["cooler_max_power_w"]] = 0.0
    n = len(specs)
    ctrl = np.zeros((n, len(engine.CHARGE_CTRL)))
    taper = np.zeros((n, engine.TAPER_POINTS))
    grid_soc = np.linspace(0.0, 1.0, engine.TAPER_POINTS)
    eff = np.zeros(n)
    for i, (spec, pk) in enumerate(zip(specs, batch.packs, strict=True)):
        if not (pk.soc_min - 1e-9 <= from_soc and to_soc <= pk.soc_max + 1e-9):
            raise InputError("to_soc" if to_soc > pk.soc_max else "from_soc", to_soc if to_soc > pk.soc_max
                             else from_soc, f"{pk.soc_min:g} … {pk.soc_max:g}, {spec.name}'s SOC window")
        tg = _resolve(spec, None)
        ch = make_charger(charger_kind, charger_power_w, vehicle_efficiency=tg.charger_efficiency,
                          vehicle_class=tg.vehicle_class)
        p_batt = ch.battery_power_w
        ctrl[i] = (0.0 if p_batt is None else p_batt, ch.max_current_a, min(pk.voltage_max_v, ch.voltage_max_v),
                   to_soc, cv_cutoff_c * pk.capacity_ah, dt_s, max_duration_s)
        fn = default_taper(tg.chemistry)
        taper[i] = [fn(x) for x in grid_soc]
        eff[i] = ch.efficiency
    res = engine.run_charge(params, batch.ocv_tables, ctrl, taper)
    col = {name: res[:, j] for j, name in enumerate(engine.CHARGE_SUMMARY)}
    wh = 1.0 / 3600.0
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.where(col["duration_s"] > 0, col["energy_battery_j"] / col["duration_s"], np.nan)
    return pd.DataFrame({
        "name": batch.names,
        "duration_s": col["duration_s"],
        "soc_end": col["soc_end"],
        "end_reason": [engine.CHARGE_ENDED_BY[int(c)] for c in col["end_code"]],
        "energy_battery_wh": col["energy_battery_j"] * wh,
        "energy_btms_wh": col["energy_btms_j"] * wh,
        "energy_grid_wh": col["energy_battery_j"] * wh / eff + col["energy_btms_j"] * wh,
        "battery_loss_wh": col["battery_loss_j"] * wh,
        "peak_power_w": col["peak_power_w"],
        "average_power_w": avg,
        "cv_start_soc": np.where(col["cv_start_soc"] >= 0, col["cv_start_soc"], np.nan),
        "wait_s": col["wait_s"],
        "temperature_end_c": col["temperature_end_c"],
        "temperature_max_c": col["temperature_max_c"],
    }).rename_axis("design")


def pack_from_published(energy_wh: float, series: int, peak_power_w: float,
                        cell: CellSpec | str = "nmc-samsung-94ah") -> tuple[PackModel, CellSpec]:
    """A pack sized from a vehicle's published figures, for comparisons with published charging times.

    The reference ``cell`` (its OCV shape, resistances, Ea, temperature range) is scaled to the capacity
    ``Q = energy_wh / (series · mean OCV)`` (resistances × Q_ref/Q, capacitances × Q/Q_ref, its ECM table
    dropped for the 25 °C constants), put ``series × 1``, with the SOC window 0 … 1 (the displayed SOC) and the
    continuous charge limit ``I_max = peak_power_w / (series · OCV(50 %))`` — the current at which the
    published peak power is reached near mid-SOC. Returns the pack and the scaled cell.
    """
    from tyaga import cells
    from tyaga.battery import pack_from_cell
    from tyaga.cell import ocv as cell_ocv

    base = cells.load(cell) if isinstance(cell, str) else cell
    for what, v in (("energy_wh", energy_wh), ("peak_power_w", peak_power_w)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(what, v, "> 0")
    if not (isinstance(series, int) and series >= 1):
        raise InputError("series", series, "an integer ≥ 1")
    mean_ocv_v = base.energy_wh / base.capacity_ah
    q = energy_wh / (series * mean_ocv_v)
    k = base.capacity_ah / q
    scaled = base.model_copy(update={"capacity_ah": q, "r0_ohm": base.r0_ohm * k, "r1_ohm": base.r1_ohm * k,
                                     "r2_ohm": base.r2_ohm * k, "c1_f": base.c1_f / k, "c2_f": base.c2_f / k,
                                     "ecm": None, "name": f"{base.name} scaled to {q:.4g} Ah"})
    i_max = peak_power_w / (series * float(cell_ocv(scaled, 0.5)))
    return pack_from_cell(scaled, series, 1, 0.0, 1.0, max_charge_c=i_max / q), scaled
