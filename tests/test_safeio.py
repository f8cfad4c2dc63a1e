"""Issue 13, files written and files read: one safe way to read an input and one to write an output.

Through the real CLI (a subprocess, with a time limit as a hang guard) and in process. HTML
output (`sheet --html`) goes through the same writer as the PDF and needs no WeasyPrint, so only
one test here renders a PDF.
"""

from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from decisionaid.plumbing import safeio
from decisionaid.plumbing.errors import InputError, OutputError

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "rrms-breakthrough-high-efficacy.yaml"
LIMIT = 60  # seconds: a hang guard, never a timed assertion


def cli(*args: str, stdin: bytes | None = None, **options) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "decisionaid.cli", *args], input=stdin, capture_output=True,
                          timeout=LIMIT, check=False, **options)


def one_line_error(result: subprocess.CompletedProcess[bytes], fragment: str, code: int = 2) -> str:
    err = result.stderr.decode(errors="replace")
    assert result.returncode == code, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and fragment in err, err
    return err


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile.yaml"
    shutil.copy(EXAMPLE, path)
    return path


# ----------------------------------------------------------------------------- 1. the temporary file
def test_links_planted_at_the_old_predictable_temporary_names_are_never_followed(tmp_path, profile):
    """The old writer used `.{name}.{pid}.tmp` and followed links: a planted link for the next
    PIDs made `sheet -o shared/sheet.pdf` overwrite any file the caller could write."""
    shared, victim = tmp_path / "shared", tmp_path / "victim.txt"
    shared.mkdir()
    victim.write_text("precious")
    start = int(Path("/proc/sys/kernel/ns_last_pid").read_text()) if Path("/proc/sys/kernel/ns_last_pid").exists() else 1
    for pid in range(start, start + 400):
        (shared / f".sheet.html.{pid}.tmp").symlink_to(victim)
    result = cli("sheet", str(profile), "--html", str(shared / "sheet.html"), "--date", "2026-11-22")
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "precious"
    assert "<html" in (shared / "sheet.html").read_text()
    assert all(p.is_symlink() for p in shared.iterdir() if p.name != "sheet.html")  # nothing else was made


def test_the_temporary_file_is_unpredictable_exclusive_and_never_a_link(tmp_path, monkeypatch):
    opened: list[tuple[str, int]] = []
    real_open = os.open

    def watching(path, flags, *args, **kwargs):  # the real call, only recorded
        opened.append((str(path), flags))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching)
    for _ in range(2):
        safeio.write_output(tmp_path / "sheet.pdf", b"%PDF-1.7 data")
    temporary = [(p, f) for p, f in opened if p.endswith(".tmp")]
    assert len(temporary) == 2 and temporary[0][0] != temporary[1][0]
    assert all(f & os.O_CREAT and f & os.O_EXCL and f & os.O_NOFOLLOW for _, f in temporary)
    assert all(str(os.getpid()) not in Path(p).name for p, _ in temporary)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.pdf"]


# ----------------------------------------------------------------------------- 2. the input overwritten
@pytest.mark.parametrize("how", ["same path", "symbolic link", "hard link"])
def test_the_output_may_not_be_the_input(tmp_path, profile, how):
    target = {"same path": profile, "symbolic link": tmp_path / "link.pdf", "hard link": tmp_path / "hard.pdf"}[how]
    if how == "symbolic link":
        target.symlink_to(profile)
    elif how == "hard link":
        os.link(profile, target)
    before = profile.read_bytes()
    one_line_error(cli("sheet", str(profile), "-o", str(target)), "is the input")
    one_line_error(cli("sheet", str(profile), "--html", str(target)), "is the input")
    assert profile.read_bytes() == before


# ----------------------------------------------------------------------------- 3. special output paths
def test_dash_and_dev_stdout_write_the_sheet_to_standard_output_and_replace_nothing(profile):
    link = os.readlink("/dev/stdout") if os.path.islink("/dev/stdout") else None
    result = cli("sheet", str(profile), "-o", "-", "--date", "2026-11-22")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"%PDF-") and result.stdout.rstrip().endswith(b"%%EOF")
    result = cli("sheet", str(profile), "--html", "/dev/stdout", "--date", "2026-11-22")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"<!DOCTYPE html>") or b"<html" in result.stdout[:200]
    assert (os.readlink("/dev/stdout") if os.path.islink("/dev/stdout") else None) == link
    result = cli("sheet", str(profile), "--html", "/dev/null")
    assert result.returncode == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_an_existing_output_keeps_its_permission_bits(tmp_path, profile):
    out = tmp_path / "sheet.html"
    out.write_text("old")
    out.chmod(0o640)
    assert cli("sheet", str(profile), "--html", str(out)).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and "<html" in out.read_text()


