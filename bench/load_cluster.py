"""Load on the cluster (issue 18): throughput with one and with two instances of the
assistant (`python -m bot cluster`: Rasa server and action server per instance, nginx,
PostgreSQL, Redis), beside `make run`'s single assistant (SQLite) and a bare Rasa bot,
all started on this machine and measured in the same run, taking turns.

20 users x 10 turns at once, three rounds per bot, the order reversed every round (the
traffic of bench/load.py: half the users logged in). Prints messages per second,
latency and the peak memory of each instance's processes, and writes
bench/results/load_cluster.json. On a machine with two cores a second instance cannot
add throughput (both share the same two cores, beside nginx, PostgreSQL and the load
generator): the figures say what one instance costs and answers, which sizes a region.

    .venv/bin/python bench/load_cluster.py     # about six minutes
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from bench import bare_rasa  # noqa: E402
from bench.load import ANONYMOUS, LOGGED_IN, Bare, crowd, logged_in_senders, peak_memory_mb  # noqa: E402
from bench.load_stats import ratio  # noqa: E402
from bench.load_traffic import run_users  # noqa: E402
from bench.results_file import write_results  # noqa: E402
from tests.assistant import (  # noqa: E402
    ONE_ADDRESS_FOR_ALL,
    Assistant,
    instance_pid,
    service_pid,
    start_assistant,
    stop_assistant,
)

OUT = ROOT / "bench" / "results" / "load_cluster.json"
USERS, TURNS, ROUNDS = 20, 10, 3


def _memory(assistant: Assistant) -> dict[str, float | None]:
    if assistant.plan is None:
        return {role: peak_memory_mb(service_pid(assistant, role)) for role in ("rasa", "actions")}
    return {
        f"{role}-{instance['number']}": peak_memory_mb(
            instance_pid(assistant, role, instance["number"])
        )
        for instance in assistant.plan["instances"]
        for role in ("rasa", "actions")
    }


def main() -> int:
    started: list[Assistant] = []
    with tempfile.TemporaryDirectory(prefix="load-cluster-") as scratch:
        workdir = Path(scratch)
        print("load-cluster: starting a bare Rasa bot, the assistant, and clusters of 1 and 2")
        bare = Bare(workdir)
        try:
            single = start_assistant(workdir / "single", ONE_ADDRESS_FOR_ALL)
            started.append(single)
            clusters = {}
            for instances in (1, 2):
                clusters[instances] = start_assistant(
                    workdir / f"cluster-{instances}", ONE_ADDRESS_FOR_ALL, instances=instances
                )
                started.append(clusters[instances])

            def of(assistant: Assistant) -> tuple:
                return (
                    assistant.rasa_url,
                    lambda tag, users: logged_in_senders(assistant, tag, users),
                    [ANONYMOUS, LOGGED_IN],
                )

            bots = {
                "bare": (
                    bare.url,
                    lambda tag, users: [f"load-{tag}-{n}" for n in range(users)],
                    [bare_rasa.TURNS],
                ),
                "single": of(single),
                "cluster_1": of(clusters[1]),
                "cluster_2": of(clusters[2]),
            }
            for url, senders_for, scripts in bots.values():  # warm every server up
                run_users(url, senders_for("warm-up", 4), scripts, 10)
            name = f"{USERS}x{TURNS}"
            figures = crowd(name, bots, USERS, TURNS, rounds=ROUNDS, flip=False)
            memory = {
                "bare": {"rasa": peak_memory_mb(bare.process.pid)},
                "single": _memory(single),
                "cluster_1": _memory(clusters[1]),
                "cluster_2": _memory(clusters[2]),
            }
            print(f"  peak memory (MB) {memory}", flush=True)
        finally:
            bare.stop()
            for assistant in started:
                stop_assistant(assistant)

    def per_s(bot: str) -> float:
        return figures[bot]["messages_per_s"]

    ratios = {
        "cluster_2_vs_cluster_1_throughput": ratio(per_s("cluster_2"), per_s("cluster_1")),
        "cluster_1_vs_single_throughput": ratio(per_s("cluster_1"), per_s("single")),
        "cluster_1_vs_bare_throughput": ratio(per_s("cluster_1"), per_s("bare")),
        "cluster_2_vs_bare_throughput": ratio(per_s("cluster_2"), per_s("bare")),
        "cluster_1_vs_single_p50": ratio(
            figures["cluster_1"]["p50_ms"], figures["single"]["p50_ms"]
        ),
    }
    print("load-cluster: ratios")
    for key, value in ratios.items():
        print(f"  {key:36} {value}")
    write_results(
        OUT,
        {
            "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
            "scenario": {"users": USERS, "turns": TURNS, "rounds": ROUNDS},
            "ratios": ratios,
            "figures": figures,
            "peak_memory_mb": memory,
        },
    )
    print(f"load-cluster: written to {OUT.relative_to(ROOT)}")
    unanswered = sum(figures[bot]["errors"] for bot in bots if bot != "bare")
    if unanswered:
        print(f"load-cluster: {unanswered} messages to the assistant went unanswered")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
