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
VENV="${TYAGA_BLAST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tyaga/blast-lite-venv}"
PYTHON="${TYAGA_BLAST_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for p in python3.11 python3.12 python3.10 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))'; then
      PYTHON="$p"
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "blast_env: no Python 3.10 … 3.12 found (set TYAGA_BLAST_PYTHON)" >&2
  exit 1
fi
# The working set (checked 2026-12-01): BLAST-Lite's own requirements resolve with numpy held below 2.
PINS=(
  "blast-lite==1.1.1"
  "numpy>=1.26,<2"
  "pandas>=2.1,<2.4"
)
STAMP="$VENV/.tyaga-blast-stamp"
WANT="$(printf '%s\n' "${PINS[@]}")"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && "$VENV/bin/python" -c "import blast.models" 2>/dev/null; then
  echo "BLAST-Lite venv ok: $VENV"
  exit 0
fi
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "${PINS[@]}"
"$VENV/bin/python" -c "import importlib.metadata as m, numpy, pandas; import blast.models; print('blast-lite', m.version('blast-lite'), 'numpy', numpy.__version__, 'pandas', pandas.__version__)"
printf '%s\n' "$WANT" > "$STAMP"
echo "BLAST-Lite venv built: $VENV"
