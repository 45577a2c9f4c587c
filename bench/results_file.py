"""How every bench writes its figures: JSON under bench/results/, with when it measured."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Writes the figures, stamped with the time of measuring unless they carry one."""
    stamped = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **results,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stamped, indent=2, ensure_ascii=False) + "\n", "utf-8")


def shown_path(path: Path, root: Path) -> Path:
    """A path as a report prints it: relative to the project when inside it."""
    resolved = path.resolve()
    return resolved.relative_to(root) if resolved.is_relative_to(root) else resolved
