"""The quick replies under the greeting: the main topics, fitted to who is talking."""

from __future__ import annotations

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
        {"title": "Mijn route", "payload": "/ask_my_route"}
        if role is not None
        else {"title": "Wat is het Toptraject?", "payload": _answer("route/what_is")}
    )
    goals = (
        {"title": "Hoe gaat het met mijn kind?", "payload": "/ask_progress"}
        if role is PersonRole.GUARDIAN
        else {"title": "Inchecken op mijn doelen", "payload": "/checkin"}
    )
    return [
        route,
        {"title": "Reizen en OV", "payload": _answer("travel/ov_vmbo")},
        {"title": "Examens", "payload": _answer("exam/when")},
        goals,
        {"title": "Met een mens praten", "payload": "/request_human"},
    ]
