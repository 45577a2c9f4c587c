"""5-fold cross-validation of intent F1 on the training data (data/nlu).

Each fold trains the NLU pipeline of config.yml on four fifths of the examples and
tests it on the rest (Rasa's own stratified folds), so this takes five trainings: about
half an hour on two cores, which is why `make test` does not run it. Prints the
figures and writes bench/results/cross_validation.json.

    .venv/bin/python bench/cross_validation.py --folds 5
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
RESULTS = ROOT / "bench" / "results" / "cross_validation.json"

from bench.results_file import write_results  # noqa: E402


async def run(folds: int) -> dict:
    from rasa.nlu.test import cross_validate, drop_intents_below_freq
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    data = drop_intents_below_freq(load_data(str(ROOT / "data" / "nlu")), cutoff=folds)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cv-") as output:
        results, _, responses = await cross_validate(
            data,
            folds,
            str(ROOT / "config.yml"),
            output,
            disable_plotting=True,
            report_as_dict=True,
        )
    report = results.evaluation.get("report") or {}
    answer_report = responses.evaluation.get("report") or {}
    per_intent = {
        name: round(values["f1-score"], 3)
        for name, values in report.items()
        if isinstance(values, dict) and "f1-score" in values and name not in _AVERAGES
    }
    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "folds": folds,
        "examples": len(data.intent_examples),
        "intent_macro_f1": round(report["macro avg"]["f1-score"], 4),
        "intent_weighted_f1": round(report["weighted avg"]["f1-score"], 4),
        "intent_f1_per_fold": [round(f1, 4) for f1 in results.test["F1-score"]],
        "intent_f1_fold_spread": round(statistics.pstdev(results.test["F1-score"]), 4),
        "answer_macro_f1": round(answer_report.get("macro avg", {}).get("f1-score", 0.0), 4),
        "intent_f1": dict(sorted(per_intent.items())),
        "minutes": round((time.perf_counter() - started) / 60, 1),
    }


_AVERAGES = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    results = asyncio.run(run(args.folds))
    write_results(args.results, results)
    print(f"{results['folds']}-fold cross-validation on {results['examples']} examples")
    print(f"intent macro F1      {results['intent_macro_f1']:.3f}")
    print(f"intent weighted F1   {results['intent_weighted_f1']:.3f}")
    print(f"per fold             {results['intent_f1_per_fold']}")
    print(f"answer macro F1      {results['answer_macro_f1']:.3f}")
    for name, f1 in results["intent_f1"].items():
        print(f"  F1 {name:<22} {f1:.3f}")
    print(f"took {results['minutes']} minutes; written to {args.results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
