"""The one gate to personal data: who is talking, and which student facts they may see.

Identity comes only from the conversation link in the database, never from slots,
entities or message metadata. Every student whose facts are handed out is written to
the audit log, with the purpose of the read.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, lambda_stmt, select
from sqlalchemy.orm import Session

from bot.audit import record_read
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import (
    ConversationLink,
    EndedChatToken,
    GuardianStudent,
    RoutePhase,
    Student,
)
from bot.identity.proof import Lock
from bot.language.family import means_one_own_child
from bot.language.spelling import is_common_word
from bot.vocabulary import LinkMethod, PersonRole, ProgrammeType, SchoolLevel

ADULT_AGE = 18


class Purpose(str, enum.Enum):
    """What a personal answer needs to read; each guardian permission covers some."""

    NAME = "first_name"  # who is talking, and a guardian's children's first names
    ROUTE = "route"  # phase, next phase, programme type, age
    EXAMS = "exams"
    PROGRESS = "progress"
    CHECKIN_NOTES = "checkin_notes"
    # Routing a question to the child's coordinator: shows the asker nothing new.
    HANDOFF = "handoff"


class Refusal(str, enum.Enum):
    NOT_SHARED_BY_SCHOOL = "not_shared_by_school"
    ADULT_WITHOUT_CONSENT = "adult_without_consent"


@dataclass(frozen=True)
class GuardianPermissions:
    may_see_progress: bool
    may_see_checkin_notes: bool
    may_see_exams: bool


@dataclass(frozen=True)
class StudentFacts:
    student_id: int
    first_name: str
    school_id: int
    region_id: int
    phase_code: str
    phase_name: str
    level: SchoolLevel
    programme_type: ProgrammeType | None
    age: int
    next_phase_code: str | None
    next_phase_name: str | None
    # The last phase at this school level (vmbo 4 is the vmbo exam year).
    last_phase_of_level: bool


@dataclass(frozen=True)
class Subject:
    """A student a personal answer is about: their facts, or why they cannot be shown."""

    first_name: str
    facts: StudentFacts | None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class Access:
    role: PersonRole | None  # None: an anonymous conversation
    subjects: tuple[Subject, ...] = ()
    viewer_first_name: str | None = None
    viewer_id: int | None = None  # the linked student's or guardian's id (purpose NAME only)
    # For a guardian: the first names of their own children (purpose NAME only).
    children_names: tuple[str, ...] = ()
    # A guardian meant one child ("mijn dochter") and has several: ask which first.
    # (Purpose NAME: several children and none chosen yet.)
    choose_child: bool = False

    @property
    def anonymous(self) -> bool:
        return self.role is None


def age_on(birth_date: date, today: date) -> int:
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)


def guardian_refusal(
    purpose: Purpose, permissions: GuardianPermissions, age: int, student_consents: bool
) -> Refusal | None:
    """Why a guardian may not see this about a child, or None when they may.

    From 18 the student decides; below that the school's setting for this guardian does.
    """
    if purpose is Purpose.HANDOFF:
        return None
    if age >= ADULT_AGE and not student_consents:
        return Refusal.ADULT_WITHOUT_CONSENT
    allowed = {
        Purpose.NAME: True,
        Purpose.ROUTE: permissions.may_see_progress,
        Purpose.PROGRESS: permissions.may_see_progress,
        Purpose.EXAMS: permissions.may_see_exams,
        Purpose.CHECKIN_NOTES: permissions.may_see_checkin_notes,
    }[purpose]
    return None if allowed else Refusal.NOT_SHARED_BY_SCHOOL


# A first name that is also an everyday word ("Ben": "ik ben") counts only when typed
# with its capital letter (frequency in the Dutch word list, bot/language/spelling.py).
COMMON_WORD_FREQUENCY = 10_000


def named_children(first_names: list[str], text: str | None) -> list[str]:
    """The children whose first name the message uses, anywhere in it."""
    typed = set(re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text or ""))
    lowered = {word.lower() for word in typed}
    named = []
    for name in first_names:
        if name.lower() not in lowered:
            continue
        if is_common_word(name.lower(), COMMON_WORD_FREQUENCY) and name.capitalize() not in typed:
            continue
        named.append(name)
    return named


@dataclass(frozen=True)
class ChildFocus:
    """Which of a guardian's children a message is about."""

    student_ids: tuple[int, ...]  # the children the answer is about
    remember: int | None = None  # a child the message named: the conversation's child now
    ask: bool = False  # one child meant, several possible: ask which


