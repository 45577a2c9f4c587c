"""Check-ins on interim goals (a form), personal goals, progress and nudges.

Thin adapters: the decisions live in bot/checkins; every read or write goes through
functions that ask the identity gate who is talking.
"""

from __future__ import annotations

import asyncio
import uuid
from abc import abstractmethod
from collections.abc import Callable
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction, action_settings
from actions.campaigns import show_pending_campaign_message
from actions.children import ask_which_child, say_child_chosen
from actions.risk import reported_kinds, respond_to_risk, verdict_of_latest
from actions.tracker_reading import answer_ranking, bot_actions_newest_first
from bot import clock
from bot.checkins.answers import (
    ACHIEVED,
    choose_goal,
    goal_title_from,
    is_stop_request,
    read_if_then_plan,
    read_motivation,
    read_note,
    read_status,
)
from bot.checkins.dates import find_date, is_acceptable_goal_date
from bot.checkins.nudges import take_pending_nudge
from bot.checkins.records import (
    CheckInAnswers,
    CheckInOutcome,
    Who,
    add_personal_goal,
    goal_choices,
    open_goals,
    progress_reports,
    record_check_in,
    who_is_talking,
)
from bot.checkins.texts import (
    check_in_messages,
    goal_saved_message,
    nudge_message,
    progress_lines,
)
from bot.content.catalog import button, catalog, text
from bot.escalation.deadlines import deadline_policy
from bot.escalation.handoffs import HandoffView, handoffs_for_risk_flags
from bot.risk.decide import RiskVerdict, holds_in_a_form
from infra.db.session import session_scope
from infra.kept import KeptWork, NotStored, store_or_keep

CHECKIN_SLOTS = (
    "checkin_goal",
    "checkin_status",
    "checkin_motivation",
    "checkin_note",
    "checkin_plan",
)
GOAL_SLOTS = ("goal_title", "goal_date")
KEY_SLOT = "checkin_key"
STOP_SLOT = "form_stopped"
# What an anonymous user asked for, so it continues once they have linked.
RESUME_SLOT = "resume_after_link"
GOAL_BUTTONS = 4


# After logging in, what the user asked before continues.
RESUME_ACTIONS = {
    "checkin": "action_start_checkin",
    "add_goal": "personal_goal_form",
    "progress": "action_show_progress",
}


def resume_after_link(tracker: Tracker) -> list[dict[str, Any]]:
    """Events that continue what an anonymous user started before they logged in."""
    action = RESUME_ACTIONS.get(tracker.get_slot(RESUME_SLOT) or "")
    if action is None:
        return []
    return [SlotSet(RESUME_SLOT, None), SlotSet(STOP_SLOT, False), FollowupAction(action)]


def show_pending_nudge(dispatcher: CollectingDispatcher, sender_id: str) -> None:
    """Starts with the goal a nudge was made for, once, when the student opens the chat."""
    now = clock.now()
    with session_scope() as session:
        nudge = take_pending_nudge(session, sender_id, now=now)
    if nudge is None:
        return
    dispatcher.utter_message(
        text=nudge_message(nudge, now.date()),
        buttons=[
            button("checkin_now", "/checkin"),
            button("later", "/deny"),
        ],
    )


def read_answer(
    slot: str,
    value: Any,
    dispatcher: CollectingDispatcher,
    read: Callable[[str], Any],
    retry_response: str,
    tracker: Tracker,
) -> dict[str, Any]:
    """A form answer read from free text: stop on "laat maar", ask again when unreadable.

    After a risk signal (answered by RiskAwareValidation) the form stops instead of asking
    again: the student has just told something that matters more than the form.
    """
    if value is None or tracker.get_slot(STOP_SLOT):  # nothing to check, or stopped
        return {slot: None}
    said = str(value)
    if is_stop_request(said):
        return {slot: None, **_stop(dispatcher)}
    # "/intent{...}" typed by hand is never an answer.
    result = None if said.lstrip().startswith("/") else read(said)
    if result is None and form_answer_verdict(tracker) is not None:
        dispatcher.utter_message(text=text("checkin", "paused"))
        return {slot: None, STOP_SLOT: True}
    if result is None:
        dispatcher.utter_message(response=retry_response)
    return {slot: result}


def form_answer_verdict(tracker: Tracker) -> RiskVerdict | None:
    """The risk verdict on an answer in a form, by the stricter rule for form answers."""
    verdict = verdict_of_latest(tracker)
    if verdict is None or not holds_in_a_form(verdict, answer_ranking(tracker)):
        return None
    return verdict


