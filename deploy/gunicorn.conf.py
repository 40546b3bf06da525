"""gunicorn settings; every value can be overridden on the command line."""

import multiprocessing
import os

bind = os.environ.get("BRIDGEOPS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("BRIDGEOPS_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 9)))
worker_class = "gthread"
threads = int(os.environ.get("BRIDGEOPS_THREADS", 4))
timeout = 60
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("BRIDGEOPS_FORWARDED_ALLOW_IPS", "127.0.0.1")