def child_focus(
    children: list[tuple[int, str]], selected: int | None, text: str | None
) -> ChildFocus:
    """A named child wins (and is remembered); then the child chosen earlier; then all of
    them, unless the message means one child ("mijn dochter") and there are several.
    Pure: `children` are (student id, first name)."""
    named = named_children([name for _, name in children], text)
    ids = tuple(student_id for student_id, name in children if name in named)
    if ids:
        return ChildFocus(ids, remember=ids[0] if len(ids) == 1 else None)
    if selected is not None and any(student_id == selected for student_id, _ in children):
        return ChildFocus((selected,))
    everyone = tuple(student_id for student_id, _ in children)
    return ChildFocus(everyone, ask=len(everyone) > 1 and means_one_own_child(text))


def _facts(session: Session, student: Student, today: date) -> StudentFacts:
    phase = student.phase
    next_phase = session.scalar(
        select(RoutePhase).where(
            RoutePhase.route_id == phase.route_id, RoutePhase.position == phase.position + 1
        )
    )
    return StudentFacts(
        student_id=student.id,
        first_name=student.first_name,
        school_id=student.school_id,
        region_id=student.school.region_id,
        phase_code=phase.code,
        phase_name=phase.name,
        level=phase.level,
        programme_type=student.programme_type,
        age=age_on(student.birth_date, today),
        next_phase_code=next_phase.code if next_phase else None,
        next_phase_name=next_phase.name if next_phase else None,
        last_phase_of_level=next_phase is None or next_phase.level != phase.level,
    )


# Days after the day of linking that a conversation link still holds.
LINK_VALID_DAYS = 1


def _holds(linked_at: datetime, today: date) -> bool:
    """`today` is the school's date: the link's day is too (a link made just after
    midnight in the Netherlands is still the day before in UTC)."""
    return (today - linked_at.astimezone(SCHOOL_TIMEZONE).date()).days <= LINK_VALID_DAYS


def ended_token_of_link() -> Any:
    """Joins a link to its chat token's end, if that ended: only for links a token
    holds (a koppelcode's link holds its address, which no logout ends)."""
    return and_(
        EndedChatToken.token_proof == ConversationLink.proof,
        ConversationLink.linked_via == LinkMethod.TOKEN,
    )


def _token_ended(session: Session, link: ConversationLink) -> bool:
    return (
        link.linked_via is LinkMethod.TOKEN
        and link.proof is not None
        and session.get(EndedChatToken, link.proof) is not None
    )


def held_link(session: Session, conversation_id: str) -> ConversationLink | None:
    """The conversation's link to a person unless its person logged out: not once the
    chat token that proves it ended. A logout ends the token's links, but a link made at
    that very moment (its token checked just before the logout, stored just after)
    would stay behind: it holds nothing. Whether it still opens the person's data is
    current_link's question."""
    link = session.get(ConversationLink, conversation_id)
    if link is None or _token_ended(session, link):
        return None
    return link


def current_link(session: Session, conversation_id: str, *, today: date) -> ConversationLink | None:
    """The conversation's link to a person, if it still holds (see authorise): held
    (held_link) and made today or the day before."""
    link = held_link(session, conversation_id)
    if link is None or not _holds(link.linked_at, today):
        return None
    return link


