"""The review list: messages the bot asked back about, fell back on, or that the person
corrected, kept as masked text for the coordinator of the conversation's region, who
labels each with the right answer or "new question" (or dismisses it).

A message is kept without the person's identity: only its conversation id, never
shown, so that it goes when the conversation is erased (bot/identity/privacy.py)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.audit import record_coordinator_change
from bot.db.models import Coordinator, Region, ReviewMessage
from bot.escalation.routing import REGION_LEVEL
from bot.identity.access import Purpose, authorise
from bot.teaching.masking import mask_identifiers
from bot.vocabulary import ReviewReason, ReviewStatus

NEW_QUESTION = "new"
MAX_GUESSES = 3


def _region_id(session: Session, conversation_id: str, now: datetime, default_region: str) -> int:
    """The region of the person's school (through the identity gate), or the default
    region for an anonymous conversation."""
    access = authorise(session, conversation_id, Purpose.HANDOFF, today=now.date())
    about = [subject.facts for subject in access.subjects if subject.facts is not None]
    if about:
        return about[0].region_id
    region = session.scalar(select(Region).where(Region.code == default_region))
    region = region or session.scalar(select(Region).order_by(Region.id))
    return region.id


def keep_for_review(
    session: Session,
    conversation_id: str,
    text: str | None,
    reason: ReviewReason,
    guesses: Sequence[str],
    *,
    now: datetime,
    default_region: str,
) -> ReviewMessage | None:
    """Keeps a misunderstood message for review; None when there is nothing to keep (an
    empty message, a button's command)."""
    said = (text or "").strip()
    if not said or said.startswith("/"):
        return None
    item = ReviewMessage(
        conversation_id=conversation_id,
        region_id=_region_id(session, conversation_id, now, default_region),
        text=mask_identifiers(said),
        reason=reason,
        guesses=json.dumps(list(guesses)[:MAX_GUESSES]),
        created_at=now,
        status=ReviewStatus.OPEN,
    )
    session.add(item)
    session.flush()
    return item


def erase_for(session: Session, conversation_ids: Iterable[str]) -> int:
    """Removes the review messages of erased conversations."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return 0
    result = session.execute(
        delete(ReviewMessage)
        .where(ReviewMessage.conversation_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def may_review(coordinator: Coordinator) -> bool:
    """The review list is the region's: its regional coordinator labels."""
    return coordinator.ladder_level == REGION_LEVEL


@dataclass(frozen=True)
class ReviewRow:
    id: int
    text: str
    reason: ReviewReason
    guesses: tuple[str, ...]
    created_at: datetime
    label: str | None
    status: ReviewStatus


def _row(item: ReviewMessage) -> ReviewRow:
    return ReviewRow(
        id=item.id,
        text=item.text,
        reason=item.reason,
        guesses=tuple(json.loads(item.guesses or "[]")),
        created_at=item.created_at,
        label=item.label,
        status=item.status,
    )


def review_list(
    session: Session, coordinator: Coordinator, status: ReviewStatus = ReviewStatus.OPEN
) -> list[ReviewRow]:
    if not may_review(coordinator):
        return []
    items = session.scalars(
        select(ReviewMessage)
        .where(ReviewMessage.region_id == coordinator.region_id, ReviewMessage.status == status)
        .order_by(ReviewMessage.created_at.desc(), ReviewMessage.id.desc())
        .limit(200)
    )
    return [_row(item) for item in items]


def label_message(
    session: Session,
    coordinator: Coordinator,
    item_id: int,
    label: str | None,
    *,
    known_labels: Iterable[str],
    now: datetime,
) -> bool:
    """The right answer for a message (an answer id or intent), "new", or None to
    dismiss it. False when the message is not this coordinator's to label, or the
    label is unknown."""
    item = session.get(ReviewMessage, item_id)
    if item is None or not may_review(coordinator) or item.region_id != coordinator.region_id:
        return False
    if label is not None and label != NEW_QUESTION and label not in set(known_labels):
        return False
    item.label = label
    item.status = ReviewStatus.DISMISSED if label is None else ReviewStatus.LABELLED
    item.labelled_by_id = coordinator.id
    item.labelled_at = now
    record_coordinator_change(
        session,
        coordinator.id,
        "review_label",
        subject_type="review_message",
        subject_id=item.id,
        detail=label or "dismissed",
    )
    return True


_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
# Words that say nothing about what is asked.
_COMMON = frozenset(
    "ik je jij mijn wat hoe waar wanneer welke wie waarom kan kun moet mag wil weet"
    " heb hebben zijn ben het een de dat dit die voor over naar met van bij ook nog"
    " maar want dan als niet geen graag even hallo hoi goedemiddag goedemorgen"
    " eigenlijk weten vraag vragen zitten doen gaan gaat komen komt krijgen".split()
)


def topic_words(text: str) -> tuple[str, ...]:
    """The words that carry what a question is about (pure, for grouping)."""
    return tuple(sorted({word for word in _WORD.findall(text.lower()) if word not in _COMMON}))


@dataclass(frozen=True)
class QuestionGroup:
    words: tuple[str, ...]  # the words the group's questions share
    examples: tuple[str, ...]
    count: int


def group_new_questions(texts: Iterable[str], *, min_shared: int = 1) -> list[QuestionGroup]:
    """New questions grouped by the topic words they share, the most asked first: each
    question joins the first group it shares a word with that the group's questions
    share too, else starts a group (pure, greedy, in order of the most common words)."""
    questions = [(text, set(topic_words(text))) for text in texts]
    frequency = Counter(word for _, words in questions for word in words)
    groups: list[tuple[set[str], list[str]]] = []
    for text, words in sorted(
        questions, key=lambda item: -max((frequency[w] for w in item[1]), default=0)
    ):
        for shared, members in groups:
            common = shared & words
            if len(common) >= min_shared:
                shared.intersection_update(common)
                members.append(text)
                break
        else:
            groups.append((set(words), [text]))
    result = [
        QuestionGroup(tuple(sorted(shared)), tuple(members), len(members))
        for shared, members in groups
    ]
    return sorted(result, key=lambda group: (-group.count, group.words))


def new_question_groups(session: Session, coordinator: Coordinator) -> list[QuestionGroup]:
    """The region's messages labelled "new question", grouped for the content team."""
    if not may_review(coordinator):
        return []
    texts = session.scalars(
        select(ReviewMessage.text).where(
            ReviewMessage.region_id == coordinator.region_id,
            ReviewMessage.label == NEW_QUESTION,
        )
    )
    return group_new_questions(texts)
