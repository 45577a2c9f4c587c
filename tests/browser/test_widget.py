"""The chat page in a real browser: the rasa-webchat widget over socket.io, logging in
with a koppelcode, a check-in, a handoff answered in the coordinator inbox in a second
browser, a nudge pushed into an open chat, a phone screen, the keyboard and contrast."""

from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.db.models import (
    CheckIn,
    ConversationLink,
    DeviceLogin,
    Guardian,
    Handoff,
    HandoffMessage,
    InterimGoal,
    Nudge,
    Student,
)
from bot.demo.seed import DEMO_COORDINATOR_PASSWORD
from bot.vocabulary import CheckInStatus, LinkMethod
from infra.db.session import session_scope
from infra.jobs import push_nudges
from tests.browser.conftest import ChatPage, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]

WELCOME_TOPICS = [
    "Wat is het Toptraject?",
    "Reizen en OV",
    "Examens",
    "Inchecken op mijn doelen",
    "Met een mens praten",
]


def conversation_id(page: Page) -> str:
    """The widget's conversation id, as rasa-webchat keeps it in sessionStorage."""
    stored = page.evaluate("() => sessionStorage.getItem('chat_session')")
    return json.loads(stored)["session_id"]


def link_of(assistant, conversation: str) -> ConversationLink | None:
    with session_scope(assistant.database_url) as session:
        return session.get(ConversationLink, conversation)


def coordinator_inbox(new_context, assistant, email: str) -> Page:
    """A coordinator logged in to the inbox in a browser of their own."""
    inbox = new_context(viewport={"width": 1280, "height": 900}).new_page()
    inbox.goto(f"{assistant.web_url}/inbox/login")
    inbox.get_by_label("E-mailadres").fill(email)
    inbox.get_by_label("Wachtwoord").fill(DEMO_COORDINATOR_PASSWORD)
    inbox.get_by_role("button", name="Inloggen").click()
    return inbox


def logged_in_student(
    chat_page, assistant, first_name: str, **page_options
) -> tuple[int, ChatPage]:
    """A new student who logs in on the chat page with a fresh koppelcode."""
    student = assistant.new_student(first_name)
    code = assistant.issue_code(student_id=student)
    chat = chat_page(**page_options).open()
    chat.wait_for_bot("Ik ben de chatbot van het Toptraject")
    chat.log_in(code)
    chat.wait_for_bot(f"Hoi {first_name}! Fijn dat je er bent.")
    return student, chat


def test_a_visitor_is_welcomed_and_gets_an_answer_without_logging_in(chat_page, assistant):
    chat = chat_page().open()
    chat.wait_for_bot("Hoi! Ik ben de chatbot van het Toptraject.")
    expect(chat.replies()).to_have_text(WELCOME_TOPICS)
    chat.shot("1-welcome")

    chat.send("Wat doet een studentcoach?")
    chat.wait_for_bot("Een studentcoach is een ouderejaars student van het hbo.")
    chat.shot("2-route-answer")

    conversation = conversation_id(chat.page)
    assert link_of(assistant, conversation) is None  # still anonymous
    assert chat.errors == []
    # The conversation id is never printed where anyone at this computer can read it.
    assert not [line for line in chat.console if conversation in line]


