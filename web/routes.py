"""Every URL of the web app, named, in one place (as in aio-libs' demos).

Views and templates never spell a URL: they ask for it by name (web/urls.py), so a
path changes here and nowhere else.
"""

from __future__ import annotations

from aiohttp import web

from web import campaigns, chat, health, inbox, review, thread
from web.templating import STATIC_DIR

HEALTH_PATH = "/healthz"
STATIC_PREFIX = "/static/"


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(HEALTH_PATH, health.health, name="health")
    router.add_get("/", chat.chat_page, name="chat")
    router.add_post("/chat/login", chat.login, name="chat_login")
    router.add_post("/chat/session", chat.session_state, name="chat_session")
    router.add_post("/chat/logout", chat.logout, name="chat_logout")
    login = router.add_resource("/inbox/login", name="inbox_login")
    login.add_route("GET", inbox.login_page)
    login.add_route("POST", inbox.login)
    router.add_post("/inbox/logout", inbox.logout, name="inbox_logout")
    router.add_get("/inbox", inbox.list_page, name="inbox")
    router.add_post("/inbox/settings/mail", inbox.mail_setting, name="inbox_mail")
    router.add_get("/inbox/overview", inbox.overview_page, name="inbox_overview")
    router.add_get("/inbox/handoffs/{reference}", inbox.detail_page, name="handoff")
    router.add_get(
        "/inbox/handoffs/{reference}/thread", thread.thread_events, name="handoff_thread"
    )
    router.add_post(
        "/inbox/handoffs/{reference}/{action:claim|reply|resolve|return|pause|resume|devices}",
        inbox.act,
        name="handoff_action",
    )
    router.add_get("/inbox/campaigns", campaigns.list_page, name="campaigns")
    new = router.add_resource("/inbox/campaigns/new", name="campaign_new")
    new.add_route("GET", campaigns.new_page)
    new.add_route("POST", campaigns.create)
    router.add_get(r"/inbox/campaigns/{campaign_id:\d+}", campaigns.report_page, name="campaign")
    router.add_get(
        r"/inbox/campaigns/{campaign_id:\d+}/export", campaigns.export, name="campaign_export"
    )
    router.add_post(
        r"/inbox/campaigns/{campaign_id:\d+}/stop", campaigns.stop, name="campaign_stop"
    )
    router.add_get("/inbox/review", review.review_page, name="review")
    router.add_post(r"/inbox/review/{item_id:\d+}", review.label, name="review_label")
    router.add_static(STATIC_PREFIX.rstrip("/"), STATIC_DIR, name="static")
