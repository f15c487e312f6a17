"""Keras's ``keras.utils.get_file``: download a file once into a cache folder, check its hash,
and optionally unpack a tar or zip archive, refusing members that would land outside.

Downloads go through shendu's dataset helper (:func:`shendu.datasets.fetch`): written to a
temporary file, flushed, hash-checked, then renamed into place. Archives are unpacked into a
temporary folder that is renamed into place when complete. ``tarfile`` and ``zipfile`` are
imported only when an archive is unpacked.

>>> import pathlib, tempfile, zipfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with zipfile.ZipFile(folder / "notes.zip", "w") as z:
...     z.writestr("notes/a.txt", "hello")
>>> path = get_file("notes.zip", (folder / "notes.zip").as_uri(), extract=True,
...                 cache_dir=folder / "cache")
>>> pathlib.Path(path).name, (pathlib.Path(path) / "notes" / "a.txt").read_text()
('notes_extracted', 'hello')
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from ..errors import ArgumentError, FileFormatError

_HASH_LENGTHS = {"sha256": 64, "md5": 32}
_ARCHIVE_FORMATS = ("tar", "zip")


def _hash_algorithm(file_hash, hash_algorithm: str) -> str:
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ArgumentError(
            f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', got "
            f"{hash_algorithm!r}. Hint: 'auto' reads a 64-digit hash as SHA-256."
        )
    if hash_algorithm == "auto":  # Keras's rule: 64 hex digits are SHA-256, others MD5
        hash_algorithm = "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    if file_hash is not None and not (
            isinstance(file_hash, str) and len(file_hash) == _HASH_LENGTHS[hash_algorithm]
            and re.fullmatch(r"[0-9a-fA-F]+", file_hash)):
        raise ArgumentError(
            f"get_file: file_hash must be {_HASH_LENGTHS[hash_algorithm]} hex digits for "
            f"{hash_algorithm}, got {file_hash!r}. Hint: `sha256sum FILE` prints the SHA-256."
        )
    return hash_algorithm


def _cache_folder(cache_dir, cache_subdir: str) -> Path:
    """``cache_dir/cache_subdir``, made if needed; a temporary folder when it is not writable
    (as Keras does)."""
    from ..datasets._download import default_cache_dir

    base = default_cache_dir().parent if cache_dir is None else Path(
        os.fspath(cache_dir)).expanduser()
    try:
        base.mkdir(parents=True, exist_ok=True)
        writable = os.access(base, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        base = Path(tempfile.gettempdir()) / ".shendu"
    folder = base / cache_subdir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _name_arg(fname, origin: str) -> str:
    if fname is not None and not isinstance(fname, (str, os.PathLike)):
        raise ArgumentError(f"get_file: fname must be a file name (str), got "
                            f"{type(fname).__name__} ({fname!r}). Hint: fname='data.zip'.")
    name = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ArgumentError(
            f"get_file: cannot take a file name from origin={origin!r}. Hint: pass fname=, "
            "e.g. fname='data.zip'."
        )
    if "/" in name or os.sep in name or name in (".", ".."):
        raise ArgumentError(
            f"get_file: fname must be a bare file name, got {name!r}. Hint: put the folder in "
            "cache_dir= (and cache_subdir=), as Keras asks."
        )
    return name


def get_file(fname: str | None = None, origin: str | None = None, untar: bool = False,
             md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: str | list | None = "auto",
             cache_dir: str | os.PathLike | None = None,
             force_download: bool = False) -> str:
    """The path of a cached copy of ``origin`` (a URL; ``file://`` works offline), fetched the
    first time, as ``keras.utils.get_file``.

    The file lands in ``cache_dir/cache_subdir/fname`` (``cache_dir`` defaults to
    ``$SHENDU_HOME``, else ``~/.shendu``; ``fname`` to the URL's last part). With ``file_hash``
    (SHA-256, or MD5 with 32 digits or ``hash_algorithm="md5"``) a cached copy that does not
    match is fetched again, and a download that does not match raises
    :class:`~shendu.errors.DataError`. ``force_download`` always fetches.

    With ``extract=True`` (``untar=True`` is the old spelling, tar only) a tar (.tar, .tar.gz,
    .tar.bz2, .tar.xz) or zip archive is unpacked, and the folder is returned; its name follows
    Keras: ``<fname up to the first dot>_extracted`` for ``fname="x.tar.gz"``, ``fname`` itself
    when it has no dot or was taken from the URL (the archive is then kept as
    ``<fname>_archive``). A member with an absolute path or a ``..`` component, a link pointing
    outside or using ``..``, or a device file raises :class:`~shendu.errors.FileFormatError`
    before anything is written (Keras skips such members with a warning). The folder is
    unpacked again only when the archive was fetched again or the folder is missing.

    >>> import hashlib, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "w.bin").write_bytes(b"weights")
    >>> digest = hashlib.sha256(b"weights").hexdigest()
    >>> path = get_file(origin=(folder / "w.bin").as_uri(), file_hash=digest,
    ...                 cache_dir=folder, cache_subdir="models")
    >>> pathlib.Path(path).relative_to(folder).as_posix()
    'models/w.bin'
    """
    if not isinstance(origin, str) or not origin:
        raise ArgumentError(
            f"get_file: origin must be the URL of the file, got {origin!r}. Hint: "
            "origin='https://example.com/data.zip' (or a file:// URL)."
        )
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = _hash_algorithm(file_hash, hash_algorithm)
    if not isinstance(cache_subdir, (str, os.PathLike)):
        raise ArgumentError(f"get_file: cache_subdir must be a folder name, got "
                            f"{cache_subdir!r}. Hint: the default is 'datasets'.")
    folder = _cache_folder(cache_dir, os.fspath(cache_subdir))
    name = _name_arg(fname, origin)
    unpack = bool(extract or untar)
    if unpack and fname and "." in name:
        download_name, folder_name = name, name[:name.find(".")] + "_extracted"
    elif unpack:
        download_name, folder_name = name + "_archive", name
    else:
        download_name, folder_name = name, None
    target = folder / download_name
    before = _identity(target)

    from ..datasets._download import fetch

    fetch(origin, None if file_hash is None else file_hash.lower(), fname=download_name,
          cache_dir=folder, algorithm=algorithm, force=bool(force_download), where="get_file",
          hint=f"check origin=, or place a copy at {target}.")
    if folder_name is None:
        return os.fspath(target)
    destination = folder / folder_name
    if _identity(target) != before or not destination.is_dir():
        formats = "tar" if untar else archive_format
        if not extract_archive(target, destination, formats):
            raise FileFormatError(
                f"get_file: extract=True, but {target} is not a {_formats_text(formats)} "
                "archive. Hint: leave extract=False to keep the file as it is, or check "
                "archive_format=."
            )
    return os.fspath(destination)


def _identity(path: Path):
    """What changes when a file is replaced (a download renames a new file into place)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _formats_arg(archive_format) -> list[str]:
    if archive_format is None:
        return []
    formats = list(_ARCHIVE_FORMATS) if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    bad = [f for f in formats if f not in _ARCHIVE_FORMATS]
    if bad:
        raise ArgumentError(
            f"extract_archive: archive_format must be 'auto', 'tar', 'zip', a list of those or "
            f"None, got {archive_format!r}. Hint: 'auto' tries tar, then zip."
        )
    return formats


def _formats_text(archive_format) -> str:
    return " or ".join(_formats_arg(archive_format)) or "(no format allowed)"


def _check_member(name: str, archive: Path, link: str | None = None, hard: bool = False):
    """Refuse a member that could be written (or point) outside the destination folder."""
    def bad(what):
        raise FileFormatError(
            f"extract_archive: {archive.name} has a member {name!r} {what}; refusing to unpack "
            "it (nothing was written). Hint: a member must be a relative path without '..' "
            "components; only unpack archives from a source you trust."
        )

    def escapes(path: str) -> bool:
        path = path.replace("\\", "/")
        return path.startswith("/") or os.path.isabs(path) or bool(
            re.match(r"^[A-Za-z]:", path)) or ".." in path.split("/")

    if not name or escapes(name):
        bad("with an absolute path or a '..' component")
    if link is not None and (not link or escapes(link)):
        kind = "hard link" if hard else "symbolic link"
        bad(f"that is a {kind} to {link!r}, outside the folder or through '..'")


def _unpack_tar(path: Path, into: Path) -> None:
    import tarfile

    with tarfile.open(path) as archive:
        members = archive.getmembers()
        for m in members:
            if m.isdev() or m.isfifo():
                _check_member(m.name, path)
                raise FileFormatError(
                    f"extract_archive: {path.name} has a member {m.name!r} that is a device "
                    "file or a pipe; refusing to unpack it (nothing was written). Hint: a data "
                    "archive holds only files, folders and links inside itself."
                )
            _check_member(m.name, path, m.linkname if (m.issym() or m.islnk()) else None,
                          m.islnk())
        extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        try:
            archive.extractall(into, members=members, **extra)
        except tarfile.TarError as exc:  # the data filter's refusals among them
            raise FileFormatError(f"extract_archive: cannot unpack {path.name} ({exc}). Hint: "
                                  "the archive is corrupt or holds unsafe members.") from exc


def _unpack_zip(path: Path, into: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            _check_member(info.filename, path)
        try:
            archive.extractall(into)
        except (zipfile.BadZipFile, OSError) as exc:
            raise FileFormatError(f"extract_archive: cannot unpack {path.name} ({exc}). Hint: "
                                  "the archive is truncated or corrupt; fetch it again.") from exc


def extract_archive(file_path: str | os.PathLike, path: str | os.PathLike = ".",
                    archive_format: str | list | None = "auto") -> bool:
    """Unpack a tar or zip archive into the folder ``path``; False when ``file_path`` is not
    one of the ``archive_format`` kinds ('auto' tries tar, then zip), as Keras's helper.

    The archive is unpacked into a temporary folder beside ``path``, then renamed over it, so
    ``path`` is either the old folder or the complete new one. Unsafe members raise
    :class:`~shendu.errors.FileFormatError` (see :func:`get_file`).

    >>> import io, pathlib, tarfile, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with tarfile.open(folder / "evil.tar", "w") as tar:
    ...     info = tarfile.TarInfo("../outside.txt"); info.size = 1
    ...     tar.addfile(info, io.BytesIO(b"x"))
    >>> try:
    ...     extract_archive(folder / "evil.tar", folder / "out")
    ... except ValueError as e:
    ...     print(type(e).__name__, "'..'" in str(e))
    FileFormatError True
    """
    formats = _formats_arg(archive_format)
    source, destination = Path(os.fspath(file_path)), Path(os.fspath(path))
    unpack = None
    for kind in formats:
        if kind == "tar":
            import tarfile

            if tarfile.is_tarfile(source):
                unpack = _unpack_tar
                break
        else:
            import zipfile

            if zipfile.is_zipfile(source):
                unpack = _unpack_zip
                break
    if unpack is None:
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".unpacking",
                                    dir=destination.parent))
    try:
        unpack(source, staging)
        if destination.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".old",
                                        dir=destination.parent))
            os.replace(destination, old / "previous")
            os.replace(staging, destination)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return True
