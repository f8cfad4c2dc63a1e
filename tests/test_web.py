"""The web form over HTTP, against a real `decisionaid serve` on 127.0.0.1."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import httpx
import pypdf
import pytest
import yaml

from decisionaid.pack.vocabulary import COMORBIDITIES
from decisionaid.profile.model import MriLast12Months, PriorDmt, Profile
from decisionaid.web.form import (
    Answers,
    FormInvalid,
    parse_answers,
    parse_decimal,
    parse_integer,
    read_form,
)
from decisionaid.web.server import LOG_CONFIG
from decisionaid.web.workers import JobTimeout, RenderPool

from .conftest import ROOT
from .helpers import pdf_text, run_cli
from .web_server import Server, as_form, free_port, profile_form, web_server_fixture  # noqa: F401 - the fixture

DAY = "2026-11-22"
STATUS_WORDS = ["Worth discussing", "Only in clinical trials", "Research only"]


def post(server: Server, path: str, data: list[tuple[str, str]] | dict[str, str], **kwargs: object) -> httpx.Response:
    return httpx.post(server.url + path, data=as_form(data), timeout=120, **kwargs)  # type: ignore[arg-type]


def example(name: str) -> dict[str, object]:
    return yaml.safe_load((ROOT / "examples" / name).read_text())


class _Elements(HTMLParser):
    """Start tags with their attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


