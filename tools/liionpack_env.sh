#!/usr/bin/env bash
# Build (once) the separate virtual environment that runs liionpack, the oracle of tyaga's per-cell pack
# simulation (tests/oracles/test_liionpack.py, benchmarks/bench_packsim.py).
#
# liionpack 0.4.0 runs only with pybamm 25.4.2 and pandas 2.3.x (newer ones break it), which tyaga's own
# environment does not hold, so it lives in a venv of its own and is called in a subprocess through
# tools/liionpack_runner.py.
#
# Usage: bash tools/liionpack_env.sh            # into $TYAGA_LIIONPACK_VENV (default below)
# Idempotent: a venv whose stamp matches the pinned set and that imports liionpack is left as it is.
set -euo pipefail
# shellcheck source=tools/oracle_venv.sh
source "$(dirname "$0")/oracle_venv.sh"
VENV="${TYAGA_LIIONPACK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tyaga/liionpack-0.4.0-venv}"
# The working set (checked 2026-12-01): liionpack's own pins plus the versions it needs held back (Python 3.10 … 3.12).
PINS=(
  "liionpack==0.4.0"
  "pybamm==25.4.2"
  "pandas>=2.3,<2.4"
  "numpy>=1.26,<2.3"
)
build_oracle_venv liionpack "$VENV" "${TYAGA_LIIONPACK_PYTHON:-}" "import liionpack" \
  "import liionpack, pybamm, pandas; print('liionpack', liionpack.__version__, 'pybamm', pybamm.__version__, 'pandas', pandas.__version__)" \
  "${PINS[@]}"
