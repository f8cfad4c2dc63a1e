"""Strict YAML and JSON reading that remembers where every key stands.

Profiles and rule files are read the same way:
- YAML 1.2 booleans only: `yes`, `no`, `on`, `off` stay text (the profile contract uses `yes`/`no`);
- plain decimal numbers only: `0x1E`, `3_0`, `036` and `0:30` stay text (and so are refused as numbers);
- a duplicate key is an error, not a silent overwrite;
- anchors and aliases are refused (no "billion laughs" expansion);
- every mapping key and list item gets a (line, column) so later errors can point at it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Diagnostic

Path_ = tuple[str | int, ...]
MAX_BYTES = 1_000_000
MAX_DEPTH = 64


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (*name) are not allowed", problem_mark=event.start_mark
            )
        return super().compose_node(parent, index)


# Replace YAML 1.1's many booleans with YAML 1.2's true/false, and its numbers with plain decimals:
# YAML 1.1 reads `0x1E`, `3_0`, `0b11110`, `036` (octal!) and `0:30` (base 60) as 30.
_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?$"
               r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"),
    list("-+0123456789."),
)

if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.CSafeLoader):  # type: ignore[misc]  # libyaml: about 7x faster than pure Python
        """The same rules on libyaml's parser; aliases are refused by a first pass over the events."""

    _FastLoader.yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers
    _PARSER: type[yaml.SafeLoader | yaml.CSafeLoader] = _FastLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _PARSER = _StrictLoader


def _compose(text: str) -> Any:
    # A first pass over the parser's events refuses aliases and deep nesting before any node is
    # built: composing is recursive, and libyaml's composer overflows the C stack (a segfault)
    # on a few ten thousand nested brackets; stopping early also keeps libyaml's scanner, which
    # slows down quadratically with open brackets, from reading them all.
    depth = 0
    for event in yaml.parse(text, Loader=_PARSER):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(problem="anchors and aliases (*name) are not allowed", problem_mark=event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.MarkedYAMLError(problem="document is nested too deeply", problem_mark=event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    if _PARSER is _StrictLoader:
        loader = _StrictLoader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    loader = _PARSER(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


@dataclass
class Document:
    """Parsed data plus the position of every key and list item (1-based)."""

    data: Any
    file: str
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest ancestor that has one."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.positions:
                return self.positions[path[:cut]]
        return None, None

    def diagnostic(self, path: Path_, message: str, code: str, level: str = "error") -> Diagnostic:
        line, col = self.where(path)
        return Diagnostic(self.file, line, col, message, code, level)  # type: ignore[arg-type]


class ReadError(Exception):
    """The text could not be read as a document; carries all diagnostics found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("; ".join(str(d) for d in diagnostics))


def _too_deep(file: str, line: int | None = None, column: int | None = None) -> Diagnostic:
    return Diagnostic(file, line, column, "document is nested too deeply", "too-deep")


def read_text(text: str, file: str, *, as_json: bool = False) -> Document:
    """Parse YAML (or JSON when `as_json`) text into a positioned Document."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ReadError([Diagnostic(file, None, None, "file is larger than 1 MB", "too-large")])
    if as_json:
        return _read_json(text, file)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        if "maximum nesting depth" in message:  # libyaml 0.2.6 (PyYAML 6.0.4) stops at 1,000 levels first
            raise ReadError([_too_deep(file, line, col)]) from None
        raise ReadError([Diagnostic(file, line, col, message, "yaml-syntax")]) from None
    except yaml.reader.ReaderError as exc:  # str(exc) spans several lines
        where = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise ReadError([Diagnostic(file, None, None, f"invalid YAML: character {where} at position {exc.position}: "
                                    f"{exc.reason}", "yaml-syntax")]) from None
    except yaml.YAMLError as exc:
        raise ReadError([Diagnostic(file, None, None, "invalid YAML: " + " ".join(str(exc).split()), "yaml-syntax")]) from None
    except RecursionError:
        raise ReadError([_too_deep(file)]) from None
    if node is None:
        return Document(None, file)
    doc = Document(None, file)
    problems: list[Diagnostic] = []
    _walk(node, (), doc, problems, 0)
    if problems:
        raise ReadError(problems)
    try:
        doc.data = _StrictLoader("").construct_document(node)
    except yaml.MarkedYAMLError as exc:  # e.g. a !!python/... tag
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = " ".join(filter(None, [exc.context, exc.problem])) or "cannot be read"
        raise ReadError([Diagnostic(file, line, col, f"invalid YAML value: {message}", "yaml-value")]) from None
    except yaml.YAMLError as exc:
        raise ReadError([Diagnostic(file, None, None, "invalid YAML value: " + " ".join(str(exc).split()),
                                    "yaml-value")]) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ReadError([Diagnostic(file, None, None, f"invalid YAML value: {exc}", "yaml-value")]) from None
    return doc


def _walk(node: yaml.Node, path: Path_, doc: Document, problems: list[Diagnostic], depth: int) -> None:
    if depth > MAX_DEPTH:
        mark = node.start_mark
        problems.append(_too_deep(doc.file, mark.line + 1, mark.column + 1))
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Diagnostic(doc.file, line, col, "a key must be a single word, not a list or mapping",
                                           "complex-key"))
                continue
            key = key_node.value
            if key in seen:
                problems.append(
                    Diagnostic(doc.file, line, col, f"duplicate key '{key}' (first at line {seen[key]})", "duplicate-key")
                )
                continue
            seen[key] = line
            doc.positions[path + (key,)] = (line, col)
            _walk(value_node, path + (key,), doc, problems, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.positions[path + (index,)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, path + (index,), doc, problems, depth + 1)


def _read_json(text: str, file: str) -> Document:
    problems: list[Diagnostic] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                problems.append(Diagnostic(file, None, None, f"duplicate key '{key}'", "duplicate-key"))
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise ReadError([Diagnostic(file, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}", "json-syntax")]) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ReadError([Diagnostic(file, None, None, f"invalid JSON value: {exc}", "json-value")]) from None
    except RecursionError:
        raise ReadError([_too_deep(file)]) from None
    if problems:
        raise ReadError(problems)
    if _depth(data) > MAX_DEPTH:
        raise ReadError([_too_deep(file)])
    return Document(data, file)


def _depth(value: Any) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """Map a pydantic error location onto the document, dropping union tags and other
    parts that are not keys or indexes of the data itself."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and part in current or isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            path.append(part)
        elif not isinstance(current, dict | list):
            break
        elif isinstance(current, dict) and isinstance(part, str) and not _is_tag(part):
            path.append(part)  # a missing or unknown key: still name it
            break
    return tuple(path)


def _is_tag(part: str) -> bool:
    return part in {"leaf", "all", "any", "not"} or part.startswith("function-") or "[" in part