def test_a_student_logs_in_checks_in_and_gets_a_coordinator_s_reply_live(
    chat_page, new_context, assistant
):
    student, chat = logged_in_student(chat_page, assistant, "Jesse")
    expect(chat.page.get_by_text("Je bent ingelogd als")).to_contain_text("Jesse")
    chat.shot("1-logged-in")
    conversation = conversation_id(chat.page)
    link = link_of(assistant, conversation)
    assert (link.student_id, link.linked_via) == (student, LinkMethod.TOKEN)

    # A check-in with the quick replies.
    chat.choose("Inchecken op mijn doelen")
    chat.wait_for_bot("Over welk doel wil je inchecken?")
    number, goal_title = chat.replies().first.inner_text().split(". ", 1)
    assert number == "1"  # numbered, as the question says ("typ het nummer")
    chat.replies().first.click()
    chat.wait_for_bot("Hoe gaat het met dit doel?")
    chat.choose("Gehaald")
    chat.wait_for_bot("Hoe gemotiveerd ben je nu?")
    chat.choose("4")
    chat.wait_for_bot("Wat hielp je om dit te halen?")
    chat.send("Ik heb elke dag een half uur geoefend")
    chat.wait_for_bot("Je check-in is opgeslagen.")
    chat.shot("2-checked-in")
    with session_scope(assistant.database_url) as session:
        (check_in,) = session.scalars(select(CheckIn).where(CheckIn.student_id == student))
        assert session.get(InterimGoal, check_in.goal_id).title == goal_title
        assert (check_in.status, check_in.motivation) == (CheckInStatus.ACHIEVED, 4)
        assert check_in.conversation_id == conversation

    # Asking for a person makes a handoff with a reference.
    chat.send("ik wil graag met iemand van school praten")
    chat.wait_for_bot("Je nummer is")
    with session_scope(assistant.database_url) as session:
        handoff = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation))
        reference, email = handoff.reference, handoff.assigned_coordinator.email
    chat.wait_for_bot(reference)
    chat.shot("3-handoff")

    # The student reloads the page: the widget returns to the same conversation and,
    # having shown its token on connecting, hears the coordinator's reply there.
    chat.page.reload()
    expect(chat.page.get_by_text("Je bent ingelogd als")).to_contain_text("Jesse")
    chat.wait_for_bot(reference)
    assert conversation_id(chat.page) == conversation

    # The coordinator, in a browser of their own, logs in and replies.
    inbox = coordinator_inbox(new_context, assistant, email)
    # The list shows whom each question is about and what they last said.
    row = inbox.locator("tbody tr", has_text=reference)
    expect(row).to_contain_text("Jesse Test (leerling)")
    expect(row.locator(".preview")).to_have_text("ik wil graag met iemand van school praten")
    screenshot(inbox, f"{chat.name}-4-inbox-list")
    row.get_by_role("link").click()
    expect(inbox.get_by_text("ik wil graag met iemand van school praten").first).to_be_visible()
    # The summary reads as the conversation did: no payloads, no "/greet".
    expect(inbox.locator("pre.summary")).to_contain_text(re.compile(r"Gebruiker: 4\s"))
    expect(inbox.locator("pre.summary")).not_to_contain_text("Gebruiker: /")
    inbox.get_by_label("Antwoord (komt in de chat)").fill("Ik bel je morgen om 10 uur.")
    screenshot(inbox, f"{chat.name}-5-coordinator-reply")
    inbox.get_by_role("button", name="Versturen").click()
    expect(inbox.get_by_role("status")).to_contain_text("Je antwoord staat in de chat.")

    # The open widget shows the reply at once: pushed over socket.io, no reload; the
    # reply took the conversation live, and the student is told who they talk with.
    chat.wait_for_bot("Ik bel je morgen om 10 uur.", timeout=60_000)
    chat.wait_for_bot("Je praat nu met")
    chat.shot("6-reply-in-chat")
    assert chat.errors == []

    # The overview draws the student's check-in as a point on a dated chart.
    inbox_errors: list[str] = []
    inbox.on("pageerror", lambda error: inbox_errors.append(str(error)))
    inbox.get_by_role("link", name="Overzicht").click()
    # (Other tests may have made students with the same name: each chart counts.)
    expect(inbox.locator("canvas.motivation[aria-label*='Jesse']").first).to_be_visible()
    points = inbox.wait_for_function(
        "() => { const all = [...document.querySelectorAll('canvas.motivation')]; "
        "const charts = all.map(c => window.Chart && Chart.getChart(c)); "
        "return all.length && charts.every(Boolean) && "
        "charts.map(chart => chart.data.datasets[0].data.length); }"
    ).json_value()
    assert points and all(count >= 1 for count in points) and inbox_errors == []
    screenshot(inbox, f"{chat.name}-7-overview-chart")


