"""The coordinator inbox: login, the list of handoffs, one handoff, and an overview.

Every page needs a signed session cookie; every form carries the CSRF token of that
session; a handoff outside the coordinator's school or region is a 404. All text
from users goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot import clock
from bot.clock import SCHOOL_TIMEZONE
from bot.content.catalog import catalog, text
from bot.db.models import Coordinator, Handoff
from bot.escalation import handover, inbox
from bot.escalation.presence import person_still_there
from bot.escalation.texts import age_label, format_deadline
from bot.identity.coordinator_login import LoginResult, check_login, end_sessions
from bot.identity.throttle import client_address
from bot.settings import Settings
from bot.vocabulary import HandoffPriority, HandoffStatus
from infra.db.session import session_scope
from infra.rasa_api import trigger_reply
from infra.transcripts import read_transcript
from web.auth import (
    ANONYMOUS,
    COOKIE_NAME,
    InboxSession,
    csrf_ok,
    decode_session,
    encode_session,
    new_session,
)
from web.charts import chart_points, chart_text
from web.cookies import secure_cookies
from web.keys import SETTINGS_KEY
from web.templating import TEMPLATES
from web.urls import url_for, urls

# A page's title and the rest of its template context.
PageContent = tuple[str, dict[str, object]]

# The inbox's filters, in the order of the tabs (their names: messages.yml, inbox).
FILTER_KEYS = ("open", "mine", "urgent", "overdue", "all")


def _label(group: str, key: str) -> str:
    """A Dutch label from messages.yml (inbox); an unknown key shows as "other"."""
    labels = catalog().messages["inbox"][group]
    return str(labels.get(key, catalog().messages["inbox"]["other"])).strip()


@dataclass(frozen=True)
class HandoffRow:
    reference: str
    reason_label: str
    category_label: str  # in Dutch; empty when it says what the reason already says
    priority: HandoffPriority
    priority_label: str
    status_label: str
    deadline: str
    overdue: bool
    level_label: str
    is_open: bool
    claimable: bool  # open and nobody took it yet
    summary: str
    about: str
    preview: str
    age: str


def _category_label(category: str, reason_label: str) -> str:
    """The kind of question or risk in Dutch (messages.yml), never the internal code."""
    labels = catalog().messages["risk_kind_labels"]
    label = labels.get(category, labels["general"]).strip()
    return "" if label == reason_label else label


def _row(handoff: Handoff, now: datetime, about: str = "", preview: str = "") -> HandoffRow:
    return HandoffRow(
        reference=handoff.reference,
        reason_label=_label("reasons", handoff.reason),
        category_label=_category_label(handoff.category, _label("reasons", handoff.reason)),
        priority=handoff.priority,
        priority_label=_label("priorities", handoff.priority.value),
        status_label=_label("statuses", handoff.status.value),
        deadline=format_deadline(handoff.deadline_at, now),
        overdue=handoff.status is HandoffStatus.OPEN and handoff.deadline_at < now,
        level_label=_label("levels", "school" if handoff.ladder_level == 1 else "region"),
        is_open=handoff.status in (HandoffStatus.OPEN, HandoffStatus.CLAIMED),
        claimable=handoff.status is HandoffStatus.OPEN,
        summary=handoff.summary,
        about=about,
        preview=preview,
        age=age_label(handoff.created_at, now),
    )


def _settings(request: web.Request) -> Settings:
    return request.app[SETTINGS_KEY]


def read_session(request: web.Request) -> InboxSession | None:
    return decode_session(
        request.cookies.get(COOKIE_NAME), _settings(request).secret_key, now=clock.now()
    )


def render(
    request: web.Request,
    template: str,
    session: InboxSession,
    *,
    status: int = 200,
    coordinator: Coordinator | None = None,
    **context: object,
) -> web.Response:
    done = request.query.get("done", "")
    notices = catalog().messages["inbox"]["notices"]
    notice = str(notices[done]).strip() if done in notices else None
    html = TEMPLATES.get_template(template).render(
        csrf=session.csrf_token,
        coordinator=coordinator,
        notice=notice,
        url=urls(request),
        **context,
    )
    response = web.Response(text=html, content_type="text/html", charset="utf-8", status=status)
    response.headers["Cache-Control"] = "no-store"
    _keep_session(request, response, session)
    return response


def _keep_session(
    request: web.Request, response: web.StreamResponse, session: InboxSession
) -> None:
    response.set_cookie(
        COOKIE_NAME,
        encode_session(session, _settings(request).secret_key),
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request),
        path="/",
    )


def signed_in_coordinator(session: InboxSession | None, database_session) -> Coordinator | None:  # noqa: ANN001
    """The coordinator of a session that still holds: active, and not ended by a logout."""
    if session is None or session.coordinator_id == ANONYMOUS:
        return None
    coordinator = database_session.get(Coordinator, session.coordinator_id)
    if coordinator is None or not coordinator.active or session.epoch != coordinator.session_epoch:
        return None
    return coordinator


def signed_in(request: web.Request, database_session) -> tuple[InboxSession, Coordinator]:  # noqa: ANN001
    session = read_session(request)
    coordinator = signed_in_coordinator(session, database_session)
    if coordinator is None:
        raise web.HTTPFound(url_for(request, "inbox_login"))
    return session, coordinator


async def checked_form(request: web.Request, session: InboxSession) -> dict[str, str]:
    form = await request.post()
    if not csrf_ok(session, form.get("csrf")):
        raise web.HTTPForbidden(text=text("inbox", "form_expired"))
    return {key: str(value) for key, value in form.items()}


# The largest id a database integer holds: a longer one in a URL is no row of ours.
MAX_ID = 2**31 - 1


def id_in_path(request: web.Request, name: str) -> int:
    """A numeric id from the URL (its route allows digits only), or 404."""
    value = int(request.match_info[name])
    if value > MAX_ID:
        raise web.HTTPNotFound()
    return value


async def checked_post(request: web.Request) -> MultiDictProxy:
    """A form posted by a signed-in coordinator's page with its CSRF token (fields given
    more than once kept); to the login page without a session, 403 without the token."""
    session = read_session(request)
    if session is None:
        raise web.HTTPFound(url_for(request, "inbox_login"))
    posted = await request.post()
    if not csrf_ok(session, posted.get("csrf")):
        raise web.HTTPForbidden(text=text("inbox", "form_expired"))
    return posted


async def login_page(request: web.Request) -> web.Response:
    session = read_session(request)
    if session and session.coordinator_id != ANONYMOUS:

        def still_signed_in() -> bool:
            with session_scope(_settings(request).database_url) as database:
                return signed_in_coordinator(session, database) is not None

        if await asyncio.to_thread(still_signed_in):
            raise web.HTTPFound(url_for(request, "inbox"))
        session = None  # ended by a logout, or the coordinator left: a fresh login
    session = session or new_session(ANONYMOUS, now=clock.now())
    return render(
        request, "login.html", session, title=text("inbox", "titles", "login"), email="", error=None
    )


async def login(request: web.Request) -> web.Response:
    session = read_session(request)
    form = await checked_form(request, session)
    email = form.get("email", "").strip().lower()[:200]
    settings = _settings(request)
    address = client_address(
        request.remote, request.headers.get("X-Forwarded-For"), settings.trusted_proxies
    )

    def check() -> LoginResult:
        with session_scope(settings.database_url) as database:
            return check_login(
                database,
                email,
                form.get("password", "")[:200],
                client_address=address,
                secret_key=settings.secret_key,
                now=clock.now(),
            )

    result = await asyncio.to_thread(check)
    if result.coordinator_id is None:
        error = text("inbox", "wrong_password" if result.blocked_until is None else "locked")
        return render(
            request,
            "login.html",
            session,
            status=401 if result.blocked_until is None else 429,
            title=text("inbox", "titles", "login"),
            email=email,
            error=error,
        )
    response = web.HTTPFound(url_for(request, "inbox"))
    _keep_session(
        request,
        response,
        new_session(result.coordinator_id, now=clock.now(), epoch=result.session_epoch),
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    session = read_session(request)
    await checked_form(request, session)
    if session.coordinator_id != ANONYMOUS:

        def end() -> None:
            with session_scope(_settings(request).database_url) as database:
                end_sessions(database, session.coordinator_id)

        await asyncio.to_thread(end)
    response = web.HTTPFound(url_for(request, "inbox_login"))
    response.del_cookie(COOKIE_NAME, path="/")
    raise response


async def coordinator_page(
    request: web.Request, template: str, build: Callable[[Any, Coordinator], PageContent]
) -> web.Response:
    """A page for the signed-in coordinator, read in a thread with one database session:
    build(database, coordinator) gives its title and the rest of its template context."""

    def page() -> web.Response:
        with session_scope(_settings(request).database_url) as database:
            session, coordinator = signed_in(request, database)
            title, context = build(database, coordinator)
            return render(
                request, template, session, coordinator=coordinator, title=title, **context
            )

    return await asyncio.to_thread(page)


async def list_page(request: web.Request) -> web.Response:
    try:
        which = inbox.InboxFilter(request.query.get("filter", "open"))
    except ValueError:
        which = inbox.InboxFilter.OPEN
    now = clock.now()

    def build(database, coordinator: Coordinator) -> PageContent:  # noqa: ANN001
        listed = inbox.list_for_inbox(database, coordinator, which, now=now)
        return text("inbox", "titles", "list"), {
            "handoffs": [_row(item.handoff, now, item.about, item.preview) for item in listed],
            "filters": [(key, _label("filters", key)) for key in FILTER_KEYS],
            "current": which.value,
        }

    return await coordinator_page(request, "list.html", build)


async def detail_page(request: web.Request) -> web.Response:
    now = clock.now()
    settings = _settings(request)

    def build(database, coordinator: Coordinator) -> PageContent:  # noqa: ANN001
        handoff = inbox.open_for(database, coordinator, request.match_info["reference"])
        if handoff is None:
            raise web.HTTPNotFound(text=text("inbox", "not_found"))
        row = _row(handoff, now, inbox.about(database, handoff))
        messages = inbox.messages_of(database, handoff)
        return text("inbox", "titles", "handoff", reference=row.reference), {
            "h": row,
            "thread": inbox.thread_lines(database, handoff, messages, row.about),
            "live": handover.is_live(handoff),
            "person_known": handoff.student_id is not None or handoff.guardian_id is not None,
            "paused": handoff.bot_paused,
            "transcript": read_transcript(settings.tracker_database_url, handoff.conversation_id),
            "speakers": {who: text("inbox", "summary", who) for who in ("user", "bot")},
        }

    return await coordinator_page(request, "detail.html", build)


async def act(request: web.Request) -> web.Response:
    """Claim, reply, resolve, hand back, or pause the bot; then back to the handoff's page.
    What the person is to hear (a reply, who they talk with, that the bot is back) is
    delivered into the chat after the commit."""
    action = request.match_info["action"]
    settings = _settings(request)
    now = clock.now()
    session = read_session(request)
    if session is None:
        raise web.HTTPFound(url_for(request, "inbox_login"))
    form = await checked_form(request, session)

    def do() -> tuple[str, str, bool, bool]:
        with session_scope(settings.database_url) as database:
            _, coordinator = signed_in(request, database)
            handoff = inbox.open_for(database, coordinator, request.match_info["reference"])
            if handoff is None:
                raise web.HTTPNotFound(text=text("inbox", "not_found"))
            if action == "claim":
                tell = inbox.claim(database, coordinator, handoff, now=now)
            elif action == "reply" and form.get("body", "").strip():
                body = form["body"].strip()[:2000]
                inbox.reply(
                    database, coordinator, handoff, body, secret_key=settings.secret_key, now=now
                )
                tell = True
            elif action == "resolve" and form.get("note", "").strip():
                note = form["note"].strip()[:1000]
                tell = inbox.resolve(database, coordinator, handoff, note, now=now)
            elif action == "return":
                tell = inbox.hand_back(database, coordinator, handoff, now=now)
            elif action == "devices":
                inbox.forget_devices(database, coordinator, handoff, now=now)
                tell = False
            elif action in ("pause", "resume"):
                paused = action == "pause"
                tell = inbox.pause_bot(database, coordinator, handoff, paused, now=now)
            else:
                raise web.HTTPBadRequest(text=text("inbox", "empty_field"))
            # Nothing goes into a chat the person has logged out of.
            there = person_still_there(database, handoff)
            return handoff.reference, handoff.conversation_id, tell and there, there

    reference, conversation_id, tell, there = await asyncio.to_thread(do)
    done = {
        "claim": "claimed",
        "resolve": "resolved",
        "return": "returned",
        "pause": "paused",
        "resume": "resumed",
        "devices": "devices_ended",
    }.get(action)
    # After the commit: the action reads what to say from the database.
    delivered = await trigger_reply(settings, conversation_id) if tell else None
    if action == "reply":
        done = "reply_left" if not there else "replied" if delivered is not None else "reply_saved"
    raise web.HTTPFound(url_for(request, "handoff", reference=reference, query={"done": done}))


async def mail_setting(request: web.Request) -> web.Response:
    """Mail about handoffs on or off, for the signed-in coordinator."""
    settings = _settings(request)
    session = read_session(request)
    if session is None:
        raise web.HTTPFound(url_for(request, "inbox_login"))
    form = await checked_form(request, session)
    wanted = form.get("mail") == "on"

    def choose() -> None:
        with session_scope(settings.database_url) as database:
            _, coordinator = signed_in(request, database)
            inbox.choose_mail(database, coordinator, wanted)

    await asyncio.to_thread(choose)
    done = "mail_on" if wanted else "mail_off"
    raise web.HTTPFound(url_for(request, "inbox", query={"done": done}))


async def overview_page(request: web.Request) -> web.Response:
    now = clock.now()

    def build(database, coordinator: Coordinator) -> PageContent:  # noqa: ANN001
        summary = inbox.overview(database, coordinator, now=now)
        return text("inbox", "titles", "overview"), {
            "overview": summary,
            "charts": [
                (
                    pupil,
                    chart_points(pupil.motivation),
                    chart_text(pupil.motivation, now.astimezone(SCHOOL_TIMEZONE).date()),
                )
                for pupil in summary.students
            ],
            "scope": coordinator.school.name if coordinator.school else coordinator.region.name,
        }

    return await coordinator_page(request, "overview.html", build)
