"""Hostile input: every odd or malicious profile gets a clear error or a correct sheet, within
seconds, through the library, the CLI and the batch; never a traceback, a hang or a fetched URL.

(The web form's own hostile-input tests are in test_web_hostile.py.)
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pypdf
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisionaid.evaluation.assess import assess
from decisionaid.plumbing.errors import ProfileError
from decisionaid.profile.model import PROFILE_FIELDS
from decisionaid.profile.read import load_profile, parse_profile

from .conftest import ROOT
from .helpers import pdf_text, run_cli

EXAMPLE = ROOT / "examples" / "rrms-breakthrough-high-efficacy.yaml"
BASE = "age: 30\nms_type: RRMS\n"
SECONDS = 5.0  # the most one profile may take to be refused or assessed (generous for shared CI machines)

#: (name, text, expected fragment of the first problem); None = the profile is valid.
CASES = [
    ("alias bomb", 'a: &a ["lol","lol"]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n', "anchors and aliases"),
    ("merge key", "base: &b {age: 30}\n<<: *b\nms_type: RRMS\n", "anchors and aliases"),
    ("deep flow, unclosed", "[" * 200_000, "nested too deeply"),
    ("deep flow, closed", "[" * 50_000 + "]" * 50_000, "nested too deeply"),
    ("deep mapping", "".join(" " * i + "a:\n" for i in range(1300)), "nested too deeply"),
    ("deep list", "".join(" " * i + "- \n" for i in range(1300)), "nested too deeply"),
    ("complex key", "? [a, b]\n: 1\n" + BASE, "a key must be a single word"),
    ("mapping key", "? {a: 1}\n: 1\n" + BASE, "a key must be a single word"),
    ("number key", "1: 2\n" + BASE, "Keys should be strings"),
    ("python object tag", "!!python/object/apply:os.system ['echo owned']\n", "could not determine a constructor"),
    ("python tag in a value", "age: !!python/object/apply:os.system ['echo owned']\nms_type: RRMS\n",
     "could not determine a constructor"),
    ("binary tag", "age: !!binary aGVsbG8=\nms_type: RRMS\n", "not a whole number"),
    ("date for a number", "age: 2020-01-01\nms_type: RRMS\n", "not a whole number"),
    ("set tag", BASE + "comorbidities: !!set {hiv: null}\n", "not a list"),
    ("integer of 5000 digits", "age: " + "9" * 5000 + "\nms_type: RRMS\n", "4300 digits"),
    ("huge integer", "age: " + "9" * 40 + "\nms_type: RRMS\n", "out of range"),
    ("huge float", BASE + "edss: 1.0e+308\n", "out of range"),
    ("infinity", BASE + "edss: .inf\n", "out of range"),
    ("not a number", BASE + "edss: .nan\n", "out of range"),
    ("negative", BASE + "relapses_last_12_months: -1\n", "out of range"),
    ("tiny float", BASE + "years_since_first_symptoms: 0.0000000000000000000001\n", None),
    ("text for a number", "age: thirty\nms_type: RRMS\n", "not a whole number"),
    ("quoted number", 'age: "30"\nms_type: RRMS\n', "not a whole number"),
    ("boolean for a number", "age: true\nms_type: RRMS\n", "not a whole number"),
    ("list for a number", "age: [30]\nms_type: RRMS\n", "not a whole number"),
    ("text for a list", BASE + "comorbidities: hiv\n", "not a list"),
    ("mapping for a list", BASE + "prior_dmts: {drug: natalizumab}\n", "not a list"),
    ("number for a mapping", BASE + "mri_last_12_months: 5\n", "not a mapping"),
    ("100,000 list items", BASE + "comorbidities: [" + ",".join(["hiv"] * 100_000) + "]\n", "at most 13 items"),
    ("30,000 prior drugs", BASE + "prior_dmts:\n" + "  - drug: nope\n" * 30_000, "at most 50 items"),
    ("60,000 unknown keys", BASE + "".join(f"k{i}: 1\n" for i in range(60_000)), "more problems"),
    ("a key of 900 kB", BASE + "k" * 900_000 + ": 1\n", "could not find expected ':'"),
    ("a name of 100 kB", BASE + "name: " + "x" * 100_000 + "\n", "at most 200 characters"),
    ("over 1 MB", BASE + "name: " + "x" * 1_100_000 + "\n", "larger than 1 MB"),
    ("a long drug name", BASE + "current_dmt: " + "natalizumab" * 9 + "\n", "unknown drug"),
    ("NUL character", "age: 30\x00\nms_type: RRMS\n", "control characters are not allowed"),
    ("C1 control character", BASE + "name: a\x85b\x9f\n", "control characters are not allowed"),
    ("byte order mark", "\ufeff" + BASE, None),
    ("two documents", "age: 30\n---\nms_type: RRMS\n", "found another document"),
    ("empty", "", "must be a mapping"),
    ("only a comment", "# nothing here\n", "must be a mapping"),
    ("a scalar", "42\n", "must be a mapping"),
    ("a list", "- age: 30\n", "must be a mapping"),
    ("tabs", "age:\t30\n\tms_type: RRMS\n", "tab character"),
    ("duplicate key", BASE + "age: 31\n", "duplicate key 'age'"),
    ("markup and URLs in the name", BASE + 'name: "<script>alert(1)</script><img src=http://127.0.0.1:9/x>"\n', None),
    # issue 13: numbers written oddly are not numbers (YAML 1.1 read these as 30, or 036 as 30 in octal)
    ("hexadecimal", "age: 0x1E\nms_type: RRMS\n", "not a whole number"),
    ("underscores", "age: 3_0\nms_type: RRMS\n", "not a whole number"),
    ("octal", "age: 0o36\nms_type: RRMS\n", "not a whole number"),
    ("leading zero", "age: 036\nms_type: RRMS\n", "not a whole number"),
    ("base 60", "age: 0:30\nms_type: RRMS\n", "not a whole number"),
    ("binary", "age: 0b11110\nms_type: RRMS\n", "not a whole number"),
    ("underscored decimal", BASE + "edss: 3_0.5\n", "not a number"),
    # issue 13: control characters written as escapes, and text that changes the writing direction
    ("escape character", BASE + 'name: "\\e[31mred"\n', "control characters are not allowed"),
    ("NUL escape", BASE + 'name: "a\\0b"\n', "control characters are not allowed"),
    ("next-line escape", BASE + 'name: "a\\Nb"\n', "control characters are not allowed"),
    ("right-to-left override", BASE + 'name: "\\u202eAlex Example"\n', "writing-direction characters"),
    ("isolate", BASE + 'name: "\\u2067Alex"\n', "writing-direction characters"),
    ("escape in a drug", BASE + 'current_dmt: "Tysabri\\e"\n', "control characters are not allowed"),
]

JSON_CASES = [
    ("deep arrays", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("deep objects", '{"a":' * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
    ("integer of 5000 digits", '{"age": ' + "9" * 5000 + ', "ms_type": "RRMS"}', "4300 digits"),
    ("NaN", '{"age": 30, "ms_type": "RRMS", "edss": NaN}', "out of range"),
    ("1e999", '{"age": 30, "ms_type": "RRMS", "years_since_first_symptoms": 1e999}', "out of range"),
    ("1e-300", '{"age": 30, "ms_type": "RRMS", "years_since_first_symptoms": 1e-300}', None),
    ("trailing comma", '{"age": 30,}', "invalid JSON"),
    ("float for an integer", '{"age": 30.0, "ms_type": "RRMS"}', "not a whole number"),
    ("lone surrogate", '{"age": 30, "ms_type": "RRMS", "name": "\\ud800"}', "valid string"),
    ("null means unknown", '{"age": 30, "ms_type": "RRMS", "edss": null}', None),
    ("duplicate key", '{"age": 30, "age": 31, "ms_type": "RRMS"}', "duplicate key 'age'"),
    ("not an object", "[1, 2]", "must be a mapping"),
    ("NUL escape", '{"age": 30, "ms_type": "RRMS", "name": "a\\u0000b"}', "control characters are not allowed"),
    ("escape character", '{"age": 30, "ms_type": "RRMS", "name": "\\u001b[31m"}', "control characters are not allowed"),
    ("right-to-left override", '{"age": 30, "ms_type": "RRMS", "name": "\\u202eAlex"}', "writing-direction"),
    ("prior drug with a C1 control", '{"age": 30, "ms_type": "RRMS", "prior_dmts": [{"drug": "a\\u0085"}]}',
     "control characters are not allowed"),
]


def check(text: str, name: str, pack, engine, expected: str | None = None) -> None:
    """Refused with clear one-line problems, or valid and assessed; either way within SECONDS."""
    start = time.perf_counter()
    try:
        profile = parse_profile(text, name, pack.catalogue, as_json=name.endswith(".json"))
    except ProfileError as exc:
        assert exc.diagnostics and all("\n" not in str(d) and len(str(d)) < 500 for d in exc.diagnostics)
        assert all(str(d).startswith(name) for d in exc.diagnostics)
        if expected is not None:
            assert expected in str(exc.diagnostics[0]) or expected in str(exc), str(exc)[:500]
        else:
            raise
    else:
        assert expected is None, f"accepted, but expected: {expected}"
        result = assess(profile, pack, engine)
        assert len(result.options) == 7
    assert time.perf_counter() - start < SECONDS


@pytest.mark.parametrize(("label", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_yaml(label, text, expected, pack, engine):
    check(text, "hostile.yaml", pack, engine, expected)


@pytest.mark.parametrize(("label", "text", "expected"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_hostile_json(label, text, expected, pack, engine):
    check(text, "hostile.json", pack, engine, expected)


def test_bytes_that_are_not_utf8_are_refused(tmp_path, pack):
    for index, data in enumerate([b"age: 30\nname: Jos\xe9\n", b"\xff\xfe" + "age: 30".encode("utf-16-le"), b"\x80" * 100]):
        path = tmp_path / f"{index}.yaml"
        path.write_bytes(data)
        with pytest.raises(ProfileError, match="not UTF-8"):
            load_profile(str(path), pack.catalogue)


# ----------------------------------------------------------------------------- generated
GENERATED = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

YAML_PIECES = st.sampled_from(list("[]{}:,-?|>!&*%@#'\"\\\n\t ") + ["\x00", "\x85", "\ufeff", "\u2028", "é", "0", "9",
                                                                      ".", "e", "a", "true", "null", "---", "..."])


def test_generated_text(pack, engine):
    @GENERATED
    @given(st.text(max_size=300), st.booleans())
    def run(text, as_json):
        check_any(text, "gen.json" if as_json else "gen.yaml", pack, engine)

    run()


def test_generated_edits_of_a_real_profile(pack, engine):
    original = EXAMPLE.read_text()

    @GENERATED
    @given(st.lists(st.tuples(st.integers(0, len(original)), st.integers(0, 8), st.lists(YAML_PIECES, max_size=4).map(''.join)),
                    min_size=1, max_size=6))
    def run(edits):
        text = original
        for at, cut, insert in edits:
            at = min(at, len(text))
            text = text[:at] + insert + text[at + cut:]
        check_any(text, "edited.yaml", pack, engine)

    run()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | st.text(max_size=40)
    | st.sampled_from(["RRMS", "yes", "none", "natalizumab", "hiv", "0.5", "1e-5"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def test_generated_values_of_the_wrong_type(pack, engine):
    @GENERATED
    @given(st.dictionaries(st.sampled_from([*PROFILE_FIELDS, "edds", "unknown"]), JSON_VALUES, max_size=8),
           st.integers(10, 100), st.booleans())
    def run(fields, age, as_json):
        data = {"age": age, "ms_type": "RRMS", **fields}
        if as_json:
            check_any(json.dumps(data), "values.json", pack, engine)
        else:
            check_any(yaml.safe_dump(data, allow_unicode=True), "values.yaml", pack, engine)

    run()


def check_any(text: str, name: str, pack, engine) -> None:
    start = time.perf_counter()
    try:
        profile = parse_profile(text, name, pack.catalogue, as_json=name.endswith(".json"))
    except ProfileError as exc:
        assert exc.diagnostics and all("\n" not in str(d) for d in exc.diagnostics)
    else:
        assert len(assess(profile, pack, engine).options) == 7
    assert time.perf_counter() - start < SECONDS


# ----------------------------------------------------------------------------- through the CLI and the batch
class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { background: red }")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def listener() -> Iterator[str]:
    """A local web server that records any request: nothing may ever reach it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def markup_profile(listener: str) -> str:
    payload = (f"<img src=http://{listener}/i><link rel=attachment href=file:///etc/passwd>"
               f"<style>@import 'http://{listener}/c'</style>")
    assert len(payload) <= 200
    return EXAMPLE.read_text().replace("name: Alex Example", "name: " + json.dumps(payload))


