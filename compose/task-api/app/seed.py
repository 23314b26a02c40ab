"""App-code seed of the task API (seed 002's shape): the root tenant, its
default roles (owner, moderator, member) and an admin user holding the owner
role. Idempotent: what exists is left as it is.

Environment: PG* (libpq), ROOT_TENANT_SLUG (default "root"),
ROOT_TENANT_NAME (default "Root"), ADMIN_EMAIL (default admin@example.com),
ADMIN_PASSWORD (required; stored as a PBKDF2 hash, never printed).
"""
import hashlib
import os
import secrets
import sys

import psycopg2

ROLES = ("owner", "moderator", "member")


def password_hash(password):
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)
    return "pbkdf2_sha256$100000$%s$%s" % (salt.hex(), digest.hex())


def main():
    slug = os.environ.get("ROOT_TENANT_SLUG", "root")
    name = os.environ.get("ROOT_TENANT_NAME", "Root")
    email = os.environ.get("ADMIN_EMAIL", "admin@example.com")
    password = os.environ.get("ADMIN_PASSWORD")
    if not password:
        print("seed: ADMIN_PASSWORD is not set", file=sys.stderr)
        return 1
    conn = psycopg2.connect(application_name="task-api-seed")
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO tenants (slug, name, is_root) VALUES (%s, %s, true)"
            " ON CONFLICT (slug) DO NOTHING", (slug, name))
        cur.execute("SELECT id FROM tenants WHERE slug = %s", (slug,))
        tenant = cur.fetchone()[0]
        for role in ROLES:
            cur.execute(
                "INSERT INTO roles (tenant_id, name) VALUES (%s, %s)"
                " ON CONFLICT (tenant_id, name) DO NOTHING", (tenant, role))
        cur.execute("SELECT id FROM roles WHERE tenant_id = %s AND name = 'owner'", (tenant,))
        owner = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO users (tenant_id, role_id, email, password_hash)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (email) DO NOTHING",
            (tenant, owner, email, password_hash(password)))
    conn.close()
    print("seed: root tenant %r (id %d), roles %s, admin %s"
          % (slug, tenant, ", ".join(ROLES), email))
    return 0


if __name__ == "__main__":
    sys.exit(main())
