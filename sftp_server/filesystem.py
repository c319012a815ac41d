"""SFTP operations over one local directory that the client sees as `/`."""

from __future__ import annotations

import logging
import os
import posixpath
from pathlib import Path

import paramiko
from paramiko.sftp import SFTP_FAILURE, SFTP_OK, SFTP_OP_UNSUPPORTED, SFTP_PERMISSION_DENIED

logger = logging.getLogger(__name__)


class _FileHandle(paramiko.SFTPHandle):
    """Open local file. paramiko's SFTPHandle.read seeks to each request's offset, so
    out-of-order prefetch reads work."""

    def stat(self):
        try:
            return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    def chattr(self, attr):
        try:
            paramiko.SFTPServer.set_file_attr(self.filename, attr)
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        return SFTP_OK


def _open_mode(flags: int) -> str:
    """Return the Python file mode for the os.open flags that paramiko passes."""
    if flags & os.O_WRONLY:
        return "ab" if flags & os.O_APPEND else "wb"
    if flags & os.O_RDWR:
        return "a+b" if flags & os.O_APPEND else "r+b"
    return "rb"


class RootedSFTPInterface(paramiko.SFTPServerInterface):
    """Serve `root_dir` as `/`; a path that resolves outside it, even through a symlink, is denied."""

    def __init__(self, server, root_dir: str, *args, **kwargs):
        super().__init__(server, *args, **kwargs)
        self._root = Path(root_dir).resolve()

    def _local(self, path: str) -> str:
        """Map a client path to a local path, raising PermissionError outside the root."""
        normalized = posixpath.normpath("/" + path).lstrip("/")
        local = (self._root / normalized).resolve()
        if local != self._root and self._root not in local.parents:
            logger.warning("Denied access to %s because it resolves outside %s", path, self._root)
            raise PermissionError(f"{path} is outside the served directory")
        return str(local)

    @staticmethod
    def _error(exc: OSError) -> int:
        if isinstance(exc, PermissionError) and exc.errno is None:
            return SFTP_PERMISSION_DENIED
        return paramiko.SFTPServer.convert_errno(exc.errno) if exc.errno else SFTP_FAILURE

    def canonicalize(self, path):
        return posixpath.normpath("/" + path)

    def list_folder(self, path):
        try:
            local = self._local(path)
            result = []
            for name in sorted(os.listdir(local)):
                attr = paramiko.SFTPAttributes.from_stat(
                    os.lstat(os.path.join(local, name)), filename=name
                )
                result.append(attr)
            return result
        except OSError as exc:
            return self._error(exc)

    def stat(self, path):
        try:
            return paramiko.SFTPAttributes.from_stat(os.stat(self._local(path)))
        except OSError as exc:
            return self._error(exc)

    def lstat(self, path):
        # _local() resolves symlinks to enforce the root, so lstat the unresolved path under root.
        try:
            self._local(path)
            unresolved = os.path.join(self._root, posixpath.normpath("/" + path).lstrip("/"))
            return paramiko.SFTPAttributes.from_stat(os.lstat(unresolved))
        except OSError as exc:
            return self._error(exc)

    def open(self, path, flags, attr):
        try:
            local = self._local(path)
            mode = attr.st_mode if attr is not None and attr.st_mode is not None else 0o644
            descriptor = os.open(local, flags, mode & 0o777)
        except OSError as exc:
            return self._error(exc)

        try:
            file = os.fdopen(descriptor, _open_mode(flags))
        except OSError as exc:
            os.close(descriptor)
            return self._error(exc)
        handle = _FileHandle(flags)
        handle.filename = local
        handle.readfile = file
        handle.writefile = file
        return handle

    def remove(self, path):
        try:
            os.remove(self._local(path))
        except OSError as exc:
            return self._error(exc)
        return SFTP_OK

    def rename(self, oldpath, newpath):
        # SFTP version 3 rename must fail when the target exists; posix_rename overwrites.
        try:
            target = self._local(newpath)
            if os.path.exists(target):
                return SFTP_FAILURE
            os.rename(self._local(oldpath), target)
        except OSError as exc:
            return self._error(exc)
        return SFTP_OK

    def posix_rename(self, oldpath, newpath):
        try:
            os.replace(self._local(oldpath), self._local(newpath))
        except OSError as exc:
            return self._error(exc)
        return SFTP_OK

    def mkdir(self, path, attr):
        try:
            local = self._local(path)
            os.mkdir(local)
            if attr is not None:
                paramiko.SFTPServer.set_file_attr(local, attr)
        except OSError as exc:
            return self._error(exc)
        return SFTP_OK

    def rmdir(self, path):
        try:
            os.rmdir(self._local(path))
        except OSError as exc:
            return self._error(exc)
        return SFTP_OK

    def chattr(self, path, attr):
        try:
            paramiko.SFTPServer.set_file_attr(self._local(path), attr)
        except OSError as exc:
            return self._error(exc)
        return SFTP_OK

    def symlink(self, target_path, path):
        return SFTP_OP_UNSUPPORTED

    def readlink(self, path):
        return SFTP_OP_UNSUPPORTED