def test_a_fifo_nobody_reads_a_dangling_link_and_a_folder_are_refused_without_a_hang(tmp_path, profile):
    fifo, dangling = tmp_path / "pipe.html", tmp_path / "dangling.html"
    os.mkfifo(fifo)
    dangling.symlink_to(tmp_path / "nowhere" / "x.html")
    one_line_error(cli("sheet", str(profile), "--html", str(fifo)), "nothing is reading from it")
    one_line_error(cli("sheet", str(profile), "--html", str(dangling)), "symbolic link to a missing file")
    with pytest.raises(OutputError, match="is a folder"):
        safeio.write_output(tmp_path, b"x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.path.islink(dangling)


# ----------------------------------------------------------------------------- 4. write errors
def test_a_full_device_is_one_line(profile):
    one_line_error(cli("sheet", str(profile), "--html", "/dev/full"), "cannot write full: no space left on device")


def test_a_write_that_fails_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, profile):
    out = tmp_path / "sheet.html"
    out.write_text("previous sheet")

    def small_files() -> None:  # a disk that fills up after 20 kB: the write fails half way
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = cli("sheet", str(profile), "--html", str(out), preexec_fn=small_files)
    one_line_error(result, "cannot write sheet.html: file too large")
    assert out.read_text() == "previous sheet" and sorted(p.name for p in tmp_path.iterdir()) == [
        "profile.yaml", "sheet.html"]


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path, profile):
    """A read-only folder ended in a PermissionError traceback. Tests run as root, which may write
    anywhere, so the folder is made immutable instead (chattr +i): the same refusal from the kernel."""
    folder = tmp_path / "locked"
    folder.mkdir()
    frozen = shutil.which("chattr") and not subprocess.run(["chattr", "+i", str(folder)], capture_output=True,
                                                           check=False).returncode
    if not frozen:
        folder.chmod(0o555)  # enough for a user who is not root
    try:
        result = cli("sheet", str(profile), "--html", str(folder / "sheet.html"))
        if result.returncode == 0:
            pytest.skip("this user may write into a read-only folder here")
        one_line_error(result, "cannot write sheet.html: ")
        assert list(folder.iterdir()) == []
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True, check=False)
        folder.chmod(0o755)


# ----------------------------------------------------------------------------- 5 and 6. special inputs, standard input
def test_special_profile_files_are_refused_at_once(tmp_path):
    fifo = tmp_path / "profile.yaml"
    os.mkfifo(fifo)
    one_line_error(cli("assess", str(fifo)), "is a named pipe (FIFO), not a regular file")
    for device in ("/dev/zero", "/dev/urandom"):
        one_line_error(cli("assess", device), "is a character device, not a regular file")
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    one_line_error(cli("assess", str(link)), "is a character device")
    one_line_error(cli("assess", str(tmp_path)), "is a folder")


def test_an_endless_stream_on_standard_input_is_cut_at_the_cap():
    """`cat /dev/zero | decisionaid assess -` ran out of memory: the 1 MB cap trusted the reported size."""
    result = subprocess.run(f"cat /dev/zero | {sys.executable} -m decisionaid.cli assess -", shell=True,
                            capture_output=True, timeout=LIMIT, check=False)
    one_line_error(result, "<stdin>: error: is larger than 1 MB")
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run([sys.executable, "-m", "decisionaid.cli", "assess", "-"], stdin=zero,
                                capture_output=True, timeout=LIMIT, check=False)
    one_line_error(result, "is larger than 1 MB")


def test_standard_input_is_read_exactly_like_a_file(tmp_path):
    latin1 = b"age: 30\nms_type: RRMS\nname: Jos\xe9\n"
    (tmp_path / "latin1.yaml").write_bytes(latin1)
    from_file = one_line_error(cli("assess", str(tmp_path / "latin1.yaml")), "is not UTF-8 text")
    from_stdin = one_line_error(cli("assess", "-", stdin=latin1), "is not UTF-8 text")
    assert from_file.replace(str(tmp_path / "latin1.yaml"), "<stdin>") == from_stdin
    assert "<stdin>:3:10:" in from_stdin
    closed = subprocess.run(f"{sys.executable} -m decisionaid.cli assess - <&-", shell=True, capture_output=True,
                            check=False,
                            timeout=LIMIT)
    one_line_error(closed, "<stdin>: error: cannot be read: it is closed")


