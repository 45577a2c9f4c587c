"""Attack drills on a running assistant: code guessing from many new conversations,
a password brute force on the inbox, a flood of handoffs, typed internal intents.
Each prints its counts; the limits are those of bot/identity and bot/escalation.
They run after the other drills, which need this address's tries."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import func, select

from bot.db.models import Handoff
from bot.demo.seed import DEMO_COORDINATOR_PASSWORD
from bot.escalation.handoffs import PER_CLIENT
from bot.identity.codes import ALPHABET
from bot.identity.coordinator_login import PER_ACCOUNT
from bot.identity.linking import PER_ADDRESS
from bot.vocabulary import HandoffPriority
from infra.db.session import session_scope

pytestmark = pytest.mark.uses_up_limits

COORDINATOR = "i.wolters@rocvantwente.example.org"


def test_guessing_codes_from_new_conversations_stops_at_the_address_limit(drill_assistant):
    answers = [
        drill_assistant.say(
            f"drill-guess-{n}", f"mijn code is TT-ZZZ-{ALPHABET[n]}{ALPHABET[-n]}Z"
        )[0]
        for n in range(PER_ADDRESS.tries + 10)
    ]
    wrong = sum("ken ik niet" in answer for answer in answers)
    locked = sum("te vaak een verkeerde code" in answer for answer in answers)
    print(
        f"\nCode guessing: {len(answers)} tries from one address, {wrong} checked, {locked} locked"
    )
    assert wrong <= PER_ADDRESS.tries and locked >= 10


class Inbox:
    def __init__(self, web_url: str):
        self.web_url = web_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def login(self, password: str) -> int:
        with self.opener.open(f"{self.web_url}/inbox/login", timeout=30) as page:
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.read().decode()).group(1)
        form = {"email": COORDINATOR, "password": password, "csrf": csrf}
        try:
            with self.opener.open(
                f"{self.web_url}/inbox/login",
                data=urllib.parse.urlencode(form).encode(),
                timeout=30,
            ) as response:
                return 200 if response.geturl().endswith("/inbox") else response.status
        except urllib.error.HTTPError as error:
            return error.code


def test_an_inbox_password_brute_force_is_stopped_even_for_the_right_password(drill_assistant):
    inbox = Inbox(drill_assistant.web_url)
    statuses = [inbox.login(f"guess-{n}") for n in range(PER_ACCOUNT.tries + 5)]
    right = inbox.login(DEMO_COORDINATOR_PASSWORD)
    print(f"\nInbox brute force: statuses {statuses}, then the right password: {right}")
    assert statuses[: PER_ACCOUNT.tries] == [401] * PER_ACCOUNT.tries
    assert set(statuses[PER_ACCOUNT.tries :]) == {429} and right == 429


def test_a_flood_of_handoffs_from_one_client_is_capped_and_typed_intents_make_none(
    drill_assistant,
):
    replies = [
        drill_assistant.say(f"drill-flood-{n}", "ik wil iemand spreken")
        for n in range(PER_CLIENT.tries + 5)
    ]
    for n in range(5):
        drill_assistant.say(f"drill-typed-{n}", '/request_human{"priority": "urgent"}')
        drill_assistant.say(f"drill-typed-x{n}", "/distress")
    with session_scope(drill_assistant.database_url) as session:
        flood = session.scalar(
            select(func.count())
            .select_from(Handoff)
            .where(Handoff.conversation_id.like("drill-flood-%"))
        )
        urgent = session.scalar(
            select(func.count())
            .select_from(Handoff)
            .where(
                Handoff.conversation_id.like("drill-typed-%"),
                Handoff.priority == HandoffPriority.URGENT,
            )
        )
    refused = sum(any("veel vragen" in r for r in reply) for reply in replies)
    print(
        f"\nHandoff flood: {len(replies)} asked, {flood} handoffs, {refused} refused; "
        f"typed urgent handoffs: {urgent}"
    )
    assert flood <= PER_CLIENT.tries and refused >= 5 and urgent == 0
    assert all(reply for reply in replies)  # nobody gets silence
