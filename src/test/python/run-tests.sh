#!/usr/bin/env bash
# Runs the wrapper's tests on the host python3 and, when one is installed, on a real CPython 3.7
# (the unikernel's version); says so when there is none.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m unittest discover -s . -t .
py37=""
for candidate in python3.7 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.7*/bin/python3.7; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 7)' 2>/dev/null; then
    py37=$(command -v "$candidate")
    break
  fi
done
if [ -n "$py37" ]; then
  echo "wrapper tests again with the wrapper on $("$py37" --version 2>&1) ($py37)"
  UKFAAS_TEST_PYTHON="$py37" python3 -m unittest discover -s . -t .
else
  echo "NOTE: no CPython 3.7 on this machine: the wrapper ran on $(python3 --version 2>&1) only (its syntax is still checked as 3.7)"
fi
