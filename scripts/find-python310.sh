#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa Open Source 3.6 needs 3.10).
# Order: $PYTHON310, pyenv, python3.10 on PATH, ~/.pyenv. Exits 1 with a clear message otherwise.
set -euo pipefail

is_310() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
if command -v pyenv >/dev/null 2>&1; then
  while read -r version; do
    prefix=$(pyenv prefix "$version" 2>/dev/null || true)
    [ -n "$prefix" ] && candidates+=("$prefix/bin/python")
  done < <(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r)
fi
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*; do
  [ -d "$dir" ] && candidates+=("$dir/bin/python")
done

for candidate in "${candidates[@]+"${candidates[@]}"}"; do
  if is_310 "$candidate"; then echo "$candidate"; exit 0; fi
done

cat >&2 <<'MSG'
ERROR: Python 3.10 was not found, and Rasa Open Source 3.6 needs exactly Python 3.10.
Install it (for example `pyenv install 3.10.13`) or point PYTHON310 at a python3.10 binary:
    PYTHON310=/path/to/python3.10 make setup
MSG
exit 1
