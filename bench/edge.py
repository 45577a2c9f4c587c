"""What one huge message costs, and whether it delays everyone else.

Starts the assistant (tests/assistant.py) and measures over Rasa's REST channel:
- a normal question alone (p50 of 20),
- a 100 KB message alone (p50 of 5, each the first long message of its sender): the
  channel cuts it to 1,001 characters, which the language model reads (for risk too),
- normal questions from four users while five others send four 100 KB messages each:
  a sender's repeats within a minute are answered at the edge (bot/edge_answer.py),
  so the flood costs microseconds (p50 and p95 of the normal ones), against the same
  four users while five others send normal questions: the ratio says whether a huge
  message costs the others more than an ordinary one does (1.0: no more).

Issue 14's target: the 100 KB message answered in under 0.5 s without delaying others.
Prints the numbers and writes bench/results/edge.json; it never fails (a noisy shared
machine judges nothing): the figures are read against the target.

    .venv/bin/python bench/edge.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from bench.results_file import write_results  # noqa: E402
from tests.assistant import ONE_ADDRESS_FOR_ALL, start_assistant, stop_assistant  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "edge.json"
NORMAL = "hoeveel kost de bus naar het mbo"
HUGE = "ik wil iets vragen over mijn route " * 2900  # about 100 KB


def timed(rasa_url: str, sender: str, text: str) -> float:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        replies = json.load(response)
    elapsed = time.perf_counter() - started
    if not replies:
        raise RuntimeError(f"no reply to {text[:30]!r}")
    return elapsed


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def normal_users(rasa_url: str, tag: str, turns: int = 5) -> list[float]:
    def user(n: int) -> list[float]:
        return [timed(rasa_url, f"{tag}-{n}", NORMAL) for _ in range(turns)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        return [t for times in pool.map(user, range(4)) for t in times]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="edge-") as workdir:
        assistant = start_assistant(Path(workdir), ONE_ADDRESS_FOR_ALL)
        try:
            url = assistant.rasa_url
            timed(url, "warm-up", NORMAL)
            alone = [timed(url, f"alone-{n}", NORMAL) for n in range(20)]
            huge = [timed(url, f"huge-{n}", HUGE) for n in range(5)]
            quiet = normal_users(url, "quiet")
            with ThreadPoolExecutor(max_workers=5) as pool:
                others = [pool.submit(timed, url, f"others-{n % 5}", NORMAL) for n in range(20)]
                beside_normal = normal_users(url, "beside-normal")
                [future.result() for future in others]
            with ThreadPoolExecutor(max_workers=5) as pool:
                flood = [pool.submit(timed, url, f"flood-{n % 5}", HUGE) for n in range(20)]
                crowded = normal_users(url, "crowded")
                huge_crowded = [future.result() for future in flood]
        finally:
            stop_assistant(assistant)
    figures = {
        "bytes_of_the_huge_message": len(HUGE.encode()),
        "normal_alone_p50_s": round(statistics.median(alone), 3),
        "huge_alone_p50_s": round(statistics.median(huge), 3),
        "huge_alone_max_s": round(max(huge), 3),
        "four_users_p50_s": round(statistics.median(quiet), 3),
        "four_users_p95_s": round(p(quiet, 0.95), 3),
        "four_users_beside_normal_p50_s": round(statistics.median(beside_normal), 3),
        "four_users_beside_normal_p95_s": round(p(beside_normal, 0.95), 3),
        "four_users_beside_huge_p50_s": round(statistics.median(crowded), 3),
        "four_users_beside_huge_p95_s": round(p(crowded, 0.95), 3),
        "huge_beside_users_p50_s": round(statistics.median(huge_crowded), 3),
    }
    figures["huge_versus_normal_neighbours_p50"] = round(
        figures["four_users_beside_huge_p50_s"] / figures["four_users_beside_normal_p50_s"], 2
    )
    for name, value in figures.items():
        print(f"{name:32} {value}")
    write_results(
        RESULTS,
        {
            "target": "100 KB answered in under 0.5 s; others not delayed "
            "(huge_versus_normal_neighbours_p50 about 1.0)",
            "figures": figures,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
