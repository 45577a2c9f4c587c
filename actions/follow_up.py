"""How the answer reaches someone who asked without logging in (bot/escalation/follow_up.py):
the question after an anonymous handoff, "ik kom terug", an e-mail address, and
reading the answer later with the reference and the code. Thin: the decisions and the
storage live in bot/escalation.

No intents of their own (new intents would move the trained classifier): the choice
comes back as a button of the kind the bot already offers (`/choose_answer` with an
answer id "follow_up/<how>", answered by action_answer_question), and a typed answer
code or e-mail address is "something typed to be found again", which nlu.code_spotter
recognises for certain beside the koppelcode (answered by action_redeem_code).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import action_settings
from bot import clock
from bot.content.catalog import text
from bot.escalation.follow_up import (
    ReturnOutcome,
    answers_for,
    come_back_code,
    save_contact,
)
from bot.escalation.texts import reply_text
from infra.db.session import session_scope

# The answer ids of the buttons after an anonymous handoff.
FOLLOW_UP_PREFIX = "follow_up/"
BY_EMAIL, COME_BACK, STAY = "by_email", "come_back", "stay_here"


def follow_up_button(how: str) -> dict[str, str]:
    return {
        "title": text("buttons", how),
        "payload": f'/choose_answer{{"answer_id": "{FOLLOW_UP_PREFIX}{how}"}}',
    }


def ask_how_to_answer(dispatcher: CollectingDispatcher) -> None:
    """After an anonymous handoff: how can the answer reach them?"""
    dispatcher.utter_message(
        text=text("handoff", "follow_up_ask"),
        buttons=[follow_up_button(how) for how in (BY_EMAIL, COME_BACK, STAY)],
    )


def answer_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, chosen: str) -> None:
    """The answer to "hoe wil je het antwoord krijgen?" (the button's answer id)."""
    how = chosen.removeprefix(FOLLOW_UP_PREFIX)
    if how == BY_EMAIL:
        dispatcher.utter_message(text=text("handoff", "ask_email"))
    elif how == COME_BACK:
        with session_scope() as session:
            made = come_back_code(
                session,
                tracker.sender_id,
                secret_key=action_settings().secret_key,
                now=clock.now(),
            )
        if made is None:
            dispatcher.utter_message(text=text("handoff", "come_back_without_question"))
        else:
            dispatcher.utter_message(
                text=text("handoff", "come_back", reference=made.reference, code=made.code)
            )
    else:
        dispatcher.utter_message(text=text("handoff", "stay"))


def keep_contact(dispatcher: CollectingDispatcher, tracker: Tracker, email: str) -> None:
    """A typed e-mail address: kept for this conversation's anonymous handoff."""
    with session_scope() as session:
        reference = save_contact(session, tracker.sender_id, email, now=clock.now())
    if reference is None:
        dispatcher.utter_message(text=text("handoff", "email_without_question"))
    else:
        dispatcher.utter_message(text=text("handoff", "email_saved", reference=reference))


def show_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, typed: tuple[str, str]
) -> list[dict[str, Any]]:
    """ "H-7K4Q2M 4KQ-7ZD": the coordinator's answers, in any conversation."""
    reference, code = typed
    with session_scope() as session:
        found = answers_for(
            session,
            reference,
            code,
            tracker.sender_id,
            secret_key=action_settings().secret_key,
            now=clock.now(),
        )
    if found.outcome is ReturnOutcome.SHOWN:
        for reply in found.replies:
            dispatcher.utter_message(text=reply_text(reply))
        return []
    key = {
        ReturnOutcome.NOT_YET: "return_not_yet",
        ReturnOutcome.WRONG: "return_wrong",
        ReturnOutcome.LOCKED: "return_locked",
    }[found.outcome]
    dispatcher.utter_message(text=text("handoff", key, reference=reference))
    return []
