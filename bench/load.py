"""Load: the assistant beside a bare Rasa bot, measured in the same run (issue 17).

Starts the bare bot (`rasa init`'s moodbot, trained once into var/bench/, see
bench/bare_rasa.py) and the whole assistant (tests/assistant.py, as `make run` starts
it: Rasa, action server, web app, SQLite), each on free ports, and sends both the same
shapes of traffic over the REST channel, one bot after the other per scenario:

- 1 user x 100 turns, three times: latency p50/p95/p99, and how it grows from the
  first turns of the conversation to the last (median of the last ten over the first
  ten, the median of the three conversations);
- 20 users x 10 turns at once, five rounds, and 50 users x 10 turns, two rounds, the
  bots taking turns to go first: messages answered per second, latency, errors (a
  failed request or an empty answer), over all rounds and per round;
- the peak memory (VmHWM) of each server process;
- the action server's database work for one linked person with 100,000 students in
  the database against 1,000 (bench/db_scale.py).

Half of the assistant's users are logged in (a student each), so their questions about
progress and their route go through the identity gate to the database. Prints the
figures and the ratios to bare Rasa, and writes bench/results/load.json (with --short,
fewer turns and users for CI, var/bench/load_short.json). It never fails on a speed
figure (the targets of issue 17 are printed beside the ratios and judged by a person),
only when a message to the assistant went unanswered.

    .venv/bin/python bench/load.py            # about four minutes
    .venv/bin/python bench/load.py --short    # about two
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from bench import bare_rasa, db_scale  # noqa: E402
from bench.load_stats import growth, median_growth, ratio, summarise  # noqa: E402
from bench.load_traffic import run_users  # noqa: E402
from bench.results_file import write_results  # noqa: E402
from infra.services import is_healthy  # noqa: E402
from tests.assistant import (  # noqa: E402
    ONE_ADDRESS_FOR_ALL,
    SERVICE_MARKS,
    Assistant,
    free_port,
    service_pid,
    start_assistant,
    stop_assistant,
)

RESULTS = ROOT / "bench" / "results"

# A student's or parent's visit, ten messages, each a different question.
ANONYMOUS = (
    "hoi",
    "wat is het toptraject?",
    "hoeveel kost de bus naar het mbo",
    "wat is het 100-dagen programma",
    "wat doet een studentcoach",
    "wanneer zijn de examens",
    "krijg ik een studentenreisproduct op het mbo",
    "wat komt er na het vmbo",
    "oke dankje",
    "doei",
)
# A logged-in student: two questions read their own data.
LOGGED_IN = (
    *ANONYMOUS[:4],
    "hoe sta ik ervoor?",
    *ANONYMOUS[5:7],
    "waar ben ik nu in mijn route",
    *ANONYMOUS[8:],
)

# Conversations of one user (turns, rounds); crowds (users, turns each, rounds). One
# round of twenty users takes five seconds: on a shared machine one round's ratio
# moved by a tenth from run to run, so the full run repeats it.
FULL = {
    "one_user": (100, 3),
    "crowds": ((20, 10, 5), (50, 10, 2)),
    "students": (1_000, 100_000),
}
SHORT = {"one_user": (30, 1), "crowds": ((20, 3, 1), (50, 2, 1)), "students": (1_000, 20_000)}

TARGETS = {
    "crowd_20_throughput_vs_bare": ">= 1.0",
    "crowd_20_p50_vs_bare": "<= 1.2",
    "one_user_p95_vs_bare": "<= 1.2",
    "turn_100_vs_turn_1": "<= 1.2",
    "action_db_100k_vs_1k": "<= 1.5",
    "rasa_memory_vs_bare": "<= 1.2",
}


def peak_memory_mb(pid: int) -> float | None:
    """The most memory the process has held (VmHWM), in MB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class Bare:
    """The bare bot's server, started and stopped like the assistant."""

    def __init__(self, workdir: Path) -> None:
        model = bare_rasa.trained_model(workdir / "bare-init.log")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = bare_rasa.start(model, self.port, workdir / "bare.log")
        deadline = time.monotonic() + 300
        while not is_healthy(f"{self.url}/"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the bare Rasa bot did not start; see {workdir}/bare.log")
            time.sleep(1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def logged_in_senders(assistant: Assistant, tag: str, users: int) -> list[str]:
    """Sender ids for a crowd; every second one linked to a student of its own."""
    senders = []
    for n in range(users):
        sender = f"load-{tag}-{n}"
        if n % 2 == 1:
            assistant.link(sender, student_id=assistant.new_student(f"Load{tag}{n}"))
        senders.append(sender)
    return senders


def crowd(
    name: str, bots: dict, users: int, turns: int, *, rounds: int = 1, flip: bool
) -> dict[str, dict]:
    """One scenario on both bots, one after the other, `rounds` times; the bot that goes
    first changes every round (the assistant first in round one when `flip`), so
    neither always runs on a machine just warmed or just cooled, and a minute of other
    work on this shared machine falls on both. Figures over every round's turns, with
    each round's throughput beside them; the growth along a conversation is the median
    round's."""
    runs: dict[str, list] = {bot: [] for bot in bots}
    order = list(bots.items())
    if flip:
        order.reverse()
    for number in range(rounds):
        for bot, (url, senders_for, scripts) in order if number % 2 == 0 else order[::-1]:
            tag = name if rounds == 1 else f"{name}-{number}"
            runs[bot].append(run_users(url, senders_for(tag, users), scripts, turns))
    figures = {}
    for bot, results in runs.items():
        done = [turn for turns_done, _ in results for turn in turns_done]
        wall = sum(seconds for _, seconds in results)
        figures[bot] = {**summarise(done, wall), "wall_s": round(wall, 1)}
        if rounds > 1:
            figures[bot]["rounds_messages_per_s"] = [
                summarise(turns_done, seconds)["messages_per_s"] for turns_done, seconds in results
            ]
        if users == 1:
            figures[bot]["growth"] = median_growth(
                [growth(turns_done) for turns_done, _ in results]
            )
        # How each message was answered, so a reader sees these were real answers.
        figures[bot]["answers"] = {turn.said: turn.answer for turn in done if turn.ok}
        shown = {key: value for key, value in figures[bot].items() if key != "answers"}
        print(f"  {name:10} {bot:9} {shown}", flush=True)
    return figures


def compare(scenarios: dict, memory: dict, db: dict, crowd_20: str, one_user: str) -> dict:
    def of(scenario: str, figure: str) -> float:
        return ratio(scenarios[scenario]["assistant"][figure], scenarios[scenario]["bare"][figure])

    sizes = sorted(db, key=int)
    return {
        "crowd_20_throughput_vs_bare": of(crowd_20, "messages_per_s"),
        "crowd_20_p50_vs_bare": of(crowd_20, "p50_ms"),
        "one_user_p95_vs_bare": of(one_user, "p95_ms"),
        "turn_100_vs_turn_1": scenarios[one_user]["assistant"]["growth"]["last_over_first"],
        "action_db_100k_vs_1k": ratio(db[sizes[-1]]["p50_ms"], db[sizes[0]]["p50_ms"]),
        "rasa_memory_vs_bare": ratio(memory["assistant"]["rasa"], memory["bare"]["rasa"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="fewer turns and users, for CI")
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="one and two cluster instances beside the assistant and bare Rasa (load_cluster.py)",
    )
    args = parser.parse_args()
    if args.cluster:
        from bench.load_cluster import main as cluster_main

        return cluster_main()
    plan = SHORT if args.short else FULL
    # The short run's figures are CI's, not worth keeping in the repository.
    out = ROOT / "var" / "bench" / "load_short.json" if args.short else RESULTS / "load.json"

    with tempfile.TemporaryDirectory(prefix="load-") as scratch:
        workdir = Path(scratch)
        print("load: starting the bare Rasa bot (trained once into var/bench/)", flush=True)
        bare = Bare(workdir)
        assistant = None
        try:
            print("load: starting the assistant", flush=True)
            assistant = start_assistant(workdir / "assistant", ONE_ADDRESS_FOR_ALL)
            service_pid(assistant, "rasa")  # found now, not after the whole run
            bots = {
                "bare": (
                    bare.url,
                    lambda tag, users: [f"load-{tag}-{n}" for n in range(users)],
                    [bare_rasa.TURNS],
                ),
                "assistant": (
                    assistant.rasa_url,
                    lambda tag, users: logged_in_senders(assistant, tag, users),
                    [ANONYMOUS, LOGGED_IN],
                ),
            }
            for url, senders_for, scripts in bots.values():  # warm both up
                run_users(url, senders_for("warm-up", 2), scripts, 10)
            scenarios = {}
            turns, rounds = plan["one_user"]
            one_user = f"1x{turns}"
            scenarios[one_user] = crowd(one_user, bots, 1, turns, rounds=rounds, flip=False)
            for users, turns, rounds in plan["crowds"]:
                name = f"{users}x{turns}"
                scenarios[name] = crowd(
                    name, bots, users, turns, rounds=rounds, flip=len(scenarios) % 2 == 1
                )
            memory = {
                "bare": {"rasa": peak_memory_mb(bare.process.pid)},
                "assistant": {
                    role: peak_memory_mb(service_pid(assistant, role))
                    for role in sorted(SERVICE_MARKS)
                },
            }
            print(f"  peak memory (MB) {memory}", flush=True)
        finally:
            bare.stop()
            if assistant is not None:
                stop_assistant(assistant)
        print("load: action database time by number of students", flush=True)
        db = db_scale.measure(workdir, plan["students"], samples=200 if args.short else 500)
        print(f"  {db}", flush=True)

    crowd_20 = next(name for name in scenarios if name.startswith("20x"))
    ratios = compare(scenarios, memory, db, crowd_20, one_user)
    print("load: assistant / bare Rasa (target)")
    for name, value in ratios.items():
        print(f"  {name:30} {value:6}   ({TARGETS[name]})")
    write_results(
        out,
        {
            "mode": "short" if args.short else "full",
            "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
            "ratios": ratios,
            "targets": TARGETS,
            "scenarios": scenarios,
            "peak_memory_mb": memory,
            "action_db_by_students": db,
        },
    )
    print(f"load: written to {out.relative_to(ROOT)}")
    unanswered = sum(figures["assistant"]["errors"] for figures in scenarios.values())
    if unanswered:
        # Not a speed figure: a message the assistant leaves without an answer is
        # silence, a bug. (The bare bot's errors are only reported.)
        print(f"load: {unanswered} messages to the assistant went unanswered")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