class RiskAwareValidation(FormValidationAction):
    """A form answer that signals risk reaches a person first, like any other message.

    Acute risk ends the form without a word about it (the crisis lines were just said);
    other kinds let the form go on when the answer can be read. A kind already told of
    in this session (the plan "als ze me weer uitschelden, dan ...") does not stop it
    again.
    """

    @abstractmethod
    def name(self) -> str:
        """Each form's own validation action names itself."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        verdict = form_answer_verdict(tracker) if _answered_in_form(tracker) else None
        if (
            verdict is not None
            and not verdict.acute
            and verdict.kind.value in reported_kinds(tracker)
        ):
            verdict = None  # told of in this session already: school has it; go on
        if verdict is not None:
            events = await respond_to_risk(dispatcher, tracker, verdict, source="checkin")
            if verdict.acute:
                events.append(SlotSet(STOP_SLOT, True))
            tracker.add_slots(events)
        return events + await super().run(dispatcher, tracker, domain)


def _answered_in_form(tracker: Tracker) -> bool:
    """The latest message answers a question of the running form (not its first message)."""
    return bool(tracker.active_loop.get("name")) and tracker.get_slot("requested_slot") is not None


def _reset(slots: tuple[str, ...]) -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in slots]


def _refuse_start(dispatcher: CollectingDispatcher, who: Who, resume: str) -> list[dict[str, Any]]:
    if who is Who.ANONYMOUS:
        dispatcher.utter_message(text=text("checkin", "anonymous"))
        return [SlotSet(RESUME_SLOT, resume)]
    dispatcher.utter_message(
        text=text("checkin", "guardian") if resume == "checkin" else text("goal", "not_student")
    )
    return []


def _stop(dispatcher: CollectingDispatcher) -> dict[str, Any]:
    dispatcher.utter_message(text=text("checkin", "stopped"))
    return {STOP_SLOT: True}


class ActionStartCheckin(BlockingAction):
    """ "Ik wil inchecken": starts the check-in form for a linked student."""

    def name(self) -> str:
        return "action_start_checkin"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with session_scope() as session:
            who, goals = open_goals(session, tracker.sender_id, today=clock.today())
        if who is not Who.STUDENT:
            return _refuse_start(dispatcher, who, "checkin")
        if not goals:
            dispatcher.utter_message(text=text("checkin", "no_open_goals"))
            return []
        return [
            *_reset(CHECKIN_SLOTS),
            SlotSet(STOP_SLOT, False),
            SlotSet(RESUME_SLOT, None),
            SlotSet(KEY_SLOT, uuid.uuid4().hex),
            FollowupAction("checkin_form"),
        ]


class ActionAskCheckinGoal(BlockingAction):
    """Asks which goal, with the first open goals as buttons."""

    def name(self) -> str:
        return "action_ask_checkin_goal"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with session_scope() as session:
            _, offered, _ = goal_choices(
                session, tracker.sender_id, now=clock.now(), limit=GOAL_BUTTONS
            )
        # Numbered as the question promises ("typ het nummer"); a tap sends the title.
        buttons = [
            {"title": f"{number}. {goal.title}", "payload": goal.title}
            for number, goal in enumerate(offered, start=1)
        ]
        dispatcher.utter_message(response="utter_ask_checkin_goal", buttons=buttons)
        return []


class ValidateCheckinForm(RiskAwareValidation):
    """Reads each answer from free text; asks again kindly; "laat maar" stops the form."""

    def name(self) -> str:
        return "validate_checkin_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if tracker.get_slot(STOP_SLOT):
            return []
        if tracker.get_slot("checkin_status") == ACHIEVED:
            return [slot for slot in domain_slots if slot != "checkin_plan"]
        return domain_slots

    async def validate_checkin_goal(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        def read(said: str) -> str | None:
            with session_scope() as session:
                _, offered, goals = goal_choices(
                    session, tracker.sender_id, now=clock.now(), limit=GOAL_BUTTONS
                )
            # A number means the goal shown with it; a title may be any open goal.
            chosen = choose_goal(said, [(g.goal_id, g.title) for g in offered]) or choose_goal(
                said, [(g.goal_id, g.title) for g in goals], numbers=False
            )
            return None if chosen is None else str(chosen)

        # Reading the goals is database work: off the event loop (actions/blocking.py).
        return await asyncio.to_thread(
            read_answer,
            "checkin_goal",
            value,
            dispatcher,
            read,
            "utter_invalid_checkin_goal",
            tracker,
        )

    async def validate_checkin_status(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        def read(said: str) -> str | None:
            status = read_status(said)
            return None if status is None else status.value

        return read_answer(
            "checkin_status", value, dispatcher, read, "utter_invalid_checkin_status", tracker
        )

    async def validate_checkin_motivation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        def read(said: str) -> str | None:
            score = read_motivation(said)
            return None if score is None else str(score)

        return read_answer(
            "checkin_motivation",
            value,
            dispatcher,
            read,
            "utter_invalid_checkin_motivation",
            tracker,
        )

    async def validate_checkin_note(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return read_answer(
            "checkin_note", value, dispatcher, read_note, "utter_invalid_checkin_note", tracker
        )

    async def validate_checkin_plan(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return read_answer(
            "checkin_plan",
            value,
            dispatcher,
            read_if_then_plan,
            "utter_invalid_checkin_plan",
            tracker,
        )


class ActionSubmitCheckin(Action):
    """Stores the finished check-in once and shows progress; or confirms a stop."""

    def name(self) -> str:
        return "action_submit_checkin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        cleanup = [*_reset(CHECKIN_SLOTS), SlotSet(KEY_SLOT, None), SlotSet(STOP_SLOT, False)]
        if tracker.get_slot(STOP_SLOT) or not tracker.get_slot(KEY_SLOT):
            return cleanup
        answers = CheckInAnswers(
            goal_id=int(tracker.get_slot("checkin_goal")),
            status=tracker.get_slot("checkin_status"),
            motivation=int(tracker.get_slot("checkin_motivation")),
            note=tracker.get_slot("checkin_note") or "",
            if_then_plan=tracker.get_slot("checkin_plan"),
        )
        now = clock.now()
        settings = action_settings()
        key = tracker.get_slot(KEY_SLOT)

        def store() -> tuple[CheckInOutcome | None, list[HandoffView]]:
            with session_scope() as session:
                outcome = record_check_in(
                    session, tracker.sender_id, answers, idempotency_key=key, now=now
                )
                handoffs = (
                    handoffs_for_risk_flags(
                        session,
                        now=now,
                        policy=deadline_policy(settings),
                        default_region=settings.default_region,
                        conversation_id=tracker.sender_id,
                    )
                    if outcome and outcome.risks
                    else []
                )
            return outcome, handoffs

        kept = KeptWork(tracker.sender_id, answers, key, submitted_at=now)
        stored = await store_or_keep(store, kept, settings.kept_dir)
        if isinstance(stored, NotStored):
            reply = "kept" if stored is NotStored.KEPT else "not_saved"
            dispatcher.utter_message(text=text("checkin", reply))
            return cleanup
        outcome, handoffs = stored
        if outcome is None:
            dispatcher.utter_message(text=text("checkin", "goal_gone"))
            return cleanup
        for message in check_in_messages(outcome, today=now.date()):
            dispatcher.utter_message(text=message)
        for view in handoffs:
            dispatcher.utter_message(text=text("handoff", "risk", reference=view.reference))
        return cleanup


class ActionStartGoal(BlockingAction):
    """ "Ik wil voor de kerst mijn rekentoets halen": fills what the message already says."""

    def name(self) -> str:
        return "action_start_goal"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        today = clock.today()
        with session_scope() as session:
            who = who_is_talking(session, tracker.sender_id, today=today)
        if who is not Who.STUDENT:
            return _refuse_start(dispatcher, who, "add_goal")
        said = tracker.latest_message.get("text") or ""
        found = find_date(said, today)
        due = found.value if found and is_acceptable_goal_date(found.value, today) else None
        title = goal_title_from(found.rest if found else said)
        return [
            *_reset(GOAL_SLOTS),
            SlotSet("goal_title", title),
            SlotSet("goal_date", due.isoformat() if due else None),
            SlotSet(STOP_SLOT, False),
            SlotSet(RESUME_SLOT, None),
            FollowupAction("personal_goal_form"),
        ]


class ValidatePersonalGoalForm(RiskAwareValidation):
    def name(self) -> str:
        return "validate_personal_goal_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        return [] if tracker.get_slot(STOP_SLOT) else domain_slots

    async def validate_goal_title(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        answer = read_answer(
            "goal_title", value, dispatcher, goal_title_from, "utter_invalid_goal_title", tracker
        )
        if answer["goal_title"] is None or tracker.get_slot("goal_date"):
            return answer
        # The title may carry its date: "mijn verslag af voor 1 maart".
        found = find_date(str(value), clock.today())
        if found and is_acceptable_goal_date(found.value, clock.today()):
            return {
                "goal_title": goal_title_from(found.rest) or answer["goal_title"],
                "goal_date": found.value.isoformat(),
            }
        return answer

    async def validate_goal_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        def read(said: str) -> str | None:
            if _is_iso_date(said):  # set from the first message by action_start_goal
                return said
            found = find_date(said, clock.today())
            if found is None or not is_acceptable_goal_date(found.value, clock.today()):
                return None
            return found.value.isoformat()

        return read_answer("goal_date", value, dispatcher, read, "utter_invalid_goal_date", tracker)


def _is_iso_date(said: str) -> bool:
    try:
        date.fromisoformat(said)
    except ValueError:
        return False
    return True


class ActionSaveGoal(BlockingAction):
    def name(self) -> str:
        return "action_save_goal"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        cleanup = [*_reset(GOAL_SLOTS), SlotSet(STOP_SLOT, False)]
        title, due = tracker.get_slot("goal_title"), tracker.get_slot("goal_date")
        if tracker.get_slot(STOP_SLOT) or not title or not due:
            return cleanup
        now = clock.now()
        with session_scope() as session:
            goal = add_personal_goal(
                session, tracker.sender_id, title, date.fromisoformat(due), now=now
            )
        if goal is None:
            dispatcher.utter_message(text=text("goal", "not_student"))
        else:
            dispatcher.utter_message(text=goal_saved_message(goal, now.date()))
        return cleanup


PROGRESS_ACTION = "action_show_progress"


class ActionShowProgress(BlockingAction):
    """ "Hoe sta ik ervoor?" / "Hoe gaat het met mijn kind?": progress per bouwsteen."""

    def name(self) -> str:
        return PROGRESS_ACTION

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        today = clock.today()
        with session_scope() as session:
            who, reports, choose_from = progress_reports(
                session,
                tracker.sender_id,
                today=today,
                message_text=tracker.latest_message.get("text"),
            )
        if who is Who.ANONYMOUS:
            dispatcher.utter_message(text=text("checkin", "anonymous"))
            return [SlotSet(RESUME_SLOT, "progress")]
        if choose_from:
            ask_which_child(dispatcher, choose_from)
            return []
        audience = "student" if who is Who.STUDENT else "guardian"
        content = catalog()
        if not reports:
            dispatcher.utter_message(text=content.message("no_children"))
        for report in reports:
            name = report.subject.first_name
            if report.progress is None:
                dispatcher.utter_message(
                    text=content.message("refusal", report.subject.refusal.value, name=name)
                )
                continue
            lines = progress_lines(
                report.progress,
                audience=audience,
                name=name,
                phase=report.phase_name,
                block_names=report.block_names,
                today=today,
            )
            dispatcher.utter_message(text="\n".join(lines))
        return []


def answer_for_chosen_child(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], name: str
) -> list[dict[str, Any]]:
    """After a parent chose or named one of their children: that child's progress when
    progress was the last answer ("hoe gaat het met Milan?" ... "en met Lotte?"), else
    "Oké, we praten nu over Lotte." with the topics."""
    if bot_actions_newest_first(tracker)[:1] == [PROGRESS_ACTION]:
        return ActionShowProgress().work(dispatcher, tracker, domain)
    say_child_chosen(dispatcher, name)
    return []


ACTION_LISTEN = "action_listen"


class ActionShowNudge(BlockingAction):
    """Run by the nudge and campaign jobs through Rasa's execute API (no intent, so
    nothing to train) while the chat may be open: shows the new campaign message and
    reminder at once instead of at the next visit (once, as at a session start)."""

    def name(self) -> str:
        return "action_show_nudge"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        show_pending_campaign_message(dispatcher, tracker.sender_id)
        show_pending_nudge(dispatcher, tracker.sender_id)
        # Rasa's execute API runs this action alone and predicts nothing after it: the
        # bot listens again, as after any turn, so the person's answer (a button under
        # the message) meets the rules that start from listening.
        return [ActionExecuted(ACTION_LISTEN)]
