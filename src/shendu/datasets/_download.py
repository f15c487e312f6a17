"""Fetch a dataset file once, check its SHA-256, keep it in a cache folder.

The cache is ``$SHENDU_HOME/datasets`` (default ``~/.shendu/datasets``). A download is written
to a temporary file in the cache folder, flushed to disk, checked, then renamed into place, so
a half-downloaded or corrupt file is never left under the final name. A cached file whose hash
does not match is fetched again.

>>> import hashlib, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "src.bin").write_bytes(b"shendu")
6
>>> digest = hashlib.sha256(b"shendu").hexdigest()
>>> path = fetch((folder / "src.bin").as_uri(), digest, cache_dir=folder / "cache")
>>> path.read_bytes()
b'shendu'
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import DataError

_CHUNK = 1 << 20
_NAMES = {"sha256": "SHA-256", "md5": "MD5"}


def default_cache_dir() -> Path:
    """``$SHENDU_HOME/datasets``, or ``~/.shendu/datasets`` when SHENDU_HOME is unset."""
    home = os.environ.get("SHENDU_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".shendu"
    return base / "datasets"


def sha256_of(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The hex SHA-256 digest of a file (or another hashlib ``algorithm``'s), read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _urlopen(url: str):
    """Open ``url`` for reading (a seam the tests replace; file:// URLs work offline)."""
    import urllib.request

    return urllib.request.urlopen(url, timeout=60)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fetch(url: str, sha256: str | None, fname: str | None = None,
          cache_dir: str | os.PathLike | None = None, *, algorithm: str = "sha256",
          force: bool = False, where: str = "Dataset download",
          hint: str | None = None) -> Path:
    """The cached copy of ``url`` (downloaded first when absent or when its hash differs).

    ``sha256`` is the expected hex digest (None skips the check, for the caller's own files);
    ``algorithm="md5"`` checks an MD5 digest instead (Keras's legacy hashes). ``force``
    downloads again even when a good copy is cached. ``where`` and ``hint`` start and end the
    error messages. Raises :class:`~shendu.errors.DataError` when the download fails or its
    hash is wrong.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (fname or url.rstrip("/").rsplit("/", 1)[-1])
    if not force and target.is_file() and (
            sha256 is None or sha256_of(target, algorithm) == sha256):
        return target
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    digest = hashlib.new(algorithm)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with _urlopen(url) as response:
                    for chunk in iter(lambda: response.read(_CHUNK), b""):
                        digest.update(chunk)
                        out.write(chunk)
            except OSError as exc:
                tail = hint or "when offline, pass path= to a local copy, or place the " \
                    f"file at {target}."
                raise DataError(
                    f"{where}: could not fetch {url} ({exc}). Hint: {tail}"
                ) from exc
            out.flush()
            os.fsync(out.fileno())
        if sha256 is not None and digest.hexdigest() != sha256:
            kind = _NAMES.get(algorithm, algorithm)
            raise DataError(
                f"{where}: {url} has {kind} {digest.hexdigest()}, expected {sha256}. Hint: the "
                "download was corrupted or the file changed upstream; try again, or "
                f"{hint or 'pass path= to a copy you trust.'}"
            )
        os.replace(tmp_name, target)
        _fsync_dir(folder)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target
