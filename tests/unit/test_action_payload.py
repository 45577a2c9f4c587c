"""A custom action call carries the recent events (channels/action_payload.py): all of
them in a short conversation, the last twenty messages' in a long one, and otherwise
what Rasa sends."""

from __future__ import annotations

import inspect
import re

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import channels.guarded  # noqa: F401 - loading the channels installs it
from actions.tracker_reading import recent_turns
from channels import action_payload

DOMAIN = Domain.from_yaml(
    "intents: [vraag]\nslots:\n  naam:\n    type: text\n    mappings: []\n"
    "actions: [action_answer_question]\n"
)


def _tracker(messages: int) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    for n in range(messages):
        events += [
            UserUttered(f"vraag {n}", {"name": "vraag", "confidence": 1.0}),
            ActionExecuted("action_answer_question"),
            BotUttered(f"antwoord {n}"),
            ActionExecuted("action_listen"),
        ]
    events.insert(3, SlotSet("naam", "Sanne"))
    return DialogueStateTracker.from_events("c-payload", events, DOMAIN.slots)


def _both(tracker: DialogueStateTracker) -> tuple[dict, dict]:
    action = RemoteAction("action_answer_question", EndpointConfig("http://127.0.0.1:1"))
    ours = action._action_call_format(tracker, DOMAIN)
    rasas = action_payload._rasa_action_call_format(action, tracker, DOMAIN)
    return ours, rasas


def test_installed_and_rasa_reads_only_the_sender_and_the_state_of_a_tracker():
    assert RemoteAction._action_call_format is action_payload.action_call_format
    source = inspect.getsource(action_payload._rasa_action_call_format)
    assert set(re.findall(r"\btracker\.(\w+)", source)) == {"current_state", "sender_id"}


def test_a_short_conversation_is_sent_as_rasa_sends_it():
    ours, rasas = _both(_tracker(action_payload.RECENT_MESSAGES))
    assert ours == rasas
    assert len(ours["tracker"]["events"]) == 4 * action_payload.RECENT_MESSAGES + 3


def test_a_long_conversation_sends_the_last_twenty_messages_and_the_same_state():
    ours, rasas = _both(_tracker(60))
    events = ours["tracker"].pop("events")
    everything = rasas["tracker"].pop("events")
    assert ours == rasas  # the slots, the latest message, the form: all there
    assert events == everything[-len(events) :]
    said = [event["text"] for event in events if event["event"] == "user"]
    assert said == [f"vraag {n}" for n in range(40, 60)]
    assert events[0] == {**events[0], "event": "action", "name": "action_answer_question"}


def test_the_actions_read_no_further_back_than_the_recent_messages():
    # A handoff's summary: the last twelve lines, six of the person's at most.
    limit = inspect.signature(recent_turns).parameters["limit"].default
    assert limit <= action_payload.RECENT_MESSAGES
