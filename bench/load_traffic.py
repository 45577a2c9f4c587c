"""Simulated users over Rasa's REST channel: each sends its next message as soon as the
previous one is answered (no think time), all users at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import aiohttp

from bench.load_stats import Turn

TIMEOUT = aiohttp.ClientTimeout(total=180)


async def _user(
    http: aiohttp.ClientSession, url: str, user: int, sender: str, texts: Sequence[str], turns: int
) -> list[Turn]:
    done = []
    for number in range(1, turns + 1):
        text = texts[(number - 1) % len(texts)]
        started = time.perf_counter()
        try:
            async with http.post(url, json={"sender": sender, "message": text}) as response:
                replies = await response.json() if response.status == 200 else []
            ok = bool(replies)  # an empty answer is silence: an error here
        except (aiohttp.ClientError, asyncio.TimeoutError):
            ok, replies = False, []
        answer = (replies[0].get("text") or "[buttons]")[:60] if replies else ""
        done.append(Turn(user, number, time.perf_counter() - started, ok, text, answer))
    return done


async def _all(
    rasa_url: str, senders: Sequence[str], scripts: Sequence[Sequence[str]], turns: int
) -> tuple[list[Turn], float]:
    url = f"{rasa_url}/webhooks/rest/webhook"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=TIMEOUT) as http:
        started = time.perf_counter()
        per_user = await asyncio.gather(
            *(
                _user(http, url, user, sender, scripts[user % len(scripts)], turns)
                for user, sender in enumerate(senders)
            )
        )
        return [turn for turns_of_one in per_user for turn in turns_of_one], (
            time.perf_counter() - started
        )


def run_users(
    rasa_url: str, senders: Sequence[str], scripts: Sequence[Sequence[str]], turns: int
) -> tuple[list[Turn], float]:
    """Every sender talks `turns` messages (user n follows script n mod len(scripts));
    returns every turn and the wall time of the whole run in seconds."""
    return asyncio.run(_all(rasa_url, senders, scripts, turns))
