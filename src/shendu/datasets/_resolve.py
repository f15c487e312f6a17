"""Where a loader's ``path`` argument points: a local file or folder, or a cached download."""

from __future__ import annotations

import os
from pathlib import Path

from ._download import fetch


def local_or_download(path, url: str, sha256: str, default_name: str) -> Path:
    """``path`` when it exists; else a download of ``url`` cached as ``path`` (a bare file
    name, as in Keras) or ``default_name``."""
    if path is not None and Path(os.fspath(path)).expanduser().exists():
        return Path(os.fspath(path)).expanduser()
    name = default_name if path is None else Path(os.fspath(path)).name
    return fetch(url, sha256, fname=name)
