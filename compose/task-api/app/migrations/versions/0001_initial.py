"""initial schema: tenants, roles, users, tasks (and the citext extension)

Revision ID: 0001
Revises:
Create Date: 2024-05-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


class CIText(sa.types.UserDefinedType):
    """citext (case-insensitive text); SQLAlchemy 1.4 has no type of its own."""

    cache_ok = True

    def get_col_spec(self, **kw):
        return "citext"


def _id():
    return sa.Column("id", sa.BigInteger, sa.Identity(always=False), primary_key=True)


def _created():
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                     server_default=sa.func.now())


def upgrade():
    # The extension lives in public with the tables. IF NOT EXISTS: a
    # schema recreated by dockreset keeps its extensions.
    op.execute("CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public")
    op.create_table(
        "tenants", _id(),
        sa.Column("slug", CIText(), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("is_root", sa.Boolean, nullable=False, server_default=sa.false()),
        _created())
    op.create_table(
        "roles", _id(),
        sa.Column("tenant_id", sa.BigInteger,
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.UniqueConstraint("tenant_id", "name"))
    op.create_table(
        "users", _id(),
        sa.Column("tenant_id", sa.BigInteger, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("role_id", sa.BigInteger, sa.ForeignKey("roles.id"), nullable=False),
        sa.Column("email", CIText(), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        _created())
    op.create_table(
        "tasks", _id(),
        sa.Column("tenant_id", sa.BigInteger, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("assignee_id", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
        _created())


def downgrade():
    for t in ("tasks", "users", "roles", "tenants"):
        op.drop_table(t)
