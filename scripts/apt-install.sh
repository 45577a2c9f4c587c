#!/usr/bin/env bash
# Installs Debian packages (as root, or with sudo when it needs no password); says what
# to run instead when it cannot. Usage: scripts/apt-install.sh WHAT-FOR PACKAGE...
set -euo pipefail

purpose="$1"
shift
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  apt_get=(sudo -n apt-get)
else
  echo "setup: $* missing for $purpose. Install with" >&2
  echo "  sudo apt-get install $*" >&2
  exit 1
fi
echo "setup: installing Debian's $* for $purpose" >&2
if ! DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "$@" >&2; then
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "$@" >&2
fi
