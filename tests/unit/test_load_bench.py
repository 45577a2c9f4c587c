"""The load bench's arithmetic and its large database (bench/load_stats.py, bench/db_scale.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from bench.db_scale import action_reads_ms, build
from bench.load_stats import Turn, growth, median_growth, percentile, ratio, summarise
from bot.db.models import AuditEntry, CheckIn, ConversationLink, Student
from infra.db.session import session_scope


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


def test_a_summary_counts_errors_apart_from_the_latencies():
    turns = [Turn(0, n, 0.1, True) for n in range(1, 10)] + [Turn(1, 1, 30.0, False)]
    figures = summarise(turns, wall_seconds=2.0)
    assert figures["messages"] == 10
    assert figures["errors"] == 1
    assert figures["p99_ms"] == 100.0  # the failed request's 30 s is not a latency
    assert figures["messages_per_s"] == 4.5


def test_growth_compares_the_last_turns_with_the_first():
    turns = [Turn(0, n, (100 + n) / 1000, True) for n in range(1, 101)]
    found = growth(turns)
    assert found["first_turns_p50_ms"] == 105.5
    assert found["last_turns_p50_ms"] == 195.5
    assert found["last_over_first"] == ratio(195.5, 105.5) == 1.85


def test_growth_of_a_short_conversation_uses_its_halves():
    turns = [Turn(0, n, n / 1000, True) for n in range(1, 7)]
    assert growth(turns)["first_turns_p50_ms"] == 2.0


def test_the_median_growth_of_several_conversations_is_the_middle_one():
    found = [{"last_over_first": value} for value in (1.3, 1.05, 1.1)]
    assert median_growth(found) == {"last_over_first": 1.1}
    assert median_growth(found[:2]) == {"last_over_first": 1.05}
    assert median_growth(found[:1]) == {"last_over_first": 1.3}


def test_the_large_database_has_linked_people_whose_progress_an_action_reads(tmp_path):
    now = datetime.now(timezone.utc)
    url, conversations = build(tmp_path / "bench.db", 120, now)
    with session_scope(url) as session:
        generated = select(func.count()).select_from(Student).where(Student.last_name == "Bench")
        assert session.scalar(generated) == 120
        assert session.scalar(select(func.count()).select_from(CheckIn)) >= 480
        links = select(func.count()).select_from(ConversationLink)
        assert (
            session.scalar(links.where(ConversationLink.conversation_id.in_(conversations))) == 120
        )
        audits_before = session.scalar(select(func.count()).select_from(AuditEntry))
    timings = action_reads_ms(url, conversations, 10, now.date())
    assert len(timings) == 10
    with session_scope(url) as session:
        # Each unit of work read one person's progress and route through the identity
        # gate, which logs both reads: the bench times real reads of linked people.
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
        assert audits == audits_before + 2 * 10
