"""every chat token a device login gave, so that the end of the device's login ends the
tokens of all its tabs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_tokens",
        sa.Column("token_proof", sa.String(64), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device_logins.id"],
            name=op.f("fk_device_tokens_device_id_device_logins"),
        ),
        sa.PrimaryKeyConstraint("token_proof", name=op.f("pk_device_tokens")),
    )
    op.create_index(op.f("ix_device_tokens_device_id"), "device_tokens", ["device_id"])
    # The token each device gave last is the one known so far.
    op.execute(
        "INSERT INTO device_tokens (token_proof, device_id, issued_at) "
        "SELECT token_proof, id, rotated_at FROM device_logins WHERE token_proof IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_device_tokens_device_id"), table_name="device_tokens")
    op.drop_table("device_tokens")
