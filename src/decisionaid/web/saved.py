"""Saved answers: the form's answers as a profile YAML file to download, and such a file read back.

Nothing is kept on the server: the file is made from the posted answers and sent straight back;
a file that is loaded is read in memory, through the one reader every profile goes through
(`read_text`, then `patient_from`, which also takes a FHIR record), and shown as the form.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from .. import __version__
from ..inputs import patient_from
from ..plumbing.i18n import _
from ..plumbing.safeio import decode
from ..plumbing.yamlpos import read_text
from ..profile.model import Profile

FILE_NAME = "my-ms-answers-{day}.yaml"
SHOWN_NAME = "your file"  # how errors name the upload (never the name it came with)


def answers_yaml(profile: Profile, day: dt.date) -> bytes:
    """The profile as a YAML file that `decisionaid sheet` and `assess` read, with a short header in
    the current language (the field names and values stay the profile contract's)."""
    lines = [_("Your answers to the MS treatment options form, saved on {day} (decisionaid {version}).").format(
                 day=day.isoformat(), version=__version__),
             # TRANSLATORS: "Load my answers" is the form's button of that name
             _("To fill the form in again, choose \"Load my answers\" on the form and pick this file."),
             _("A question that is not here was left unanswered: the sheet treats it as unknown.")]
    header = "".join(f"# {' '.join(line.split())}\n" for line in lines)  # one comment line each, whatever a translation holds
    body: str = yaml.safe_dump(profile.entered_fields(), sort_keys=False, allow_unicode=True, default_flow_style=False)
    return (header + body).encode("utf-8")


def read_answers(data: bytes, catalogue: Any, *, on: dt.date | None = None,
                 rules_dir: str | Path | None = None) -> Profile:
    """A saved answers file (a profile in YAML or JSON, or a FHIR record) as a Profile; raises
    InputError, ReadError or ProfileError, each with diagnostics naming the line."""
    text = decode(data, SHOWN_NAME)
    return patient_from(read_text(text, SHOWN_NAME), catalogue, on=on, rules_dir=rules_dir)
