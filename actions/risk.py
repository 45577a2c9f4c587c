"""A message that signals risk reaches a person: words for what was said, the crisis
lines at once when it is acute, and a handoff to the right coordinator. Never a login
demand first. Thin: detection lives in bot/risk, storage and routing in bot/escalation.

Used by the risk rule (any message outside a form) and by the form validations (an
answer inside a check-in that signals risk).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import action_settings
from actions.follow_up import ask_how_to_answer
from actions.tracker_reading import recent_turns, work_key
from bot import clock
from bot.escalation.deadlines import deadline_policy, office_is_open
from bot.escalation.summary import summarise
from bot.risk.decide import RISK_PROPERTY, UNSPECIFIED, RiskVerdict, verdict_for_text
from bot.risk.records import RiskOutcome, RiskReport, report_risk
from bot.risk.replies import RiskSituation, risk_messages, unstored_risk_messages
from bot.risk.voice import voice
from infra.db.session import session_scope
from infra.kept import KeptWork, NotStored, store_or_keep

logger = logging.getLogger(__name__)

RISK_ACTION = "action_risk"
# Set once a risk message was answered: the replies to the reply take it into account.
RISK_SLOT = "risk_reported"
# The kinds told of in this session (a form does not stop again for one it heard).
RISK_KINDS_SLOT = "risk_kinds"


def reported_kinds(tracker: Tracker) -> set[str]:
    return set(tracker.get_slot(RISK_KINDS_SLOT) or [])


def verdict_of_latest(tracker: Tracker) -> RiskVerdict | None:
    """The NLU's verdict on the latest message, or the words read again."""
    message = tracker.latest_message or {}
    return RiskVerdict.from_dict(message.get(RISK_PROPERTY)) or verdict_for_text(
        message.get("text")
    )


async def respond_to_risk(
    dispatcher: CollectingDispatcher, tracker: Tracker, verdict: RiskVerdict, *, source: str
) -> list[dict[str, Any]]:
    """Stores the flag and the handoff, and says what the person needs to read."""
    settings = action_settings()
    policy = deadline_policy(settings)
    now = clock.now()
    said = str((tracker.latest_message or {}).get("text") or "")
    report = RiskReport(
        verdict=verdict,
        source=source,
        message_text=said,
        summary=summarise(recent_turns(tracker)),
    )

    def store() -> RiskOutcome:
        with session_scope() as session:
            return report_risk(
                session,
                tracker.sender_id,
                report,
                now=now,
                policy=policy,
                default_region=settings.default_region,
            )

    # Off the event loop, tried again, and kept for later if the database is down:
    # whatever happens, the person reads the care and the crisis lines.
    kept = KeptWork(tracker.sender_id, report, work_key(tracker, "risk"), submitted_at=now)
    try:
        outcome = await store_or_keep(store, kept, settings.kept_dir)
    except Exception:
        logger.exception("A risk signal could not be stored; the person gets the lines")
        outcome = NotStored.LOST
    if isinstance(outcome, NotStored):
        for message in unstored_risk_messages(verdict.kind, voice(said), outcome.value):
            dispatcher.utter_message(text=message)
        return remember(tracker, verdict)
    situation = RiskSituation(
        kind=verdict.kind,
        voice=outcome.voice,
        role=outcome.role,
        earlier_kinds=outcome.earlier_kinds,
        office_open=office_is_open(now, policy),
    )
    for message in risk_messages(situation, outcome.handoff, now):
        dispatcher.utter_message(text=message)
    if outcome.handoff.anonymous and not outcome.handoff.already_open:
        ask_how_to_answer(dispatcher)  # "hier in de chat" cannot be kept once it closes
    return remember(tracker, verdict)


def remember(tracker: Tracker, verdict: RiskVerdict) -> list[dict[str, Any]]:
    kinds = sorted(reported_kinds(tracker) | {kind.value for kind in verdict.kinds})
    return [SlotSet(RISK_SLOT, True), SlotSet(RISK_KINDS_SLOT, kinds)]


class ActionRisk(Action):
    def name(self) -> str:
        return RISK_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        verdict = verdict_of_latest(tracker) or UNSPECIFIED
        return await respond_to_risk(dispatcher, tracker, verdict, source="chat")