CLI_FILES = {
    "bomb.yaml": CASES[0][1],
    "deep.yaml": "[" * 50_000 + "]" * 50_000,
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "key.yaml": CASES[6][1],
    "digits.yaml": "age: " + "9" * 5000 + "\nms_type: RRMS\n",
    "tag.yaml": CASES[9][1],
    "nul.yaml": "age: 30\x00\nms_type: RRMS\n",
    "types.json": '{"age": "30", "ms_type": 5, "comorbidities": "hiv", "edss": 3.3}',
    "bidi.yaml": 'age: 30\nms_type: RRMS\nname: "\\u202eAlex Example"\n',
    "hex.yaml": "age: 0x1E\nms_type: RRMS\n",
}


def test_hostile_files_through_the_cli_exit_2_with_one_line_each(tmp_path):
    for name, text in CLI_FILES.items():
        path = tmp_path / name
        path.write_text(text)
        start = time.monotonic()
        result = run_cli("assess", str(path), "--format", "json")
        assert result.returncode == 2, (name, result.stderr[-2000:])
        assert "Traceback" not in result.stderr and result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert lines and all(line.startswith(str(path)) for line in lines), (name, lines)
        assert time.monotonic() - start < 30


def test_markup_and_urls_in_free_text_are_printed_never_fetched(tmp_path, listener):
    _Recorder.hits.clear()
    profile = tmp_path / "markup.yaml"
    profile.write_text(markup_profile(listener))
    out, html = tmp_path / "sheet.pdf", tmp_path / "sheet.html"
    result = run_cli("sheet", str(profile), "-o", str(out), "--html", str(html), "--date", "2026-11-22")
    assert result.returncode == 0, result.stderr
    page = html.read_text()
    assert "&lt;img src=http://" in page and "<img src=http" not in page and "<link rel=attachment" not in page
    assert "<style>" not in page
    assert pypdf.PdfReader(out).attachments == {}
    text = pdf_text(out.read_bytes())
    # printed as typed, escaped once (the visit sheet shortens a name this long: issue 20)
    assert "<img src=" in text and "&lt;" not in text
    assert _Recorder.hits == []


