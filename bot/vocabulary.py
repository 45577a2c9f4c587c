"""The domain's words: who talks, what a check-in or handoff can be, what a risk is about.

Plain enums, shared by the domain, the database models (bot/db/models.py stores their
values) and the adapters, so a module that only decides never imports the ORM.
"""

from __future__ import annotations

import enum


class SchoolLevel(str, enum.Enum):
    VMBO = "vmbo"
    MBO = "mbo"
    HBO = "hbo"


class ProgrammeType(str, enum.Enum):
    """How an mbo student studies; only full-time (bol) gives the studentenreisproduct."""

    BOL = "bol"
    BBL = "bbl"


class PersonRole(str, enum.Enum):
    STUDENT = "student"
    GUARDIAN = "guardian"


class LinkMethod(str, enum.Enum):
    CODE = "code"
    TOKEN = "token"


class CheckInStatus(str, enum.Enum):
    ACHIEVED = "achieved"
    IN_PROGRESS = "in_progress"
    NOT_WORKING = "not_working"


class HandoffPriority(str, enum.Enum):
    NORMAL = "normal"
    URGENT = "urgent"


class HandoffStatus(str, enum.Enum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    RETURNED = "returned"


class ThreadAuthor(str, enum.Enum):
    """Who wrote a line of a handoff's thread."""

    COORDINATOR = "coordinator"
    PERSON = "person"  # the student or parent in the chat
    NOTICE = "notice"  # the assistant telling the person who they talk with


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class RiskKind(str, enum.Enum):
    """What a risk signal is about, most serious first. The first nine come from what a
    student or parent writes (bot/risk); the last two from the pattern of check-ins."""

    ACUTE = "acute"
    UNSAFE_HOME = "unsafe_home"
    DISTRESS = "distress"
    WORTHLESS = "worthless"
    BULLYING = "bullying"
    EXHAUSTION = "exhaustion"
    PRESSURE = "pressure"
    ABSENCE = "absence"
    QUITTING = "quitting"
    LOW_MOTIVATION = "low_motivation"
    GOAL_STUCK = "goal_stuck"


class CampaignStatus(str, enum.Enum):
    """A coordinator's campaign: sending as scheduled, stopped by a coordinator, or done
    (its last run is over)."""

    SCHEDULED = "scheduled"
    STOPPED = "stopped"
    DONE = "done"


class CampaignTask(str, enum.Enum):
    """What a campaign asks people to do, as far as the assistant can know it is done."""

    NONE = "none"  # information only: reached, seen and replied are measured
    CONFIRM = "confirm"  # "Ja, dat heb ik gedaan": a button in the message
    CHECK_IN = "check_in"  # a check-in on an interim goal after the message


class Recipients(str, enum.Enum):
    """Who a campaign writes to: the students, or their parents."""

    STUDENTS = "students"
    GUARDIANS = "guardians"


class ReviewReason(str, enum.Enum):
    """Why a message is in the review list (bot/teaching)."""

    ASKED_BACK = "asked_back"  # the bot was unsure and asked which topic was meant
    FALLBACK = "fallback"  # the bot did not understand and offered a person
    CORRECTED = "corrected"  # "nee, dat bedoel ik niet" right after an answer


class ReviewStatus(str, enum.Enum):
    OPEN = "open"
    LABELLED = "labelled"  # a coordinator chose the right answer, or "new question"
    DISMISSED = "dismissed"  # not a question (noise, a name, a test)
    EXPORTED = "exported"  # written to the review file for a maintainer
