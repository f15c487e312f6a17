"""get_file (keras.utils.get_file) over file:// URLs: cache, hashes, atomic writes, Keras's folder
names, and safe unpacking of tar and zip archives (members escaping the folder are refused)."""

import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from shendu.datasets import _download
from shendu.errors import ArgumentError, DataError, FileFormatError
from shendu.utils import extract_archive, get_file


def _source(tmp_path, name="data.bin", payload=b"shendu data"):
    path = tmp_path / "server" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(payload)
    return path.as_uri(), hashlib.sha256(payload).hexdigest()


def _tar(path, members):
    """members: (name, bytes) files, or (name, ('sym' | 'hard', target)) links."""
    with tarfile.open(path, "w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type = tarfile.SYMTYPE if content[0] == "sym" else tarfile.LNKTYPE
                info.linkname = content[1]
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return path


def test_downloads_once_into_cache_dir_and_subdir(tmp_path, monkeypatch):
    url, digest = _source(tmp_path)
    path = get_file("copy.bin", url, file_hash=digest, cache_dir=tmp_path / "c",
                    cache_subdir="sub")
    assert Path(path) == tmp_path / "c" / "sub" / "copy.bin"
    assert Path(path).read_bytes() == b"shendu data"

    def no_network(url):
        raise AssertionError("fetched again")

    monkeypatch.setattr(_download, "_urlopen", no_network)
    assert get_file("copy.bin", url, file_hash=digest, cache_dir=tmp_path / "c",
                    cache_subdir="sub") == path


def test_fname_defaults_to_the_url_name_and_cache_to_shendu_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SHENDU_HOME", str(tmp_path / "home"))
    url, _ = _source(tmp_path, "weights.h5")
    assert Path(get_file(origin=url)) == tmp_path / "home" / "datasets" / "weights.h5"


def test_a_stale_cached_copy_is_fetched_again_and_force_download_always_fetches(tmp_path):
    url, digest = _source(tmp_path)
    target = tmp_path / "c" / "datasets" / "data.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old")
    assert Path(get_file(origin=url, file_hash=digest, cache_dir=tmp_path / "c")).read_bytes() \
        == b"shendu data"
    target.write_bytes(b"edited")
    get_file(origin=url, cache_dir=tmp_path / "c")  # no hash: the cached copy is kept
    assert target.read_bytes() == b"edited"
    get_file(origin=url, cache_dir=tmp_path / "c", force_download=True)
    assert target.read_bytes() == b"shendu data"


def test_md5_hashes_are_checked_too(tmp_path):
    url, _ = _source(tmp_path)
    md5 = hashlib.md5(b"shendu data").hexdigest()
    assert get_file(origin=url, md5_hash=md5, cache_dir=tmp_path / "a")
    assert get_file(origin=url, file_hash=md5, cache_dir=tmp_path / "b")  # 'auto': 32 digits
    with pytest.raises(DataError, match="get_file: .* has MD5 .*expected 0{32}"):
        get_file(origin=url, file_hash="0" * 32, cache_dir=tmp_path / "c")


def test_a_wrong_hash_leaves_no_file_behind(tmp_path):
    url, _ = _source(tmp_path)
    with pytest.raises(DataError, match="get_file: .* has SHA-256 .*expected f{64}.*Hint"):
        get_file(origin=url, file_hash="f" * 64, cache_dir=tmp_path / "c")
    assert os.listdir(tmp_path / "c" / "datasets") == []  # no partial or temp file


def test_a_failed_download_names_the_url(tmp_path):
    missing = (tmp_path / "nothing.bin").as_uri()
    with pytest.raises(DataError, match="get_file: could not fetch .*nothing.bin.*Hint: check "
                                        "origin="):
        get_file(origin=missing, cache_dir=tmp_path / "c")
    assert os.listdir(tmp_path / "c" / "datasets") == []


def test_an_unwritable_cache_dir_falls_back_to_a_temporary_folder(tmp_path, monkeypatch):
    url, _ = _source(tmp_path)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    path = get_file(origin=url, cache_dir=tmp_path / "locked")
    assert Path(path) == tmp_path / "tmp" / ".shendu" / "datasets" / "data.bin"


@pytest.mark.parametrize("kwargs, match", [
    ({"origin": None}, "origin must be the URL of the file"),
    ({"fname": "a/b.zip", "origin": "file:///x"}, "fname must be a bare file name"),
    ({"fname": 3, "origin": "file:///x"}, "fname must be a file name"),
    ({"origin": "https://example.com/"}, "cannot take a file name from origin"),
    ({"origin": "file:///x", "file_hash": "abc"}, "file_hash must be 32 hex digits for md5"),
    ({"origin": "file:///x", "file_hash": "z" * 64}, "file_hash must be 64 hex digits"),
    ({"origin": "file:///x", "hash_algorithm": "sha1"}, "hash_algorithm must be 'auto'"),
    ({"origin": "file:///x", "cache_subdir": 5}, "cache_subdir must be a folder name"),
])
def test_bad_arguments_are_refused(tmp_path, kwargs, match):
    with pytest.raises(ArgumentError, match=f"get_file: {match}.*Hint"):
        get_file(cache_dir=tmp_path, **kwargs)


# -- archives ----------------------------------------------------------------------------------


