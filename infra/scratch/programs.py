"""Finding the programs of Debian's packages, with a clear message when one is missing."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
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


def owned_folder(path: Path, user: str, group: str) -> Path:
    """A folder that `user` owns with mode 0700, for a server run by root as that user.
    Made here, or found as made here before: an existing path that is a symbolic link,
    not a folder, or another's is refused (a name in /var/tmp can be planted by anyone)."""
    try:
        os.mkdir(path, 0o700)
        shutil.chown(path, user, group)
        os.chmod(path, 0o700)
    except FileExistsError:
        found = os.lstat(path)
        owner = pwd.getpwnam(user).pw_uid
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != owner:
            raise RuntimeError(
                f"{path} exists and is not a folder of {user}'s own; remove it and start again"
            ) from None
    return path
