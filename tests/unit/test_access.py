"""The identity gate on a real, seeded SQLite database."""

from datetime import date

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, Guardian, GuardianStudent, Student
from bot.identity.access import (
    ChildFocus,
    GuardianPermissions,
    Purpose,
    Refusal,
    age_on,
    authorise,
    child_focus,
    guardian_refusal,
    named_children,
)
from bot.identity.links import link_conversation
from bot.vocabulary import LinkMethod, PersonRole
from infra.db.session import session_scope
from tests.conftest import person_id

TODAY = date(2026, 11, 23)
ALL_ALLOWED = GuardianPermissions(True, True, True)


def link(session, conversation_id: str, *, student: str | None = None, guardian: str | None = None):
    link_conversation(
        session,
        conversation_id,
        via=LinkMethod.CODE,
        student_id=person_id(session, Student, student) if student else None,
        guardian_id=person_id(session, Guardian, guardian) if guardian else None,
    )


def audit_subjects(session, conversation_id: str) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.conversation_id == conversation_id)
    ).all()
    return [(row.subject_id, row.detail) for row in rows]


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(2008, 11, 23), date(2026, 11, 23), 18),
        (date(2008, 11, 24), date(2026, 11, 23), 17),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
    ],
)
def test_age_counts_birthdays(birth, today, age):
    assert age_on(birth, today) == age


def test_guardian_refusal_rules():
    assert guardian_refusal(Purpose.EXAMS, ALL_ALLOWED, 16, False) is None
    no_exams = GuardianPermissions(True, False, False)
    assert guardian_refusal(Purpose.EXAMS, no_exams, 16, False) is Refusal.NOT_SHARED_BY_SCHOOL
    assert guardian_refusal(Purpose.ROUTE, no_exams, 16, False) is None
    assert guardian_refusal(Purpose.ROUTE, ALL_ALLOWED, 18, False) is Refusal.ADULT_WITHOUT_CONSENT
    assert guardian_refusal(Purpose.ROUTE, ALL_ALLOWED, 18, True) is None
    assert (
        guardian_refusal(Purpose.CHECKIN_NOTES, no_exams, 18, True) is Refusal.NOT_SHARED_BY_SCHOOL
    )


