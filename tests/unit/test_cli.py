"""`python -m bot issue-code`, run for real against a seeded SQLite database."""

import os
import re
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from bot import clock
from bot.db.models import Student
from bot.identity.linking import RedeemOutcome, redeem_code
from bot.settings import PROJECT_ROOT
from infra.db.session import session_scope
from tests.conftest import TEST_SECRET, person_id


def run_cli(
    database_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=TEST_SECRET, **(env or {}))
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
        daan = person_id(session, Student, "Daan")
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


def test_guardian_access_changes_what_a_guardian_sees_and_is_audited(seeded_database_url):
    from bot.db.models import AuditEntry, Guardian
    from bot.identity.access import Purpose, Refusal, authorise
    from bot.identity.links import link_conversation
    from bot.vocabulary import LinkMethod

    with session_scope(seeded_database_url) as session:
        petra = person_id(session, Guardian, "Petra")
        sanne = person_id(session, Student, "Sanne")
        milan = person_id(session, Student, "Milan")
        link_conversation(session, "c-petra", via=LinkMethod.CODE, guardian_id=petra)

    result = run_cli(
        seeded_database_url,
        *("guardian-access", "--guardian", str(petra), "--student", str(sanne)),
        *("--exams", "off", "--notes", "on"),
    )
    assert result.returncode == 0, result.stderr
    assert "exams=False" in result.stdout and "notes=True" in result.stdout
    with session_scope(seeded_database_url) as session:
        (subject,) = authorise(session, "c-petra", Purpose.EXAMS, today=clock.today()).subjects
        assert subject.refusal is Refusal.NOT_SHARED_BY_SCHOOL
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "guardian_permissions")
        )
        assert entry.subject_id == str(sanne) and "exams=off" in entry.detail

    # Petra is not Milan's guardian: nothing changes.
    refused = run_cli(
        seeded_database_url,
        *("guardian-access", "--guardian", str(petra), "--student", str(milan), "--exams", "on"),
    )
    assert refused.returncode == 1 and "not linked" in refused.stderr


def test_a_grown_up_student_s_consent_is_set_from_the_command_line(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        noor = session.scalar(select(Student).where(Student.first_name == "Noor"))
        assert noor.consents_to_guardian_access is False
    result = run_cli(
        seeded_database_url, "guardian-access", "--student", str(noor.id), "--consent", "on"
    )
    assert result.returncode == 0, result.stderr
    with session_scope(seeded_database_url) as session:
        assert session.get(Student, noor.id).consents_to_guardian_access is True
    wrong = run_cli(seeded_database_url, "guardian-access", "--student", "1", "--consent", "maybe")
    assert wrong.returncode == 2 and "on' or 'off" in wrong.stderr


def test_nudge_and_load_goals_run_from_the_command_line(seeded_database_url):
    from bot.db.models import InterimGoal, Nudge

    loaded = run_cli(seeded_database_url, "load-goals")
    assert loaded.returncode == 0, loaded.stderr
    assert "0 added, 0 changed, 0 no longer in the file" in loaded.stdout
    with session_scope(seeded_database_url) as session:
        for student in session.scalars(select(Student)):
            # Goals of every phase fall due at some point; start the phase so some are near.
            student.phase_started_on = clock.today() - timedelta(weeks=20)
        assert session.scalar(select(InterimGoal).where(InterimGoal.code.is_not(None)))
    env_quiet = {"NUDGE_QUIET_HOURS": "00:00-00:00", "NUDGE_DAYS_AHEAD": "60"}
    nudged = run_cli(seeded_database_url, "nudge", env=env_quiet)
    assert nudged.returncode == 0, nudged.stderr
    with session_scope(seeded_database_url) as session:
        count = len(session.scalars(select(Nudge)).all())
    assert count > 0 and f"{count} students nudged" in nudged.stdout
    wrong = run_cli(seeded_database_url, "nudge", env={"NUDGE_QUIET_HOURS": "laat"})
    assert wrong.returncode == 2 and "NUDGE_QUIET_HOURS" in wrong.stderr


def test_revoke_devices_ends_every_device_login_of_the_person(seeded_database_url):
    from bot.identity import devices
    from bot.identity.tokens import ChatClaims
    from bot.vocabulary import PersonRole

    with session_scope(seeded_database_url) as session:
        daan = person_id(session, Student, "Daan")
        claims = ChatClaims(PersonRole.STUDENT, daan)
        cookie = devices.remember(session, claims, token_proof=None, now=clock.now())
    result = run_cli(seeded_database_url, "revoke-devices", "--student", str(daan))
    assert result.returncode == 0, result.stderr
    assert "1 device logins of student" in result.stdout
    with session_scope(seeded_database_url) as session:
        assert devices.resume(session, cookie, now=clock.now()) is None
