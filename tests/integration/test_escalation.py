"""Handoffs end to end: the chat over REST, the database, the webhook, the inbox and
the reply back into the conversation, all real processes on loopback ports."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import select

from bot.db.models import Handoff, HandoffMessage, Student
from bot.demo.seed import DEMO_COORDINATOR_PASSWORD
from infra.db.session import session_scope
from tests.assistant import TOKEN

pytestmark = pytest.mark.integration


def handoff_of(assistant, conversation_id: str) -> Handoff | None:
    with session_scope(assistant.database_url) as session:
        return session.scalar(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id)
            .order_by(Handoff.id.desc())
        )


class InboxBrowser:
    """Talks to the real web app with cookies, like a coordinator's browser."""

    def __init__(self, web_url: str):
        self.web_url = web_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.csrf = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.web_url + path, timeout=60) as response:
            body = response.read().decode()
        found = re.search(r'name="csrf" value="([^"]+)"', body)
        self.csrf = found.group(1) if found else self.csrf
        return body

    def post(self, path: str, fields: dict[str, str]) -> str:
        data = urllib.parse.urlencode({**fields, "csrf": self.csrf}).encode()
        with self.opener.open(self.web_url + path, data=data, timeout=120) as response:
            return response.geturl()


def test_asking_for_a_person_reaches_the_coordinator_and_the_reply_reaches_the_chat(assistant):
    with session_scope(assistant.database_url) as session:
        lotte = session.scalar(select(Student.id).where(Student.first_name == "Lotte"))
        assistant.link("it-handoff", student_id=lotte)
    assistant.say("it-handoff", "hoi")
    (reply,) = assistant.say("it-handoff", "ik wil graag met een mens praten")
    handoff = handoff_of(assistant, "it-handoff")
    assert reply.startswith("Ik heb je vraag doorgegeven aan Ingrid Wolters van ROC van Twente.")
    assert f"Je nummer is {handoff.reference}." in reply
    assert handoff.reason == "asked_for_person" and handoff.student_id == lotte
    assert "Gebruiker: ik wil graag met een mens praten" in handoff.summary

    # The webhook gets the notification from the outbox worker, without the conversation.
    (post,) = assistant.webhook.wait_for(
        lambda p: p["body"]["payload"].get("reference") == handoff.reference
    )
    assert post["key"] == f"handoff:{handoff.reference}:handoff.created:1"
    assert post["body"]["payload"]["coordinator"]["name"] == "Ingrid Wolters"
    assert "summary" not in post["body"]["payload"]

    # While it is open, the bot still answers and says it is waiting.
    answer = assistant.say("it-handoff", "wat is het toptraject")
    assert "Toptraject" in answer[0]
    greeting = assistant.say("it-handoff", "hallo")
    assert any(f"Je vraag {handoff.reference} staat nog open." in text for text in greeting)
    (again,) = assistant.say("it-handoff", "ik wil een medewerker spreken")
    assert again.startswith(f"Je vraag {handoff.reference} staat al open.")

    # The coordinator logs in to the inbox, sees the handoff and replies.
    browser = InboxBrowser(assistant.web_url)
    browser.get("/inbox/login")
    browser.post(
        "/inbox/login",
        {"email": "i.wolters@rocvantwente.example.org", "password": DEMO_COORDINATOR_PASSWORD},
    )
    assert handoff.reference in browser.get("/inbox")
    detail = browser.get(f"/inbox/handoffs/{handoff.reference}")
    assert "ik wil graag met een mens praten" in detail
    landed = browser.post(
        f"/inbox/handoffs/{handoff.reference}/reply", {"body": "Ik bel je morgen om 10 uur."}
    )
    assert landed.endswith("done=replied")

    # The reply is in the conversation: the bot said it, read from the database.
    request = urllib.request.Request(
        f"{assistant.rasa_url}/conversations/it-handoff/tracker?token={TOKEN}"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        events = json.load(response)["events"]
    said = [e.get("text") or "" for e in events if e.get("event") == "bot"]
    assert any("Ik bel je morgen om 10 uur." in text for text in said)
    # The reply took the conversation live: the student hears who they talk with.
    assert any("Je praat nu met Ingrid Wolters van ROC van Twente." in text for text in said)
    with session_scope(assistant.database_url) as session:
        messages = session.scalars(
            select(HandoffMessage).where(HandoffMessage.handoff_id == handoff.id)
        ).all()
        assert [m.author.value for m in messages] == ["notice", "coordinator"]
        assert all(m.delivered_at is not None for m in messages)

    # Live: the student's answer goes to the coordinator, and the bot says nothing.
    assert assistant.say("it-handoff", "ja is goed, dankje ingrid") == []
    (answered,) = assistant.webhook.wait_for(
        lambda p: (
            p["body"]["payload"].get("event") == "handoff.answered"
            and p["body"]["payload"]["reference"] == handoff.reference
        )
    )
    assert "dankje" not in json.dumps(answered)
    # The open handoff page hears it over its event stream.
    stream = browser.opener.open(
        f"{assistant.web_url}/inbox/handoffs/{handoff.reference}/thread", timeout=60
    )
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    seen = b""
    while b"ja is goed, dankje ingrid" not in seen:
        seen += stream.readline()
    stream.close()
    # The safety net stays: a risk signal is answered by the bot (the model reads it)
    # with the crisis lines, the handoff becomes a risk handoff, the thread marks it.
    crisis = " ".join(assistant.say("it-handoff", "ik zie het echt niet meer zitten allemaal"))
    assert "113" in crisis
    with session_scope(assistant.database_url) as session:
        flagged = session.scalars(
            select(HandoffMessage).where(
                HandoffMessage.handoff_id == handoff.id, HandoffMessage.flagged.is_(True)
            )
        ).all()
        assert [m.body for m in flagged] == ["ik zie het echt niet meer zitten allemaal"]
        assert session.get(Handoff, handoff.id).reason == "risk"
        # One handoff: the coordinator who talks with the student hears of it there.
        assert handoff_of(assistant, "it-handoff").id == handoff.id

    # Handed back: the student is told, and the bot answers again.
    browser.get(f"/inbox/handoffs/{handoff.reference}")
    assert browser.post(f"/inbox/handoffs/{handoff.reference}/return", {}).endswith("done=returned")
    answer = assistant.say("it-handoff", "wat is het toptraject")
    assert "Toptraject" in answer[0]


def test_another_school_s_coordinator_gets_a_404(assistant):
    assistant.say("it-anon-handoff", "kan ik iemand van school spreken")
    handoff = handoff_of(assistant, "it-anon-handoff")
    assert handoff is not None and handoff.ladder_level == 2
    browser = InboxBrowser(assistant.web_url)
    browser.get("/inbox/login")
    browser.post(
        "/inbox/login",
        {"email": "m.hofman@noordik.example.org", "password": DEMO_COORDINATOR_PASSWORD},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        browser.get(f"/inbox/handoffs/{handoff.reference}")
    assert refused.value.code == 404


def test_a_complaint_is_heard_and_passed_on_after_a_typed_yes(assistant):
    replies = assistant.send("it-complaint", "ik wil een klacht indienen over de begeleiding")
    assert replies[0]["text"].startswith("Wat vervelend dat je niet tevreden bent.")
    assert replies[1]["buttons"][0]["payload"] == "/request_human"
    assert handoff_of(assistant, "it-complaint") is None
    passed_on, asked = assistant.say("it-complaint", "ja graag")
    handoff = handoff_of(assistant, "it-complaint")
    assert (handoff.reason, handoff.category) == ("complaint", "complaint")
    assert handoff.reference in passed_on
    # Nobody is logged in: how can the answer reach them?
    assert asked == "Je bent niet ingelogd. Hoe wil je het antwoord krijgen?"


def test_a_complaint_that_is_not_passed_on_stays_with_the_bot(assistant):
    assistant.say("it-complaint-no", "die bus is elke dag te laat, echt slecht geregeld")
    assistant.say("it-complaint-no", "nee hoeft niet")
    assert handoff_of(assistant, "it-complaint-no") is None


def test_an_anonymous_asker_with_an_e_mail_address_gets_a_mail_and_reads_the_answer(assistant):
    assistant.say("it-anon-mail", "hoi")
    asked = assistant.say("it-anon-mail", "ik wil met een medewerker praten")
    assert any("Hoe wil je het antwoord krijgen?" in text for text in asked)
    handoff = handoff_of(assistant, "it-anon-mail")
    assert not any("hier in de chat" in text for text in asked)
    (question,) = assistant.say("it-anon-mail", '/choose_answer{"answer_id": "follow_up/by_email"}')
    assert "Wat is je e-mailadres?" in question
    (saved,) = assistant.say("it-anon-mail", "anoniem.test@example.org")
    assert handoff.reference in saved
    # The data summary shows the address; the coordinator replies.
    summary = " ".join(assistant.say("it-anon-mail", "welke gegevens hebben jullie van mij"))
    assert "anoniem.test@example.org" in summary
    browser = InboxBrowser(assistant.web_url)
    browser.get("/inbox/login")
    browser.post(
        "/inbox/login",
        {
            "email": "e.nijhuis@toptraject-twente.example.org",
            "password": DEMO_COORDINATOR_PASSWORD,
        },
    )
    browser.get(f"/inbox/handoffs/{handoff.reference}")
    browser.post(f"/inbox/handoffs/{handoff.reference}/reply", {"body": "Kom dinsdag langs."})
    (mail,) = assistant.mailbox.wait_for(lambda m: m["To"] == "anoniem.test@example.org")
    body = mail.get_content()
    assert handoff.reference in mail["Subject"] and "dinsdag" not in body
    code = re.search(rf"{handoff.reference} (\w{{3}}-\w{{3}})", body).group(1)
    # In a new conversation, the reference and the code from the mail show the answer.
    shown = " ".join(assistant.say("it-anon-mail-later", f"{handoff.reference} {code}"))
    assert "Kom dinsdag langs." in shown
    # Erased on request.
    erased = " ".join(assistant.say("it-anon-mail", "verwijder mijn gegevens"))
    assert "e-mailadres gewist" in erased
