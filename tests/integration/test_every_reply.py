"""Every intent and every answer the bot has gets a reply from the running assistant,
also when typed by hand as "/intent": never silence."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.catalog import catalog

pytestmark = pytest.mark.integration

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
# Rasa's own: "/back" undoes the last turn and "/session_start" starts a session.
SILENT_BY_DESIGN = {"back", "session_start"}
INTENTS = [
    *sorted(
        name
        for name in (i if isinstance(i, str) else next(iter(i)) for i in DOMAIN["intents"])
        if name not in SILENT_BY_DESIGN
    ),
    "nlu_fallback",
    "restart",
]


@pytest.mark.parametrize("intent", INTENTS)
def test_every_intent_gets_a_reply(assistant, intent):
    replies = assistant.say(f"it-every-intent-{intent}", f"/{intent}")
    assert replies and all(reply.strip() for reply in replies), intent


@pytest.mark.parametrize("answer_id", sorted(catalog().answers))
def test_every_answer_is_said(assistant, answer_id):
    payload = f'/choose_answer{{"answer_id": "{answer_id}"}}'
    (answer, *_) = assistant.say(f"it-every-answer-{answer_id}", payload)
    assert answer == catalog().render(answer_id).text
