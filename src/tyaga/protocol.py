"""Protocols: readable cycling steps ("Discharge at 1C until 2.5 V") for a cell or a pack, and their runner.

A protocol is a list of steps written as in PyBaMM's ``pybamm.Experiment``::

    Discharge at 1C until 2.5 V
    Charge at 150 kW until 80 %
    Hold at 4.2 V until C/20
    Rest for 30 minutes
    Discharge at 10 A for 2 hours or until 3.0 V (10 s period)

:func:`parse_step` turns one string into a typed :class:`Step`; :func:`run_protocol` runs the steps on a
:class:`~tyaga.cell.CellSpec` or a :class:`~tyaga.battery.PackModel` (the same Thevenin circuit the vehicle
chain uses) and returns a tidy time series and a per-step summary. The grammar, the semantics of every
control and end condition, and the limits are in ``docs/protocols.md``.

Sign convention, as everywhere in tyaga: current and power are positive on discharge; SOC is the chain's
coulombic SOC (1 = full), ``d(soc)/dt = −I / (3600·Q)``.

Numerics (one sub-step of length ``h`` from state ``soc, v_j``; parameters and OCV table at the sub-step start):

* each RC pair is integrated exactly for a constant current over the sub-step,
  ``v_j(t+h) = v_j·d_j + R_j·I·(1 − d_j)``, ``d_j = e^{−h/τ_j}``; its mean over the sub-step is
  ``a_j·v_j + b_j·I`` with ``a_j = τ_j/h·(1 − d_j)``, ``b_j = R_j·(1 − a_j)``;
* the mean terminal voltage over the sub-step is ``V̄ = E − R·I`` with the effective step resistance
  ``R = R0 + Σ b_j`` and ``E = ŌCV − Σ a_j·v_j`` (``ŌCV`` = mean of the OCV at the sub-step's start and end
  SOC, found by fixed-point iteration where the current is not given);
* constant current: ``I`` given; constant power ``P``: ``I = 2P / (E + √(E² − 4·R·P))`` (the root of
  ``R·I² − E·I + P = 0`` continuous through ``P = 0``; valid for charge, ``P < 0``); constant voltage
  ``V_hold``: ``I = (E − V_hold) / R``. So the mean power of a constant-power sub-step is exactly ``P`` and
  the mean voltage of a hold sub-step exactly ``V_hold``;
* energy ``V̄·I·h`` and charge ``I·h`` are summed per sub-step (so the cumulative columns are exact sums);
* every row of the time series holds *instantaneous* values at its time: SOC and RC voltages of the state,
  and the current the step's control sets in that state (constant power: ``I = 2P/(E₀ + √(E₀² − 4·R0·P))``
  with ``E₀ = OCV − Σ v_j``, so ``V·I = P`` in every row; hold: ``I = (E₀ − V_hold)/R0``, so ``V = V_hold``);
* an end condition met inside a sub-step is located by solving for the sub-step length at which it is met
  (Brent's method), so "until 2.5 V" ends at 2.5 V to ~1e-9 V.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import brentq

from tyaga.battery import PackModel
from tyaga.cell import REFERENCE_TEMPERATURE_C, CellSpec, ecm_parameters
from tyaga.errors import InputError, suggest

FloatArray = npt.NDArray[np.float64]

StepKind = Literal["discharge", "charge", "hold", "rest"]
Control = Literal["current", "c_rate", "power", "voltage", "rest"]
ConditionKind = Literal["voltage", "soc", "current", "c_rate"]

#: Longest any single step may run unless ``max_step_s`` says otherwise [s] (a safeguard, 10 days).
MAX_STEP_S = 10 * 86400.0
#: Relative slack on a constant current above the target's limit before it counts as over the limit.
LIMIT_SLACK = 1e-9
#: The hook of ``run_protocol(..., temperature_advance=...)`` that makes the temperature a state:
#: ``(time_s, dt_s, current_a, ocv_v, voltage_v) → temperature [°C] at the sub-step's end``.
TemperatureAdvance = Callable[[float, float, float, float, float], float]

VERBS = ("discharge", "charge", "hold", "rest")

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RE_C_RATE = re.compile(rf"^(?P<num>{_NUMBER})\s*c$", re.IGNORECASE)
_RE_C_OVER = re.compile(rf"^c\s*/\s*(?P<num>{_NUMBER})$", re.IGNORECASE)
_RE_QUANTITY = re.compile(rf"^(?P<num>{_NUMBER})\s*(?P<unit>%|[a-zA-Z]+)$")
_RE_SOC_WORD = re.compile(r"^(?:soc\s+(?P<a>.+)|(?P<b>.+?)\s*soc)$", re.IGNORECASE)
_RE_KEYWORD = re.compile(r"(?<![\w/.])(at|for|until|or)(?![\w/.])", re.IGNORECASE)
_RE_OPTION = re.compile(r"\(\s*(?P<body>[^()]*?)\s*\)\s*$")
_RE_PERIOD = re.compile(r"^(?:(?:period|dt|time\s*step)\s*[:=]?\s*(?P<a>.+)|(?P<b>.+?)\s+period)$", re.IGNORECASE)

#: Units (lower case) → (quantity, factor to SI). "MW" and "mW" are told apart by case (see _unit).
UNITS: dict[str, tuple[str, float]] = {
    "v": ("voltage", 1.0), "mv": ("voltage", 1e-3), "kv": ("voltage", 1e3),
    "a": ("current", 1.0), "ma": ("current", 1e-3), "ka": ("current", 1e3),
    "w": ("power", 1.0), "kw": ("power", 1e3),
    "s": ("time", 1.0), "sec": ("time", 1.0), "secs": ("time", 1.0), "second": ("time", 1.0),
    "seconds": ("time", 1.0), "min": ("time", 60.0), "mins": ("time", 60.0), "minute": ("time", 60.0),
    "minutes": ("time", 60.0), "h": ("time", 3600.0), "hr": ("time", 3600.0), "hrs": ("time", 3600.0),
    "hour": ("time", 3600.0), "hours": ("time", 3600.0), "day": ("time", 86400.0), "days": ("time", 86400.0),
    "%": ("soc", 0.01),
}

#: What each quantity looks like, for error messages.
EXAMPLES = {
    "c_rate": "a C-rate (1C, 0.5C, C/3)",
    "current": "a current (10 A, 500 mA)",
    "power": "a power (150 kW, 50 W, 1.2 MW)",
    "voltage": "a voltage (4.2 V, 800 V, 4150 mV)",
    "soc": "an SOC (80 %, 80 % SOC)",
    "time": "a duration (10 s, 30 minutes, 2 hours)",
}


#: End conditions each kind of step takes ("time" = a duration).
CONDITIONS: dict[str, tuple[str, ...]] = {
    "discharge": ("voltage", "soc", "time"), "charge": ("voltage", "soc", "time"),
    "hold": ("current", "c_rate", "soc", "time"), "rest": ("time",),
}
_CONDITION_HINTS = {
    ("discharge", "current"): "a current ends a Hold step only (a constant current never changes)",
    ("hold", "voltage"): "a Hold keeps its voltage; end it with a current (C/20, 1 A), an SOC or a duration",
    ("rest", "soc"): "a Rest does not change the SOC; give a duration",
    ("rest", "voltage"): "a Rest ends after a duration, e.g. 'Rest for 30 minutes'",
}


def _reject_condition(where: str, step_kind: str, kind: str, text: str) -> None:
    """Raise the error for an end condition that this kind of step does not take."""
    key = ("discharge" if step_kind == "charge" else step_kind, "current" if kind == "c_rate" else kind)
    hint = _CONDITION_HINTS.get(key)
    if step_kind == "rest" and hint is None:
        hint = _CONDITION_HINTS[("rest", "voltage")]
    raise InputError(f"{where}: until", text, _allowed(CONDITIONS[step_kind]), hint=hint)


def _allowed(kinds: Iterable[str]) -> str:
    parts = [EXAMPLES[k] for k in kinds]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


# ============================================================================================== steps


@dataclass(frozen=True)
class Condition:
    """One end condition of a step ("until …").

    ``kind`` and ``value`` in SI units: ``"voltage"`` [V] (discharge: met when V ≤ value; charge: V ≥ value),
    ``"soc"`` [fraction 0 … 1] (discharge: SOC ≤ value; charge: SOC ≥ value; hold: crossing from the start
    side), ``"current"`` [A] and ``"c_rate"`` [1/h] (hold only: met when |I| ≤ value, a C-rate against the
    target's capacity).
    """

    kind: ConditionKind
    value: float
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        if self.text:
            return self.text
        return {"voltage": f"{self.value:g} V", "soc": f"{self.value * 100:g} %", "current": f"{self.value:g} A",
                "c_rate": f"{self.value:g}C"}[self.kind]


@dataclass(frozen=True)
class Step:
    """One protocol step, typed and in SI units.

    ``kind``: discharge, charge, hold or rest. ``control`` and ``value``: ``"current"`` [A], ``"c_rate"``
    [1/h], ``"power"`` [W] (magnitudes, > 0; the sign comes from ``kind``), ``"voltage"`` [V] for a hold,
    ``"rest"`` (value 0). ``duration_s``: time limit [s] ("for …", or a duration among the "until"
    conditions); ``until``: the other end conditions (any one ends the step); ``dt_s``: this step's time step
    [s] (``None``: the runner's ``dt_s``). Constructing a step checks it (:class:`InputError`).
    """

    kind: StepKind
    control: Control
    value: float = 0.0
    duration_s: float | None = None
    until: tuple[Condition, ...] = ()
    dt_s: float | None = None
    text: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "until", tuple(self.until))
        where = f"step {self.text or f'{self.kind} {self.control} {self.value!r}'!r}"
        allowed_controls = {"discharge": ("current", "c_rate", "power"), "charge": ("current", "c_rate", "power"),
                            "hold": ("voltage",), "rest": ("rest",)}[self.kind]
        if self.control not in allowed_controls:
            raise InputError(f"{where}: control", self.control, " or ".join(allowed_controls))
        if self.kind != "rest" and not (math.isfinite(self.value) and self.value > 0):
            raise InputError(f"{where}: value", self.value, "a finite number > 0 (the sign comes from the verb)",
                             hint="use Rest for zero current" if self.value == 0 else None)
        if self.duration_s is not None and not (math.isfinite(self.duration_s) and self.duration_s > 0):
            raise InputError(f"{where}: duration", self.duration_s, "a finite duration > 0 s")
        if self.dt_s is not None and not (math.isfinite(self.dt_s) and self.dt_s > 0):
            raise InputError(f"{where}: period", self.dt_s, "a finite time step > 0 s")
        for c in self.until:
            if c.kind not in CONDITIONS[self.kind]:
                _reject_condition(where, self.kind, c.kind, str(c))
            if not math.isfinite(c.value) or c.value < 0 or (c.kind == "soc" and c.value > 1):
                allowed = "0 … 100 %" if c.kind == "soc" else "a finite number ≥ 0"
                raise InputError(f"{where}: end condition", str(c), allowed)
        if self.duration_s is None and not self.until:
            raise InputError(f"{where}: end", "(none)", "'for <duration>' or 'until <condition>'",
                             hint="every step needs an end, e.g. 'Discharge at 1C until 2.5 V'")

    def describe(self) -> str:
        """The step written back in the protocol grammar (canonical form; parses back to an equal step)."""
        if self.kind == "rest":
            head = "Rest"
        else:
            unit = {"current": " A", "c_rate": "C", "power": " W", "voltage": " V"}[self.control]
            head = f"{self.kind.capitalize()} at {_num(self.value)}{unit}"
        ends = []
        if self.duration_s is not None:
            ends.append(f"for {_num(self.duration_s)} s")
        ends += [f"until {_canonical(c)}" for c in self.until]
        text = head + " " + " or ".join(ends)
        if self.dt_s is not None:
            text += f" ({_num(self.dt_s)} s period)"
        return text

    def __str__(self) -> str:
        return self.text or self.describe()


def _num(x: float) -> str:
    """Shortest text that reads back as ``x`` (``1``, ``0.5``, ``1e-05``)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _canonical(c: Condition) -> str:
    unit = {"voltage": " V", "current": " A", "c_rate": "C", "soc": " %"}[c.kind]
    return f"{_num(c.value * 100 if c.kind == 'soc' else c.value)}{unit}"


def _unit(unit: str, where: str, phrase: str, allowed: Sequence[str]) -> tuple[str, float]:
    """Quantity and SI factor of a unit token; ``MW`` (mega) and ``mW`` (milli) by case, the rest any case."""
    if unit == "MW":
        return "power", 1e6
    if unit == "mW":
        return "power", 1e-3
    if unit.lower() == "mw":
        raise InputError(f"{where}", phrase, "MW (megawatt) or mW (milliwatt), written in that case")
    found = UNITS.get(unit.lower())
    if found is None:
        units = [u for u, (k, _) in UNITS.items() if k in allowed] + (["C"] if "c_rate" in allowed else [])
        close = suggest(unit.lower(), units)
        hint = f"unknown unit {unit!r}" + (f"; did you mean {close!r}?" if close else "")
        raise InputError(f"{where}", phrase, _allowed(allowed), hint=hint)
    return found


def parse_quantity(phrase: str, allowed: Sequence[str], where: str = "quantity") -> tuple[str, float]:
    """Parse one quantity: ``"1C"``, ``"C/20"``, ``"10 A"``, ``"150 kW"``, ``"4.2 V"``, ``"80 %"``, ``"2 hours"``.

    Returns ``(kind, value)`` with kind one of c_rate [1/h], current [A], power [W], voltage [V], soc
    [0 … 1] or time [s]; raises :class:`InputError` naming ``where``, the phrase and the allowed kinds.
    """
    p = " ".join(phrase.split())
    if not p:
        raise InputError(f"{where}", "(nothing)", _allowed(allowed))
    m = _RE_SOC_WORD.match(p)
    if m and "soc" in allowed:
        inner = (m.group("a") or m.group("b")).strip()
        kind, value = parse_quantity(inner, ["soc"], where)
        return kind, value
    m = _RE_C_OVER.match(p)
    if m:
        den = float(m.group("num"))
        if den <= 0:
            raise InputError(f"{where}", phrase, "C/n with n > 0")
        kind, value = "c_rate", 1.0 / den
    elif (m := _RE_C_RATE.match(p)) is not None:
        kind, value = "c_rate", float(m.group("num"))
    elif (m := _RE_QUANTITY.match(p)) is not None:
        kind, factor = _unit(m.group("unit"), where, phrase, allowed)
        value = float(m.group("num")) * factor
    else:
        raise InputError(f"{where}", phrase, _allowed(allowed),
                         hint="write a number and a unit, e.g. '4.2 V'" if not re.search(r"\d", p) else None)
    if kind not in allowed:
        raise InputError(f"{where}", phrase, _allowed(allowed))
    if not math.isfinite(value):
        raise InputError(f"{where}", phrase, "a finite number")
    return kind, value


def parse_step(text: str, index: int | None = None) -> Step:
    """Parse one step string (case-insensitive) into a :class:`Step`; grammar in ``docs/protocols.md``.

    ``Discharge|Charge at <C-rate|current|power> <end>``, ``Hold at <voltage> <end>``, ``Rest for <duration>``,
    where ``<end>`` is ``for <duration>`` and/or ``until <condition>``, further conditions joined by ``or``,
    and an optional trailing ``(<duration> period)``. Errors are :class:`InputError` naming the step text
    (and ``index`` when given), the bad token and what is allowed there.
    """
    if not isinstance(text, str):
        raise InputError(f"step {index}" if index is not None else "step", text, "a string such as "
                         "'Discharge at 1C until 2.5 V'")
    original = " ".join(text.split())
    where = f"step {index} {original!r}" if index is not None else f"step {original!r}"
    body = original
    dt_s: float | None = None
    m = _RE_OPTION.search(body)
    if m:
        opt = m.group("body")
        pm = _RE_PERIOD.match(opt)
        if not pm:
            raise InputError(f"{where}: option", f"({opt})", "'(<duration> period)', e.g. '(10 s period)'")
        _, dt_s = parse_quantity(pm.group("a") or pm.group("b"), ["time"], f"{where}: period")
        body = body[: m.start()].strip()
    head, _, rest = body.partition(" ")
    verb = head.lower()
    if verb not in VERBS:
        close = suggest(verb, VERBS)
        raise InputError(f"{where}: verb", head or "(nothing)", "Discharge, Charge, Hold or Rest",
                         hint=f"did you mean {close.capitalize()!r}?" if close else None)
    parts = _RE_KEYWORD.split(rest)
    lead = parts[0].strip()
    pieces = [(parts[k].lower(), parts[k + 1].strip()) for k in range(1, len(parts), 2)]
    expect_first = "'for'" if verb == "rest" else "'at'"
    if lead:
        raise InputError(f"{where}: after {head!r}", lead, f"{expect_first} and a value")
    if not pieces:
        raise InputError(f"{where}: after {head!r}", "(nothing)", f"{expect_first} and a value")

    kind: StepKind = verb  # type: ignore[assignment]
    control: Control = "rest"
    value = 0.0
    if verb != "rest":
        kw, phrase = pieces.pop(0)
        if kw != "at":
            raise InputError(f"{where}: after {head!r}", kw, "'at' and a value, e.g. "
                             + ("'Hold at 4.2 V until C/20'" if verb == "hold" else f"'{head} at 1C until …'"))
        allowed_at = ["voltage"] if verb == "hold" else ["c_rate", "current", "power"]
        control_kind, value = parse_quantity(phrase, allowed_at, f"{where}: {head} at")
        control = control_kind  # type: ignore[assignment]
        if value < 0:
            raise InputError(f"{where}: {head} at", phrase, "a value > 0",
                             hint="the verb sets the sign: write Charge or Discharge")
        if value == 0:
            raise InputError(f"{where}: {head} at", phrase, "a value > 0", hint="use 'Rest for …' for no current")
        if not pieces:
            raise InputError(f"{where}: end", "(nothing)", "'for <duration>' or 'until <condition>'")

    durations: list[float] = []
    conditions: list[Condition] = []
    first = True
    k = 0
    while k < len(pieces):
        kw, phrase = pieces[k]
        k += 1
        if kw == "or":
            if first:
                raise InputError(f"{where}: end", "or", "'for' or 'until' before 'or'")
            if not phrase:
                if k >= len(pieces) or pieces[k][0] not in ("until", "for"):
                    raise InputError(f"{where}: after 'or'", "(nothing)", "a condition, 'until …' or 'for …'")
                kw, phrase = pieces[k]
                k += 1
            elif verb == "rest":
                kw = "for"
            else:
                kw = "until"
        elif kw == "at":
            raise InputError(f"{where}: 'at'", f"at {phrase}", "one 'at' per step, right after the verb")
        elif not first:
            raise InputError(f"{where}: '{kw}'", f"{kw} {phrase}", "further conditions joined by 'or'",
                             hint=f"write '… or {kw} {phrase}'")
        first = False
        if kw == "for":
            _, d = parse_quantity(phrase, ["time"], f"{where}: for")
            durations.append(d)
            continue
        if verb == "rest":
            raise InputError(f"{where}: end", f"until {phrase}", "'for <duration>'",
                             hint="a Rest ends after a duration, e.g. 'Rest for 30 minutes'")
        try:
            ckind, cvalue = parse_quantity(phrase, CONDITIONS[verb], f"{where}: until")
        except InputError:  # a quantity of another kind gets its own explanation
            try:
                other, _ = parse_quantity(phrase, ["voltage", "soc", "current", "c_rate"], f"{where}: until")
            except InputError:
                other = ""
            if other:
                _reject_condition(where, verb, other, phrase)
            raise
        if ckind == "time":
            durations.append(cvalue)
        else:
            conditions.append(Condition(ckind, cvalue, phrase))  # type: ignore[arg-type]
    return Step(kind=kind, control=control, value=value, duration_s=min(durations) if durations else None,
                until=tuple(conditions), dt_s=dt_s, text=original)


def parse_protocol(steps: str | Step | Iterable[str | Step]) -> list[Step]:
    """Parse a protocol: a list of step strings and/or :class:`Step` objects (one string is one step)."""
    if isinstance(steps, (str, Step)):
        steps = [steps]
    out = [s if isinstance(s, Step) else parse_step(s, index=k) for k, s in enumerate(steps)]
    if not out:
        raise InputError("protocol", "[]", "at least one step")
    return out


# ============================================================================================== circuit


@dataclass(frozen=True)
class _Circuit:
    """What the runner needs of a cell or a pack, in SI units."""

    capacity_ah: float
    soc_grid: FloatArray
    ocv_grid: FloatArray
    params: Callable[[float, float], tuple[float, float, float, float, float]]  # (soc, temperature [°C])
    voltage_min_v: float
    voltage_max_v: float
    max_discharge_current_a: float
    max_charge_current_a: float
    soc_low: float
    soc_high: float
    what: str
    _cum: FloatArray = field(init=False, repr=False)
    _slope: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ds = np.diff(self.soc_grid)
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (self.ocv_grid[1:] + self.ocv_grid[:-1]) * ds)])
        object.__setattr__(self, "_cum", cum)
        object.__setattr__(self, "_slope", np.append(np.diff(self.ocv_grid) / ds, 0.0))

    def ocv(self, soc: float) -> float:
        """OCV [V] at ``soc`` (linear interpolation of the table, clamped at its ends)."""
        return float(np.interp(soc, self.soc_grid, self.ocv_grid))

    def ocv_integral(self, soc: float) -> float:
        """``∫_0^soc OCV ds`` [V] of the piecewise-linear table (OCV held beyond its ends)."""
        g = self.soc_grid
        if soc <= g[0]:
            return float(self.ocv_grid[0] * (soc - g[0]))
        k = min(int(np.searchsorted(g, soc, side="right")) - 1, g.size - 1)
        x = soc - g[k]
        return float(self._cum[k] + self.ocv_grid[k] * x + 0.5 * self._slope[k] * x * x)

    def ocv_mean(self, soc_a: float, soc_b: float) -> float:
        """Mean OCV [V] between two SOCs: exact for the piecewise-linear table (trapezoid for tiny spans)."""
        if abs(soc_b - soc_a) < 1e-7:
            return 0.5 * (self.ocv(soc_a) + self.ocv(soc_b))
        return (self.ocv_integral(soc_b) - self.ocv_integral(soc_a)) / (soc_b - soc_a)


