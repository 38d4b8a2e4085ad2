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
    DEFAULT_ACTIVATION_ENERGY_J_PER_MOL,
    ECM_KEYS,
    OCV_GRID_POINTS,
    CellSpec,
    arrhenius_factor,
    ecm_parameters,
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


def test_library_covers_chemistries_and_formats() -> None:
    """Issue 3: ≥ 8 cells, each of LFP, NMC, NCA, LTO and each of cylindrical, pouch, prismatic at least once."""
    lib = [cells.load(n) for n in cells.names()]
    assert len(lib) >= 8
    assert {"LFP", "NMC", "NCA", "LTO"} <= {c.chemistry for c in lib}
    assert {"cylindrical", "pouch", "prismatic"} <= {c.format for c in lib}
    # at least one cell of each of LFP and NMC has measured or fitted tables over temperature
    for chem in ("LFP", "NMC"):
        assert any(c.ecm is not None and len(c.ecm.temperature_c) >= 3 for c in lib if c.chemistry == chem)


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
    """The files are plain TOML the schema accepts as-is: every field is written out (no default hides a
    missing one); only the optional ``[ecm]`` table and the dimensions of the other formats may be absent."""
    for name in cells.names():
        data = tomllib.loads((data_dir("cells") / f"{name}.toml").read_text(encoding="utf-8"))
        other = {"length_mm", "thickness_mm"} if data["format"] == "cylindrical" else {"diameter_mm"}
        assert set(CellSpec.model_fields) - {"ecm"} - other <= set(data) <= set(CellSpec.model_fields) - other, name


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


# --------------------------------------------------------------------------------------------- datasheet fields

#: Plausible cell-level energy per envelope volume by chemistry [Wh/L] (published ranges: LFP 200–450,
#: NMC/NCA 250–750, LTO 80–250; generous bounds catch a mm-for-cm or Ah-for-mAh slip, not a datasheet error).
VOLUMETRIC_ENERGY_WH_PER_L = {"LFP": (150, 500), "NMC": (200, 800), "NCA": (300, 800), "LTO": (50, 300)}


@pytest.mark.parametrize("name", cells.names())
def test_bundled_cell_has_datasheet_fields(name: str) -> None:
    cell = cells.load(name)
    for key in ("max_discharge_peak_c", "max_charge_peak_c", "specific_heat_j_per_kg_k", "cost_per_kwh_usd",
                "cost_source", "height_mm"):
        assert getattr(cell, key) is not None, f"{name}: {key} missing"
    assert cell.max_discharge_peak_c >= cell.max_discharge_c  # type: ignore[operator]
    assert cell.max_charge_peak_c >= cell.max_charge_c  # type: ignore[operator]
    assert "ASSUMPTION" in cell.cost_source or "quote" in cell.cost_source  # type: ignore[operator]
    assert cell.volume_l is not None and cell.volumetric_energy_wh_per_l is not None
    lo, hi = VOLUMETRIC_ENERGY_WH_PER_L[cell.chemistry]
    assert lo <= cell.volumetric_energy_wh_per_l <= hi, f"{name}: {cell.volumetric_energy_wh_per_l:.0f} Wh/L"
    assert 700 <= cell.specific_heat_j_per_kg_k <= 1300  # type: ignore[operator]
    assert cell.heat_capacity_j_per_k == pytest.approx(cell.mass_kg * cell.specific_heat_j_per_kg_k)


@pytest.mark.parametrize("name", cells.names())
def test_bundled_constants_are_the_25c_half_soc_table_values(name: str) -> None:
    """Everything that reads r0_ohm … c2_f directly (the pack engine) sees the 25 °C, 50 % SOC values."""
    cell = cells.load(name)
    p = ecm_parameters(cell, 0.5, 25.0)
    for key in ECM_KEYS:
        assert float(p[key]) == pytest.approx(getattr(cell, key), rel=2e-3), f"{name}: {key}"


