"""Background jobs: run once from the command line, or on a timer inside the web app.

A job is a function of the settings and the current time that returns a short English
summary for the log; it never logs personal data. A job that only works the database
is a plain function (run in a worker thread); one that also talks to the network is a
coroutine that does its database work with asyncio.to_thread, so no job starts an event
loop of its own (docs/architecture.md, "Blocking work").
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.campaigns.schedule import MessagePolicy
from bot.campaigns.sending import run_due_campaigns
from bot.campaigns.showing import (
    mark_check_ins,
    mark_replied,
    recipient_conversations,
    shown_without_reply,
)
from bot.checkins.nudges import NudgePolicy, create_nudges, student_conversations
from bot.clock import parse_time_span
from bot.escalation import handover
from bot.escalation.deadlines import deadline_policy
from bot.escalation.handoffs import escalate_overdue, handoffs_for_risk_flags
from bot.settings import Settings
from infra.db.session import session_scope
from infra.delivery import RetryPolicy, deliver_due
from infra.kept import Replay, do_kept_work
from infra.mail import SmtpServer, deliver_mail_due
from infra.rasa_api import NUDGE_ACTION, execute_action, trigger_reply
from infra.transcripts import answered_after, purge_transcripts, recently_active

logger = logging.getLogger(__name__)

# A chat with activity this recent may still be open in a browser: a new nudge is pushed
# to it at once. Rasa's session expiry (domain.yml), after which a new session shows it.
OPEN_CHAT_WINDOW = timedelta(minutes=60)


@dataclass(frozen=True)
class ScheduledJob:
    """A job of JOBS as the web app's timer runs it: its interval read from the settings."""

    name: str
    run: Callable[[Settings, datetime], str] | Callable[[Settings, datetime], Awaitable[str]]
    interval: timedelta


async def run_job(run: Callable, settings: Settings, now: datetime) -> str:
    """Runs a job from a coroutine: a coroutine job is awaited, a plain one (database
    work only) goes to a worker thread."""
    if inspect.iscoroutinefunction(run):
        return await run(settings, now)
    return await asyncio.to_thread(run, settings, now)


def purge_erased(
    settings: Settings, now: datetime, conversation_ids: Iterable[str] | None = None
) -> str:
    """Removes the stored conversations of people who asked for erasure."""
    with session_scope(settings.database_url) as session:
        report = purge_transcripts(
            session, settings.tracker_database_url, now=now, conversation_ids=conversation_ids
        )
    return (
        f"{report.events_removed} events removed, {report.purges_completed} purges completed, "
        f"{report.purges_open} still open"
    )


async def nudge(settings: Settings, now: datetime) -> str:
    """Nudges students with a goal due soon and no check-in for it."""
    quiet_start, quiet_end = parse_time_span(settings.nudge_quiet_hours)
    policy = NudgePolicy(
        days_ahead=settings.nudge_days_ahead,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        weekly_cap=settings.messages_per_week,
    )

    def choose() -> tuple[int, list[str]]:
        with session_scope(settings.database_url) as session:
            chosen = create_nudges(session, now=now, policy=policy)
            linked = student_conversations(session, [goal.student_id for goal in chosen])
        open_chats = recently_active(
            settings.tracker_database_url, linked, since=now - OPEN_CHAT_WINDOW
        )
        return len(chosen), list(open_chats)

    nudged, open_chats = await asyncio.to_thread(choose)
    pushed = await push_nudges(settings, open_chats)
    return f"{nudged} students nudged, {pushed} pushed to a recently active chat"


async def push_nudges(settings: Settings, conversation_ids: Iterable[str]) -> int:
    """Shows new nudges in chats that may be open; the rest wait for the next visit.
    Returns how many conversations Rasa ran the nudge in (what it said went straight
    to the widget, so Rasa cannot report it)."""
    pushed = 0
    for conversation_id in conversation_ids:
        pushed += await execute_action(settings, conversation_id, NUDGE_ACTION) is not None
    return pushed


# How long after a campaign message an answer still counts as a reply to it.
REPLY_WINDOW = timedelta(days=7)


def message_policy(settings: Settings) -> MessagePolicy:
    quiet_start, quiet_end = parse_time_span(settings.nudge_quiet_hours)
    return MessagePolicy(
        quiet_start=quiet_start, quiet_end=quiet_end, weekly_cap=settings.messages_per_week
    )


async def campaigns(settings: Settings, now: datetime) -> str:
    """Sends the campaign runs that are due, pushes them into chats that may be open,
    and notes replies and tasks done since the last time."""
    policy = message_policy(settings)

    def send() -> tuple[int, int, list[str]]:
        with session_scope(settings.database_url) as session:
            reports = run_due_campaigns(session, now=now, policy=policy)
            reached = [key for report in reports for key in report.delivered]
            linked = recipient_conversations(session, reached)
        open_chats = recently_active(
            settings.tracker_database_url, linked, since=now - OPEN_CHAT_WINDOW
        )
        return len(reports), len(reached), list(open_chats)

    def note_outcomes() -> tuple[int, int]:
        with session_scope(settings.database_url) as session:
            checked_in = mark_check_ins(session, since=now - REPLY_WINDOW)
            waiting = shown_without_reply(session, now - REPLY_WINDOW)
        first_shown: dict[str, datetime] = {}
        for conversation_id, shown_at in waiting.values():
            first_shown[conversation_id] = min(shown_at, first_shown.get(conversation_id, shown_at))
        answered = answered_after(settings.tracker_database_url, first_shown)
        replied = {
            delivery_id: answered[conversation_id]
            for delivery_id, (conversation_id, shown_at) in waiting.items()
            if conversation_id in answered and answered[conversation_id] > shown_at
        }
        with session_scope(settings.database_url) as session:
            mark_replied(session, replied)
        return checked_in, len(replied)

    runs, reached, open_chats = await asyncio.to_thread(send)
    pushed = await push_nudges(settings, open_chats)
    checked_in, replied = await asyncio.to_thread(note_outcomes)
    return (
        f"{runs} campaign runs reached {reached} people, {pushed} pushed to an open chat; "
        f"{replied} replies and {checked_in} check-ins noted"
    )