def test_a_tar_archive_is_unpacked_into_kerass_folder_names(tmp_path):
    archive = _tar(tmp_path / "pack.tar.gz", [("pack/a.txt", b"A"), ("pack/sub/b.txt", b"B")])
    # fname with a dot: the archive keeps its name, the folder is <stem>_extracted
    path = Path(get_file("pack.tar.gz", archive.as_uri(), extract=True, cache_dir=tmp_path / "c"))
    assert path == tmp_path / "c" / "datasets" / "pack_extracted"
    assert (path / "pack" / "sub" / "b.txt").read_bytes() == b"B"
    assert (tmp_path / "c" / "datasets" / "pack.tar.gz").is_file()
    # fname without a dot: the folder is fname, the archive fname_archive
    path = Path(get_file("pack", archive.as_uri(), untar=True, cache_dir=tmp_path / "d"))
    assert path == tmp_path / "d" / "datasets" / "pack"
    assert (tmp_path / "d" / "datasets" / "pack_archive").is_file()
    # fname from the URL: the same as without a dot
    path = Path(get_file(origin=archive.as_uri(), extract=True, cache_dir=tmp_path / "e"))
    assert path == tmp_path / "e" / "datasets" / "pack.tar.gz"
    assert (path / "pack" / "a.txt").read_bytes() == b"A"


def test_a_zip_archive_is_unpacked_and_reused(tmp_path, monkeypatch):
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as z:
        z.writestr("d/x.txt", "x")
    url = (tmp_path / "z.zip").as_uri()
    path = Path(get_file("z.zip", url, extract=True, cache_dir=tmp_path / "c"))
    assert (path / "d" / "x.txt").read_text() == "x"
    (path / "mine.txt").write_text("kept")  # a second call neither fetches nor unpacks again
    monkeypatch.setattr(_download, "_urlopen", lambda url: pytest.fail("fetched again"))
    assert Path(get_file("z.zip", url, extract=True, cache_dir=tmp_path / "c")) == path
    assert (path / "mine.txt").exists()


def test_extract_refuses_a_file_that_is_no_archive(tmp_path):
    url, _ = _source(tmp_path, "plain.txt", b"just text")
    with pytest.raises(FileFormatError, match="get_file: extract=True, but .* is not a tar or "
                                              "zip archive.*Hint"):
        get_file("plain.txt", url, extract=True, cache_dir=tmp_path / "c")
    assert not (tmp_path / "c" / "datasets" / "plain_extracted").exists()


def test_archive_format_limits_what_is_tried(tmp_path):
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as z:
        z.writestr("x.txt", "x")
    assert extract_archive(tmp_path / "z.zip", tmp_path / "out", "tar") is False
    assert extract_archive(tmp_path / "z.zip", tmp_path / "out", None) is False
    assert extract_archive(tmp_path / "z.zip", tmp_path / "out", ["tar", "zip"]) is True
    with pytest.raises(ArgumentError, match="extract_archive: archive_format must be .*Hint"):
        extract_archive(tmp_path / "z.zip", tmp_path / "out", "rar")


def test_re_extracting_replaces_the_folder_whole(tmp_path):
    archive = _tar(tmp_path / "a.tar.gz", [("new.txt", b"new")])
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    assert extract_archive(archive, out)
    assert sorted(os.listdir(out)) == ["new.txt"]
    assert sorted(os.listdir(tmp_path)) == ["a.tar.gz", "out"]  # no staging folders left


@pytest.mark.parametrize("members, what", [
    ([("../evil.txt", b"x")], "absolute path or a '..' component"),
    ([("ok/../../evil.txt", b"x")], "absolute path or a '..' component"),
    ([("/tmp/evil.txt", b"x")], "absolute path or a '..' component"),
    ([("link", ("sym", "/etc/passwd"))], "symbolic link to '/etc/passwd'"),
    ([("link", ("sym", "../outside"))], "symbolic link to '../outside'"),
    ([("d/link", ("sym", ".")), ("d/x", ("sym", "link/.."))], "symbolic link to 'link/..'"),
    ([("hard", ("hard", "../../etc/passwd"))], "hard link"),
])
def test_tar_members_escaping_the_folder_are_refused_before_writing(tmp_path, members, what):
    archive = _tar(tmp_path / "evil.tar.gz", [("first.txt", b"1")] + members)
    with pytest.raises(FileFormatError, match=f"extract_archive: evil.tar.gz has a member "
                                              f".*{what}.*nothing was written.*Hint"):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.txt").exists()
    assert sorted(os.listdir(tmp_path)) == ["evil.tar.gz"]


def test_tar_device_files_are_refused(tmp_path):
    with tarfile.open(tmp_path / "dev.tar", "w") as tar:
        info = tarfile.TarInfo("null")
        info.type = tarfile.CHRTYPE
        tar.addfile(info)
    with pytest.raises(FileFormatError, match="'null' that is a device file or a pipe"):
        extract_archive(tmp_path / "dev.tar", tmp_path / "out")


def test_links_inside_the_folder_are_kept(tmp_path):
    archive = _tar(tmp_path / "ok.tar.gz", [("d/a.txt", b"A"), ("d/alias", ("sym", "a.txt"))])
    assert extract_archive(archive, tmp_path / "out")
    assert (tmp_path / "out" / "d" / "alias").read_bytes() == b"A"


@pytest.mark.parametrize("name", ["../evil.txt", "/abs/evil.txt", "a/../../evil.txt"])
def test_zip_members_escaping_the_folder_are_refused(tmp_path, name):
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as z:
        z.writestr("fine.txt", "ok")
        z.writestr(zipfile.ZipInfo(name), "x")
    with pytest.raises(FileFormatError, match="evil.zip has a member .*'..' component"):
        get_file("evil.zip", (tmp_path / "evil.zip").as_uri(), extract=True,
                 cache_dir=tmp_path / "c")
    assert not (tmp_path / "c" / "datasets" / "evil_extracted").exists()
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "c" / "evil.txt").exists()
