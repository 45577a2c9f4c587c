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
from rasa_sdk import Tracker

import channels.guarded  # noqa: F401 - loading the channels installs it
from actions.tracker_reading import bot_actions_newest_first, client_key_of, recent_turns
from actions.yes_no import offered_buttons
from bot.clarify import FALLBACKS_BEFORE_HUMAN, fallbacks_in_a_row
from bot.escalation.summary import summarise
from bot.identity.throttle import CLIENT_METADATA_KEY
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


def test_the_actions_read_the_same_from_the_recent_events_as_from_all():
    # A long conversation with buttons, fallbacks in a row and a client key: what the
    # actions read of the events (actions/tracker_reading.py, actions/yes_no.py) is the
    # same with the last twenty messages as with all of them.
    tracker = _tracker(40)
    buttons = [{"title": "Ja", "payload": "/request_human"}, {"title": "Nee", "payload": "/deny"}]
    for n in range(FALLBACKS_BEFORE_HUMAN + 2):
        tracker.update(UserUttered(f"asdf {n}", {"name": "nlu_fallback", "confidence": 0.2}))
        tracker.update(ActionExecuted("action_default_fallback"))
        tracker.update(BotUttered("Dat snap ik niet.", {"buttons": buttons}))
        tracker.update(ActionExecuted("action_listen"))
    key = "a" * 64
    tracker.update(UserUttered("/request_human", metadata={CLIENT_METADATA_KEY: key}))
    ours, rasas = _both(tracker)
    recent, everything = Tracker.from_dict(ours["tracker"]), Tracker.from_dict(rasas["tracker"])
    assert len(recent.events) < len(everything.events) / 2
    for reading in (recent_turns, offered_buttons, client_key_of):
        assert reading(recent) == reading(everything), reading.__name__
    fallbacks = {"action_default_fallback"}
    assert fallbacks_in_a_row(bot_actions_newest_first(recent), fallbacks) == fallbacks_in_a_row(
        bot_actions_newest_first(everything), fallbacks
    )
    assert summarise(recent_turns(recent)) == summarise(recent_turns(everything))
