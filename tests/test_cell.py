"""Unit tests of ``tyaga.cell`` (Thevenin cell physics, CellSpec schema) and the bundled cell files."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tyaga import cells
from tyaga.catalog import data_dir
from tyaga.cell import (
    OCV_GRID_POINTS,
    CellSpec,
    ocv,
    ocv_on_grid,
    rc_decay,
    rc_step,
    simulate_current,
    terminal_voltage,
)
from tyaga.errors import InputError, UnknownNameError

# --------------------------------------------------------------------------------------------- helpers


def cell_dict(**changes: Any) -> dict[str, Any]:
    """A valid small NMC cell as a plain dict; ``changes`` overrides (``None`` removes a key)."""
    data: dict[str, Any] = {
        "format_version": 1,
        "name": "test-cell",
        "chemistry": "NMC",
        "format": "pouch",
        "source": "unit test",
        "capacity_ah": 5.0,
        "nominal_voltage_v": 3.7,
        "voltage_min_v": 3.0,
        "voltage_max_v": 4.2,
        "mass_kg": 0.1,
        "max_discharge_c": 3.0,
        "max_charge_c": 1.0,
        "r0_ohm": 0.02,
        "r1_ohm": 0.01,
        "c1_f": 2000.0,
        "r2_ohm": 0.005,
        "c2_f": 60000.0,
        "ocv": {"soc": [0.0, 0.1, 0.5, 0.9, 1.0], "voltage_v": [3.0, 3.45, 3.7, 4.05, 4.2]},
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def make_cell(**changes: Any) -> CellSpec:
    """A validated :class:`CellSpec` from :func:`cell_dict`."""
    return CellSpec.model_validate(cell_dict(**changes))


def to_toml(data: dict[str, Any]) -> str:
    """Minimal TOML writer for a cell dict (scalars, then one level of tables)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{k}]"] + [f"{kk} = {value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def write_cell(tmp_path: Path, data: dict[str, Any], name: str = "my-cell.toml") -> Path:
    """Write ``data`` as a cell TOML file under ``tmp_path``; return the path."""
    path = tmp_path / name
    path.write_text(to_toml(data), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------- OCV


def test_ocv_is_exact_at_table_points() -> None:
    cell = make_cell()
    np.testing.assert_array_equal(ocv(cell, cell.ocv.soc), cell.ocv.voltage_v)


@given(st.floats(0.0, 1.0))
def test_ocv_is_linear_between_table_points(soc: float) -> None:
    cell = make_cell()
    s, v = cell.ocv.soc, cell.ocv.voltage_v
    k = min(int(np.searchsorted(s, soc, side="right")) - 1, len(s) - 2)
    expected = v[k] + (v[k + 1] - v[k]) * (soc - s[k]) / (s[k + 1] - s[k])
    assert float(ocv(cell, soc)) == pytest.approx(expected, abs=1e-12)


def test_ocv_holds_end_values_outside_0_1() -> None:
    cell = make_cell()
    assert float(ocv(cell, -0.2)) == 3.0
    assert float(ocv(cell, 1.3)) == 4.2


def test_ocv_on_grid_is_uniform_resampling() -> None:
    cell = make_cell()
    grid = ocv_on_grid(cell)
    assert grid.shape == (OCV_GRID_POINTS,)
    assert grid[0] == 3.0 and grid[-1] == 4.2
    np.testing.assert_allclose(grid, ocv(cell, np.linspace(0, 1, OCV_GRID_POINTS)))


def test_energy_of_a_linear_ocv_is_capacity_times_mean_voltage() -> None:
    cell = make_cell(ocv={"soc": [0.0, 1.0], "voltage_v": [3.0, 4.0]})
    assert cell.energy_wh == pytest.approx(5.0 * 3.5, rel=1e-12)


# --------------------------------------------------------------------------------------------- RC pair


@given(
    v0=st.floats(-0.5, 0.5),
    current=st.floats(-500.0, 500.0),
    r=st.floats(1e-5, 1.0),
    tau=st.floats(0.1, 5000.0),
    dt=st.floats(1e-3, 1e4),
)
def test_rc_step_is_the_analytic_solution(v0: float, current: float, r: float, tau: float, dt: float) -> None:
    """``C dv/dt = I − v/R`` has v(t) = R·I + (v0 − R·I)·e^(−t/τ)."""
    expected = r * current + (v0 - r * current) * math.exp(-dt / tau)
    scale = abs(v0) + abs(r * current)
    assert rc_step(v0, current, r, tau / r, dt) == pytest.approx(expected, rel=1e-12, abs=1e-13 * scale)


@given(
    v0=st.floats(-0.5, 0.5),
    current=st.floats(-500.0, 500.0),
    r=st.floats(1e-4, 0.1),
    tau=st.floats(1.0, 1000.0),
    dt1=st.floats(0.0, 500.0),
    dt2=st.floats(0.0, 500.0),
)
def test_rc_step_composes(v0: float, current: float, r: float, tau: float, dt1: float, dt2: float) -> None:
    """Two steps at the same current equal one step over the summed time (exactness, no step error)."""
    c = tau / r
    two = rc_step(rc_step(v0, current, r, c, dt1), current, r, c, dt2)
    one = rc_step(v0, current, r, c, dt1 + dt2)
    assert two == pytest.approx(one, rel=1e-9, abs=1e-12)


def test_rc_step_agrees_with_a_fine_runge_kutta_integration() -> None:
    r, c, current, v, dt = 0.01, 3000.0, 40.0, 0.1, 45.0
    n = 4500
    h = dt / n

    def f(x: float) -> float:
        return (current - x / r) / c

    for _ in range(n):
        k1 = f(v)
        k2 = f(v + h * k1 / 2)
        k3 = f(v + h * k2 / 2)
        k4 = f(v + h * k3)
        v += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    assert rc_step(0.1, current, r, c, dt) == pytest.approx(v, rel=1e-10)


def test_rc_step_limits() -> None:
    assert rc_step(0.3, 10.0, 0.0, 1.0, 5.0) == 0.0  # no pair
    assert rc_step(0.0, 10.0, 0.01, 100.0, 1e6) == pytest.approx(0.1)  # steady state R·I
    assert rc_step(0.2, 0.0, 0.01, 100.0, 0.0) == pytest.approx(0.2)  # no time, no change


def test_rc_decay_is_exp_and_zero_without_a_pair() -> None:
    out = rc_decay(2.0, np.array([0.0, 0.01, 0.02]), np.array([5.0, 100.0, 100.0]))
    np.testing.assert_allclose(out, [0.0, math.exp(-2.0), math.exp(-1.0)])


def test_terminal_voltage_formula() -> None:
    assert terminal_voltage(3.7, 10.0, 0.02, 0.05) == pytest.approx(3.7 - 0.2 - 0.05)
    assert terminal_voltage(3.7, -10.0, 0.02, -0.05) == pytest.approx(3.7 + 0.2 + 0.05)


# --------------------------------------------------------------------------------------------- simulate


profiles = st.lists(st.tuples(st.floats(0.1, 120.0), st.floats(-10.0, 15.0)), min_size=2, max_size=40)


@settings(max_examples=60)
@given(profiles, st.floats(0.3, 0.9))
def test_charge_is_conserved(steps: list[tuple[float, float]], soc0: float) -> None:
    """SOC is coulomb-counted: soc[k] = soc0 − Σ I·dt / (3600·Q) with the zero-order-hold current."""
    cell = make_cell()
    dt = np.array([d for d, _ in steps])
    t = np.concatenate([[0.0], np.cumsum(dt)])
    i = np.append([c for _, c in steps], 0.0)
    out = simulate_current(cell, t, i, soc0)
    expected = soc0 - np.concatenate([[0.0], np.cumsum(i[:-1] * dt)]) / (3600.0 * cell.capacity_ah)
    np.testing.assert_allclose(out["soc"], expected, rtol=0, atol=1e-12)


@settings(max_examples=40)
@given(profiles)
def test_splitting_steps_changes_nothing(steps: list[tuple[float, float]]) -> None:
    """Halving every step (same held current) gives the same states at the original times: exactness."""
    cell = make_cell()
    dt = np.array([d for d, _ in steps])
    t = np.concatenate([[0.0], np.cumsum(dt)])
    i = np.append([c for _, c in steps], 0.0)
    t2 = np.sort(np.concatenate([t, t[:-1] + dt / 2]))
    i2 = np.append(np.repeat(i[:-1], 2), 0.0)
    a = simulate_current(cell, t, i, 0.6)
    b = simulate_current(cell, t2, i2, 0.6)
    for key in ("soc", "v_rc1_v", "v_rc2_v"):
        np.testing.assert_allclose(b[key][::2], a[key], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b["voltage_v"][::2][:-1], a["voltage_v"][:-1], rtol=0, atol=1e-9)


def test_first_sample_sees_only_r0_and_steady_state_sees_all_resistances() -> None:
    cell = make_cell(capacity_ah=1000.0)  # big, so SOC hardly moves
    t = np.linspace(0.0, 20000.0, 2001)
    current = 10.0
    out = simulate_current(cell, t, np.full(t.size, current), 0.5)
    assert out["voltage_v"][0] == pytest.approx(3.7 - current * cell.r0_ohm)
    r_total = cell.r0_ohm + cell.r1_ohm + cell.r2_ohm
    assert out["voltage_v"][-1] == pytest.approx(out["ocv_v"][-1] - current * r_total, abs=1e-6)


def test_voltage_relaxes_to_ocv_after_a_pulse() -> None:
    cell = make_cell()
    t = np.arange(0.0, 20001.0, 10.0)
    i = np.where(t < 60.0, 20.0, 0.0)
    out = simulate_current(cell, t, i, 0.5)
    assert out["voltage_v"][-1] == pytest.approx(out["ocv_v"][-1], abs=1e-6)
    assert out["current_a"][5] == 20.0 and out["current_a"][6] == 0.0


def test_last_sample_uses_the_previous_steps_current() -> None:
    cell = make_cell()
    out = simulate_current(cell, [0.0, 1.0, 2.0], [1.0, 2.0, 99.0], 0.5)
    np.testing.assert_array_equal(out["current_a"], [1.0, 2.0, 2.0])


@pytest.mark.parametrize(
    ("t", "i"),
    [([0.0, 1.0], [1.0]), ([0.0], [1.0]), ([0.0, 1.0, 1.0], [1.0, 1.0, 1.0]), ([[0.0, 1.0]], [[1.0, 1.0]])],
)
def test_simulate_current_rejects_bad_arrays(t: list[Any], i: list[Any]) -> None:
    with pytest.raises(ValueError):
        simulate_current(make_cell(), t, i)


# --------------------------------------------------------------------------------------------- bundled


SPECIFIC_ENERGY_WH_PER_KG = {"LFP": (80, 200), "NMC": (120, 300), "NCA": (150, 300), "LTO": (40, 120)}


def test_library_has_lfp_nmc_and_lto() -> None:
    chemistries = {cells.load(n).chemistry for n in cells.names()}
    assert len(cells.names()) >= 3
    assert {"LFP", "NMC", "LTO"} <= chemistries


@pytest.mark.parametrize("name", cells.names())
def test_bundled_cell_is_complete_and_plausible(name: str) -> None:
    cell = cells.load(name)
    path = data_dir("cells") / f"{name}.toml"
    assert cell.name == name
    assert cells.load(path) == cell
    assert "==" in cell.source and "Licence" in cell.source and "NOTICE.md" in cell.source
    # OCV table: small, inside the cut-offs, nominal voltage inside its range
    assert 2 <= len(cell.ocv.soc) <= 101
    assert cell.voltage_min_v - 1e-9 <= cell.ocv.voltage_v[0] < cell.ocv.voltage_v[-1] <= cell.voltage_max_v + 1e-9
    assert cell.ocv.voltage_v[0] < cell.nominal_voltage_v < cell.ocv.voltage_v[-1]
    # open-circuit energy within a few % of capacity × nominal voltage
    assert cell.energy_wh == pytest.approx(cell.capacity_ah * cell.nominal_voltage_v, rel=0.05)
    lo, hi = SPECIFIC_ENERGY_WH_PER_KG[cell.chemistry]
    assert lo <= cell.energy_wh / cell.mass_kg <= hi
    # Thevenin parameters: at least one RC pair with a sensible time constant; the DC drop at 1C is a
    # small fraction of the voltage (catches mΩ-for-Ω slips; the LTO cell's borrowed R is the lowest, 0.3 %)
    assert cell.r0_ohm > 0 and cell.r1_ohm > 0
    assert 1.0 <= cell.tau1_s <= 1000.0
    assert cell.r2_ohm == 0 or 1.0 <= cell.tau2_s <= 5000.0
    r_dc = cell.r0_ohm + cell.r1_ohm + cell.r2_ohm
    assert 0.002 < r_dc * cell.capacity_ah / cell.nominal_voltage_v < 0.1
    # every assumption and derivation is written down
    assert cell.notes.strip()
    if cell.derived:
        assert "DERIVED" in cell.notes


def test_bundled_files_have_only_schema_keys() -> None:
    """The files are plain TOML the schema accepts as-is (no defaults hide a missing field)."""
    for name in cells.names():
        data = tomllib.loads((data_dir("cells") / f"{name}.toml").read_text(encoding="utf-8"))
        assert set(data) == set(CellSpec.model_fields), name


def test_unknown_cell_name_suggests_a_close_one() -> None:
    with pytest.raises(UnknownNameError) as info:
        cells.load("lfp-sony-us2665")
    assert info.value.field == "cell"
    assert "lfp-sony-us26650" in str(info.value)


def test_user_file_round_trips(tmp_path: Path) -> None:
    data = cell_dict()
    assert cells.load(write_cell(tmp_path, data)) == CellSpec.model_validate(data)


# --------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "field", "allowed"),
    [
        ({"capacity_ah": -3.0}, "capacity_ah", "> 0"),
        ({"capacity_ah": 0.0}, "capacity_ah", "> 0"),
        ({"mass_kg": None}, "mass_kg", "required"),
        ({"r1_ohm": -0.01}, "r1_ohm", "≥ 0"),
        ({"c1_f": 0.0}, "c1_f", "> 0"),
        ({"chemistry": "NiMH"}, "chemistry", "LFP"),
        ({"format": "coin"}, "format", "pouch"),
        ({"format_version": 2}, "format_version", "1"),
        ({"colour": "blue"}, "colour", "unknown key"),
        ({"ocv": {"soc": [0.0, 0.6, 0.5, 1.0], "voltage_v": [3.0, 3.5, 3.6, 4.2]}}, "ocv", "increasing"),
        ({"ocv": {"soc": [0.0, 0.5, 1.0], "voltage_v": [3.0, 3.5]}}, "ocv", "points"),
        ({"ocv": {"soc": [0.1, 0.5, 1.0], "voltage_v": [3.0, 3.5, 4.0]}}, "ocv", "cover 0 and 1"),
        ({"ocv": {"soc": [0.0, 0.5, 1.0], "voltage_v": [3.0, 3.9, 3.8]}}, "ocv", "not decrease"),
        ({"ocv": {"soc": [0.0, 1.0], "voltage_v": [3.0, 4.0], "temp": 25}}, "ocv.temp", "unknown key"),
    ],
)
def test_bad_cell_file_names_the_field(tmp_path: Path, changes: dict[str, Any], field: str, allowed: str) -> None:
    path = write_cell(tmp_path, cell_dict(**changes))
    with pytest.raises(InputError) as info:
        cells.load(path)
    err = info.value
    assert err.field == field
    assert allowed in err.allowed
    assert err.source == str(path)


def test_cut_offs_out_of_order_are_named(tmp_path: Path) -> None:
    path = write_cell(tmp_path, cell_dict(voltage_min_v=4.3))
    with pytest.raises(InputError, match="voltage_min_v"):
        cells.load(path)


def test_toml_syntax_error_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("capacity_ah = = 3\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        cells.load(path)
    assert info.value.field == "TOML syntax"


@settings(max_examples=30)
@given(
    field=st.sampled_from(["capacity_ah", "mass_kg", "r0_ohm", "r1_ohm", "r2_ohm", "max_charge_c"]),
    value=st.floats(-1e6, -1e-9),
)
def test_any_negative_rating_is_rejected_by_name(field: str, value: float) -> None:
    from pydantic import ValidationError

    from tyaga.catalog import validation_error_to_input_error

    data = cell_dict(**{field: value})
    with pytest.raises(ValidationError) as info:
        CellSpec.model_validate(data)
    assert validation_error_to_input_error(info.value, None, data).field == field
