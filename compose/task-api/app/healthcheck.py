"""Docker health check of the task API: its /healthz answers 200 (the
server is up and the database answers)."""
import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:8000/healthz", timeout=4) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception as e:  # noqa: BLE001 - any failure is "unhealthy"
    print("unhealthy: %s" % e)
    sys.exit(1)
