"""Live handover: while a coordinator has a conversation, the person's messages go to the
coordinator's thread instead of the bot.

A handoff becomes live when a coordinator takes it (claims or replies) and stops being
live when the coordinator hands it back, closes it, or nobody wrote for the quiet time
(unless the coordinator paused the bot). The bot stays quiet while it is live, except
for its safety net: a message that signals risk is answered by the bot as always and
marked in the thread. Every change the person should know of is a notice in the thread,
delivered to the chat like a reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, lambda_stmt, select
from sqlalchemy.orm import Session

from bot.db.models import Coordinator, Handoff, HandoffMessage
from bot.escalation.mail import ANSWERED, enqueue_mail
from bot.escalation.presence import person_still_there
from bot.outbox import enqueue_once
from bot.vocabulary import HandoffStatus, ThreadAuthor

# What a notice says (messages.yml, handover.<kind>).
STARTED = "started"
ENDED = "ended"
ENDED_QUIET = "ended_quiet"
ENDED_LEFT = "ended_left"  # the person logged out (bot/escalation/presence.py)
# One mail or webhook call per handoff per this span, however many messages come.
ANSWER_NOTICE_SPAN = timedelta(minutes=15)
# A paused bot takes over again after this long without a word from the coordinator.
PAUSE_LIMIT = timedelta(hours=8)


@dataclass(frozen=True)
class LiveHandover:
    """What the chat channel needs to relay a message."""

    handoff_id: int
    reference: str


def is_live(handoff: Handoff) -> bool:
    return handoff.status is HandoffStatus.CLAIMED and handoff.live_since is not None


def live_for(session: Session, conversation_id: str) -> LiveHandover | None:
    """The conversation's live handover, if a coordinator has it now and its person is
    still the one in the conversation (bot/escalation/presence.py: after a logout the
    page's messages go to the bot, not to the coordinator). Read for every chat message,
    with a statement SQLAlchemy builds once; the person only when there is one."""
    row = session.execute(
        lambda_stmt(
            lambda: (
                select(Handoff.id, Handoff.reference)
                .where(
                    Handoff.conversation_id == conversation_id,
                    Handoff.status == HandoffStatus.CLAIMED,
                    Handoff.live_since.is_not(None),
                )
                .order_by(Handoff.live_since.desc())
                .limit(1)
            )
        )
    ).first()
    if row is None or not person_still_there(session, session.get(Handoff, row.id)):
        return None
    return LiveHandover(row.id, row.reference)


def _notice(session: Session, handoff: Handoff, kind: str, coordinator_id: int | None) -> None:
    session.add(
        HandoffMessage(
            handoff_id=handoff.id,
            author=ThreadAuthor.NOTICE,
            coordinator_id=coordinator_id,
            body=kind,
            created_at=handoff.live_since,
        )
    )


def start(session: Session, handoff: Handoff, coordinator: Coordinator, *, now: datetime) -> bool:
    """The coordinator takes the conversation; True when it was not live yet (a notice
    then tells the person who they talk with)."""
    if handoff.live_since is not None or handoff.status is not HandoffStatus.CLAIMED:
        return False
    handoff.live_since = now
    _notice(session, handoff, STARTED, coordinator.id)
    session.flush()
    return True


def end(session: Session, handoff: Handoff, *, now: datetime, kind: str = ENDED) -> bool:
    """The bot answers again; True when the handoff was live (a notice tells the person)."""
    if handoff.live_since is None:
        return False
    handoff.live_since = None
    handoff.bot_paused = False
    session.add(
        HandoffMessage(
            handoff_id=handoff.id,
            author=ThreadAuthor.NOTICE,
            coordinator_id=handoff.claimed_by_id,
            body=kind,
            created_at=now,
        )
    )
    session.flush()
    return True


def relay(
    session: Session, live: LiveHandover, text: str, *, flagged: bool, now: datetime
) -> HandoffMessage | None:
    """Stores the person's message in the thread; the coordinator hears of it (at most
    once per ANSWER_NOTICE_SPAN, and never with the text). None when the handover
    ended in the meantime (the bot answers the message then)."""
    handoff = session.get(Handoff, live.handoff_id)
    if handoff is None or not is_live(handoff):
        return None
    message = HandoffMessage(
        handoff_id=live.handoff_id,
        author=ThreadAuthor.PERSON,
        body=text,
        flagged=flagged,
        created_at=now,
        delivered_at=now,
    )
    session.add(message)
    session.flush()
    span = int(now.timestamp() // ANSWER_NOTICE_SPAN.total_seconds())
    coordinator = session.get(Coordinator, handoff.claimed_by_id)
    key = f"handoff:{live.reference}:answered:{span}"
    enqueue_mail(session, ANSWERED, handoff, coordinator, key=key, now=now)
    enqueue_once(
        session,
        "handoff",
        {
            "event": "handoff.answered",
            "reference": live.reference,
            "flagged": flagged,
            "coordinator": (
                {"name": coordinator.name, "email": coordinator.email} if coordinator else None
            ),
        },
        key=key,
        now=now,
    )
    return message


def last_activity(session: Session, handoff: Handoff) -> datetime | None:
    """When the coordinator last wrote in the live handover (or when it started): a
    person writing to a coordinator who left must not keep the bot away."""
    latest = session.scalar(
        select(func.max(HandoffMessage.created_at)).where(
            HandoffMessage.handoff_id == handoff.id,
            HandoffMessage.author == ThreadAuthor.COORDINATOR,
        )
    )
    moments = [moment for moment in (handoff.live_since, latest) if moment is not None]
    return max(moments) if moments else None


def gone_quiet(last: datetime | None, now: datetime, quiet: timedelta, *, paused: bool) -> bool:
    """Whether the bot takes a live conversation back: the coordinator wrote nothing for
    the quiet time (for PAUSE_LIMIT when they paused the bot)."""
    return last is not None and now - last >= (max(quiet, PAUSE_LIMIT) if paused else quiet)


def hand_back_quiet(session: Session, *, now: datetime, quiet: timedelta) -> list[str]:
    """Ends live handovers that went quiet, and those whose person logged out (the
    coordinator's thread says so); returns the conversations of the quiet ones, to tell
    the person."""
    live = session.scalars(
        select(Handoff).where(
            Handoff.status == HandoffStatus.CLAIMED,
            Handoff.live_since.is_not(None),
        )
    ).all()
    ended = []
    for handoff in live:
        if not person_still_there(session, handoff):
            end(session, handoff, now=now, kind=ENDED_LEFT)
        elif gone_quiet(last_activity(session, handoff), now, quiet, paused=handoff.bot_paused):
            end(session, handoff, now=now, kind=ENDED_QUIET)
            ended.append(handoff.conversation_id)
    return ended


def thread_after(session: Session, handoff_id: int, after_id: int) -> list[HandoffMessage]:
    """The thread's lines after the given one, in order."""
    return list(
        session.scalars(
            select(HandoffMessage)
            .where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.id > after_id)
            .order_by(HandoffMessage.id)
        )
    )