def _circuit(target: CellSpec | PackModel, soc_window: bool,
             pack_resistance_factor: Callable[[float], float] | None = None) -> _Circuit:
    if isinstance(target, CellSpec):
        cell = target

        def params(soc: float, temperature_c: float) -> tuple[float, float, float, float, float]:
            p = ecm_parameters(cell, soc, temperature_c)
            return (float(p["r0_ohm"]), float(p["r1_ohm"]), float(p["c1_f"]), float(p["r2_ohm"]),
                    float(p["c2_f"]))

        return _Circuit(cell.capacity_ah, np.asarray(cell.ocv.soc, float), np.asarray(cell.ocv.voltage_v, float),
                        params, cell.voltage_min_v, cell.voltage_max_v, cell.max_discharge_c * cell.capacity_ah,
                        cell.max_charge_c * cell.capacity_ah, 0.0, 1.0, f"cell {cell.name!r}")
    if isinstance(target, PackModel):
        pk = target
        const = (pk.r0_ohm, pk.r1_ohm, pk.c1_f, pk.r2_ohm, pk.c2_f)
        factor = pack_resistance_factor

        def pack_params(soc: float, temperature_c: float) -> tuple[float, float, float, float, float]:
            if factor is None:
                return const
            f = float(factor(temperature_c))
            if not (math.isfinite(f) and f > 0.0):
                raise InputError("pack_resistance_factor", f"{f!r} at {temperature_c:g} °C", "a finite factor > 0")
            return (pk.r0_ohm * f, pk.r1_ohm * f, pk.c1_f, pk.r2_ohm * f, pk.c2_f)

        lo, hi = (pk.soc_min, pk.soc_max) if soc_window else (0.0, 1.0)
        name = f"pack ({pk.series}s{pk.parallel}p {pk.cell_name})" if pk.cell_name else "pack"
        return _Circuit(pk.capacity_ah, np.linspace(0.0, 1.0, pk.ocv_v.size), np.asarray(pk.ocv_v, float),
                        pack_params, pk.voltage_min_v, pk.voltage_max_v, pk.max_discharge_current_a,
                        pk.max_charge_current_a, lo, hi, name)
    raise InputError("target", type(target).__name__, "a CellSpec or a PackModel")


