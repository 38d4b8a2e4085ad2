"""Bridges to other tools. Each submodule imports its tool only inside its functions, so ``import tyaga``
never pulls in an optional dependency.

* :mod:`tyaga.interop.fastsim` — NREL FASTSim 3: read its bundled battery-electric vehicles into tyaga's
  vehicle format and run FASTSim on a cycle for comparison (docs/fastsim-comparison.md).
"""
