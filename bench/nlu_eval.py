"""NLU quality and speed on the held-out examples in tests/nlu (never trained on).

Loads the trained model, parses every held-out example and reports:
- intent macro F1 (retrieval intents counted by their topic, as Rasa does), with the
  FallbackClassifier's nlu_fallback counted as a miss;
- answer macro F1 over the exact answers (route/studentcoach, ...);
- what the user would get from the bot's decision rules (bot/clarify.py): the right
  answer, a question back that offers the right answer, or a confident wrong answer;
- parse latency.

Prints a table and writes bench/results/nlu_eval.json. Exits 1 when intent macro F1 is
below --min-macro-f1, so `make test` can hold the line.

    .venv/bin/python bench/nlu_eval.py --model models/toptraject.tar.gz --data tests/nlu
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import yaml  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from bench.results_file import shown_path, write_results  # noqa: E402
from bot.clarify import (  # noqa: E402
    CONTENT_TOPICS,
    Ranked,
    decide_content_answer,
    decide_fallback,
)
from bot.content.catalog import catalog  # noqa: E402

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # as labelled: "route/studentcoach" or "greet"

    @property
    def base_intent(self) -> str:
        return self.intent.split("/", 1)[0]


def load_examples(folder: Path) -> list[Example]:
    examples = []
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in block.get("examples", "").splitlines():
                if line.startswith("- "):
                    examples.append(Example(text=line[2:].strip(), intent=block["intent"]))
    return examples


def outcome(example: Example, parse: dict, known: set[str]) -> str:
    """What the user gets: right, asked_back_with_right, asked_back_without_right, wrong."""
    intent = parse["intent"]["name"]
    intents = [Ranked(r["name"], r["confidence"]) for r in parse.get("intent_ranking", [])]
    selector = parse.get("response_selector", {}).get("default", {})
    answers = [
        Ranked(r["intent_response_key"], r["confidence"]) for r in selector.get("ranking", [])
    ]
    if intent in CONTENT_TOPICS:
        decision = decide_content_answer(intent, intents, answers, known)
    elif intent == FALLBACK_INTENT:
        decision = decide_fallback(intents, answers, known, fallbacks_in_a_row=0)
    else:
        return "right" if intent == example.base_intent else "wrong"
    if decision.answer_id is not None:
        return "right" if decision.answer_id == example.intent else "wrong"
    if example.intent in decision.options:
        return "asked_back_with_right"
    return "asked_back_without_right"


async def evaluate(model: Path, data: Path) -> dict:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no debug line per parsed message

    started = time.perf_counter()
    agent = Agent.load(str(model))
    load_seconds = time.perf_counter() - started
    examples = load_examples(data)
    known = set(catalog().answers)

    gold_intents, predicted_intents, gold_answers, predicted_answers = [], [], [], []
    outcomes: Counter[str] = Counter()
    wrong_answers = []
    latencies = []
    for example in examples:
        started = time.perf_counter()
        parse = await agent.parse_message(example.text)
        latencies.append((time.perf_counter() - started) * 1000)
        predicted = parse["intent"]["name"]
        gold_intents.append(example.base_intent)
        predicted_intents.append(predicted)
        if example.base_intent in CONTENT_TOPICS:
            selector = parse.get("response_selector", {}).get("default", {})
            key = selector.get("response", {}).get("intent_response_key")
            gold_answers.append(example.intent)
            predicted_answers.append(key if predicted == example.base_intent else predicted)
        result = outcome(example, parse, known)
        outcomes[result] += 1
        if result == "wrong":
            wrong_answers.append({"text": example.text, "expected": example.intent})

    intent_labels = sorted(set(gold_intents))
    per_intent = f1_score(
        gold_intents, predicted_intents, labels=intent_labels, average=None, zero_division=0
    )
    answer_labels = sorted(set(gold_answers))
    total = len(examples)
    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model),
        "held_out_examples": total,
        "intent_macro_f1": round(
            f1_score(gold_intents, predicted_intents, labels=intent_labels, average="macro"), 4
        ),
        "answer_macro_f1": round(
            f1_score(gold_answers, predicted_answers, labels=answer_labels, average="macro"), 4
        ),
        "intent_f1": {
            label: round(score, 3) for label, score in zip(intent_labels, per_intent, strict=True)
        },
        "fallback_rate": round(predicted_intents.count(FALLBACK_INTENT) / total, 4),
        "outcomes": {name: round(outcomes[name] / total, 4) for name in sorted(outcomes)},
        "confident_wrong_answers": wrong_answers,
        "model_load_seconds": round(load_seconds, 1),
        "parse_ms_median": round(statistics.median(latencies), 1),
        "parse_ms_p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "toptraject.tar.gz")
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "nlu")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "bench" / "results" / "nlu_eval.json"
    )
    parser.add_argument("--min-macro-f1", type=float, default=0.95)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # Answers come from bot/content, so the selector finds no domain responses: expected.
    warnings.filterwarnings("ignore", message="Unable to fetch responses")

    results = asyncio.run(evaluate(args.model.resolve(), args.data.resolve()))
    write_results(args.results, results)

    print(f"held-out examples        {results['held_out_examples']}")
    print(
        f"intent macro F1          {results['intent_macro_f1']:.3f}  (minimum {args.min_macro_f1})"
    )
    print(f"answer macro F1          {results['answer_macro_f1']:.3f}")
    for label, score in results["intent_f1"].items():
        print(f"  F1 {label:<22} {score:.3f}")
    print(f"nlu_fallback rate        {results['fallback_rate']:.3f}")
    for name, share in results["outcomes"].items():
        print(f"outcome {name:<26} {share:.3f}")
    for wrong in results["confident_wrong_answers"]:
        print(f"  wrong: {wrong['text']!r} (expected {wrong['expected']})")
    print(f"model load               {results['model_load_seconds']} s")
    median, p95 = results["parse_ms_median"], results["parse_ms_p95"]
    print(f"parse latency            median {median} ms, p95 {p95} ms")
    print(f"written to               {shown_path(args.results, ROOT)}")
    return 0 if results["intent_macro_f1"] >= args.min_macro_f1 else 1


if __name__ == "__main__":
    sys.exit(main())
