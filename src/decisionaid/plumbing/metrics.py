"""What `GET /metrics` counts, in the Prometheus text format (prometheus-client's default registry,
which adds the `process_*` and `python_*` metrics). Labels are routes, statuses, kinds and reason
codes, never anything about a patient. docs/clinics.md lists every name; a test checks it.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("decisionaid_http_requests", "HTTP requests answered, by route template, method and status",
                   ["route", "method", "status"])
RENDER_SECONDS = Histogram("decisionaid_render_seconds", "Time a render job (assess or sheet) took in the workers, "
                           "by kind and outcome", ["kind", "outcome"],
                           buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120))
CDS_CALLS = Counter("decisionaid_cds_calls", "CDS Hooks calls, by endpoint (discovery, service, feedback) and status",
                    ["endpoint", "status"])
CDS_REFUSALS = Counter("decisionaid_cds_refusals", "CDS Hooks calls refused (401) or not checkable (503), by reason "
                       "code", ["reason"])
CDS_CARDS = Counter("decisionaid_cds_cards", "CDS Hooks cards returned, by indicator", ["indicator"])
CDS_FEEDBACK = Counter("decisionaid_cds_feedback", "CDS Hooks card outcomes the EHR reported (accepted, overridden)",
                       ["outcome"])

#: the names as scraped (a counter gets `_total`), for the docs
NAMES = ["decisionaid_http_requests_total", "decisionaid_render_seconds", "decisionaid_cds_calls_total",
         "decisionaid_cds_refusals_total", "decisionaid_cds_cards_total", "decisionaid_cds_feedback_total"]
