"""The demo data set: the real Twente route and schools with fictional people.

Idempotent: running it again updates what exists by its natural key and adds what is
missing. Demo link codes are made fresh (unused, 14 days) on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.checkins.goals import school_year_start, sync_route_goals
from bot.db.models import (
    BuildingBlock,
    Coordinator,
    Guardian,
    GuardianStudent,
    LinkCode,
    Region,
    Route,
    RoutePhase,
    School,
    Student,
    utcnow,
)
from bot.identity.codes import hash_code, normalise_code
from bot.identity.linking import CODE_LIFETIME
from bot.identity.passwords import hash_password
from bot.vocabulary import ProgrammeType, SchoolLevel

DEMO_DATA_FILE = Path(__file__).resolve().parent / "demo_data.yml"
DEMO_COORDINATOR_PASSWORD = "toptraject-demo"


@dataclass(frozen=True)
class DemoCode:
    code: str
    role: str
    person: str


def load_demo_data(path: Path = DEMO_DATA_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _upsert(session: Session, model: type, key: dict[str, Any], **values: Any) -> Any:
    """Finds a row by its natural key and sets the other values, or adds a new one."""
    row = session.execute(select(model).filter_by(**key)).scalar_one_or_none()
    if row is None:
        row = model(**key)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    return row


def seed_demo(session: Session, secret_key: str) -> list[DemoCode]:
    data = load_demo_data()
    regions = {
        entry["code"]: _upsert(session, Region, {"code": entry["code"]}, name=entry["name"])
        for entry in data["regions"]
    }
    schools = {
        entry["name"]: _upsert(
            session,
            School,
            {"region_id": regions[entry["region"]].id, "name": entry["name"]},
            level=SchoolLevel(entry["level"]),
            locations=entry.get("locations"),
        )
        for entry in data["schools"]
    }
    phases: dict[str, RoutePhase] = {}
    routes: dict[str, Route] = {}
    for entry in data["routes"]:
        route = _upsert(
            session,
            Route,
            {"code": entry["code"]},
            name=entry["name"],
            region_id=regions[entry["region"]].id,
        )
        routes[entry["code"]] = route
        for position, phase in enumerate(entry["phases"], start=1):
            phases[phase["code"]] = _upsert(
                session,
                RoutePhase,
                {"route_id": route.id, "code": phase["code"]},
                position=position,
                name=phase["name"],
                level=SchoolLevel(phase["level"]),
            )
    for entry in data["building_blocks"]:
        _upsert(
            session,
            BuildingBlock,
            {"code": entry["code"]},
            name=entry["name"],
            description=entry["description"],
        )
    for entry in data["coordinators"]:
        school = schools.get(entry.get("school", ""))
        region = school.region if school else regions[entry["region"]]
        _upsert(
            session,
            Coordinator,
            {"email": entry["email"]},
            name=entry["name"],
            region_id=region.id,
            school_id=school.id if school else None,
            ladder_level=entry["ladder_level"],
        )
        coordinator = session.scalar(select(Coordinator).where(Coordinator.email == entry["email"]))
        if coordinator.password_hash is None:
            # Demo only (seed-demo refuses to run in production); printed by the CLI.
            coordinator.password_hash = hash_password(DEMO_COORDINATOR_PASSWORD)
    (route,) = routes.values()
    students = {}
    for entry in data["students"]:
        programme = entry.get("programme_type")
        students[entry["key"]] = _upsert(
            session,
            Student,
            {"first_name": entry["first_name"], "last_name": entry["last_name"]},
            birth_date=entry["birth_date"],
            school_id=schools[entry["school"]].id,
            route_id=route.id,
            phase_id=phases[entry["phase"]].id,
            programme_type=ProgrammeType(programme) if programme else None,
            consents_to_guardian_access=entry.get("consents_to_guardian_access", False),
            phase_started_on=school_year_start(date.today()),
        )
    guardians = {}
    for entry in data["guardians"]:
        guardian = _upsert(
            session,
            Guardian,
            {"first_name": entry["first_name"], "last_name": entry["last_name"]},
            email=entry.get("email"),
        )
        guardians[entry["key"]] = guardian
        for child in entry["children"]:
            _upsert(
                session,
                GuardianStudent,
                {"guardian_id": guardian.id, "student_id": students[child["student"]].id},
                relationship_label=child["relationship"],
            )
    sync_route_goals(session)
    return _refresh_demo_codes(session, data["link_codes"], students, guardians, secret_key)


def _refresh_demo_codes(
    session: Session,
    entries: list[dict[str, str]],
    students: dict[str, Student],
    guardians: dict[str, Guardian],
    secret_key: str,
) -> list[DemoCode]:
    codes = []
    for entry in entries:
        code = normalise_code(entry["code"])
        if code is None:
            raise ValueError(f"demo code {entry['code']!r} is not a valid link code")
        student = students.get(entry.get("student", ""))
        guardian = guardians.get(entry.get("guardian", ""))
        _upsert(
            session,
            LinkCode,
            {"code_hash": hash_code(code, secret_key)},
            student_id=student.id if student else None,
            guardian_id=guardian.id if guardian else None,
            expires_at=utcnow() + CODE_LIFETIME,
            used_at=None,
            failed_attempts=0,
        )
        person = student or guardian
        role = "leerling" if student else "ouder"
        codes.append(DemoCode(code, role, f"{person.first_name} {person.last_name}"))
    return codes
