"""Campaigns (issue 19): the route calendar, the audience rules, the schedule, the cap
and the opt-out, the task button, and the report's numbers, on a real database.

The scenario of the issue: a region coordinator's campaign for "vmbo 4, Twente, not
yet said they registered", weekly until 1 April."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.campaigns import drafting
from bot.campaigns.audience import AudienceRules, Candidate, matches, recipients_of
from bot.campaigns.calendar import route_calendar, upcoming
from bot.campaigns.limits import messages_since, set_opt_out
from bot.campaigns.report import campaign_report, export_rows
from bot.campaigns.schedule import MessagePolicy, Step, following_run, next_step
from bot.campaigns.sending import run_due_campaigns
from bot.campaigns.showing import answer_task, mark_check_ins, take_pending_message
from bot.campaigns.wording import messages_off
from bot.checkins.nudges import NudgePolicy, create_nudges
from bot.checkins.records import CheckInAnswers, goal_states, record_check_in
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import (
    AuditEntry,
    CampaignDelivery,
    ConversationLink,
    Coordinator,
    Guardian,
    GuardianStudent,
    OutboxMessage,
    RiskFlag,
    RoutePhase,
    Student,
)
from bot.identity.links import link_conversation
from bot.identity.privacy import stored_data
from bot.readability import check_b1
from bot.vocabulary import (
    CampaignStatus,
    CampaignTask,
    CheckInStatus,
    HandoffPriority,
    LinkMethod,
    PersonRole,
    Recipients,
    RiskKind,
)
from tests.conftest import person_id

# Tuesday 2 March 2027, 16:00 in the Netherlands.
NOW = datetime(2027, 3, 2, 15, 0, tzinfo=timezone.utc)
POLICY = MessagePolicy(quiet_start=time(21, 0), quiet_end=time(8, 0), weekly_cap=2)
REGION_COORDINATOR = "e.nijhuis@toptraject-twente.example.org"
SCHOOL_COORDINATOR = "m.hofman@noordik.example.org"


def coordinator(db, email=REGION_COORDINATOR):
    return db.scalar(select(Coordinator).where(Coordinator.email == email))


def mbo_form(**changes):
    form = drafting.draft_from_calendar("mbo_registration", Recipients.STUDENTS, now=NOW)
    phases = form.pop("phases").split(",")
    form.update(start_date="2027-03-02", start_time="16:00", end_date="2027-04-01")
    form.update(changes)
    return form, {"phases": phases}


def schedule_mbo_campaign(db, email=REGION_COORDINATOR, **changes):
    form, lists = mbo_form(**changes)
    result = drafting.read_form(form, lists, now=NOW - timedelta(hours=2))
    assert result.errors == ()
    return drafting.schedule(db, coordinator(db, email), result.draft, now=NOW - timedelta(hours=2))


def add_vmbo4_student(db, first_name, school_of="Sanne"):
    sanne = db.get(Student, person_id(db, Student, school_of))
    student = Student(
        first_name=first_name,
        last_name="Test",
        birth_date=date(2011, 5, 5),
        school_id=sanne.school_id,
        route_id=sanne.route_id,
        phase_id=sanne.phase_id,
    )
    db.add(student)
    db.flush()
    return student.id


def link(db, conversation_id, **person):
    """A link made at NOW (links hold for the day they are made and the next)."""
    link_conversation(db, conversation_id, via=LinkMethod.CODE, **person).linked_at = NOW
    db.flush()


def deliveries(db, campaign_id):
    return db.scalars(
        select(CampaignDelivery).where(CampaignDelivery.campaign_id == campaign_id)
    ).all()


# The calendar


def test_the_calendar_has_the_route_deadlines_with_sources():
    calendar = route_calendar()
    mbo = calendar["mbo_registration"]
    assert (mbo.month, mbo.day, mbo.phases, mbo.task) == (4, 1, ("vmbo4",), CampaignTask.CONFIRM)
    assert calendar["hbo_registration"].next_date(date(2027, 3, 2)) == date(2027, 5, 1)
    assert calendar["hbo_numerus_fixus"].next_date(date(2027, 3, 2)) == date(2028, 1, 15)
    assert "DigiD" in calendar["hbo_registration"].messages[Recipients.STUDENTS]
    assert all(entry.sources for entry in calendar.values())
    # A window runs from the reminder days before the date up to the date itself.
    assert mbo.window(date(2027, 1, 10)) == (date(2027, 2, 18), date(2027, 4, 1))
    assert mbo.window(date(2027, 3, 20)) == (date(2027, 3, 20), date(2027, 4, 1))
    dates = [entry.next_date(date(2027, 3, 2)) for entry in upcoming(date(2027, 3, 2))]
    assert dates == sorted(dates)
    # The 100-dagen programma is Twente's; other regions do not see it.
    assert "hundred_days" not in [e.key for e in upcoming(date(2027, 3, 2), "stedendriehoek")]


# Pure decisions


def candidate(**changes):
    values = dict(
        student_id=1,
        phase="vmbo4",
        school_id=2,
        last_check_in=date(2027, 2, 1),
        open_risk=False,
        task_done=False,
        guardian_ids=(7, 8),
    )
    values.update(changes)
    return Candidate(**values)


def test_the_audience_rules_pick_students_by_phase_school_quiet_weeks_risk_and_task():
    today = date(2027, 3, 2)
    assert matches(AudienceRules(phases=("vmbo4",)), candidate(), today)
    assert not matches(AudienceRules(phases=("vmbo3",)), candidate(), today)
    assert not matches(AudienceRules(school_ids=(3,)), candidate(), today)
    # Four weeks without a check-in: a check-in on 1 February is four weeks ago.
    assert matches(AudienceRules(quiet_weeks=4), candidate(), today)
    assert not matches(AudienceRules(quiet_weeks=5), candidate(), today)
    assert matches(AudienceRules(quiet_weeks=5), candidate(last_check_in=None), today)
    assert not matches(AudienceRules(risk="exclude"), candidate(open_risk=True), today)
    assert matches(AudienceRules(risk="only"), candidate(open_risk=True), today)
    assert not matches(AudienceRules(risk="only"), candidate(), today)
    assert not matches(AudienceRules(), candidate(task_done=True), today)
    assert matches(AudienceRules(without_task_done=False), candidate(task_done=True), today)
    # A parent of two matching children gets one message.
    two = [candidate(), candidate(student_id=2, guardian_ids=(7,))]
    assert recipients_of(two, AudienceRules(), Recipients.GUARDIANS, today) == [
        "guardian:7",
        "guardian:8",
    ]
    assert recipients_of(two, AudienceRules(), Recipients.STUDENTS, today) == [
        "student:1",
        "student:2",
    ]
    with pytest.raises(ValueError):
        AudienceRules(risk="maybe")
    rules = AudienceRules(phases=("vmbo4",), school_ids=(3,), quiet_weeks=2, risk="exclude")
    assert AudienceRules.from_json(rules.to_json()) == rules


def test_a_run_waits_for_its_time_and_quiet_hours_and_ends_with_its_window():
    ends = datetime(2027, 4, 1, 21, 59, tzinfo=timezone.utc)
    assert next_step(NOW, ends, NOW - timedelta(minutes=1), POLICY) is Step.WAIT
    assert next_step(NOW, ends, NOW, POLICY) is Step.SEND
    # 22:30 and 07:30 in the Netherlands are quiet hours.
    assert next_step(NOW, ends, NOW + timedelta(hours=6, minutes=30), POLICY) is Step.WAIT
    assert next_step(NOW, ends, NOW + timedelta(hours=15, minutes=30), POLICY) is Step.WAIT
    assert next_step(NOW, ends, NOW + timedelta(hours=16, minutes=30), POLICY) is Step.SEND
    assert next_step(NOW, ends, ends, POLICY) is Step.FINISH
    assert next_step(None, ends, NOW, POLICY) is Step.FINISH
    # Weekly: the next run a week after the start; a missed week is skipped, not doubled.
    assert following_run(NOW, 7, ends, NOW) == NOW + timedelta(days=7)
    assert following_run(NOW, 7, ends, NOW + timedelta(days=8)) == NOW + timedelta(days=14)
    assert following_run(NOW, 7, ends, NOW + timedelta(days=28)) is None  # after the end
    assert following_run(NOW, 0, ends, NOW) is None


def test_the_form_is_read_into_a_draft_or_named_errors():
    form, lists = mbo_form()
    draft = drafting.read_form(form, lists, now=NOW).draft
    assert draft.rules.phases == ("vmbo4",)
    assert draft.task is CampaignTask.CONFIRM and draft.task_button == "Ja, ik heb me aangemeld"
    assert draft.task_key == "calendar:mbo_registration"
    assert draft.starts_at == datetime(2027, 3, 2, 16, 0, tzinfo=SCHOOL_TIMEZONE)
    assert draft.ends_at.astimezone(SCHOOL_TIMEZONE).date() == date(2027, 4, 1)
    assert draft.repeat_days == 7
    bad, _ = mbo_form(title="", task_button="", end_date="2027-03-01")
    assert drafting.read_form(bad, lists, now=NOW).errors == ("title", "button", "dates")
    guardians_check_in, _ = mbo_form(recipients="guardians", task="check_in")
    assert drafting.read_form(guardians_check_in, lists, now=NOW).errors == ("check_in_students",)
    assert drafting.read_form(mbo_form(risk="x")[0], lists, now=NOW).errors == ("choice",)
    # A start in the past starts now.
    late = drafting.read_form(form, lists, now=NOW + timedelta(days=1)).draft
    assert late.starts_at == NOW + timedelta(days=1)


def test_the_b1_check_names_a_long_sentence_and_hard_words():
    assert check_b1(route_calendar()["mbo_registration"].messages[Recipients.STUDENTS]).passes
    hard = check_b1(
        "Overeenkomstig de toepasselijke bepalingen inzake de studiefinancieringsregelgeving "
        "dient de aanvrager gedurende de volledige inschrijvingsperiode onverwijld wijzigingen "
        "te rapporteren."
    )
    assert hard.problems == ("long_sentence", "hard_words")
    assert hard.longest_sentence.startswith("Overeenkomstig")


# The scenario, on the demo database


def test_vmbo4_twente_not_yet_registered_is_sent_in_its_window_capped_and_opted_out(db):
    sanne = person_id(db, Student, "Sanne")
    capped = add_vmbo4_student(db, "Capped")
    stopper = add_vmbo4_student(db, "Stopper")
    registered = add_vmbo4_student(db, "Registered")
    vmbo3_student = person_id(db, Student, "Milan")
    # Capped had two messages this week (an earlier campaign's).
    earlier = schedule_mbo_campaign(db, title="Eerder", calendar_key="", repeat_days="0")
    for run in (1, 2):
        db.add(
            CampaignDelivery(
                campaign_id=earlier.id,
                run=run,
                recipient_key=f"student:{capped}",
                role=PersonRole.STUDENT,
                student_id=capped,
                created_at=NOW - timedelta(days=run),
            )
        )
    earlier.status = CampaignStatus.DONE
    set_opt_out(db, PersonRole.STUDENT, stopper, True, now=NOW - timedelta(days=3))
    campaign = schedule_mbo_campaign(db)
    # Registered said so in an earlier campaign about the same calendar entry.
    before = schedule_mbo_campaign(db, title="Vorig jaar")
    db.add(
        CampaignDelivery(
            campaign_id=before.id,
            run=1,
            recipient_key=f"student:{registered}",
            role=PersonRole.STUDENT,
            student_id=registered,
            created_at=NOW - timedelta(days=30),
            shown_at=NOW - timedelta(days=30),
            task_done_at=NOW - timedelta(days=29),
        )
    )
    before.status = CampaignStatus.DONE
    db.flush()
    preview = drafting.preview(
        db, coordinator(db), drafting.read_form(*mbo_form(), now=NOW).draft, now=NOW
    )
    # Sanne, Capped and Stopper (who said stop); not Registered, not the vmbo 3 pupil.
    assert (preview.reach, preview.opted_out) == (2, 1)

    # Before its start, and at night: nothing.
    assert run_due_campaigns(db, now=NOW - timedelta(minutes=5), policy=POLICY) == []
    assert deliveries(db, campaign.id) == []
    (report,) = run_due_campaigns(db, now=NOW, policy=POLICY)
    assert report.delivered == (f"student:{sanne}",)
    assert (report.opted_out, report.capped) == (1, 1)
    reached = {d.student_id for d in deliveries(db, campaign.id)}
    assert reached == {sanne}
    assert not reached & {capped, stopper, registered, vmbo3_student}
    # The same moment again (a second job, a retry): no second run.
    assert run_due_campaigns(db, now=NOW + timedelta(minutes=5), policy=POLICY) == []
    # A week later, at 22:00 (quiet hours): it waits until the morning.
    night = NOW + timedelta(days=7, hours=6)
    assert run_due_campaigns(db, now=night, policy=POLICY) == []

    # Sanne opens the chat: the message with its buttons, once.
    link(db, "c-sanne", student_id=sanne)
    shown = take_pending_message(db, "c-sanne", now=NOW + timedelta(hours=1))
    assert shown.button == "Ja, ik heb me aangemeld" and "1 april" in shown.body
    assert take_pending_message(db, "c-sanne", now=NOW + timedelta(hours=2)) is None
    # She presses "Ja, ik heb me aangemeld".
    assert answer_task(db, "c-sanne", True, now=NOW + timedelta(hours=3))
    assert not answer_task(db, "c-anonymous", True, now=NOW + timedelta(hours=3))

    # The next week's run: Sanne said she registered, so she is left out; the week's
    # cap no longer holds Capped back.
    morning = NOW + timedelta(days=7, hours=17)
    (second,) = run_due_campaigns(db, now=morning, policy=POLICY)
    assert second.run == 2
    assert second.delivered == (f"student:{capped}",)
    # After 1 April: the campaign is done, and a message not shown is not shown any more.
    run_due_campaigns(db, now=datetime(2027, 4, 2, 9, 0, tzinfo=timezone.utc), policy=POLICY)
    assert campaign.status is CampaignStatus.DONE
    link(db, "c-capped", student_id=capped)
    late = datetime(2027, 4, 2, 10, 0, tzinfo=timezone.utc)
    assert take_pending_message(db, "c-capped", now=late) is None

    # The report's numbers are the database's.
    numbers = campaign_report(db, campaign)
    rows = deliveries(db, campaign.id)
    assert numbers.total.as_tuple() == (
        len(rows),
        sum(1 for d in rows if d.shown_at),
        sum(1 for d in rows if d.replied_at),
        sum(1 for d in rows if d.task_done_at),
    )
    assert numbers.total.as_tuple() == (2, 1, 1, 1)
    assert [run for run, _ in numbers.per_run] == [1, 2]
    assert (campaign.held_opted_out, campaign.held_by_cap) == (2, 1)


def test_parents_get_the_message_in_the_chat_and_by_mail_when_the_school_allows(db):
    sanne = person_id(db, Student, "Sanne")
    petra = person_id(db, Guardian, "Petra")
    campaign = schedule_mbo_campaign(
        db,
        recipients="guardians",
        body=route_calendar()["mbo_registration"].messages[Recipients.GUARDIANS],
    )
    (report,) = run_due_campaigns(db, now=NOW, policy=POLICY)
    assert report.delivered == (f"guardian:{petra}",)
    mail = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "mail")).all()
    assert [m.idempotency_key for m in mail] == [
        f"mail:campaign:{deliveries(db, campaign.id)[0].id}"
    ]
    assert "petra.devries@example.org" in mail[0].payload
    # A school that shares nothing with Petra: no message about Sanne's route.
    db.get(GuardianStudent, (petra, sanne)).may_see_progress = False
    preview = drafting.preview(
        db,
        coordinator(db),
        drafting.read_form(*mbo_form(recipients="guardians"), now=NOW).draft,
        now=NOW,
    )
    assert preview.reach == 0


def test_a_school_coordinator_reaches_their_own_school_only(db):
    other_school = add_vmbo4_student(db, "Elders")
    db.get(Student, other_school).school_id = db.get(
        Student, person_id(db, Student, "Milan")
    ).school_id
    campaign = schedule_mbo_campaign(db, email=SCHOOL_COORDINATOR)
    (report,) = run_due_campaigns(db, now=NOW, policy=POLICY)
    assert report.delivered == (f"student:{person_id(db, Student, 'Sanne')}",)
    region = coordinator(db)
    school = coordinator(db, SCHOOL_COORDINATOR)
    assert drafting.campaign_in_scope(db, school, campaign.id) is campaign
    assert drafting.campaign_in_scope(db, region, campaign.id) is campaign  # the region sees all
    other = coordinator(db, "i.wolters@rocvantwente.example.org")
    assert drafting.campaign_in_scope(db, other, campaign.id) is None


def test_students_with_an_open_risk_flag_can_be_left_out(db):
    sanne = person_id(db, Student, "Sanne")
    db.add(
        RiskFlag(
            student_id=sanne,
            kind=RiskKind.BULLYING,
            priority=HandoffPriority.NORMAL,
            created_at=NOW - timedelta(days=1),
        )
    )
    db.flush()
    draft = drafting.read_form(*mbo_form(risk="exclude"), now=NOW).draft
    assert drafting.preview(db, coordinator(db), draft, now=NOW).reach == 0
    draft = drafting.read_form(*mbo_form(risk="only"), now=NOW).draft
    assert drafting.preview(db, coordinator(db), draft, now=NOW).reach == 1


def test_a_stopped_campaign_sends_and_shows_nothing_more(db):
    sanne = person_id(db, Student, "Sanne")
    campaign = schedule_mbo_campaign(db)
    run_due_campaigns(db, now=NOW, policy=POLICY)
    drafting.stop(db, coordinator(db), campaign, now=NOW + timedelta(minutes=1))
    link(db, "c-sanne", student_id=sanne)
    assert take_pending_message(db, "c-sanne", now=NOW + timedelta(hours=1)) is None
    assert run_due_campaigns(db, now=NOW + timedelta(days=7), policy=POLICY) == []
    assert campaign.status is CampaignStatus.STOPPED


def test_a_check_in_after_a_check_in_campaign_does_its_task(db):
    sanne = person_id(db, Student, "Sanne")
    campaign = schedule_mbo_campaign(
        db, task="check_in", task_button="", calendar_key="central_exams", title="Examens"
    )
    run_due_campaigns(db, now=NOW, policy=POLICY)
    link(db, "c-sanne", student_id=sanne)
    assert mark_check_ins(db, since=NOW - timedelta(days=7)) == 0
    # A check-in before the message was seen does not count for it.
    assert take_pending_message(db, "c-sanne", now=NOW + timedelta(minutes=30))
    student = db.get(Student, sanne)
    goal = goal_states(db, student, NOW.date())[0]
    answers = CheckInAnswers(goal.goal_id, CheckInStatus.IN_PROGRESS.value, 4, "", "Als x, dan y")
    record_check_in(db, "c-sanne", answers, idempotency_key="k1", now=NOW + timedelta(hours=1))
    assert mark_check_ins(db, since=NOW - timedelta(days=7)) == 1
    assert campaign_report(db, campaign).total.task_done == 1


def test_the_cap_and_the_opt_out_hold_for_nudges_too(db):
    sanne = person_id(db, Student, "Sanne")
    db.get(Student, sanne).phase_started_on = NOW.date() - timedelta(weeks=8)
    nudge_policy = NudgePolicy(weekly_cap=2)
    set_opt_out(db, PersonRole.STUDENT, sanne, True, now=NOW)
    assert sanne not in [g.student_id for g in create_nudges(db, now=NOW, policy=nudge_policy)]
    set_opt_out(db, PersonRole.STUDENT, sanne, False, now=NOW)
    chosen = create_nudges(db, now=NOW, policy=nudge_policy)
    assert sanne in [g.student_id for g in chosen]
    # A nudge counts against the week's cap of campaign messages.
    key = f"student:{sanne}"
    assert messages_since(db, [key], NOW - timedelta(days=7))[key] == 1


def test_the_data_summary_says_whether_messages_are_on(db):
    sanne = person_id(db, Student, "Sanne")
    link(db, "c-sanne", student_id=sanne)
    summary = dict(stored_data(db, "c-sanne", today=NOW.date()).items)
    assert summary["messages"] == "aan"
    assert set_opt_out(db, PersonRole.STUDENT, sanne, True, now=NOW)
    assert not set_opt_out(db, PersonRole.STUDENT, sanne, True, now=NOW)  # already off
    assert dict(stored_data(db, "c-sanne", today=NOW.date()).items)["messages"] == "uit"
    assert db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "messages_off")
    )


def test_the_export_has_a_row_per_person_and_logs_each_read(db):
    campaign = schedule_mbo_campaign(db)
    run_due_campaigns(db, now=NOW, policy=POLICY)
    rows = export_rows(db, coordinator(db), campaign)
    assert rows[0][:3] == ("run", "role", "name")
    assert [row[2] for row in rows[1:]] == ["Sanne de Vries"]
    reads = db.scalars(select(AuditEntry).where(AuditEntry.detail == "campaign_export")).all()
    assert [(r.action, r.subject_type, r.actor_type) for r in reads] == [
        ("read", "student", "coordinator")
    ]


def test_every_phase_named_in_the_calendar_exists_in_the_demo_route(db):
    codes = set(db.scalars(select(RoutePhase.code)))
    assert {phase for entry in route_calendar().values() for phase in entry.phases} <= codes


@pytest.mark.parametrize(
    ("said", "intent_says_off", "off"),
    [
        ("stop met berichten", False, True),
        ("berichten aan", True, False),
        ("zet de berichten weer aan", True, False),
        ("ik wil geen herinneringen meer", False, True),
        ("unsubscribe", False, True),
        ("turn messages back on", True, False),
        ("ik wil weer berichten, stop niet", True, False),
        ("berichten", True, True),  # no clear word: the model decides
        ("berichten", False, False),
    ],
)
def test_the_words_decide_whether_messages_go_off_or_on(said, intent_says_off, off):
    assert messages_off(said, intent_says_off) is off


# From the review of session 16


def test_a_repeat_missed_while_away_is_not_shown_on_a_later_visit(db):
    sanne = person_id(db, Student, "Sanne")
    campaign = schedule_mbo_campaign(db)
    run_due_campaigns(db, now=NOW, policy=POLICY)
    run_due_campaigns(db, now=NOW + timedelta(days=7), policy=POLICY)
    assert [d.run for d in deliveries(db, campaign.id)] == [1, 2]
    link(db, "c-sanne", student_id=sanne)
    db.get(ConversationLink, "c-sanne").linked_at = NOW + timedelta(days=7)
    assert take_pending_message(db, "c-sanne", now=NOW + timedelta(days=7, hours=1))
    assert take_pending_message(db, "c-sanne", now=NOW + timedelta(days=8)) is None
    # Its button counts in the conversation it was shown in, while the campaign runs.
    assert not answer_task(db, "c-elsewhere", True, now=NOW + timedelta(days=8))
    drafting.stop(db, coordinator(db), campaign, now=NOW + timedelta(days=8))
    assert not answer_task(db, "c-sanne", True, now=NOW + timedelta(days=8))


def test_a_campaign_with_its_own_text_has_its_own_task_and_any_title_length(db):
    first = schedule_mbo_campaign(db, calendar_key="", title="Herinnering " + "x" * 150)
    second = schedule_mbo_campaign(db, calendar_key="", title="Herinnering " + "x" * 150)
    assert first.task_key == f"campaign:{first.id}" != second.task_key


def test_odd_numbers_in_the_form_are_refused_or_bounded():
    form, lists = mbo_form(quiet_weeks="²", repeat_days="7")
    assert drafting.read_form(form, lists, now=NOW).draft.rules.quiet_weeks is None
    form, lists = mbo_form(quiet_weeks="200000")
    assert drafting.read_form(form, lists, now=NOW).draft.rules.quiet_weeks == 52
    form, lists = mbo_form(repeat_days="²")
    assert drafting.read_form(form, lists, now=NOW).draft.repeat_days == 0
    lists = {"phases": ["vmbo4"], "school_ids": ["²", "99999999999999999999", "3"]}
    assert drafting.read_form(mbo_form()[0], lists, now=NOW).draft.rules.school_ids == (3,)


def test_a_weekly_run_keeps_its_hour_when_summer_time_starts():
    # 16:00 on Tuesday 23 March 2027 (winter time); summer time starts on the 28th.
    start = datetime(2027, 3, 23, 16, 0, tzinfo=SCHOOL_TIMEZONE)
    ends = datetime(2027, 5, 1, tzinfo=SCHOOL_TIMEZONE)
    following = following_run(start, 7, ends, start + timedelta(minutes=5))
    assert following.astimezone(SCHOOL_TIMEZONE).hour == 16
    assert following.astimezone(SCHOOL_TIMEZONE).date() == date(2027, 3, 30)


def test_29_february_falls_on_the_28th_in_other_years():
    from dataclasses import replace

    leap = replace(route_calendar()["mbo_registration"], month=2, day=29)
    assert leap.next_date(date(2027, 1, 10)) == date(2027, 2, 28)
    assert leap.next_date(date(2028, 1, 10)) == date(2028, 2, 29)
