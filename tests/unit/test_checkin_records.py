"""Goals, check-ins, progress and nudges in a real (SQLite) database."""

import json
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from bot.checkins.goals import (
    GoalFile,
    load_goal_file,
    school_year_start,
    sync_route_goals,
)
from bot.checkins.nudges import (
    NudgePolicy,
    create_nudges,
    student_conversations,
    take_pending_nudge,
)
from bot.checkins.records import (
    CheckInAnswers,
    Who,
    add_personal_goal,
    open_goals,
    progress_reports,
    record_check_in,
    who_is_talking,
)
from bot.checkins.texts import check_in_messages, nudge_message
from bot.db.models import (
    AuditEntry,
    CheckIn,
    Guardian,
    GuardianStudent,
    InterimGoal,
    Nudge,
    OutboxMessage,
    RiskFlag,
    Student,
)
from bot.identity.links import link_conversation
from bot.vocabulary import CheckInStatus, LinkMethod, RiskKind
from tests.conftest import person_id

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
TODAY = NOW.date()


def as_student(db, conversation, name="Sanne"):
    link_conversation(
        db, conversation, via=LinkMethod.CODE, student_id=person_id(db, Student, name)
    )


def answers(goal_id, status=CheckInStatus.IN_PROGRESS, motivation=4, note="Planner hielp"):
    plan = None if status is CheckInStatus.ACHIEVED else "Als ik moe ben, dan wandel ik eerst"
    return CheckInAnswers(goal_id, status.value, motivation, note, plan)


def test_the_goal_file_has_three_goals_per_phase_and_bouwsteen():
    goal_file = load_goal_file()
    counts = {}
    for goal in goal_file.goals:
        counts[(goal.phase, goal.bouwsteen)] = counts.get((goal.phase, goal.bouwsteen), 0) + 1
    assert len(counts) == 6 * 4 and set(counts.values()) == {3}
    assert all(
        goal.title.startswith("Ik ") and 1 <= goal.due_week <= 40 for goal in goal_file.goals
    )


def test_seeding_loads_the_goals_and_loading_again_changes_nothing(db):
    assert db.scalar(select(func.count()).select_from(InterimGoal)) == 72
    again = sync_route_goals(db)
    assert (again.added, again.updated, again.deactivated) == (0, 0, 0)


def test_a_changed_goal_file_updates_and_deactivates_by_code(db):
    goal_file = load_goal_file()
    first, *rest = goal_file.goals
    changed = GoalFile(
        route=goal_file.route,
        goals=(type(first)(**{**first.__dict__, "title": "Ik doe iets anders."}), *rest[:-1]),
    )
    result = sync_route_goals(db, changed)
    assert (result.added, result.updated, result.deactivated) == (0, 1, 1)
    assert db.scalar(select(InterimGoal.title).where(InterimGoal.code == first.code)) == (
        "Ik doe iets anders."
    )
    assert db.scalar(select(InterimGoal.active).where(InterimGoal.code == rest[-1].code)) is False


def test_school_year_start():
    assert school_year_start(date(2026, 11, 23)) == date(2026, 9, 1)
    assert school_year_start(date(2027, 3, 1)) == date(2026, 9, 1)
    assert school_year_start(date(2027, 8, 10)) == date(2027, 9, 1)


def test_open_goals_are_the_student_s_phase_goals_first_due_first(db):
    as_student(db, "c1")
    who, goals = open_goals(db, "c1", today=TODAY)
    assert who is Who.STUDENT and len(goals) == 12  # vmbo 4: three per bouwsteen
    dues = [goal.due for goal in goals]
    assert dues == sorted(dues)
    assert open_goals(db, "nobody", today=TODAY) == (Who.ANONYMOUS, [])
    link_conversation(
        db, "c-petra", via=LinkMethod.CODE, guardian_id=person_id(db, Guardian, "Petra")
    )
    assert open_goals(db, "c-petra", today=TODAY) == (Who.GUARDIAN, [])


