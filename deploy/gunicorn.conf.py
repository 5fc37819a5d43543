"""Gunicorn settings for the example site (``example_site:create_app()``), read with ``gunicorn -c``.

Everything a site changes comes from the environment, so the same file serves
every instance on a machine (the systemd unit reads ``/etc/citizencare/env``):

``GUNICORN_BIND``
    Address to listen on; default ``127.0.0.1:8000`` (nginx or Apache in front, on the same host).
``GUNICORN_WORKERS``
    Worker processes; default ``2 × cores + 1``, at most 8. Each holds its own database pool.
``GUNICORN_TIMEOUT``
    Seconds a request may take before its worker is killed and replaced; default 60
    (a report with five 10 MB photos is read and normalised inside one request).
``FORWARDED_ALLOW_IPS``
    Proxies whose ``X-Forwarded-Proto`` gunicorn believes (gunicorn's own variable);
    default ``127.0.0.1,::1``. The client address behind the proxy is the app's
    business (Werkzeug's ``ProxyFix``), see docs/deployment.md.
``GUNICORN_CONTROL_SOCKET``
    Path of this instance's control socket, or ``off``; the default is per instance (below).
``PROMETHEUS_MULTIPROC_DIR``
    An empty folder for the metrics of every worker (prometheus_client's multiprocess
    mode), one per instance, e.g. systemd's ``RuntimeDirectory``; unset: each worker
    would answer the scrape with its own numbers only. Emptied when the master starts.

The site's own settings (``DATABASE_URL``, ``SECRET_KEY``, ``CITIZENCARE_*``) are read by
``create_app()`` from the same environment (example_site/config.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

wsgi_app = "example_site:create_app()"

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, 8))
# Sync workers: every request is short (pages, JSON, photo uploads); nginx or Apache buffers
# slow clients, so a worker is never held by one.
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# SIGTERM (systemd's stop): requests under way get this long to finish; systemd's
# TimeoutStopSec must be longer (deploy/systemd/citizencare-web.service).
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (jitter: not all at once), so a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file of each worker in memory, not on a disk that may stall (gunicorn's advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (a RAM disk, by design)

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr: systemd's journal (or the container runtime) keeps them.
accesslog = "-"
# No client address, query string (tokens, addresses), referrer or user agent: personal data stays out
# of the journal. The request id is nginx's (X-Request-ID), the one the app's JSON lines carry.
access_log_format = '%(t)s %({x-request-id}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The app's own prints and warnings land in the same log.
capture_output = True
proc_name = "citizencare-" + re.sub(r"[^A-Za-z0-9]+", "-", bind[0]).strip("-")


def _control_socket() -> str | None:
    """This instance's control socket (``gunicornc``), or None to have none.

    Since gunicorn 25.1 every master opens a control socket, by default at
    ``$XDG_RUNTIME_DIR/gunicorn.ctl`` or ``~/.gunicorn/gunicorn.ctl``: one path per
    user, not per instance. A second master on the machine (another site, a
    staging copy, the old master during a zero-downtime restart) removes the
    first one's socket and binds its own there; whichever stops first removes
    the other's, and ``gunicornc`` then talks to the wrong site or to none. So
    each instance gets its own path, named after its bind address (two
    instances can never share that), in systemd's ``RuntimeDirectory`` when
    there is one; ``GUNICORN_CONTROL_SOCKET=off`` turns it off.
    """
    chosen = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
    if chosen.lower() in ("off", "none", "0", "false", "no"):
        return None
    if chosen:
        return chosen
    folder = os.environ.get("RUNTIME_DIRECTORY") or os.environ.get("XDG_RUNTIME_DIR")
    base = Path(folder.split(":")[0]) if folder else Path.home() / ".gunicorn"
    return str(base / f"{proc_name}.ctl")


_socket = _control_socket()
if _socket is None:
    control_socket_disable = True
else:
    control_socket = _socket


_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server: object) -> None:
    """Start the metrics from zero: files of workers of an earlier run would be counted again."""
    if _metrics_dir and os.path.isdir(_metrics_dir):
        for stale in Path(_metrics_dir).glob("*.db"):
            stale.unlink()


def child_exit(server: object, worker: object) -> None:
    """A worker ended: its live gauges leave the scrape (its counters stay, as Prometheus expects)."""
    if _metrics_dir:
        try:
            from prometheus_client import multiprocess
        except ImportError:
            return
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