@pytest.mark.parametrize("name", cells.names())
def test_bundled_resistance_rises_in_the_cold(name: str) -> None:
    cell = cells.load(name)
    cold, warm = ecm_parameters(cell, 0.5, -10.0), ecm_parameters(cell, 0.5, 40.0)
    r_cold = cold["r0_ohm"] + cold["r1_ohm"] + cold["r2_ohm"]
    r_warm = warm["r0_ohm"] + warm["r1_ohm"] + warm["r2_ohm"]
    assert r_cold > r_warm
    if cell.ecm is not None and cell.ecm.r0_ohm is not None and cell.derived:
        # fitted tables: the DC resistance at -10 °C is at least 1.5x that at 40 °C (DFN kinetics)
        assert r_cold > 1.5 * r_warm


def test_volume_and_volumetric_energy_of_a_box_and_a_cylinder() -> None:
    box = make_cell(length_mm=100.0, thickness_mm=10.0, height_mm=200.0)
    assert box.volume_l == pytest.approx(0.2)
    assert box.volumetric_energy_wh_per_l == pytest.approx(box.energy_wh / 0.2)
    cyl = make_cell(format="cylindrical", diameter_mm=20.0, height_mm=100.0)
    assert cyl.volume_l == pytest.approx(math.pi / 4 * 20.0**2 * 100.0 * 1e-6, rel=1e-12)
    assert make_cell().volume_l is None and make_cell().volumetric_energy_wh_per_l is None


# --------------------------------------------------------------------------------------------- ECM tables

ECM_TABLE: dict[str, Any] = {
    "soc": [0.2, 0.5, 0.8],
    "temperature_c": [0.0, 25.0],
    "r0_ohm": [[0.04, 0.03, 0.035], [0.02, 0.015, 0.018]],
    "r1_ohm": [[0.03, 0.02, 0.025], [0.01, 0.008, 0.009]],
    "c1_f": [[1000.0, 1500.0, 1200.0], [2000.0, 2500.0, 2200.0]],
}


def table_cell(**changes: Any) -> CellSpec:
    """The test cell with :data:`ECM_TABLE` (``changes`` update the ``[ecm]`` table; None removes a key)."""
    ecm = {k: v for k, v in ({**ECM_TABLE, **changes}).items() if v is not None}
    return make_cell(ecm=ecm)


def test_no_table_25c_gives_the_constants() -> None:
    cell = make_cell()
    p = ecm_parameters(cell, [0.1, 0.5, 0.9], 25.0)
    for key in ECM_KEYS:
        np.testing.assert_array_equal(p[key], np.full(3, getattr(cell, key)))


@settings(max_examples=40)
@given(temperature_c=st.floats(-40.0, 80.0), ea=st.floats(0.0, 80000.0))
def test_arrhenius_fallback_scales_resistances_only(temperature_c: float, ea: float) -> None:
    cell = make_cell(activation_energy_j_per_mol=ea)
    p = ecm_parameters(cell, 0.5, temperature_c)
    factor = math.exp(ea / 8.314462618 * (1.0 / (temperature_c + 273.15) - 1.0 / 298.15))
    for key in ("r0_ohm", "r1_ohm", "r2_ohm"):
        assert float(p[key]) == pytest.approx(getattr(cell, key) * factor, rel=1e-12)
    for key in ("c1_f", "c2_f"):
        assert float(p[key]) == getattr(cell, key)


def test_arrhenius_default_and_its_size() -> None:
    """Default activation energy: resistance ×3 from 25 °C to 0 °C, ×5 to -10 °C (documented in docs/cells.md)."""
    cell = make_cell()
    assert cell.activation_energy_j_per_mol == DEFAULT_ACTIVATION_ENERGY_J_PER_MOL
    ratio = float(ecm_parameters(cell, 0.5, -10.0)["r0_ohm"]) / cell.r0_ohm
    assert ratio == pytest.approx(float(arrhenius_factor(-10.0, 25.0, DEFAULT_ACTIVATION_ENERGY_J_PER_MOL)))
    assert 4.5 < ratio < 5.5
    assert 2.8 < float(arrhenius_factor(0.0, 25.0, DEFAULT_ACTIVATION_ENERGY_J_PER_MOL)) < 3.2
    assert float(arrhenius_factor(25.0, 25.0, 50000.0)) == 1.0


