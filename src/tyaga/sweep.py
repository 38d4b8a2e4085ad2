"""Design spaces and the sweep runner: many variants of one vehicle, evaluated in batches, streamed to Parquet.

A :class:`Space` (a TOML file or a dict, ``docs/sweeps.md``) names a base vehicle, the variables that change
(a cell from a list, series/parallel counts, masses, Cd, motor power, payload, the ambient temperature, the
cycle …) as value lists or ranges, how designs are drawn from them (a full ``grid``, ``random`` or ``lhs``
Latin hypercube samples, seeded), the requirements as constraints and the objectives.

:func:`evaluate` turns a table of designs (``in_*`` columns) into results: ``out_*`` columns, ``feasible``
and ``reason`` (the first violated constraint, or why the design could not be built or driven). Designs are
run as one engine batch per condition (cycle, ambient) and stage: cheap figures first (mass, pack voltage
window, cost), then one pass of the cycle, then 0–100 km/h, then the range run (the costly one); a design that
fails a constraint at one stage is left out of the later ones (their ``out_*`` are NaN). Every figure equals
what :func:`tyaga.chain.simulate` gives for the same vehicle alone (the engine's designs are independent).

:func:`run` evaluates a space chunk by chunk (locally, or on a Dask cluster through
:func:`tyaga.distributed.map_chunks`), writing ``OUT/chunks/chunk-NNNNNN.parquet`` (each atomically) and
``OUT/manifest.json``; a rerun skips the chunks already finished. :func:`load_results` reads a folder back.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
import time
import typing
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ValidationError

from tyaga import engine
from tyaga.battery import PackModel, cell_for_vehicle, pack_for_vehicle
from tyaga.errors import InputError, suggest
from tyaga.vehicle import Battery, Body, Powertrain, VehicleSpec

FloatArray = npt.NDArray[np.float64]

#: Bumped when the meaning of a space's dict or of the result columns changes (part of the space hash).
FORMAT_VERSION = 1
#: Sampling methods.
SAMPLINGS = ("grid", "random", "lhs")
#: Largest number of designs a space may hold.
MAX_DESIGNS = 1_000_000_000
#: Largest number of random / LHS samples (the unit sample is drawn whole, then sliced per chunk).
MAX_SAMPLES = 5_000_000
#: Default number of designs per chunk (one Parquet file each; large enough for the engine's threads).
DEFAULT_CHUNK_SIZE = 1000
#: Designs per 0–100 km/h sub-batch at most (that run records time series: ≈ 0.36 MB per design).
ACCEL_SUB_BATCH = 64

#: Vehicle-file fields a space may vary, by table.
TABLE_VARIABLES: dict[str, tuple[type[BaseModel], tuple[str, ...]]] = {
    "body": (Body, ("mass_kg", "payload_kg", "drag_coefficient", "frontal_area_m2",
                    "rolling_resistance_coefficient", "rotating_mass_factor", "f0_n", "f1_n_per_mps",
                    "f2_n_per_mps2")),
    "powertrain": (Powertrain, ("motor_peak_power_kw", "motor_peak_torque_nm", "gear_ratio", "wheel_radius_m",
                                "regen_max_power_kw", "regen_min_speed_kmh", "aux_power_w", "gear_efficiency")),
    "battery": (Battery, ("cell", "series", "parallel", "usable_energy_kwh", "nominal_voltage_v", "resistance_ohm",
                          "soc_min", "soc_max", "max_discharge_c", "max_charge_c")),
}
#: Variables that set the condition a design is driven in, not the vehicle.
CONDITION_VARIABLES = ("cycle", "ambient_c")
_TABLE_OF = {name: table for table, (_, names) in TABLE_VARIABLES.items() for name in names}
KNOWN_VARIABLES = tuple(_TABLE_OF) + CONDITION_VARIABLES

#: Figures known without driving (computed for every design that can be built) and their units.
STATIC_OUTPUTS = {
    "test_mass_kg": "curb mass + payload [kg]",
    "usable_energy_wh": "energy in the SOC window at open circuit [Wh]",
    "pack_nominal_voltage_v": "mean OCV of the pack [V]",
    "pack_voltage_min_v": "pack voltage limit, low [V]",
    "pack_voltage_max_v": "pack voltage limit, high [V]",
    "pack_capacity_ah": "pack capacity [A·h]",
    "pack_cells_mass_kg": "mass of the cells (cell-built packs; NaN for a shortcut pack) [kg]",
    "pack_cells_cost_usd": "gross kWh × the cell's price (cell-built packs with a priced cell; else NaN) [USD]",
    "pack_cost_usd": "the cells plus the rest of the pack, non_cell_cost_usd_per_kwh × gross kWh (default "
                     "tyaga.pack.DEFAULT_NON_CELL_COST_USD_PER_KWH, 28.75; NaN where the cells' is) [USD]",
}
#: Figures of one pass of the cycle (the summary columns of :func:`tyaga.chain.simulate`).
CYCLE_OUTPUTS = {
    "energy_dc_wh_per_km": "net energy at the battery terminals per km [Wh/km]",
    "energy_ac_wh_per_km": "DC ÷ charger efficiency [Wh/km]",
    "trace_miss_s": "seconds more than 2 km/h below the trace [s]",
    "distance_km": "distance of one pass [km]",
    "soc_end": "SOC at the end of one pass",
    "voltage_min_v": "lowest terminal voltage on the pass [V]",
    "current_max_a": "largest battery current on the pass [A]",
    "battery_power_max_w": "largest battery power on the pass [W]",
    "limited_s": "seconds the battery limits held the power back [s]",
    "hvac_power_w": "steady cabin HVAC power at the ambient [W]",
}
ACCEL_OUTPUTS = {"accel_0_100_s": "0–100 km/h at full power from soc_max [s] (inf if never reached)"}
RANGE_OUTPUTS = {
    "range_km": "the cycle repeated from soc_max to the end of the SOC window [km]",
    "range_ended_by": "what ended the range run (soc_min, voltage_limit, max_distance, cannot_move) — text",
}
#: Figures that depend on the condition, in the order the stages run.
CONDITION_OUTPUTS = {**CYCLE_OUTPUTS, **ACCEL_OUTPUTS, **RANGE_OUTPUTS}
#: Battery life on the space's ``duty`` (:func:`tyaga.life.life`; computed last, for the designs that meet every
#: other constraint, when the space names a duty: ≈ 1.5 s a design).
LIFE_OUTPUTS = {
    "life_years": "years to 80 % capacity on the duty (inf if it stays above for the duty's years) [years]",
    "life_km": "km driven to 80 % capacity on the duty (inf likewise) [km]",
}
ALL_OUTPUTS = {**STATIC_OUTPUTS, **CONDITION_OUTPUTS, **LIFE_OUTPUTS}
#: Result columns whose meaning is not in the space's dict (part of the space hash): 2 = ``pack_cost_usd`` is the
#: whole pack (it was the cells alone, now ``pack_cells_cost_usd``).
RESULTS_VERSION = 2
#: Condition figures computed when a space does not list its ``outputs``.
DEFAULT_OUTPUTS = tuple(CONDITION_OUTPUTS)
_TEXT_OUTPUTS = {"range_ended_by"}
_STAGES = (("cycle", CYCLE_OUTPUTS), ("accel", ACCEL_OUTPUTS), ("range", RANGE_OUTPUTS))
_OPS = {">=": (lambda x, y: x >= y, "<"), "<=": (lambda x, y: x <= y, ">")}


class SweepStoppedError(RuntimeError):
    """Raised by :func:`run` when asked to stop after some chunks (tests of resuming)."""


# ---------------------------------------------------------------------------------------------- the space


@dataclass(frozen=True)
class Variable:
    """One variable of a space: a list of ``values``, or a range ``min … max`` (``steps`` levels on a grid;
    whole numbers step by ``step`` for series/parallel counts)."""

    name: str
    values: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    steps: int | None = None
    step: int = 1
    integer: bool = False
    text: bool = False

    def levels(self) -> list[Any]:
        """The values a grid takes for this variable."""
        if self.values is not None:
            return list(self.values)
        assert self.min is not None and self.max is not None
        if self.integer:
            return list(range(int(self.min), int(self.max) + 1, self.step))
        assert self.steps is not None
        return [float(x) for x in np.linspace(self.min, self.max, self.steps)]

    def from_unit(self, u: FloatArray) -> Any:
        """Values for unit samples ``u`` in [0, 1): a list is picked from evenly, a range is spread over."""
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(np.int64), len(self.values) - 1)
            return np.asarray(self.values, dtype=object if self.text else None)[idx]
        assert self.min is not None and self.max is not None
        if self.integer:
            levels = np.arange(int(self.min), int(self.max) + 1, self.step)
            idx = np.minimum((u * levels.size).astype(np.int64), levels.size - 1)
            return levels[idx]
        return self.min + u * (self.max - self.min)

    def to_dict(self) -> dict[str, Any]:
        if self.values is not None:
            return {"values": list(self.values)}
        d: dict[str, Any] = {"min": self.min, "max": self.max}
        if self.integer:
            if self.step != 1:
                d["step"] = self.step
        elif self.steps is not None:
            d["steps"] = self.steps
        return d


def _with_condition(d: dict[str, Any], cycle: str | None, ambient_c: float | str | None) -> dict[str, Any]:
    """``d`` plus the ``cycle`` / ``ambient_c`` keys of a constraint or objective that names its own condition."""
    if cycle is not None:
        d["cycle"] = cycle
    if ambient_c is not None:
        d["ambient_c"] = ambient_c
    return d


@dataclass(frozen=True)
class Constraint:
    """A requirement ``output op value`` (``op`` is ``>=`` or ``<=``), at the design's own condition or at
    the ``cycle`` / ``ambient_c`` given here (``ambient_c = "test"``: the test condition, climate off)."""

    output: str
    op: str
    value: float
    cycle: str | None = None
    ambient_c: float | str | None = None

    @property
    def column(self) -> str:
        return output_column(self.output, self.cycle, self.ambient_c)

    def to_dict(self) -> dict[str, Any]:
        return _with_condition({"output": self.output, "op": self.op, "value": self.value}, self.cycle,
                               self.ambient_c)


@dataclass(frozen=True)
class Objective:
    """An output to minimise or maximise (``sense``), at the design's condition or the one given here."""

    output: str
    sense: str
    cycle: str | None = None
    ambient_c: float | str | None = None

    @property
    def column(self) -> str:
        return output_column(self.output, self.cycle, self.ambient_c)

    def to_dict(self) -> dict[str, Any]:
        return _with_condition({"output": self.output, "sense": self.sense}, self.cycle, self.ambient_c)


