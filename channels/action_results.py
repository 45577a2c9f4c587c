"""Rasa checks every custom action's answer against a JSON schema with
`jsonschema.validate`, which checks the schema itself again on every call: under load
that was 17% of the Rasa server's CPU (issue 17's profile). Here the validator is built
once, for the same schema, and Rasa's method is replaced by one that uses it: the same
check, the same error (with Rasa's hint appended) for an invalid answer.

Installed when Rasa loads the chat channels (channels/guarded.py). A test checks that
Rasa's own method still does what this one replaces, so an upgrade that changes it is
noticed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

HINT = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    "For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, not at every action call
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once."""
    try:
        _validator().validate(result)
    except ValidationError as error:
        error.message += HINT
        raise
    return True


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
