#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (never a browser
# download by a test tool). Prints the binary's path.
set -euo pipefail

binary="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
if [ -n "${CHROMIUM:-}" ]; then
  echo "setup: CHROMIUM=$CHROMIUM is not an executable file" >&2
  exit 1
fi
"$(dirname "$0")/apt-install.sh" "the browser tests (or point CHROMIUM at a Chromium binary)" chromium
echo "$binary"
