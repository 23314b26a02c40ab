"""task comments, and tasks get a due date

Revision ID: 0002
Revises: 0001
Create Date: 2024-06-11 09:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tasks", sa.Column("due_on", sa.Date))
    op.create_index("tasks_open_by_tenant", "tasks", ["tenant_id"],
                    postgresql_where=sa.text("NOT done"))
    op.create_table(
        "task_comments",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("task_id", sa.BigInteger,
                  sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()))


def downgrade():
    op.drop_table("task_comments")
    op.drop_index("tasks_open_by_tenant", table_name="tasks")
    op.drop_column("tasks", "due_on")
