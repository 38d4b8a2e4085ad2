"""The lumped pack of identical cells (``tyaga.battery.pack_from_cell``)."""

from __future__ import annotations

import pytest

from tyaga import cells
from tyaga.battery import pack_from_cell
from tyaga.cell import ecm_parameters
from tyaga.errors import InputError


def test_pack_scales_the_cell_constants() -> None:
    cell = cells.load("nmc-lg-m50")
    pk = pack_from_cell(cell, 96, 4, 0.05, 0.95)
    assert pk.capacity_ah == pytest.approx(4 * cell.capacity_ah, rel=1e-12)
    assert pk.r0_ohm == pytest.approx(cell.r0_ohm * 96 / 4, rel=1e-12)
    assert pk.c1_f == pytest.approx(cell.c1_f * 4 / 96, rel=1e-12)
    assert pk.voltage_max_v == pytest.approx(96 * cell.voltage_max_v, rel=1e-12)


def test_pack_at_a_temperature_takes_the_cell_tables() -> None:
    cell = cells.load("nmc-lg-m50t")  # resistances tabulated over temperature
    warm = pack_from_cell(cell, 96, 4, 0.1, 0.9, temperature_c=25.0)
    cold = pack_from_cell(cell, 96, 4, 0.1, 0.9, temperature_c=0.0)
    expected = float(ecm_parameters(cell, 0.5, 0.0)["r0_ohm"]) * 96 / 4
    assert cold.r0_ohm == pytest.approx(expected, rel=1e-12)
    assert cold.r0_ohm > 1.5 * warm.r0_ohm  # a cold cell is markedly more resistive


def test_connection_resistance_adds_to_r0() -> None:
    cell = cells.load("nmc-lg-m50")
    base = pack_from_cell(cell, 96, 4, 0.05, 0.95)
    wired = pack_from_cell(cell, 96, 4, 0.05, 0.95, connection_resistance_ohm=0.012)
    assert wired.r0_ohm - base.r0_ohm == pytest.approx(0.012, rel=1e-12)
    assert wired.r1_ohm == base.r1_ohm
    with pytest.raises(InputError, match="connection_resistance_ohm"):
        pack_from_cell(cell, 96, 4, 0.05, 0.95, connection_resistance_ohm=-1.0)


def test_one_energy_integral_for_cell_pack_builder_and_pack_model() -> None:
    """The pack model (OCV resampled on a 201-point grid) and the pack builder (the cell's own table) hold the
    same energy for every library cell: within 2.5e-4 gross and 1e-5 in a 5–95 % window (measured: 2.0e-4
    worst, the Sony LFP's steep ends; 4.9e-6). The integral is exact on a hand-made table."""
    from tyaga import pack
    from tyaga.cell import ocv_window_energy_wh

    # table (0, 3 V), (0.5, 3.6 V), (1, 4 V), 2 Ah: OCV 3.24 V at 0.2 and 3.76 V at 0.7, so
    # 0.2 … 0.7 holds 2 Ah · (0.3·(3.24 + 3.6)/2 + 0.2·(3.6 + 3.76)/2) V = 2 · 1.762 Wh
    assert ocv_window_energy_wh([0, 0.5, 1], [3.0, 3.6, 4.0], 2.0, 0.2, 0.7) == pytest.approx(2 * 1.762, rel=1e-12)
    for name in cells.names():
        c = cells.load(name)
        pm = pack_from_cell(c, 96, 2, 0.05, 0.95)
        d = pack.PackDesign(cell=c, series=96, parallel=2, soc_min=0.05, soc_max=0.95)
        assert pm.energy_wh == pytest.approx(pack.gross_energy_wh(d), rel=2.5e-4), name
        assert pm.usable_energy_wh == pytest.approx(pack.usable_energy_wh(d), rel=1e-5), name
        assert c.energy_wh * 192 == pytest.approx(pack.gross_energy_wh(d), rel=1e-12), name
