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
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  apt_get=(sudo -n apt-get)
else
  echo "setup: Chromium is missing for the browser tests. Install it with" >&2
  echo "  sudo apt-get install chromium" >&2
  echo "or point CHROMIUM at a Chromium binary." >&2
  exit 1
fi
echo "setup: installing Debian's chromium for the browser tests" >&2
if ! DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq chromium >&2; then
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq chromium >&2
fi
echo "$binary"
