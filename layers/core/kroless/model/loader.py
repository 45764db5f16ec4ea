"""Read YAML documents from files and folders, remembering where each one came from."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from kroless.errors import DocumentError

try:  # the C loader is about 10x faster; fall back where libyaml is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

YAML_SUFFIXES = (".yaml", ".yml", ".json")


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
        bodies = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise DocumentError(f"invalid YAML: {where}{problem}", file=file) from None
    documents = []
    for index, body in enumerate(bodies):
        if body is None:
            continue
        if not isinstance(body, dict):
            raise DocumentError(f"document {index + 1} is not a mapping", file=file)
        documents.append(Document(body=body, file=file, index=index))
    return documents


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
        with open(file, encoding="utf-8") as handle:
            documents.extend(load_documents(handle.read(), file=file))
    return documents