def test_a_nudge_made_while_the_chat_is_open_appears_in_it(chat_page, assistant):
    student, chat = logged_in_student(chat_page, assistant, "Ravi")
    with session_scope(assistant.database_url) as session:
        phase = session.get(Student, student).phase_id
        goal = session.scalar(
            select(InterimGoal).where(InterimGoal.phase_id == phase).order_by(InterimGoal.id)
        )
        session.add(Nudge(student_id=student, goal_id=goal.id))
    # From a thread of its own, as in the web app's scheduler: Playwright's sync API
    # already runs an event loop in this one.
    push = push_nudges(assistant.settings, [conversation_id(chat.page)])
    with ThreadPoolExecutor(1) as worker:
        shown = worker.submit(asyncio.run, push).result(timeout=120)
    assert shown == 1
    chat.wait_for_bot("Je doel is bijna aan de beurt", timeout=60_000)
    expect(chat.replies()).to_have_text(["Ja, inchecken", "Later"])
    chat.shot("nudge")
    with session_scope(assistant.database_url) as session:
        (nudge,) = session.scalars(select(Nudge).where(Nudge.student_id == student))
        assert nudge.shown_in_conversation_id == conversation_id(chat.page)


CONTRAST_SCRIPT = """
(selector) => {
  const channel = (value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour && !colour.startsWith("rgba(0, 0, 0, 0)") && colour !== "transparent") {
        return colour;
      }
    }
    return "rgb(255, 255, 255)";
  };
  const element = document.querySelector(selector);
  const [light, dark] = [luminance(getComputedStyle(element).color),
                         luminance(background(element))].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}
"""


