"""What Rasa's training cache must know about our NLU steps' code.

Rasa knows a trained step by its class's source, its configuration and its inputs
(rasa/engine/training/fingerprinting.py). Code outside the class (the functions it
calls, the word lists) is unseen: after a change there, `make train` would bring back
featurizers and models trained on the old lemmas or features from `.rasa/cache`. The
steps add a hash of those files with Rasa's `fingerprint_addon`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path


def files_fingerprint(paths: Iterable[Path], extra: object = None) -> str:
    """A hash of the files' names and bytes (in name order) and of `extra` as JSON."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return digest.hexdigest()