def test_hostile_files_in_a_batch_are_reported_and_the_good_one_is_made(tmp_path, listener):
    _Recorder.hits.clear()
    folder = tmp_path / "clinic"
    folder.mkdir()
    for name, text in CLI_FILES.items():
        (folder / name).write_text(text)
    (folder / "latin1.yaml").write_bytes(b"age: 30\nms_type: RRMS\nname: Jos\xe9\n")
    (folder / "markup.yaml").write_text(markup_profile(listener))
    special = {"loop.yaml": "too many levels of symbolic links", "dangling.yml": "no such file",
               "fifo.yaml": "named pipe", "zero.json": "character device", "folder.yaml": "is a folder"}
    (folder / "loop.yaml").symlink_to("loop.yaml")  # issue 13: these five got no line at all
    (folder / "dangling.yml").symlink_to(tmp_path / "gone.yml")
    os.mkfifo(folder / "fifo.yaml")
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / "folder.yaml").mkdir()
    out = tmp_path / "out"
    start = time.monotonic()
    result = run_cli("batch", str(folder), "-o", str(out), "--jobs", "2", "--date", "2026-11-22")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["markup.pdf"]
    assert pypdf.PdfReader(out / "markup.pdf").attachments == {}
    reported = [line for line in result.stderr.splitlines() if line.startswith(str(folder))]
    assert sorted(Path(line.split(":")[0]).name for line in reported) == sorted([*CLI_FILES, "latin1.yaml", *special])
    for name, reason in special.items():
        assert any(line.startswith(str(folder / name)) and reason in line for line in reported), (name, reported)
    total = len(CLI_FILES) + len(special) + 2
    assert f"made 1 of {total} sheets" in result.stderr
    assert _Recorder.hits == []
    assert time.monotonic() - start < 300


def test_a_folder_of_profiles_is_not_a_profile(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    result = run_cli("assess", str(tmp_path / "dir.yaml"))
    assert result.returncode == 2 and "folder" in result.stderr and "Traceback" not in result.stderr
    shutil.rmtree(tmp_path / "dir.yaml")


def test_a_file_name_cannot_forge_a_line_or_reach_the_terminal_raw(tmp_path):
    """Issue 24: a name with a newline printed `fake.yaml:1:1: error: INJECTED` as a line of its own,
    and escape sequences and U+202E reached the terminal. Every Diagnostic escapes them."""
    name = "x\nfake.yaml:1:1: error: INJECTED\x1b[2J\u202e\u2066lmth.yaml"
    (tmp_path / name).write_text("age: 30\nms_type: RRMS\nedds: 2\n")
    result = run_cli("assess", str(tmp_path / name))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not any(ch in result.stderr for ch in "\x1b\u202e\u2066")
    assert "x\\nfake.yaml:1:1: error: INJECTED\\x1b[2J\\u202e\\u2066lmth.yaml:3:1: error: unknown field 'edds'" in result.stderr
