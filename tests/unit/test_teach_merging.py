"""The pure half of teach-merge (bot/teaching/merging.py) and its bars
(infra/teaching.py): where proposed examples go, how a data file is changed, and when
a candidate model may go live."""

import json
import math

import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.settings import PROJECT_ROOT
from bot.teaching.merging import insert_examples, intents_in, judge, plan_merge
from infra.teaching import FLOORS, default_bars, short_config

ROUTE = """version: "3.1"
nlu:
  # Questions about the studentcoach.
  - intent: route/studentcoach
    examples: |
      - wat is een studentcoach
      - wie is mijn studentcoach

  - intent: route/what_is
    examples: |
      - wat is het toptraject
  - synonym: toptraject
    examples: |
      - top traject
"""
GREETINGS = """version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hoi
"""


def test_the_intents_of_a_data_file_are_read_with_their_examples():
    assert intents_in(ROUTE) == {
        "route/studentcoach": ["wat is een studentcoach", "wie is mijn studentcoach"],
        "route/what_is": ["wat is het toptraject"],
    }


def test_each_example_goes_to_the_file_of_its_intent_once_and_only_when_new():
    plan = plan_merge(
        {
            "route/studentcoach": ["Wat is een  studentcoach", "wat doet zo'n coach", "coach?"],
            "greet": ["hallo daar", "wat doet zo'n coach", "hoi"],
            "route/unknown": ["iets"],
        },
        {"route.yml": ROUTE, "greetings.yml": GREETINGS},
    )
    assert plan.additions == {
        "greetings.yml": {"greet": ["hallo daar"]},
        "route.yml": {"route/studentcoach": ["coach?"]},
    }
    assert plan.unknown_intents == ("route/unknown",)
    # Two coordinators disagreed on one text: a person decides, nothing is merged.
    assert plan.conflicting == ("wat doet zo'n coach",)
    assert plan.already_known == 2 and plan.added == 2


def test_examples_are_added_at_the_end_of_their_block_and_the_file_stays_valid():
    merged = insert_examples(ROUTE, "route/studentcoach", ["wat doet zo'n coach:  echt?"])
    assert merged.splitlines()[:8] == [
        'version: "3.1"',
        "nlu:",
        "  # Questions about the studentcoach.",
        "  - intent: route/studentcoach",
        "    examples: |",
        "      - wat is een studentcoach",
        "      - wie is mijn studentcoach",
        "      - wat doet zo'n coach: echt?",
    ]
    data = RasaYAMLReader().reads(merged)
    assert len(data.intent_examples) == 4
    last = insert_examples(ROUTE, "route/what_is", ["waarom bestaat het"])
    assert "      - wat is het toptraject\n      - waarom bestaat het\n  - synonym" in last


def test_a_model_goes_live_only_when_every_figure_holds_its_bar():
    bars = {"held_out_intent_macro_f1": 0.95, "blind_acute": 1.0, "blind_false_alarm": 0.02}
    good = {"held_out_intent_macro_f1": 0.96, "blind_acute": 1.0, "blind_false_alarm": 0.01}
    assert judge(good, bars).goes_live
    worse = dict(good, blind_false_alarm=0.03, held_out_intent_macro_f1=0.9)
    verdict = judge(worse, bars)
    assert not verdict.goes_live
    assert [name for name, _, _ in verdict.below] == [
        "blind_false_alarm",
        "held_out_intent_macro_f1",
    ]
    missing = judge({"blind_acute": 1.0}, bars)
    assert not missing.goes_live and any(math.isnan(score) for _, score, _ in missing.below)


def test_the_bars_are_the_floors_raised_to_the_last_recorded_figures(tmp_path):
    (tmp_path / "bench" / "results").mkdir(parents=True)
    (tmp_path / "bench" / "results" / "nlu_eval.json").write_text(
        json.dumps({"intent_macro_f1": 0.97})
    )
    bars = default_bars(tmp_path)
    assert bars["held_out_intent_macro_f1"] == 0.96
    assert bars["blind_overall"] == FLOORS["blind_overall"]
    assert bars["blind_false_alarm"] == 0.02 and bars["blind_acute"] == 1.0


def test_a_short_training_cuts_every_component_s_epochs():
    config = yaml.safe_load(short_config((PROJECT_ROOT / "config.yml").read_text(), 0.05))
    epochs = [
        c["epochs"] for part in ("pipeline", "policies") for c in config[part] if "epochs" in c
    ]
    assert epochs and all(1 <= value <= 4 for value in epochs)
    assert (
        config["language"] == yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["language"]
    )
