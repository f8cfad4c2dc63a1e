"""The rule pack's patient-facing text: which fields a patient reads, found in a file as written
(for the gettext catalogue) and replaced in a loaded pack (for a document in another language).

Each pack model names its patient-facing fields in a `said` class variable; everything else (ids,
conditions, source ids, trial names) stays as written. A model may also name, in `said_beside`,
a field whose text stays in its own language and whose translation goes beside it in another
field: a verbatim quote keeps its words and gains a translation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from ..plumbing.i18n import PACK, Language, translations
from ..plumbing.yamlpos import Path_

if TYPE_CHECKING:
    from .models import RulePack

M = TypeVar("M", bound=BaseModel)


def said_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(getattr(model, "said", ())) + tuple(getattr(model, "said_beside", {}))


def texts(value: Any, at: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """Every patient-facing text in `value` (a model, or lists and dicts of them), with its path as
    written in the YAML file (aliases, list indexes and keys)."""
    if isinstance(value, BaseModel):
        said = said_fields(type(value))
        for name, field in type(value).model_fields.items():
            child, where = getattr(value, name), at + (field.alias or name,)
            yield from (_strings(child, where) if name in said else texts(child, where))
    else:
        for key, item in _items(value):
            yield from texts(item, at + (key,))


def _strings(value: Any, at: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, str):
        if value:
            yield at, value
    else:
        for key, item in _items(value):
            yield from _strings(item, at + (key,))


def _items(value: Any) -> Iterable[tuple[int | str, Any]]:
    """A list's or a dict's children with their index or key; nothing for anything else."""
    if isinstance(value, (list, tuple)):
        return enumerate(value)
    return value.items() if isinstance(value, dict) else ()


def translated(value: Any, gettext: Callable[[str], str]) -> Any:
    """A copy of `value` with every patient-facing text passed through `gettext`; the rest is shared."""
    if isinstance(value, BaseModel):
        model = type(value)
        said, beside = getattr(model, "said", ()), getattr(model, "said_beside", {})
        update = {}
        for name in model.model_fields:
            child = getattr(value, name)
            new = _mapped(child, gettext) if name in said else translated(child, gettext)
            if new is not child:
                update[name] = new
        for name, target in beside.items():
            update[target] = _mapped(getattr(value, name), gettext)
        return value.model_copy(update=update) if update else value
    if isinstance(value, list):
        items = [translated(item, gettext) for item in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    if isinstance(value, dict):
        mapped = {key: translated(item, gettext) for key, item in value.items()}
        return mapped if any(mapped[k] is not value[k] for k in value) else value
    return value


def _mapped(value: Any, gettext: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return gettext(value) if value else value
    if isinstance(value, (list, tuple)):
        return type(value)(_mapped(item, gettext) for item in value)
    if isinstance(value, dict):
        return {key: _mapped(item, gettext) for key, item in value.items()}
    return value


def in_language(pack: RulePack, language: Language) -> RulePack:
    """The pack with every patient-facing text from its folder's `pack` catalogue in `language`;
    the ids, conditions and tables are the same objects."""
    catalogue = translations(Path(pack.rules_dir), language, PACK)
    speaking = translated(pack, catalogue.gettext).model_copy(update={"language": language})
    speaking.catalogue.rebind()
    return speaking