# ============================================================================================== numerics


@dataclass
class _State:
    soc: float
    v1: float
    v2: float


@dataclass
class _Sub:
    """One sub-step's result: constant current, end state, mean voltage and sums."""

    current_a: float
    end: _State
    mean_voltage_v: float
    limited: bool


def _pair(r: float, c: float, h: float) -> tuple[float, float, float]:
    """(d, a, b) of an RC pair over a step h: decay, weight of v in the mean, weight of I in the mean."""
    if r <= 0.0:
        return 0.0, 0.0, 0.0
    if h <= 0.0:
        return 1.0, 1.0, 0.0
    tau = r * c
    x = h / tau
    one_minus_d = -math.expm1(-x)
    a = one_minus_d / x
    return 1.0 - one_minus_d, a, r * (1.0 - a)


class _Runner:
    """Integrates one step's control on a circuit (see the module docstring for the equations)."""

    def __init__(self, circ: _Circuit, step: Step, clip_current: bool = False,
                 charge_limit: Callable[[float, float], float] | None = None) -> None:
        self.c = circ
        self.step = step
        self.q_as = circ.capacity_ah * 3600.0
        sign = -1.0 if step.kind == "charge" else 1.0
        if step.control == "current":
            self.i_set = sign * step.value
        elif step.control == "c_rate":
            self.i_set = sign * step.value * circ.capacity_ah
        else:
            self.i_set = 0.0
        self.p_set = sign * step.value if step.control == "power" else 0.0
        self.v_set = step.value if step.control == "voltage" else 0.0
        self.i_max = circ.max_discharge_current_a
        self.i_min = -circ.max_charge_current_a
        self.charge_limit = charge_limit
        #: Cell temperature [°C] of the current sub-step (set by the runner before each sub-step).
        self.temperature_c = REFERENCE_TEMPERATURE_C
        self.cc_limited = False
        if clip_current and step.control in ("current", "c_rate"):
            self.i_set, self.cc_limited = self._clip(self.i_set)

    def _set_limits(self, soc: float) -> None:
        """The charge-current limit in state ``soc``: the target's, or lower where ``charge_limit`` says so."""
        if self.charge_limit is None:
            return
        lim = float(self.charge_limit(soc, self.temperature_c))
        if not (math.isfinite(lim) and lim >= 0.0):
            raise InputError("charge_current_limit_a", f"{lim!r} A at SOC {soc:.6g}, {self.temperature_c:g} °C",
                             "a finite current ≥ 0 A")
        self.i_min = -min(self.c.max_charge_current_a, lim)

    def _cc_current(self) -> tuple[float, bool]:
        """Current of a constant-current step: a charge is clipped to a SOC/temperature-dependent limit."""
        if self.charge_limit is not None and self.i_set < self.i_min:
            return self.i_min, True
        return self.i_set, self.cc_limited

    def _cp_current(self, e: float, r: float) -> tuple[float, bool]:
        """Current [A] giving terminal power ``p_set`` with ``V = E − R·I``; at ``P > E²/4R`` the most there is."""
        if r <= 0.0:
            return self.p_set / e, False
        disc = e * e - 4.0 * r * self.p_set
        if disc < 0.0:
            return e / (2.0 * r), True
        return 2.0 * self.p_set / (e + math.sqrt(disc)), False

    def _clip(self, i: float) -> tuple[float, bool]:
        if i > self.i_max:
            return self.i_max, True
        if i < self.i_min:
            return self.i_min, True
        return i, False

    def substep(self, s: _State, h: float, prm: tuple[float, float, float, float, float]) -> _Sub:
        """Advance ``s`` by ``h`` seconds with the step's control (current constant over the sub-step)."""
        r0, r1, c1, r2, c2 = prm
        d1, a1, b1 = _pair(r1, c1, h)
        d2, a2, b2 = _pair(r2, c2, h)
        r_eff = r0 + b1 + b2
        rc_mean = a1 * s.v1 + a2 * s.v2
        ocv0 = self.c.ocv(s.soc)
        control = self.step.control
        limited = False

        def ocv_mean(i: float) -> float:
            return self.c.ocv_mean(s.soc, s.soc - i * h / self.q_as)

        self._set_limits(s.soc)
        if control in ("current", "c_rate"):
            i, limited = self._cc_current()
        elif control == "rest":
            i = 0.0
        else:
            e = ocv0 - rc_mean
            i = 0.0
            for _ in range(6):  # fixed point on the mean OCV; converges in 2–3 (h·I/Q ≪ 1)
                lim = False
                if control == "power":
                    i, lim = self._cp_current(e, r_eff)
                else:
                    i = (e - self.v_set) / r_eff
                i, clipped = self._clip(i)
                limited = lim or clipped
                e_new = ocv_mean(i) - rc_mean
                if abs(e_new - e) <= 1e-14 * abs(e):
                    break
                e = e_new
        soc1 = s.soc - i * h / self.q_as
        end = _State(soc1, d1 * s.v1 + r1 * i * (1.0 - d1) if r1 > 0 else 0.0,
                     d2 * s.v2 + r2 * i * (1.0 - d2) if r2 > 0 else 0.0)
        v_mean = self.c.ocv_mean(s.soc, soc1) - rc_mean - r_eff * i
        return _Sub(i, end, v_mean, limited)

    def instant(self, s: _State, prm: tuple[float, float, float, float, float],
                i_step: float) -> tuple[float, float, float, bool]:
        """Instantaneous (current [A], voltage [V], OCV [V], limited) in state ``s`` under the step's control."""
        r0 = prm[0]
        ocv = self.c.ocv(s.soc)
        e = ocv - s.v1 - s.v2
        control = self.step.control
        limited = False
        self._set_limits(s.soc)
        if control in ("current", "c_rate"):
            i, limited = self._cc_current()
        elif control == "rest":
            i = 0.0
        elif control == "power":
            i, limited = self._cp_current(e, r0)
            i, clipped = self._clip(i)
            limited = limited or clipped
        else:
            i = (e - self.v_set) / r0 if r0 > 0.0 else i_step
            i, limited = self._clip(i)
        return i, e - i * r0, ocv, limited


