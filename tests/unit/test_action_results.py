"""Rasa's check of a custom action's answer, with the schema validator built once
(channels/action_results.py): the same verdicts as Rasa's own, and installed."""

from __future__ import annotations

import inspect

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import channels.guarded  # noqa: F401 - loading the channels installs the check
from channels.action_results import validate_action_result

GOOD = [
    {},
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "risk_reported", "value": True}],
        "responses": [{"text": "Hoi!", "buttons": [{"title": "Ja", "payload": "/affirm"}]}],
    },
]
BAD = [
    {"events": "geen lijst"},
    {"responses": ["tekst in plaats van een object"]},
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "geen_bestaand_event"}]},
]


def test_rasa_still_validates_each_answer_with_the_schema_we_replace():
    # If an upgrade changes this method, the replacement must be looked at again.
    source = inspect.getsource(RemoteAction.run)
    assert "self._validate_action_result(response)" in source
    original = inspect.getsource(inspect.getmodule(RemoteAction))
    assert "validate(result, self.action_response_format_spec())" in original


def test_the_check_is_installed_when_rasa_loads_the_channels():
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize("result", GOOD)
def test_a_valid_answer_passes_as_it_does_in_rasa(result):
    jsonschema.validate(result, RemoteAction.action_response_format_spec())
    assert validate_action_result(None, result) is True


@pytest.mark.parametrize("result", BAD)
def test_an_invalid_answer_fails_as_it_does_in_rasa_with_rasa_s_hint(result):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as raised:
        validate_action_result(None, result)
    assert "Failed to validate Action server response" in raised.value.message
