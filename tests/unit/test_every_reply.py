"""Every intent and every answer key leads to something said: no silence by design.

The running assistant is asked the same in tests/integration/test_every_reply.py.
"""

from itertools import pairwise
from pathlib import Path

import yaml

from bot.content.catalog import catalog
from bot.risk.voice import Voice
from bot.vocabulary import RiskKind

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
# Intents Rasa handles itself, or that only a form or the inbox's API sends.
HANDLED_BY_RASA = {"nlu_fallback", "restart", "back", "session_start", "out_of_scope"}


def rules_and_stories() -> list[list[dict]]:
    flows = []
    for path in sorted((ROOT / "data").glob("*/*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for flow in raw.get("rules", []) + raw.get("stories", []):
            flows.append(flow["steps"])
    return flows


def actions_after(intent: str) -> set[str]:
    """The actions that directly follow the intent in any rule or story."""
    found = set()
    for steps in rules_and_stories():
        for step, following in pairwise(steps):
            if step.get("intent") == intent and "action" in following:
                found.add(following["action"])
    return found


def retrieval_keys() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            intent = block.get("intent", "")
            if "/" in intent:
                topic, key = intent.split("/", 1)
                keys.setdefault(topic, set()).add(key)
    return keys


def test_every_intent_is_followed_by_an_action_or_response_that_exists():
    known = set(DOMAIN["actions"]) | set(DOMAIN["responses"]) | set(DOMAIN.get("forms", {}))
    for intent in DOMAIN["intents"]:
        name = intent if isinstance(intent, str) else next(iter(intent))
        following = actions_after(name)
        if name in HANDLED_BY_RASA - {"out_of_scope"}:
            continue
        assert following, f"no rule or story answers the intent {name}"
        assert following <= known, (name, following - known)


def test_every_answer_key_has_something_to_say():
    keys = retrieval_keys()
    content = catalog()
    for topic in ("route", "travel", "exam"):
        assert {f"{topic}/{key}" for key in keys[topic]} <= set(content.answers), topic
    for key in keys["chitchat"]:
        assert f"utter_chitchat/{key}" in DOMAIN["responses"], key
    kinds = {kind.value for kind in RiskKind}
    for key in keys["risk"]:
        assert key in kinds, key
        for voice in Voice:
            assert content.message("risk", key, voice.value).strip(), (key, voice)


def test_every_risk_kind_has_words_for_everyone_and_a_label_for_coordinators():
    content = catalog()
    for kind in RiskKind:
        assert content.message("risk_kind_labels", kind.value)
    assert set(content.messages["risk_handoff"]) >= {"created", "created_region", "already_open"}


def test_conditional_responses_always_have_a_fallback_variant():
    for name, variants in DOMAIN["responses"].items():
        assert any("condition" not in variant for variant in variants), name