# ============================================================================================== runner


@dataclass(frozen=True)
class ProtocolResult:
    """A protocol run: ``data`` (one row per sample) and ``steps`` (one row per step).

    ``data`` columns: ``time_s``, ``step`` (index), ``step_text``, ``current_a`` (+ discharge), ``voltage_v``,
    ``power_w`` (= V·I, + discharge), ``soc``, ``ocv_v``, ``v_rc1_v``, ``v_rc2_v``, ``energy_wh`` and
    ``capacity_ah`` (cumulative from the start, + discharge), ``limited`` (a current limit acted). Values are
    instantaneous; a step's first and last rows are at its start and end, so a boundary time appears twice
    (the current before and after the change).

    ``steps`` columns: ``step``, ``step_text``, ``start_s``, ``duration_s``, ``end_reason``, ``energy_wh``,
    ``capacity_ah`` (of the step, + discharge), ``soc_start``, ``soc_end``, ``voltage_end_v``,
    ``current_end_a``, ``limited_s`` (time a current limit acted).
    """

    data: pd.DataFrame
    steps: pd.DataFrame

    @property
    def soc_end(self) -> float:
        """SOC at the end of the protocol."""
        return float(self.data["soc"].iloc[-1])


@dataclass
class _Check:
    """An end condition as a margin whose sign says whether it is met (≤ 0: met)."""

    name: str
    fn: Callable[[_State, float, float], float]  # (state, instantaneous current [A], voltage [V]) → margin


