"""What is stored about me, and erasing it, checked in a real database."""

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from bot.db.models import (
    AuditEntry,
    CheckIn,
    ConversationLink,
    Guardian,
    Handoff,
    InterimGoal,
    Region,
    Student,
)
from bot.identity.links import link_conversation
from bot.identity.privacy import ERASED_TEXT, erase_personal_data, stored_data
from bot.vocabulary import CheckInStatus, HandoffPriority, HandoffStatus, LinkMethod, PersonRole
from tests.conftest import person_id

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def add_history(db, sanne: int) -> None:
    goal = InterimGoal(phase_id=db.get(Student, sanne).phase_id, title="Weekplanning bijhouden")
    db.add(goal)
    db.flush()
    db.add_all(
        [
            CheckIn(
                student_id=sanne,
                goal_id=goal.id,
                status=CheckInStatus.IN_PROGRESS,
                motivation=3,
                note="Thuis is het onrustig",
                if_then_plan="Als het druk is, dan ga ik naar de bieb",
                conversation_id="old-conversation",
            ),
            Handoff(
                reference="H-1",
                conversation_id="handoff-conversation",
                student_id=sanne,
                region_id=db.scalar(select(Region.id)),
                reason="request_human",
                category="general",
                priority=HandoffPriority.NORMAL,
                status=HandoffStatus.OPEN,
                summary="Sanne vraagt naar haar examen",
                deadline_at=NOW + timedelta(days=1),
            ),
        ]
    )
    db.flush()


def test_an_anonymous_conversation_has_no_data_to_show_or_erase(db):
    assert stored_data(db, "nobody", today=NOW.date()) is None
    assert erase_personal_data(db, "nobody", now=NOW) is None


def test_a_student_sees_a_summary_of_their_data_and_the_read_is_audited(db):
    sanne = person_id(db, Student, "Sanne")
    link_conversation(db, "c1", via=LinkMethod.CODE, student_id=sanne)
    add_history(db, sanne)
    summary = dict(stored_data(db, "c1", today=date(2026, 11, 23)).items)
    assert summary["name"] == "Sanne de Vries"
    assert summary["birth_date"] == "14-03-2010"
    assert (summary["check_ins"], summary["notes"], summary["handoffs"]) == ("1", "1", "1")
    assert summary["guardians"] == "Petra" and summary["conversations"] == "1"
    details = db.scalars(select(AuditEntry.detail).where(AuditEntry.conversation_id == "c1"))
    assert "data_summary" in list(details)


def test_a_guardian_summary_names_only_their_own_children(db):
    karin = person_id(db, Guardian, "Karin")
    link_conversation(db, "c1", via=LinkMethod.CODE, guardian_id=karin)
    summary = dict(stored_data(db, "c1", today=NOW.date()).items)
    assert summary["children"] == "Lotte, Milan" and summary["email"] == "ja"


def test_erasure_removes_every_link_anonymises_texts_and_is_audited(db):
    sanne = person_id(db, Student, "Sanne")
    link_conversation(db, "c1", via=LinkMethod.CODE, student_id=sanne)
    link_conversation(db, "c2", via=LinkMethod.TOKEN, student_id=sanne)
    link_conversation(
        db, "someone-else", via=LinkMethod.CODE, student_id=person_id(db, Student, "Daan")
    )
    add_history(db, sanne)

    erasure = erase_personal_data(db, "c1", now=NOW)

    assert erasure.links_removed == 2
    assert set(erasure.conversation_ids) == {"c1", "c2", "old-conversation", "handoff-conversation"}
    remaining = db.scalars(select(ConversationLink.conversation_id)).all()
    assert remaining == ["someone-else"]
    check_in = db.scalar(select(CheckIn).where(CheckIn.student_id == sanne))
    assert (check_in.note, check_in.if_then_plan) == (ERASED_TEXT, ERASED_TEXT)
    handoff = db.scalar(select(Handoff).where(Handoff.student_id == sanne))
    assert handoff.summary == ERASED_TEXT
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "erasure"))
    assert (entry.subject_type, entry.subject_id) == (PersonRole.STUDENT.value, str(sanne))
    # The conversation is anonymous now.
    assert stored_data(db, "c1", today=NOW.date()) is None
