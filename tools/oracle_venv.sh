#!/usr/bin/env bash
# Shared by tools/liionpack_env.sh and tools/blast_env.sh: build (once) a separate virtual environment for
# an oracle package whose pins clash with tyaga's own environment.
#
# Usage (sourced): build_oracle_venv LABEL VENV PYTHON_OVERRIDE IMPORT_CHECK VERSION_SCRIPT PIN...
#   LABEL           name in messages and in the stamp file (e.g. liionpack)
#   VENV            where the venv lives
#   PYTHON_OVERRIDE an interpreter to use, or "" to find Python 3.10 … 3.12 on PATH
#   IMPORT_CHECK    Python statement that must run for an existing venv to count as built
#   VERSION_SCRIPT  Python code that prints the versions after a build
# Idempotent: a venv whose stamp matches the pins and that passes IMPORT_CHECK is left as it is.

build_oracle_venv() {
  local label="$1" venv="$2" python="$3" check="$4" versions="$5"
  shift 5
  local pins=("$@")
  if [ -z "$python" ]; then
    for p in python3.11 python3.12 python3.10 python3; do
      if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))'; then
        python="$p"
        break
      fi
    done
  fi
  if [ -z "$python" ]; then
    echo "${label}_env: no Python 3.10 … 3.12 found" >&2
    return 1
  fi
  local stamp="$venv/.tyaga-${label}-stamp"
  local want
  want="$(printf '%s\n' "${pins[@]}")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -c "$check" 2>/dev/null; then
    echo "$label venv ok: $venv"
    return 0
  fi
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "${pins[@]}"
  "$venv/bin/python" -c "$versions"
  printf '%s\n' "$want" > "$stamp"
  echo "$label venv built: $venv"
}
