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
