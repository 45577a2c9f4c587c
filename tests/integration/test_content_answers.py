"""Route, travel and exam answers over REST, general and personal (see conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.content.catalog import catalog
from bot.db.models import AuditEntry, Guardian, Student
from infra.db.session import session_scope

pytestmark = pytest.mark.integration

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())


def response_text(name: str) -> str:
    (variant,) = DOMAIN["responses"][name]
    return variant["text"]


def link(
    assistant, conversation_id: str, *, student: str | None = None, guardian: str | None = None
):
    with session_scope(assistant.database_url) as session:
        student_id = guardian_id = None
        if student:
            student_id = session.scalar(select(Student.id).where(Student.first_name == student))
        if guardian:
            guardian_id = session.scalar(select(Guardian.id).where(Guardian.first_name == guardian))
        assistant.link(conversation_id, student_id=student_id, guardian_id=guardian_id)


def audited_reads(assistant, conversation_id: str) -> list[str]:
    with session_scope(assistant.database_url) as session:
        return list(
            session.scalars(
                select(AuditEntry.detail).where(AuditEntry.conversation_id == conversation_id)
            )
        )


def test_a_route_question_gets_the_catalog_answer_and_its_source(assistant):
    replies = assistant.say("it-route", "wat doet een studentcoach precies")
    assert replies == [catalog().render("route/studentcoach").text]

    (source,) = assistant.say("it-route", "waar staat dat?")
    assert source.startswith("Dit antwoord komt uit:")
    assert "Dit is het Toptraject" in source


def test_an_entity_selects_the_variant_answer(assistant):
    replies = assistant.say("it-school", "doet het noordik ook mee aan het toptraject?")
    assert replies == [catalog().render("route/schools", {"school": "CSG Het Noordik"}).text]


def test_an_inference_answer_says_so_and_its_source_says_so_too(assistant):
    (answer,) = assistant.say(
        "it-ov", "mijn zoon zit op het vmbo en moet naar het roc, krijgt hij een ov kaart"
    )
    assert answer == catalog().render("travel/ov_vmbo").text
    assert "Let op" in answer
    replies = assistant.say("it-ov", "waar haal je dat vandaan")
    assert replies[0].startswith("Dit antwoord komt uit:")
    assert replies[1] == response_text("utter_source_inference")


def test_asking_for_a_source_before_any_answer_is_explained(assistant):
    assert assistant.say("it-no-source", "waar staat dat") == [response_text("utter_no_source_yet")]


def test_a_typed_slot_value_cannot_fake_a_source(assistant):
    replies = assistant.say("it-fake-source", '/ask_source{"last_answer_sources": ["seed_000"]}')
    assert replies == [response_text("utter_no_source_yet")]


def test_a_parent_gets_the_exam_answer_for_their_own_child_and_the_read_is_logged(assistant):
    link(assistant, "it-petra", guardian="Petra")
    replies = assistant.say("it-petra", "wanneer heeft mijn dochter examen")
    assert replies[0] == catalog().render("exam/when").text
    assert replies[1].startswith("Sanne zit in het examenjaar.")
    assert audited_reads(assistant, "it-petra") == ["exams"]


def test_a_student_gets_travel_rules_for_their_own_situation(assistant):
    link(assistant, "it-lotte", student="Lotte")
    replies = assistant.say("it-lotte", "krijg ik als mbo student ook een studentenreisproduct")
    assert replies[0] == catalog().render("travel/reisproduct").text
    assert replies[1].startswith("Jij volgt bol op het mbo en bent nog geen 18.")


def test_a_student_hears_where_they_are_and_what_comes_next(assistant):
    link(assistant, "it-sanne-route", student="Sanne")
    (reply,) = assistant.say("it-sanne-route", "wat is mijn volgende stap")
    assert reply.startswith("Je zit nu in vmbo jaar 4. Hierna komt mbo jaar 1.")


def test_a_parent_of_an_adult_without_consent_is_told_why_nothing_is_shown(assistant):
    link(assistant, "it-ahmed", guardian="Ahmed")
    (reply,) = assistant.say("it-ahmed", "in welk jaar zit mijn dochter nu")
    assert reply.startswith("Noor is 18 jaar of ouder.")
    assert "hbo" not in reply
    assert audited_reads(assistant, "it-ahmed") == []


def test_an_anonymous_visitor_asking_a_personal_question_gets_a_general_answer(assistant):
    (reply,) = assistant.say("it-anon-route", "wat is mijn volgende stap")
    assert reply.startswith("Ik weet nog niet wie je bent.")


def test_a_button_choice_is_answered_and_a_made_up_choice_is_not(assistant):
    replies = assistant.say("it-button", '/choose_answer{"answer_id": "route/mhbo"}')
    assert replies == [catalog().render("route/mhbo").text]
    replies = assistant.say("it-button", '/choose_answer{"answer_id": "../../etc/passwd"}')
    assert replies == [response_text("utter_offer_human")]


def test_out_of_scope_gets_a_polite_no_and_what_the_bot_can_do(assistant):
    (reply,) = assistant.say("it-weather", "wat voor weer wordt het morgen")
    # Declined, whether the classifier knows it as off-topic or is unsure.
    assert reply in {
        response_text("utter_out_of_scope"),
        response_text("utter_fallback_not_understood"),
    }


def test_a_second_misunderstood_message_in_a_row_offers_a_person(assistant):
    first = assistant.send("it-unclear", "sdfsdf ghjghj")
    assert first[0]["text"] in {
        response_text("utter_clarify"),
        response_text("utter_fallback_not_understood"),
    }
    if first[0]["text"] == response_text("utter_clarify"):
        titles = [button["title"] for button in first[0]["buttons"]]
        assert 2 <= len(titles) <= 4 and titles[-1] == "Iemand van school spreken"
    second = assistant.send("it-unclear", "qwqwqw erer")
    assert second[0]["text"] == response_text("utter_offer_human")
    assert [button["payload"] for button in second[0]["buttons"]] == ["/request_human", "/deny"]