def _checks(step: Step, circ: _Circuit, s0: _State, i0: float) -> list[_Check]:
    """The step's end conditions: the user's first, then the target's limits (what a BMS would stop at).

    A hold keeps its voltage inside the window (checked before the run), so it gets no voltage limits; its
    SOC limit follows the sign of its current at the start.
    """
    out: list[_Check] = []
    discharging = step.kind == "discharge" or (step.kind == "hold" and i0 > 0)
    charging = step.kind == "charge" or (step.kind == "hold" and i0 < 0)
    for c in step.until:
        thr = c.value
        if c.kind == "voltage":
            sign = 1.0 if step.kind == "discharge" else -1.0
            out.append(_Check(f"voltage {c}", lambda s, i, v, thr=thr, sign=sign: sign * (v - thr)))
        elif c.kind == "soc":
            sign = 1.0 if (step.kind == "discharge" or (step.kind == "hold" and s0.soc > thr)) else -1.0
            out.append(_Check(f"soc {c}", lambda s, i, v, thr=thr, sign=sign: sign * (s.soc - thr)))
        else:
            thr *= circ.capacity_ah if c.kind == "c_rate" else 1.0
            out.append(_Check(f"current {c}", lambda s, i, v, thr=thr: abs(i) - thr))
    if step.kind == "discharge":
        out.append(_Check("voltage_min_v limit", lambda s, i, v: v - circ.voltage_min_v))
    if step.kind == "charge":
        out.append(_Check("voltage_max_v limit", lambda s, i, v: circ.voltage_max_v - v))
    if discharging:
        out.append(_Check("soc_min limit", lambda s, i, v: s.soc - circ.soc_low))
    if charging:
        out.append(_Check("soc_max limit", lambda s, i, v: circ.soc_high - s.soc))
    return out


