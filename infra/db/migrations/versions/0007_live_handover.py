"""live handover: a handoff's thread holds the person's messages and notices too, and a
handoff knows since when it is live and whether its coordinator paused the bot; a
coordinator chooses whether to get mail

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AUTHORS = ("coordinator", "person", "notice")


def upgrade() -> None:
    with op.batch_alter_table("coordinators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mail_notifications", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("bot_paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "author",
                sa.Enum(
                    *AUTHORS,
                    name="thread_author",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
                server_default="coordinator",
            )
        )
        batch_op.add_column(
            sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.alter_column("coordinator_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM handoff_messages WHERE coordinator_id IS NULL")
    if op.get_bind().dialect.name != "sqlite":
        with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
            batch_op.drop_constraint("thread_author", type_="check")
            batch_op.alter_column("coordinator_id", existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column("flagged")
            batch_op.drop_column("author")
    else:
        _downgrade_sqlite_thread()
    with op.batch_alter_table("coordinators", schema=None) as batch_op:
        batch_op.drop_column("mail_notifications")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("bot_paused")
        batch_op.drop_column("live_since")


def _downgrade_sqlite_thread() -> None:
    # SQLite's copy of the table would keep the CHECK on "author": copy from this
    # description of the table instead of the reflected one.
    without_check = sa.Table(
        "handoff_messages",
        sa.MetaData(),
        sa.Column("id", sa.Integer()),
        sa.Column(
            "handoff_id",
            sa.Integer(),
            sa.ForeignKey("handoffs.id", name="fk_handoff_messages_handoff_id_handoffs"),
            nullable=False,
        ),
        sa.Column("author", sa.String(32), nullable=False),
        sa.Column(
            "coordinator_id",
            sa.Integer(),
            sa.ForeignKey(
                "coordinators.id", name="fk_handoff_messages_coordinator_id_coordinators"
            ),
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_messages"),
        sa.Index("ix_handoff_messages_handoff_id", "handoff_id"),
    )
    with op.batch_alter_table(
        "handoff_messages", schema=None, copy_from=without_check, recreate="always"
    ) as batch_op:
        batch_op.alter_column("coordinator_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("flagged")
        batch_op.drop_column("author")
