"""A typed "ja" does what the first button of the bot's last question does."""

from rasa_sdk import Tracker

from actions.checkins import ActionStartCheckin
from actions.handoff import ActionHandoff
from actions.yes_no import action_for_yes, offered_buttons

COMPLAINT_BUTTONS = [
    {"title": "Ja, geef het door", "payload": "/request_human"},
    {"title": "Nee, hoeft niet", "payload": "/deny"},
]


def tracker(*events: dict) -> Tracker:
    return Tracker("c1", {}, {}, list(events), False, None, {}, "action_listen")


def test_the_buttons_of_the_bot_s_last_message_before_this_one_are_read():
    events = [
        {"event": "user", "text": "de bus is altijd te laat"},
        {"event": "bot", "text": "Wat vervelend.", "data": {}},
        {"event": "bot", "text": "Zal ik het doorgeven?", "data": {"buttons": COMPLAINT_BUTTONS}},
        {"event": "user", "text": "ja"},
    ]
    assert offered_buttons(tracker(*events)) == COMPLAINT_BUTTONS
    assert offered_buttons(tracker(*events[:1])) == []
    # An older question does not count once the person said something else.
    later = [*events, {"event": "bot", "text": "Oké."}, {"event": "user", "text": "ja"}]
    assert offered_buttons(tracker(*later)) == []


def test_only_safe_first_buttons_are_followed():
    assert action_for_yes(COMPLAINT_BUTTONS) is ActionHandoff
    assert action_for_yes([{"title": "Ja, inchecken", "payload": "/checkin"}]) is ActionStartCheckin
    assert action_for_yes([{"title": "x", "payload": '/choose_answer{"answer_id": "x"}'}]) is None
    assert action_for_yes([]) is None
