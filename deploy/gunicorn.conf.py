"""gunicorn settings for BridgeOps: ``gunicorn --config deploy/gunicorn.conf.py wsgi:app``.

Every value can be overridden with an environment variable (set in /etc/bridgeops/bridgeops.env)
or on the command line. The application itself writes one JSON line per request (request id,
method, path with tokens redacted, status, duration), so gunicorn's own access log is off unless
BRIDGEOPS_ACCESS_LOG names a file or "-".
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Behind nginx on the same host; several web hosts each run their own gunicorn.
bind = os.environ.get("BRIDGEOPS_BIND", "127.0.0.1:8000")

# gthread: a few processes, each with threads. A slow client or a long-polling status page
# holds a thread, not a whole process; the worker heartbeat is independent of request length.
worker_class = "gthread"
workers = _int("BRIDGEOPS_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 9))
threads = _int("BRIDGEOPS_THREADS", 4)

# A worker silent for `timeout` seconds is killed and replaced (a stuck database call, say).
timeout = _int("BRIDGEOPS_WORKER_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows into an outage, and so a worker's
# memory never creeps past its budget (a national return built again and again fragments the
# heap: at 20,000 requests a worker reached 164 MB, at 2,000 it stays under 150 MB). The cost: a
# new worker pays its start and warm-up (~1.5 s of CPU nationally), at national heartbeat rates
# once every ~25 s per worker.
max_requests = 2000
max_requests_jitter = 200
# One malloc arena per process instead of one per thread (bridgeops/ops/memory.py): a national
# return built on each of a worker's threads in turn no longer leaves it at 165 MB. Set here, in
# the master before any thread starts; the workers inherit it. BRIDGEOPS_MALLOC_ARENAS=N (or
# MALLOC_ARENA_MAX) changes it.
from bridgeops.ops.memory import limit_malloc_arenas  # noqa: E402

limit_malloc_arenas()
# Heartbeat files on tmpfs: a full or slow disk must not look like a hung worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Trust X-Forwarded-Proto only from the local nginx; the app reads X-Forwarded-For through
# BRIDGEOPS_PROXY_COUNT (werkzeug ProxyFix), so rate limits see the real client address.
forwarded_allow_ips = os.environ.get("BRIDGEOPS_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

errorlog = "-"
loglevel = os.environ.get("BRIDGEOPS_LOG_LEVEL", "info")
accesslog = os.environ.get("BRIDGEOPS_ACCESS_LOG") or None
# When enabled, gunicorn's access line carries the request id and never a whole token.
logger_class = "bridgeops.ops.gunicorn_logging.RedactingLogger"
access_log_format = (
    '{"request_id": "%({x-request-id}o)s", "remote_addr": "%(h)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s}'
)
proc_name = "bridgeops-web"


def post_worker_init(worker) -> None:
    """Warm each new worker in a background thread (templates, the board's and the return
    dashboard's caches of the active conferences), so the first requests after a start meet the
    same budgets as later ones; /healthz answers meanwhile. BRIDGEOPS_WARM_UP=0 turns it off."""
    if os.environ.get("BRIDGEOPS_WARM_UP", "1").strip() in ("0", "false", "no", "off"):
        return
    from bridgeops.ops import warmup

    warmup.start(worker.wsgi)
