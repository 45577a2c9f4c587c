"""The action server starts: Rasa SDK registers every custom action the domain names."""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def test_every_custom_action_in_the_domain_is_registered_and_nothing_breaks_the_scan():
    executor = ActionExecutor()
    executor.register_package("actions")  # raises if a class cannot name itself
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {name for name in domain["actions"] if name.startswith(("action_", "validate_"))}
    assert custom <= set(executor.actions)
