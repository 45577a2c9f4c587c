"""Routing, deadlines, handoffs, the escalation ladder and outbox delivery."""

import asyncio
import json
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import Coordinator, Guardian, Handoff, OutboxMessage, RiskFlag, Student
from bot.escalation.deadlines import DeadlinePolicy, deadline, next_opening
from bot.escalation.handoffs import (
    PER_CLIENT,
    HandoffRequest,
    TooManyHandoffsError,
    create_handoff,
    escalate_overdue,
    handoffs_for_risk_flags,
    mark_as_risk,
    more_serious,
    open_handoff,
)
from bot.escalation.routing import CoordinatorInfo, HandoffSubject, route
from bot.identity.links import link_conversation
from bot.outbox import enqueue
from bot.vocabulary import (
    CheckInStatus,
    HandoffPriority,
    HandoffStatus,
    LinkMethod,
    OutboxStatus,
    SchoolLevel,
)
from infra.db.session import session_scope
from infra.delivery import (
    IDEMPOTENCY_HEADER,
    DeliveryReport,
    RetryPolicy,
    _claim_next,
    deliver_due,
    retry_delay,
)
from tests.conftest import person_id

POLICY = DeadlinePolicy()
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SCHOOL_TIMEZONE)

VMBO_SCHOOL, MBO_SCHOOL, HBO_SCHOOL, OTHER_VMBO = 1, 2, 3, 4
COORDINATORS = [
    CoordinatorInfo(1, "Vmbo", 1, 1, VMBO_SCHOOL, SchoolLevel.VMBO, "CSG Het Noordik"),
    CoordinatorInfo(2, "Mbo", 1, 1, MBO_SCHOOL, SchoolLevel.MBO, "ROC van Twente"),
    CoordinatorInfo(3, "Hbo", 1, 1, HBO_SCHOOL, SchoolLevel.HBO, "Saxion"),
    CoordinatorInfo(4, "Regio", 1, 2),
    CoordinatorInfo(5, "Andere regio", 2, 2),
    CoordinatorInfo(6, "Oud", 1, 1, OTHER_VMBO, SchoolLevel.VMBO, "Erasmus", active=False),
]


@pytest.mark.parametrize(
    ("subject", "coordinator", "level"),
    [
        (HandoffSubject(1, VMBO_SCHOOL, SchoolLevel.VMBO), "Vmbo", 1),
        (HandoffSubject(1, MBO_SCHOOL, SchoolLevel.MBO), "Mbo", 1),
        (HandoffSubject(1, HBO_SCHOOL, SchoolLevel.HBO), "Hbo", 1),
        # In the mbo year while the record still names the vmbo school: the mbo.
        (HandoffSubject(1, VMBO_SCHOOL, SchoolLevel.MBO), "Mbo", 1),
        # A school without an active coordinator: a school of that level in the region.
        (HandoffSubject(1, OTHER_VMBO, SchoolLevel.VMBO), "Vmbo", 1),
        # Anonymous, or nothing known: the regional coordinator of that region.
        (HandoffSubject(1), "Regio", 2),
        (HandoffSubject(2), "Andere regio", 2),
        (HandoffSubject(2, 99, SchoolLevel.HBO), "Andere regio", 2),
    ],
)
def test_routing_per_phase(subject, coordinator, level):
    assignment = route(subject, COORDINATORS)
    assert (assignment.coordinator.name, assignment.ladder_level) == (coordinator, level)


def test_nobody_to_route_to_is_said_plainly():
    assert route(HandoffSubject(3), COORDINATORS).coordinator is None


