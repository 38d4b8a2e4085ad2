#!/usr/bin/env bash
# Fetch (once, at install time) the carculator-utils 1.3.5 wheel, whose data file
# carculator_utils/data/driving_cycles/car.csv holds 1 Hz arrays of UITP SORT 1/2/3: the cross-check of
# tyaga's generated SORT cycles (tests/oracles/test_carculator_sort.py). BSD-3-Clause (Paul Scherrer Institut).
#
# carculator-utils pins numpy < 2 and brings a large dependency tree; only its data are needed, so the wheel is
# downloaded without dependencies and read as a zip file, never imported or installed.
#
# Usage: bash tools/carculator_env.sh       # into $TYAGA_CARCULATOR_DIR (default below). Idempotent.
set -euo pipefail
DIR="${TYAGA_CARCULATOR_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tyaga/carculator-utils-1.3.5}"
WHEEL="$DIR/carculator_utils-1.3.5-py3-none-any.whl"
if [ -s "$WHEEL" ] && python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).getinfo('carculator_utils/data/driving_cycles/car.csv')" "$WHEEL" 2>/dev/null; then
  echo "carculator-utils wheel ok: $WHEEL"
  exit 0
fi
mkdir -p "$DIR"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$DIR" "carculator-utils==1.3.5"
test -s "$WHEEL"
echo "carculator-utils wheel fetched: $WHEEL"
