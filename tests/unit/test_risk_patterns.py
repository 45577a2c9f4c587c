"""The risk words' search skips patterns that cannot match (bot/risk/patterns.py)."""

from __future__ import annotations

import glob
from pathlib import Path

import yaml

from bot.language.normalise import read
from bot.risk import patterns as p


def _texts() -> list[str]:
    texts = []
    for path in ["data/nlu/risk.yml", *sorted(glob.glob("tests/blind/*.yml"))]:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for item in loaded.get("nlu") or []:
            texts += [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
        texts += [m["text"] for m in loaded.get("messages") or [] if isinstance(m, dict)]
    return texts


def test_skipping_patterns_no_word_can_fill_finds_what_the_full_scan_finds():
    """_found looks only for patterns whose every slot some word of the sentence can
    fill; on risk examples and blind messages it finds what scanning for all does."""
    texts = _texts()[::5]
    assert len(texts) > 500
    every = [*p.patterns(), *(x for parts in (*p.together(), *p.exceptions()) for x in parts)]
    found = 0
    for text in texts:
        for sentence in p._sentences(read(text)):
            forms = p._forms(sentence)
            for pattern in every:
                expected = p._scan(pattern, sentence)
                assert p._found(pattern, sentence, forms) == expected, (text, pattern.source)
                found += expected is not None
    assert found > 100
