"""One rule pack and one RuleEngine per rules folder and process.

durable-rules never frees a compiled ruleset, so engines are built once and reused by every caller:
the CLI, the web's render workers, the batch and `rules test`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..pack.loader import load_rule_pack
from ..pack.models import RulePack
from ..pack.said import in_language
from ..plumbing.i18n import SOURCE_LANGUAGE, Language
from ..plumbing.resources import default_rules_dir
from .engine import RuleEngine

_engines: dict[Path, tuple[RulePack, RuleEngine]] = {}
_translated: dict[tuple[Path, Language], RulePack] = {}
_lock = threading.Lock()


def rule_pack_and_engine(rules_dir: str | Path | None = None) -> tuple[RulePack, RuleEngine]:
    """The checked rule pack in `rules_dir` (default: the shipped one) and its engine, built once."""
    root = Path(rules_dir).resolve() if rules_dir is not None else default_rules_dir().resolve()
    with _lock:
        if root not in _engines:
            pack = load_rule_pack(root)
            _engines[root] = (pack, RuleEngine(pack))
        return _engines[root]


def rule_pack_in(language: Language, rules_dir: str | Path | None = None) -> tuple[RulePack, RuleEngine]:
    """The pack with its patient-facing text in `language` (from the rules folder's `pack` catalogue)
    and the same engine: criteria, tables and statuses do not depend on the language."""
    pack, engine = rule_pack_and_engine(rules_dir)
    if language == SOURCE_LANGUAGE:
        return pack, engine
    root = Path(pack.rules_dir)
    with _lock:
        if (root, language) not in _translated:
            _translated[(root, language)] = in_language(pack, language)
        return _translated[(root, language)], engine
