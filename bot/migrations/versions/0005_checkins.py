"""Check-ins: schedules, rounds, responses and actions.

Revision ID: 0005
Revises: 0002 (0004, meetings, is not on this branch; the integrator re-links it)
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"  # re-linked on merging announcements (0003)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_schedule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False, index=True),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("first_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("open_days", sa.Integer(), nullable=False),
        sa.Column("remind_days_before_close", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("min_group", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checkin_round",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("schedule_id", sa.Integer(), sa.ForeignKey("checkin_schedule.id"),
                  nullable=False, index=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("min_group", sa.Integer(), nullable=False),
        sa.UniqueConstraint("schedule_id", "period"),
    )
    op.create_table(
        "checkin_response",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("checkin_round.id"), nullable=False,
                  index=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("round_id", "platform", "workspace_id", "user_id"),
    )
    op.create_table(
        "checkin_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("checkin_round.id"), nullable=False,
                  index=True),
        sa.Column("what", sa.String(300), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_by", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("checkin_action")
    op.drop_table("checkin_response")
    op.drop_table("checkin_round")
    op.drop_table("checkin_schedule")
