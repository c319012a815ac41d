"""Landing area keyed by content hash."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from ingest.landing import LandingError, land, landing_folder
from resources.sftp import FetchedFile


def fetched_file(directory: Path, name: str, content: bytes) -> FetchedFile:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(content)
    return FetchedFile(
        remote_path=f"/drop/{name}",
        local_path=path,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        remote_mtime=1_700_000_000,
    )


def test_land_copies_under_hash_path(tmp_path):
    content = b"R,header\nT,0,0.00\n"
    fetched = fetched_file(tmp_path / "download", "labor_20240311.csv", content)
    digest = fetched.sha256

    landed = land(fetched, tmp_path / "landing")

    assert landed.path == tmp_path / "landing" / digest[:2] / digest / "labor_20240311.csv"
    assert landed.path.read_bytes() == content
    assert landed.sha256 == digest
    assert landed.size == len(content)
    assert not landed.already_landed
    assert landing_folder(tmp_path / "landing", digest) == landed.path.parent


def test_landed_file_is_read_only(tmp_path):
    landed = land(fetched_file(tmp_path / "download", "a.csv", b"abc"), tmp_path / "landing")

    file_mode = stat.S_IMODE(landed.path.stat().st_mode)
    folder_mode = stat.S_IMODE(landed.path.parent.stat().st_mode)
    assert file_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0
    assert folder_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0


def test_same_content_twice_already_landed(tmp_path):
    first = land(fetched_file(tmp_path / "download1", "a.csv", b"same"), tmp_path / "landing")

    second = land(fetched_file(tmp_path / "download2", "a.csv", b"same"), tmp_path / "landing")

    assert not first.already_landed
    assert second.already_landed
    assert second.path == first.path


def test_same_content_new_name_already_landed(tmp_path):
    first = land(fetched_file(tmp_path / "download1", "a.csv", b"same"), tmp_path / "landing")

    renamed = land(fetched_file(tmp_path / "download2", "a_resent.csv", b"same"), tmp_path / "landing")

    assert renamed.already_landed
    assert renamed.path == first.path
    assert sorted(p.name for p in first.path.parent.iterdir()) == ["a.csv"]


def test_different_content_lands_separately(tmp_path):
    first = land(fetched_file(tmp_path / "download1", "a.csv", b"version 1"), tmp_path / "landing")

    second = land(fetched_file(tmp_path / "download2", "a.csv", b"version 2"), tmp_path / "landing")

    assert not second.already_landed
    assert second.path != first.path
    assert second.path.read_bytes() == b"version 2"


def test_hash_mismatch_lands_nothing(tmp_path):
    fetched = fetched_file(tmp_path / "download", "a.csv", b"original")
    fetched.local_path.write_bytes(b"tampered")

    with pytest.raises(LandingError, match="fetch it again"):
        land(fetched, tmp_path / "landing")

    leftovers = [path for path in (tmp_path / "landing").rglob("*") if path.is_file()]
    assert leftovers == []
    assert not landing_folder(tmp_path / "landing", fetched.sha256).exists()

