"""The domain model of the Toptraject assistant (docs/architecture.md).

SQLAlchemy 1.4 (the line Rasa 3.6 pins). The schema is created and changed only by
the Alembic migrations in infra/db/migrations; a test checks that they match this file.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base, relationship

from bot.vocabulary import (
    CampaignStatus,
    CampaignTask,
    CheckInStatus,
    HandoffPriority,
    HandoffStatus,
    LinkMethod,
    OutboxStatus,
    PersonRole,
    ProgrammeType,
    Recipients,
    ReviewReason,
    ReviewStatus,
    RiskKind,
    SchoolLevel,
    ThreadAuthor,
)

# Stable constraint names, so migrations can refer to them on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Base = declarative_base(metadata=metadata)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns timezone-aware datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Region(Base):
    __tablename__ = "regions"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)

    schools = relationship("School", back_populates="region")


class School(Base):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("region_id", "name", name="uq_schools_region_name"),)

    id = Column(Integer, primary_key=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    level = Column(_enum(SchoolLevel, "school_level"), nullable=False)
    locations = Column(String(300), nullable=True)

    region = relationship("Region", back_populates="schools")


class Route(Base):
    """A continuous learning route, such as the Toptraject in Twente."""

    __tablename__ = "routes"

    id = Column(Integer, primary_key=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False, index=True)
    code = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)

    phases = relationship("RoutePhase", back_populates="route", order_by="RoutePhase.position")


class RoutePhase(Base):
    """One ordered step of a route: vmbo 3, vmbo 4, mbo years, the mhbo year, hbo 1."""

    __tablename__ = "route_phases"
    __table_args__ = (
        UniqueConstraint("route_id", "position", name="uq_route_phases_route_position"),
        UniqueConstraint("route_id", "code", name="uq_route_phases_route_code"),
    )

    id = Column(Integer, primary_key=True)
    route_id = Column(ForeignKey("routes.id"), nullable=False)
    position = Column(Integer, nullable=False)
    code = Column(String(32), nullable=False)
    name = Column(String(100), nullable=False)
    level = Column(_enum(SchoolLevel, "phase_level"), nullable=False)

    route = relationship("Route", back_populates="phases")


class BuildingBlock(Base):
    """One of the four bouwstenen that run through the whole route."""

    __tablename__ = "building_blocks"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(100), nullable=False)
    description = Column(Text, nullable=False, default="")


class InterimGoal(Base):
    """A tussendoel: a route goal per phase and building block, or a student's own goal."""

    __tablename__ = "interim_goals"

    id = Column(Integer, primary_key=True)
    # Route goals have a stable code from bot/checkins/goals.yml; personal goals none.
    code = Column(String(64), nullable=True, unique=True)
    phase_id = Column(ForeignKey("route_phases.id"), nullable=False, index=True)
    building_block_id = Column(ForeignKey("building_blocks.id"), nullable=True)
    owner_student_id = Column(ForeignKey("students.id"), nullable=True, index=True)
    title = Column(String(300), nullable=False)
    description = Column(Text, nullable=False, default="")
    # Route goals fall due a number of weeks into the phase; personal goals have a date.
    due_week_in_phase = Column(Integer, nullable=True)
    due_date = Column(Date, nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Student(Base):
    __tablename__ = "students"

    id = Column(Integer, primary_key=True)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False)
    birth_date = Column(Date, nullable=False)
    school_id = Column(ForeignKey("schools.id"), nullable=False, index=True)
    route_id = Column(ForeignKey("routes.id"), nullable=False)
    phase_id = Column(ForeignKey("route_phases.id"), nullable=False)
    programme_type = Column(_enum(ProgrammeType, "programme_type"), nullable=True)
    # Route goals fall due a number of weeks after this date (the start of the phase).
    phase_started_on = Column(Date, nullable=True)
    # A student of 18 or older decides whether guardians may see anything.
    consents_to_guardian_access = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    school = relationship("School")
    route = relationship("Route")
    phase = relationship("RoutePhase")
    guardian_links = relationship("GuardianStudent", back_populates="student")


class Guardian(Base):
    __tablename__ = "guardians"

    id = Column(Integer, primary_key=True)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False)
    email = Column(String(200), nullable=True)

    student_links = relationship("GuardianStudent", back_populates="guardian")