def test_deadlines_count_school_days_in_office_hours():
    assert deadline(MONDAY_10, HandoffPriority.URGENT, POLICY) == MONDAY_10 + timedelta(hours=1)
    assert deadline(MONDAY_10, HandoffPriority.NORMAL, POLICY) == MONDAY_10 + timedelta(days=1)
    friday_15 = datetime(2026, 11, 27, 15, 0, tzinfo=SCHOOL_TIMEZONE)
    monday_15 = datetime(2026, 11, 30, 15, 0, tzinfo=SCHOOL_TIMEZONE)
    assert deadline(friday_15, HandoffPriority.NORMAL, POLICY) == monday_15
    friday_evening = datetime(2026, 11, 27, 20, 0, tzinfo=SCHOOL_TIMEZONE)
    assert next_opening(friday_evening, POLICY) == datetime(
        2026, 11, 30, 8, 30, tzinfo=SCHOOL_TIMEZONE
    )
    assert deadline(friday_evening, HandoffPriority.NORMAL, POLICY) == datetime(
        2026, 12, 1, 8, 30, tzinfo=SCHOOL_TIMEZONE
    )
    early = datetime(2026, 11, 24, 7, 0, tzinfo=SCHOOL_TIMEZONE)
    assert next_opening(early, POLICY).hour == 8 and next_opening(early, POLICY).day == 24


def ask(db, conversation, priority=HandoffPriority.NORMAL, now=MONDAY_10):
    request = HandoffRequest(
        "asked_for_person", "general", priority, "Gebruiker: mag ik iemand spreken"
    )
    return create_handoff(
        db, conversation, request, now=now, policy=POLICY, default_region="twente"
    )


def coordinator_name(db, handoff_reference):
    handoff = db.scalar(select(Handoff).where(Handoff.reference == handoff_reference))
    return db.get(Coordinator, handoff.assigned_coordinator_id).name


def test_handoffs_go_to_the_school_of_the_phase_and_are_notified_in_one_transaction(db):
    for conversation, name in (("c-sanne", "Sanne"), ("c-lotte", "Lotte"), ("c-noor", "Noor")):
        link_conversation(
            db, conversation, via=LinkMethod.CODE, student_id=person_id(db, Student, name)
        )
    assert coordinator_name(db, ask(db, "c-sanne").reference) == "Marieke Hofman"
    assert coordinator_name(db, ask(db, "c-lotte").reference) == "Ingrid Wolters"
    assert coordinator_name(db, ask(db, "c-noor").reference) == "Thomas Kuipers"
    anonymous = ask(db, "c-anonymous")
    assert anonymous.coordinator_name == "Esther Nijhuis" and anonymous.school_name is None
    outbox = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "handoff")).all()
    assert len(outbox) == 4
    payload = json.loads(outbox[0].payload)
    assert payload["event"] == "handoff.created" and "summary" not in payload


def test_a_guardian_s_handoff_goes_to_the_child_s_coordinator(db):
    petra = person_id(db, Guardian, "Petra")
    link_conversation(db, "c-petra", via=LinkMethod.CODE, guardian_id=petra)
    view = ask(db, "c-petra")
    assert view.coordinator_name == "Marieke Hofman"
    handoff = db.scalar(select(Handoff).where(Handoff.reference == view.reference))
    assert (handoff.guardian_id, handoff.student_id) == (petra, person_id(db, Student, "Sanne"))


def test_a_parent_s_handoff_carries_the_named_child_and_no_school_reads_a_sibling(db):
    karin = person_id(db, Guardian, "Karin")
    link_conversation(db, "c-karin", via=LinkMethod.CODE, guardian_id=karin)
    request = HandoffRequest(
        "asked_for_person",
        "general",
        HandoffPriority.NORMAL,
        "Gebruiker: ik wil iemand spreken over lotte",
        about_text="ik wil iemand spreken over lotte",
    )
    view = create_handoff(
        db, "c-karin", request, now=MONDAY_10, policy=POLICY, default_region="twente"
    )
    handoff = db.scalar(select(Handoff).where(Handoff.reference == view.reference))
    assert (handoff.guardian_id, handoff.student_id) == (karin, person_id(db, Student, "Lotte"))
    # Milan is at another school and this conversation may hold answers about him: the
    # region takes it, not Lotte's school.
    assert view.coordinator_name == "Esther Nijhuis" and handoff.ladder_level == 2


