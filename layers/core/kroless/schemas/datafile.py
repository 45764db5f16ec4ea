"""Read a gzip JSON data file shipped beside these modules (``kubernetes.json.gz``, ``ack.json.gz``)."""

from __future__ import annotations

import os
from typing import Any

_GZIP_WBITS = 16 + 15  # zlib.decompress reads the gzip container (and the gzip module costs an import)


def read_json_gz(name: str) -> Any:
    """The decoded content of data file ``name``; json and zlib are imported here, on first use."""
    import json
    import zlib

    return json.loads(zlib.decompress(_read(name), wbits=_GZIP_WBITS))


def _read(name: str) -> bytes:
    try:
        with open(os.path.join(os.path.dirname(__file__), name), "rb") as handle:
            return handle.read()
    except OSError:  # not a plain directory (a zip import): ask the import system
        from importlib import resources

        return resources.files(__package__ or "kroless.schemas").joinpath(name).read_bytes()