def test_read_input_reads_at_most_the_cap_plus_one_byte(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a" * 101)
    assert safeio.read_input(path, cap=101) == ("a" * 101, str(path))
    with pytest.raises(InputError, match="larger than"):
        safeio.read_input(path, cap=100)


# ----------------------------------------------------------------------------- issue 24: one writer for every command
PACK = Path(__file__).resolve().parent / "fixtures" / "broken_packs" / "clean"


def foreign(link: Path) -> Path:
    """Make `link` (a symbolic link) belong to another user, as if they had planted it."""
    if os.geteuid() != 0:
        pytest.skip("only root can give a link to another user")
    os.lchown(link, 4321, 4321)
    return link


def test_rules_docs_and_schema_write_never_onto_the_pack_a_fifo_or_a_foreign_link(tmp_path):
    """`rules docs p/rules -o p/rules/pack.yaml` overwrote the pack it read; `-o FIFO` and
    `schema --write` onto a FIFO blocked forever; a link of another user was written through."""
    shutil.copytree(PACK, tmp_path / "p")
    rules = tmp_path / "p" / "rules"
    pack_yaml = rules / "pack.yaml"
    before = pack_yaml.read_bytes()
    fifo, victim = tmp_path / "pipe.md", tmp_path / "victim.md"
    os.mkfifo(fifo)
    victim.write_text("precious")
    (tmp_path / "planted.md").symlink_to(victim)
    foreign(tmp_path / "planted.md")
    one_line_error(cli("rules", "docs", str(rules), "-o", str(pack_yaml)), "is the input")
    one_line_error(cli("rules", "docs", str(rules), "-o", str(rules / "options" / "nsc.yaml")), "is the input")
    one_line_error(cli("rules", "docs", str(rules), "-o", str(fifo)), "nothing is reading from it")
    one_line_error(cli("rules", "docs", str(rules), "-o", str(tmp_path / "planted.md")), "of another user")
    schemas = tmp_path / "schema"
    schemas.mkdir()
    os.mkfifo(schemas / "profile.schema.json")
    (schemas / "rules.schema.json").symlink_to("/dev/zero")
    one_line_error(cli("schema", "--write", str(schemas)), "nothing is reading from it")
    assert pack_yaml.read_bytes() == before and victim.read_text() == "precious"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stat.S_ISFIFO(os.lstat(schemas / "profile.schema.json").st_mode)
    result = cli("schema", "--write", str(schemas), "--check")  # stale: never waits on the FIFO or reads /dev/zero
    assert result.returncode == 1 and b"profile.schema.json: out of date" in result.stderr, result.stderr


def test_a_failing_standard_output_is_one_line_for_every_command(tmp_path):
    """`> /dev/full` gave a traceback from assess, profile from-fhir, rules docs, rules check and schema."""
    commands = [["assess", str(EXAMPLE)], ["assess", str(EXAMPLE), "--format", "json"],
                ["profile", "from-fhir", str(ROOT / "examples" / "fhir" / "cis-first-episode.json"),
                 "--date", "2026-11-22"],
                ["rules", "docs"], ["rules", "check", "--format", "json", "--today", "2026-06-01"], ["schema", "profile"]]
    with open("/dev/full", "wb") as full:
        running = [subprocess.Popen([sys.executable, "-m", "decisionaid.cli", *args], stdout=full,
                                    stderr=subprocess.PIPE) for args in commands]
        finished = [(args, process.communicate(timeout=LIMIT)[1], process.returncode)
                    for args, process in zip(commands, running)]
    for args, err, code in finished:
        lines = [line for line in err.decode().splitlines() if "no space left on device" in line or "Traceback" in line]
        assert code == 2 and lines == ["<stdout>: error: cannot write <stdout>: no space left on device (write-failed)"], (
            args, err.decode()[-2000:])


def test_a_folder_link_another_user_planted_in_a_sticky_shared_folder_is_refused(tmp_path, monkeypatch):
    """`-o /tmp/reports/x.pdf` followed `/tmp/reports -> /home/victim` planted by another user: only
    the last component was checked. Now every folder on the way follows the kernel's protected_symlinks."""
    shared, victim, mine = tmp_path / "shared", tmp_path / "victim", tmp_path / "mine"
    for folder in (shared, victim, mine, victim / "sub"):
        folder.mkdir()
    shared.chmod(0o1777)
    (shared / "reports").symlink_to(victim)
    foreign(shared / "reports")
    for target in (shared / "reports" / "x.pdf", shared / "reports" / "sub" / "x.pdf",
                   shared / "reports" / ".." / "reports" / "x.pdf"):
        with pytest.raises(OutputError, match="a symbolic link of another user in a shared folder"):
            safeio.write_output(target, b"x")
    assert not any(victim.rglob("x.pdf"))
    monkeypatch.chdir(shared)  # a relative path walks the same way
    with pytest.raises(OutputError, match="goes through"):
        safeio.check_output(Path("reports") / "x.pdf")
    (mine / "reports").symlink_to(victim)
    foreign(mine / "reports")  # not in a shared folder: the kernel follows it too, and so does the writer
    safeio.write_output(mine / "reports" / "x.pdf", b"x")
    assert (victim / "x.pdf").read_bytes() == b"x"


@pytest.mark.parametrize("name", ["a" * 246 + ".pdf", "é" * 120 + ".pdf", "b" * 255])
def test_an_output_name_up_to_the_file_system_limit_is_written(tmp_path, name):
    """A valid 243-250-character name failed: the temporary name added 14 characters past NAME_MAX."""
    safeio.write_output(tmp_path / name, b"%PDF-1.7 data")
    safeio.write_output(tmp_path / name, b"%PDF-1.7 again")
    assert [p.name for p in tmp_path.iterdir()] == [name] and (tmp_path / name).read_bytes() == b"%PDF-1.7 again"
