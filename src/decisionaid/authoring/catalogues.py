"""The translation catalogues: what Babel extracts from our YAML, and whether a language is complete.

`extract_said` is a Babel extractor (registered as `decisionaid_yaml`): it reads a rule file or the
sheet's fixed text with the line of every value, validates it into its model, and yields the
fields that model names as `said` (pack/said.py). So the catalogue holds exactly what a document in
another language translates, and nothing a rule author must keep in English (ids, conditions,
trial names, source titles).

`problems` compares a language's `.po` with a fresh extraction: missing and fuzzy entries,
obsolete ones, placeholders that differ from the English, and a `.mo` older than its `.po`, each
at file:line. A shipped language must be complete, so an English change lands with its translations.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from pydantic import BaseModel, ValidationError

from ..pack.catalogue import DrugCatalogue
from ..pack.models import Option, PackMeta, SafetyFile, SourcesFile
from ..pack.said import texts
from ..plumbing.errors import Diagnostic
from ..plumbing.safeio import write_output
from ..plumbing.i18n import MESSAGES, PACK, catalogue_path
from ..plumbing.yamlpos import ReadError, read_text
from ..sheet.text import SheetText

#: which model each extracted YAML file holds, by its name (options/*.yaml are options)
MODELS: dict[str, type[BaseModel]] = {"drugs.yaml": DrugCatalogue, "safety.yaml": SafetyFile, "pack.yaml": PackMeta,
                                      "sources.yaml": SourcesFile, "sheet-text.yaml": SheetText}
#: the code's translation calls, as scripts/catalogues.sh passes them to `pybabel extract -k`
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_field": (3,)}
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)[sd]|%[sd]")


def extract_said(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel's extractor protocol: (line, function, message, comments) for each patient-facing text."""
    name = Path(getattr(fileobj, "name", "")).name
    model = Option if Path(getattr(fileobj, "name", "")).parent.name == "options" else MODELS.get(name)
    if model is None:
        return
    try:
        doc = read_text(fileobj.read().decode("utf-8"), name)
        value = model.model_validate(doc.data)
    except (ReadError, ValidationError, UnicodeDecodeError):
        return  # `rules check` reports a file that does not read; the catalogue leaves it out
    for at, text in texts(value):
        line, _ = doc.where(at)
        yield line or 1, None, text, [".".join(str(part) for part in at)]


def extracted(folder: Path, domain: str = PACK) -> Catalog:
    """The English messages of the domain whose catalogues are in `folder`/locale, as Babel extracts them now
    with its mapping (`folder`/locale/babel.cfg), each with where it stands."""
    root = folder if domain == PACK else folder.parent  # the pack's mapping reads the rules folder, the rest the checkout
    with (folder / "locale" / "babel.cfg").open(encoding="utf-8") as mapping:
        methods, options = parse_mapping_cfg(mapping)
    catalog = Catalog(fuzzy=False)
    for file, line, message, comments, context in extract_from_dir(str(root), methods, options, keywords=KEYWORDS,
                                                                   comment_tags=("TRANSLATORS:",)):
        catalog.add(message, None, [(file, line)], auto_comments=comments, context=context)
    return catalog


def problems(folder: Path, language: str, domain: str = PACK, english: Catalog | None = None) -> list[Diagnostic]:
    """Everything that keeps `language`'s catalogue of `domain` under `folder` from being complete."""
    po = catalogue_path(folder, language, domain)
    shown = _shown(po, folder)
    if not po.is_file():
        return [Diagnostic(shown, None, None, f"no {language} catalogue for '{domain}' (run scripts/catalogues.sh)",
                           "catalogue-missing")]
    with po.open("rb") as file:
        translated = read_po(file, locale=language)
    english = english if english is not None else extracted(folder, domain)
    found: list[Diagnostic] = []
    for message in english:
        if not message.id:
            continue
        entry = translated.get(message.id, message.context)  # a plural's id is its (singular, plural)
        where = message.locations[0] if message.locations else ("", None)
        if entry is None or not all(_forms(entry.string)):
            source = folder / where[0] if domain == PACK else folder.parent / where[0]
            found.append(Diagnostic(_shown(source, folder), where[1], None,
                                    f"no {language} translation: {_short(_english(message.id))}", "translation-missing"))
        elif entry.fuzzy:
            found.append(Diagnostic(shown, entry.lineno, None, f"{language} translation marked fuzzy (the English "
                                    f"changed): {_short(_english(message.id))}", "translation-fuzzy"))
        elif any(_placeholders(said) != _placeholders(_english(message.id)) for said in _forms(entry.string)):
            found.append(Diagnostic(shown, entry.lineno, None, f"{language} translation has placeholders "
                                    f"{sorted(set().union(*map(_placeholders, _forms(entry.string))))}, the English "
                                    f"{sorted(_placeholders(_english(message.id)))}",
                                    "translation-placeholders"))
    known = {(_key(m.id), m.context) for m in english if m.id}
    for entry in translated:
        if entry.id and (_key(entry.id), entry.context) not in known:
            found.append(Diagnostic(shown, entry.lineno, None, f"obsolete {language} entry (no longer in the "
                                    f"English): {_short(_english(entry.id))}", "translation-obsolete"))
    for entry in translated.obsolete.values():
        found.append(Diagnostic(shown, entry.lineno, None, f"obsolete {language} entry (no longer in the English): "
                                f"{_short(_english(entry.id))}", "translation-obsolete"))
    found.extend(_stale_mo(po, translated, shown))
    return found


def compiled(translated: Catalog) -> bytes:
    """The `.mo` of a catalogue, as `pybabel compile` writes it (fuzzy entries left out). Compiled here rather
    than by `pybabel compile`, whose python-format check takes the pack's "35% cut" for a placeholder."""
    out = io.BytesIO()
    write_mo(out, translated)
    return out.getvalue()


def compile_catalogue(po: Path) -> None:
    with po.open("rb") as file:
        translated = read_po(file)
    write_output(po.with_suffix(".mo"), compiled(translated))


def _stale_mo(po: Path, translated: Catalog, shown: str) -> list[Diagnostic]:
    mo = po.with_suffix(".mo")
    if not mo.is_file() or mo.read_bytes() != compiled(translated):
        return [Diagnostic(shown, None, None, f"{mo.name} is not compiled from this .po (run scripts/catalogues.sh)",
                           "catalogue-stale")]
    return []


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def _forms(said: str | tuple[str, ...]) -> tuple[str, ...]:
    return said if isinstance(said, tuple) else (said,)


def _english(message_id: str | tuple[str, ...]) -> str:
    return message_id[-1] if isinstance(message_id, tuple) else message_id  # a plural: its plural form


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _shown(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder.parent))
    except ValueError:
        return str(path)


if __name__ == "__main__":  # scripts/catalogues.sh: python -m decisionaid.authoring.catalogues FILE.po...
    for name in sys.argv[1:]:
        compile_catalogue(Path(name))
