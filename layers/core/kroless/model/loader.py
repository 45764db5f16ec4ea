"""Read YAML documents from files and folders, remembering where each one came from.

What the API server would refuse is refused here, before anything is sent (kubectl's and sigs.k8s.io/yaml's
messages): text that is not UTF-8, a key set twice in one mapping (it would silently turn a document into
another), a document without apiVersion or kind, and documents no API server parses: nested deeper than
:data:`MAX_DEPTH`, recursive, or whose aliases expand past :data:`MAX_NODES` values (a "billion laughs").
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from kroless.errors import DocumentError

try:  # the C loader is about 10x faster; fall back where libyaml is missing
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

YAML_SUFFIXES = (".yaml", ".yml", ".json")
MAX_DEPTH = 100  # Kro's RGDs nest about 20 deep; Python's own recursion stops near 1,000
MAX_NODES = 100_000  # values after alias expansion; a 1 MB document holds far fewer


class _StrictLoader(_BaseLoader):
    """The safe loader, refusing a key set twice in a mapping to different values (go-yaml's "already set in
    map"): the second value would silently replace the first. The same value twice changes nothing and passes
    (Kro's own core-dns example repeats a Service's ``selector``)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                first = seen.setdefault(key.value, value)
                if first is not value and self.construct_object(first, deep=True) != self.construct_object(value, deep=True):
                    raise _DuplicateKey(f'line {key.start_mark.line + 1}: key "{key.value}" already set in map')
        return dict(super().construct_mapping(node, deep=deep))


class _DuplicateKey(Exception):
    pass


@dataclass(frozen=True)
class Document:
    """One YAML document and its origin (``file`` plus 0-based ``index`` within a multi-document file)."""

    body: dict[str, Any]
    file: str
    index: int = 0

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def name(self) -> str:
        metadata = self.body.get("metadata")
        return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""


def load_documents(text: str, *, file: str = "<stdin>") -> list[Document]:
    """Parse every document of a (multi-document) YAML text; empty documents are skipped."""
    try:
        bodies = list(yaml.load_all(text, Loader=_StrictLoader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise DocumentError(f"invalid YAML: {where}{problem}", file=file) from None
    except _DuplicateKey as err:
        raise DocumentError(f"invalid YAML: {err}", file=file) from None
    except RecursionError:
        raise DocumentError(f"invalid YAML: nested deeper than {MAX_DEPTH} levels", file=file) from None
    documents = []
    for index, body in enumerate(bodies):
        if body is None:
            continue
        where = f"document {index + 1}" if len(bodies) > 1 else "the document"
        if not isinstance(body, dict):
            raise DocumentError(f"{where} is not a mapping", file=file)
        problem = shape_problem(body)
        if problem:
            raise DocumentError(f"{where}: {problem}", file=file)
        documents.append(Document(body=body, file=file, index=index))
    return documents


def shape_problem(body: Any) -> str | None:
    """Why no API server would take ``body``: too deep, recursive, too many values once aliases are expanded,
    or no apiVersion/kind (kubectl: "error validating data: [apiVersion not set, kind not set]")."""
    problem = _size_problem(body)
    if problem:
        return problem
    unset = [f"{field} not set" for field in ("apiVersion", "kind") if not body.get(field)]
    return f"error validating data: [{', '.join(unset)}]" if unset else None


def _size_problem(body: Any) -> str | None:
    """Walked without recursion; a value reached twice (a YAML alias) counts each time, without being expanded."""
    sizes: dict[int, int] = {}  # id -> values in the subtree, once walked
    open_: set[int] = set()  # on the current path: seen again means a recursive alias
    stack: list[tuple[Any, int, bool]] = [(body, 1, False)]
    while stack:
        value, depth, done = stack.pop()
        if not isinstance(value, dict | list):
            continue
        ident = id(value)
        children = list(value.values()) if isinstance(value, dict) else value
        if done:
            open_.discard(ident)
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            if total > MAX_NODES:
                return f"excessive aliasing: more than {MAX_NODES} values once its aliases are expanded"
            sizes[ident] = total
            continue
        if ident in open_:
            return "a YAML alias refers to a value that contains it (a recursive document)"
        if ident in sizes:
            continue
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        open_.add(ident)
        stack.append((value, depth, True))
        stack.extend((child, depth + 1, False) for child in children)
    return None


def _yaml_files(path: str) -> Iterator[str]:
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(YAML_SUFFIXES):
                    yield os.path.join(root, name)
    else:
        yield path


def load_path(path: str) -> list[Document]:
    """Every document in a file, or in every YAML file under a folder (recursively, sorted)."""
    if not os.path.exists(path):
        raise DocumentError("no such file or directory", file=path)
    documents: list[Document] = []
    for file in _yaml_files(path):
        with open(file, "rb") as handle:
            data = handle.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise DocumentError(f"not UTF-8 text: byte 0x{data[err.start]:02x} at offset {err.start}", file=file) from None
        documents.extend(load_documents(text, file=file))
    return documents
