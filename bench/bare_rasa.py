"""The yardstick: a bare Rasa bot, made by `rasa init` with the same venv, trained once.

`rasa init --no-prompt` writes Rasa's example project (moodbot: English, default
pipeline and policies, no custom actions, in-memory tracker store) and trains it. The
project and its model are kept in var/bench/ under the Rasa version, so later runs
start at once; a different Rasa version gets a fresh one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import rasa

ROOT = Path(__file__).resolve().parents[1]
RASA = Path(sys.executable).with_name("rasa")
CACHE = ROOT / "var" / "bench" / f"bare-rasa-{rasa.__version__}"

# A moodbot conversation in ten messages, each answered whatever came before (the
# moodbot says nothing to a "yes" or "no" out of its stories, which would count as
# silence).
TURNS = (
    "hello",
    "I am so sad today",
    "are you a bot?",
    "I am great",
    "hi there",
    "my day was horrible",
    "am I talking to a human?",
    "perfect, very good",
    "goodbye",
    "hey",
)


def quiet_env() -> dict[str, str]:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
    }


def trained_model(log: Path) -> Path:
    """The bare bot's model, trained by `rasa init` on first use (about a minute)."""
    models = CACHE / "models"
    found = sorted(models.glob("*.tar.gz")) if models.exists() else []
    if found:
        return found[-1]
    scratch = CACHE.with_name(CACHE.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    with log.open("w") as out:
        subprocess.run(
            [str(RASA), "init", "--no-prompt", "--init-dir", str(scratch)],
            cwd=scratch,
            env=quiet_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    shutil.rmtree(CACHE, ignore_errors=True)
    scratch.rename(CACHE)
    return sorted((CACHE / "models").glob("*.tar.gz"))[-1]


def start(model: Path, port: int, log: Path) -> subprocess.Popen:
    """`rasa run` with the REST channel of `rasa init`'s credentials.yml."""
    with log.open("w") as out:
        return subprocess.Popen(
            [
                str(RASA),
                "run",
                "--model",
                str(model),
                "--interface",
                "127.0.0.1",
                "--port",
                str(port),
                "--credentials",
                str(CACHE / "credentials.yml"),
                "--endpoints",
                str(CACHE / "endpoints.yml"),
            ],
            cwd=CACHE,
            env=quiet_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


if __name__ == "__main__":
    # `make bare-bot`: train the yardstick ahead, beside the assistant's own training.
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    print(f"bare Rasa bot: {trained_model(CACHE.parent / 'bare-init.log').relative_to(ROOT)}")