def _ambient_tag(ambient_c: float | str | None) -> str:
    if ambient_c is None or ambient_c == "test" or (isinstance(ambient_c, float) and math.isnan(ambient_c)):
        return "test"
    a = float(ambient_c)
    return f"{'m' if a < 0 else ''}{abs(a):g}c".replace(".", "p")


def output_column(output: str, cycle: str | None = None, ambient_c: float | str | None = None) -> str:
    """Result column of a figure: ``out_<output>`` at the design's own condition, ``out_<output>__<cycle>_<amb>``
    at a condition a constraint or objective names (e.g. ``out_range_km__wltc3b_m20c``; ``test`` for the test
    condition; a part not given is the design's own, written ``own``)."""
    if (cycle is None and ambient_c is None) or output in STATIC_OUTPUTS or output in LIFE_OUTPUTS:
        return f"out_{output}"
    return f"out_{output}__{cycle or 'own'}_{'own' if ambient_c is None else _ambient_tag(ambient_c)}"


def _describe_condition(cycle: str, ambient_c: float | None) -> str:
    amb = "the test condition" if ambient_c is None else f"{ambient_c:g} °C"
    return f"at {amb} on {cycle}"


def _field_bounds(model: type[BaseModel], name: str) -> tuple[float, bool, float, bool]:
    """(low, low inclusive, high, high inclusive) of a numeric pydantic field."""
    lo, lo_inc, hi, hi_inc = -math.inf, True, math.inf, True
    for m in model.model_fields[name].metadata:
        for key, is_low, inc in (("gt", True, False), ("ge", True, True), ("lt", False, False),
                                 ("le", False, True)):
            v = getattr(m, key, None)
            if v is None:
                continue
            if is_low:
                lo, lo_inc = float(v), inc
            else:
                hi, hi_inc = float(v), inc
    return lo, lo_inc, hi, hi_inc


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


def _is_integer_field(name: str) -> bool:
    table = _TABLE_OF.get(name)
    if table is None:
        return False
    ann = TABLE_VARIABLES[table][0].model_fields[name].annotation
    return set(typing.get_args(ann) or (ann,)) - {type(None)} == {int}


def _parse_variable(name: str, raw: Any, sampling: str) -> Variable:
    field_name = f"variables.{name}"
    if name not in KNOWN_VARIABLES:
        close = suggest(name, KNOWN_VARIABLES)
        raise InputError(field_name, name, "one of " + ", ".join(KNOWN_VARIABLES),
                         hint=f"did you mean {close!r}?" if close else None)
    text = name in ("cell", "cycle")
    integer = _is_integer_field(name)
    if not isinstance(raw, dict):
        if isinstance(raw, list):
            raw = {"values": raw}
        elif _is_number(raw) or isinstance(raw, str):
            raw = {"values": [raw]}
        else:
            raise InputError(field_name, raw, "a table with values = [...] or min/max (steps for a grid)")
    unknown = set(raw) - {"values", "min", "max", "steps", "step"}
    if unknown:
        raise InputError(f"{field_name}.{sorted(unknown)[0]}", raw[sorted(unknown)[0]],
                         "values, min, max, steps or step")
    if "values" in raw:
        if set(raw) - {"values"}:
            raise InputError(field_name, raw, "either values = [...] or min/max, not both")
        vals = raw["values"]
        if not isinstance(vals, list) or not vals:
            raise InputError(f"{field_name}.values", vals, "a non-empty list")
        for v in vals:
            if text and not isinstance(v, str):
                raise InputError(f"{field_name}.values", v, "names (text)")
            if not text and not _is_number(v):
                raise InputError(f"{field_name}.values", v, "finite numbers")
            if integer and not float(v).is_integer():
                raise InputError(f"{field_name}.values", v, "whole numbers")
        if len(set(vals)) != len(vals):
            raise InputError(f"{field_name}.values", vals, "distinct values")
        vals = [v if text else (int(v) if integer else float(v)) for v in vals]
        var = Variable(name, values=tuple(vals), integer=integer, text=text)
    else:
        if text:
            raise InputError(field_name, raw, f"a list of names: {name} = {{ values = [...] }}")
        if "min" not in raw or "max" not in raw:
            raise InputError(field_name, raw, "min and max (or values = [...])")
        lo, hi = raw["min"], raw["max"]
        for key, v in (("min", lo), ("max", hi)):
            if not _is_number(v):
                raise InputError(f"{field_name}.{key}", v, "a finite number")
            if integer and not float(v).is_integer():
                raise InputError(f"{field_name}.{key}", v, "a whole number")
        if not lo < hi:
            raise InputError(f"{field_name}.max", hi, f"> min ({lo:g})")
        steps = raw.get("steps")
        step = raw.get("step", 1)
        if integer:
            if "steps" in raw:
                raise InputError(f"{field_name}.steps", steps, f"not for whole numbers ({name}): use step")
            if not (isinstance(step, int) and not isinstance(step, bool) and 1 <= step <= hi - lo):
                raise InputError(f"{field_name}.step", step, f"a whole number 1 … {hi - lo:g}")
        else:
            if "step" in raw:
                raise InputError(f"{field_name}.step", step, "steps = N (the number of grid levels)")
            if sampling == "grid" and steps is None:
                raise InputError(f"{field_name}.steps", None, "a number of grid levels ≥ 2 (sampling = 'grid')")
            if steps is not None and not (isinstance(steps, int) and not isinstance(steps, bool)
                                          and 2 <= steps <= 100_000):
                raise InputError(f"{field_name}.steps", steps, "a whole number 2 … 100000")
        if name != "ambient_c":
            table = _TABLE_OF[name]
            b_lo, lo_inc, b_hi, hi_inc = _field_bounds(TABLE_VARIABLES[table][0], name)
            below = hi < b_lo or (hi == b_lo and not lo_inc)
            above = lo > b_hi or (lo == b_hi and not hi_inc)
            if below or above:
                allowed = f"a range that meets {'>' if not lo_inc else '≥'} {b_lo:g} … {'<' if not hi_inc else '≤'} " \
                          f"{b_hi:g} ({table}.{name})"
                raise InputError(field_name, f"{lo:g} … {hi:g}", allowed)
        elif lo < -50 or hi > 60:
            raise InputError(field_name, f"{lo:g} … {hi:g}", "-50 … 60 °C")
        var = Variable(name, min=int(lo) if integer else float(lo), max=int(hi) if integer else float(hi),
                       steps=None if integer else steps, step=int(step) if integer else 1, integer=integer)
    if name == "ambient_c" and var.values is not None and any(not -50 <= v <= 60 for v in var.values):
        raise InputError(f"{field_name}.values", list(var.values), "-50 … 60 °C")
    return var


