"""Handoffs to a coordinator: asking for a person, a complaint, and delivering a
coordinator's reply (risk has its own module, actions/risk.py). Thin: routing,
deadlines and storage live in bot/escalation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction, action_settings
from actions.follow_up import ask_how_to_answer
from actions.tracker_reading import (
    bot_actions_newest_first,
    client_key_of,
    recent_turns,
    work_key,
)
from bot import clock
from bot.content.catalog import button, text
from bot.escalation.deadlines import deadline_policy
from bot.escalation.handoffs import (
    HandoffRequest,
    HandoffView,
    TooManyHandoffsError,
    create_handoff,
    open_handoff,
)
from bot.escalation.replies import take_replies
from bot.escalation.summary import summarise
from bot.escalation.texts import handoff_message, reply_text, waiting_message
from bot.vocabulary import HandoffPriority
from infra.db.session import session_scope
from infra.kept import KeptWork, NotStored, store_or_keep

COMPLAINT_ACTION = "action_complaint"
AFFIRM_ACTION = "action_affirm"


async def hand_off(
    tracker: Tracker, reason: str, category: str, priority: HandoffPriority
) -> tuple[HandoffView | NotStored, datetime]:
    """Creates (or finds) the handoff for this conversation; returns its view (or why
    there is none yet) and the time."""
    settings = action_settings()
    now = clock.now()
    request = HandoffRequest(
        reason=reason,
        category=category,
        priority=priority,
        summary=summarise(recent_turns(tracker)),
        client_key=client_key_of(tracker),
        about_text=tracker.latest_message.get("text"),
    )

    def store() -> HandoffView:
        with session_scope() as session:
            return create_handoff(
                session,
                tracker.sender_id,
                request,
                now=now,
                policy=deadline_policy(settings),
                default_region=settings.default_region,
                per_client=settings.handoffs_per_address,
            )

    kept = KeptWork(tracker.sender_id, request, work_key(tracker, "handoff"), submitted_at=now)
    try:
        return await store_or_keep(store, kept, settings.kept_dir), now
    except TooManyHandoffsError:
        return NotStored.REFUSED, now


def waiting_note(sender_id: str) -> str | None:
    """ "Your question H-… is still open" while a handoff waits for an answer."""
    now = clock.now()
    with session_scope() as session:
        view = open_handoff(session, sender_id)
    return waiting_message(view, now) if view else None


def what_was_offered(tracker: Tracker) -> str | None:
    """The bot's own last turn before this message (a "yes" goes on from there)."""
    earlier = [name for name in bot_actions_newest_first(tracker) if name != AFFIRM_ACTION]
    return earlier[0] if earlier else None


class ActionHandoff(Action):
    """ "Ik wil een mens spreken", a confirmed complaint, or the bot could not help."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        before = what_was_offered(tracker)
        if before == COMPLAINT_ACTION:
            reason, category = "complaint", "complaint"
        elif before == "action_fallback":
            reason, category = "not_understood", "general"
        else:
            reason, category = "asked_for_person", "general"
        view, now = await hand_off(tracker, reason, category, HandoffPriority.NORMAL)
        if isinstance(view, NotStored):
            dispatcher.utter_message(text=text("handoff", view.value))
        else:
            dispatcher.utter_message(text=handoff_message(view, now))
            if view.anonymous and not view.already_open:
                ask_how_to_answer(dispatcher)
        return []


class ActionComplaint(BlockingAction):
    """A complaint is heard, and passed on when the person wants that: a message that only
    sounds like a complaint never becomes a coordinator's task by itself."""

    def name(self) -> str:
        return COMPLAINT_ACTION

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=text("handoff", "complaint"))
        dispatcher.utter_message(
            text=text("handoff", "complaint_offer"),
            buttons=[
                button("pass_on", "/request_human"),
                button("no_need", "/deny"),
            ],
        )
        return []


class ActionDeliverReply(BlockingAction):
    """Run by the inbox through Rasa's API: speaks the coordinator's stored reply."""

    def name(self) -> str:
        return "action_deliver_reply"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with session_scope() as session:
            replies = take_replies(session, tracker.sender_id, now=clock.now())
        for reply in replies:
            dispatcher.utter_message(text=reply_text(reply))
        if not replies:  # typed by hand: never silence
            dispatcher.utter_message(text=text("handoff", "no_reply_yet"))
        return []
