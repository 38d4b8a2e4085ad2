"""tyaga (тяга, "traction"): traction batteries and electric vehicles, from cell to wheel.

The common chain::

    import tyaga
    result = tyaga.simulate("compact-crossover-66kwh", "wltc3b")
    result.summary            # one row per design (pandas)
    result.timeseries         # xarray Dataset (design × time)

Libraries of bundled specs: :mod:`tyaga.cells`, :mod:`tyaga.vehicles`, :mod:`tyaga.cycles`
(``load(name_or_path)``, ``names()``). Physics: :mod:`tyaga.cell`, :mod:`tyaga.battery`,
:mod:`tyaga.vehicle`, :mod:`tyaga.cycle`; engine: :mod:`tyaga.engine`; procedures: :mod:`tyaga.procedures`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from tyaga import cells, cycles, vehicles
from tyaga.errors import InputError

if TYPE_CHECKING:
    from tyaga.chain import SimulationResult


def simulate(*args: Any, **kwargs: Any) -> SimulationResult:
    """Drive one or many vehicles over a cycle; see :func:`tyaga.chain.simulate`."""
    from tyaga.chain import simulate as _simulate

    return _simulate(*args, **kwargs)


__all__ = ["InputError", "__version__", "cells", "cycles", "simulate", "vehicles"]
