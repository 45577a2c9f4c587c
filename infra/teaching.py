"""The maintainer's step after the inbox's review list (python -m bot teach-merge):
merge the proposed examples into data/nlu, train a candidate model, run the held-out
and blind benchmarks on it, and put it live through Rasa's HTTP API (PUT /model, no
restart) only when every figure holds its bar. Otherwise the data files are restored
and the numbers say why.

The decisions are pure (bot/teaching/merging.py); this module runs the training and
the benchmarks as the Makefile does, in subprocesses, and talks to Rasa."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT
from bot.teaching.merging import MergePlan, Verdict, insert_examples, judge, plan_merge

NLU_DIR = Path("data") / "nlu"
RESULTS_DIR = Path("bench") / "results"
# Floors that `make test` holds (bench/nlu_eval.py, bench/blind_eval.py FLOORS), and a
# candidate may not fall more than this below the last recorded figure.
FLOORS = {
    "held_out_intent_macro_f1": 0.95,
    "blind_overall": 0.95,
    "blind_risk_recall": 0.98,
    "blind_acute": 1.0,
    "blind_declined": 0.95,
}
CEILINGS = {"blind_false_alarm": 0.02, "blind_silent": 0.0}
TOLERANCE = 0.01
# A short training for tests: this share of each component's epochs (config.yml).
SHORT_EPOCH_FRACTION = 0.05


def default_bars(project: Path) -> dict[str, float]:
    """The floors, raised to the last recorded figures less the tolerance."""
    bars = {**FLOORS, **CEILINGS}
    recorded = {}
    nlu = project / RESULTS_DIR / "nlu_eval.json"
    if nlu.exists():
        recorded["held_out_intent_macro_f1"] = json.loads(nlu.read_text())["intent_macro_f1"]
    blind = project / RESULTS_DIR / "blind_eval.json"
    if blind.exists():
        figures = json.loads(blind.read_text())["figures"]
        recorded["blind_overall"] = figures["overall"]
    for name, value in recorded.items():
        bars[name] = max(bars[name], round(value - TOLERANCE, 4))
    return bars


def nlu_files(project: Path) -> dict[str, str]:
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted((project / NLU_DIR).glob("*.yml"))
    }


def apply_plan(project: Path, plan: MergePlan) -> dict[Path, str]:
    """Writes the additions; returns each changed file's earlier text (to restore)."""
    before = {}
    for name, by_intent in plan.additions.items():
        path = project / NLU_DIR / name
        text = path.read_text(encoding="utf-8")
        before[path] = text
        for intent, texts in by_intent.items():
            text = insert_examples(text, intent, texts)
        path.write_text(text, encoding="utf-8")
    return before


def restore(before: Mapping[Path, str]) -> None:
    for path, text in before.items():
        path.write_text(text, encoding="utf-8")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false", PYTHONDONTWRITEBYTECODE="1"
    )
    return env


def short_config(config_text: str, fraction: float) -> str:
    """The training configuration with every component's epochs cut to a fraction
    (at least one): a quick, poor model, for tests of the merge command."""
    config = yaml.safe_load(config_text)
    for part in ("pipeline", "policies"):
        for component in config.get(part) or []:
            if "epochs" in component:
                component["epochs"] = max(1, int(component["epochs"] * fraction))
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def train_candidate(project: Path, out_dir: Path, *, short: bool, log) -> Path:  # noqa: ANN001
    """Trains a model on the project's data into out_dir; short: a fraction of the
    epochs (tests)."""
    rasa = Path(sys.executable).with_name("rasa")
    config = project / "config.yml"
    if short:
        config = out_dir / "config.yml"
        config.write_text(
            short_config(
                (project / "config.yml").read_text(encoding="utf-8"), SHORT_EPOCH_FRACTION
            ),
            encoding="utf-8",
        )
    command = [
        str(rasa), "train",
        "--config", str(config),
        "--domain", str(project / "domain.yml"),
        "--data", str(project / "data"),
        "--out", str(out_dir),
        "--fixed-model-name", "candidate",
    ]  # fmt: skip
    subprocess.run(command, cwd=PROJECT_ROOT, env=_env(), stdout=log, stderr=log, check=True)
    return out_dir / "candidate.tar.gz"