def test_the_page_works_on_a_phone_by_keyboard_with_enough_contrast(chat_page):
    chat = chat_page(viewport={"width": 375, "height": 740}).open()
    chat.wait_for_bot("Ik ben de chatbot van het Toptraject")
    page = chat.page
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"
    chat.shot("1-phone")

    # Tab from the top of the page to the first quick reply, and choose it with Enter.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('rw-reply')"):
            break
    else:
        pytest.fail("no quick reply can be reached with Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "button"
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client").last).to_contain_text("Wat is het Toptraject?")
    chat.wait_for_bot("Het Toptraject is een route van het vmbo via het mbo naar het hbo.")

    # The message box has a label, is reachable and sends with Enter.
    expect(page.get_by_label("Typ je vraag")).to_be_visible()
    page.get_by_label("Typ je vraag").focus()
    page.keyboard.type("hoe lang duurt het toptraject")
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client").last).to_contain_text("hoe lang duurt het toptraject")
    chat.wait_for_bot("Het Toptraject begint in jaar 3 van het vmbo.")
    chat.shot("2-keyboard")

    # On a phone the login is folded away under its title, and opens with the keyboard.
    expect(page.get_by_label("Koppelcode")).to_be_hidden()
    page.locator("#login-title").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Koppelcode")).to_be_visible()

    for selector in (
        ".page-header h1",
        ".login summary",
        ".login button",
        ".rw-response .rw-message-text",
        ".rw-client .rw-message-text",
        ".hint",
    ):
        ratio = page.evaluate(CONTRAST_SCRIPT, selector)
        assert ratio >= 4.5, f"{selector}: contrast {ratio:.2f} is below 4.5:1"


def test_a_wrong_code_is_refused_in_dutch_and_a_portal_link_logs_in(chat_page, assistant):
    chat = chat_page(name="wrong").open()
    chat.wait_for_bot("Ik ben de chatbot van het Toptraject")
    chat.log_in("TT-ZZZ-999")
    expect(chat.page.get_by_role("status")).to_contain_text("Die koppelcode ken ik niet.")
    chat.shot("wrong-code")
    assert link_of(assistant, conversation_id(chat.page)) is None

    # From the school portal: the code rides in the fragment and leaves the address.
    student = assistant.new_student("Yara")
    code = assistant.issue_code(student_id=student)
    portal = chat_page(name="portal").open(f"/#koppelcode={code}")
    portal.wait_for_bot("Hoi Yara! Fijn dat je er bent.")
    assert "koppelcode" not in portal.page.url
    assert link_of(assistant, conversation_id(portal.page)).student_id == student
    portal.shot("portal-link")

    # A koppelcode typed in the chat links with the address, not the page's token: the
    # button ends that link too, before the fresh, anonymous conversation starts.
    sister = assistant.new_student("Ziva")
    portal.send(assistant.issue_code(student_id=sister))
    portal.wait_for_bot("Gelukt! Je bent nu ingelogd, Ziva.")
    assert link_of(assistant, conversation_id(portal.page)).student_id == sister
    old_conversation = conversation_id(portal.page)
    # While the web app cannot end the login, the page says so and stays logged in: on a
    # shared computer "uitgelogd" must be true when the page says it.
    portal.page.route(
        "**/chat/logout",
        lambda route: route.fulfill(status=503, content_type="application/json", body="{}"),
    )
    portal.page.get_by_role("button", name="Uitloggen", exact=True).click()
    expect(portal.page.get_by_role("status")).to_have_text(
        "Uitloggen lukt nu even niet. Je bent nog ingelogd. Typ in de chat: uitloggen."
    )
    assert conversation_id(portal.page) == old_conversation
    assert link_of(assistant, old_conversation).student_id == sister
    expect(portal.page.get_by_text("Je bent ingelogd als")).to_contain_text("Yara")
    portal.shot("logout-failed")
    portal.page.unroute("**/chat/logout")
    portal.page.get_by_role("button", name="Uitloggen", exact=True).click()
    expect(portal.page.get_by_role("status")).to_have_text(
        "Je bent uitgelogd. Je kunt gewoon verder met algemene vragen."
    )
    assert link_of(assistant, old_conversation) is None
    portal.wait_for_bot("Hoi! Ik ben de chatbot van het Toptraject.")
    assert conversation_id(portal.page) != old_conversation
    expect(portal.page.locator("#login-title")).to_have_text("Inloggen met je koppelcode")
    assert portal.errors == []


def test_a_code_typed_in_the_chat_shows_the_login_and_uitloggen_clears_the_screen(
    chat_page, assistant
):
    """Session 16's walk: a koppelcode typed in the chat left the page saying "Inloggen
    met je koppelcode", and after a typed "uitloggen" the whole conversation, progress
    included, stayed on the screen of a shared computer."""
    student = assistant.new_student("Nina")
    chat = chat_page(name="typed").open()
    chat.wait_for_bot("Ik ben de chatbot van het Toptraject")
    chat.send(assistant.issue_code(student_id=student))
    chat.wait_for_bot("Gelukt! Je bent nu ingelogd, Nina.")
    expect(chat.page.locator("#login-title")).to_have_text("Ingelogd als Nina")
    expect(chat.page.get_by_role("button", name="Uitloggen", exact=True)).to_be_visible()
    chat.send("hoe sta ik ervoor")
    chat.wait_for_bot(re.compile("doelen gehaald"))
    old_conversation = conversation_id(chat.page)
    chat.shot("typed-code-logged-in")
    chat.send("uitloggen")
    expect(chat.page.get_by_role("status")).to_have_text(
        "Je bent uitgelogd. Je kunt gewoon verder met algemene vragen."
    )
    chat.wait_for_bot("Hoi! Ik ben de chatbot van het Toptraject.")
    assert conversation_id(chat.page) != old_conversation
    expect(chat.bot_messages().filter(has_text="doelen gehaald")).to_have_count(0)
    expect(chat.page.locator("#login-title")).to_have_text("Inloggen met je koppelcode")
    assert link_of(assistant, old_conversation) is None
    chat.shot("typed-uitloggen-cleared")
    assert chat.errors == []


def test_html_typed_in_the_widget_is_shown_as_text(chat_page):
    chat = chat_page().open()
    chat.wait_for_bot("Ik ben de chatbot van het Toptraject")
    dialogs: list[str] = []
    chat.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    chat.send('<img src="x" onerror="alert(1)"> hallo')
    chat.wait_for_bot(re.compile("."))  # any answer
    expect(chat.bot_messages().last).not_to_be_empty()
    assert chat.page.locator(".rw-messages-container img[src='x']").count() == 0
    assert dialogs == [] and chat.errors == []


def test_a_student_at_risk_gets_care_in_the_widget_and_an_answer_to_what_now(chat_page, assistant):
    """Anonymous, on a phone: no login asked first; the reply to the reply is about what
    happens now, not the route; an acute message gets the crisis lines at once."""
    chat = chat_page(viewport={"width": 390, "height": 844}).open()
    chat.wait_for_bot("Ik ben de chatbot van het Toptraject")

    chat.send("ze lachen me elke dag uit in de klas en sturen filmpjes van me rond")
    chat.wait_for_bot("Wat rot dat je gepest wordt.")
    chat.wait_for_bot(re.compile(r"Je nummer is H-"))
    chat.shot("1-bullying-care")
    conversation = conversation_id(chat.page)
    with session_scope(assistant.database_url) as session:
        handoffs = session.scalars(
            select(Handoff).where(Handoff.conversation_id == conversation)
        ).all()
    assert len(handoffs) == 1

    chat.send("wat moet ik nu doen?")
    chat.wait_for_bot("Iemand van school leest dit en neemt contact op")
    chat.shot("2-what-now")

    chat.send("ik heb een touw gekocht en ik weet waar ik het ga doen")
    chat.wait_for_bot(re.compile(r"113 Zelfmoordpreventie: bel 0800-0113"))
    chat.shot("3-acute-crisis-lines")
    # Care came first; logging in is offered only after it, as a choice.
    texts = " ".join(chat.bot_messages().all_inner_texts())
    assert texts.index("Wat rot dat je gepest wordt.") < texts.index("koppelcode")
    assert "Dat hoeft niet." in texts
    assert chat.errors == []


def test_a_parent_of_two_picks_a_child_by_typing_the_name(chat_page, assistant):
    with session_scope(assistant.database_url) as session:
        karin = session.scalar(select(Guardian.id).where(Guardian.first_name == "Karin"))
        lotte = session.scalar(select(Student).where(Student.first_name == "Lotte"))
        lotte_id = lotte.id
    code = assistant.issue_code(guardian_id=karin)
    chat = chat_page().open()
    chat.wait_for_bot("Ik ben de chatbot van het Toptraject")
    chat.log_in(code)
    # Two children, none chosen yet: the greeting asks which one, with a button each.
    chat.wait_for_bot("Over welk kind wil je iets vragen?")
    expect(chat.replies()).to_have_text(["Lotte", "Milan"], ignore_case=False)
    chat.shot("1-which-child")
    # "mijn dochter" could be either child to the bot: it asks rather than guess.
    before = chat.bot_messages().count()
    chat.send("wat is de volgende stap van mijn dochter")
    expect(chat.bot_messages()).to_have_count(before + 1)
    expect(chat.bot_messages().last).to_have_text("Over welk kind wil je iets vragen?")
    # Typing the name chooses; from then on the answers are about that child only.
    chat.send("Lotte")
    chat.wait_for_bot("we praten nu over Lotte")
    chat.send("en wat is haar volgende stap?")
    chat.wait_for_bot("Lotte zit nu in mbo jaar 1")
    expect(chat.bot_messages().last).not_to_contain_text("Milan")
    chat.shot("2-about-lotte")
    # A handoff about her carries her. Her brother is at another school, whose answers
    # are in this conversation too: the region takes it, not one school.
    chat.send("ik wil iemand van school spreken over lotte")
    chat.wait_for_bot("Je nummer is")
    conversation = conversation_id(chat.page)
    with session_scope(assistant.database_url) as session:
        handoff = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation))
        assert (handoff.student_id, handoff.guardian_id) == (lotte_id, karin)
        assert handoff.ladder_level == 2 and handoff.school_id is None
    assert chat.errors == []


