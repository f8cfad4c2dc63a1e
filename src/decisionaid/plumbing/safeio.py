"""The one safe way to read an input and the one safe way to write an output.

Every command (CLI, batch workers, the rule-pack loader, its seeds and test cases) goes through
here, so that no input can hang or exhaust memory and no output can clobber the wrong file:

- `read_input` reads standard input ('-') or a *regular* file, opened without blocking (a FIFO
  opens at once and is refused), at most `cap` + 1 bytes from any stream (`/dev/zero` reports a
  size of 0), and decodes strict UTF-8, naming the line and column of the first bad byte.
- `write_output` writes '-' or a character device (a terminal, `/dev/null`, `/dev/stdout` over a
  pipe) as a stream, and a file through an unpredictable temporary name in the target's folder,
  created exclusively and never through a link (`tempfile.mkstemp`: O_CREAT|O_EXCL|O_NOFOLLOW),
  then fsync'd and renamed over the target, keeping the old file's permission bits. It refuses an
  output that is one of the inputs (the same file, also through links), a folder or any other
  non-regular file, and a link planted by another user: the last component when it is any other
  user's link, and every folder on the way that is a link of another user in a sticky,
  world-writable folder such as /tmp (the kernel's protected_symlinks rule, which covers only the
  last component). The temporary name stays within NAME_MAX however long the target's name is. A
  failed write leaves the old file whole and no temporary file behind.
- `print_output` is standard output for every command's text: a failure there (`> /dev/full`, a
  closed pipe) is the same one-line OutputError as any other write.

Problems are InputError / OutputError (UserErrors): one line each, exit code 2.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import Diagnostic, InputError, OutputError

STDIO = "-"
MAX_INPUT_BYTES = 1_000_000
_CHUNK = 65_536
_NAME_MAX = 255  # bytes in one file name (Linux, macOS)
_RANDOM = 8  # characters tempfile adds to a temporary name
_KINDS = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a named pipe (FIFO)", stat.S_ISCHR: "a character device",
          stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}


# ----------------------------------------------------------------------------- reading
def read_input(source: str | Path, *, cap: int = MAX_INPUT_BYTES, display: str | None = None) -> tuple[str, str]:
    """The text of standard input ('-') or of a regular file, and the name to show in messages."""
    name = display or ("<stdin>" if str(source) == STDIO else str(source))
    if str(source) == STDIO:
        data = _read_fd(0, cap, name)
    else:
        fd = _open_for_reading(Path(source), name)
        try:
            data = _read_fd(fd, cap, name)
        finally:
            os.close(fd)
    return decode(data, name), name


def current_text(path: str | Path) -> str | None:
    """What a regular file holds now, to compare before replacing it; None when it is missing or
    not a regular text file (a FIFO, a device, a link to /dev/zero: never read, never waited on)."""
    try:
        return read_input(path)[0]
    except InputError:
        return None


def _open_for_reading(path: Path, name: str) -> int:
    # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever; O_NOCTTY: a terminal
    # named as a profile must not become our controlling terminal.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _input_error(name, exc) from None
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise InputError.single(name, f"is {kind}, not a regular file", "not-a-file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_fd(fd: int, cap: int, name: str) -> bytes:
    """At most cap + 1 bytes: enough to tell that a stream is too large, whatever size it reports."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= cap:
            chunk = os.read(fd, min(_CHUNK, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:  # e.g. EBADF: standard input is closed; EISDIR: `< folder`
        raise _input_error(name, exc) from None
    if size > cap:
        raise InputError.single(name, f"is larger than {_megabytes(cap)}", "too-large")
    return b"".join(chunks)


def decode(data: bytes, name: str) -> str:
    """Strict UTF-8, naming the line and column of the first bad byte (files, stdin and request bodies alike)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Diagnostic(name, line, column, f"is not UTF-8 text (byte 0x{data[exc.start]:02x})",
                                     "not-text")]) from None


def _input_error(name: str, exc: OSError) -> InputError:
    if exc.errno == errno.ENOENT:
        return InputError.single(name, "no such file", "not-found")
    if exc.errno == errno.EISDIR:
        return InputError.single(name, "is a folder, not a regular file", "not-a-file")
    if exc.errno == errno.EBADF:
        return InputError.single(name, "cannot be read: it is closed", "unreadable")
    return InputError.single(name, f"cannot be read ({_reason(exc)})", "unreadable")


# ----------------------------------------------------------------------------- writing
def check_output(target: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse, before any work is done, an output that write_output would refuse."""
    if str(target) != STDIO:
        _plan(Path(target), inputs)


def write_output(target: str | Path, data: bytes, *, inputs: Iterable[str | Path] = ()) -> None:
    """Write `data` to '-', a character device or pipe (as a stream), or a regular file (atomically)."""
    if str(target) == STDIO:
        _write_stream(1, data, "<stdout>")
        return
    path = Path(target)
    real, existing = _plan(path, inputs)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _write_device(path, data)
    else:
        _write_file(real, data, existing, str(path))


def print_output(text: str, *, newline: bool = True) -> None:
    """`text` on standard output, through the same writer (and the same one-line errors) as a file.
    (When standard output is not the process's own, as under click's CliRunner, it is written as text.)"""
    data = text + ("\n" if newline else "")
    try:
        own = sys.stdout.fileno() == 1
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation: a stream in memory
        own = False
    if own:
        write_output(STDIO, data.encode("utf-8"))
    else:
        sys.stdout.write(data)


def _plan(path: Path, inputs: Iterable[str | Path]) -> tuple[Path, os.stat_result | None]:
    """Where the bytes go (the link's target for a link) and what is there now; refuse what must not be written."""
    name = str(path)
    _refuse_planted_folder_links(path, name)
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        link = None
    except OSError as exc:
        raise _output_error(name, exc) from None
    if link is not None and stat.S_ISLNK(link.st_mode) and link.st_uid not in (0, os.geteuid()):
        raise OutputError.single(name, "is a symbolic link of another user; refusing to write through it", "foreign-link")
    try:
        existing: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        if link is not None:  # a dangling link: writing would create whatever it names
            raise OutputError.single(name, "is a symbolic link to a missing file; refusing to write through it",
                                     "dangling-link") from None
        existing = None
    except OSError as exc:
        raise _output_error(name, exc) from None
    if existing is not None:
        kind = _kind(existing.st_mode)
        if kind is not None and not (stat.S_ISCHR(existing.st_mode) or stat.S_ISFIFO(existing.st_mode)):
            raise OutputError.single(name, f"is {kind}; it is never replaced", "not-a-file")
        _refuse_inputs(name, existing, inputs)
    real = Path(os.path.realpath(path)) if link is not None and stat.S_ISLNK(link.st_mode) else path
    if not real.parent.is_dir():
        raise OutputError.single(name, "the folder for this output does not exist", "no-output-folder")
    return real, existing


def _refuse_planted_folder_links(path: Path, name: str) -> None:
    """Walk the folders on the way to `path` as the kernel does (a link is followed, `..` goes to
    the real parent) and refuse a link that another user planted in a sticky, world-writable folder:
    in /tmp anyone may create `/tmp/reports -> /home/victim`, and `-o /tmp/reports/x.pdf` would
    then write where the attacker chose."""
    folder = Path(os.getcwd()) if not path.is_absolute() else Path(path.anchor)
    for part in path.parts[1 if path.is_absolute() else 0:-1]:
        if part in ("", "."):
            continue
        if part == "..":
            folder = folder.parent
            continue
        step = folder / part
        try:
            found = os.lstat(step)
        except OSError:
            return  # a missing folder is named by the checks that follow
        if not stat.S_ISLNK(found.st_mode):
            folder = step
            continue
        try:
            holder = os.stat(folder)
        except OSError:
            return
        shared = holder.st_mode & stat.S_ISVTX and holder.st_mode & stat.S_IWOTH
        if shared and found.st_uid not in (os.geteuid(), holder.st_uid):
            raise OutputError.single(name, f"goes through {step}, a symbolic link of another user in a shared "
                                     "folder; refusing to write through it", "foreign-link")
        folder = Path(os.path.realpath(step))


def _refuse_inputs(name: str, existing: os.stat_result, inputs: Iterable[str | Path]) -> None:
    for source in inputs:
        if str(source) == STDIO:
            continue
        try:
            other = os.stat(source)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (existing.st_dev, existing.st_ino):
            raise OutputError.single(name, f"is the input {source}; choose another output file", "output-is-input")


def _write_device(path: Path, data: bytes) -> None:
    # O_NONBLOCK for the open only: a FIFO nobody reads would otherwise block here forever.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _output_error(str(path), exc) from None
    try:
        os.set_blocking(fd, True)
        _write_stream(fd, data, str(path))
    finally:
        os.close(fd)


def _write_stream(fd: int, data: bytes, name: str) -> None:
    if fd == 1:
        with contextlib.suppress(Exception):  # whatever the program already printed goes first
            sys.stdout.flush()
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise _output_error(name, exc) from None


def _write_file(real: Path, data: bytes, existing: os.stat_result | None, name: str) -> None:
    try:
        fd, temporary = tempfile.mkstemp(prefix=temporary_prefix(real.name), suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise _output_error(name, exc) from None
    with _removed_on_failure(temporary):
        try:
            try:
                os.fchmod(fd, stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask())
                _write_stream(fd, data, name)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, real)
        except OSError as exc:
            raise _output_error(name, exc) from None
    _sync_folder(real.parent)


def temporary_prefix(name: str) -> str:
    """`.NAME.` for the temporary file beside NAME, NAME cut so that the whole temporary name
    (prefix, 8 random characters, `.tmp`) stays within the file system's 255-byte limit."""
    room = _NAME_MAX - len(".") - len(".") - _RANDOM - len(".tmp")
    kept = name.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "surrogateescape")
    return f".{kept}."


@contextlib.contextmanager
def _removed_on_failure(temporary: str) -> Iterator[None]:
    try:
        yield
    except BaseException:  # also SystemExit from a batch worker told to stop
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; some file systems cannot sync a folder, which is harmless."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _output_error(name: str, exc: OSError) -> OutputError:
    if exc.errno == errno.ENXIO:
        return OutputError.single(name, f"cannot write {Path(name).name}: nothing is reading from it", "write-failed")
    return OutputError.single(name, f"cannot write {Path(name).name or name}: {_reason(exc)}", "write-failed")


# ----------------------------------------------------------------------------- shared
def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    return next((kind for test, kind in _KINDS.items() if test(mode)), None if stat.S_ISREG(mode) else "not a file")


def _reason(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _megabytes(cap: int) -> str:
    return f"{cap / 1_000_000:g} MB"