def run_benchmarks(
    model: Path,
    work: Path,
    *,
    blind_sets: Iterable[str] | None,
    log,  # noqa: ANN001
) -> dict[str, float]:
    """The held-out and blind benchmarks on this model, as `make test` runs them; their
    results go to `work`, never over bench/results."""
    python = sys.executable
    nlu_results, blind_results = work / "nlu_eval.json", work / "blind_eval.json"
    subprocess.run(
        [python, "bench/nlu_eval.py", "--model", str(model), "--results", str(nlu_results),
         "--min-macro-f1", "0"],
        cwd=PROJECT_ROOT, env=_env(), stdout=log, stderr=log, check=True,
    )  # fmt: skip
    command = [python, "bench/blind_eval.py", "--model", str(model), "--results",
               str(blind_results), "--no-fail", "--show", "none"]  # fmt: skip
    if blind_sets:
        command += ["--sets", *blind_sets]
    subprocess.run(command, cwd=PROJECT_ROOT, env=_env(), stdout=log, stderr=log, check=True)
    held_out = json.loads(nlu_results.read_text())
    figures = json.loads(blind_results.read_text())["figures"]
    return {
        "held_out_intent_macro_f1": held_out["intent_macro_f1"],
        "blind_overall": figures["overall"],
        "blind_risk_recall": figures["risk_recall"],
        "blind_acute": figures["acute"],
        "blind_declined": figures["declined"],
        "blind_false_alarm": figures["false_alarm"],
        "blind_silent": figures["silent"],
    }


def swap_model(rasa_urls: Iterable[str], token: str, model: Path) -> dict[str, str]:
    """PUT /model on every Rasa server: each loads the new model without a restart.
    Returns each server's outcome ("ok" or what went wrong)."""
    outcomes = {}
    for url in rasa_urls:
        query = urllib.parse.urlencode({"token": token})
        request = urllib.request.Request(
            f"{url.rstrip('/')}/model?{query}",
            data=json.dumps({"model_file": str(model)}).encode(),
            headers={"Content-Type": "application/json"},
            method="PUT",
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                outcomes[url] = "ok" if response.status == 204 else f"HTTP {response.status}"
        except (urllib.error.URLError, TimeoutError) as error:
            outcomes[url] = type(error).__name__
    return outcomes


@dataclass(frozen=True)
class TeachOutcome:
    plan: MergePlan
    verdict: Verdict | None  # None: nothing to merge
    live_model: Path | None  # the model now live, when it went live
    swaps: Mapping[str, str]
    # A short training or part of the blind set: measured, never put live (a part may
    # hold no risk messages at all, and an empty group scores 1.0).
    partial: bool = False


def teach(
    proposals: Mapping[str, list[str]],
    *,
    project: Path,
    bars: Mapping[str, float],
    rasa_urls: Iterable[str],
    rasa_token: str,
    short: bool = False,
    blind_sets: Iterable[str] | None = None,
    log=None,  # noqa: ANN001
) -> TeachOutcome:
    """Merge, train, measure, and swap or refuse (restoring the data files)."""
    plan = plan_merge(proposals, nlu_files(project))
    if not plan.added:
        return TeachOutcome(plan, None, None, {})
    partial = short or bool(blind_sets)
    log = log or subprocess.DEVNULL
    before: dict[Path, str] = {}
    try:
        before = apply_plan(project, plan)
        with tempfile.TemporaryDirectory(prefix="teach-") as work:
            candidate = train_candidate(project, Path(work), short=short, log=log)
            scores = run_benchmarks(candidate, Path(work), blind_sets=blind_sets, log=log)
            verdict = judge(scores, bars)
            if partial or not verdict.goes_live:
                restore(before)
                return TeachOutcome(plan, verdict, None, {}, partial)
            models = project / "models"
            models.mkdir(exist_ok=True)
            live = models / "toptraject.tar.gz"
            if live.exists():
                # The model that ran until now, to go back to by hand if need be.
                shutil.copy2(live, models / "toptraject.previous.tar.gz")
            shutil.move(str(candidate), live)
    except BaseException:
        restore(before)
        raise
    return TeachOutcome(plan, verdict, live, swap_model(rasa_urls, rasa_token, live))