def run_protocol(
    target: CellSpec | PackModel,
    steps: str | Step | Iterable[str | Step],
    soc_initial: float | None = None,
    temperature_c: float | Callable[[float], float] = 25.0,
    dt_s: float = 1.0,
    max_step_s: float = MAX_STEP_S,
    on_current_limit: Literal["error", "clip"] = "error",
    soc_window: bool = True,
    v_rc_initial_v: tuple[float, float] = (0.0, 0.0),
    charge_current_limit_a: Callable[[float, float], float] | None = None,
    pack_resistance_factor: Callable[[float], float] | None = None,
    temperature_advance: TemperatureAdvance | None = None,
) -> ProtocolResult:
    """Run a protocol on a cell or a pack; return the time series and the per-step summary.

    Parameters
    ----------
    target: a :class:`CellSpec` (one cell, parameters from :func:`tyaga.cell.ecm_parameters` at the SOC of
        each sub-step and ``temperature_c``) or a :class:`PackModel` (C-rates refer to the pack capacity,
        voltages and powers to the pack terminals; a pack's parameters are constants).
    steps: step strings and/or :class:`Step` objects (see :func:`parse_step`).
    soc_initial: coulombic SOC at the start (0 … 1); default: full (a pack: its ``soc_max``).
    temperature_c: cell temperature [°C]: a constant, or a function of the time since the protocol's start
        [s] → °C (a prescribed temperature history; it is evaluated at each sub-step's start and held over
        the sub-step). A cell's parameters follow it through ``ecm_parameters``; a pack's through
        ``pack_resistance_factor``.
    dt_s: time step [s] where a step gives no period; a step never takes a sub-step longer than this.
    max_step_s: safeguard on every step's duration [s]; a step that reaches it ends with reason
        ``"max_duration"``.
    on_current_limit: a constant-current step above the target's continuous current limit (``max_*_c`` of
        the cell, ``max_*_current_a`` of the pack) raises :class:`InputError` (``"error"``, default) or runs at
        the limit (``"clip"``, flagged in ``limited``). Power and hold steps are always clipped to the limits.
    soc_window: for a pack, end discharges at ``soc_min`` and charges at ``soc_max`` (the BMS window of the
        chain); ``False``: at 0 and 1. A cell's window is 0 … 1.
    v_rc_initial_v: RC-pair voltages at the start [V] (default: relaxed).
    charge_current_limit_a: optional charge-current limit of a BMS, ``f(soc, temperature_c) → A`` (a magnitude
        ≥ 0), evaluated at each sub-step's start; the limit used is the lower of it and the target's
        continuous charge limit. Power and hold steps are clipped to it, and so is a constant-current charge
        (flagged in ``limited``; with this limit a CC charge is a controller too). Default: none (the target's
        constant limit only).
    pack_resistance_factor: for a :class:`PackModel` (whose parameters are constants), the factor
        ``f(temperature_c)`` applied to its R0, R1 and R2 (capacitances unchanged, as in ``ecm_parameters``),
        e.g. the cell's Arrhenius factor. Not allowed with a :class:`CellSpec`, whose parameters already follow
        the temperature.
    temperature_advance: optional hook that makes the temperature a state (e.g. a lumped thermal model):
        ``f(time_s, dt_s, current_a, ocv_v, voltage_v) → °C``, called once after every sub-step, in order, with
        the sub-step's start time [s] since the protocol's start, its length [s] (0 where an end condition
        is met at the sub-step's start), its constant current [A] (+ discharge), its mean OCV [V] and its mean
        terminal voltage [V] (so ``(ocv_v − voltage_v)·current_a·dt_s`` is exactly the sub-step's loss
        energy, irreversible heat plus the change of the RC pairs' energy); it returns the temperature at the
        sub-step's end. ``temperature_c`` must then be a constant: the start temperature. The temperature is
        held over each sub-step and feeds the cell's parameters (or ``pack_resistance_factor``) and
        ``charge_current_limit_a`` as a prescribed temperature would; ``data`` gets a ``temperature_c`` column.
        Default: none (the temperature is the input ``temperature_c``; nothing changes).

    Returns
    -------
    :class:`ProtocolResult`; ``end_reason`` in the summary is the condition's text (``"voltage 2.5 V"``,
    ``"soc 80 %"``, ``"current C/20"``), ``"time"``, ``"max_duration"``, a limit of the target
    (``"voltage_min_v limit"``, ``"voltage_max_v limit"``, ``"soc_min limit"``, ``"soc_max limit"``), each with
    `` (met at start)`` when it held before the step could begin.
    """
    parsed = parse_protocol(steps)
    if not (math.isfinite(dt_s) and dt_s > 0):
        raise InputError("dt_s", dt_s, "a finite time step > 0 s")
    if not (math.isfinite(max_step_s) and max_step_s > 0):
        raise InputError("max_step_s", max_step_s, "a duration > 0 s")
    if on_current_limit not in ("error", "clip"):
        raise InputError("on_current_limit", on_current_limit, "'error' or 'clip'")
    if pack_resistance_factor is not None and not isinstance(target, PackModel):
        raise InputError("pack_resistance_factor", "(a function)", "a PackModel target only",
                         hint="a cell's resistances follow temperature_c through ecm_parameters")
    temp_state: list[float] = []  # with temperature_advance: the temperature state [°C], one element
    if temperature_advance is not None:
        if callable(temperature_c):
            raise InputError("temperature_c", "(a function of time)",
                             "a constant start temperature [°C] when temperature_advance is given",
                             hint="the hook then advances the temperature after each sub-step")
        temp_state.append(_temperature_function(temperature_c)(0.0))
        temp_at: Callable[[float], float] = lambda time_s: temp_state[0]  # noqa: E731
    else:
        temp_at = _temperature_function(temperature_c)
    circ = _circuit(target, soc_window, pack_resistance_factor)
    if soc_initial is None:
        soc_initial = circ.soc_high
    if not (math.isfinite(soc_initial) and 0.0 <= soc_initial <= 1.0):
        raise InputError("soc_initial", soc_initial, "0 ≤ soc_initial ≤ 1")
    for k, st in enumerate(parsed):
        _check_static(k, st, circ, on_current_limit, temp_at(0.0))

    state = _State(float(soc_initial), float(v_rc_initial_v[0]), float(v_rc_initial_v[1]))
    cols: dict[str, list[float]] = {n: [] for n in ("time_s", "current_a", "voltage_v", "soc", "ocv_v", "v_rc1_v",
                                                     "v_rc2_v", "energy_wh", "capacity_ah")}
    step_col: list[int] = []
    limited_col: list[bool] = []
    temp_col: list[float] = []
    summary: list[dict[str, object]] = []
    t = 0.0
    energy_wh = 0.0
    capacity_ah = 0.0

    def record(k: int, s: _State, i: float, v: float, ocv: float, lim: bool) -> None:
        for name, val in (("time_s", t), ("current_a", i), ("voltage_v", v), ("soc", s.soc), ("ocv_v", ocv),
                          ("v_rc1_v", s.v1), ("v_rc2_v", s.v2), ("energy_wh", energy_wh),
                          ("capacity_ah", capacity_ah)):
            cols[name].append(val)
        step_col.append(k)
        limited_col.append(lim)
        if temp_state:
            temp_col.append(temp_state[0])

    for k, st in enumerate(parsed):
        run = _Runner(circ, st, clip_current=on_current_limit == "clip", charge_limit=charge_current_limit_a)
        h_max = st.dt_s or dt_s
        limit_s = min(st.duration_s or math.inf, max_step_s)
        t_start, e_start, q_start, soc_start = t, energy_wh, capacity_ah, state.soc
        run.temperature_c = temp_at(t)
        prm = circ.params(state.soc, run.temperature_c)
        i_last, v_last, ocv0, lim0 = run.instant(state, prm, run.i_set)
        checks = _checks(st, circ, state, i_last)
        record(k, state, i_last, v_last, ocv0, lim0)
        reason = next((c.name + " (met at start)" for c in checks if c.fn(state, i_last, v_last) <= 0.0), None)
        elapsed = 0.0
        limited_s = 0.0
        while reason is None:
            remaining = limit_s - elapsed
            h = min(h_max, remaining)
            if remaining - h < 1e-9 * h_max:
                h = remaining
            run.temperature_c = temp_at(t_start + elapsed)
            prm = circ.params(state.soc, run.temperature_c)
            sub = run.substep(state, h, prm)
            i_end, v_end, ocv_end, lim_end = run.instant(sub.end, prm, sub.current_a)
            hit = [c for c in checks if c.fn(sub.end, i_end, v_end) <= 0.0]
            if hit:
                h, best = _locate(run, state, prm, h, hit)
                sub = run.substep(state, h, prm)
                i_end, v_end, ocv_end, lim_end = run.instant(sub.end, prm, sub.current_a)
                reason = best.name
            if temperature_advance is not None:
                _advance_temperature(temperature_advance, temp_state, t_start + elapsed, h, sub,
                                     circ.ocv_mean(state.soc, sub.end.soc))
            energy_wh += sub.mean_voltage_v * sub.current_a * h / 3600.0
            capacity_ah += sub.current_a * h / 3600.0
            elapsed += h
            t = t_start + elapsed
            if sub.limited:
                limited_s += h
            state = sub.end
            if reason is None and elapsed >= limit_s:
                reason = "time" if st.duration_s is not None and st.duration_s <= max_step_s else "max_duration"
            record(k, state, i_end, v_end, ocv_end, lim_end or sub.limited)
            i_last, v_last = i_end, v_end
        summary.append({
            "step": k, "step_text": str(st), "start_s": t_start, "duration_s": t - t_start, "end_reason": reason,
            "energy_wh": energy_wh - e_start, "capacity_ah": capacity_ah - q_start, "soc_start": soc_start,
            "soc_end": state.soc, "voltage_end_v": v_last, "current_end_a": i_last, "limited_s": limited_s,
        })

    data = pd.DataFrame({"time_s": cols["time_s"], "step": step_col,
                         "step_text": [str(parsed[k]) for k in step_col]})
    for name in ("current_a", "voltage_v"):
        data[name] = cols[name]
    data["power_w"] = data["current_a"] * data["voltage_v"]
    for name in ("soc", "ocv_v", "v_rc1_v", "v_rc2_v", "energy_wh", "capacity_ah"):
        data[name] = cols[name]
    data["limited"] = limited_col
    if temp_state:
        data["temperature_c"] = temp_col
    return ProtocolResult(data, pd.DataFrame(summary))



