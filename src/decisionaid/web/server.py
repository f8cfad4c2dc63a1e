"""`decisionaid serve`: the web form under uvicorn, with logs that keep nothing private.

uvicorn's access line carries the client address and the query string; here it is rewritten to
method, path and status only. An error's traceback is logged without the exception's text, which
could quote an answer. Request bodies are never logged by anyone.
"""

from __future__ import annotations

import ipaddress
import logging
import traceback
from pathlib import Path
from typing import Any

log = logging.getLogger("decisionaid.web")


class AccessLine(logging.Filter):
    """Rewrites uvicorn's access record to `METHOD /path STATUS`; drops any record of another shape."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return False
        _client, method, path_and_query, _version, status = args
        record.msg, record.args = "%s %s %s", (method, str(path_and_query).split("?", 1)[0], status)
        return True


class WithholdExceptionText(logging.Filter):
    """Keeps a traceback's frames and the exception's type but not its text, which may quote an answer."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            kind, _, frames = record.exc_info
            record.msg, record.args = "%s\n%s%s (its message is not logged)", (
                record.getMessage(), "".join(traceback.format_tb(frames)), kind.__name__ if kind else "Exception")
            record.exc_info, record.exc_text = None, None
        return True


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"access_line": {"()": AccessLine}, "withhold": {"()": WithholdExceptionText}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(message)s"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
        "stdout": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO", "filters": ["withhold"]},
        "uvicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False, "filters": ["access_line"]},
        "decisionaid.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False, "filters": ["withhold"]},
    },
}


def serve(host: str = "127.0.0.1", port: int = 8080, rules_dir: str | Path | None = None,
          render_workers: int | None = None, max_requests: int = 64, cds_hooks: Path | None = None) -> None:
    """Run the web form until interrupted. The rule pack (and the CDS Hooks configuration, when
    given) is checked first: a problem there is a user error, not a traceback."""
    import uvicorn

    from ..fhir.cds_auth import load_cds_config
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
    config = uvicorn.Config(app, host=host, port=port, log_config=LOG_CONFIG, access_log=True, lifespan="on",
                            server_header=False, proxy_headers=False, timeout_graceful_shutdown=10,
                            http=GuardedH11Protocol, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                            timeout_keep_alive=5)
    if not _is_loopback(host):  # uvicorn.Config has applied LOG_CONFIG by now
        log.warning("listening on %s: people on the network can reach the form; serve it over HTTPS", host)
    uvicorn.Server(config).run()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
