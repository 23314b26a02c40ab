"""The task API: a tiny HTTP server over the database.

  GET  /healthz       200 "ok" when the database answers, else 503
  GET  /              JSON: the Alembic revision and row counts
  POST /tasks         JSON {"title": ...}: a task of the root tenant

Connections come from libpq's PG* environment variables.
"""
import json
import signal
import sys
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

PORT = 8000
TABLES = ("tenants", "roles", "users", "tasks", "task_comments")


def connect():
    return psycopg2.connect(application_name="task-api")


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, body):
        data = (json.dumps(body) if not isinstance(body, str) else body).encode() + b"\n"
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        try:
            with closing(connect()) as conn, conn, conn.cursor() as cur:
                if self.path == "/healthz":
                    cur.execute("SELECT 1")
                    return self.reply(200, "ok")
                if self.path != "/":
                    return self.reply(404, {"error": "not found"})
                out = {}
                cur.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
                if cur.fetchone()[0]:
                    cur.execute("SELECT version_num FROM alembic_version")
                    row = cur.fetchone()
                    out["revision"] = row[0] if row else None
                else:
                    out["revision"] = None
                for t in TABLES:
                    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (t,))
                    if cur.fetchone()[0]:
                        cur.execute("SELECT count(*) FROM " + t)
                        out[t] = cur.fetchone()[0]
                return self.reply(200, out)
        except psycopg2.Error as e:
            return self.reply(503, {"error": str(e).strip()})

    def do_POST(self):
        if self.path != "/tasks":
            return self.reply(404, {"error": "not found"})
        try:
            n = int(self.headers.get("Content-Length") or 0)
            title = json.loads(self.rfile.read(n) or b"{}").get("title") or "a task"
            with closing(connect()) as conn, conn, conn.cursor() as cur:
                cur.execute(
                    "INSERT INTO tasks (tenant_id, title)"
                    " SELECT id, %s FROM tenants WHERE is_root RETURNING id", (title,))
                row = cur.fetchone()
            if not row:
                return self.reply(409, {"error": "no root tenant: run seed.py"})
            return self.reply(201, {"id": row[0], "title": title})
        except (ValueError, AttributeError):
            return self.reply(400, {"error": "expected JSON {\"title\": ...}"})
        except psycopg2.Error as e:
            return self.reply(503, {"error": str(e).strip()})

    def log_message(self, fmt, *args):
        if not self.path.startswith("/healthz"):
            sys.stderr.write("task-api: %s\n" % (fmt % args))


def main():
    # PID 1 gets no default signal handling: stop on TERM/INT ourselves.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    print("task-api: listening on port %d" % PORT, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (SystemExit, KeyboardInterrupt):
        print("task-api: stopping", flush=True)


if __name__ == "__main__":
    main()