def test_a_check_in_is_stored_once_with_progress_and_is_audited(db):
    as_student(db, "c1")
    _, goals = open_goals(db, "c1", today=TODAY)
    done = answers(goals[0].goal_id, CheckInStatus.ACHIEVED, note="Mijn planner")
    outcome = record_check_in(db, "c1", done, idempotency_key="k1", now=NOW)
    assert (outcome.progress.done, outcome.progress.total) == (1, 12)
    assert outcome.milestones == ("first_check_in",)
    assert outcome.progress.streak_weeks == 1 and not outcome.duplicate
    # The same check-in again (a retried request) stores nothing new.
    again = record_check_in(db, "c1", done, idempotency_key="k1", now=NOW)
    assert again.duplicate
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 1
    stored = db.scalar(select(CheckIn))
    assert (stored.status, stored.note, stored.conversation_id) == (
        CheckInStatus.ACHIEVED,
        "Mijn planner",
        "c1",
    )
    assert "progress" in db.scalars(select(AuditEntry.detail)).all()
    messages = check_in_messages(outcome, today=TODAY)
    assert messages[0] == "Dank je! Je check-in is opgeslagen."
    assert "Je eerste check-in!" in messages[1]
    assert "Je hebt 1 van de 12 doelen gehaald." in messages[2]


def test_only_a_student_can_check_in_and_only_on_their_own_goals(db):
    as_student(db, "c-sanne")
    as_student(db, "c-daan", "Daan")
    _, daans_goals = open_goals(db, "c-daan", today=TODAY)
    assert (
        record_check_in(
            db, "c-sanne", answers(daans_goals[0].goal_id), idempotency_key="x", now=NOW
        )
        is None
    )
    assert (
        record_check_in(db, "nobody", answers(daans_goals[0].goal_id), idempotency_key="y", now=NOW)
        is None
    )
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_risks_are_flagged_for_the_escalation_module(db):
    as_student(db, "c1")
    _, goals = open_goals(db, "c1", today=TODAY)
    goal = goals[0].goal_id
    low = answers(goal, CheckInStatus.NOT_WORKING, motivation=2)
    record_check_in(db, "c1", low, idempotency_key="a", now=NOW - timedelta(days=7))
    outcome = record_check_in(db, "c1", low, idempotency_key="b", now=NOW)
    assert {risk.kind for risk in outcome.risks} == {RiskKind.LOW_MOTIVATION, RiskKind.GOAL_STUCK}
    assert "coördinator" in check_in_messages(outcome, today=TODAY)[-1]
    # Words in a note are read when they are written (actions/checkins.py), not here.
    worried = answers(goals[1].goal_id, note="ik zie het niet meer zitten", motivation=4)
    assert record_check_in(db, "c1", worried, idempotency_key="c", now=NOW).risks == ()
    flags = db.scalars(select(RiskFlag).order_by(RiskFlag.id)).all()
    assert [(f.kind, f.handoff_id, f.source) for f in flags] == [
        (RiskKind.LOW_MOTIVATION, None, "checkin"),
        (RiskKind.GOAL_STUCK, None, "checkin"),
    ]


def test_a_personal_goal_counts_in_progress(db):
    as_student(db, "c1")
    goal = add_personal_goal(db, "c1", "Mijn rekentoets halen", date(2026, 12, 24), now=NOW)
    assert goal.block == "eigen"
    _, goals = open_goals(db, "c1", today=TODAY)
    assert goal.goal_id in [g.goal_id for g in goals]
    assert add_personal_goal(db, "nobody", "x", date(2026, 12, 24), now=NOW) is None
    # Another student never sees it.
    as_student(db, "c-daan", "Daan")
    assert goal.goal_id not in [g.goal_id for g in open_goals(db, "c-daan", today=TODAY)[1]]


