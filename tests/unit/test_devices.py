"""'Onthoud mij op dit apparaat': a device login is stored hashed, changes its secret at
every use, ends when a replaced secret is used again, at "uitloggen", for all devices,
and at the end of the school year."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import ConversationLink, DeviceLogin, Student
from bot.identity import devices
from bot.identity.linking import link_with_token, unlink
from bot.identity.proof import token_proof
from bot.identity.tokens import ChatClaims, issue_token
from bot.vocabulary import PersonRole
from infra.db.session import session_scope
from tests.conftest import TEST_SECRET, person_id

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)


def test_a_device_login_ends_on_the_first_of_august_after_the_school_year():
    end = devices.school_year_end(NOW)
    assert end.astimezone(SCHOOL_TIMEZONE).timetuple()[:4] == (2027, 8, 1, 0)
    summer = datetime(2027, 8, 15, 12, 0, tzinfo=timezone.utc)
    assert devices.school_year_end(summer).year == 2028


def _sanne(db) -> ChatClaims:
    return ChatClaims(PersonRole.STUDENT, person_id(db, Student, "Sanne"))


def test_the_secret_is_stored_hashed_and_changes_at_every_use(db):
    cookie = devices.remember(db, _sanne(db), token_proof=None, now=NOW)
    secret = cookie.split(".", 1)[1]
    stored = db.scalar(select(DeviceLogin))
    assert secret not in (stored.secret_hash, stored.previous_hash)
    first = devices.resume(db, cookie, now=NOW + timedelta(days=3))
    assert first.claims == _sanne(db) and first.first_name == "Sanne"
    assert first.cookie and first.cookie != cookie
    # The old cookie still works for a minute (two tabs at once), without a new secret.
    again = devices.resume(db, cookie, now=NOW + timedelta(days=3, seconds=30))
    assert again is not None and again.cookie is None
    # The new one goes on working, and gives the next.
    second = devices.resume(db, first.cookie, now=NOW + timedelta(days=4))
    assert second.cookie not in (cookie, first.cookie)


def test_a_copied_cookie_used_after_it_was_replaced_ends_the_device_login(db):
    cookie = devices.remember(db, _sanne(db), token_proof=None, now=NOW)
    fresh = devices.resume(db, cookie, now=NOW + timedelta(days=1)).cookie
    # Someone uses the old copy later: refused, and the owner's new cookie stops too.
    assert devices.resume(db, cookie, now=NOW + timedelta(days=2)) is None
    assert devices.resume(db, fresh, now=NOW + timedelta(days=2)) is None


def test_forged_expired_and_revoked_cookies_are_refused(db):
    cookie = devices.remember(db, _sanne(db), token_proof=None, now=NOW)
    device_id = cookie.split(".")[0]
    for forged in (None, "", "x", f"{device_id}.", f"{device_id}.wrong", "99999.abc", "1" * 300):
        assert devices.resume(db, forged, now=NOW) is None
    assert devices.resume(db, cookie, now=devices.school_year_end(NOW)) is None
    assert devices.forget(db, cookie, now=NOW) is True
    assert devices.resume(db, cookie, now=NOW) is None
    assert devices.forget(db, cookie, now=NOW) is False


def test_all_devices_of_a_person_end_together(db):
    sanne = _sanne(db)
    cookies = [devices.remember(db, sanne, token_proof=None, now=NOW) for _ in range(3)]
    daan = ChatClaims(PersonRole.STUDENT, person_id(db, Student, "Daan"))
    other = devices.remember(db, daan, token_proof=None, now=NOW)
    assert devices.forget_all(db, sanne, now=NOW, actor="coordinator") == 3
    assert all(devices.resume(db, cookie, now=NOW) is None for cookie in cookies)
    assert devices.resume(db, other, now=NOW) is not None


def test_a_typed_uitloggen_ends_the_token_and_the_device_it_came_from(db):
    sanne = _sanne(db)
    token = issue_token(sanne, secret_key=TEST_SECRET, now=NOW)
    proof = token_proof(token, secret_key=TEST_SECRET)
    cookie = devices.remember(db, sanne, token_proof=proof, now=NOW)
    assert link_with_token(db, "c-device", token, secret_key=TEST_SECRET, now=NOW)
    assert unlink(db, "c-device", now=NOW)
    assert devices.token_ended(db, proof)
    assert devices.resume(db, cookie, now=NOW) is None
    # The ended token links no conversation again, not even a new one.
    assert link_with_token(db, "c-device-2", token, secret_key=TEST_SECRET, now=NOW) is None
    assert db.get(ConversationLink, "c-device-2") is None


def test_the_end_of_a_device_login_logs_out_every_tab_it_opened(db):
    # Two tabs of one remembered device, each with a token and a conversation of its
    # own; "Uitloggen" in one tab (its token ends) ends the other tab's login too.
    sanne = _sanne(db)
    cookie = devices.remember(db, sanne, token_proof=None, now=NOW)
    tabs = []
    for n, later in enumerate((timedelta(minutes=1), timedelta(minutes=2))):
        resumed = devices.resume(db, cookie, now=NOW + later)
        cookie = resumed.cookie or cookie
        token = issue_token(sanne, secret_key=TEST_SECRET, now=NOW + later)
        proof = token_proof(token, secret_key=TEST_SECRET)
        devices.bind_token(db, resumed.device_id, proof, now=NOW + later)
        assert link_with_token(db, f"c-tab-{n}", token, secret_key=TEST_SECRET, now=NOW + later)
        tabs.append(proof)
    devices.end_token(db, tabs[1], now=NOW + timedelta(minutes=3), actor="web")
    assert all(devices.token_ended(db, proof) for proof in tabs)
    assert (
        db.get(ConversationLink, "c-tab-0") is None and db.get(ConversationLink, "c-tab-1") is None
    )
    assert devices.resume(db, cookie, now=NOW + timedelta(minutes=4)) is None


def _logout_in_another_tab(database_url: str, cookie: str) -> None:
    """The page's "Uitloggen" in another tab, committed at once (its own session)."""
    with session_scope(database_url) as other:
        assert devices.forget(other, cookie, now=NOW + timedelta(minutes=1))