def _advance_temperature(hook: TemperatureAdvance, state: list[float], time_s: float, h: float, sub: _Sub,
                         ocv_mean_v: float) -> None:
    """Advance the temperature state over one sub-step with the hook; a non-finite answer is an InputError."""
    value = float(hook(time_s, h, sub.current_a, ocv_mean_v, sub.mean_voltage_v))
    if not math.isfinite(value):
        raise InputError("temperature_advance", f"{value!r} at t = {time_s + h:g} s", "a finite temperature [°C]")
    state[0] = value


def _locate(run: _Runner, s0: _State, prm: tuple[float, float, float, float, float], h: float,
            hit: list[_Check]) -> tuple[float, _Check]:
    """Length of the sub-step from ``s0`` at which the first of the conditions ``hit`` is met, and which.

    Each condition's margin is a function of the sub-step length ``hh`` (the sub-step re-run with that
    length); it is > 0 at ``hh = 0`` and ≤ 0 at ``h``, and Brent's method finds its root. Ties go to the
    condition listed first (the user's before the limits).
    """

    def margin(hh: float, c: _Check) -> float:
        sb = run.substep(s0, hh, prm)
        i, v, _, _ = run.instant(sb.end, prm, sb.current_a)
        return c.fn(sb.end, i, v)

    best_h, best = h, hit[0]
    for c in hit:
        if margin(0.0, c) <= 0.0:
            hh = 0.0
        else:
            hh = float(brentq(margin, 0.0, h, args=(c,), xtol=1e-12, rtol=1e-15, maxiter=200))
        if hh < best_h:
            best_h, best = hh, c
    return best_h, best


