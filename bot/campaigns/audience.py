"""Who a campaign reaches: rules a coordinator picks, decided for each student by a pure
function, and the database read that gives those functions their facts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.campaigns.recipients import recipient_key
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import (
    Campaign,
    CampaignDelivery,
    CheckIn,
    GuardianStudent,
    Handoff,
    RiskFlag,
    RoutePhase,
    School,
    Student,
)
from bot.identity.access import GuardianPermissions, Purpose, age_on, guardian_refusal
from bot.vocabulary import HandoffStatus, PersonRole, Recipients

RISK_CHOICES = ("include", "exclude", "only")


@dataclass(frozen=True)
class AudienceRules:
    """The rules of a campaign's audience; empty lists mean "every".

    quiet_weeks: only students without a check-in for at least this many weeks.
    risk: students with an open risk flag included, excluded, or only they.
    without_task_done: not those who already said they did the campaign's task (in
    any campaign about the same calendar entry)."""

    phases: tuple[str, ...] = ()
    school_ids: tuple[int, ...] = ()
    quiet_weeks: int | None = None
    risk: str = "include"
    without_task_done: bool = True

    def __post_init__(self) -> None:
        if self.risk not in RISK_CHOICES:
            raise ValueError(f"risk must be one of {RISK_CHOICES}")
        if self.quiet_weeks is not None and self.quiet_weeks < 1:
            raise ValueError("quiet_weeks must be at least 1")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AudienceRules:
        raw = json.loads(text)
        return cls(
            phases=tuple(raw.get("phases") or ()),
            school_ids=tuple(int(each) for each in raw.get("school_ids") or ()),
            quiet_weeks=raw.get("quiet_weeks"),
            risk=raw.get("risk", "include"),
            without_task_done=bool(raw.get("without_task_done", True)),
        )


@dataclass(frozen=True)
class Candidate:
    """What the rules look at for one student."""

    student_id: int
    phase: str
    school_id: int
    last_check_in: date | None
    open_risk: bool
    task_done: bool
    # The parents who may hear about this student's route (the school's setting, and
    # from 18 the student's own consent).
    guardian_ids: tuple[int, ...] = field(default=())


def matches(rules: AudienceRules, candidate: Candidate, today: date) -> bool:
    if rules.phases and candidate.phase not in rules.phases:
        return False
    if rules.school_ids and candidate.school_id not in rules.school_ids:
        return False
    if rules.quiet_weeks is not None:
        cutoff = today - timedelta(weeks=rules.quiet_weeks)
        if candidate.last_check_in is not None and candidate.last_check_in > cutoff:
            return False
    if rules.risk == "exclude" and candidate.open_risk:
        return False
    if rules.risk == "only" and not candidate.open_risk:
        return False
    return not (rules.without_task_done and candidate.task_done)


def recipients_of(
    candidates: Iterable[Candidate], rules: AudienceRules, recipients: Recipients, today: date
) -> list[str]:
    """The recipient keys the rules pick, each once (a parent of two matching children
    gets one message), in a stable order."""
    keys: set[str] = set()
    for candidate in candidates:
        if not matches(rules, candidate, today):
            continue
        if recipients is Recipients.STUDENTS:
            keys.add(recipient_key(PersonRole.STUDENT, candidate.student_id))
        else:
            keys.update(recipient_key(PersonRole.GUARDIAN, each) for each in candidate.guardian_ids)
    return sorted(keys, key=lambda key: (key.split(":")[0], int(key.split(":")[1])))


def _students_in_scope(session: Session, region_id: int, school_id: int | None) -> list[Student]:
    query = select(Student).join(School, Student.school_id == School.id)
    query = query.where(School.region_id == region_id)
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    return list(session.scalars(query.order_by(Student.id)))


def _open_risk_students(session: Session, student_ids: list[int]) -> set[int]:
    """Students with a risk flag that no coordinator has finished with yet."""
    rows = session.execute(
        select(RiskFlag.student_id, Handoff.status)
        .outerjoin(Handoff, RiskFlag.handoff_id == Handoff.id)
        .where(RiskFlag.student_id.in_(student_ids))
    )
    return {
        student_id
        for student_id, status in rows
        if status is None or status in (HandoffStatus.OPEN, HandoffStatus.CLAIMED)
    }


def _task_done_students(session: Session, task_key: str | None) -> tuple[set[int], set[int]]:
    """Students, and parents, who said they did the task of this key."""
    if task_key is None:
        return set(), set()
    rows = session.execute(
        select(CampaignDelivery.student_id, CampaignDelivery.guardian_id)
        .join(Campaign, CampaignDelivery.campaign_id == Campaign.id)
        .where(Campaign.task_key == task_key, CampaignDelivery.task_done_at.is_not(None))
    )
    students, guardians = set(), set()
    for student_id, guardian_id in rows:
        if student_id is not None:
            students.add(student_id)
        if guardian_id is not None:
            guardians.add(guardian_id)
    return students, guardians


def candidates(
    session: Session, *, region_id: int, school_id: int | None, task_key: str | None, today: date
) -> list[Candidate]:
    """The facts the rules read, for every student in the campaign's scope."""
    students = _students_in_scope(session, region_id, school_id)
    ids = [student.id for student in students]
    if not ids:
        return []
    phases = {row.id: row.code for row in session.execute(select(RoutePhase.id, RoutePhase.code))}
    last: dict[int, datetime] = {}
    for student_id, moment in session.execute(
        select(CheckIn.student_id, CheckIn.created_at).where(CheckIn.student_id.in_(ids))
    ):
        last[student_id] = max(moment, last.get(student_id, moment))
    risky = _open_risk_students(session, ids)
    done_students, done_guardians = _task_done_students(session, task_key)
    guardians: dict[int, list[GuardianStudent]] = {}
    for relation in session.scalars(
        select(GuardianStudent).where(GuardianStudent.student_id.in_(ids))
    ):
        guardians.setdefault(relation.student_id, []).append(relation)
    result = []
    for student in students:
        allowed = tuple(
            sorted(
                relation.guardian_id
                for relation in guardians.get(student.id, [])
                if relation.guardian_id not in done_guardians
                and guardian_refusal(
                    Purpose.ROUTE,
                    GuardianPermissions(
                        may_see_progress=relation.may_see_progress,
                        may_see_exams=relation.may_see_exams,
                        may_see_checkin_notes=relation.may_see_checkin_notes,
                    ),
                    age_on(student.birth_date, today),
                    student.consents_to_guardian_access,
                )
                is None
            )
        )
        moment = last.get(student.id)
        result.append(
            Candidate(
                student_id=student.id,
                phase=phases[student.phase_id],
                school_id=student.school_id,
                last_check_in=moment.astimezone(SCHOOL_TIMEZONE).date() if moment else None,
                open_risk=student.id in risky,
                task_done=student.id in done_students,
                guardian_ids=allowed,
            )
        )
    return result
