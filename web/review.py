"""The inbox's review list: messages the bot missed, labelled by the region's
coordinator with the right answer or "new question"; and the new questions grouped
for the content team. Thin views: the decisions are in bot/teaching."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot import clock
from bot.content.catalog import catalog, text
from bot.db.models import Coordinator
from bot.teaching import review
from bot.vocabulary import ReviewStatus
from infra.db.session import session_scope
from web.inbox import PageContent, checked_post, coordinator_page, id_in_path, signed_in
from web.keys import SETTINGS_KEY
from web.urls import url_for

# Intents a coordinator may pick besides the content answers, with their labels
# (messages.yml, review intents).
TEACHABLE_INTENTS = (
    "request_human",
    "checkin",
    "ask_progress",
    "ask_my_route",
    "greet",
    "messages_off",
)


def label_choices() -> list[tuple[str, str]]:
    """(label, what the coordinator reads): every content answer by its title, then
    the intents, then "new question"."""
    content = catalog()
    answers = sorted(
        (answer.id, f"{text('review', 'topics', answer.topic)}: {answer.title}")
        for answer in content.answers.values()
    )
    intents = [(name, text("review", "intents", name)) for name in TEACHABLE_INTENTS]
    return [*answers, *intents, (review.NEW_QUESTION, text("review", "new_question"))]


def known_labels() -> set[str]:
    return {label for label, _ in label_choices()} - {review.NEW_QUESTION}


async def review_page(request: web.Request) -> web.Response:
    view = request.query.get("view", "open")

    def build(database, coordinator: Coordinator) -> PageContent:  # noqa: ANN001
        choices = label_choices()
        names = dict(choices)
        return text("inbox", "titles", "review"), {
            "allowed": review.may_review(coordinator),
            "view": view,
            "rows": review.review_list(
                database,
                coordinator,
                ReviewStatus.LABELLED if view == "labelled" else ReviewStatus.OPEN,
            )
            if view != "new"
            else [],
            "groups": review.new_question_groups(database, coordinator) if view == "new" else [],
            "choices": choices,
            "names": names,
            "reasons": catalog().messages["review"]["reasons"],
        }

    return await coordinator_page(request, "review.html", build)


async def label(request: web.Request) -> web.Response:
    posted = await checked_post(request)
    chosen = str(posted.get("label", ""))
    item_id = id_in_path(request, "item_id")

    def do() -> bool:
        with session_scope(request.app[SETTINGS_KEY].database_url) as database:
            _, coordinator = signed_in(request, database)
            return review.label_message(
                database,
                coordinator,
                item_id,
                None if chosen == "dismiss" else chosen,
                known_labels=known_labels(),
                now=clock.now(),
            )

    if not await asyncio.to_thread(do):
        raise web.HTTPNotFound(text=text("inbox", "review_not_found"))
    raise web.HTTPFound(url_for(request, "review", query={"done": "review_labelled"}))