def _temperature_function(temperature_c: float | Callable[[float], float]) -> Callable[[float], float]:
    """``temperature_c`` (a constant or a function of time [s]) as a checked function of time → °C."""
    if callable(temperature_c):
        fn = temperature_c

        def checked(time_s: float) -> float:
            value = float(fn(time_s))
            if not math.isfinite(value):
                raise InputError("temperature_c", f"{value!r} at t = {time_s:g} s", "a finite temperature [°C]")
            return value

        return checked
    const = float(temperature_c)
    if not math.isfinite(const):
        raise InputError("temperature_c", temperature_c, "a finite temperature [°C] or a function of time")
    return lambda time_s: const


def _check_static(k: int, st: Step, circ: _Circuit, on_current_limit: str, temperature_c: float = 25.0) -> None:
    """Errors that need no simulation: a constant current over the limit, a hold outside the voltage window."""
    where = f"step {k} {str(st)!r}"
    if st.control in ("current", "c_rate"):
        i = st.value * (circ.capacity_ah if st.control == "c_rate" else 1.0)
        limit = circ.max_discharge_current_a if st.kind == "discharge" else circ.max_charge_current_a
        if i > limit * (1.0 + LIMIT_SLACK) and on_current_limit == "error":
            raise InputError(f"{where}: current", f"{i:.6g} A ({i / circ.capacity_ah:.4g}C)",
                             f"≤ {limit:.6g} A ({limit / circ.capacity_ah:.4g}C), the {circ.what}'s max continuous "
                             f"{st.kind} current", hint="lower the rate, or run with on_current_limit='clip'")
    if st.control == "voltage" and not (circ.voltage_min_v <= st.value <= circ.voltage_max_v):
        raise InputError(f"{where}: hold voltage", f"{st.value:g} V",
                         f"{circ.voltage_min_v:g} … {circ.voltage_max_v:g} V, the {circ.what}'s voltage window")
    if st.control == "voltage":
        r0, r1, _, r2, _ = circ.params(0.5, temperature_c)
        if r0 <= 0.0 and r1 <= 0.0 and r2 <= 0.0:
            raise InputError(f"{where}: hold", circ.what, "a circuit with some resistance (R0, R1 or R2 > 0)",
                             hint="with no resistance the hold current is undefined")
