"""minigrad.save is atomic; minigrad.load refuses every bad file with a ValueError that
names the file, without allocating what a crafted file declares (issue 12)."""

from __future__ import annotations

import errno
import io
import json
import os
import struct
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.serialization import npz_format


def checkpoint(n: int = 4) -> dict[str, Any]:
    minigrad.manual_seed(n)
    return {"model": nn.Linear(n, 3).state_dict(), "step": n, "note": "ok"}


# --- atomic save -------------------------------------------------------------------------
class FillsUp:
    """A file that takes ``room`` bytes and then fails as a full disk does."""

    def __init__(self, inner: Any, room: int) -> None:
        self.inner, self.room = inner, room

    def write(self, data: Any) -> int:
        data = bytes(data)
        if self.inner.tell() + len(data) > self.room:
            self.inner.write(data[: max(0, self.room - self.inner.tell())])
            raise OSError(errno.ENOSPC, "No space left on device")
        return int(self.inner.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __enter__(self) -> FillsUp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.close()


def assert_old_file_intact(folder: Path, path: Path, old: bytes) -> None:
    assert path.read_bytes() == old
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # no temporary file left
    loaded = minigrad.load(path)
    assert loaded["step"] == 4


def test_a_full_disk_mid_save_leaves_the_old_checkpoint(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ckpt.pt"
    minigrad.save(checkpoint(4), path)
    old = path.read_bytes()
    real_fdopen = os.fdopen
    written: list[FillsUp] = []

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        f = FillsUp(real_fdopen(fd, *args, **kwargs), room=len(old) // 2)
        written.append(f)
        return f

    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(OSError, match="No space left"):
        minigrad.save(checkpoint(64), path)
    monkeypatch.undo()
    assert written and written[0].inner.closed  # the failure really was mid-write
    assert_old_file_intact(tmp_path, path, old)


@pytest.mark.parametrize("failure", ["interrupt", "fsync", "encode"])
def test_failed_saves_leave_the_old_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               failure: str) -> None:
    path = tmp_path / "ckpt.pt"
    minigrad.save(checkpoint(4), path)
    old = path.read_bytes()
    if failure == "interrupt":  # Ctrl-C after part of the file was written
        def write(obj: Any, out: Any) -> None:
            out.write(b"PK\x03\x04 partial")
            raise KeyboardInterrupt

        monkeypatch.setattr(npz_format, "write", write)
        with pytest.raises(KeyboardInterrupt):
            minigrad.save(checkpoint(8), path)
    elif failure == "fsync":
        def fsync(fd: int) -> None:
            raise OSError(errno.EIO, "I/O error")

        monkeypatch.setattr(os, "fsync", fsync)
        with pytest.raises(OSError, match="I/O error"):
            minigrad.save(checkpoint(8), path)
    else:  # a value that can't be stored: found before the old file is touched
        with pytest.raises(TypeError, match=r"can't store the builtins\.function"):
            minigrad.save({"model": checkpoint(8), "bad": lambda: 0}, path)
    monkeypatch.undo()
    assert_old_file_intact(tmp_path, path, old)


def test_save_replaces_the_file_a_link_points_to_and_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "real.pt"
    minigrad.save(checkpoint(4), real)
    os.chmod(real, 0o640)
    link = tmp_path / "latest.pt"
    link.symlink_to(real)
    minigrad.save(checkpoint(6), link)
    assert link.is_symlink() and minigrad.load(real)["step"] == 6
    assert real.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh.pt"
    minigrad.save(checkpoint(4), fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # as open(path, "wb") would make
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.pt", "latest.pt", "real.pt"]


# --- weights_only (torch.load's keyword) --------------------------------------------------
def test_load_accepts_weights_only(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    minigrad.save(checkpoint(4), path)
    for value in (True, False, None):
        assert minigrad.load(path, weights_only=value)["step"] == 4
    assert minigrad.load(path, "cpu", weights_only=True)["note"] == "ok"
    with pytest.raises(TypeError, match="weights_only must be a bool"):
        minigrad.load(path, weights_only="yes")  # type: ignore[arg-type]


# --- load hardening -----------------------------------------------------------------------
def assert_refused(path: Path, message: str = "") -> None:
    with pytest.raises(ValueError, match=rf"^load: '{path}': .*{message}"):
        minigrad.load(path)


def test_corrupt_and_truncated_bytes_give_the_documented_error(tmp_path: Path) -> None:
    good = tmp_path / "good.pt"
    minigrad.save(checkpoint(4), good)
    data = good.read_bytes()
    bad = tmp_path / "bad.pt"
    for cut in (0, 3, 30, len(data) // 2, len(data) - 10):
        bad.write_bytes(data[:cut])
        assert_refused(bad)
    for seed in range(8):  # random bytes (one in 256 starts like a pickle)
        bad.write_bytes(numpy.random.default_rng(seed).bytes(2048))
        assert_refused(bad, "(unknown format|not a valid|bare pickle)")
    loaded = refused = 0
    for position in range(0, len(data), 7):  # every 7th byte flipped, one at a time
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        bad.write_bytes(bytes(flipped))
        try:
            minigrad.load(bad)
            loaded += 1  # a byte the reader does not use (a timestamp, a name in a header)
        except ValueError as exc:
            assert str(exc).startswith(f"load: '{bad}': ")
            refused += 1
    assert refused > loaded > 0


def _npz(path: Path, structure: Any, members: dict[str, bytes] | None = None) -> Path:
    text = json.dumps(structure).encode() if not isinstance(structure, bytes) else structure
    buffer = io.BytesIO()
    numpy.lib.format.write_array(buffer, numpy.frombuffer(text, dtype=numpy.uint8))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{npz_format.STRUCTURE_KEY}.npy", buffer.getvalue())
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return path


def test_deeply_nested_files_give_the_documented_error(tmp_path: Path) -> None:
    fmt = "minigrad-npz-1"
    for depth in (npz_format.MAX_DEPTH + 5, 100_000):
        text = '{"list": [' * depth + '{"value": 1}' + "]}" * depth
        path = _npz(tmp_path / f"deep{depth}.pt",
                    f'{{"format": "{fmt}", "root": {text}}}'.encode())
        assert_refused(path, "nested more than 200 levels deep")
    nested: Any = 1
    for _ in range(npz_format.MAX_DEPTH + 1):
        nested = [nested]
    with pytest.raises(ValueError, match="nested more than 200 levels deep"):
        minigrad.save(nested, io.BytesIO())
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="or contains itself"):
        minigrad.save(loop, io.BytesIO())


@pytest.mark.parametrize("node", [{"int": "12"}, {"int": 1.5}, {"int": True}, {"float": "abc"},
                                  {"float": 3}, {"float": None}])
def test_malformed_numbers_give_the_documented_error(tmp_path: Path, node: Any) -> None:
    path = _npz(tmp_path / "n.pt", {"format": "minigrad-npz-1", "root": {"list": [node]}})
    assert_refused(path, "malformed (integer|float)")


def test_huge_integer_text_gives_the_documented_error(tmp_path: Path) -> None:
    text = b'{"format": "minigrad-npz-1", "root": {"int": ' + b"9" * 5000 + b"}}"
    assert_refused(_npz(tmp_path / "big.pt", text), "malformed structure")


def _npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    numpy.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def test_a_small_member_declaring_a_huge_array_is_refused_before_allocating(
        tmp_path: Path) -> None:
    structure = {"format": "minigrad-npz-1", "root": {"tensor": "t0"}}
    lying = _npz(tmp_path / "lying.pt", structure,
                 {"t0.npy": _npy_header((2**32,)) + b"\0" * 4096})  # says 32 GiB, holds 4 KiB
    tracemalloc.start()
    try:
        assert_refused(lying, r"declares shape \(4294967296,\) of float64 \(34359738368 bytes\) "
                              r"but holds 4096 bytes")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def _patch_declared_size(path: Path, member: str, size: int) -> None:
    """Overwrite a member's uncompressed size in the zip's local and central headers."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02" + data[local + 4: local + 8])
    while data[central + 46: central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, size)
    offset = struct.unpack_from("<I", data, central + 42)[0]
    struct.pack_into("<I", data, offset + 22, size)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_zip_sizes_are_checked_against_the_archive(tmp_path: Path, compression: int) -> None:
    path = tmp_path / "zipbomb.pt"
    buffer = io.BytesIO()
    numpy.lib.format.write_array(buffer, numpy.zeros(512))
    text = json.dumps({"format": "minigrad-npz-1", "root": {"tensor": "t0"}}).encode()
    structure = io.BytesIO()
    numpy.lib.format.write_array(structure, numpy.frombuffer(text, dtype=numpy.uint8))
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("t0.npy", buffer.getvalue())
        archive.writestr(f"{npz_format.STRUCTURE_KEY}.npy", structure.getvalue())
    assert minigrad.load(path).shape == (512,)
    _patch_declared_size(path, "t0.npy", 0xFFFF_FFF0)  # about 4 GiB
    tracemalloc.start()
    try:
        assert_refused(path, r"member 't0\.npy' declares 4294967280 bytes")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def test_other_files_are_named_in_the_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    assert_refused(empty, "the file is empty")
    text = tmp_path / "notes.pt"
    text.write_text("hello, not a checkpoint")
    assert_refused(text, "not a file written by minigrad.save, a safetensors file or a "
                         "torch.save checkpoint")
    fake_safetensors = tmp_path / "x.safetensors"
    fake_safetensors.write_bytes(struct.pack("<Q", 10) + b"{not json}")
    pytest.importorskip("safetensors")
    assert_refused(fake_safetensors, "not a valid safetensors file")


# --- whole objects (torch.save(model)): pickled, and unpickled only when asked --------------
class _Payload:
    """An object whose unpickling would run code: it creates a file."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.target,))


def test_a_whole_model_saves_and_loads_only_when_asked(tmp_path: Path) -> None:
    from minigrad import nn

    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(18, 1))
    path = tmp_path / "model.pt"
    minigrad.save({"model": model, "epoch": 3}, path)
    with pytest.raises(ValueError, match=r"pickled minigrad\.nn\.container\.Sequential.*"
                                         r"weights_only=False"):
        minigrad.load(path)
    with pytest.raises(ValueError, match="weights_only=False"):
        minigrad.load(path, weights_only=True)
    loaded = minigrad.load(path, weights_only=False)
    assert loaded["epoch"] == 3
    x = minigrad.randn(2, 1, 5, 5)
    model.eval()
    loaded["model"].eval()
    assert minigrad.equal(loaded["model"](x), model(x))
    loaded["model"](x).sum().backward()  # a working model, on this process's backend


def test_a_pickled_payload_does_not_run_by_default(tmp_path: Path) -> None:
    target = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    minigrad.save({"weights": minigrad.ones(2), "extra": _Payload(target)}, path)
    with pytest.raises(ValueError, match=r"pickled tests\.test_serialization_safety\._Payload"):
        minigrad.load(path)
    assert not target.exists()