def test_an_open_handoff_is_reused_until_it_is_resolved(db):
    first = ask(db, "c1")
    again = ask(db, "c1")
    assert again.reference == first.reference and again.already_open
    assert open_handoff(db, "c1").reference == first.reference
    # An urgent one is never held back by a normal one.
    assert ask(db, "c1", HandoffPriority.URGENT).reference != first.reference
    for handoff in db.scalars(select(Handoff).where(Handoff.conversation_id == "c1")):
        handoff.status = HandoffStatus.RESOLVED
    assert open_handoff(db, "c1") is None
    assert ask(db, "c1").reference != first.reference


def test_the_ladder_escalates_unclaimed_overdue_handoffs_with_a_controlled_clock(db):
    link_conversation(
        db, "c-sanne", via=LinkMethod.CODE, student_id=person_id(db, Student, "Sanne")
    )
    normal = ask(db, "c-sanne")
    urgent = ask(db, "c-sanne", HandoffPriority.URGENT)
    assert escalate_overdue(db, now=MONDAY_10 + timedelta(minutes=59), policy=POLICY) == []
    assert escalate_overdue(db, now=MONDAY_10 + timedelta(minutes=61), policy=POLICY) == [
        urgent.reference
    ]
    assert coordinator_name(db, urgent.reference) == "Esther Nijhuis"
    tuesday = MONDAY_10 + timedelta(days=1, minutes=1)
    # A claimed handoff does not climb.
    db.scalar(
        select(Handoff).where(Handoff.reference == normal.reference)
    ).status = HandoffStatus.CLAIMED
    assert escalate_overdue(db, now=tuesday, policy=POLICY) == []
    db.scalar(
        select(Handoff).where(Handoff.reference == normal.reference)
    ).status = HandoffStatus.OPEN
    assert escalate_overdue(db, now=tuesday, policy=POLICY) == [normal.reference]
    assert escalate_overdue(db, now=tuesday + timedelta(days=5), policy=POLICY) == []
    events = [
        json.loads(m.payload)["event"]
        for m in db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "handoff"))
    ]
    assert events.count("handoff.escalated") == 2
    escalated = [
        json.loads(m.payload)
        for m in db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "handoff"))
        if json.loads(m.payload)["event"] == "handoff.escalated"
    ]
    assert {p["coordinator"]["name"] for p in escalated} == {"Esther Nijhuis"}


def test_risk_flags_become_one_handoff_per_conversation(db):
    from bot.checkins.records import CheckInAnswers, open_goals, record_check_in

    sanne = person_id(db, Student, "Sanne")
    link_conversation(db, "c-sanne", via=LinkMethod.CODE, student_id=sanne)
    _, goals = open_goals(db, "c-sanne", today=MONDAY_10.date())
    answers = CheckInAnswers(
        goals[0].goal_id, CheckInStatus.NOT_WORKING.value, 1, "geen zin", "Als x, dan y"
    )
    record_check_in(db, "c-sanne", answers, idempotency_key="k", now=MONDAY_10 - timedelta(7))
    record_check_in(db, "c-sanne", answers, idempotency_key="l", now=MONDAY_10)
    (view,) = handoffs_for_risk_flags(db, now=MONDAY_10, policy=POLICY, default_region="twente")
    assert view.priority is HandoffPriority.NORMAL
    handoff = db.scalar(select(Handoff).where(Handoff.reference == view.reference))
    assert handoff.reason == "risk" and "geen zin" not in handoff.summary
    assert handoff.category == "low_motivation"
    assert "Lage motivatie" in handoff.summary and "Doel lukt steeds niet" in handoff.summary
    assert all(flag.handoff_id == handoff.id for flag in db.scalars(select(RiskFlag)))
    assert handoffs_for_risk_flags(db, now=MONDAY_10, policy=POLICY, default_region="twente") == []


