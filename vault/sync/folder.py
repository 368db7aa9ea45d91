"""A folder as sync target: a file-server share, or a Syncthing/OneDrive/Dropbox folder.

Every file is written as a hidden temp file in its final folder, flushed with
fsync, then *linked* to its final name, which fails if the name exists (so two
replicas can never overwrite each other's pack), and the temp name removed.
Where hard links are not supported the file is renamed after an existence check.
Readers ignore hidden names, so nobody ever sees half a pack. The root folder
must exist: a share that is not mounted must not silently become a local folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from vault import errors
from vault.storage import fsync_dir
from vault.sync.targets import Entry

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


class FolderTarget:
    """Packs in a local or mounted folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.display = str(self.root)

    def _path(self, relative: str) -> Path:
        parts = [p for p in relative.split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise errors.SyncTargetError(self.display, f"refusing the path {relative}")
        return self.root.joinpath(*parts)

    def _check_root(self) -> None:
        if not self.root.is_dir():
            raise errors.SyncTargetUnavailableError(
                self.display, "the folder does not exist or is not mounted"
            )

    def _fail(self, exc: OSError, what: str) -> errors.SyncError:
        if exc.errno in FULL:
            return errors.SyncTargetFullError(self.display)
        if exc.errno in DENIED:
            return errors.SyncTargetError(self.display, f"{what}: permission denied")
        return errors.SyncTargetUnavailableError(self.display, f"{what}: {exc.strerror or exc}")

    def list(self, folder: str) -> list[Entry]:
        """Names in a folder; [] when it does not exist yet."""
        self._check_root()
        path = self._path(folder)
        try:
            with os.scandir(path) as found:
                out = []
                for item in found:
                    try:
                        is_dir = item.is_dir()
                        stat = item.stat()
                    except OSError:
                        continue
                    if is_dir:
                        out.append(Entry(item.name, None, True))
                    else:
                        tag = f"{stat.st_size}:{stat.st_mtime_ns}"
                        out.append(Entry(item.name, stat.st_size, False, tag))
                return out
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            raise errors.SyncTargetError(self.display, f"{folder} is not a folder") from None
        except OSError as exc:
            raise self._fail(exc, f"listing {folder}") from None

    def read(self, path: str) -> bytes:
        """A whole file."""
        self._check_root()
        try:
            return self._path(path).read_bytes()
        except FileNotFoundError:
            raise errors.SyncTargetError(self.display, f"{path} disappeared") from None
        except OSError as exc:
            raise self._fail(exc, f"reading {path}") from None

    def read_head(self, path: str, length: int) -> bytes:
        """The first ``length`` bytes of a file."""
        self._check_root()
        try:
            with self._path(path).open("rb") as handle:
                return handle.read(length)
        except FileNotFoundError:
            raise errors.SyncTargetError(self.display, f"{path} disappeared") from None
        except OSError as exc:
            raise self._fail(exc, f"reading {path}") from None

    def _write_file(self, path: Path, data: bytes) -> None:
        """Write and flush a new file (the one place a full disk shows up)."""
        with path.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def create(self, path: str, data: bytes) -> bool:
        """Write a new file atomically; False if the name is taken."""
        self._check_root()
        final = self._path(path)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._fail(exc, f"creating the folder of {path}") from None
        if final.exists():
            return False
        temp = final.with_name(f".{final.name}.{os.urandom(8).hex()}.tmp")
        try:
            self._write_file(temp, data)
            try:
                os.link(temp, final)
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                if final.exists():
                    return False
                os.replace(temp, final)
            fsync_dir(final.parent)
            return True
        except OSError as exc:
            raise self._fail(exc, f"writing {path}") from None
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()

    def delete(self, path: str) -> None:
        """Remove a file if it is there."""
        self._check_root()
        try:
            self._path(path).unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise self._fail(exc, f"deleting {path}") from None

    def close(self) -> None:
        """Nothing to release."""