def escalate(settings: Settings, now: datetime) -> str:
    """Risk flags become handoffs; unclaimed overdue handoffs climb the ladder."""
    policy = deadline_policy(settings)
    with session_scope(settings.database_url) as session:
        from_risks = handoffs_for_risk_flags(
            session, now=now, policy=policy, default_region=settings.default_region
        )
        climbed = escalate_overdue(session, now=now, policy=policy)
    return f"{len(from_risks)} handoffs from risk flags, {len(climbed)} overdue handoffs escalated"


async def hand_back_quiet(settings: Settings, now: datetime) -> str:
    """Live handovers where nobody wrote for the quiet time go back to the bot; the
    person is told in the chat."""
    quiet = timedelta(minutes=settings.handover_quiet_minutes)

    def end() -> list[str]:
        with session_scope(settings.database_url) as session:
            return handover.hand_back_quiet(session, now=now, quiet=quiet)

    ended = await asyncio.to_thread(end)
    told = 0
    for conversation_id in ended:
        told += await trigger_reply(settings, conversation_id) is not None
    return f"{len(ended)} quiet handovers back to the bot, {told} told in the chat"


async def deliver_outbox(settings: Settings, now: datetime) -> str:
    """Sends pending notifications to the webhook and mails over SMTP; without a
    webhook or an SMTP server they wait in the outbox."""
    policy = RetryPolicy(
        first_delay=timedelta(seconds=settings.outbox_first_retry_seconds),
        timeout_seconds=settings.outbox_timeout_seconds,
    )
    opener = partial(session_scope, settings.database_url)
    parts = []
    if settings.notify_webhook_url:
        report = await deliver_due(opener, settings.notify_webhook_url, now=now, policy=policy)
        parts.append(
            f"webhook: {report.delivered} delivered, {report.retried} to retry, "
            f"{report.failed} failed"
        )
    else:
        parts.append("no NOTIFY_WEBHOOK_URL set; notifications wait in the outbox")
    if settings.smtp_host:
        server = SmtpServer.from_settings(settings)
        report = await deliver_mail_due(
            opener, server, settings.public_inbox_url, now=now, policy=policy
        )
        parts.append(
            f"mail: {report.delivered} sent, {report.retried} to retry, {report.failed} failed"
        )
    else:
        parts.append("no SMTP_HOST set; mails wait in the outbox")
    return "; ".join(parts)


def do_kept(settings: Settings, now: datetime) -> str:
    """Stores the check-ins, handoffs and risk signals that were kept because the
    database did not answer."""
    replay = Replay(
        policy=deadline_policy(settings),
        default_region=settings.default_region,
        handoffs_per_address=settings.handoffs_per_address,
    )
    report = do_kept_work(partial(session_scope, settings.database_url), settings.kept_dir, replay)
    return f"{report.done} kept done, {report.waiting} waiting, {report.refused} refused"


@dataclass(frozen=True)
class JobSpec:
    """A job as the web app's timer and the command line both know it."""

    name: str  # also the command: python -m bot <name>
    run: Callable[[Settings, datetime], str] | Callable[[Settings, datetime], Awaitable[str]]
    every: Callable[[Settings], timedelta]  # how often the web app runs it; 0: never
    label: str  # how the command line reports it
    help: str


JOBS = (
    JobSpec(
        "purge-erased",
        purge_erased,
        lambda settings: timedelta(minutes=1),
        "Purge of erased conversations",
        "remove stored conversations of people who asked for erasure",
    ),
    JobSpec(
        "escalate-overdue",
        escalate,
        lambda settings: timedelta(minutes=1),
        "Escalation",
        "turn risk flags into handoffs and escalate overdue ones",
    ),
    JobSpec(
        "deliver-outbox",
        deliver_outbox,
        lambda settings: timedelta(seconds=10),
        "Outbox",
        "send pending notifications to NOTIFY_WEBHOOK_URL and mails to SMTP_HOST",
    ),
    JobSpec(
        "hand-back-quiet",
        hand_back_quiet,
        lambda settings: timedelta(minutes=1),
        "Quiet handovers",
        "give live handovers back to the bot after HANDOVER_QUIET_MINUTES without a message",
    ),
    JobSpec(
        "do-kept",
        do_kept,
        lambda settings: timedelta(seconds=30),
        "Kept work",
        "store the check-ins, handoffs and risk signals kept during a database outage",
    ),
    JobSpec(
        "campaigns",
        campaigns,
        lambda settings: timedelta(minutes=settings.campaign_every_minutes),
        "Campaigns",
        "send the campaign runs that are due and note replies and tasks done",
    ),
    JobSpec(
        "nudge",
        nudge,
        lambda settings: timedelta(minutes=settings.nudge_every_minutes),
        "Nudges",
        "nudge students with a goal due soon",
    ),
)


def scheduled_jobs(settings: Settings) -> tuple[ScheduledJob, ...]:
    """The jobs the web app runs on a timer; an interval of 0 switches one off."""
    return tuple(
        ScheduledJob(spec.name, spec.run, spec.every(settings))
        for spec in JOBS
        if spec.every(settings)
    )
