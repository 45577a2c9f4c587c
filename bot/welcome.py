"""The quick replies under the greeting: the main topics, fitted to who is talking."""

from __future__ import annotations

from bot.content.catalog import button
from bot.vocabulary import PersonRole

Button = dict[str, str]


def _answer(answer_id: str) -> str:
    return f'/choose_answer{{"answer_id": "{answer_id}"}}'


def welcome_buttons(role: PersonRole | None) -> list[Button]:
    """Route, travel, exams, check-in (or a child's progress) and a person.

    A linked student gets their own route and the check-in; a guardian their child's
    progress; a visitor the public answers, and the check-in, which asks them to log in.
    """
    route = (
        button("my_route", "/ask_my_route")
        if role is not None
        else button("what_is_toptraject", _answer("route/what_is"))
    )
    goals = (
        button("child_progress", "/ask_progress")
        if role is PersonRole.GUARDIAN
        else button("checkin", "/checkin")
    )
    return [
        route,
        button("travel", _answer("travel/ov_vmbo")),
        button("exams", _answer("exam/when")),
        goals,
        button("human", "/request_human"),
    ]
