"""How the answer reaches someone who asked without logging in (bot/escalation/follow_up.py):
the question after an anonymous handoff, "ik kom terug", an e-mail address, and
reading the answer later with the reference and the code. Thin: the decisions and the
storage live in bot/escalation.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction, action_settings
from bot import clock
from bot.content.catalog import button, text
from bot.escalation.follow_up import (
    ReturnOutcome,
    answers_for,
    come_back_code,
    find_email,
    find_return,
    save_contact,
)
from bot.escalation.texts import reply_text
from infra.db.session import session_scope

COME_BACK_INTENT = "come_back"
STAY_INTENT = "stay_in_chat"
EMAIL_INTENT = "contact_email"


def ask_how_to_answer(dispatcher: CollectingDispatcher) -> None:
    """After an anonymous handoff: how can the answer reach them?"""
    dispatcher.utter_message(
        text=text("handoff", "follow_up_ask"),
        buttons=[
            button("by_email", f"/{EMAIL_INTENT}"),
            button("come_back", f"/{COME_BACK_INTENT}"),
            button("stay_here", f"/{STAY_INTENT}"),
        ],
    )


class ActionFollowUp(BlockingAction):
    """The answer to "hoe wil je het antwoord krijgen?"."""

    def name(self) -> str:
        return "action_follow_up"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        chosen = (tracker.latest_message.get("intent") or {}).get("name")
        if chosen == EMAIL_INTENT:
            dispatcher.utter_message(text=text("handoff", "ask_email"))
        elif chosen == COME_BACK_INTENT:
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
        return []


class ActionSaveContact(BlockingAction):
    """A typed e-mail address: kept for this conversation's anonymous handoff."""

    def name(self) -> str:
        return "action_save_contact"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        email = find_email(tracker.latest_message.get("text"))
        reference = None
        if email is not None:
            with session_scope() as session:
                reference = save_contact(session, tracker.sender_id, email, now=clock.now())
        if reference is None:
            dispatcher.utter_message(text=text("handoff", "email_without_question"))
        else:
            dispatcher.utter_message(text=text("handoff", "email_saved", reference=reference))
        return []


class ActionShowAnswer(BlockingAction):
    """ "H-7K4Q2M 4KQ-7ZD": the coordinator's answers, in any conversation."""

    def name(self) -> str:
        return "action_show_answer"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        typed = find_return(tracker.latest_message.get("text"))
        if typed is None:
            dispatcher.utter_message(text=text("handoff", "return_wrong"))
            return []
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
        else:
            key = {
                ReturnOutcome.NOT_YET: "return_not_yet",
                ReturnOutcome.WRONG: "return_wrong",
                ReturnOutcome.LOCKED: "return_locked",
            }[found.outcome]
            dispatcher.utter_message(text=text("handoff", key, reference=reference))
        return []
