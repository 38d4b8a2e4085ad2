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
VENV="${TYAGA_LIIONPACK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tyaga/liionpack-0.4.0-venv}"
# liionpack 0.4.0 needs Python 3.10 … 3.12
PYTHON="${TYAGA_LIIONPACK_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for p in python3.11 python3.12 python3.10 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))'; then
      PYTHON="$p"
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "liionpack_env: no Python 3.10 … 3.12 found (set TYAGA_LIIONPACK_PYTHON)" >&2
  exit 1
fi
# The working set (checked 2026-12-01): liionpack's own pins plus the versions it needs held back.
PINS=(
  "liionpack==0.4.0"
  "pybamm==25.4.2"
  "pandas>=2.3,<2.4"
  "numpy>=1.26,<2.3"
)
STAMP="$VENV/.tyaga-liionpack-stamp"
WANT="$(printf '%s\n' "${PINS[@]}")"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && "$VENV/bin/python" -c "import liionpack" 2>/dev/null; then
  echo "liionpack venv ok: $VENV"
  exit 0
fi
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "${PINS[@]}"
"$VENV/bin/python" -c "import liionpack, pybamm, pandas; print('liionpack', liionpack.__version__, 'pybamm', pybamm.__version__, 'pandas', pandas.__version__)"
printf '%s\n' "$WANT" > "$STAMP"
echo "liionpack venv built: $VENV"
