"""Finding the programs of Debian's packages, with a clear message when one is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

INSTALL_HINT = "scripts/ensure-services.sh (make services) installs it"


class ProgramMissingError(RuntimeError):
    """A server program is not installed."""


def find_program(name: str, package: str, *, also_in: tuple[str, ...] = ()) -> str:
    """The path of a program: on PATH, else in one of the folders (glob patterns) a
    Debian package puts it (highest version first, for /usr/lib/postgresql/<n>/bin)."""
    found = shutil.which(name)
    if found:
        return found
    for pattern in also_in:
        candidates = sorted(
            Path("/").glob(f"{pattern.lstrip('/')}/{name}"),
            key=lambda path: [int(part) if part.isdigit() else 0 for part in path.parts],
        )
        if candidates:
            return str(candidates[-1])
    raise ProgramMissingError(f"{name} is not installed (Debian package {package}); {INSTALL_HINT}")


def log_tail(path: Path, chars: int = 2000) -> str:
    """The end of a server's log, for the message when it did not start."""
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""
