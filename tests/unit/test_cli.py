"""`python -m bot issue-code`, run for real against a seeded SQLite database."""

import os
import re
import subprocess
import sys

from sqlalchemy import select

from bot import clock
from bot.db.models import Student
from bot.db.session import session_scope
from bot.identity.linking import RedeemOutcome, redeem_code
from bot.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=TEST_SECRET)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_issue_code_prints_a_code_once_that_links_a_conversation(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        daan = session.scalar(select(Student.id).where(Student.first_name == "Daan"))
    result = run_cli(seeded_database_url, "issue-code", "--student", str(daan))
    assert result.returncode == 0, result.stderr
    code = re.search(r"Koppelcode: (TT-\w{3}-\w{3})", result.stdout).group(1)
    with session_scope(seeded_database_url) as session:
        redeemed = redeem_code(session, "cli-test", code, secret_key=TEST_SECRET, now=clock.now())
    assert redeemed.outcome is RedeemOutcome.LINKED and redeemed.first_name == "Daan"


def test_issue_code_for_an_unknown_person_fails_clearly(seeded_database_url):
    result = run_cli(seeded_database_url, "issue-code", "--guardian", "9999")
    assert result.returncode == 1
    assert "no guardian with id 9999" in result.stderr


def test_issue_code_needs_exactly_one_person(seeded_database_url):
    result = run_cli(seeded_database_url, "issue-code")
    assert result.returncode == 2 and "one of the arguments" in result.stderr
