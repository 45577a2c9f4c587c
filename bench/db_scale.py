"""Action database time with many students: the reads an action makes for a linked
conversation, on a database of 1,000 students against one of 100,000.

Each database is the demo one (bot/demo) plus `students` generated students, each with
a guardian, a conversation link (half the student's, half the guardian's), four
check-ins, a personal goal and five audit entries; one in fifty has a risk flag. The
unit of work timed is what action_show_progress and action_my_route do: a session,
`progress_reports` (identity gate, progress from goals and check-ins, an audit entry),
`authorise` for the route, commit.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

from bench.load_stats import percentile
from bot.checkins.records import progress_reports
from bot.db.models import (
    AuditEntry,
    CheckIn,
    ConversationLink,
    Guardian,
    GuardianStudent,
    InterimGoal,
    RiskFlag,
    Student,
)
from bot.demo.seed import seed_demo
from bot.identity.access import Purpose, authorise
from bot.vocabulary import (
    CheckInStatus,
    HandoffPriority,
    LinkMethod,
    PersonRole,
    RiskKind,
)
from infra.db.migrate import upgrade
from infra.db.session import get_engine, session_scope

SECRET = "bench-secret-long-enough-for-hs256"
BATCH = 5_000


def _rows(
    first: int, count: int, template: Student, goal_ids: list[int], now: datetime
) -> tuple[tuple[type, list[dict]], ...]:
    statuses = list(CheckInStatus)
    students, guardians, relations, links, check_ins, goals, audits, flags = ([] for _ in range(8))
    for n in range(first, first + count):
        students.append(
            {
                "id": n,
                "first_name": f"Leerling{n}",
                "last_name": "Bench",
                "birth_date": date(2010, 1, 1) + timedelta(days=n % 700),
                "school_id": template.school_id,
                "route_id": template.route_id,
                "phase_id": template.phase_id,
                "phase_started_on": template.phase_started_on,
            }
        )
        guardians.append({"id": n, "first_name": f"Ouder{n}", "last_name": "Bench"})
        relations.append({"guardian_id": n, "student_id": n})
        as_student = n % 2 == 0
        links.append(
            {
                "conversation_id": f"bench-{n}",
                "role": PersonRole.STUDENT if as_student else PersonRole.GUARDIAN,
                "student_id": n if as_student else None,
                "guardian_id": None if as_student else n,
                "linked_via": LinkMethod.CODE,
                "linked_at": now,
            }
        )
        for k in range(4):
            check_ins.append(
                {
                    "student_id": n,
                    "goal_id": goal_ids[(n + k) % len(goal_ids)],
                    "status": statuses[(n + k) % len(statuses)],
                    "motivation": 1 + (n + k) % 5,
                    "note": "",
                    "conversation_id": f"bench-{n}",
                    "created_at": now - timedelta(days=7 * k + n % 7),
                }
            )
        goals.append(
            {
                "phase_id": template.phase_id,
                "owner_student_id": n,
                "title": "Eigen doel",
                "due_date": now.date() + timedelta(days=30),
                "created_at": now,
            }
        )
        for k in range(5):
            audits.append(
                {
                    "occurred_at": now - timedelta(hours=k),
                    "actor_type": "conversation",
                    "action": "read",
                    "subject_type": "student",
                    "subject_id": str(n),
                    "conversation_id": f"bench-{n}",
                    "detail": "progress",
                }
            )
        if n % 50 == 0:
            flags.append(
                {
                    "student_id": n,
                    "kind": list(RiskKind)[n % len(RiskKind)],
                    "priority": HandoffPriority.NORMAL,
                    "conversation_id": f"bench-{n}",
                    "created_at": now,
                }
            )
    return (
        (Student, students),
        (Guardian, guardians),
        (GuardianStudent, relations),
        (ConversationLink, links),
        (InterimGoal, goals),
        (CheckIn, check_ins),
        (AuditEntry, audits),
        (RiskFlag, flags),
    )


def build(path: Path, students: int, now: datetime) -> tuple[str, list[str]]:
    """A migrated, seeded database with `students` more students; returns its URL and
    the conversation ids of the generated people."""
    url = f"sqlite:///{path}"
    upgrade(url)
    with session_scope(url) as session:
        seed_demo(session, SECRET)
    with session_scope(url) as session:
        template = session.scalar(select(Student).where(Student.first_name == "Sanne"))
        goal_ids = list(
            session.scalars(
                select(InterimGoal.id).where(
                    InterimGoal.phase_id == template.phase_id, InterimGoal.code.is_not(None)
                )
            )
        )
        session.expunge(template)
    first = 1_000_000  # above every demo id
    for start in range(first, first + students, BATCH):
        count = min(BATCH, first + students - start)
        with session_scope(url) as session:
            for model, rows in _rows(start, count, template, goal_ids, now):
                if rows:
                    session.execute(insert(model), rows)
    with get_engine(url).connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    return url, [f"bench-{n}" for n in range(first, first + students)]


def action_reads_ms(url: str, conversations: list[str], samples: int, today: date) -> list[float]:
    """Milliseconds of one action's unit of work, for `samples` random linked people."""
    chooser = random.Random(17)
    timings = []
    for conversation_id in (chooser.choice(conversations) for _ in range(samples)):
        started = time.perf_counter()
        with session_scope(url) as session:
            progress_reports(
                session, conversation_id, today=today, message_text="hoe sta ik ervoor"
            )
            authorise(session, conversation_id, Purpose.ROUTE, today=today)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def measure(workdir: Path, sizes: tuple[int, ...], samples: int) -> dict[str, dict]:
    """p50 and p95 (ms) of the action's database work per database size."""
    now = datetime.now(timezone.utc)
    figures = {}
    for size in sizes:
        started = time.perf_counter()
        url, conversations = build(workdir / f"students-{size}.db", size, now)
        built = time.perf_counter() - started
        action_reads_ms(url, conversations, 20, now.date())  # warm the caches
        timings = action_reads_ms(url, conversations, samples, now.date())
        figures[str(size)] = {
            "p50_ms": round(percentile(timings, 0.5), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "build_s": round(built, 1),
        }
    return figures
