"""Writing a file so that it is either fully replaced or left as it was.

A checkpoint written in place is destroyed by a failure half-way (a full disk, a kill, a
power cut): the old file was truncated and the new one is incomplete. Writing to a
temporary file in the same folder, forcing it to disk and then renaming it over the
target avoids that, because a rename within one file system is atomic.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from typing import IO

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then put it in place.

    The temporary file is created in the folder of the target (resolving symbolic links,
    so that the file a link points to is the one replaced), flushed and fsynced, then
    renamed over the target with :func:`os.replace`. If anything fails, including
    ``KeyboardInterrupt``, the temporary file is removed, the target is untouched and
    the exception propagates. An existing target keeps its permission bits.
    """
    target = os.path.realpath(os.fspath(path))
    folder, name = os.path.split(target)
    temp = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666)  # the umask applies, as for open(path, "wb")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); folders can't be opened on Windows."""
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
