"""A campaign message in the chat: shown once when the person opens the chat (or pushed
into an open one), and what they answer to it: the task button, a reply, a check-in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.campaigns.limits import set_opt_out
from bot.campaigns.recipients import parse_recipient_key, recipient_key
from bot.db.models import Campaign, CampaignDelivery, CheckIn, ConversationLink, EndedChatToken
from bot.identity.access import Access, Purpose, authorise, current_link, ended_token_of_link
from bot.vocabulary import CampaignStatus, CampaignTask, PersonRole


@dataclass(frozen=True)
class PendingMessage:
    body: str
    task: CampaignTask
    button: str | None


def _linked_key(session: Session, conversation_id: str, now: datetime) -> str | None:
    """The recipient key of the conversation's person, without reading anything
    personal (so nothing is audited): to see whether there is anything to do."""
    link = current_link(session, conversation_id, today=now.date())
    if link is None:
        return None
    person_id = link.student_id if link.role is PersonRole.STUDENT else link.guardian_id
    return recipient_key(link.role, person_id)


def _person(session: Session, conversation_id: str, now: datetime) -> Access:
    """Who is talking, through the identity gate (a logged read)."""
    return authorise(session, conversation_id, Purpose.NAME, today=now.date())


def set_messages(
    session: Session, conversation_id: str, off: bool, *, now: datetime
) -> PersonRole | None:
    """ "stop met berichten" (off) or "berichten aan" for the person of this
    conversation; their role, or None when the conversation is anonymous."""
    access = _person(session, conversation_id, now)
    if access.anonymous or access.viewer_id is None:
        return None
    set_opt_out(session, access.role, access.viewer_id, off, now=now)
    return access.role


def take_pending_message(
    session: Session, conversation_id: str, *, now: datetime
) -> PendingMessage | None:
    """The linked person's newest campaign message not yet shown, if its campaign still
    runs and its window is open; every unshown one is marked shown here, so one opening
    of the chat shows one message. None for anonymous conversations."""
    key = _linked_key(session, conversation_id, now)
    if key is None:
        return None
    unshown = session.execute(
        select(CampaignDelivery, Campaign)
        .join(Campaign, CampaignDelivery.campaign_id == Campaign.id)
        .where(CampaignDelivery.recipient_key == key, CampaignDelivery.shown_at.is_(None))
        .order_by(CampaignDelivery.created_at.desc(), CampaignDelivery.id.desc())
    ).all()
    showable = [
        (delivery, campaign)
        for delivery, campaign in unshown
        if campaign.status is not CampaignStatus.STOPPED and now < campaign.ends_at
    ]
    if not showable:
        return None
    access = _person(session, conversation_id, now)
    if access.viewer_id is None or recipient_key(access.role, access.viewer_id) != key:
        return None
    # The newest is shown; the older ones (a repeat while the person was away) are
    # marked shown with it, so no visit later shows an old run of the same message.
    for delivery, _ in showable:
        delivery.shown_at = now
        delivery.shown_in_conversation_id = conversation_id
    delivery, campaign = showable[0]
    session.flush()
    return PendingMessage(
        body=campaign.body,
        task=campaign.task,
        button=campaign.task_button if campaign.task is CampaignTask.CONFIRM else None,
    )


def _answered_delivery(
    session: Session, conversation_id: str, now: datetime
) -> CampaignDelivery | None:
    """The newest confirm message shown to this person in this conversation, of a
    campaign that still runs, whose task is not done yet (the button carries no id:
    an old message's button in the history counts for the newest one shown here)."""
    access = _person(session, conversation_id, now)
    if access.anonymous or access.viewer_id is None:
        return None
    key = recipient_key(access.role, access.viewer_id)
    return session.scalars(
        select(CampaignDelivery)
        .join(Campaign, CampaignDelivery.campaign_id == Campaign.id)
        .where(
            CampaignDelivery.recipient_key == key,
            CampaignDelivery.shown_in_conversation_id == conversation_id,
            CampaignDelivery.task_done_at.is_(None),
            Campaign.task == CampaignTask.CONFIRM,
            Campaign.status != CampaignStatus.STOPPED,
            Campaign.ends_at > now,
        )
        .order_by(CampaignDelivery.shown_at.desc(), CampaignDelivery.id.desc())
        .limit(1)
    ).first()


def answer_task(session: Session, conversation_id: str, done: bool, *, now: datetime) -> bool:
    """The person pressed "Ja, ..." (done) or "Nog niet" under a campaign message:
    stored as their answer; False when there is no such message to answer."""
    delivery = _answered_delivery(session, conversation_id, now)
    if delivery is None:
        return False
    delivery.replied_at = delivery.replied_at or now
    if done:
        delivery.task_done_at = now
    session.flush()
    return True


def mark_check_ins(session: Session, *, since: datetime) -> int:
    """Check-in campaigns: a check-in by the student after the message was shown does
    the task. Only messages shown since `since` are looked at (the reply window)."""
    open_deliveries = session.scalars(
        select(CampaignDelivery)
        .join(Campaign, CampaignDelivery.campaign_id == Campaign.id)
        .where(
            Campaign.task == CampaignTask.CHECK_IN,
            CampaignDelivery.task_done_at.is_(None),
            CampaignDelivery.student_id.is_not(None),
            CampaignDelivery.shown_at >= since,
        )
    ).all()
    marked = 0
    for delivery in open_deliveries:
        first = session.scalar(
            select(CheckIn.created_at)
            .where(
                CheckIn.student_id == delivery.student_id,
                CheckIn.created_at >= delivery.shown_at,
            )
            .order_by(CheckIn.created_at)
            .limit(1)
        )
        if first is not None:
            delivery.task_done_at = first
            marked += 1
    session.flush()
    return marked


def shown_without_reply(session: Session, since: datetime) -> dict[int, tuple[str, datetime]]:
    """Deliveries shown in a chat since then and not yet answered: id -> (conversation,
    when shown); the job looks in the conversation for a message after that."""
    return {
        delivery_id: (conversation_id, shown_at)
        for delivery_id, conversation_id, shown_at in session.execute(
            select(
                CampaignDelivery.id,
                CampaignDelivery.shown_in_conversation_id,
                CampaignDelivery.shown_at,
            ).where(
                CampaignDelivery.shown_at >= since,
                CampaignDelivery.replied_at.is_(None),
                CampaignDelivery.shown_in_conversation_id.is_not(None),
            )
        )
    }


def mark_replied(session: Session, replied: dict[int, datetime]) -> None:
    for delivery_id, moment in replied.items():
        delivery = session.get(CampaignDelivery, delivery_id)
        if delivery is not None and delivery.replied_at is None:
            delivery.replied_at = moment
    session.flush()


def recipient_conversations(session: Session, keys: Iterable[str]) -> list[str]:
    """The conversations linked to these recipients whose chat token did not end:
    where a new message may be pushed."""
    students, guardians = [], []
    for role, person_id in map(parse_recipient_key, set(keys)):
        (students if role is PersonRole.STUDENT else guardians).append(person_id)
    query = (
        select(ConversationLink.conversation_id)
        .outerjoin(EndedChatToken, ended_token_of_link())
        .where(EndedChatToken.token_proof.is_(None))
    )
    found: list[str] = []
    if students:
        found += session.scalars(
            query.where(
                ConversationLink.role == PersonRole.STUDENT,
                ConversationLink.student_id.in_(students),
            )
        )
    if guardians:
        found += session.scalars(
            query.where(
                ConversationLink.role == PersonRole.GUARDIAN,
                ConversationLink.guardian_id.in_(guardians),
            )
        )
    return sorted(set(found))
