"""The pack builder (tyaga.pack): every derived figure on hand-checked numbers, properties, two published
pack families, bad input and the ``tyaga pack`` commands.

The hand-checked cell ("toy") has a linear OCV from 3.0 V (SOC 0) to 4.0 V (SOC 1), 10 Ah, 0.2 kg,
100 × 10 × 100 mm (0.1 L), R0 = R1 = 1 mΩ with τ1 = 10 s, 2C continuous and 5C peak, 100 USD/kWh:
its energy is 10 Ah × 3.5 V = 35 Wh, and every figure below follows by hand from those numbers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tyaga import pack
from tyaga.battery import pack_from_cell
from tyaga.catalog import resolve
from tyaga.cell import CellSpec
from tyaga.cli import app
from tyaga.errors import InputError, UnknownNameError


def toy_cell(**changes: Any) -> CellSpec:
    data: dict[str, Any] = {
        "name": "toy", "chemistry": "NMC", "format": "pouch", "source": "hand-made test cell",
        "capacity_ah": 10.0, "nominal_voltage_v": 3.6, "voltage_min_v": 3.0, "voltage_max_v": 4.0,
        "mass_kg": 0.2, "max_discharge_c": 2.0, "max_discharge_peak_c": 5.0, "max_charge_c": 1.0,
        "r0_ohm": 0.001, "r1_ohm": 0.001, "c1_f": 10000.0, "ocv": {"soc": [0.0, 1.0], "voltage_v": [3.0, 4.0]},
        "length_mm": 100.0, "thickness_mm": 10.0, "height_mm": 100.0,
        "cost_per_kwh_usd": 100.0, "cost_source": "test assumption",
    }
    data.update(changes)
    return CellSpec.model_validate(data)


TOY = toy_cell()


def design(**kw: Any) -> pack.PackDesign:
    base: dict[str, Any] = {"cell": TOY, "series": 10, "parallel": 2}
    return pack.PackDesign(**(base | kw))


# ---------------------------------------------------------------- derived figures, by hand


def test_energy_gross_and_usable() -> None:
    d = design(soc_min=0.2, soc_max=0.8)
    assert pack.gross_energy_wh(d) == pytest.approx(20 * 35.0)  # 20 cells × 35 Wh
    # 0.6 of the SOC range at a mean OCV of 3.5 V: 0.6 × 3.5 V × 10 Ah = 21 Wh per cell
    assert pack.usable_energy_wh(d) == pytest.approx(20 * 21.0)
    assert pack.capacity_ah(d) == pytest.approx(20.0)


def test_voltages() -> None:
    d = design()
    assert pack.nominal_voltage_v(d) == pytest.approx(36.0)  # 10 × 3.6 V (datasheet)
    assert pack.voltage_min_v(d) == pytest.approx(30.0)
    assert pack.voltage_max_v(d) == pytest.approx(40.0)
    assert pack.mean_ocv_v(d) == pytest.approx(35.0)  # 10 × mean OCV 3.5 V


def test_mass_volume_and_density_with_ratios() -> None:
    d = design(cell_to_pack_mass_ratio=0.5, cell_to_pack_volume_ratio=0.4)
    assert pack.cells_mass_kg(d) == pytest.approx(4.0)
    assert pack.pack_mass_kg(d) == pytest.approx(8.0)
    assert pack.cells_volume_l(d) == pytest.approx(2.0)  # 20 × 0.1 L
    assert pack.pack_volume_l(d) == pytest.approx(5.0)
    dens = pack.densities(d)
    assert dens["cell_wh_per_kg"] == pytest.approx(175.0)
    assert dens["cell_wh_per_l"] == pytest.approx(350.0)
    assert dens["pack_wh_per_kg"] == pytest.approx(87.5)
    assert dens["pack_wh_per_l"] == pytest.approx(140.0)


def test_mass_volume_with_explicit_housing() -> None:
    d = design(housing_mass_kg=1.0, housing_volume_l=0.5)
    assert pack.pack_mass_kg(d) == pytest.approx(5.0)
    assert pack.pack_volume_l(d) == pytest.approx(2.5)


def test_missing_housing_dimensions_and_price_are_none_and_said() -> None:
    bare = toy_cell(length_mm=None, thickness_mm=None, height_mm=None, cost_per_kwh_usd=None, cost_source=None,
                    max_discharge_peak_c=None)
    d = design(cell=bare, cell_to_pack_volume_ratio=0.5)
    assert pack.pack_mass_kg(d) is None
    assert pack.cells_volume_l(d) is None and pack.pack_volume_l(d) is None
    c = pack.cost(d)
    assert c["cells_usd"] is None and c["total_usd"] is None
    text = " ".join(pack.notes(d))
    assert "no dimensions" in text and "no price" in text and "pack mass unknown" in text
    assert "no peak rate" in text
    s = pack.summary(d)
    assert s["pack_wh_per_kg"] is None and s["cell_wh_per_l"] is None


def test_resistance_steady_and_10s() -> None:
    d = design()
    assert pack.pack_resistance_ohm(d) == pytest.approx(10 / 2 * 0.002)  # R0 + R1 = 2 mΩ per cell
    r10 = 0.001 + 0.001 * (1 - math.exp(-1.0))  # τ1 = 10 s
    assert pack.pack_resistance_ohm(d, duration_s=10.0) == pytest.approx(5 * r10)


def test_connection_resistance() -> None:
    # 10s2p in 5 modules of 2s2p in series: 10 − 5 = 5 interconnects, 4 busbars
    d = design(cells_per_module=4, interconnect_resistance_ohm=1e-4, busbar_resistance_ohm=5e-4)
    assert d.modules_in_series == 5 and d.n_modules == 5
    assert pack.connection_resistance_ohm(d) == pytest.approx(5 * 1e-4 + 4 * 5e-4)
    assert pack.pack_resistance_ohm(d) == pytest.approx(0.01 + 0.0025)
    # 10s2p as 4 modules of 5s1p, 2 in series × 2 strings: per string 10 − 2 = 8 interconnects, 1 busbar
    d2 = design(cells_per_module=5, modules_in_parallel=2, interconnect_resistance_ohm=1e-4,
                busbar_resistance_ohm=5e-4)
    assert d2.modules_in_series == 2
    assert pack.connection_resistance_ohm(d2) == pytest.approx((8 * 1e-4 + 1 * 5e-4) / 2)


def test_power_current_limited() -> None:
    d = design()
    cont = pack.discharge_power(d, soc=0.5)
    # OCV 35 V, R 10 mΩ, 2C × 20 Ah = 40 A: V = 35 − 0.4 = 34.6 V
    assert cont["limited_by"] == "current"
    assert cont["current_a"] == pytest.approx(40.0)
    assert cont["power_w"] == pytest.approx(34.6 * 40.0)
    peak = pack.discharge_power(d, soc=0.5, peak=True)
    r10 = 5 * (0.001 + 0.001 * (1 - math.exp(-1.0)))
    assert peak["current_a"] == pytest.approx(100.0)  # 5C
    assert peak["power_w"] == pytest.approx((35.0 - r10 * 100.0) * 100.0)


def test_power_voltage_limited() -> None:
    d = design()
    # SOC 0.02: OCV 30.2 V, cut-off 30 V, R 10 mΩ: I = 0.2 / 0.01 = 20 A < 40 A, V = 30 V
    p = pack.discharge_power(d, soc=0.02)
    assert p["limited_by"] == "voltage"
    assert p["current_a"] == pytest.approx(20.0)
    assert p["voltage_v"] == pytest.approx(30.0)
    assert p["power_w"] == pytest.approx(600.0)


def test_power_matched_load() -> None:
    # a cell whose cut-off is below half its OCV: the power maximum OCV²/4R is reached first
    cell = toy_cell(voltage_min_v=1.0, ocv={"soc": [0.0, 1.0], "voltage_v": [3.0, 4.0]}, r0_ohm=0.5,
                    r1_ohm=0.0, max_discharge_c=100.0, max_discharge_peak_c=None)
    d = design(cell=cell, series=1, parallel=1)
    p = pack.discharge_power(d, soc=0.5)
    assert p["limited_by"] == "matched load"
    assert p["power_w"] == pytest.approx(3.5**2 / (4 * 0.5))


def test_cost_labelled() -> None:
    d = design(overhead_cost_usd=50.0, overhead_cost_usd_per_kwh=10.0, overhead_cost_source="test assumption")
    c = pack.cost(d)
    assert c["cells_usd"] == pytest.approx(0.7 * 100.0)
    assert c["overhead_usd"] == pytest.approx(50.0 + 0.7 * 10.0)
    assert c["total_usd"] == pytest.approx(127.0)
    assert c["cells_source"] == "test assumption" and c["overhead_source"] == "test assumption"


def test_to_pack_model_adds_busbars_to_pack_from_cell() -> None:
    d = design(cells_per_module=4, interconnect_resistance_ohm=1e-4, busbar_resistance_ohm=5e-4,
               soc_min=0.1, soc_max=0.9)
    pm = pack.to_pack_model(d)
    ref = pack_from_cell(TOY, 10, 2, 0.1, 0.9)
    assert pm.r0_ohm == pytest.approx(ref.r0_ohm + 0.0025)
    assert pm.r0_ohm == pytest.approx(5 * 0.001 + 0.0025)
    assert pm.capacity_ah == ref.capacity_ah == pytest.approx(20.0)
    assert (pm.voltage_min_v, pm.voltage_max_v) == pytest.approx((30.0, 40.0))
    assert pm.usable_energy_wh == pytest.approx(pack.usable_energy_wh(d), rel=1e-3)


def test_cell_by_name_and_pack_file(tmp_path: Any) -> None:
    f = tmp_path / "p.toml"
    f.write_text('name = "i3-like"\ncell = "nmc-samsung-94ah"\nseries = 96\nparallel = 1\ncells_per_module = 12\n'
                 'cell_to_pack_mass_ratio = 0.8\ncooling = "liquid-plate"\n')
    d = pack.load(f)
    assert d.cell.name == "nmc-samsung-94ah" and d.n_modules == 8 and d.cooling == "liquid-plate"
    assert pack.pack_mass_kg(d) == pytest.approx(96 * 2.1 / 0.8)


# ---------------------------------------------------------------- properties


@settings(max_examples=30, deadline=None)
@given(s=st.integers(1, 200), p=st.integers(1, 20), lo=st.floats(0.0, 0.45), hi=st.floats(0.55, 1.0))
def test_energy_scales_with_cell_count(s: int, p: int, lo: float, hi: float) -> None:
    d = design(series=s, parallel=p, soc_min=lo, soc_max=hi)
    one = design(series=1, parallel=1, soc_min=lo, soc_max=hi)
    assert pack.gross_energy_wh(d) == pytest.approx(s * p * pack.gross_energy_wh(one))
    assert pack.usable_energy_wh(d) == pytest.approx(s * p * pack.usable_energy_wh(one))
    assert pack.usable_energy_wh(d) <= pack.gross_energy_wh(d) * (1 + 1e-12)
    if (lo, hi) != (0.0, 1.0):
        assert pack.usable_energy_wh(d) < pack.gross_energy_wh(d)
    assert pack.pack_resistance_ohm(d) == pytest.approx(s / p * pack.pack_resistance_ohm(one))
    assert pack.voltage_max_v(d) == pytest.approx(s * 4.0)


@settings(max_examples=20, deadline=None)
@given(v=st.floats(100.0, 900.0), e=st.floats(5.0, 150.0))
def test_proposals_meet_targets(v: float, e: float) -> None:
    vmin, vmax = 0.6 * v, 1.25 * v
    out = pack.propose_layouts("nmc-calb-l148n50b", e * 1000.0, v, vmin, vmax)
    assert out, "at least one layout"
    for x in out:
        assert pack.voltage_min_v(x.design) >= vmin - 1e-6
        assert pack.voltage_max_v(x.design) <= vmax + 1e-6
        assert x.meets_energy == (pack.gross_energy_wh(x.design) >= e * 1000.0 * (1 - 1e-9))
    # the best layout reaches the target and is within one parallel string of it
    best = out[0]
    assert best.meets_energy
    string_wh = best.design.series * pack.window_energy_wh(best.design.cell, 0.0, 1.0)
    assert pack.gross_energy_wh(best.design) - e * 1000.0 < string_wh + 1e-6


def test_proposal_around_400v_60kwh() -> None:
    out = pack.propose_layouts("nmc-calb-l148n50b", 60_000.0, 400.0)
    # 400 / 3.66 = 109.3 → 109s; 60 kWh / (109 × 188.2 Wh) = 2.93 → 3p
    assert any(x.design.layout == "109s3p" for x in out)
    assert all(x.meets_energy for x in out[:3])
    usable = pack.propose_layouts("nmc-calb-l148n50b", 60_000.0, 400.0, usable=True, soc_min=0.1, soc_max=0.9)
    assert all(pack.usable_energy_wh(x.design) >= 60_000.0 for x in usable if x.meets_energy)
    assert usable[0].design.soc_min == 0.1
    mods = pack.propose_layouts("nmc-calb-l148n50b", 60_000.0, 400.0, module_series=12)
    assert all(x.design.series % 12 == 0 and x.design.cells_per_module == 12 for x in mods)


# ---------------------------------------------------------------- published packs


def _calibrated_cell(name: str, capacity_ah: float, nominal_v: float, v_min: float, v_max: float,
                     mass_kg: float) -> CellSpec:
    """A cell whose figures come from pack A: OCV piecewise linear through (0, V_min), (0.5, x), (1, V_max)
    with x chosen so that the mean OCV equals the nominal voltage (energy = capacity × nominal voltage)."""
    mid = 2.0 * (nominal_v - (v_min + v_max) / 4.0)
    return CellSpec.model_validate({
        "name": name, "chemistry": "NMC", "format": "pouch", "source": "calibrated on a published pack (test)",
        "capacity_ah": capacity_ah, "nominal_voltage_v": nominal_v, "voltage_min_v": v_min, "voltage_max_v": v_max,
        "mass_kg": mass_kg, "max_discharge_c": 2.0, "max_charge_c": 1.0, "r0_ohm": 0.001,
        "ocv": {"soc": [0.0, 0.5, 1.0], "voltage_v": [v_min, mid, v_max]}})


def test_published_meb_packs_energy_and_mass() -> None:
    """VW Group MEB battery system (same 24-cell module, same LG pouch cell, 9 or 12 modules).

    Source: Škoda Storyboard, "Get to know the MEB platform, the base of the ŠKODA ENYAQ iV",
    https://www.skoda-storyboard.com/en/models/enyaq/get-to-know-the-meb-platform-the-base-of-the-skoda-enyaq-iv/
    — "twelve battery modules, each containing 24 cells … a battery weighing roughly 493 kilograms and with a
    total capacity of 82 kWh"; "a medium-sized battery weighs 376 kilograms and contains nine modules with a
    total capacity of 62 kWh". Pack A: 12 × 24 = 288 cells, 82 kWh, 493 kg. Pack B: 9 × 24 = 216 cells,
    62 kWh, 376 kg. Layouts: A 96s3p (8s3p modules), B 108s2p (12s2p modules).

    Calibration on A only: the cell energy (82 kWh / 288) and the cell-to-pack mass ratio. The cell mass
    (1.1 kg, a placeholder: the cell datasheet is not public) cancels out of the prediction.
    """
    cell_wh = 82_000.0 / 288
    cell = _calibrated_cell("meb-pouch", 78.0, cell_wh / 78.0, 3.0, 4.2, 1.1)
    a = pack.PackDesign(cell=cell, series=96, parallel=3, cells_per_module=24, cell_to_pack_mass_ratio=1.0)
    ratio = pack.cells_mass_kg(a) / 493.0  # cell mass / pack mass of pack A
    a = a.model_copy(update={"cell_to_pack_mass_ratio": ratio})
    assert pack.gross_energy_wh(a) == pytest.approx(82_000.0, rel=1e-6)
    assert pack.pack_mass_kg(a) == pytest.approx(493.0)
    b = pack.PackDesign(cell=cell, series=108, parallel=2, cells_per_module=24, cell_to_pack_mass_ratio=ratio)
    assert b.n_modules == 9
    energy_err = pack.gross_energy_wh(b) / 62_000.0 - 1.0  # measured: −0.8 %
    mass_err = pack.pack_mass_kg(b) / 376.0 - 1.0  # measured: −1.7 %
    assert abs(energy_err) < 0.03, energy_err
    assert abs(mass_err) < 0.03, mass_err


def test_published_taycan_packs_energy_and_voltage() -> None:
    """Porsche Taycan Performance Battery Plus (A) and Performance Battery (B): same module of 12 pouch cells.

    A: 33 modules × 12 = 396 cells, 93.4 kWh gross (Porsche media kit, "The battery",
    https://media.porsche.com/mediakit/taycan/it/porsche-taycan/die-batterie); 2p (capacity 129.2 Ah), so
    198s2p, nominal 723 V, voltage range 610 V to 834 V, 630 kg (batterydesign.net, "2019 Porsche Taycan",
    https://www.batterydesign.net/2019-porsche-taycan/).
    B: 28 modules, 336 cells "168s2p", 79.2 kWh gross, "voltage range of about 520 to 720 V" (Porsche media
    kit, same page). Porsche publishes no mass for B, so only its energy and voltage are checked here.

    Calibration on A only: cell capacity 129.2 / 2 Ah, cell nominal voltage 723 / 198 V, cut-offs 610 / 198
    and 834 / 198 V.
    """
    cell = _calibrated_cell("taycan-pouch", 129.2 / 2, 723.0 / 198, 610.0 / 198, 834.0 / 198, 0.9)
    a = pack.PackDesign(cell=cell, series=198, parallel=2, cells_per_module=12)
    assert a.n_modules == 33
    assert pack.gross_energy_wh(a) == pytest.approx(93_400.0, rel=0.003)
    b = pack.PackDesign(cell=cell, series=168, parallel=2, cells_per_module=12)
    assert b.n_modules == 28
    energy_err = pack.gross_energy_wh(b) / 79_200.0 - 1.0  # measured: +0.1 %
    vmin_err = pack.voltage_min_v(b) / 520.0 - 1.0  # measured: −0.5 %
    vmax_err = pack.voltage_max_v(b) / 720.0 - 1.0  # measured: −1.7 %
    for err in (energy_err, vmin_err, vmax_err):
        assert abs(err) < 0.03, (energy_err, vmin_err, vmax_err)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("kw", "field"), [
    ({"soc_min": 0.9, "soc_max": 0.2}, "soc_min"),
    ({"busbar_resistance_ohm": -0.001}, "busbar_resistance_ohm"),
    ({"interconnect_resistance_ohm": -1.0}, "interconnect_resistance_ohm"),
    ({"cells_per_module": 3}, "cells_per_module"),
    ({"cells_per_module": 4, "modules_in_series": 3}, "modules_in_series"),
    ({"cells_per_module": 5, "modules_in_parallel": 3}, "modules_in_parallel"),
    ({"modules_in_series": 2}, "cells_per_module"),
    ({"cell_to_pack_mass_ratio": 1.5}, "cell_to_pack_mass_ratio"),
    ({"cell_to_pack_mass_ratio": 0.5, "housing_mass_kg": 3.0}, "housing_mass_kg"),
    ({"series": 0}, "series"),
    ({"cooling": "water"}, "cooling"),
    ({"overhead_cost_usd": 10.0}, "overhead_cost_source"),
])
def test_bad_design_names_field_and_value(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as exc:
        design(**kw)
    assert exc.value.field == field
    assert field in str(exc.value) and "allowed" in str(exc.value)


def test_bad_operating_point() -> None:
    with pytest.raises(InputError, match="temperature_c"):
        pack.discharge_power(design(), temperature_c=80.0)
    with pytest.raises(InputError, match="soc"):
        pack.discharge_power(design(), soc=1.5)


def test_voltage_window_that_no_layout_reaches() -> None:
    with pytest.raises(InputError) as exc:  # 300 … 400 V is narrower than the cell's 2.75 … 4.3 V (×1.56)
        pack.propose_layouts("nmc-calb-l148n50b", 60_000.0, voltage_min_v=300.0, voltage_max_v=400.0)
    assert exc.value.field == "voltage window" and "300 … 400 V" in str(exc.value)
    with pytest.raises(InputError) as exc:
        pack.propose_layouts("nmc-calb-l148n50b", 60_000.0, voltage_min_v=450.0, voltage_max_v=400.0)
    assert exc.value.field == "voltage_min_v"
    with pytest.raises(InputError) as exc:  # 800 V nominal with at most 120 cells in series
        pack.propose_layouts("nmc-calb-l148n50b", 60_000.0, 800.0, max_series=120)
    assert exc.value.field == "nominal_voltage_v"
    with pytest.raises(InputError) as exc:
        pack.propose_layouts("nmc-calb-l148n50b", -1.0, 400.0)
    assert exc.value.field == "energy_wh"
    with pytest.raises(InputError) as exc:  # the LG M50 (2.5 … 4.2 V) allows 100 … 107 in series in 250 … 450 V
        pack.propose_layouts("nmc-lg-m50", 60_000.0, voltage_min_v=250.0, voltage_max_v=450.0, module_series=12)
    assert exc.value.field == "module_series" and "100 … 107" in str(exc.value)
    with pytest.raises(InputError) as exc:
        pack.propose_layouts("nmc-lg-m50", 60_000.0, voltage_min_v=250.0, voltage_max_v=450.0, max_series=90)
    assert exc.value.field == "max_series"


def test_unknown_cell_name() -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'nmc-samsung-94ah'"):
        pack.PackDesign(cell="nmc-samsung-94", series=96, parallel=1)


# ---------------------------------------------------------------- CLI

runner = CliRunner()
DESIGN = ["pack", "design", "--cell", "nmc-calb-l148n50b", "--nominal-voltage-v", "400", "--energy-kwh", "60"]


def test_cli_design_table() -> None:
    res = runner.invoke(app, [*DESIGN, "--mass-ratio", "0.6"], env={"COLUMNS": "200"})  # labels unwrapped
    assert res.exit_code == 0, res.output
    assert "109s3p" in res.stdout and "gross energy [kWh]" in res.stdout and "pack mass [kg]" in res.stdout


def test_cli_design_without_price_says_so(tmp_path: Path) -> None:
    text = resolve("cells", "nmc-calb-l148n50b").read_text(encoding="utf-8")
    kept = [ln for ln in text.splitlines() if not ln.startswith(("cost_per_kwh_usd", "cost_source"))]
    path = tmp_path / "no-price.toml"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    res = runner.invoke(app, [*DESIGN[:3], str(path), *DESIGN[4:]], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "no price" in res.stdout  # a cell without a price: said, not invented


def test_cli_design_json() -> None:
    res = runner.invoke(app, [*DESIGN, "--json", "--top", "4", "--soc-min", "0.1", "--soc-max", "0.9"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert set(obj) == {"designs", "notes"} and len(obj["designs"]) == 4
    first = obj["designs"][0]
    for key in ("layout", "gross_energy_kwh", "usable_energy_kwh", "nominal_voltage_v", "voltage_min_v",
                "voltage_max_v", "cells_mass_kg", "continuous_power_kw", "peak_power_10s_kw", "energy_error_pct"):
        assert key in first
    assert first["gross_energy_kwh"] >= 60.0
    assert first["usable_energy_kwh"] == pytest.approx(first["gross_energy_kwh"] * 0.8, rel=0.05)
    assert first["pack_mass_kg"] is None  # no ratio or housing given


def test_cli_show(tmp_path: Any) -> None:
    f = tmp_path / "p.toml"
    f.write_text('cell = "nmc-samsung-94ah"\nseries = 96\nparallel = 1\ncells_per_module = 12\n')
    res = runner.invoke(app, ["pack", "show", str(f), "--json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)["designs"][0]
    assert row["n_modules"] == 8 and row["nominal_voltage_v"] == pytest.approx(96 * 3.68)


@pytest.mark.parametrize("args", [
    ["--voltage-min-v", "300", "--voltage-max-v", "400"],
    ["--soc-min", "0.9", "--soc-max", "0.1"],
    ["--busbar-resistance-ohm", "-1"],
    ["--module-series", "0"],
])
def test_cli_bad_input_exit_2_one_line(args: list[str]) -> None:
    base = ["pack", "design", "--cell", "nmc-calb-l148n50b", "--energy-kwh", "60"]
    if "--voltage-min-v" not in args:
        base += ["--nominal-voltage-v", "400"]
    res = runner.invoke(app, base + args)
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "error:" in lines[0] and "allowed" in lines[0], res.stderr
    assert res.stdout == ""


def test_cli_unknown_cell_did_you_mean() -> None:
    res = runner.invoke(app, ["pack", "design", "--cell", "nmc-calb-l148n5", "--nominal-voltage-v", "400",
                              "--energy-kwh", "60"])
    assert res.exit_code == 2
    assert "did you mean 'nmc-calb-l148n50b'" in res.stderr
    res = runner.invoke(app, ["pack", "show", "no-such-file.toml"])
    assert res.exit_code == 2 and "pack file" in res.stderr