def test_a_guardian_sees_progress_only_where_the_school_allows(db):
    link_conversation(
        db, "c-karin", via=LinkMethod.CODE, guardian_id=person_id(db, Guardian, "Karin")
    )
    who, reports, _ = progress_reports(db, "c-karin", today=TODAY)
    assert who is Who.GUARDIAN
    assert sorted(r.subject.first_name for r in reports) == ["Lotte", "Milan"]
    assert all(r.progress is not None for r in reports)
    milan = person_id(db, Student, "Milan")
    db.get(GuardianStudent, (person_id(db, Guardian, "Karin"), milan)).may_see_progress = False
    _, reports, _ = progress_reports(
        db, "c-karin", today=TODAY, message_text="hoe gaat het met Milan"
    )
    assert [(r.subject.first_name, r.progress) for r in reports] == [("Milan", None)]


def test_the_nudge_job_picks_due_goals_once_a_week_and_writes_the_outbox(db):
    as_student(db, "c1")
    sanne = person_id(db, Student, "Sanne")
    db.get(Student, sanne).phase_started_on = TODAY - timedelta(weeks=8)
    policy = NudgePolicy(days_ahead=7, quiet_start=time(21, 0), quiet_end=time(8, 0))
    chosen = create_nudges(db, now=NOW, policy=policy)
    assert sanne in [goal.student_id for goal in chosen]
    outbox = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "nudge")).all()
    assert len(outbox) == len(chosen)
    assert {json.loads(m.payload)["student_id"] for m in outbox} == {g.student_id for g in chosen}
    # An hour later: nobody is nudged again.
    assert create_nudges(db, now=NOW + timedelta(hours=1), policy=policy) == []
    # Shown once, when Sanne opens the chat.
    pending = take_pending_nudge(db, "c1", now=NOW)
    assert pending is not None and TODAY <= pending.due <= TODAY + timedelta(days=7)
    assert "Hoi Sanne!" in nudge_message(pending, TODAY)
    assert take_pending_nudge(db, "c1", now=NOW) is None
    assert (
        db.scalar(select(Nudge.shown_in_conversation_id).where(Nudge.student_id == sanne)) == "c1"
    )


def test_a_goal_with_a_check_in_is_not_nudged(db):
    as_student(db, "c1")
    sanne = person_id(db, Student, "Sanne")
    db.get(Student, sanne).phase_started_on = TODAY - timedelta(weeks=8)
    policy = NudgePolicy()
    due_soon = {
        g.goal_id for g in create_nudges(db, now=NOW, policy=policy) if g.student_id == sanne
    }
    for nudge in db.scalars(select(Nudge)):  # a week has passed since those nudges
        nudge.created_at = NOW - timedelta(days=8)
    for goal_id in due_soon:
        record_check_in(db, "c1", answers(goal_id), idempotency_key=f"k{goal_id}", now=NOW)
    again = [g for g in create_nudges(db, now=NOW, policy=policy) if g.student_id == sanne]
    assert not {g.goal_id for g in again} & due_soon


def test_looking_for_a_nudge_reads_nothing_personal_when_there_is_none(db):
    as_student(db, "c1")
    link_conversation(
        db, "c-petra", via=LinkMethod.CODE, guardian_id=person_id(db, Guardian, "Petra")
    )
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    assert take_pending_nudge(db, "c1", now=NOW) is None
    assert take_pending_nudge(db, "c-petra", now=NOW) is None
    assert take_pending_nudge(db, "nobody", now=NOW) is None
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_who_is_talking_gives_only_the_role(db):
    as_student(db, "c1")
    link_conversation(
        db, "c-petra", via=LinkMethod.CODE, guardian_id=person_id(db, Guardian, "Petra")
    )
    assert who_is_talking(db, "c1", today=TODAY) is Who.STUDENT
    assert who_is_talking(db, "c-petra", today=TODAY) is Who.GUARDIAN
    assert who_is_talking(db, "nobody", today=TODAY) is Who.ANONYMOUS


def test_a_nudge_goes_to_the_student_s_own_chats_not_a_parent_s(db):
    as_student(db, "c1")
    as_student(db, "c2")
    link_conversation(
        db, "c-petra", via=LinkMethod.CODE, guardian_id=person_id(db, Guardian, "Petra")
    )
    sanne = person_id(db, Student, "Sanne")
    assert student_conversations(db, [sanne]) == ["c1", "c2"]
    assert student_conversations(db, []) == []