def test_one_client_opens_at_most_twenty_handoffs_an_hour_but_risk_always_gets_through(db):
    def request(reason, client="one-client"):
        return HandoffRequest(reason, "general", HandoffPriority.NORMAL, "x", client_key=client)

    for n in range(PER_CLIENT.tries):
        create_handoff(
            db,
            f"flood-{n}",
            request("asked_for_person"),
            now=MONDAY_10,
            policy=POLICY,
            default_region="twente",
        )
    with pytest.raises(TooManyHandoffsError):
        create_handoff(
            db,
            "flood-x",
            request("asked_for_person"),
            now=MONDAY_10,
            policy=POLICY,
            default_region="twente",
        )
    for conversation, wanted in (
        ("flood-risk", request("risk")),
        ("other", request("asked_for_person", "other")),
    ):
        view = create_handoff(
            db, conversation, wanted, now=MONDAY_10, policy=POLICY, default_region="twente"
        )
        assert view.reference
    later = MONDAY_10 + PER_CLIENT.window + timedelta(minutes=1)
    assert create_handoff(
        db,
        "flood-y",
        request("asked_for_person"),
        now=later,
        policy=POLICY,
        default_region="twente",
    ).reference


def test_backoff_doubles_up_to_the_maximum():
    policy = RetryPolicy(first_delay=timedelta(seconds=10), max_delay=timedelta(minutes=5))
    assert [retry_delay(n, policy).total_seconds() for n in (1, 2, 3, 6)] == [10, 20, 40, 300]


def queue(database_url, *keys):
    with session_scope(database_url) as session:
        for key in keys:
            enqueue(session, "handoff", {"reference": key}, key=key, now=MONDAY_10)


def outbox(database_url):
    with session_scope(database_url) as session:
        return {m.idempotency_key: m for m in session.scalars(select(OutboxMessage))}


