"""Check-ins, personal goals, progress and nudges over REST with the running assistant."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot import clock
from bot.checkins.records import add_personal_goal
from bot.db.models import CheckIn, Guardian, InterimGoal, Nudge, RiskFlag, Student
from bot.vocabulary import CheckInStatus, RiskKind
from infra.db.session import session_scope

pytestmark = pytest.mark.integration

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
MESSAGES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "bot/content/messages.yml").read_text()
)


def response_text(name: str) -> str:
    return DOMAIN["responses"][name][-1]["text"]


def reask(slot: str) -> list[str]:
    """A friendly "I did not get that", then the question again."""
    return [response_text(f"utter_invalid_{slot}"), response_text(f"utter_ask_{slot}")]


def linked_student(assistant, conversation_id: str, first_name: str) -> int:
    student = assistant.new_student(first_name)
    assistant.link(conversation_id, student_id=student)
    return student


def check_ins_of(assistant, student: int) -> list[CheckIn]:
    with session_scope(assistant.database_url) as session:
        return list(session.scalars(select(CheckIn).where(CheckIn.student_id == student)))


def goal_buttons(assistant, conversation: str) -> list[dict]:
    (question,) = assistant.send(conversation, "ik wil inchecken")
    assert question["text"] == response_text("utter_ask_checkin_goal")
    return question["buttons"]


def test_a_full_check_in_with_friendly_re_asks_is_stored(assistant):
    student = linked_student(assistant, "it-checkin", "Iris")
    buttons = goal_buttons(assistant, "it-checkin")
    assert 1 <= len(buttons) <= 4
    say = assistant.say
    assert say("it-checkin", "welk doel?") == reask("checkin_goal")
    assert say("it-checkin", buttons[0]["payload"]) == [response_text("utter_ask_checkin_status")]
    assert say("it-checkin", "misschien") == reask("checkin_status")
    assert say("it-checkin", "bezig") == [response_text("utter_ask_checkin_motivation")]
    assert say("it-checkin", "tien") == reask("checkin_motivation")
    injected = '/inform{"checkin_motivation": "5", "student_id": 1}'
    assert say("it-checkin", injected) == reask("checkin_motivation")
    assert say("it-checkin", "4") == [response_text("utter_ask_checkin_note")]  # "in de weg"
    assert say("it-checkin", "🙈🙈") == reask("checkin_note")
    assert say("it-checkin", "Ik was vergeten om het te plannen") == [
        response_text("utter_ask_checkin_plan")
    ]
    assert say("it-checkin", "ik ga beter plannen") == reask("checkin_plan")
    replies = say("it-checkin", "Als ik thuis kom, dan plan ik eerst een uur huiswerk")
    assert replies[0] == "Dank je! Je check-in is opgeslagen."
    assert any("Je hebt 0 van de 12 doelen gehaald." in reply for reply in replies)

    (stored,) = check_ins_of(assistant, student)
    with session_scope(assistant.database_url) as session:
        goal_title = session.get(InterimGoal, stored.goal_id).title
    # Numbered as the question promises; a tap sends the goal's own title.
    assert buttons[0] == {"title": f"1. {goal_title}", "payload": goal_title}
    assert (stored.status, stored.motivation, stored.note) == (
        CheckInStatus.IN_PROGRESS,
        4,
        "Ik was vergeten om het te plannen",
    )
    assert stored.if_then_plan.startswith("Als ik thuis kom")
    assert stored.conversation_id == "it-checkin" and stored.idempotency_key
    # The form is over: a normal question is answered again.
    assert "Toptraject" in say("it-checkin", "wat is het toptraject")[0]


def test_an_achieved_goal_skips_the_plan_and_is_celebrated(assistant):
    student = linked_student(assistant, "it-achieved", "Jesse")
    buttons = goal_buttons(assistant, "it-achieved")
    assistant.say("it-achieved", "2")  # the second goal, by its number
    assistant.say("it-achieved", "gehaald")
    note_question = assistant.say("it-achieved", "5")
    assert note_question == [DOMAIN["responses"]["utter_ask_checkin_note"][0]["text"]]
    replies = assistant.say("it-achieved", "Ik heb elke dag een kwartier geoefend")
    assert replies[0] == "Dank je! Je check-in is opgeslagen."
    assert replies[1] == MESSAGES["milestone"]["first_check_in"]
    (stored,) = check_ins_of(assistant, student)
    assert stored.status is CheckInStatus.ACHIEVED and stored.if_then_plan is None
    with session_scope(assistant.database_url) as session:
        assert session.get(InterimGoal, stored.goal_id).title == buttons[1]["payload"]


def test_laat_maar_stops_the_form_and_stores_nothing(assistant):
    student = linked_student(assistant, "it-stop", "Kees")
    buttons = goal_buttons(assistant, "it-stop")
    assistant.say("it-stop", buttons[0]["payload"])
    assistant.say("it-stop", "lukt niet")
    (stopped,) = assistant.say("it-stop", "laat maar")
    assert stopped.startswith("Oké, we stoppen. Ik heb niets opgeslagen.")
    assert check_ins_of(assistant, student) == []
    assert "Toptraject" in assistant.say("it-stop", "wat is het toptraject")[0]
    # A new check-in starts clean.
    assert goal_buttons(assistant, "it-stop")


def flags_of(assistant, student: int) -> list[RiskFlag]:
    with session_scope(assistant.database_url) as session:
        return list(session.scalars(select(RiskFlag).where(RiskFlag.student_id == student)))


def test_risk_in_a_check_in_note_reaches_a_person_and_the_check_in_goes_on(assistant):
    student = linked_student(assistant, "it-risk-note", "Lars")
    buttons = goal_buttons(assistant, "it-risk-note")
    for answer in (buttons[0]["payload"], "lukt niet", "2"):
        assistant.say("it-risk-note", answer)
    replies = assistant.say("it-risk-note", "lukt niet, ik word gepest")
    assert "gepest" in replies[0] and "nooit jouw schuld" in replies[0]
    assert any("Je nummer is H-" in reply for reply in replies)
    assert replies[-1] == response_text("utter_ask_checkin_plan")  # the form goes on
    (flag,) = flags_of(assistant, student)
    assert (flag.kind, flag.source) == (RiskKind.BULLYING, "checkin") and flag.handoff_id
    replies = assistant.say(
        "it-risk-note", "Als ze me weer uitschelden, dan ga ik naar mijn mentor"
    )
    assert replies[0] == "Dank je! Je check-in is opgeslagen."
    (stored,) = check_ins_of(assistant, student)
    assert stored.note == "lukt niet, ik word gepest"


def test_acute_risk_in_a_check_in_shows_the_crisis_lines_and_ends_the_form(assistant):
    student = linked_student(assistant, "it-acute-note", "Sem")
    buttons = goal_buttons(assistant, "it-acute-note")
    assistant.say("it-acute-note", buttons[0]["payload"])
    replies = assistant.say("it-acute-note", "ik zie het niet meer zitten")
    assert "0800-0113" in replies[0] and "0800-0432" in replies[0]
    assert not any("Hoe gaat het met dit doel" in reply for reply in replies)
    assert [flag.kind for flag in flags_of(assistant, student)] == [RiskKind.ACUTE]
    assert check_ins_of(assistant, student) == []
    assert "Toptraject" in assistant.say("it-acute-note", "wat is het toptraject")[0]


def test_an_anonymous_student_logs_in_and_the_check_in_continues(assistant):
    student = assistant.new_student("Mila")
    code = assistant.issue_code(student_id=student)
    (ask_to_link,) = assistant.say("it-anon-checkin", "ik wil inchecken")
    assert ask_to_link.startswith("Ik weet nog niet wie je bent.")
    replies = assistant.send("it-anon-checkin", code)
    assert replies[0]["text"].startswith("Gelukt! Je bent nu ingelogd, Mila.")
    assert replies[-1]["text"] == response_text("utter_ask_checkin_goal")
    assert replies[-1]["buttons"]


def test_a_guardian_is_sent_to_the_progress_question_and_sees_it(assistant):
    with session_scope(assistant.database_url) as session:
        petra = session.scalar(select(Guardian.id).where(Guardian.first_name == "Petra"))
        assistant.link("it-petra-progress", guardian_id=petra)
    (refusal,) = assistant.say("it-petra-progress", "ik wil inchecken")
    assert refusal.startswith("Je kind doet de check-in zelf.")
    # The list of blocks and the totals come as two chat bubbles.
    report = "\n".join(assistant.say("it-petra-progress", "hoe gaat het met mijn kind"))
    assert report.startswith("Zo staat Sanne ervoor in vmbo jaar 4:")
    assert "Sanne heeft" in report and "doelen gehaald" in report


def test_a_student_adds_a_personal_goal_with_or_without_a_date(assistant):
    student = linked_student(assistant, "it-goal", "Noah")
    (saved,) = assistant.say("it-goal", "ik wil voor de kerst mijn rekentoets halen")
    assert saved.startswith("Je doel staat erin: Mijn rekentoets halen.")
    assert "24 december" in saved
    assert assistant.say("it-goal", "nieuw doel toevoegen") == [
        response_text("utter_ask_goal_title")
    ]
    assert assistant.say("it-goal", "elke week twee uur Engels oefenen") == [
        response_text("utter_ask_goal_date")
    ]
    assert assistant.say("it-goal", "gisteren") == reask("goal_date")
    (saved,) = assistant.say("it-goal", "over drie weken")
    assert saved.startswith("Je doel staat erin: Elke week twee uur Engels oefenen.")
    with session_scope(assistant.database_url) as session:
        goals = session.scalars(
            select(InterimGoal).where(InterimGoal.owner_student_id == student)
        ).all()
    assert {(g.title, g.due_date) for g in goals} == {
        ("Mijn rekentoets halen", date(clock.today().year, 12, 24)),
        ("Elke week twee uur Engels oefenen", clock.today() + timedelta(weeks=3)),
    }
    report = "\n".join(assistant.say("it-goal", "hoe sta ik ervoor"))
    assert "- eigen doelen: 0 van 2" in report


def test_a_nudge_opens_the_next_conversation_once(assistant):
    student = linked_student(assistant, "it-nudge", "Olivia")
    with session_scope(assistant.database_url) as session:
        goal = session.scalar(
            select(InterimGoal).where(InterimGoal.code.is_not(None)).order_by(InterimGoal.id)
        )
        student_phase_goal = session.scalar(
            select(InterimGoal).where(
                InterimGoal.phase_id == session.get(Student, student).phase_id,
                InterimGoal.code.is_not(None),
            )
        )
        session.add(Nudge(student_id=student, goal_id=(student_phase_goal or goal).id))
    # The session starts with the nudge, then the greeting answers "hoi".
    nudge, greeting = assistant.send("it-nudge", "hoi")
    assert nudge["text"].startswith("Hoi Olivia! Je doel is bijna aan de beurt:")
    assert "Zullen we even inchecken?" in nudge["text"]
    assert [b["payload"] for b in nudge["buttons"]] == ["/checkin", "/deny"]
    assert greeting["text"].startswith("Hoi Olivia! Fijn dat je er bent.")
    assert len(assistant.send("it-nudge", "hoi")) == 1  # shown once


def test_the_check_in_offers_the_goal_just_reminded_of_and_own_goals_first(assistant):
    student = linked_student(assistant, "it-picker", "Pieter")
    with session_scope(assistant.database_url) as session:
        phase = session.get(Student, student).phase_id
        route_goals = session.scalars(
            select(InterimGoal)
            .where(InterimGoal.phase_id == phase, InterimGoal.code.is_not(None))
            .order_by(InterimGoal.id.desc())
        ).all()
        reminded = route_goals[0].title
        session.add(Nudge(student_id=student, goal_id=route_goals[0].id, created_at=clock.now()))
        own = add_personal_goal(
            session, "it-picker", "Elke week mijn planner bijwerken", clock.today(), now=clock.now()
        )
    assistant.send("it-picker", "hoi")  # the session opens with the reminder
    buttons = goal_buttons(assistant, "it-picker")
    assert [b["payload"] for b in buttons[:2]] == [reminded, own.title]
    assert [b["title"] for b in buttons] == [
        f"{number}. {b['payload']}" for number, b in enumerate(buttons, start=1)
    ]
    # A number means a goal that was shown with it, nothing else.
    assert assistant.say("it-picker", str(len(buttons) + 1)) == reask("checkin_goal")
    assert assistant.say("it-picker", "2") == [response_text("utter_ask_checkin_status")]
    assistant.say("it-picker", "laat maar")


def run_check_in(assistant, conversation: str) -> list[str]:
    buttons = goal_buttons(assistant, conversation)
    replies = []
    for answer in (
        buttons[0]["payload"],
        "bezig",
        "3",
        "Weinig tijd",
        "Als ik tijd heb, dan oefen ik",
    ):
        replies = assistant.say(conversation, answer)
    return replies


def test_fifty_simultaneous_check_ins_are_each_stored_exactly_once(assistant):
    students = [linked_student(assistant, f"it-many-{n}", f"Veel{n}") for n in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda n: run_check_in(assistant, f"it-many-{n}"), range(50)))
    assert all(replies[0] == "Dank je! Je check-in is opgeslagen." for replies in results)
    with session_scope(assistant.database_url) as session:
        counts = dict(
            session.execute(
                select(CheckIn.student_id, func.count())
                .where(CheckIn.student_id.in_(students))
                .group_by(CheckIn.student_id)
            ).all()
        )
        keys = session.scalars(
            select(CheckIn.idempotency_key).where(CheckIn.student_id.in_(students))
        ).all()
    assert counts == {student: 1 for student in students}
    assert len(set(keys)) == 50