def test_table_is_exact_at_its_nodes() -> None:
    cell = table_cell()
    for j, temp in enumerate(ECM_TABLE["temperature_c"]):
        p = ecm_parameters(cell, ECM_TABLE["soc"], temp)
        for key in ("r0_ohm", "r1_ohm", "c1_f"):
            np.testing.assert_allclose(p[key], ECM_TABLE[key][j], rtol=1e-14)


@given(soc=st.floats(0.2, 0.8), temperature_c=st.floats(0.0, 25.0))
def test_table_is_bilinear_inside(soc: float, temperature_c: float) -> None:
    cell = table_cell()
    s_ax, t_ax = ECM_TABLE["soc"], ECM_TABLE["temperature_c"]
    k = 0 if soc <= 0.5 else 1
    u = (soc - s_ax[k]) / (s_ax[k + 1] - s_ax[k])
    w = (temperature_c - t_ax[0]) / (t_ax[1] - t_ax[0])
    for key in ("r0_ohm", "r1_ohm", "c1_f"):
        g = ECM_TABLE[key]
        lo = g[0][k] + u * (g[0][k + 1] - g[0][k])
        hi = g[1][k] + u * (g[1][k + 1] - g[1][k])
        assert float(ecm_parameters(cell, soc, temperature_c)[key]) == pytest.approx(lo + w * (hi - lo), rel=1e-12)


@given(soc=st.floats(-1.0, 2.0), temperature_c=st.floats(-80.0, 150.0))
def test_table_is_clamped_at_its_edges(soc: float, temperature_c: float) -> None:
    cell = table_cell()
    inside = ecm_parameters(cell, min(max(soc, 0.2), 0.8), min(max(temperature_c, 0.0), 25.0))
    outside = ecm_parameters(cell, soc, temperature_c)
    for key in ("r0_ohm", "r1_ohm", "c1_f"):  # the tabled parameters (R2 without a table follows Arrhenius)
        assert float(outside[key]) == pytest.approx(float(inside[key]), rel=1e-12)


def test_parameters_without_a_table_use_the_constants_and_arrhenius() -> None:
    cell = table_cell()  # no r2/c2 tables
    p = ecm_parameters(cell, 0.5, 0.0)
    assert float(p["r2_ohm"]) == pytest.approx(cell.r2_ohm * float(arrhenius_factor(0.0, 25.0,
                                               cell.activation_energy_j_per_mol)), rel=1e-12)
    assert float(p["c2_f"]) == cell.c2_f


def test_single_temperature_table_is_scaled_by_arrhenius_from_its_temperature() -> None:
    cell = table_cell(temperature_c=[10.0], r0_ohm=[[0.04, 0.03, 0.035]], r1_ohm=[[0.03, 0.02, 0.025]],
                      c1_f=[[1000.0, 1500.0, 1200.0]])
    p10, p40 = ecm_parameters(cell, 0.5, 10.0), ecm_parameters(cell, 0.5, 40.0)
    assert float(p10["r0_ohm"]) == pytest.approx(0.03, rel=1e-12)
    expected = 0.03 * float(arrhenius_factor(40.0, 10.0, cell.activation_energy_j_per_mol))
    assert float(p40["r0_ohm"]) == pytest.approx(expected, rel=1e-12)
    assert float(p40["c1_f"]) == pytest.approx(1500.0, rel=1e-12)


def test_ecm_parameters_broadcast() -> None:
    cell = table_cell()
    p = ecm_parameters(cell, np.array([[0.3], [0.6]]), np.array([0.0, 10.0, 20.0]))
    assert all(v.shape == (2, 3) for v in p.values())
    assert float(p["r0_ohm"][1, 2]) == pytest.approx(float(ecm_parameters(cell, 0.6, 20.0)["r0_ohm"]), rel=1e-12)


