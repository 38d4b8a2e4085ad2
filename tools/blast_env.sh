#!/usr/bin/env bash
# Build (once) the separate virtual environment that runs NREL's BLAST-Lite, the oracle of tyaga's ageing
# model (tests/oracles/test_blast.py, benchmarks/bench_ageing.py).
#
# BLAST-Lite 1.1.1 needs numpy < 2 (it calls numpy.trapz and pins numpy 1.x), which tyaga's own environment
# does not hold, so it lives in a venv of its own and is called in a subprocess through tools/blast_runner.py.
#
# Usage: bash tools/blast_env.sh            # into $TYAGA_BLAST_VENV (default below)
# Idempotent: a venv whose stamp matches the pinned set and that imports blast is left as it is.
set -euo pipefail
# shellcheck source=tools/oracle_venv.sh
source "$(dirname "$0")/oracle_venv.sh"
VENV="${TYAGA_BLAST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tyaga/blast-lite-venv}"
# The working set (checked 2026-12-01): BLAST-Lite's own requirements resolve with numpy held below 2.
PINS=(
  "blast-lite==1.1.1"
  "numpy>=1.26,<2"
  "pandas>=2.1,<2.4"
)
build_oracle_venv blast "$VENV" "${TYAGA_BLAST_PYTHON:-}" "import blast.models" \
  "import importlib.metadata as m, numpy, pandas; import blast.models; print('blast-lite', m.version('blast-lite'), 'numpy', numpy.__version__, 'pandas', pandas.__version__)" \
  "${PINS[@]}"
