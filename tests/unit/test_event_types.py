"""Rasa's lookup of a stored event's class, remembered per name (channels/event_types.py):
the same classes and failures as Rasa's own, and installed."""

from __future__ import annotations

import inspect

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

import channels.guarded  # noqa: F401 - loading the channels installs the lookup
from channels import event_types


def every_event_class() -> list[type[Event]]:
    return rasa.shared.utils.common.all_subclasses(Event)


def test_rasa_still_finds_event_classes_by_walking_the_subclasses():
    # If an upgrade changes this method, the replacement must be looked at again.
    source = inspect.getsource(event_types._rasa_resolve)
    assert "all_subclasses(Event)" in source and "cls.type_name == type_name" in source


def test_the_lookup_is_installed_when_rasa_loads_the_channels():
    assert Event.resolve_by_type is event_types.resolve_by_type
    assert SlotSet.resolve_by_type is event_types.resolve_by_type


@pytest.mark.parametrize("cls", every_event_class(), ids=lambda cls: cls.__name__)
def test_every_event_name_gives_the_class_rasa_gives(cls):
    expected = event_types._rasa_resolve(cls.type_name)
    assert Event.resolve_by_type(cls.type_name) is expected
    assert Event.resolve_by_type(cls.type_name) is expected  # and again, remembered


def test_unknown_names_fail_or_give_the_default_as_in_rasa():
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("geen_bestaand_event")
    assert Event.resolve_by_type("geen_bestaand_event", UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert "geen_bestaand_event" not in event_types._found


def test_stored_events_come_back_as_the_same_events():
    stored = [
        UserUttered("hoi", {"name": "greet", "confidence": 0.9}).as_dict(),
        ActionExecuted("action_listen").as_dict(),
        SlotSet("risk_reported", True).as_dict(),
    ]
    events = [Event.from_parameters(parameters) for parameters in stored]
    assert [type(event) for event in events] == [UserUttered, ActionExecuted, SlotSet]
    assert [event.as_dict() for event in events] == stored