async def serve_webhook(handler, deliveries):
    """Starts a real webhook on a free port and runs each (now, policy) delivery."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    async with TestServer(app) as server:
        url = str(server.make_url("/hook"))
        return [
            await deliver_due(opener, url, now=when, policy=policy)
            for opener, when, policy in deliveries
        ]


def test_the_outbox_retries_a_failing_webhook_and_delivers_exactly_once(seeded_database_url):
    received = []

    async def webhook(request):
        received.append((request.headers[IDEMPOTENCY_HEADER], await request.json()))
        if len(received) <= 2:
            return web.Response(status=503)
        return web.json_response({"ok": True})

    queue(seeded_database_url, "handoff:H-TEST")
    policy = RetryPolicy(first_delay=timedelta(seconds=10))
    opener = partial(session_scope, seeded_database_url)
    # Not due again 5 s later; due at 10 s and, after the second failure, at 30 s.
    offsets = [0, 5, 10, 40, 7200]
    reports = asyncio.run(
        serve_webhook(
            webhook, [(opener, MONDAY_10 + timedelta(seconds=s), policy) for s in offsets]
        )
    )
    assert [(r.delivered, r.retried) for r in reports] == [(0, 1), (0, 0), (0, 1), (1, 0), (0, 0)]
    assert [key for key, _ in received] == ["handoff:H-TEST"] * 3
    assert received[-1][1] == {
        "topic": "handoff",
        "idempotency_key": "handoff:H-TEST",
        "payload": {"reference": "handoff:H-TEST"},
    }
    message = outbox(seeded_database_url)["handoff:H-TEST"]
    assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 3)


def test_a_slow_webhook_costs_one_attempt_and_never_repeats_what_was_delivered(
    seeded_database_url,
):
    received = []
    slow = {"handoff:SLOW"}

    async def webhook(request):
        key = request.headers[IDEMPOTENCY_HEADER]
        received.append(key)
        if key in slow:
            await asyncio.sleep(1.0)
        return web.json_response({"ok": True})

    queue(seeded_database_url, "handoff:FAST-1", "handoff:SLOW", "handoff:FAST-2")
    policy = RetryPolicy(first_delay=timedelta(seconds=10), timeout_seconds=0.2)
    opener = partial(session_scope, seeded_database_url)
    first = asyncio.run(serve_webhook(webhook, [(opener, MONDAY_10, policy)]))
    assert first[0] == DeliveryReport(delivered=2, retried=1, failed=0)
    messages = outbox(seeded_database_url)
    assert messages["handoff:FAST-1"].status is OutboxStatus.DELIVERED
    assert messages["handoff:FAST-2"].status is OutboxStatus.DELIVERED
    assert (messages["handoff:SLOW"].status, messages["handoff:SLOW"].attempts) == (
        OutboxStatus.PENDING,
        1,
    )
    assert messages["handoff:SLOW"].last_error == "timeout"

    slow.clear()
    later = MONDAY_10 + timedelta(seconds=10)
    second = asyncio.run(serve_webhook(webhook, [(opener, later, policy)]))
    assert second[0] == DeliveryReport(delivered=1, retried=0, failed=0)
    assert sorted(received) == sorted(
        ["handoff:FAST-1", "handoff:SLOW", "handoff:FAST-2", "handoff:SLOW"]
    )


def test_the_outbox_gives_up_after_the_last_attempt_and_keeps_the_message(seeded_database_url):
    queue(seeded_database_url, "handoff:NEVER")
    policy = RetryPolicy(first_delay=timedelta(seconds=1), max_attempts=3, timeout_seconds=1)
    opener = partial(session_scope, seeded_database_url)

    async def refuse(request):
        return web.Response(status=500)

    reports = asyncio.run(
        serve_webhook(refuse, [(opener, MONDAY_10 + timedelta(hours=h), policy) for h in range(5)])
    )
    assert [(r.retried, r.failed) for r in reports] == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    message = outbox(seeded_database_url)["handoff:NEVER"]
    assert (message.status, message.attempts, message.last_error) == (
        OutboxStatus.FAILED,
        3,
        "HTTP 500",
    )


def test_a_delivery_that_dies_midway_is_tried_again_after_the_backoff(seeded_database_url):
    queue(seeded_database_url, "handoff:CRASH")
    policy = RetryPolicy(first_delay=timedelta(seconds=10))
    with session_scope(seeded_database_url) as session:
        claimed = _claim_next(session, now=MONDAY_10, policy=policy)
    # The process dies here, before it records the outcome. A second worker at the
    # same moment finds nothing to take; after the backoff the message is due again.
    with session_scope(seeded_database_url) as session:
        assert _claim_next(session, now=MONDAY_10, policy=policy) is None
    with session_scope(seeded_database_url) as session:
        again = _claim_next(session, now=MONDAY_10 + timedelta(seconds=10), policy=policy)
    assert (claimed.key, claimed.attempts, again.key, again.attempts) == (
        "handoff:CRASH",
        1,
        "handoff:CRASH",
        2,
    )


def test_a_webhook_that_is_down_loses_nothing(seeded_database_url):
    queue(seeded_database_url, "nudge:1")
    # Nothing listens on this port.
    report = asyncio.run(
        deliver_due(
            partial(session_scope, seeded_database_url), "http://127.0.0.1:9/hook", now=MONDAY_10
        )
    )
    assert (report.delivered, report.retried) == (0, 1)
    message = outbox(seeded_database_url)["nudge:1"]
    assert message.status is OutboxStatus.PENDING and message.last_error
    assert message.next_attempt_at == MONDAY_10.astimezone(timezone.utc) + timedelta(seconds=10)


def test_a_later_milder_risk_does_not_hide_an_acute_one_on_the_handoff(db):
    """The walk of session 16: "ik zie het niet meer zitten", then a milder signal,
    left the handoff labelled with the milder kind only."""
    view = create_handoff(
        db,
        "c-acute",
        HandoffRequest("risk", "acute", HandoffPriority.URGENT, "x"),
        now=MONDAY_10,
        policy=POLICY,
        default_region="twente",
    )
    handoff = db.scalar(select(Handoff).where(Handoff.reference == view.reference))
    mark_as_risk(db, handoff, "bullying", now=MONDAY_10)
    assert (handoff.category, handoff.priority) == ("acute", HandoffPriority.URGENT)
    mark_as_risk(db, handoff, "unsafe_home", now=MONDAY_10)
    assert handoff.category == "acute"
    assert more_serious("quitting", "bullying") == "bullying"
    assert more_serious("general", "absence") == "absence"