def test_a_coordinator_takes_over_the_chat_live_and_hands_it_back(
    chat_page, new_context, assistant
):
    _, chat = logged_in_student(chat_page, assistant, "Noor")
    conversation = conversation_id(chat.page)
    chat.send("ik wil met iemand van school praten")
    chat.wait_for_bot("Je nummer is")
    with session_scope(assistant.database_url) as session:
        handoff = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation))
        reference, email = handoff.reference, handoff.assigned_coordinator.email
        coordinator_name = handoff.assigned_coordinator.name

    # The coordinator gets a mail with the reference and a link, without the text.
    (mail,) = assistant.mailbox.wait_for(lambda m: m["Subject"] == f"Nieuwe vraag {reference}")
    assert mail["To"] == email and "iemand van school" not in mail.get_content()
    link = re.search(r"http://\S+", mail.get_content()).group(0)
    assert link == f"{assistant.web_url}/inbox/handoffs/{reference}"

    # The coordinator takes it: the student hears who they talk with now.
    inbox = coordinator_inbox(new_context, assistant, email)
    inbox_errors: list[str] = []
    inbox.on("pageerror", lambda error: inbox_errors.append(str(error)))
    inbox.goto(f"{assistant.web_url}/inbox/handoffs/{reference}")
    inbox.get_by_role("button", name="Oppakken").click()
    expect(inbox.locator(".live-state")).to_contain_text("Live")
    chat.wait_for_bot(f"Je praat nu met {coordinator_name}", timeout=60_000)
    chat.shot("1-coordinator-took-over")

    # Two messages from the student reach the open inbox page at once (no reload), and
    # the bot stays quiet.
    thread = inbox.locator("ol.thread")
    answers_before = chat.bot_messages().count()
    for said in ("hoi, ben je er?", "ik snap mijn rooster niet"):
        chat.send(said)
        expect(thread.locator("li.person", has_text=said)).to_be_visible(timeout=30_000)
    expect(thread.locator("li.person").first).to_contain_text("Noor")
    assert chat.bot_messages().count() == answers_before
    screenshot(inbox, f"{chat.name}-2-live-thread")
    # The student's answer is mailed to the coordinator too (once, without the text).
    (answered,) = assistant.mailbox.wait_for(
        lambda m: m["Subject"] == f"Nieuw bericht bij vraag {reference}"
    )
    assert "rooster" not in answered.get_content()

    # Two replies from the coordinator appear in the open chat.
    for reply in ("Hoi Noor, ik ben er.", "Ik stuur je zo je nieuwe rooster."):
        inbox.get_by_label("Antwoord (komt in de chat)").fill(reply)
        inbox.get_by_role("button", name="Versturen").click()
        expect(inbox.get_by_role("status").first).to_contain_text("Je antwoord staat in de chat.")
        chat.wait_for_bot(reply, timeout=60_000)
    expect(thread.locator("li.coordinator")).to_have_count(2)
    chat.shot("2-replies")

    # The coordinator hands back: the student is told, and the bot answers again.
    inbox.get_by_role("button", name="Teruggeven aan de bot").click()
    chat.wait_for_bot("teruggegeven aan de chatbot", timeout=60_000)
    chat.send("wat is het 100-dagen programma")
    chat.wait_for_bot("100-dagen")
    chat.shot("3-bot-again")
    with session_scope(assistant.database_url) as session:
        handoff = session.scalar(select(Handoff).where(Handoff.reference == reference))
        assert handoff.live_since is None
        authors = [
            (m.author.value, m.body)
            for m in session.scalars(
                select(HandoffMessage)
                .where(HandoffMessage.handoff_id == handoff.id)
                .order_by(HandoffMessage.id)
            )
        ]
    assert authors == [
        ("notice", "started"),
        ("person", "hoi, ben je er?"),
        ("person", "ik snap mijn rooster niet"),
        ("coordinator", "Hoi Noor, ik ben er."),
        ("coordinator", "Ik stuur je zo je nieuwe rooster."),
        ("notice", "ended"),
    ]
    assert chat.errors == [] and inbox_errors == []


