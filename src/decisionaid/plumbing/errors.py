"""The one exception tree of decisionaid.

    DecisionAidError
    ├── UserError                 bad input from a person: reported as one line per problem, exit 2
    │   ├── ProfileError          a patient profile (file, form or stdin) is invalid
    │   ├── RulePackError         the rule pack (rules/ YAML) is invalid
    │   ├── UsageError            a command was called wrongly (missing file, bad option)
    │   ├── InputError            a file or stream cannot be read as text (safeio.read_input)
    │   └── OutputError           an output cannot be written safely (safeio.write_output)
    ├── JobFailed                 a render job gave no result (server busy, too slow, worker failed)
    └── EngineError               the rule engine failed: a bug, keeps its traceback

Every UserError carries a list of Diagnostics, so that *all* problems are reported at once,
each with the file, line and column when they are known. A Diagnostic prints as exactly one line:
control, bidi and other invisible characters in a file name or message are shown escaped
(`printable`), so a file named `x\nfake.yaml:1:1: error: ...` cannot forge a line, move the cursor
or reverse the text on a person's terminal.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, in the yamllint shape `file:line:col: level: message (code)`."""

    file: str
    line: int | None
    column: int | None
    message: str
    code: str
    level: Level = "error"

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return printable(f"{where}: {self.level}: {self.message} ({self.code})")


# Cc control characters (newline, escape), Cf format characters (U+202E and the other bidi
# controls, zero-width ones), Zl/Zp line and paragraph separators, Cs an undecodable byte of a file name.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def printable(text: str) -> str:
    """`text` with every character that could change what a terminal shows escaped as \\n, \\x1b, \\u202e."""
    if text.isprintable():
        return text
    return "".join(_escaped(ch) if unicodedata.category(ch) in _HIDDEN else ch for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 in a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return ch.encode("unicode_escape").decode("ascii") if code < 0x10000 else f"\\U{code:08x}"


class DecisionAidError(Exception):
    """Base of every error decisionaid raises on purpose."""


class UserError(DecisionAidError):
    """Input that a person can fix; never shown with a traceback."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=_position)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @classmethod
    def single(cls, file: str, message: str, code: str) -> UserError:
        return cls([Diagnostic(file, None, None, message, code)])


class ProfileError(UserError):
    """A patient profile failed to load or validate."""


class RulePackError(UserError):
    """The rule pack failed to load or validate."""


class UsageError(UserError):
    """The command line was used wrongly."""


class InputError(UserError):
    """A file or stream could not be read as text: not a regular file, too large, not UTF-8, unreadable."""


class OutputError(UserError):
    """An output could not be written: it is the input, not a file we may replace, or the write failed."""


class JobFailed(DecisionAidError):
    """A render job of the server gave no result. `status` is the HTTP status to answer with (503 or
    500), `message` what to tell the person, `retry_after` seconds when it is worth trying again."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


class EngineError(DecisionAidError):
    """durable-rules failed in a way the engine adapter could not turn into a user error."""


def _position(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.file, d.line or 0, d.column or 0, d.message)