# ----------------------------------------------------------------------------- the form page
def test_the_form_asks_for_every_contract_field(web_server: Server) -> None:
    response = httpx.get(web_server.url + "/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = _Elements(response.text)
    names = {a["name"] for t, a in page.tags if t in ("input", "select") and "name" in a}
    # the older combined pregnancy question (v1) is read from files, never asked: v1.2 asks it apart
    expected = {f for f in Profile.model_fields if f not in ("mri_last_12_months", "prior_dmts", "pregnant_or_breastfeeding")}
    expected |= {f"mri_last_12_months.{f}" for f in MriLast12Months.model_fields}
    expected |= {f"prior_dmts.0.{f}" for f in PriorDmt.model_fields}
    assert expected <= names, expected - names
    assert {a["value"] for a in page.find("input", type="checkbox", name="comorbidities")} == set(COMORBIDITIES)
    assert {"large_print", "name", "prior_dmts_answer", "comorbidities_answer"} <= names


def test_every_answer_has_a_label_and_the_page_has_one_same_origin_script(web_server: Server) -> None:
    html = httpx.get(web_server.url + "/").text
    page = _Elements(html)
    labelled = {a["for"] for a in page.find("label")}
    controls = [a for t, a in page.tags if t in ("input", "select") and a.get("type") != "hidden"]
    assert controls and all(a.get("id") in labelled for a in controls), [a for a in controls if a.get("id") not in labelled]
    assert len(page.find("fieldset")) >= 10 and len(page.find("legend")) == len(page.find("fieldset"))
    assert page.find("script") == [{"src": "form.js", "defer": ""}]  # no inline script; the form works without it
    assert "http://" not in html and "https://" not in html
    assert page.find("link", rel="icon", href="favicon.svg")  # relative, so a proxy prefix works
    script = httpx.get(web_server.url + "/form.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "http" not in script.text and "Making your sheet" not in script.text  # its words are the page's, translated
    assert page.find("p", id="sheet-status", **{"data-waiting-sheet": "Making your sheet. This takes a few seconds."})
    icon = httpx.get(web_server.url + "/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml" and icon.text.startswith("<svg")
    assert {a["value"] for a in page.find("input", type="radio", name="document")} == {"visit", "booklet"}
    assert page.find("html", lang="en") and page.find("form", method="post", action="view")
    # plain-language help: what EDSS means and how to find it
    assert "EDSS is a score from 0 to 10" in html and "clinic letters" in html
    assert page.find("input", id="f-edss", **{"aria-describedby": "f-edss-hint"})
    css = httpx.get(web_server.url + "/form.css")
    assert css.status_code == 200 and "font-size: 125%" in css.text and "url(" not in css.text


def test_security_headers(web_server: Server) -> None:
    response = httpx.get(web_server.url + "/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "server" not in response.headers


def test_healthz(web_server: Server) -> None:
    assert httpx.get(web_server.url + "/healthz").status_code == 200
    ready = httpx.get(web_server.url + "/readyz")  # without --cds-hooks: no replay cache to check
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"render_workers": "2 of 2 up", "configuration": "loaded"}}
    assert "decisionaid_http_requests_total{" in httpx.get(web_server.url + "/metrics").text


# ----------------------------------------------------------------------------- reading answers
def test_numbers_are_read_strictly() -> None:
    assert parse_integer("2") == (2, None) and parse_integer(" 12 ".strip()) == (12, None)
    assert parse_integer("2.0")[1] == "Please write a whole number, like 2."
    assert parse_integer("two")[1] == "Please write a number using digits, like 2."
    assert parse_decimal("3.5") == (3.5, None) and parse_decimal("6") == (6, None)
    assert parse_decimal("3,5")[1] == "Please use a dot for part of a number, like 3.5."
    assert parse_decimal("1e3")[1] and parse_decimal("nan")[1] and parse_integer("9" * 5000)[1]


def test_unknown_answers_leave_fields_out() -> None:
    reading = parse_answers(Answers([
        ("age", "40"), ("ms_type", "unknown"), ("edss", "I don't know"), ("years_since_first_symptoms", ""),
        ("sex", ""), ("current_dmt", "unknown"), ("comorbidities_answer", "unknown"), ("prior_dmts_answer", "unknown"),
        ("prior_dmts.0.drug", ""), ("mri_last_12_months.new_or_enlarging_t2_lesions", "?"),
    ]))
    assert reading.errors == {}
    assert reading.data == {"age": 40, "ms_type": "unknown"}


def test_none_of_these_is_not_the_same_as_unknown() -> None:
    base = [("age", "40"), ("ms_type", "RRMS")]
    assert parse_answers(Answers(base + [("comorbidities_answer", "none")])).data["comorbidities"] == []
    assert "comorbidities" not in parse_answers(Answers(base + [("comorbidities_answer", "unknown")])).data
    ticked = parse_answers(Answers(base + [("comorbidities", "hiv"), ("comorbidities", "heart_disease")]))
    assert ticked.data["comorbidities"] == ["heart_disease", "hiv"]
    clash = parse_answers(Answers(base + [("comorbidities_answer", "none"), ("comorbidities", "hiv")]))
    assert "comorbidities" in clash.errors
    assert parse_answers(Answers(base + [("prior_dmts_answer", "none")])).data["prior_dmts"] == []
    rows = parse_answers(Answers(base + [("prior_dmts.2.drug", "Tysabri"), ("prior_dmts.2.months", "12")]))
    assert rows.data["prior_dmts"] == [{"drug": "Tysabri", "months": 12}]
    mri = parse_answers(Answers(base + [("mri_last_12_months.gadolinium_enhancing_lesions", "0")]))
    assert mri.data["mri_last_12_months"] == {"gadolinium_enhancing_lesions": 0}


def test_model_errors_land_on_their_question(pack) -> None:
    answers = Answers([("age", "40"), ("ms_type", "RRMS"), ("relapses_last_12_months", "3"),
                       ("relapses_last_24_months", "1"), ("prior_dmts.0.drug", "Tysabri"),
                       ("prior_dmts.3.drug", "Tecfiderra")])
    with pytest.raises(FormInvalid) as caught:
        read_form(answers, pack.catalogue)
    errors = caught.value.errors
    assert set(errors) == {"prior_dmts.3.drug"}  # row 4 of the form, though it is item 2 of the list
    assert "did you mean 'Tecfidera'" in errors["prior_dmts.3.drug"]
    answers = Answers([("age", "40"), ("ms_type", "RRMS"), ("relapses_last_12_months", "3"),
                       ("relapses_last_24_months", "1")])
    with pytest.raises(FormInvalid) as caught:
        read_form(answers, pack.catalogue)
    assert caught.value.errors == {
        "relapses_last_24_months": "Relapses in the last 24 months must be at least relapses in the last 12 months"}


# ----------------------------------------------------------------------------- POST /sheet
def test_a_valid_form_downloads_the_patients_sheet(web_server: Server) -> None:
    profile = example("rrms-breakthrough-high-efficacy.yaml") | {"name": "Zoë Ålvarez-Test"}
    response = post(web_server, "/sheet", profile_form(profile) + [("sheet_date", DAY)])
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="ms-options-visit-sheet-{DAY}.pdf"'
    assert len(pypdf.PdfReader(io.BytesIO(response.content)).pages) == 3  # the visit sheet by default
    assert "Zo" not in response.headers["content-disposition"]  # the file name carries no patient data
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    assert "Zoë Ålvarez-Test" in text and "Alex Example" not in text
    assert any(word in text for word in STATUS_WORDS)
    assert "does not tell you what to choose" in text


def test_wrong_answers_come_back_with_errors_beside_them(web_server: Server) -> None:
    answers = [("name", "Sam <b>Bold</b>"), ("age", "3x"), ("ms_type", "RRMS"), ("edss", "4.3"),
               ("current_dmt", "Tysabry"), ("sex", "female"), ("comorbidities", "hiv"), ("large_print", "yes")]
    response = post(web_server, "/sheet", answers)
    assert response.status_code == 422
    html = response.text
    page = _Elements(html)
    # the answers are kept
    assert page.find("input", name="age", value="3x") and page.find("input", name="edss", value="4.3")
    assert page.find("input", name="current_dmt", value="Tysabry")
    assert page.find("input", name="name", value="Sam <b>Bold</b>") and "<b>Bold</b>" not in html
    assert "checked" in page.find("input", name="sex", value="female")[0]
    assert "checked" in page.find("input", name="comorbidities", value="hiv")[0]
    assert "checked" in page.find("input", name="large_print")[0]
    # a plain error beside each wrong answer, tied to it for screen readers, and a summary at the top
    for name, message in [("age", "Please write a number using digits"), ("edss", "steps of 0.5"),
                          ("current_dmt", "did you mean &#39;Tysabri&#39;")]:
        field = page.find("input", name=name)[0]
        assert field["aria-invalid"] == "true" and f"f-{name}-error" in field["aria-describedby"]
        error_at = html.index(f'id="f-{name}-error"')
        between = html[error_at:html.index(f'name="{name}"', error_at)]
        assert message in between and 'class="question' not in between
    assert 'class="error-summary" role="alert"' in html and 'href="#f-age"' in html
    assert "Please check 3 answers" in html


def test_required_answers(web_server: Server) -> None:
    response = post(web_server, "/sheet", {"name": "Only a name"})
    assert response.status_code == 422
    assert "Please give your age." in response.text
    assert "Please choose one of the answers (or &#34;I don&#39;t know&#34;)." in response.text


def test_bodies_over_1_mb_are_refused(web_server: Server) -> None:
    response = post(web_server, "/sheet", {"age": "40", "ms_type": "RRMS", "name": "x" * 1_100_000})
    assert response.status_code == 413
    # a declared length over the limit is refused before the body is read
    port = int(web_server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /sheet HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 5000000\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 413")


def test_patient_text_is_never_fetched_or_embedded(web_server: Server) -> None:
    hits: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", free_port()))
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            hits.append(conn.recv(1000))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    payload = (f'<img src="http://127.0.0.1:{port}/img"><link rel="attachment" href="file:///etc/passwd">'
               f'<style>@import url(http://127.0.0.1:{port}/css)</style>')
    try:
        response = post(web_server, "/sheet", {"name": payload[:200], "age": "40", "ms_type": "RRMS"})
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert response.status_code == 200
    assert hits == []
    assert pypdf.PdfReader(io.BytesIO(response.content)).attachments == {}
    assert '<img src="http://127.0.0.1' in pdf_text(response.content)  # printed as text, not obeyed


# ----------------------------------------------------------------------------- POST /assess
def test_assess_returns_the_same_json_as_the_cli(web_server: Server) -> None:
    path = ROOT / "examples" / "spms-active.yaml"
    cli = run_cli("assess", str(path), "--format", "json")
    assert cli.returncode == 0, cli.stderr
    from_form = post(web_server, "/assess", profile_form(yaml.safe_load(path.read_text())))
    from_json = httpx.post(web_server.url + "/assess", json=yaml.safe_load(path.read_text()), timeout=120)
    assert from_form.status_code == from_json.status_code == 200
    assert from_form.headers["content-type"] == "application/json"
    assert from_form.json() == from_json.json() == json.loads(cli.stdout)


def test_assess_reports_errors_as_json(web_server: Server) -> None:
    response = post(web_server, "/assess", {"age": "200", "ms_type": "RRMS"})
    assert response.status_code == 422
    assert response.json() == {"errors": [{"field": "age", "message": "This sheet is for ages 10 to 100."}]}
    response = httpx.post(web_server.url + "/assess", json={"age": 40, "ms_tipe": "RRMS"}, timeout=60)
    assert response.status_code == 422
    assert any("did you mean 'ms_type'" in e["message"] for e in response.json()["errors"])


# ----------------------------------------------------------------------------- the same sheet as the CLI
@pytest.mark.parametrize(("name", "large_print"), [("rrms-breakthrough-high-efficacy.yaml", False),
                                                   ("cis-first-episode.yaml", True)])
def test_the_forms_sheet_is_byte_identical_to_the_clis(web_server: Server, tmp_path, name: str,
                                                       large_print: bool) -> None:
    path = ROOT / "examples" / name
    out = tmp_path / "cli.pdf"
    cli = run_cli("sheet", str(path), "-o", str(out), "--date", DAY, *(["--large-print"] if large_print else []))
    assert cli.returncode == 0, cli.stderr
    answers = profile_form(example(name)) + [("sheet_date", DAY)] + ([("large_print", "yes")] if large_print else [])
    response = post(web_server, "/sheet", answers)
    assert response.status_code == 200, response.text[:500]
    assert response.content == out.read_bytes()
    ending = "-large-print" if large_print else ""
    assert response.headers["content-disposition"] == f'attachment; filename="ms-options-visit-sheet-{DAY}{ending}.pdf"'


# ----------------------------------------------------------------------------- several patients at once
def test_eight_patients_at_once_each_get_their_own_sheet(web_server: Server) -> None:
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    patients = []
    for i in range(8):
        profile = yaml.safe_load(examples[i % len(examples)].read_text())
        profile["name"] = f"Patient Number{i} Q{i * 7919}"
        patients.append(profile)
    barrier = threading.Barrier(8)

    def submit(profile: dict[str, object]) -> bytes:
        with httpx.Client(timeout=180) as client:
            barrier.wait()
            response = client.post(web_server.url + "/sheet", data=as_form(profile_form(profile) + [("sheet_date", DAY)]))
        assert response.status_code == 200
        return response.content

    with ThreadPoolExecutor(8) as pool:
        sheets = list(pool.map(submit, patients))
    for i, sheet in enumerate(sheets):
        text = pdf_text(sheet)
        assert f"Patient Number{i} Q{i * 7919}" in text
        assert [j for j in range(8) if f"Patient Number{j} " in text] == [i]


# ----------------------------------------------------------------------------- nothing is kept
def test_nothing_about_a_patient_is_kept(web_server: Server) -> None:
    marker = "Quxlwyn Marker-Persona"
    answers = [("name", marker), ("age", "47"), ("ms_type", "SPMS"), ("edss", "6.5"), ("current_dmt", "Ocrevus")]
    assert post(web_server, "/sheet", answers, params={"name": marker}).status_code == 200
    assert post(web_server, "/sheet", [("age", "x"), *answers], params={"q": marker}).status_code == 422
    assert post(web_server, "/assess", answers).status_code == 200
    for folder in web_server.folders:
        for path in folder.rglob("*"):
            if path.is_file():
                assert marker.encode() not in path.read_bytes(), path
    logs = web_server.logs()
    assert marker not in logs and "Quxlwyn" not in logs and "?" not in web_server.stdout.read_text()
    access = [line for line in web_server.stdout.read_text().splitlines() if line.strip()]
    assert access and all(re.fullmatch(r"\S+ \S+ INFO (GET|POST) /[\w./-]* \d{3}", line) for line in access), access
    assert any(line.endswith("POST /sheet 200") for line in access)


def test_logs_withhold_exception_text(capsys) -> None:
    logging.config.dictConfig(LOG_CONFIG)
    try:
        answer = "Secret " + "Person"
        try:
            raise ValueError(f"{answer} is 47")  # the traceback shows this line, not the text it makes
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False,
                                   "loggers": {n: {"handlers": [], "filters": [], "propagate": True}
                                               for n in LOG_CONFIG["loggers"]}})
    out, err = capsys.readouterr()
    assert "Secret" not in out + err and "ValueError (its message is not logged)" in err


def test_a_job_past_its_time_limit_is_stopped_and_its_worker_replaced() -> None:
    pool = RenderPool(1, job_timeout=0.05)
    pool.start()
    try:
        job = {"profile": {"age": 40, "ms_type": "RRMS"}, "sheet_date": DAY, "large_print": False}
        with pytest.raises(JobTimeout):
            pool.run("sheet", job)
        pool.job_timeout = 120
        assessment = pool.run("assess", {"profile": job["profile"]}, wait=180)  # served by the replacement
        assert [o["id"] for o in assessment["options"]][:2] == ["no_change", "he_dmt"]
    finally:
        pool.close()
