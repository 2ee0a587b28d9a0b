"""Reading zip archives that may be corrupt or hostile, without trusting their sizes.

Both minigrad's ``.npz`` files and PyTorch's ``.pt`` files are zip archives. A member's
header declares how big it is once decompressed; a crafted file can declare gigabytes
in a few bytes and make a reader allocate them. Every size is checked against the
archive before anything is allocated, and every failure is a :class:`BadFile`.
"""

from __future__ import annotations

import zipfile
import zlib
from typing import IO

__all__ = ["BadFile", "archive_size", "check_member", "open_zip", "read_member"]

# Deflate can't shrink data by more than about 1032:1, so a larger declared ratio is a lie.
_MAX_DEFLATE_RATIO = 1032
# What zipfile raises on a damaged archive: a bad magic or CRC, a truncated stream, a
# version or method it does not know (NotImplementedError), encryption (RuntimeError).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
               ValueError, NotImplementedError, RuntimeError)


class BadFile(ValueError):
    """A file :func:`minigrad.load` refuses; the message names the file and the reason."""


def open_zip(source: IO[bytes], name: str) -> zipfile.ZipFile:
    """Open ``source`` as a zip archive, or raise :class:`BadFile`."""
    try:
        return zipfile.ZipFile(source)
    except _ZIP_ERRORS as exc:
        raise BadFile(f"load: {name}: not a valid zip archive ({exc})") from None


def archive_size(source: IO[bytes]) -> int:
    """The number of bytes in a seekable binary file (its position is kept)."""
    position = source.tell()
    size = source.seek(0, 2)
    source.seek(position)
    return size


def check_member(info: zipfile.ZipInfo, total: int, name: str, expected: int | None = None) -> None:
    """Raise :class:`BadFile` unless the member's declared sizes are possible.

    Parameters
    ----------
    info : zipfile.ZipInfo
        The member.
    total : int
        Size in bytes of the whole archive.
    name : str
        The file, for the message.
    expected : int, optional
        The exact decompressed size the member must have.
    """
    where = f"load: {name}: member {info.filename!r}"
    if info.compress_size > total or info.header_offset + info.compress_size > total:
        raise BadFile(f"{where} declares {info.compress_size} stored bytes, more than the "
                      f"{total}-byte file holds (truncated or corrupt)")
    if info.compress_type == zipfile.ZIP_STORED:
        possible = info.file_size == info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        possible = info.file_size <= info.compress_size * _MAX_DEFLATE_RATIO + 64
    else:
        raise BadFile(f"{where} uses compression method {info.compress_type}; only stored "
                      "and deflated members are read")
    if not possible:
        raise BadFile(f"{where} declares {info.file_size} bytes once decompressed, which "
                      f"{info.compress_size} stored bytes cannot hold (corrupt or crafted)")
    if expected is not None and info.file_size != expected:
        raise BadFile(f"{where} should hold {expected} bytes but declares {info.file_size}")


def read_member(archive: zipfile.ZipFile, member: str, total: int, name: str,
                expected: int | None = None) -> bytes:
    """The bytes of ``member``, after :func:`check_member`; a bad CRC is a :class:`BadFile`."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise BadFile(f"load: {name}: the archive has no member {member!r}") from None
    check_member(info, total, name, expected)
    try:
        data = archive.read(info)
    except _ZIP_ERRORS as exc:
        raise BadFile(f"load: {name}: member {member!r} is corrupt ({exc})") from None
    if len(data) != info.file_size:
        raise BadFile(f"load: {name}: member {member!r} holds {len(data)} bytes, "
                      f"not the {info.file_size} it declares")
    return data
