"""A read-only word table kept as one sorted text blob: `key<TAB>value` lines.

As a Python dict, a list of 340,000 Dutch words takes some 50 MB (an object per word and
per number); as a blob it takes the size of its text. A lookup finds the block of about
a kilobyte that could hold the key (a binary search over each block's first key) and
searches only that block. Pure; keys and values hold no tab or newline.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from itertools import pairwise

BLOCK_BYTES = 1024


class WordTable:
    def __init__(self, text: bytes) -> None:
        if text and not text.endswith(b"\n"):
            raise ValueError("a word table ends with a newline")
        # A leading newline, so every line, the first too, is found as b"\nkey\t".
        self._blob = b"\n" + text
        self._firsts: list[bytes] = []
        self._starts: list[int] = []
        position = 1
        while position < len(self._blob):
            tab = self._blob.index(b"\t", position)
            self._firsts.append(self._blob[position:tab])
            self._starts.append(position - 1)
            position = self._blob.find(b"\n", position + BLOCK_BYTES) + 1 or len(self._blob)
        self._starts.append(len(self._blob))

    @classmethod
    def of(cls, items: Iterable[tuple[str, str]]) -> WordTable:
        return cls(serialise(items))

    def get(self, key: str) -> str | None:
        encoded = key.encode()
        block = bisect_right(self._firsts, encoded) - 1
        if block < 0 or b"\t" in encoded or b"\n" in encoded:
            return None
        line = b"\n" + encoded + b"\t"
        found = self._blob.find(line, self._starts[block], self._starts[block + 1] + 1)
        if found < 0:
            return None
        value_start = found + len(line)
        return self._blob[value_start : self._blob.index(b"\n", value_start)].decode()

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return self._blob.count(b"\n") - 1


def serialise(items: Iterable[tuple[str, str]]) -> bytes:
    """The table's text: one line per key, in the byte order of their UTF-8 form."""
    lines = []
    for key, value in items:
        if not key or any(c in f"{key}{value}" for c in "\t\n"):
            raise ValueError(f"not a table entry: {key!r} -> {value!r}")
        lines.append((key.encode(), value.encode()))
    lines.sort()
    for (key, _), (next_key, _) in pairwise(lines):
        if key == next_key:
            raise ValueError(f"key twice in a word table: {key.decode()!r}")
    return b"".join(key + b"\t" + value + b"\n" for key, value in lines)