def test_an_unlinked_conversation_is_anonymous_and_reads_nothing(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        access = authorise(session, "nobody", Purpose.ROUTE, today=TODAY)
        assert access.anonymous and access.subjects == ()
        assert audit_subjects(session, "nobody") == []


def test_a_student_sees_their_own_facts_and_the_read_is_audited(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        link(session, "c-sanne", student="Sanne")
        access = authorise(session, "c-sanne", Purpose.ROUTE, today=TODAY)
        (subject,) = access.subjects
        facts = subject.facts
        assert access.role is PersonRole.STUDENT
        assert (facts.first_name, facts.phase_code, facts.next_phase_code) == (
            "Sanne",
            "vmbo4",
            "mbo1",
        )
        assert facts.last_phase_of_level and facts.age == 16
        assert audit_subjects(session, "c-sanne") == [(str(facts.student_id), "route")]


def test_a_guardian_sees_each_own_child_and_no_other(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        link(session, "c-karin", guardian="Karin")
        access = authorise(session, "c-karin", Purpose.ROUTE, today=TODAY)
        assert [s.first_name for s in access.subjects] == ["Milan", "Lotte"]
        assert all(s.facts is not None for s in access.subjects)
        # Naming a child that is not theirs changes nothing: only own children exist here.
        named_other = authorise(
            session, "c-karin", Purpose.ROUTE, today=TODAY, message_text="hoe gaat het met Sanne"
        )
        assert [s.first_name for s in named_other.subjects] == ["Milan", "Lotte"]


def test_naming_one_of_the_own_children_focuses_on_that_child(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        link(session, "c-karin", guardian="Karin")
        access = authorise(
            session,
            "c-karin",
            Purpose.EXAMS,
            today=TODAY,
            message_text="wanneer heeft lotte examen",
        )
        assert [s.first_name for s in access.subjects] == ["Lotte"]
        lotte_id = str(access.subjects[0].facts.student_id)
        assert audit_subjects(session, "c-karin") == [(lotte_id, "exams")]


def test_a_school_setting_can_hide_exams_from_a_guardian(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        petra = person_id(session, Guardian, "Petra")
        relation = session.scalar(
            select(GuardianStudent).where(GuardianStudent.guardian_id == petra)
        )
        relation.may_see_exams = False
        link(session, "c-petra", guardian="Petra")
        exams = authorise(session, "c-petra", Purpose.EXAMS, today=TODAY)
        assert exams.subjects[0].facts is None
        assert exams.subjects[0].refusal is Refusal.NOT_SHARED_BY_SCHOOL
        assert audit_subjects(session, "c-petra") == []
        route = authorise(session, "c-petra", Purpose.ROUTE, today=TODAY)
        assert route.subjects[0].facts is not None


def test_an_adult_child_without_consent_is_not_shown(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        link(session, "c-ahmed", guardian="Ahmed")
        (noor,) = authorise(session, "c-ahmed", Purpose.ROUTE, today=TODAY).subjects
        assert noor.facts is None and noor.refusal is Refusal.ADULT_WITHOUT_CONSENT
        assert audit_subjects(session, "c-ahmed") == []


def test_a_named_child_is_remembered_and_one_child_meant_among_several_is_asked_for():
    children = [(1, "Milan"), (2, "Lotte")]
    assert child_focus(children, None, "hoe gaat het met lotte") == ChildFocus((2,), remember=2)
    # Named wins over the child chosen earlier: the parent switches.
    assert child_focus(children, 2, "en milan?") == ChildFocus((1,), remember=1)
    assert child_focus(children, 2, "wat is de volgende stap") == ChildFocus((2,))
    assert child_focus(children, None, "wat is de volgende stap van mijn dochter") == ChildFocus(
        (1, 2), ask=True
    )
    assert child_focus(children, None, "hoe gaat het met mijn kinderen") == ChildFocus((1, 2))
    # Not about one's own child: no question back.
    assert child_focus(children, None, "mag een kind van 15 alleen reizen") == ChildFocus((1, 2))
    assert child_focus([(1, "Noor")], None, "hoe gaat het met mijn dochter") == ChildFocus((1,))
    assert child_focus(children, None, "lotte en milan") == ChildFocus((1, 2))


def test_a_parent_talks_about_the_child_named_last(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        link(session, "c-karin", guardian="Karin")
        son = "hoe gaat het met mijn zoon"
        ask = authorise(session, "c-karin", Purpose.ROUTE, today=TODAY, message_text=son)
        assert ask.choose_child and ask.subjects == ()
        assert ask.children_names == ("Lotte", "Milan")  # as the greeting shows them
        reads = session.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.conversation_id == "c-karin", AuditEntry.subject_type == "guardian"
            )
        ).all()
        assert reads == [Purpose.NAME.value]
        # A handoff never waits for a choice.
        handoff = authorise(session, "c-karin", Purpose.HANDOFF, today=TODAY, message_text=son)
        assert not handoff.choose_child and len(handoff.subjects) == 2
        authorise(session, "c-karin", Purpose.ROUTE, today=TODAY, message_text="en lotte?")
        later = authorise(
            session, "c-karin", Purpose.ROUTE, today=TODAY, message_text="en haar volgende stap?"
        )
        assert [s.first_name for s in later.subjects] == ["Lotte"]


def test_a_child_s_name_that_is_also_a_word_counts_only_with_its_capital():
    assert named_children(["Ben", "Lotte"], "ik ben de moeder van lotte") == ["Lotte"]
    assert named_children(["Ben", "Lotte"], "hoe gaat het met Ben?") == ["Ben"]
    assert named_children(["Anne-Sophie", "Anne"], "en anne-sophie?") == ["Anne-Sophie"]


def test_a_link_whose_chat_token_ended_holds_nothing(seeded_database_url):
    # A logout ends the token's links; a link stored at that very moment (its token
    # checked just before the logout) stays behind, and must open nothing.
    from datetime import datetime, timezone

    from bot.checkins.nudges import student_conversations
    from bot.db.models import ConversationLink, EndedChatToken
    from bot.identity.access import current_link, lock_of

    with session_scope(seeded_database_url) as session:
        sanne = person_id(session, Student, "Sanne")
        for conversation, proof in (("c-race", "ended-proof"), ("c-fine", "live-proof")):
            link_conversation(
                session, conversation, via=LinkMethod.TOKEN, student_id=sanne, proof=proof
            )
        # A koppelcode's link holds its address, which no logout ends (older versions
        # stored it as an ended token at a typed "uitloggen").
        link_conversation(session, "c-code", via=LinkMethod.CODE, student_id=sanne, proof="addr")
        for ended in ("ended-proof", "addr"):
            session.add(EndedChatToken(token_proof=ended, ended_at=datetime.now(timezone.utc)))
        session.flush()
        assert lock_of(session, "c-code", today=TODAY) is not None
        assert current_link(session, "c-code", today=TODAY) is not None
        assert session.get(ConversationLink, "c-race") is not None
        assert lock_of(session, "c-race", today=TODAY) is None
        assert current_link(session, "c-race", today=TODAY) is None
        assert authorise(session, "c-race", Purpose.ROUTE, today=TODAY).anonymous
        assert audit_subjects(session, "c-race") == []
        assert student_conversations(session, [sanne]) == ["c-code", "c-fine"]
        assert lock_of(session, "c-fine", today=TODAY) is not None


def test_a_link_lasts_the_school_day_it_was_made_and_the_next():
    # 00:30 in the Netherlands on 3 December is still 2 December in UTC: the link's day
    # is the school's, so it holds on 4 December and lapses on the 5th.
    from datetime import datetime, timezone

    from bot.identity.access import _holds

    just_after_midnight = datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc)
    assert _holds(just_after_midnight, date(2026, 12, 4))
    assert not _holds(just_after_midnight, date(2026, 12, 5))