def test_ocv_follows_the_entropic_coefficient() -> None:
    dudt = [-2e-4, 0.0, 1e-4, 2e-4, 3e-4]
    cell = make_cell(ocv={**cell_dict()["ocv"], "entropic_v_per_k": dudt})
    soc = np.array([0.0, 0.3, 0.9])
    np.testing.assert_allclose(ocv(cell, soc, 25.0), ocv(cell, soc), rtol=0, atol=1e-15)
    expected = ocv(cell, soc) + np.interp(soc, cell.ocv.soc, dudt) * (45.0 - 25.0)
    np.testing.assert_allclose(ocv(cell, soc, 45.0), expected, rtol=0, atol=1e-14)
    assert float(ocv(make_cell(), 0.5, -10.0)) == float(ocv(make_cell(), 0.5))  # no coefficient: no T effect


# ------------------------------------------------------------------------------ temperature in simulate_current


def reference_loop(cell: CellSpec, t: np.ndarray, i: np.ndarray, soc0: float, temp: np.ndarray) -> np.ndarray:
    """Plain per-step loop: parameters at the start of each step, exact RC step (the documented scheme)."""
    soc, v1, v2 = soc0, 0.0, 0.0
    out = []
    for k in range(t.size):
        p = {key: float(val) for key, val in ecm_parameters(cell, soc, temp[k]).items()}
        cur = i[k] if k < t.size - 1 else i[k - 1]
        out.append(float(ocv(cell, soc, temp[k])) - cur * p["r0_ohm"] - v1 - v2)
        if k < t.size - 1:
            dt = t[k + 1] - t[k]
            v1 = rc_step(v1, i[k], p["r1_ohm"], p["c1_f"], dt)
            v2 = rc_step(v2, i[k], p["r2_ohm"], p["c2_f"], dt)
            soc -= i[k] * dt / (3600.0 * cell.capacity_ah)
    return np.asarray(out)


@settings(max_examples=25, deadline=None)
@given(
    currents=st.lists(st.floats(-10.0, 15.0), min_size=3, max_size=40),
    temps=st.lists(st.floats(-20.0, 50.0), min_size=3, max_size=40),
    soc0=st.floats(0.3, 0.9),
)
def test_simulate_current_matches_the_per_step_scheme(currents: list[float], temps: list[float], soc0: float) -> None:
    n = min(len(currents), len(temps))
    t = np.cumsum(np.r_[0.0, np.full(n - 1, 7.0)])
    i, temp = np.asarray(currents[:n]), np.asarray(temps[:n])
    cell = table_cell(r2_ohm=[[0.01, 0.012, 0.011], [0.004, 0.005, 0.0045]])
    out = simulate_current(cell, t, i, soc0, temperature_c=temp)
    np.testing.assert_allclose(out["voltage_v"], reference_loop(cell, t, i, soc0, temp), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out["temperature_c"], temp)


def test_simulate_current_scalar_temperature_and_cold_sag() -> None:
    cell = table_cell()
    t = np.arange(0.0, 61.0)
    i = np.full(t.size, 10.0)
    warm = simulate_current(cell, t, i, 0.8)["voltage_v"]
    np.testing.assert_array_equal(warm, simulate_current(cell, t, i, 0.8, temperature_c=25.0)["voltage_v"])
    cold = simulate_current(cell, t, i, 0.8, temperature_c=0.0)["voltage_v"]
    assert np.all(cold[1:] < warm[1:] - 0.1)  # 10 A × (≥ 0.015 Ω more R0 and R1 at 0 °C)
    ramp = simulate_current(cell, t, i, 0.8, temperature_c=np.linspace(0.0, 25.0, t.size))["voltage_v"]
    assert ramp[0] == pytest.approx(cold[0]) and ramp[-1] > cold[-1]


def test_simulate_current_rejects_a_wrong_temperature_length() -> None:
    with pytest.raises(ValueError, match="temperature_c"):
        simulate_current(make_cell(), [0.0, 1.0, 2.0], [1.0, 1.0, 1.0], 0.5, temperature_c=[25.0, 25.0])