class GuardianStudent(Base):
    """Links a guardian to a child, with what the school lets this guardian see."""

    __tablename__ = "guardian_students"

    guardian_id = Column(ForeignKey("guardians.id"), primary_key=True)
    student_id = Column(ForeignKey("students.id"), primary_key=True)
    relationship_label = Column(String(50), nullable=False, default="ouder")
    may_see_progress = Column(Boolean, nullable=False, default=True)
    may_see_checkin_notes = Column(Boolean, nullable=False, default=False)
    may_see_exams = Column(Boolean, nullable=False, default=True)

    guardian = relationship("Guardian", back_populates="student_links")
    student = relationship("Student", back_populates="guardian_links")


class Coordinator(Base):
    """A person who answers handoffs: at a school (ladder level 1) or for a region (2)."""

    __tablename__ = "coordinators"
    __table_args__ = (
        CheckConstraint("ladder_level IN (1, 2)", name="ladder_level"),
        CheckConstraint(
            "(ladder_level = 1 AND school_id IS NOT NULL) OR ladder_level = 2",
            name="school_coordinator_has_school",
        ),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    email = Column(String(200), nullable=False, unique=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False, index=True)
    school_id = Column(ForeignKey("schools.id"), nullable=True, index=True)
    ladder_level = Column(Integer, nullable=False, default=1)
    password_hash = Column(String(300), nullable=True)
    # Mail about new handoffs, answers during a live handover and escalations.
    mail_notifications = Column(Boolean, nullable=False, default=True)
    active = Column(Boolean, nullable=False, default=True)
    # Raised at logout: inbox cookies carry the epoch they were made in, so every
    # earlier session of this coordinator stops working.
    session_epoch = Column(Integer, nullable=False, default=0, server_default="0")

    school = relationship("School")
    region = relationship("Region")


class LinkCode(Base):
    """A one-time koppelcode. Only a keyed hash of the code is stored."""

    __tablename__ = "link_codes"
    __table_args__ = (
        CheckConstraint("(student_id IS NULL) <> (guardian_id IS NULL)", name="exactly_one_person"),
    )

    id = Column(Integer, primary_key=True)
    code_hash = Column(String(128), nullable=False, unique=True)
    student_id = Column(ForeignKey("students.id"), nullable=True, index=True)
    guardian_id = Column(ForeignKey("guardians.id"), nullable=True, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    used_at = Column(UTCDateTime, nullable=True)
    failed_attempts = Column(Integer, nullable=False, default=0)


class ConversationLink(Base):
    """Who a conversation belongs to. The only source of identity for actions."""

    __tablename__ = "conversation_links"
    __table_args__ = (
        CheckConstraint(
            "(role = 'student' AND student_id IS NOT NULL AND guardian_id IS NULL)"
            " OR (role = 'guardian' AND guardian_id IS NOT NULL AND student_id IS NULL)",
            name="role_matches_person",
        ),
    )

    conversation_id = Column(String(255), primary_key=True)
    role = Column(_enum(PersonRole, "person_role"), nullable=False)
    student_id = Column(ForeignKey("students.id"), nullable=True, index=True)
    guardian_id = Column(ForeignKey("guardians.id"), nullable=True, index=True)
    # For a guardian with several children: the child this conversation is about.
    selected_student_id = Column(ForeignKey("students.id"), nullable=True)
    linked_via = Column(_enum(LinkMethod, "link_method"), nullable=False)
    linked_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # What later messages must show to speak in this conversation (bot/identity/proof.py).
    proof = Column(String(64), nullable=True)

    student = relationship("Student", foreign_keys=[student_id])
    guardian = relationship("Guardian")


class DeviceLogin(Base):
    """ "Onthoud mij op dit apparaat": a long-lived, revocable login on one device
    (bot/identity/devices.py). The device holds the secret; only its hash is here, and
    it changes at every use."""

    __tablename__ = "device_logins"
    __table_args__ = (
        CheckConstraint(
            "(role = 'student' AND student_id IS NOT NULL AND guardian_id IS NULL)"
            " OR (role = 'guardian' AND guardian_id IS NOT NULL AND student_id IS NULL)",
            name="role_matches_person",
        ),
    )

    id = Column(Integer, primary_key=True)
    role = Column(_enum(PersonRole, "person_role"), nullable=False)
    student_id = Column(ForeignKey("students.id"), nullable=True, index=True)
    guardian_id = Column(ForeignKey("guardians.id"), nullable=True, index=True)
    secret_hash = Column(String(64), nullable=False)
    # The secret before the last rotation, accepted briefly (two tabs opened at once).
    previous_hash = Column(String(64), nullable=True)
    rotated_at = Column(UTCDateTime, nullable=False)
    # The proof of the chat token it last gave (bot/identity/proof.py); every token it
    # gave is in device_tokens.
    token_proof = Column(String(64), nullable=True, index=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    revoked_at = Column(UTCDateTime, nullable=True)


class DeviceToken(Base):
    """A chat token a device login gave (one per tab or visit): "uitloggen" in any of
    them ends the device's login, and the end of the device's login ends all of them,
    so no other tab stays logged in."""

    __tablename__ = "device_tokens"

    token_proof = Column(String(64), primary_key=True)
    device_id = Column(ForeignKey("device_logins.id"), nullable=False, index=True)
    issued_at = Column(UTCDateTime, nullable=False)


class EndedChatToken(Base):
    """A chat token whose login ended ("uitloggen"): it opens no conversation again."""

    __tablename__ = "ended_chat_tokens"

    token_proof = Column(String(64), primary_key=True)
    ended_at = Column(UTCDateTime, nullable=False)


class LinkAttempt(Base):
    """Every try to link with a code, for the lockout rules."""

    __tablename__ = "link_attempts"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    # A keyed hash of the client's network address (never the address itself).
    client_key = Column(String(64), nullable=True, index=True)
    link_code_id = Column(ForeignKey("link_codes.id"), nullable=True, index=True)
    succeeded = Column(Boolean, nullable=False)
    attempted_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class LoginAttempt(Base):
    """Every try to log in to the inbox, for the limits per account and per address.
    Both are keyed hashes: a mistyped e-mail address is not kept."""

    __tablename__ = "login_attempts"

    id = Column(Integer, primary_key=True)
    account_key = Column(String(64), nullable=False, index=True)
    client_key = Column(String(64), nullable=False, index=True)
    succeeded = Column(Boolean, nullable=False)
    attempted_at = Column(UTCDateTime, nullable=False, default=utcnow)


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (CheckConstraint("motivation BETWEEN 1 AND 5", name="motivation_range"),)

    id = Column(Integer, primary_key=True)
    student_id = Column(ForeignKey("students.id"), nullable=False, index=True)
    goal_id = Column(ForeignKey("interim_goals.id"), nullable=False, index=True)
    status = Column(_enum(CheckInStatus, "checkin_status"), nullable=False)
    motivation = Column(Integer, nullable=False)
    note = Column(Text, nullable=False, default="")
    if_then_plan = Column(Text, nullable=True)
    conversation_id = Column(String(255), nullable=True)
    # One per finished check-in conversation, so a repeated submit stores nothing twice.
    idempotency_key = Column(String(64), nullable=True, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    goal = relationship("InterimGoal")


class Nudge(Base):
    """A reminder about a goal that falls due: shown when the student next opens the chat."""

    __tablename__ = "nudges"

    id = Column(Integer, primary_key=True)
    student_id = Column(ForeignKey("students.id"), nullable=False, index=True)
    goal_id = Column(ForeignKey("interim_goals.id"), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    shown_at = Column(UTCDateTime, nullable=True)
    shown_in_conversation_id = Column(String(255), nullable=True)

    goal = relationship("InterimGoal")


class RiskFlag(Base):
    """A risk signal from a message or a check-in, and the handoff made for it.

    Anonymous conversations get flags too (no student): nobody at risk waits for a login.
    """

    __tablename__ = "risk_flags"

    id = Column(Integer, primary_key=True)
    student_id = Column(ForeignKey("students.id"), nullable=True, index=True)
    # Set when a parent wrote it (about student_id, when known).
    guardian_id = Column(ForeignKey("guardians.id"), nullable=True)
    check_in_id = Column(ForeignKey("check_ins.id"), nullable=True)
    kind = Column(_enum(RiskKind, "risk_kind"), nullable=False)
    priority = Column(_enum(HandoffPriority, "risk_priority"), nullable=False)
    conversation_id = Column(String(255), nullable=True, index=True)
    # Where it was seen ("chat", "checkin") and how ("words: gepest", "model 0.82").
    source = Column(String(32), nullable=True)
    evidence = Column(String(200), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # Set when a handoff has been made for it.
    handoff_id = Column(ForeignKey("handoffs.id"), nullable=True)


class Handoff(Base):
    """A question handed from the bot to a coordinator."""

    __tablename__ = "handoffs"
    __table_args__ = (CheckConstraint("ladder_level IN (1, 2)", name="ladder_level"),)

    id = Column(Integer, primary_key=True)
    reference = Column(String(32), nullable=False, unique=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    student_id = Column(ForeignKey("students.id"), nullable=True, index=True)
    guardian_id = Column(ForeignKey("guardians.id"), nullable=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False)
    school_id = Column(ForeignKey("schools.id"), nullable=True, index=True)
    assigned_coordinator_id = Column(ForeignKey("coordinators.id"), nullable=True)
    claimed_by_id = Column(ForeignKey("coordinators.id"), nullable=True)
    reason = Column(String(64), nullable=False)
    category = Column(String(64), nullable=False)
    priority = Column(_enum(HandoffPriority, "handoff_priority"), nullable=False)
    status = Column(_enum(HandoffStatus, "handoff_status"), nullable=False)
    ladder_level = Column(Integer, nullable=False, default=1)
    summary = Column(Text, nullable=False)
    deadline_at = Column(UTCDateTime, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at = Column(UTCDateTime, nullable=True)
    resolved_at = Column(UTCDateTime, nullable=True)
    resolution_note = Column(Text, nullable=True)
    # Keyed hash of the asking client's address, for the cap on handoffs per client.
    client_key = Column(String(64), nullable=True, index=True)
    # Live handover (bot/escalation/handover.py): since when the person's messages go to
    # the coordinator instead of the bot; None when the bot answers.
    live_since = Column(UTCDateTime, nullable=True)
    # The coordinator paused the bot: no hand-back after the quiet time.
    bot_paused = Column(Boolean, nullable=False, default=False)
    # Anonymous askers (bot/escalation/follow_up.py): where the answer's news goes, and
    # the hash of the code that shows the answers in a later conversation.
    contact_email = Column(String(200), nullable=True)
    return_code_hash = Column(String(64), nullable=True)
    return_tries = Column(Integer, nullable=False, default=0)

    assigned_coordinator = relationship("Coordinator", foreign_keys=[assigned_coordinator_id])


class HandoffMessage(Base):
    """A line of a handoff's thread: a coordinator's reply or a notice (delivered to the
    conversation by the bot), or the person's message during a live handover."""

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(ForeignKey("handoffs.id"), nullable=False, index=True)
    author = Column(
        _enum(ThreadAuthor, "thread_author"), nullable=False, default=ThreadAuthor.COORDINATOR
    )
    coordinator_id = Column(ForeignKey("coordinators.id"), nullable=True)
    body = Column(Text, nullable=False)
    # The person's message signalled risk: the bot's safety net answered it too.
    flagged = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at = Column(UTCDateTime, nullable=True)


class OutboxMessage(Base):
    """An outgoing notification, written in the same transaction as its cause."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    topic = Column(String(64), nullable=False)
    payload = Column(Text, nullable=False)
    idempotency_key = Column(String(128), nullable=False, unique=True)
    status = Column(_enum(OutboxStatus, "outbox_status"), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_error = Column(Text, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at = Column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    """One read or change of personal data: who, what, about whom, in which conversation."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    occurred_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor_type = Column(String(32), nullable=False)
    actor_id = Column(String(64), nullable=True)
    action = Column(String(64), nullable=False)
    subject_type = Column(String(32), nullable=False)
    subject_id = Column(String(64), nullable=True)
    conversation_id = Column(String(255), nullable=True, index=True)
    detail = Column(Text, nullable=False, default="")


class TranscriptPurge(Base):
    """A stored conversation that must leave Rasa's tracker store after an erasure request.

    The row stays until a purge run after `events_until` finds nothing left to delete, so
    neither a crashed action server nor a turn that writes its tracker back loses it.
    """

    __tablename__ = "transcript_purges"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    requested_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # Events up to this moment go: the erasure turn itself is saved just after the request.
    events_until = Column(UTCDateTime, nullable=False)
    runs = Column(Integer, nullable=False, default=0)
    completed_at = Column(UTCDateTime, nullable=True)


class JobTurn(Base):
    """Which web app runs a background job (infra/job_turns.py): with several web apps
    each job runs in one of them, never in two, until that one stops renewing."""

    __tablename__ = "job_turns"

    job = Column(String(64), primary_key=True)
    holder = Column(String(128), nullable=False)
    until = Column(UTCDateTime, nullable=False)
    last_run_at = Column(UTCDateTime, nullable=False)
    runs = Column(Integer, nullable=False, default=0)


class Campaign(Base):
    """A message a coordinator schedules for an audience (bot/campaigns): once or
    repeating, within a window, with a task whose completion is measured."""

    __tablename__ = "campaigns"

    id = Column(Integer, primary_key=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False, index=True)
    # A school coordinator's campaign reaches their own school only; None: the region.
    school_id = Column(ForeignKey("schools.id"), nullable=True)
    created_by_id = Column(ForeignKey("coordinators.id"), nullable=False)
    title = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)
    recipients = Column(_enum(Recipients, "campaign_recipients"), nullable=False)
    # The audience rules as JSON (bot/campaigns/audience.py::AudienceRules).
    audience = Column(Text, nullable=False)
    task = Column(_enum(CampaignTask, "campaign_task"), nullable=False)
    # The button under a confirm task's message: "Ja, ik heb me aangemeld".
    task_button = Column(String(100), nullable=True)
    # Campaigns about one calendar entry share it: "said they registered" in one counts
    # for the next (bot/content/calendar.yml).
    task_key = Column(String(64), nullable=False, index=True)
    calendar_key = Column(String(64), nullable=True)
    starts_at = Column(UTCDateTime, nullable=False)
    ends_at = Column(UTCDateTime, nullable=False)
    repeat_days = Column(Integer, nullable=False, default=0)
    next_run_at = Column(UTCDateTime, nullable=True, index=True)
    runs = Column(Integer, nullable=False, default=0)
    # People the audience picked who got nothing: they said "stop met berichten", or
    # had their messages of the week already (all runs together).
    held_opted_out = Column(Integer, nullable=False, default=0)
    held_by_cap = Column(Integer, nullable=False, default=0)
    status = Column(_enum(CampaignStatus, "campaign_status"), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    stopped_at = Column(UTCDateTime, nullable=True)


class CampaignDelivery(Base):
    """One person reached by one run of a campaign, and what followed."""

    __tablename__ = "campaign_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "run", "recipient_key", name="uq_campaign_deliveries_run"),
        CheckConstraint(
            "(role = 'student' AND student_id IS NOT NULL AND guardian_id IS NULL)"
            " OR (role = 'guardian' AND guardian_id IS NOT NULL AND student_id IS NULL)",
            name="role_matches_person",
        ),
    )

    id = Column(Integer, primary_key=True)
    campaign_id = Column(ForeignKey("campaigns.id"), nullable=False, index=True)
    run = Column(Integer, nullable=False)
    # "student:7" or "guardian:3" (bot/campaigns/recipients.py).
    recipient_key = Column(String(64), nullable=False, index=True)
    role = Column(_enum(PersonRole, "person_role"), nullable=False)
    student_id = Column(ForeignKey("students.id"), nullable=True, index=True)
    guardian_id = Column(ForeignKey("guardians.id"), nullable=True, index=True)
    created_at = Column(UTCDateTime, nullable=False)
    mailed = Column(Boolean, nullable=False, default=False)
    shown_at = Column(UTCDateTime, nullable=True)
    shown_in_conversation_id = Column(String(255), nullable=True)
    replied_at = Column(UTCDateTime, nullable=True)
    task_done_at = Column(UTCDateTime, nullable=True)

    campaign = relationship("Campaign")


class MessageOptOut(Base):
    """A student or parent said "stop met berichten": no nudges, no campaigns."""

    __tablename__ = "message_opt_outs"

    recipient_key = Column(String(64), primary_key=True)
    since = Column(UTCDateTime, nullable=False)


class ReviewMessage(Base):
    """A message the bot asked back about, fell back on, or that the person corrected:
    its text only (identifiers masked), for the region's coordinator to label
    (bot/teaching). The conversation id is kept only so that the message goes when the
    conversation is erased; it is never shown."""

    __tablename__ = "review_messages"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False, index=True)
    text = Column(Text, nullable=False)
    reason = Column(_enum(ReviewReason, "review_reason"), nullable=False)
    # The answers or intents the bot considered, best first (JSON list).
    guesses = Column(Text, nullable=False, default="[]")
    created_at = Column(UTCDateTime, nullable=False)
    status = Column(_enum(ReviewStatus, "review_status"), nullable=False, index=True)
    # An answer id ("route/studentcoach"), an intent ("request_human"), or "new".
    label = Column(String(100), nullable=True)
    labelled_by_id = Column(ForeignKey("coordinators.id"), nullable=True)
    labelled_at = Column(UTCDateTime, nullable=True)
