#!/usr/bin/env bash
# Creates .venv on Python 3.10 and installs the locked dependencies.
# Make calls this only when requirements.lock is newer than the install stamp.
set -euo pipefail
cd "$(dirname "$0")/.."

python310=$(scripts/find-python310.sh)
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
  echo "setup: .venv is not on Python 3.10; recreating it"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $python310"
  "$python310" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade 'pip==24.0'
echo "setup: installing locked dependencies (the first time takes a few minutes)"
.venv/bin/python -m pip install --quiet -r requirements.lock
