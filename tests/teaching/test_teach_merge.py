"""Teaching the bot end to end (issue 19): a message the person turns down goes to the
review list, a coordinator labels it, teach-export writes it as a proposed example,
and teach-merge merges it, trains a short model, runs the held-out and blind
benchmarks and refuses the swap when a figure is below its bar (set above what the
short model can reach), restoring data/. Then Rasa's HTTP API swaps a model without a
restart, as teach-merge does when every figure holds.

A copy of the project's data/ is merged, never the repository's own."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Coordinator, ReviewMessage
from bot.settings import PROJECT_ROOT
from bot.teaching.review import label_message
from bot.vocabulary import ReviewReason
from infra.db.session import session_scope
from infra.teaching import swap_model
from tests.assistant import MODEL, TOKEN

pytestmark = pytest.mark.integration

REGION = "e.nijhuis@toptraject-twente.example.org"
QUESTION = "wie is nou eigenlijk die studentcoach bij dat honderd dagen gedoe"


def bot_command(assistant, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_ROOT,
        env=assistant.env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def model_file(assistant) -> str:
    query = urllib.parse.urlencode({"token": TOKEN})
    with urllib.request.urlopen(f"{assistant.rasa_url}/status?{query}", timeout=30) as answer:
        return json.load(answer)["model_file"]


def project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "data", project / "data")
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    shutil.copytree(PROJECT_ROOT / "bench" / "results", project / "bench" / "results")
    return project


def test_a_turned_down_answer_is_labelled_merged_trained_and_refused_below_the_bar(
    assistant, tmp_path
):
    assistant.say("it-teach", QUESTION)
    assistant.say("it-teach", "nee, dat bedoel ik niet")
    with session_scope(assistant.database_url) as session:
        (item,) = session.scalars(
            select(ReviewMessage).where(ReviewMessage.conversation_id == "it-teach")
        )
        assert (item.reason, item.text) == (ReviewReason.CORRECTED, QUESTION)
        region = session.scalar(select(Coordinator).where(Coordinator.email == REGION))
        labels = {"route/studentcoach"}
        now = datetime.now(timezone.utc)
        assert label_message(
            session, region, item.id, "route/studentcoach", known_labels=labels, now=now
        )

    proposals = tmp_path / "proposed.yml"
    exported = bot_command(assistant, "teach-export", "--file", str(proposals))
    assert exported.returncode == 0, exported.stderr
    assert f"      - {QUESTION}" in proposals.read_text()

    project = project_copy(tmp_path)
    route_before = (project / "data" / "nlu" / "route.yml").read_bytes()
    live_before = model_file(assistant)
    merged = bot_command(
        assistant,
        "teach-merge",
        "--file", str(proposals),
        "--project", str(project),
        "--short",
        "--blind-sets", "wave2_hard",
        "--bar", "held_out_intent_macro_f1=0.999",
        "--rasa-url", assistant.rasa_url,
    )  # fmt: skip
    print(merged.stdout)
    assert merged.returncode == 1, merged.stdout + merged.stderr
    assert "New examples: 1;" in merged.stdout
    assert "LOW held_out_intent_macro_f1" in merged.stdout and "(bar >= 0.999)" in merged.stdout
    assert "Refused" in merged.stdout
    # data/ is as it was, no model was put live, Rasa still runs the same one.
    assert (project / "data" / "nlu" / "route.yml").read_bytes() == route_before
    assert not (project / "models").exists()
    assert model_file(assistant) == live_before


def test_rasa_takes_a_new_model_over_its_http_api_without_a_restart(assistant, tmp_path):
    copy = tmp_path / "same-model.tar.gz"
    shutil.copy(MODEL, copy)
    assert swap_model([assistant.rasa_url], TOKEN, copy) == {assistant.rasa_url: "ok"}
    assert model_file(assistant) == copy.name
    assert assistant.say("it-after-swap", "wat is een studentcoach")
    assert swap_model([assistant.rasa_url], "wrong-token", copy) != {assistant.rasa_url: "ok"}
    swap_model([assistant.rasa_url], TOKEN, MODEL)
