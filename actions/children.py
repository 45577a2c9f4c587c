"""A guardian with several children: asking which child a question is about."""

from __future__ import annotations

from collections.abc import Iterable

from rasa_sdk.executor import CollectingDispatcher

from bot.vocabulary import PersonRole
from bot.welcome import welcome_buttons


def child_buttons(names: Iterable[str]) -> list[dict[str, str]]:
    return [
        {"title": name, "payload": f'/choose_child{{"child_name": "{name}"}}'} for name in names
    ]


def ask_which_child(dispatcher: CollectingDispatcher, names: Iterable[str]) -> None:
    """ "Over welk kind wil je iets vragen?" with a button per child."""
    dispatcher.utter_message(response="utter_which_child", buttons=child_buttons(names))


def say_child_chosen(dispatcher: CollectingDispatcher, name: str) -> None:
    """ "Oké, we praten nu over Lotte." with the topics a parent can ask about."""
    dispatcher.utter_message(
        response="utter_child_chosen",
        child_name=name,
        buttons=welcome_buttons(PersonRole.GUARDIAN),
    )