def test_a_tab_resuming_while_another_tab_logs_out_is_not_logged_in(seeded_database_url):
    # The tab has read the device login (live) when the other tab's logout commits:
    # its rotation must not give it a new secret, and no token may be bound.
    with session_scope(seeded_database_url) as db:
        cookie = devices.remember(db, _sanne(db), token_proof=None, now=NOW)
    with session_scope(seeded_database_url) as tab:
        device = tab.get(DeviceLogin, int(cookie.split(".")[0]))  # read (and held): live
        _logout_in_another_tab(seeded_database_url, cookie)
        assert device.revoked_at is None  # as the tab read it
        assert devices.resume(tab, cookie, now=NOW + timedelta(minutes=2)) is None


def test_a_token_bound_while_the_device_logs_out_is_ended_at_once(seeded_database_url):
    # The logout ended the tokens it found; the tab's new token, bound just after the
    # tab resumed, would stay behind and open the person's data.
    later = NOW + timedelta(minutes=2)
    with session_scope(seeded_database_url) as db:
        sanne = _sanne(db)
        cookie = devices.remember(db, sanne, token_proof=None, now=NOW)
    with session_scope(seeded_database_url) as tab:
        resumed = devices.resume(tab, cookie, now=NOW + timedelta(seconds=30))
        assert resumed is not None
        tab.commit()
        _logout_in_another_tab(seeded_database_url, resumed.cookie)
        token = issue_token(sanne, secret_key=TEST_SECRET, now=later)
        proof = token_proof(token, secret_key=TEST_SECRET)
        assert devices.bind_token(tab, resumed.device_id, proof, now=later) is False
        assert devices.token_ended(tab, proof)
        assert not link_with_token(tab, "c-late-tab", token, secret_key=TEST_SECRET, now=later)


def test_forgetting_a_device_or_every_device_ends_the_tokens_they_gave(db):
    sanne = _sanne(db)
    proofs = []
    cookies = []
    for n in range(2):
        token = issue_token(sanne, secret_key=TEST_SECRET, now=NOW)
        proofs.append(token_proof(token, secret_key=TEST_SECRET))
        cookies.append(devices.remember(db, sanne, token_proof=proofs[-1], now=NOW))
        assert link_with_token(db, f"c-device-{n}", token, secret_key=TEST_SECRET, now=NOW)
    assert devices.forget(db, cookies[0], now=NOW)  # the page's button on device 0
    assert devices.token_ended(db, proofs[0]) and not devices.token_ended(db, proofs[1])
    assert db.get(ConversationLink, "c-device-0") is None
    assert db.get(ConversationLink, "c-device-1") is not None
    devices.forget_all(db, sanne, now=NOW, actor="web")
    assert devices.token_ended(db, proofs[1]) and db.get(ConversationLink, "c-device-1") is None


def test_a_typed_uitloggen_on_a_koppelcode_link_leaves_that_address_its_next_links(db):
    # A koppelcode's link holds the address it was typed from (shared by everyone
    # behind it): its "uitloggen" must not make later code links from there hold
    # nothing (bot/identity/access.py::current_link).
    from bot.identity.access import current_link, lock_of
    from bot.identity.links import link_conversation
    from bot.vocabulary import LinkMethod

    sanne = _sanne(db)
    daan = ChatClaims(PersonRole.STUDENT, person_id(db, Student, "Daan"))
    link_conversation(db, "c-code", via=LinkMethod.CODE, student_id=sanne.person_id, proof="addr")
    assert unlink(db, "c-code", now=NOW)
    link_conversation(db, "c-next", via=LinkMethod.CODE, student_id=daan.person_id, proof="addr")
    today = NOW.date()
    assert lock_of(db, "c-next", today=today) is not None
    assert current_link(db, "c-next", today=today).student_id == daan.person_id
    # A code link the chat page's token proved later is the token's: its logout ends it.
    token = issue_token(sanne, secret_key=TEST_SECRET, now=NOW)
    link_conversation(db, "c-both", via=LinkMethod.CODE, student_id=sanne.person_id, proof="addr")
    assert link_with_token(db, "c-both", token, secret_key=TEST_SECRET, now=NOW)
    assert unlink(db, "c-both", now=NOW)
    assert devices.token_ended(db, token_proof(token, secret_key=TEST_SECRET))


def test_a_typed_uitloggen_on_a_remembered_device_ends_the_link_once(db):
    from bot.db.models import AuditEntry

    sanne = _sanne(db)
    token = issue_token(sanne, secret_key=TEST_SECRET, now=NOW)
    proof = token_proof(token, secret_key=TEST_SECRET)
    devices.remember(db, sanne, token_proof=proof, now=NOW)
    assert link_with_token(db, "c-once", token, secret_key=TEST_SECRET, now=NOW)
    assert unlink(db, "c-once", now=NOW)
    unlinks = db.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "unlink", AuditEntry.conversation_id == "c-once"
        )
    ).all()
    assert len(unlinks) == 1