def _check_names(kind: str, field_name: str, names: Iterable[str]) -> None:
    from tyaga import cells, cycles

    loader = cells.load if kind == "cells" else cycles.load
    for n in names:
        try:
            loader(n)
        except InputError as exc:
            raise InputError(field_name, n, exc.allowed, hint=exc.hint) from None


def _parse_ambient(field_name: str, value: Any) -> float | str | None:
    if value is None or value == "test":
        return value
    if not _is_number(value) or not -50 <= float(value) <= 60:
        raise InputError(field_name, value, "-50 … 60 °C, or \"test\" (the test condition, climate off)")
    return float(value)


@dataclass(frozen=True)
class Space:
    """A design space: a base vehicle, variables, a sampling, conditions, constraints and objectives.

    Build it with :meth:`from_toml` or :meth:`from_dict` (the keys of ``docs/sweeps.md``); ``to_dict``
    returns the normalised dict that :meth:`from_dict` reads back (JSON-able).
    """

    vehicle: str
    variables: tuple[Variable, ...]
    name: str = "sweep"
    sampling: str = "grid"
    samples: int | None = None
    seed: int = 0
    chunk_size: int = DEFAULT_CHUNK_SIZE
    cycle: str = "wltc3b"
    ambient_c: float | None = None
    pack_thermal: bool = False
    cell_to_pack_mass_ratio: float | None = None
    constraints: tuple[Constraint, ...] = ()
    objectives_: tuple[Objective, ...] = field(default=(), repr=False)
    outputs: tuple[str, ...] = DEFAULT_OUTPUTS
    non_cell_cost_usd_per_kwh: float = math.nan  # NaN: tyaga.pack.DEFAULT_NON_CELL_COST_USD_PER_KWH
    duty: str | dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if math.isnan(self.non_cell_cost_usd_per_kwh):
            from tyaga.pack import DEFAULT_NON_CELL_COST_USD_PER_KWH

            object.__setattr__(self, "non_cell_cost_usd_per_kwh", float(DEFAULT_NON_CELL_COST_USD_PER_KWH))

    # ------------------------------------------------------------------------------ construction
    @classmethod
    def from_toml(cls, path: str | Path) -> Space:
        """Read a space TOML file (a relative vehicle path is taken from the file's folder)."""
        from tyaga.catalog import read_toml

        p = Path(path)
        if not p.is_file():
            raise InputError("space", str(path), "an existing TOML file")
        data = read_toml(p)
        veh = data.get("vehicle")
        if isinstance(veh, str) and ("/" in veh or veh.endswith(".toml")) and not Path(veh).is_absolute():
            data = {**data, "vehicle": str((p.parent / veh).resolve())}
        duty = data.get("duty")
        if isinstance(duty, str) and not Path(duty).is_absolute():
            data = {**data, "duty": str((p.parent / duty).resolve())}
        try:
            return cls.from_dict(data)
        except InputError as exc:
            raise exc.with_source(str(p)) from None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Space:
        """Build and check a space from a dict (the TOML layout)."""
        if not isinstance(d, dict):
            raise InputError("space", type(d).__name__, "a table (dict)")
        known = {"format_version", "name", "vehicle", "sampling", "samples", "seed", "chunk_size", "conditions",
                 "variables", "constraints", "objectives", "outputs", "cell_to_pack_mass_ratio",
                 "non_cell_cost_usd_per_kwh", "duty"}
        for k in d:
            if k not in known:
                close = suggest(str(k), known)
                raise InputError(str(k), d[k], "a key of a space: " + ", ".join(sorted(known)),
                                 hint=f"did you mean {close!r}?" if close else None)
        if d.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
            raise InputError("format_version", d.get("format_version"), str(FORMAT_VERSION))
        vehicle = d.get("vehicle")
        if not isinstance(vehicle, str) or not vehicle:
            raise InputError("vehicle", vehicle, "a bundled vehicle name or a vehicle TOML path")
        base = _base_vehicle(vehicle)
        name = d.get("name", "sweep")
        if not isinstance(name, str) or not name:
            raise InputError("name", name, "a non-empty text")
        sampling = d.get("sampling", "grid")
        if sampling not in SAMPLINGS:
            raise InputError("sampling", sampling, " or ".join(SAMPLINGS))
        samples = d.get("samples")
        if sampling == "grid":
            if samples is not None:
                raise InputError("samples", samples, "not with sampling = 'grid' (the grid sets the count)")
        elif not (isinstance(samples, int) and not isinstance(samples, bool) and 1 <= samples <= MAX_SAMPLES):
            raise InputError("samples", samples, f"a whole number 1 … {MAX_SAMPLES} (sampling = {sampling!r})")
        seed = d.get("seed", 0)
        if not (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**63):
            raise InputError("seed", seed, "a whole number ≥ 0")
        chunk_size = d.get("chunk_size", DEFAULT_CHUNK_SIZE)
        if not (isinstance(chunk_size, int) and not isinstance(chunk_size, bool) and 1 <= chunk_size <= 1_000_000):
            raise InputError("chunk_size", chunk_size, "a whole number 1 … 1000000")
        cond = d.get("conditions", {}) or {}
        if not isinstance(cond, dict):
            raise InputError("conditions", cond, "a table with cycle, ambient_c, pack_thermal")
        for k in cond:
            if k not in ("cycle", "ambient_c", "pack_thermal"):
                raise InputError(f"conditions.{k}", cond[k], "cycle, ambient_c or pack_thermal")
        cycle = cond.get("cycle", "wltc3b")
        if not isinstance(cycle, str):
            raise InputError("conditions.cycle", cycle, "a cycle name or path")
        _check_names("cycles", "conditions.cycle", [cycle])
        amb = _parse_ambient("conditions.ambient_c", cond.get("ambient_c"))
        ambient_c = None if amb in (None, "test") else float(amb)
        pack_thermal = cond.get("pack_thermal", False)
        if not isinstance(pack_thermal, bool):
            raise InputError("conditions.pack_thermal", pack_thermal, "true or false")

        raw_vars = d.get("variables", {}) or {}
        if not isinstance(raw_vars, dict) or not raw_vars:
            raise InputError("variables", raw_vars, "a table of at least one variable")
        variables = tuple(_parse_variable(str(k), v, sampling) for k, v in raw_vars.items())
        names = [v.name for v in variables]
        for v in variables:
            if v.name == "cell":
                _check_names("cells", "variables.cell.values", v.values or ())
            if v.name == "cycle":
                _check_names("cycles", "variables.cycle.values", v.values or ())
        if not base.battery.from_cell and ({"cell", "series", "parallel"} & set(names)) and not (
                {"cell", "series", "parallel"} <= set(names)):
            raise InputError("variables", sorted({"cell", "series", "parallel"} & set(names)),
                             f"cell, series and parallel together ({base.name} has a pack-level shortcut battery)")
        if base.battery.from_cell and {"usable_energy_kwh", "nominal_voltage_v", "resistance_ohm"} & set(names):
            raise InputError("variables", sorted({"usable_energy_kwh", "nominal_voltage_v", "resistance_ohm"}
                                                 & set(names)),
                             f"cell/series/parallel variables ({base.name} has a cell-built pack)")
        ratio = d.get("cell_to_pack_mass_ratio")
        if ratio is not None:
            if not (_is_number(ratio) and 0 < ratio <= 1):
                raise InputError("cell_to_pack_mass_ratio", ratio, "0 < ratio ≤ 1 (cell mass / pack mass)")
            if not base.battery.from_cell and "cell" not in names:
                raise InputError("cell_to_pack_mass_ratio", ratio, f"a cell-built pack ({base.name} has a "
                                 "pack-level shortcut battery)")
            ratio = float(ratio)

        from tyaga.pack import DEFAULT_NON_CELL_COST_USD_PER_KWH

        non_cell = d.get("non_cell_cost_usd_per_kwh", DEFAULT_NON_CELL_COST_USD_PER_KWH)
        if not (_is_number(non_cell) and 0 <= non_cell <= 5000):
            raise InputError("non_cell_cost_usd_per_kwh", non_cell, "0 … 5000 USD/kWh (the pack but its cells)")
        duty = d.get("duty")
        if duty is not None:
            from tyaga.life import load_duty

            if not isinstance(duty, str | dict):
                raise InputError("duty", duty, "a duty TOML path or an inline table (docs/life.md)")
            if isinstance(duty, str) and not Path(duty).is_file():
                raise InputError("duty", duty, "an existing duty TOML file (docs/life.md)")
            try:
                load_duty(duty)
            except InputError as exc:
                raise InputError(f"duty: {exc.field}", exc.value, exc.allowed) from None

        outputs = d.get("outputs", list(DEFAULT_OUTPUTS))
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise InputError("outputs", outputs, "a list of output names")
        for o in outputs:
            if o not in CONDITION_OUTPUTS:
                close = suggest(o, CONDITION_OUTPUTS)
                raise InputError("outputs", o, "names of " + ", ".join(CONDITION_OUTPUTS) + " (the static ones, "
                                 + ", ".join(STATIC_OUTPUTS) + ", always come)",
                                 hint=f"did you mean {close!r}?" if close else None)
        outputs = [o for o in CONDITION_OUTPUTS if o in outputs]  # stage order, no repeats

        def _target(kind: str, i: int, raw: Any, keys: set[str]) -> dict[str, Any]:
            where = f"{kind}[{i}]"
            if not isinstance(raw, dict):
                raise InputError(where, raw, "a table")
            for k in raw:
                if k not in keys:
                    raise InputError(f"{where}.{k}", raw[k], ", ".join(sorted(keys)))
            out = raw.get("output")
            if out not in ALL_OUTPUTS or out in _TEXT_OUTPUTS:
                close = suggest(str(out), ALL_OUTPUTS)
                raise InputError(f"{where}.output", out, "one of " + ", ".join(o for o in ALL_OUTPUTS
                                                                                 if o not in _TEXT_OUTPUTS),
                                 hint=f"did you mean {close!r}?" if close else None)
            cyc = raw.get("cycle")
            if cyc is not None:
                if not isinstance(cyc, str):
                    raise InputError(f"{where}.cycle", cyc, "a cycle name or path")
                _check_names("cycles", f"{where}.cycle", [cyc])
            return {"output": out, "cycle": cyc, "ambient_c": _parse_ambient(f"{where}.ambient_c",
                                                                             raw.get("ambient_c"))}

        constraints = []
        for i, raw in enumerate(d.get("constraints", []) or []):
            t = _target("constraints", i, raw, {"output", "op", "value", "cycle", "ambient_c"})
            op, value = raw.get("op"), raw.get("value")
            if op not in _OPS:
                raise InputError(f"constraints[{i}].op", op, "'>=' or '<='")
            if not _is_number(value):
                raise InputError(f"constraints[{i}].value", value, "a finite number")
            constraints.append(Constraint(t["output"], op, float(value), t["cycle"], t["ambient_c"]))
            if t["output"] in LIFE_OUTPUTS and duty is None:
                raise InputError(f"constraints[{i}].output", t["output"], "an output the space can compute: "
                                 f"{t['output']} needs a duty (the key duty = 'duty.toml', docs/life.md)")
        objectives = []
        for i, raw in enumerate(d.get("objectives", []) or []):
            t = _target("objectives", i, raw, {"output", "sense", "cycle", "ambient_c"})
            sense = raw.get("sense")
            if sense not in ("min", "max"):
                raise InputError(f"objectives[{i}].sense", sense, "'min' or 'max'")
            objectives.append(Objective(t["output"], sense, t["cycle"], t["ambient_c"]))
            if t["output"] in LIFE_OUTPUTS and duty is None:
                raise InputError(f"objectives[{i}].output", t["output"], "an output the space can compute: "
                                 f"{t['output']} needs a duty (the key duty = 'duty.toml', docs/life.md)")
        space = cls(vehicle=vehicle, variables=variables, name=name, sampling=sampling, samples=samples, seed=seed,
                    chunk_size=chunk_size, cycle=cycle, ambient_c=ambient_c, pack_thermal=pack_thermal,
                    cell_to_pack_mass_ratio=ratio, constraints=tuple(constraints), objectives_=tuple(objectives),
                    outputs=tuple(outputs), non_cell_cost_usd_per_kwh=float(non_cell), duty=duty)
        if space.n_designs > MAX_DESIGNS:
            raise InputError("variables", f"{space.n_designs} grid designs", f"≤ {MAX_DESIGNS} designs",
                             hint="use fewer levels, or sampling = 'lhs' with samples = N")
        return space

    def to_dict(self) -> dict[str, Any]:
        """The space as a JSON-able dict that :meth:`from_dict` reads back to an equal space."""
        cond: dict[str, Any] = {"cycle": self.cycle, "pack_thermal": self.pack_thermal}
        if self.ambient_c is not None:
            cond["ambient_c"] = self.ambient_c
        d: dict[str, Any] = {
            "format_version": FORMAT_VERSION, "name": self.name, "vehicle": self.vehicle,
            "sampling": self.sampling, "seed": self.seed, "chunk_size": self.chunk_size, "conditions": cond,
            "variables": {v.name: v.to_dict() for v in self.variables},
            "constraints": [c.to_dict() for c in self.constraints],
            "objectives": [o.to_dict() for o in self.objectives_],
            "outputs": list(self.outputs),
        }
        if self.samples is not None:
            d["samples"] = self.samples
        if self.cell_to_pack_mass_ratio is not None:
            d["cell_to_pack_mass_ratio"] = self.cell_to_pack_mass_ratio
        d["non_cell_cost_usd_per_kwh"] = self.non_cell_cost_usd_per_kwh
        if self.duty is not None:
            d["duty"] = self.duty
        return d

    @functools.cached_property
    def hash(self) -> str:
        """SHA-256 of the normalised dict (names a space's results folder)."""
        # not sort_keys: the order of the variables sets the designs (grid order, sample columns)
        payload = {**self.to_dict(), "results_version": RESULTS_VERSION}
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()

    # ------------------------------------------------------------------------------ designs
    @property
    def objectives(self) -> list[tuple[str, str]]:
        """The objectives as (``out_*`` column, ``"min"`` | ``"max"``)."""
        return [(o.column, o.sense) for o in self.objectives_]

    @functools.cached_property
    def _shape(self) -> tuple[int, ...]:
        return tuple(len(v.levels()) for v in self.variables)

    @property
    def n_designs(self) -> int:
        """Number of designs: the grid's size, or ``samples``."""
        if self.sampling == "grid":
            return int(math.prod(self._shape))
        assert self.samples is not None
        return self.samples

    @property
    def n_chunks(self) -> int:
        """Number of chunks of ``chunk_size`` designs."""
        return -(-self.n_designs // self.chunk_size)

    def chunk_bounds(self, chunk_id: int) -> tuple[int, int]:
        """First and one-past-last design of a chunk."""
        if not (isinstance(chunk_id, int | np.integer) and 0 <= chunk_id < self.n_chunks):
            raise InputError("chunk_id", chunk_id, f"0 … {self.n_chunks - 1}")
        start = int(chunk_id) * self.chunk_size
        return start, min(start + self.chunk_size, self.n_designs)

    def designs(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        """Designs ``start … stop − 1`` as ``design_id`` and ``in_*`` columns (the same rows on every call:
        a grid is enumerated with the last variable fastest, samples come from the seeded generator).
        ``in_cycle`` and ``in_ambient_c`` (NaN: the test condition) are always there."""
        n = self.n_designs
        stop = n if stop is None else stop
        if not (0 <= start <= stop <= n):
            raise InputError("designs", f"{start} … {stop}", f"0 ≤ start ≤ stop ≤ {n}")
        ids = np.arange(start, stop, dtype=np.int64)
        cols: dict[str, Any] = {"design_id": ids}
        if self.sampling == "grid":
            idx = np.unravel_index(ids, self._shape) if ids.size else [np.zeros(0, np.int64)] * len(self.variables)
            for v, ix in zip(self.variables, idx, strict=True):
                levels = np.asarray(v.levels(), dtype=object if v.text else None)
                cols[f"in_{v.name}"] = levels[ix]
        else:
            u = _unit_sample(self.sampling, self.n_designs, len(self.variables), self.seed)[start:stop]
            for j, v in enumerate(self.variables):
                cols[f"in_{v.name}"] = v.from_unit(u[:, j])
        df = pd.DataFrame(cols)
        if "in_cycle" not in df:
            df["in_cycle"] = self.cycle
        if "in_ambient_c" not in df:
            df["in_ambient_c"] = np.nan if self.ambient_c is None else self.ambient_c
        for v in self.variables:
            c = f"in_{v.name}"
            df[c] = df[c].astype(str if v.text else (np.int64 if v.integer else np.float64))
        df["in_ambient_c"] = df["in_ambient_c"].astype(np.float64)
        df["in_cycle"] = df["in_cycle"].astype(str)
        return df

    @functools.cached_property
    def _builder(self) -> _DesignBuilder:
        return _DesignBuilder(self)

    def vehicle_for(self, design: pd.Series | dict[str, Any]) -> VehicleSpec:
        """The vehicle of one design row (raises :class:`InputError` when it cannot be built). Designs that
        share a table (e.g. the same cell, series and parallel) share its object, as in a sweep's batches."""
        spec, err = self._builder.build(dict(design))
        if spec is None:
            raise InputError(f"design {design.get('design_id', '?')}", "", err)
        return spec


@functools.lru_cache(maxsize=4)
def _unit_sample(method: str, n: int, d: int, seed: int) -> FloatArray:
    """The whole unit sample of a random or LHS space (drawn once per process, then sliced per chunk)."""
    if method == "random":
        return np.random.default_rng(seed).random((n, d))
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(n)


@functools.lru_cache(maxsize=16)
def _base_vehicle(vehicle: str) -> VehicleSpec:
    from tyaga import vehicles

    return vehicles.load(vehicle)


@functools.lru_cache(maxsize=32)
def _cycle(name: str) -> Any:
    from tyaga import cycles

    return cycles.load(name)


# ---------------------------------------------------------------------------------------------- evaluation


class _DesignBuilder:
    """Builds the vehicle of each design row, sharing table objects between identical ones (so a batch turns
    each distinct battery into a pack once)."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.base = _base_vehicle(space.vehicle)
        self.tables: dict[tuple[str, tuple[Any, ...]], BaseModel] = {}
        self.base_dumps: dict[str, dict[str, Any]] = {}
        self.names = {t: [v.name for v in space.variables if _TABLE_OF.get(v.name) == t] for t in TABLE_VARIABLES}
        self.base_cells_mass_kg = None
        if space.cell_to_pack_mass_ratio is not None and self.base.battery.from_cell:
            self.base_cells_mass_kg = _cells_mass_kg(self.base.battery, self.base)

    def _table(self, table: str, row: dict[str, Any], extra: dict[str, Any] | None = None) -> BaseModel:
        names = self.names[table]
        upd = {n: _plain(row[f"in_{n}"]) for n in names}
        if extra:
            upd.update(extra)
        key = (table, tuple(sorted(upd.items())))
        if key not in self.tables:
            model, _ = TABLE_VARIABLES[table]
            base_table = getattr(self.base, table)
            if not upd:
                self.tables[key] = base_table
            else:
                if table not in self.base_dumps:
                    self.base_dumps[table] = base_table.model_dump()
                data = {**self.base_dumps[table], **upd}
                if table == "battery" and "cell" in upd and not self.base.battery.from_cell:
                    data.update(usable_energy_kwh=None, nominal_voltage_v=None, resistance_ohm=None)
                try:
                    self.tables[key] = model.model_validate(data)
                except ValidationError as exc:
                    from tyaga.catalog import validation_error_to_input_error

                    err = validation_error_to_input_error(exc, None, data, model)
                    raise InputError(f"{table}.{err.field}", err.value, err.allowed) from None
        return self.tables[key]

    def build(self, row: dict[str, Any]) -> tuple[VehicleSpec | None, str]:
        try:
            battery = self._table("battery", row)
            extra = None
            if self.space.cell_to_pack_mass_ratio is not None:
                assert self.base_cells_mass_kg is not None or not self.base.battery.from_cell
                mass = _plain(row["in_mass_kg"]) if "mass_kg" in self.names["body"] else self.base.body.mass_kg
                base_cells = self.base_cells_mass_kg or 0.0
                delta = (_cells_mass_kg(battery, self.base) - base_cells) / self.space.cell_to_pack_mass_ratio
                extra = {"mass_kg": float(mass + delta)}
            body = self._table("body", row, extra)
            pt = self._table("powertrain", row)
            spec = self.base.model_copy(update={"name": f"{self.space.name}#{int(row.get('design_id', 0))}",
                                                "body": body, "powertrain": pt, "battery": battery})
        except InputError as exc:
            return None, f"invalid design: {exc}"
        return spec, ""


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


_CELLS: dict[tuple[str, str | None], Any] = {}


def _cell_of(battery: Battery, base: VehicleSpec) -> Any:
    """The cell of a cell-built battery (read once per process and reference)."""
    assert battery.cell is not None
    key = (battery.cell, base.base_dir)
    if key not in _CELLS:
        _CELLS[key] = cell_for_vehicle(base.model_copy(update={"battery": battery}))
    return _CELLS[key]


def _cells_mass_kg(battery: Battery, base: VehicleSpec) -> float:
    if battery.cell is None:
        return math.nan
    assert battery.series is not None and battery.parallel is not None
    return battery.series * battery.parallel * _cell_of(battery, base).mass_kg


def _pack_outputs(spec: VehicleSpec, pack: PackModel, non_cell_cost_usd_per_kwh: float) -> dict[str, float]:
    """The static figures of a pack (all of :data:`STATIC_OUTPUTS` but ``test_mass_kg``)."""
    from tyaga.pack import cell_built_pack_cost_usd

    b = spec.battery
    cells_mass = math.nan
    cells_cost = cost = math.nan
    if b.from_cell:
        cell = _cell_of(b, spec)
        assert cell is not None and b.series is not None and b.parallel is not None
        cells_mass = b.series * b.parallel * cell.mass_kg
        cells_cost, cost = cell_built_pack_cost_usd(pack.energy_wh, cell.cost_per_kwh_usd,
                                                    non_cell_cost_usd_per_kwh)
    return {"usable_energy_wh": pack.usable_energy_wh,
            "pack_nominal_voltage_v": pack.nominal_voltage_v, "pack_voltage_min_v": pack.voltage_min_v,
            "pack_voltage_max_v": pack.voltage_max_v, "pack_capacity_ah": pack.capacity_ah,
            "pack_cells_mass_kg": cells_mass, "pack_cells_cost_usd": cells_cost, "pack_cost_usd": cost}


@dataclass(frozen=True)
class _Evaluation:
    """One condition the designs are driven in: the design's own (``cycle``/``ambient`` None) or a fixed one."""

    cycle: str | None
    ambient_c: float | str | None
    outputs: tuple[str, ...]

    def column(self, output: str) -> str:
        return output_column(output, self.cycle, self.ambient_c)

    def resolve(self, own_cycle: str, own_ambient_c: float) -> tuple[str, float | None]:
        cyc = own_cycle if self.cycle is None else self.cycle
        if self.ambient_c is None:
            amb = None if math.isnan(own_ambient_c) else float(own_ambient_c)
        else:
            amb = None if self.ambient_c == "test" else float(self.ambient_c)
        return cyc, amb


def _evaluations(space: Space) -> list[_Evaluation]:
    wanted: dict[tuple[Any, Any], list[str]] = {(None, None): list(space.outputs)}
    for t in (*space.constraints, *space.objectives_):
        if t.output in STATIC_OUTPUTS or t.output in LIFE_OUTPUTS:
            continue
        key = (t.cycle, t.ambient_c)
        wanted.setdefault(key, [])
        if t.output not in wanted[key]:
            wanted[key].append(t.output)
    return [_Evaluation(c, a, tuple(o for o in CONDITION_OUTPUTS if o in outs)) for (c, a), outs in wanted.items()]


def output_columns(space: Space) -> list[str]:
    """The ``out_*`` columns of a space's results, in order."""
    cols = [f"out_{o}" for o in STATIC_OUTPUTS]
    for ev in _evaluations(space):
        cols += [ev.column(o) for o in ev.outputs]
    if space.duty is not None:
        cols += [f"out_{o}" for o in LIFE_OUTPUTS]
    return cols


def _take(batch: Any, idx: npt.NDArray[np.int64]) -> Any:
    """The designs ``idx`` of a :class:`tyaga.chain.DesignBatch` (tables shared, rows copied)."""
    return dataclasses.replace(
        batch, names=[batch.names[i] for i in idx], specs=[batch.specs[i] for i in idx],
        packs=[batch.packs[i] for i in idx], params=batch.params[idx], ocv_tables=batch.ocv_tables[idx],
        hvac_power_w=None if batch.hvac_power_w is None else batch.hvac_power_w[idx])


def _stage_outputs(stage: str, batch: Any, cycle: Any) -> dict[str, Any]:
    """Run one stage of the engine for a batch: the figures of :func:`tyaga.chain.simulate` for it."""
    from tyaga import chain

    if stage == "cycle":
        summ = chain.run_summary(batch, cycle)
        cols = chain._summary_columns(batch, cycle, summ, None, None)
        return {k: np.asarray(cols[k], dtype=float) for k in CYCLE_OUTPUTS}
    if stage == "accel":
        # That run records time series (serial in the engine): sub-batches on threads (the compiled loop
        # releases the GIL; designs are independent, so the split does not change a figure).
        n = len(batch)
        workers = max(1, min(engine.worker_count(), -(-n // 16)))
        size = max(1, min(ACCEL_SUB_BATCH, -(-n // workers)))
        parts = [np.arange(s, min(s + size, n)) for s in range(0, n, size)]
        if workers == 1 or len(parts) == 1:
            times = [chain.acceleration_time(_take(batch, sl)) for sl in parts]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:
                times = list(pool.map(lambda sl: chain.acceleration_time(_take(batch, sl)), parts))
        out = np.empty(n)
        for sl, t in zip(parts, times, strict=True):
            out[sl] = t
        return {"accel_0_100_s": out}
    rng = chain.run_range(batch, cycle)
    return {"range_km": rng[:, 0] / 1000.0,
            "range_ended_by": np.array([engine.ENDED_BY[int(c)] for c in rng[:, 1]], dtype=object)}


def _run_stage_safely(stage: str, make_batch: Callable[[list[int]], Any], n: int,
                      cycle: Any) -> tuple[dict[str, Any], dict[int, str]]:
    """A stage for the ``n`` designs of a group, as one batch (``make_batch(positions)`` builds it); if building
    or running it raises, each design alone, so that only the ones that fail get a reason (never a crash)."""
    try:
        return _stage_outputs(stage, make_batch(list(range(n))), cycle), {}
    except Exception as exc:
        if n == 1:
            return {}, {0: f"{stage} run failed: {type(exc).__name__}: {exc}"}
    outs: dict[str, Any] = {}
    errors: dict[int, str] = {}
    for i in range(n):
        try:
            one = _stage_outputs(stage, make_batch([i]), cycle)
        except Exception as exc:
            errors[i] = f"{stage} run failed: {type(exc).__name__}: {exc}"
            continue
        for k, v in one.items():
            if k not in outs:
                outs[k] = np.full(n, "" if v.dtype == object else np.nan, dtype=v.dtype)
            outs[k][i] = v[0]
    return outs, errors


def _check(value: float, con: Constraint, column: str, where: str) -> str:
    """The reason a value fails a constraint ('' if it passes)."""
    ok, neg = _OPS[con.op]
    what = f"{con.output} {where}" if where else con.output
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{column} is not known ({what}): needs {con.op} {con.value:g}"
    if ok(value, con.value):
        return ""
    return f"{column} = {value:.4g} {neg} {con.value:g} ({what})"


def evaluate(space: Space, designs: pd.DataFrame) -> pd.DataFrame:
    """Results of the designs (``design_id`` and ``in_*`` columns, as :meth:`Space.designs` gives them).

    Returns the designs with the ``out_*`` columns (:func:`output_columns`), ``feasible`` and ``reason``
    (``""`` if feasible, else the first violated constraint — stages run static → cycle → 0–100 → range, the
    constraints in their order within a stage — or why the design could not be built or driven). A design
    left out of a stage has NaN in that stage's columns. Never raises for one bad design.
    """
    from tyaga import chain

    if not isinstance(designs, pd.DataFrame):
        raise InputError("designs", type(designs).__name__, "a pandas DataFrame of design_id and in_* columns")
    need = ["design_id"] + [f"in_{v.name}" for v in space.variables]
    missing = [c for c in need if c not in designs.columns]
    if missing:
        raise InputError("designs", f"no column {missing[0]}", "the columns of Space.designs(): " + ", ".join(need))
    n = len(designs)
    df = designs.reset_index(drop=True).copy()
    if "in_cycle" not in df:
        df["in_cycle"] = space.cycle
    if "in_ambient_c" not in df:
        df["in_ambient_c"] = np.nan if space.ambient_c is None else space.ambient_c
    evals = _evaluations(space)
    out: dict[str, Any] = {}
    for c in output_columns(space):
        out[c] = np.full(n, "", dtype=object) if c.split("__")[0][4:] in _TEXT_OUTPUTS else np.full(n, np.nan)
    reason = np.full(n, "", dtype=object)
    alive = np.ones(n, dtype=bool)

    builder = _DesignBuilder(space)
    specs: list[VehicleSpec | None] = [None] * n
    packs: list[PackModel | None] = [None] * n
    pack_cache: dict[int, PackModel | str] = {}
    static_cache: dict[int, dict[str, float]] = {}
    rows = df.to_dict("records")
    for i, row in enumerate(rows):
        spec, err = builder.build(row)
        if spec is None:
            reason[i], alive[i] = err, False
            continue
        key = id(spec.battery)
        if key not in pack_cache:
            try:
                pack_cache[key] = pack_for_vehicle(spec)
            except Exception as exc:  # a pack that cannot be built is that design's reason, not a crash
                pack_cache[key] = f"invalid pack: {type(exc).__name__}: {exc}"
        pk = pack_cache[key]
        if isinstance(pk, str):
            reason[i], alive[i] = pk, False
            continue
        specs[i], packs[i] = spec, pk
        if key not in static_cache:
            static_cache[key] = _pack_outputs(spec, pk, space.non_cell_cost_usd_per_kwh)
        for k, v in static_cache[key].items():
            out[f"out_{k}"][i] = v
        out["out_test_mass_kg"][i] = spec.body.test_mass_kg

    def apply(cons: Iterable[Constraint], idx: Iterable[int], where_of: Callable[[int], str]) -> None:
        for i in idx:
            if not alive[i]:
                continue
            for con in cons:
                r = _check(out[con.column][i], con, con.column, where_of(i))
                if r:
                    reason[i], alive[i] = r, False
                    break

    apply([c for c in space.constraints if c.output in STATIC_OUTPUTS], range(n), lambda i: "")

    own_cycles = df["in_cycle"].to_numpy(dtype=object)
    own_amb = df["in_ambient_c"].to_numpy(dtype=float)
    for stage, names in _STAGES:
        for ev in evals:
            wanted = [o for o in ev.outputs if o in names]
            cons = [c for c in space.constraints if c.output in names
                    and (c.cycle, c.ambient_c) == (ev.cycle, ev.ambient_c)]
            if not wanted and not cons:
                continue
            groups: dict[tuple[str, float | None], list[int]] = {}
            for i in np.flatnonzero(alive):
                groups.setdefault(ev.resolve(str(own_cycles[i]), own_amb[i]), []).append(int(i))
            for (cyc_name, amb), idx in groups.items():
                cyc = _cycle(cyc_name)
                stops = chain.door_stops_per_s(cyc) if amb is not None else 0.0

                def make_batch(pos: list[int], idx: list[int] = idx, amb: float | None = amb,
                               stops: float = stops) -> Any:
                    return chain.build_batch([specs[idx[p]] for p in pos], ambient_c=amb,
                                             pack_thermal=space.pack_thermal, packs=[packs[idx[p]] for p in pos],
                                             stops_per_s=stops)

                res, errors = _run_stage_safely(stage, make_batch, len(idx), cyc)
                for k, v in res.items():
                    if k in ev.outputs:
                        out[ev.column(k)][idx] = v
                for j, msg in errors.items():
                    reason[idx[j]], alive[idx[j]] = msg, False
                where = _describe_condition(cyc_name, amb)
                apply(cons, idx, lambda i, w=where: w)
    if space.duty is not None:  # last and costliest: only the designs that met every other constraint
        from tyaga import life as _life

        for i in np.flatnonzero(alive):
            try:
                res = _life.life(specs[i], space.duty)
            except Exception as exc:  # that design's reason, never a crash of the sweep
                reason[i], alive[i] = f"life run failed: {type(exc).__name__}: {exc}", False
                continue
            out["out_life_years"][i] = res.years_to_eol
            out["out_life_km"][i] = res.km_to_eol
        apply([c for c in space.constraints if c.output in LIFE_OUTPUTS], np.flatnonzero(alive),
              lambda i: "on the duty")
    for c, v in out.items():
        df[c] = pd.Series(v, dtype=str) if v.dtype == object else v
    df["feasible"] = alive
    df["reason"] = pd.Series(reason, dtype=str)
    return df


# ---------------------------------------------------------------------------------------------- chunks, files


def _chunk_file(chunk_id: int) -> str:
    return f"chunks/chunk-{chunk_id:06d}.parquet"


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary name in the same folder, then rename (readers never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _to_table(df: pd.DataFrame) -> Any:
    import pyarrow as pa

    return pa.Table.from_pandas(df, preserve_index=False)


def run_chunk(space_dict: dict[str, Any], chunk_id: int, out_dir: str) -> dict[str, Any]:
    """Evaluate chunk ``chunk_id`` of a space (its :meth:`Space.to_dict`) and write
    ``out_dir/chunks/chunk-{id:06d}.parquet`` atomically. Returns its manifest row: ``chunk_id``, ``rows``,
    ``feasible``, ``seconds``, ``file`` (relative to ``out_dir``). Re-running writes the same content."""
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    space = Space.from_dict(space_dict)
    start, stop = space.chunk_bounds(chunk_id)
    df = evaluate(space, space.designs(start, stop))
    rel = _chunk_file(int(chunk_id))
    table = _to_table(df)
    _write_atomic(Path(out_dir) / rel, lambda p: pq.write_table(table, p))
    return {"chunk_id": int(chunk_id), "rows": len(df), "feasible": int(df["feasible"].sum()),
            "seconds": time.perf_counter() - t0, "file": rel}


def _manifest_path(out_dir: Path) -> Path:
    return out_dir / "manifest.json"


def _read_manifest(out_dir: Path) -> dict[str, Any] | None:
    p = _manifest_path(out_dir)
    if not p.is_file():
        return None
    try:
        m = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError("manifest", str(p), "a readable manifest.json written by tyaga sweep",
                         hint=str(exc)) from None
    if not isinstance(m, dict) or "space_hash" not in m or "chunks" not in m:
        raise InputError("manifest", str(p), "a manifest.json written by tyaga sweep")
    return m


def _write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=1)
    _write_atomic(_manifest_path(out_dir), lambda p: p.write_text(text))


def _progress(total: int, done: int) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class _Rate(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} designs/s" if speed else "… designs/s")

    prog = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), _Rate(), TextColumn("ETA"),
                    TimeRemainingColumn(), console=Console(stderr=True), transient=False)
    task = prog.add_task("sweep", total=total, completed=done)
    return prog, task


def run(space: Space, out_dir: str | Path | None = None, scheduler: Any = None, progress: bool = True,
        resume: bool = True, *, _stop_after: int | None = None) -> pd.DataFrame:
    """Evaluate every design of a space; returns all rows sorted by ``design_id``.

    With ``out_dir``: each chunk goes to ``out_dir/chunks/`` as it finishes (atomically) and
    ``out_dir/manifest.json`` lists the space (and its hash) and the finished chunks; with ``resume`` a
    rerun skips those (``resume=False`` redoes them). A folder holding another space's results is an
    :class:`InputError`. ``scheduler``: a Dask scheduler address or client, handed to
    :func:`tyaga.distributed.map_chunks` (workers must see ``out_dir``); ``None`` runs here. ``progress``: a
    rich progress bar on stderr (designs/s, ETA).
    """
    if not isinstance(space, Space):
        raise InputError("space", type(space).__name__, "a tyaga.sweep.Space")
    space_dict = space.to_dict()
    n_chunks = space.n_chunks
    manifest: dict[str, Any] | None = None
    done: dict[int, dict[str, Any]] = {}
    frames: dict[int, pd.DataFrame] = {}
    out: Path | None = None
    if out_dir is not None:
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise InputError("out_dir", str(out), "a folder (this is a file)")
        out.mkdir(parents=True, exist_ok=True)
        manifest = _read_manifest(out)
        if manifest is not None and manifest["space_hash"] != space.hash:
            raise InputError("out_dir", str(out), f"an empty folder or one with results of this space (it holds "
                             f"space {manifest['space_hash'][:12]}…, this one is {space.hash[:12]}…)",
                             hint="the space changed: choose another --out folder or delete this one")
        if manifest is None or not resume:
            manifest = {"format_version": FORMAT_VERSION, "space_hash": space.hash, "space": space_dict,
                        "n_designs": space.n_designs, "n_chunks": n_chunks, "chunks": {}}
            _write_manifest(out, manifest)
        for key, row in manifest["chunks"].items():
            if (out / row["file"]).is_file():
                done[int(key)] = row
    todo = [k for k in range(n_chunks) if k not in done]
    prog = task = None
    if progress:
        designs_done = sum(int(r["rows"]) for r in done.values())
        prog, task = _progress(space.n_designs, designs_done)
        prog.start()
    new = 0
    try:
        if out is None:
            for k in todo:
                start, stop = space.chunk_bounds(k)
                frames[k] = evaluate(space, space.designs(start, stop))
                new += 1
                if prog is not None:
                    prog.advance(task, stop - start)
                if _stop_after is not None and new >= _stop_after and len(frames) < n_chunks:
                    raise SweepStoppedError(f"stopped after {new} chunks (asked to)")
        else:
            assert manifest is not None
            if scheduler is None:
                results: Iterable[dict[str, Any]] = (run_chunk(space_dict, k, str(out)) for k in todo)
            else:
                from tyaga.distributed import iter_chunks

                # each chunk is recorded in the manifest as it lands (a crash mid-sweep keeps what is done)
                results = (row for _, row in iter_chunks(functools.partial(run_chunk, space_dict, out_dir=str(out)),
                                                         todo, scheduler))
            for row in results:
                manifest["chunks"][str(row["chunk_id"])] = row
                _write_manifest(out, manifest)
                new += 1
                if prog is not None:
                    prog.advance(task, int(row["rows"]))
                if _stop_after is not None and new >= _stop_after and len(manifest["chunks"]) < n_chunks:
                    raise SweepStoppedError(f"stopped after {new} chunks (asked to)")
    finally:
        if prog is not None:
            prog.stop()
    if out is not None:
        return load_results(out)
    if not frames:
        return evaluate(space, space.designs(0, 0))
    return pd.concat([frames[k] for k in sorted(frames)], ignore_index=True)


def load_results(out_dir: str | Path) -> pd.DataFrame:
    """All finished rows of a results folder, sorted by ``design_id``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out_dir)
    manifest = _read_manifest(out)
    if manifest is None:
        raise InputError("results", str(out), "a folder written by tyaga sweep (with manifest.json)")
    tables = []
    for key in sorted(manifest["chunks"], key=int):
        p = out / manifest["chunks"][key]["file"]
        if p.is_file():
            tables.append(pq.read_table(p))
    if not tables:
        space = Space.from_dict(manifest["space"])
        return evaluate(space, space.designs(0, 0))
    df = pa.concat_tables(tables).to_pandas()
    return df.sort_values("design_id", kind="stable").reset_index(drop=True)


def load_space(out_dir: str | Path) -> Space:
    """The space a results folder was written for."""
    manifest = _read_manifest(Path(out_dir))
    if manifest is None:
        raise InputError("results", str(out_dir), "a folder written by tyaga sweep (with manifest.json)")
    return Space.from_dict(manifest["space"])


# ---------------------------------------------------------------------------------------------- reading results


def binding_constraints(space: Space, results: pd.DataFrame) -> pd.DataFrame:
    """How each constraint binds: one row per constraint with ``constraint`` (text), ``column``,
    ``evaluated`` (designs with the figure known), ``violated`` (of those, how many fail it), ``first``
    (designs for which it is the first violated, i.e. their ``reason``) and ``best`` (the value closest to
    meeting it). Sorted with the constraint that binds most (most ``first``, then most ``violated``) first."""
    rows = []
    for con in space.constraints:
        col = results[con.column].to_numpy(dtype=float) if con.column in results else np.full(len(results), np.nan)
        known = ~np.isnan(col)
        ok = _OPS[con.op][0](col[known], con.value)
        best = (np.max(col[known]) if con.op == ">=" else np.min(col[known])) if known.any() else math.nan
        text = f"{con.output} {con.op} {con.value:g}"
        if con.cycle is not None or con.ambient_c is not None:
            text += f" (cycle {con.cycle or 'own'}, ambient {con.ambient_c if con.ambient_c is not None else 'own'})"
        first = int(results["reason"].str.startswith(f"{con.column} ").sum())
        rows.append({"constraint": text, "column": con.column, "evaluated": int(known.sum()),
                     "violated": int((~ok).sum()), "first": first, "best": best})
    df = pd.DataFrame(rows, columns=["constraint", "column", "evaluated", "violated", "first", "best"])
    return df.sort_values(["first", "violated"], ascending=False, kind="stable").reset_index(drop=True)


def best_designs(space: Space, results: pd.DataFrame) -> dict[str, pd.Series]:
    """The feasible design that is best for each objective (by column), skipping NaN figures."""
    feas = results[results["feasible"]]
    best: dict[str, pd.Series] = {}
    for col, sense in space.objectives:
        vals = feas[col].astype(float)
        if vals.notna().any():
            best[col] = feas.loc[vals.idxmin() if sense == "min" else vals.idxmax()]
    return best


def design_timeseries(space: Space, design_id: int) -> Any:
    """The full time series of one design at its own condition (an xarray Dataset, as
    :func:`tyaga.chain.simulate` records it)."""
    from tyaga import chain

    if not (isinstance(design_id, int | np.integer) and 0 <= design_id < space.n_designs):
        raise InputError("design_id", design_id, f"0 … {space.n_designs - 1}")
    row = space.designs(int(design_id), int(design_id) + 1).iloc[0]
    spec = space.vehicle_for(row)
    amb = None if math.isnan(row["in_ambient_c"]) else float(row["in_ambient_c"])
    res = chain.simulate(spec, _cycle(str(row["in_cycle"])), timeseries=True, with_range=False,
                         with_acceleration=False, ambient_c=amb, pack_thermal=space.pack_thermal)
    return res.timeseries


def write_timeseries(space: Space, design_ids: Sequence[int], out_dir: str | Path) -> list[Path]:
    """Write the time series of chosen designs as ``out_dir/timeseries/design-NNNNNN.parquet`` (atomically)."""
    paths = []
    for d in design_ids:
        frame = design_timeseries(space, d).to_dataframe().reset_index()
        p = Path(out_dir) / "timeseries" / f"design-{int(d):06d}.parquet"
        _write_atomic(p, lambda q, f=frame: f.to_parquet(q, index=False))
        paths.append(p)
    return paths


__all__ = ["ALL_OUTPUTS", "CONDITION_OUTPUTS", "KNOWN_VARIABLES", "LIFE_OUTPUTS", "STATIC_OUTPUTS", "Constraint",
           "Objective", "Space",
           "SweepStoppedError", "Variable", "best_designs", "binding_constraints", "design_timeseries", "evaluate",
           "load_results", "load_space", "output_column", "output_columns", "run", "run_chunk", "write_timeseries"]