def test_onthoud_mij_survives_a_new_browser_and_uitloggen_ends_it(new_context, assistant, request):
    student = assistant.new_student("Fenna")
    code = assistant.issue_code(student_id=student)
    name = request.node.name.removeprefix("test_")[:50]

    def device(step: str, state=None) -> ChatPage:
        context = new_context(viewport={"width": 1280, "height": 900}, storage_state=state)
        return ChatPage(context.new_page(), assistant.web_url, f"{name}-{step}")

    # On her own phone, Fenna logs in and asks to be remembered.
    first = device("1").open()
    first.wait_for_bot("Ik ben de chatbot van het Toptraject")
    first.page.get_by_label("Onthoud mij op dit apparaat").check()
    first.log_in(code)
    first.wait_for_bot("Hoi Fenna! Fijn dat je er bent.")
    expect(first.page.get_by_text("Dit apparaat onthoudt je")).to_be_visible()
    kept = first.page.context.storage_state()  # cookies survive; sessionStorage does not
    assert any(c["name"] == "toptraject_remember" and c["httpOnly"] for c in kept["cookies"])
    first.page.context.close()

    # Next week, a new browser session: she is still logged in, in a new conversation.
    later = device("2", kept).open()
    expect(later.page.get_by_text("Je bent ingelogd als")).to_contain_text("Fenna")
    later.wait_for_bot("Hoi Fenna! Fijn dat je er bent.")
    conversation = conversation_id(later.page)
    link = link_of(assistant, conversation)
    assert (link.student_id, link.linked_via) == (student, LinkMethod.TOKEN)
    later.shot("remembered")
    stolen = later.page.context.storage_state()  # a copy of the device's cookie

    # A second tab of the same browser is logged in too, in a conversation of its own.
    tab = ChatPage(later.page.context.new_page(), assistant.web_url, f"{name}-tab").open()
    expect(tab.page.get_by_text("Je bent ingelogd als")).to_contain_text("Fenna")
    tab.wait_for_bot("Hoi Fenna! Fijn dat je er bent.")
    tab_conversation = conversation_id(tab.page)
    assert tab_conversation != conversation and link_of(assistant, tab_conversation) is not None

    # She types "uitloggen": the page shows it at once (and clears the conversation
    # from the screen), and after a reload.
    later.send("uitloggen")
    expect(later.page.get_by_role("status")).to_have_text(
        "Je bent uitgelogd. Je kunt gewoon verder met algemene vragen.", timeout=15_000
    )
    expect(later.page.locator("#login-title")).to_have_text(
        "Inloggen met je koppelcode", timeout=15_000
    )
    later.page.reload()
    expect(later.page.locator("#login-title")).to_have_text("Inloggen met je koppelcode")
    later.shot("logged-out")
    # The other tab is logged out with it: its conversation is hers no more. Once she
    # is back in that tab, it starts over by itself, in a new conversation, and says
    # why: replies to the old one do not reach it.
    assert link_of(assistant, tab_conversation) is None
    tab.page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(tab.page.locator("#login-title")).to_have_text(
        "Inloggen met je koppelcode", timeout=15_000
    )
    expect(tab.page.get_by_text("Je bent uitgelogd")).to_be_visible()
    tab.wait_for_bot("Ik ben de chatbot van het Toptraject")
    assert conversation_id(tab.page) != tab_conversation

    # The copy of the cookie opens nothing any more.
    copy = device("3", stolen).open()
    copy.wait_for_bot("Ik ben de chatbot van het Toptraject")
    expect(copy.page.locator("#login-title")).to_have_text("Inloggen met je koppelcode")
    with session_scope(assistant.database_url) as session:
        logins = session.scalars(select(DeviceLogin).where(DeviceLogin.student_id == student))
        assert [login.revoked_at is not None for login in logins] == [True]
    assert first.errors == later.errors == tab.errors == copy.errors == []


