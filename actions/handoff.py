"""Handoffs to a coordinator: asking for a person, a complaint, distress, and delivering
a coordinator's reply. Thin: routing, deadlines and storage live in bot/escalation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import bot_actions_newest_first, recent_turns
from bot import clock
from bot.checkins.texts import text
from bot.db.session import session_scope
from bot.escalation.deadlines import deadline_policy
from bot.escalation.handoffs import HandoffRequest, HandoffView, create_handoff, open_handoff
from bot.escalation.replies import take_replies
from bot.escalation.summary import summarise
from bot.escalation.texts import handoff_message, waiting_message
from bot.settings import load_settings

NORMAL, URGENT = "normal", "urgent"


def hand_off(
    tracker: Tracker, reason: str, category: str, priority: str
) -> tuple[HandoffView, datetime]:
    """Creates (or finds) the handoff for this conversation; returns its view and the time."""
    settings = load_settings()
    now = clock.now()
    request = HandoffRequest(
        reason=reason,
        category=category,
        priority=priority,
        summary=summarise(recent_turns(tracker)),
    )
    with session_scope() as session:
        view = create_handoff(
            session,
            tracker.sender_id,
            request,
            now=now,
            policy=deadline_policy(settings),
            default_region=settings.default_region,
        )
    return view, now


def waiting_note(sender_id: str) -> str | None:
    """ "Your question H-… is still open" while a handoff waits for an answer."""
    now = clock.now()
    with session_scope() as session:
        view = open_handoff(session, sender_id)
    return waiting_message(view, now) if view else None


class ActionHandoff(Action):
    """ "Ik wil een mens spreken", a complaint, or the bot could not help after asking back."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "complaint":
            reason, category = "complaint", "complaint"
            dispatcher.utter_message(text=text("handoff", "complaint"))
        elif "action_fallback" in bot_actions_newest_first(tracker)[:1]:
            reason, category = "not_understood", "general"
        else:
            reason, category = "asked_for_person", "general"
        view, now = hand_off(tracker, reason, category, NORMAL)
        dispatcher.utter_message(text=handoff_message(view, now))
        return []


class ActionDistress(Action):
    """Words of distress: the crisis lines at once, and an urgent handoff."""

    def name(self) -> str:
        return "action_distress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        view, _ = hand_off(tracker, "distress", "distress", URGENT)
        dispatcher.utter_message(text=text("distress", reference=view.reference))
        return []


class ActionDeliverReply(Action):
    """Run by the inbox through Rasa's API: speaks the coordinator's stored reply."""

    def name(self) -> str:
        return "action_deliver_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with session_scope() as session:
            replies = take_replies(session, tracker.sender_id, now=clock.now())
        for reply in replies:
            heading = text(
                "handoff", "reply", coordinator=reply.coordinator_name, reference=reply.reference
            )
            dispatcher.utter_message(text=f"{heading}\n{reply.body}")
        return []
