"""Landing area: immutable copies of fetched extracts, keyed by the SHA-256 of their content.

A file lands at `<landing_dir>/<sha256[:2]>/<sha256>/<original name>` and is made read-only.
The same content arriving again, under any name, is reported as already landed so the
pipeline skips it instead of processing it twice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_READ_ONLY_FILE = 0o444
_READ_ONLY_DIRECTORY = 0o555
_CHUNK_BYTES = 1024 * 1024


class LocalFile(Protocol):
    """Anything with a local path and its expected SHA-256, such as resources.sftp.FetchedFile."""

    local_path: Path
    sha256: str


@dataclass(frozen=True)
class LandedFile:
    """An extract in the landing area."""

    path: Path  # read-only copy inside the landing area
    sha256: str
    size: int  # bytes
    already_landed: bool  # True when this content had landed before, under any name


class LandingError(Exception):
    """The file to land does not match its recorded hash."""


def landing_folder(landing_dir: str | os.PathLike, sha256: str) -> Path:
    """Return the folder that contains the content with this SHA-256 hex digest."""
    return Path(landing_dir) / sha256[:2] / sha256


def land(fetched: LocalFile, landing_dir: str | os.PathLike) -> LandedFile:
    """Copy a fetched file into the landing area unless the same content is already there.

    The copy is hashed again while it is written. A digest that differs from
    `fetched.sha256` raises LandingError and leaves nothing in the landing area.
    """
    source = Path(fetched.local_path)
    target_folder = landing_folder(landing_dir, fetched.sha256)

    existing = _first_file(target_folder)
    if existing is not None:
        return LandedFile(existing, fetched.sha256, existing.stat().st_size, already_landed=True)

    # Copy into a staging folder beside the landing area, then rename the whole folder into
    # place, so a reader never sees a half-written file and a crash leaves no partial entry.
    target_folder.parent.mkdir(parents=True, exist_ok=True)
    staging_folder = Path(tempfile.mkdtemp(prefix=".landing-", dir=target_folder.parent))
    try:
        staged_file = staging_folder / source.name
        digest, size = _copy_and_hash(source, staged_file)
        if digest != fetched.sha256:
            raise LandingError(
                f"{source} has SHA-256 {digest}, but it was fetched with {fetched.sha256}; "
                f"the file changed after download, so fetch it again"
            )
        staged_file.chmod(_READ_ONLY_FILE)
        try:
            os.rename(staging_folder, target_folder)
        except OSError:
            # Another process landed the same content between the check above and this rename.
            existing = _first_file(target_folder)
            if existing is None:
                raise
            return LandedFile(existing, fetched.sha256, existing.stat().st_size, already_landed=True)
    except BaseException:
        shutil.rmtree(staging_folder, ignore_errors=True)
        raise

    target_folder.chmod(_READ_ONLY_DIRECTORY)
    return LandedFile(target_folder / source.name, fetched.sha256, size, already_landed=False)


def _first_file(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    files = sorted(path for path in folder.iterdir() if path.is_file())
    return files[0] if files else None


def _copy_and_hash(source: Path, target: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as reader, open(target, "xb") as writer:
        while chunk := reader.read(_CHUNK_BYTES):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
