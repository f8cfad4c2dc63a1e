"""`decisionaid serve`: the web form under uvicorn, with logs that keep nothing private.

uvicorn's own access line (client address, query string) is off; the application writes one line
per request instead (operations.RequestLog: method, path, status, and for the CDS Hooks service the
refusal's reason code and the `hookInstance`), as plain text or, with `--log-format json`, one JSON
object per line. An error's traceback is logged without the exception's text, which could quote an
answer. Request bodies are never logged by anyone.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import traceback
from pathlib import Path
from typing import Any

log = logging.getLogger("decisionaid.web")


class WithholdExceptionText(logging.Filter):
    """Keeps a traceback's frames and the exception's type but not its text, which may quote an answer."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            kind, _, frames = record.exc_info
            record.msg, record.args = "%s\n%s%s (its message is not logged)", (
                record.getMessage(), "".join(traceback.format_tb(frames)), kind.__name__ if kind else "Exception")
            record.exc_info, record.exc_text = None, None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the access line's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


def log_config(log_format: str = "plain") -> dict[str, Any]:
    """logging's dictConfig for the server: access lines on stdout, the rest on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"withhold": {"()": WithholdExceptionText}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(message)s"}, "json": {"()": JsonLines}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": log_format, "stream": "ext://sys.stderr"},
            "stdout": {"class": "logging.StreamHandler", "formatter": log_format, "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO", "filters": ["withhold"]},
            "decisionaid.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
            "decisionaid.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False, "filters": ["withhold"]},
        },
    }


LOG_CONFIG = log_config()


def serve(host: str = "127.0.0.1", port: int = 8080, rules_dir: str | Path | None = None,
          render_workers: int | None = None, max_requests: int = 64, cds_hooks: Path | None = None, *,
          root_path: str = "", forwarded_allow_ips: str | None = None, log_format: str = "plain") -> None:
    """Run the web form until interrupted. The rule pack (and the CDS Hooks configuration, when
    given) is checked first: a problem there is a user error, not a traceback. Behind a reverse
    proxy, `root_path` is the prefix it serves the app under, and `forwarded_allow_ips` the proxy
    addresses whose X-Forwarded-* headers are believed (none by default)."""
    import uvicorn

    from ..fhir.cds_config import load_cds_config
    from ..fhir.mapping import load_fhir_map
    from ..pack.loader import load_rule_pack
    from .app import create_app
    from .guard import MAX_HEADER_BYTES, GuardedH11Protocol

    pack = load_rule_pack(rules_dir)
    cds = None
    if cds_hooks is not None:
        cds = load_cds_config(cds_hooks)
        load_fhir_map(rules_dir, pack.catalogue)
    app = create_app(rules_dir, render_workers=render_workers, pack=pack, max_in_flight=max_requests, cds=cds)
    # h11 (not httptools): its protocol carries the header deadline, and it buffers at most
    # MAX_HEADER_BYTES of an incomplete request head.
    config = uvicorn.Config(app, host=host, port=port, log_config=log_config(log_format), access_log=False,
                            lifespan="on", server_header=False, root_path=root_path,
                            proxy_headers=forwarded_allow_ips is not None, forwarded_allow_ips=forwarded_allow_ips,
                            timeout_graceful_shutdown=10,
                            http=GuardedH11Protocol, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                            timeout_keep_alive=5)
    if not _is_loopback(host):  # uvicorn.Config has applied the log configuration by now
        log.warning("listening on %s: people on the network can reach the form; serve it over HTTPS", host)
    uvicorn.Server(config).run()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
