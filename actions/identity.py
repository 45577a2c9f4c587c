from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction, action_settings
from actions.campaigns import show_pending_campaign_message
from actions.checkins import answer_for_chosen_child, resume_after_link, show_pending_nudge
from actions.children import ask_which_child
from actions.follow_up import keep_contact, show_answer
from actions.risk import RISK_KINDS_SLOT, RISK_SLOT
from actions.tracker_reading import client_key_of, raw_entity
from bot import clock
from bot.escalation.follow_up import find_email, find_return
from bot.identity.access import Purpose, authorise
from bot.identity.codes import find_code_in_text
from bot.identity.linking import (
    RedeemOutcome,
    choose_child,
    link_with_token,
    redeem_code,
    unlink,
)
from bot.identity.tokens import TOKEN_METADATA_KEY
from infra.db.session import session_scope

SESSION_METADATA_SLOT = "session_started_metadata"

RESPONSE_FOR_OUTCOME = {
    RedeemOutcome.MALFORMED: "utter_link_code_malformed",
    RedeemOutcome.WRONG: "utter_link_code_wrong",
    RedeemOutcome.USED: "utter_link_code_used",
    RedeemOutcome.EXPIRED: "utter_link_code_expired",
    RedeemOutcome.LOCKED: "utter_link_code_locked",
}


# Slots about this visit only: a new session starts without them.
SESSION_ONLY_SLOTS = frozenset({RISK_SLOT, RISK_KINDS_SLOT})


class ActionSessionStart(BlockingAction):
    """Starts a session; a valid signed token from the chat page links the conversation.

    The token arrives as session metadata (the widget's customData). A forged, expired
    or malformed token is ignored and logged; the conversation stays anonymous.
    """

    def name(self) -> str:
        return "action_session_start"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        # Carry conversation state over (domain session_config), never identity.
        events.extend(
            SlotSet(name, value)
            for name, value in tracker.slots.items()
            if value is not None and name not in {SESSION_METADATA_SLOT, *SESSION_ONLY_SLOTS}
        )
        metadata = tracker.get_slot(SESSION_METADATA_SLOT) or {}
        token = metadata.get(TOKEN_METADATA_KEY) if isinstance(metadata, dict) else None
        if token is not None:
            with session_scope() as session:
                link_with_token(
                    session,
                    tracker.sender_id,
                    token,
                    secret_key=action_settings().secret_key,
                    now=clock.now(),
                )
        show_pending_campaign_message(dispatcher, tracker.sender_id)
        show_pending_nudge(dispatcher, tracker.sender_id)
        events.append(ActionExecuted("action_listen"))
        return events


# What the chat page itself hears (web/static/chat.js): a koppelcode typed in the chat
# linked the conversation, so the page shows who is logged in and offers "Uitloggen";
# "uitloggen" typed in the chat ended the link, so the page clears the conversation
# from the screen (a shared school computer). A custom message: the widget shows nothing.
LOGGED_IN = "logged_in"
LOGGED_OUT = "logged_out"


def tell_page(dispatcher: CollectingDispatcher, state: str, **details: str) -> None:
    dispatcher.utter_message(json_message={"data": {"chat_state": state, **details}})


class ActionRedeemCode(BlockingAction):
    """Links the conversation with a koppelcode typed in the chat, or asks for the code."""

    def name(self) -> str:
        return "action_redeem_code"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # The code is read from the text itself, never from an entity or slot.
        said = tracker.latest_message.get("text")
        typed = find_code_in_text(said)
        if typed is None:
            # An anonymous asker's answer code, or their e-mail address (actions/follow_up.py).
            answer_code = find_return(said)
            if answer_code is not None:
                return show_answer(dispatcher, tracker, answer_code)
            email = find_email(said)
            if email is not None:
                keep_contact(dispatcher, tracker, email)
                return []
            dispatcher.utter_message(response="utter_link_code_ask")
            return []
        with session_scope() as session:
            settings = action_settings()
            result = redeem_code(
                session,
                tracker.sender_id,
                typed,
                secret_key=settings.secret_key,
                now=clock.now(),
                client_key=client_key_of(tracker),
                per_address=settings.code_tries_per_address,
            )
            children = authorise(
                session, tracker.sender_id, Purpose.NAME, today=clock.today()
            ).children_names
        if result.outcome is not RedeemOutcome.LINKED:
            locked_until = (
                result.locked_until.astimezone(clock.SCHOOL_TIMEZONE).strftime("%H:%M")
                if result.locked_until
                else ""
            )
            dispatcher.utter_message(
                response=RESPONSE_FOR_OUTCOME[result.outcome],
                tries_left=str(result.tries_left or 0),
                locked_until=locked_until,
            )
            return []
        dispatcher.utter_message(response="utter_link_code_ok", first_name=result.first_name)
        tell_page(dispatcher, LOGGED_IN, first_name=result.first_name)
        if result.is_guardian and len(children) > 1:
            ask_which_child(dispatcher, children)
            return []
        return resume_after_link(tracker)


class ActionChooseChild(BlockingAction):
    """Remembers which of a guardian's own children this conversation is about. Right
    after an answer about a child's progress ("hoe gaat het met Milan?" ... "en met
    Lotte?"), the next child's progress is the answer."""

    def name(self) -> str:
        return "action_choose_child"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = raw_entity(tracker, "child_name") or ""
        with session_scope() as session:
            chosen = choose_child(session, tracker.sender_id, name, today=clock.today())
        if chosen is None:
            dispatcher.utter_message(response="utter_child_unknown")
            return []
        return answer_for_chosen_child(dispatcher, tracker, domain, chosen)


class ActionUnlink(BlockingAction):
    """Ends the link between the conversation and a person ("uitloggen")."""

    def name(self) -> str:
        return "action_unlink"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with session_scope() as session:
            was_linked = unlink(session, tracker.sender_id, now=clock.now())
        dispatcher.utter_message(
            response="utter_logged_out" if was_linked else "utter_not_logged_in"
        )
        if was_linked:
            tell_page(dispatcher, LOGGED_OUT)
        return []