def test_an_anonymous_asker_who_comes_back_reads_the_answer_in_a_new_conversation(
    chat_page, new_context, assistant
):
    chat = chat_page(name="1").open()
    chat.wait_for_bot("Ik ben de chatbot van het Toptraject")
    chat.send("ik wil graag iemand spreken, zonder in te loggen")
    chat.wait_for_bot("Je nummer is")
    # The bot does not promise an answer "hier in de chat": it asks how.
    chat.wait_for_bot("Hoe wil je het antwoord krijgen?")
    chat.choose("Ik kom later terug")
    chat.wait_for_bot("je code is")
    said = chat.bot_messages().filter(has_text="je code is").last.inner_text()
    reference, code = re.search(r"(H-\w{6}) en je code is (\w{3}-\w{3})", said).groups()
    chat.shot("code")
    chat.page.context.close()  # the tab is closed

    inbox = coordinator_inbox(new_context, assistant, "e.nijhuis@toptraject-twente.example.org")
    inbox.goto(f"{assistant.web_url}/inbox/handoffs/{reference}")
    inbox.get_by_label("Antwoord (komt in de chat)").fill("Je kunt morgen langskomen bij de balie.")
    inbox.get_by_role("button", name="Versturen").click()

    later = chat_page(name="2-later").open()
    later.wait_for_bot("Ik ben de chatbot van het Toptraject")
    later.send(f"{reference} {code}")
    later.wait_for_bot("Je kunt morgen langskomen bij de balie.")
    later.wait_for_bot(reference)
    later.shot("answer")
    # A wrong code shows nothing.
    later.send(f"{reference} 2AB-CDE")
    later.wait_for_bot("horen niet bij elkaar")
    assert later.errors == []
