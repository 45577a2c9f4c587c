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