def lock_of(session: Session, conversation_id: str, *, today: date) -> Lock | None:
    """What a message must prove to speak in this conversation: None when it is nobody's
    (bot/identity/proof.py), as current_link decides. Reads no personal data, so it is
    not audited. Read for every chat message: one statement, which SQLAlchemy builds
    once."""
    row = session.execute(
        lambda_stmt(
            lambda: (
                select(
                    ConversationLink.proof, ConversationLink.linked_at, EndedChatToken.token_proof
                )
                .outerjoin(EndedChatToken, ended_token_of_link())
                .where(ConversationLink.conversation_id == conversation_id)
            )
        )
    ).first()
    if row is None or row.token_proof is not None or not _holds(row.linked_at, today):
        return None
    return Lock(row.proof)


def authorise(
    session: Session,
    conversation_id: str,
    purpose: Purpose,
    *,
    today: date,
    message_text: str | None = None,
) -> Access:
    """Who this conversation belongs to, and the student facts they may see for `purpose`.

    A link lasts the day it was made and the next: a conversation id that stays behind
    (an open tab on a school computer, a copied id) does not open someone's data for
    good. After that the conversation is anonymous until the person logs in again."""
    link = current_link(session, conversation_id, today=today)
    if link is None:
        return Access(role=None)
    if purpose is Purpose.NAME:
        return _names(session, link, conversation_id)
    if link.role is PersonRole.STUDENT:
        subjects: tuple[Subject, ...] = (
            Subject(link.student.first_name, _facts(session, link.student, today)),
        )
    else:
        relations = session.scalars(
            select(GuardianStudent)
            .where(GuardianStudent.guardian_id == link.guardian_id)
            .order_by(GuardianStudent.student_id)
        ).all()
        focus = child_focus(
            [(r.student_id, r.student.first_name) for r in relations],
            link.selected_student_id,
            message_text,
        )
        if focus.remember is not None:
            # Named in the message: the conversation is about this child from now on.
            link.selected_student_id = focus.remember
        if focus.ask and purpose is not Purpose.HANDOFF:  # a handoff never waits
            # Only their names are read, in the order the greeting shows them.
            record_read(
                session,
                conversation_id=conversation_id,
                subject_type=PersonRole.GUARDIAN.value,
                subject_id=link.guardian_id,
                what=Purpose.NAME.value,
            )
            names = tuple(sorted(r.student.first_name for r in relations))
            return Access(role=link.role, choose_child=True, children_names=names)
        relations = [r for r in relations if r.student_id in focus.student_ids]
        subjects = tuple(_guardian_subject(session, r, purpose, today) for r in relations)
    for subject in subjects:
        if subject.facts is not None:
            record_read(
                session,
                conversation_id=conversation_id,
                subject_type="student",
                subject_id=subject.facts.student_id,
                what=purpose.value,
            )
    return Access(role=link.role, subjects=subjects)


def _names(session: Session, link: ConversationLink, conversation_id: str) -> Access:
    if link.role is PersonRole.STUDENT:
        viewer, viewer_id, children = link.student, link.student_id, ()
    else:
        viewer, viewer_id = link.guardian, link.guardian_id
        children = tuple(
            sorted(relation.student.first_name for relation in link.guardian.student_links)
        )
    record_read(
        session,
        conversation_id=conversation_id,
        subject_type=link.role.value,
        subject_id=viewer_id,
        what=Purpose.NAME.value,
    )
    return Access(
        role=link.role,
        viewer_first_name=viewer.first_name,
        viewer_id=viewer_id,
        children_names=children,
        choose_child=len(children) > 1 and link.selected_student_id is None,
    )


def _guardian_subject(
    session: Session, relation: GuardianStudent, purpose: Purpose, today: date
) -> Subject:
    student = relation.student
    age = age_on(student.birth_date, today)
    refusal = guardian_refusal(
        purpose,
        GuardianPermissions(
            may_see_progress=relation.may_see_progress,
            may_see_checkin_notes=relation.may_see_checkin_notes,
            may_see_exams=relation.may_see_exams,
        ),
        age,
        student.consents_to_guardian_access,
    )
    if refusal is not None:
        return Subject(student.first_name, facts=None, refusal=refusal)
    return Subject(student.first_name, facts=_facts(session, student, today))
