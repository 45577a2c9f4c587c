"""Training data and domain checks beyond `rasa data validate`.

Rasa's validator warns about responses that no story uses, which is every response a
custom action speaks. Here those warnings are allowed only for responses an action
really names, and every other validator warning fails.
"""

import re
import warnings
from pathlib import Path

import pytest
import yaml
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.validator import Validator

ROOT = Path(__file__).resolve().parents[2]
MIN_EXAMPLES = 15
# Intents that only buttons send, as /choose_answer{"answer_id": ...}: no examples.
BUTTON_ONLY_INTENTS = {
    "choose_answer",
    "choose_child",
    "coordinator_reply",
    "campaign_task_done",
    "campaign_task_not_yet",
}
RESPONSE_IN_ACTION = re.compile(r"\"(utter_[a-z_]+)\"")


@pytest.fixture(scope="module")
def importer():
    return TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )


def responses_named_in_actions() -> set[str]:
    names = set()
    for path in (ROOT / "actions").rglob("*.py"):
        names.update(RESPONSE_IN_ACTION.findall(path.read_text(encoding="utf-8")))
    return names


def test_actions_only_name_responses_that_exist():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert responses_named_in_actions() <= set(domain["responses"])


def test_validator_passes_strictly(importer):
    validator = Validator.from_importer(importer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [
            validator.verify_domain_validity(),
            validator.verify_intents(ignore_warnings=False),
            validator.verify_intents_in_stories(ignore_warnings=False),
            validator.verify_example_repetition_in_intents(ignore_warnings=False),
            validator.verify_story_structure(ignore_warnings=False),
            # Unused-response warnings are judged below against the actions.
            validator.verify_utterances_in_stories(ignore_warnings=True),
            validator.verify_forms_in_stories_rules(),
            validator.verify_actions_in_stories_rules(),
            validator.verify_form_slots(),
            validator.verify_slot_mappings(),
        ]
    allowed = {
        f"The utterance '{name}' is not used in any story or rule."
        for name in responses_named_in_actions()
    }
    # Responses that Rasa's own default actions speak (action_default_fallback,
    # action_restart), and the retrieval action of small talk, which action_chitchat
    # replaces (it speaks utter_chitchat/<key> by name).
    for name in ("utter_default", "utter_restart", "utter_chitchat"):
        allowed.add(f"The utterance '{name}' is not used in any story or rule.")
    # Forms ask for their slots with utter_ask_<slot>.
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for form in domain.get("forms", {}).values():
        for slot in form["required_slots"]:
            allowed.add(f"The utterance 'utter_ask_{slot}' is not used in any story or rule.")
    for intent in BUTTON_ONLY_INTENTS:
        allowed.add(
            f"The intent '{intent}' is listed in the domain file, but is not found in the NLU "
            "training data."
        )
    messages = [str(warning.message) for warning in caught if warning.category is UserWarning]
    unexpected = [message for message in messages if message.split("\n")[0] not in allowed]
    assert unexpected == [], "\n".join(unexpected)
    assert all(results)


def test_every_intent_has_enough_varied_examples(importer):
    nlu = importer.get_nlu_data()
    counts = {}
    for example in nlu.intent_examples:
        name = example.get("intent")
        counts[name] = counts.get(name, 0) + 1
    domain_intents = (
        set(importer.get_domain().intents)
        - {
            "nlu_fallback",
            "restart",
            "back",
            "out_of_scope",
            "session_start",
        }
        - BUTTON_ONLY_INTENTS
    )
    too_few = {intent: counts.get(intent, 0) for intent in domain_intents}
    too_few = {intent: count for intent, count in too_few.items() if count < MIN_EXAMPLES}
    assert too_few == {}
    assert counts.get("out_of_scope", 0) >= MIN_EXAMPLES
    for sub_intent, examples in _retrieval_examples(nlu).items():
        assert examples >= MIN_EXAMPLES, sub_intent


def _retrieval_examples(nlu):
    counts = {}
    for example in nlu.intent_examples:
        full = example.get("intent_response_key")
        if full:
            counts[full] = counts.get(full, 0) + 1
    return counts
