"""create the domain schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:32:51.718915
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_log_occurred_at"), ["occurred_at"], unique=False)

    op.create_table(
        "building_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building_blocks")),
        sa.UniqueConstraint("code", name=op.f("uq_building_blocks_code")),
    )
    op.create_table(
        "guardians",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardians")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "failed",
                name="outbox_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("code", name=op.f("uq_regions_code")),
    )
    op.create_table(
        "routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_routes_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routes")),
        sa.UniqueConstraint("code", name=op.f("uq_routes_code")),
    )
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routes_region_id"), ["region_id"], unique=False)

    op.create_table(
        "schools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "vmbo",
                "mbo",
                "hbo",
                name="school_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("locations", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_schools_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
        sa.UniqueConstraint("region_id", "name", name="uq_schools_region_name"),
    )
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schools_region_id"), ["region_id"], unique=False)

    op.create_table(
        "coordinators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("ladder_level", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(ladder_level = 1 AND school_id IS NOT NULL) OR ladder_level = 2",
            name=op.f("ck_coordinators_school_coordinator_has_school"),
        ),
        sa.CheckConstraint("ladder_level IN (1, 2)", name=op.f("ck_coordinators_ladder_level")),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_coordinators_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_coordinators_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinators")),
        sa.UniqueConstraint("email", name=op.f("uq_coordinators_email")),
    )
    with op.batch_alter_table("coordinators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coordinators_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coordinators_school_id"), ["school_id"], unique=False)

    op.create_table(
        "route_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "vmbo",
                "mbo",
                "hbo",
                name="phase_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["routes.id"], name=op.f("fk_route_phases_route_id_routes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_phases")),
        sa.UniqueConstraint("route_id", "code", name="uq_route_phases_route_code"),
        sa.UniqueConstraint("route_id", "position", name="uq_route_phases_route_position"),
    )
    op.create_table(
        "students",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column(
            "programme_type",
            sa.Enum(
                "bol",
                "bbl",
                name="programme_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("consents_to_guardian_access", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["route_phases.id"], name=op.f("fk_students_phase_id_route_phases")
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["routes.id"], name=op.f("fk_students_route_id_routes")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_students_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
    )
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_students_school_id"), ["school_id"], unique=False)

    op.create_table(
        "conversation_links",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "student",
                "guardian",
                name="person_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("selected_student_id", sa.Integer(), nullable=True),
        sa.Column(
            "linked_via",
            sa.Enum(
                "code",
                "token",
                name="link_method",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(role = 'student' AND student_id IS NOT NULL AND guardian_id IS NULL) OR (role = 'guardian' AND guardian_id IS NOT NULL AND student_id IS NULL)",
            name=op.f("ck_conversation_links_role_matches_person"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardians.id"],
            name=op.f("fk_conversation_links_guardian_id_guardians"),
        ),
        sa.ForeignKeyConstraint(
            ["selected_student_id"],
            ["students.id"],
            name=op.f("fk_conversation_links_selected_student_id_students"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_conversation_links_student_id_students")
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_links")),
    )
    with op.batch_alter_table("conversation_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_links_guardian_id"), ["guardian_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_links_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "guardian_students",
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("relationship_label", sa.String(length=50), nullable=False),
        sa.Column("may_see_progress", sa.Boolean(), nullable=False),
        sa.Column("may_see_checkin_notes", sa.Boolean(), nullable=False),
        sa.Column("may_see_exams", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardians.id"],
            name=op.f("fk_guardian_students_guardian_id_guardians"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_guardian_students_student_id_students")
        ),
        sa.PrimaryKeyConstraint("guardian_id", "student_id", name=op.f("pk_guardian_students")),
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("assigned_coordinator_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column(
            "priority",
            sa.Enum(
                "normal",
                "urgent",
                name="handoff_priority",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "claimed",
                "resolved",
                "returned",
                name="handoff_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ladder_level", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.CheckConstraint("ladder_level IN (1, 2)", name=op.f("ck_handoffs_ladder_level")),
        sa.ForeignKeyConstraint(
            ["assigned_coordinator_id"],
            ["coordinators.id"],
            name=op.f("fk_handoffs_assigned_coordinator_id_coordinators"),
        ),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"],
            ["coordinators.id"],
            name=op.f("fk_handoffs_claimed_by_id_coordinators"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardians.id"], name=op.f("fk_handoffs_guardian_id_guardians")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_handoffs_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_handoffs_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_handoffs_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
        sa.UniqueConstraint("reference", name=op.f("uq_handoffs_reference")),
    )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoffs_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handoffs_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoffs_student_id"), ["student_id"], unique=False)

    op.create_table(
        "interim_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("building_block_id", sa.Integer(), nullable=True),
        sa.Column("owner_student_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_week_in_phase", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_block_id"],
            ["building_blocks.id"],
            name=op.f("fk_interim_goals_building_block_id_building_blocks"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_student_id"],
            ["students.id"],
            name=op.f("fk_interim_goals_owner_student_id_students"),
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["route_phases.id"], name=op.f("fk_interim_goals_phase_id_route_phases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interim_goals")),
    )
    with op.batch_alter_table("interim_goals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interim_goals_owner_student_id"), ["owner_student_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_interim_goals_phase_id"), ["phase_id"], unique=False)

    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(student_id IS NULL) <> (guardian_id IS NULL)",
            name=op.f("ck_link_codes_exactly_one_person"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardians.id"], name=op.f("fk_link_codes_guardian_id_guardians")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_link_codes_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_link_codes_code_hash")),
    )
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_codes_guardian_id"), ["guardian_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_link_codes_student_id"), ["student_id"], unique=False)

    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "achieved",
                "in_progress",
                "not_working",
                name="checkin_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("motivation", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("if_then_plan", sa.Text(), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "motivation BETWEEN 1 AND 5", name=op.f("ck_check_ins_motivation_range")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["interim_goals.id"], name=op.f("fk_check_ins_goal_id_interim_goals")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_check_ins_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_ins_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_ins_student_id"), ["student_id"], unique=False)

    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinators.id"],
            name=op.f("fk_handoff_messages_coordinator_id_coordinators"),
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name=op.f("fk_handoff_messages_handoff_id_handoffs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_messages")),
    )
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoff_messages_handoff_id"), ["handoff_id"], unique=False
        )

    op.create_table(
        "link_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("link_code_id", sa.Integer(), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_code_id"],
            ["link_codes.id"],
            name=op.f("fk_link_attempts_link_code_id_link_codes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_attempts")),
    )
    with op.batch_alter_table("link_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_attempts_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_link_attempts_link_code_id"), ["link_code_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("link_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_attempts_link_code_id"))
        batch_op.drop_index(batch_op.f("ix_link_attempts_conversation_id"))

    op.drop_table("link_attempts")
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_messages_handoff_id"))

    op.drop_table("handoff_messages")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_ins_student_id"))
        batch_op.drop_index(batch_op.f("ix_check_ins_goal_id"))

    op.drop_table("check_ins")
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_codes_student_id"))
        batch_op.drop_index(batch_op.f("ix_link_codes_guardian_id"))

    op.drop_table("link_codes")
    with op.batch_alter_table("interim_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interim_goals_phase_id"))
        batch_op.drop_index(batch_op.f("ix_interim_goals_owner_student_id"))

    op.drop_table("interim_goals")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoffs_student_id"))
        batch_op.drop_index(batch_op.f("ix_handoffs_school_id"))
        batch_op.drop_index(batch_op.f("ix_handoffs_conversation_id"))

    op.drop_table("handoffs")
    op.drop_table("guardian_students")
    with op.batch_alter_table("conversation_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_links_student_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_links_guardian_id"))

    op.drop_table("conversation_links")
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_students_school_id"))

    op.drop_table("students")
    op.drop_table("route_phases")
    with op.batch_alter_table("coordinators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coordinators_school_id"))
        batch_op.drop_index(batch_op.f("ix_coordinators_region_id"))

    op.drop_table("coordinators")
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schools_region_id"))

    op.drop_table("schools")
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routes_region_id"))

    op.drop_table("routes")
    op.drop_table("regions")
    op.drop_table("outbox")
    op.drop_table("guardians")
    op.drop_table("building_blocks")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_conversation_id"))

    op.drop_table("audit_log")