# --------------------------------------------------------------------------------------------- bad tables


@pytest.mark.parametrize(
    ("changes", "field", "value", "allowed"),
    [
        ({"soc": [0.2, 0.8, 0.5]}, "ecm.soc[2]", 0.5, "strictly increasing"),
        ({"soc": [0.2, 0.5, 1.2]}, "ecm.soc[2]", 1.2, "0 … 1"),
        ({"temperature_c": [25.0, 0.0]}, "ecm.temperature_c[1]", 0.0, "strictly increasing"),
        ({"temperature_c": [0.0, 250.0]}, "ecm.temperature_c[1]", 250.0, "-60 … 100"),
        ({"r0_ohm": [[0.04, 0.03, 0.035], [0.02, -0.001, 0.018]]}, "ecm.r0_ohm[1][1]", -0.001, "≥ 0"),
        ({"r1_ohm": [[0.03, math.nan, 0.025], [0.01, 0.008, 0.009]]}, "ecm.r1_ohm[0][1]", None, "≥ 0"),
        ({"c1_f": [[0.0, 1500.0, 1200.0], [2000.0, 2500.0, 2200.0]]}, "ecm.c1_f[0][0]", 0.0, "> 0"),
        ({"r0_ohm": [[0.04, 0.03, 0.035]]}, "ecm.r0_ohm", "1 rows", "one row per ecm.temperature_c point (2)"),
        ({"r1_ohm": [[0.03, 0.02], [0.01, 0.008, 0.009]]}, "ecm.r1_ohm[0]", "2 values", "one value per ecm.soc"),
        ({"r0_ohm": None, "r1_ohm": None, "c1_f": None}, "ecm", "no parameter table", "at least one of"),
    ],
)
def test_bad_ecm_table_names_field_and_value(
    tmp_path: Path, changes: dict[str, Any], field: str, value: object, allowed: str
) -> None:
    ecm = {k: v for k, v in ({**ECM_TABLE, **changes}).items() if v is not None}
    path = tmp_path / "my-cell.toml"
    path.write_text(to_toml(cell_dict()) + "\n" + ecm_toml(ecm), encoding="utf-8")
    with pytest.raises(InputError) as info:
        cells.load(path)
    err = info.value
    assert err.field == field
    if value is None:
        assert isinstance(err.value, float) and math.isnan(err.value)
    else:
        assert err.value == value
    assert allowed in err.allowed
    assert err.source == str(path)
    assert field in str(err)


def ecm_toml(ecm: dict[str, Any]) -> str:
    """An ``[ecm]`` table as TOML (2-D lists written as nested arrays; NaN as ``nan``)."""

    def val(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return "nan" if isinstance(v, float) and math.isnan(v) else repr(v)

    return "[ecm]\n" + "\n".join(f"{k} = {val(v)}" for k, v in ecm.items()) + "\n"


@pytest.mark.parametrize(
    ("changes", "field", "allowed"),
    [
        ({"activation_energy_j_per_mol": -1.0}, "activation_energy_j_per_mol", "≥ 0"),
        ({"ocv": {**cell_dict()["ocv"], "entropic_v_per_k": [0.0, 0.0]}}, "ocv.entropic_v_per_k", "one value per"),
        ({"ocv": {**cell_dict()["ocv"], "entropic_v_per_k": [0.0, 0.0, 0.1, 0.0, 0.0]}},
         "ocv.entropic_v_per_k[2]", "−0.005 … 0.005"),
        ({"length_mm": 100.0, "thickness_mm": 10.0}, "(top level)", "height_mm"),
    ],
)
def test_bad_temperature_fields_are_named(tmp_path: Path, changes: dict[str, Any], field: str, allowed: str) -> None:
    path = write_cell(tmp_path, cell_dict(**changes))
    with pytest.raises(InputError) as info:
        cells.load(path)
    assert info.value.field == field
    assert allowed in info.value.allowed
