"""Reading torch.save checkpoints without PyTorch, through a restricted unpickler.

The first half writes files in torch.save's zip layout with a stand-in ``torch`` module,
so it runs without PyTorch; the second half compares with PyTorch itself when installed.
"""

from __future__ import annotations

import collections
import io
import pickle
import sys
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn

# --- torch.save's layout, written with a stand-in torch module ----------------------------
STORAGE_NAMES = {"float32": "FloatStorage", "float64": "DoubleStorage", "int64": "LongStorage",
                 "bool": "BoolStorage", "bfloat16": "BFloat16Storage", "uint8": "ByteStorage"}


class Storage:
    """A storage to be written as ``data/<key>``."""

    def __init__(self, kind: type, key: str, data: bytes, numel: int) -> None:
        self.kind, self.key, self.data, self.numel = kind, key, data, numel


class FakeTensor:
    """Pickles as torch's tensors do: ``_rebuild_tensor_v2(storage, offset, size, ...)``."""

    def __init__(self, storage: Storage, offset: int, size: tuple[int, ...],
                 stride: tuple[int, ...], requires_grad: bool = False) -> None:
        self.args = (storage, offset, size, stride, requires_grad, collections.OrderedDict())

    def __reduce__(self) -> Any:
        return (sys.modules["torch._utils"]._rebuild_tensor_v2, self.args)


class Evil:
    """Pickles as a call that would run code."""

    def __init__(self, call: Any, *args: Any) -> None:
        self.call, self.args = call, args

    def __reduce__(self) -> Any:
        return (self.call, self.args)


@pytest.fixture
def fake_torch(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A ``torch`` module with the names torch.save's pickles refer to."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    for name in [*STORAGE_NAMES.values(), "Size"]:
        cls = type(name, (tuple,) if name == "Size" else (), {"__module__": "torch"})
        setattr(torch, name, cls)

    def _rebuild_tensor_v2(*args: Any) -> None:
        raise AssertionError("only pickled, never called")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2  # type: ignore[attr-defined]
    torch._utils = utils  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    yield torch


def fake_tensor(torch: types.ModuleType, array: numpy.ndarray, key: str,
                dtype: str | None = None, order: str = "<") -> FakeTensor:
    dtype = dtype or array.dtype.name
    if dtype == "bfloat16":  # the top 16 bits of each float32
        raw = (array.astype("<f4").view("<u4") >> 16).astype(f"{order}u2").tobytes()
    else:
        raw = array.astype(array.dtype.newbyteorder(order)).tobytes()
    storage = Storage(getattr(torch, STORAGE_NAMES[dtype]), key, raw, array.size)
    strides = tuple(s // array.itemsize for s in array.strides)
    return FakeTensor(storage, 0, array.shape, strides)


def write_torch_zip(path: Path, obj: Any, byteorder: str = "little",
                    extra: dict[str, bytes] | None = None) -> Path:
    storages: dict[str, Storage] = {}

    class Pickler(pickle.Pickler):
        def persistent_id(self, value: Any) -> Any:
            if isinstance(value, Storage):
                storages[value.key] = value
                return ("storage", value.kind, value.key, "cpu", value.numel)
            return None

    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(obj)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", buffer.getvalue())
        archive.writestr("archive/byteorder", byteorder)
        for key, storage in storages.items():
            archive.writestr(f"archive/data/{key}", storage.data)
        archive.writestr("archive/version", "3\n")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def test_a_state_dict_and_plain_data_load_without_torch(tmp_path: Path,
                                                        fake_torch: types.ModuleType) -> None:
    w = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    weight = fake_tensor(fake_torch, w, "0")
    state = collections.OrderedDict(
        w=weight,
        wt=FakeTensor(weight.args[0], 0, (3, 2), (1, 3)),  # a view of the same storage
        row=FakeTensor(weight.args[0], 3, (3,), (1,)),
        steps=fake_tensor(fake_torch, numpy.array(7, dtype=numpy.int64), "1"),
        mask=fake_tensor(fake_torch, numpy.array([True, False]), "2"),
        half=fake_tensor(fake_torch, numpy.array([1.5, -2.0, 3.140625]), "3", "bfloat16"),
    )
    meta = {"epoch": 3, "lr": 0.1, "name": "lenet", "betas": (0.9, 0.999), "ids": [1, 2],
            "tags": {"a", "b"}, "raw": b"\x00\xff", "z": 1 + 2j, "none": None}
    path = write_torch_zip(tmp_path / "model.pt", {"model": state, "meta": meta})
    loaded = minigrad.load(path)
    model = loaded["model"]
    assert isinstance(model, collections.OrderedDict) and list(model) == list(state)
    numpy.testing.assert_array_equal(model["w"].numpy(), w)
    numpy.testing.assert_array_equal(model["wt"].numpy(), w.T)
    numpy.testing.assert_array_equal(model["row"].numpy(), w[1])
    assert model["steps"].shape == () and model["steps"].dtype == minigrad.int64
    assert model["mask"].dtype == minigrad.bool_
    assert model["half"].dtype == minigrad.float32  # bfloat16, widened exactly
    numpy.testing.assert_array_equal(model["half"].numpy(), [1.5, -2.0, 3.140625])
    assert loaded["meta"] == meta
    assert all(not t.requires_grad for t in model.values())


def test_big_endian_files_and_parameters(tmp_path: Path, fake_torch: types.ModuleType) -> None:
    values = numpy.array([[1.0, -2.5], [3.25, 4.0]])
    tensor = fake_tensor(fake_torch, values, "0", order=">")
    path = write_torch_zip(tmp_path / "big.pt", {"w": tensor}, byteorder="big")
    loaded = minigrad.load(path)["w"]
    assert loaded.dtype == minigrad.float64
    numpy.testing.assert_array_equal(loaded.numpy(), values)


def test_code_in_a_checkpoint_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    payload = Evil(exec, f"open({str(marker)!r}, 'w').close()")
    data = pickle.dumps({"weight": payload}, protocol=2)
    pickle.loads(data)  # the payload is real: plain unpickling creates the marker
    assert marker.exists()
    marker.unlink()
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data)
        archive.writestr("archive/version", "3\n")
    for weights_only in (None, True, False):
        with pytest.raises(ValueError, match=rf"^load: '{path}': refused: unpickling this "
                                             r"PyTorch checkpoint needs the global "
                                             r"builtins\.exec"):
            minigrad.load(path, weights_only=weights_only)
    assert not marker.exists()


@pytest.mark.parametrize("call", ["os.system", "subprocess.Popen", "builtins.eval",
                                  "builtins.getattr", "numpy.load", "collections.Counter"])
def test_every_other_global_is_refused(tmp_path: Path, call: str) -> None:
    module, name = call.rsplit(".", 1)
    data = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\nX\x01\x00\x00\x00x\x85R."
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data)
    with pytest.raises(ValueError, match=rf"needs the global {call}, which minigrad does not "
                                         "allow"):
        minigrad.load(path)


def test_state_can_not_be_set_on_allowed_objects(tmp_path: Path,
                                                 fake_torch: types.ModuleType) -> None:
    # BUILD would set attributes on what the pickle made: here a storage type's dtype.
    data = (b"\x80\x02ctorch\nFloatStorage\n}X\x05\x00\x00\x00dtypeX\x06\x00\x00\x00object"
            b"sb.")
    path = tmp_path / "build.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data)
    with pytest.raises(ValueError, match=r"needs setting the state of a _StorageType object "
                                         r"\(BUILD\)"):
        minigrad.load(path)


def test_storages_and_geometry_are_checked(tmp_path: Path, fake_torch: types.ModuleType) -> None:
    kind = fake_torch.FloatStorage
    lying = FakeTensor(Storage(kind, "0", b"\0" * 8, 2**33), 0, (2**33,), (1,))
    path = write_torch_zip(tmp_path / "lying.pt", {"w": lying})
    with pytest.raises(ValueError, match=r"member 'archive/data/0' should hold 34359738368 "
                                         r"bytes but declares 8"):
        minigrad.load(path)
    for offset, size, stride in [(0, (3,), (1,)), (2, (1,), (1,)), (0, (2, 2), (1, 1)),
                                 (-1, (1,), (1,)), (0, (2,), (-1,)), (0, (2,), (1, 1)),
                                 (0, "ab", (1,))]:
        bad = FakeTensor(Storage(kind, "0", b"\0" * 8, 2), offset, size, stride)  # type: ignore[arg-type]
        path = write_torch_zip(tmp_path / "geometry.pt", {"w": bad})
        with pytest.raises(ValueError, match=r"reaches past its storage|malformed tensor"):
            minigrad.load(path)
    empty = FakeTensor(Storage(kind, "0", b"", 0), 0, (0, 3), (3, 1))
    assert minigrad.load(write_torch_zip(tmp_path / "empty.pt", {"w": empty}))["w"].shape == (0, 3)


def test_corrupt_torch_files_give_the_documented_error(tmp_path: Path,
                                                       fake_torch: types.ModuleType) -> None:
    w = fake_tensor(fake_torch, numpy.arange(4.0), "0")
    data = write_torch_zip(tmp_path / "good.pt", {"w": w, "n": [1, 2.5, "x"]}).read_bytes()
    bad = tmp_path / "bad.pt"
    outcomes = collections.Counter()
    for position in range(0, len(data), 3):
        flipped = bytearray(data)
        flipped[position] ^= 0x55
        bad.write_bytes(bytes(flipped))
        try:
            minigrad.load(bad)
            outcomes["loaded"] += 1
        except ValueError as exc:
            assert str(exc).startswith(f"load: '{bad}': ")
            outcomes["refused"] += 1
    assert outcomes["refused"] > outcomes["loaded"] > 0


def test_legacy_and_torchscript_files_are_named(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + b"rest of the file")
    with pytest.raises(ValueError, match=r"legacy \(non-zip\) format.*torch\.save\(obj, path\)"):
        minigrad.load(legacy)
    script = tmp_path / "script.pt"
    with zipfile.ZipFile(script, "w") as archive:
        archive.writestr("model/data.pkl", pickle.dumps({}, protocol=2))
        archive.writestr("model/constants.pkl", pickle.dumps((), protocol=2))
        archive.writestr("model/code/__torch__.py", "")
    with pytest.raises(ValueError, match=r"a TorchScript archive \(torch\.jit\.save\)"):
        minigrad.load(script)


# --- against PyTorch ------------------------------------------------------------------------
def to_plain(value: Any, torch: Any) -> Any:
    """torch.load's result in the form minigrad.load gives it (for comparison)."""
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return ("tensor", value.dtype.__repr__().split(".")[1], value.numpy().tolist())
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, torch.dtype):
        return numpy.dtype(str(value).split(".")[1])
    if isinstance(value, dict):
        return {k: to_plain(v, torch) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain(v, torch) for v in value)
    return value


def from_minigrad(value: Any) -> Any:
    if isinstance(value, minigrad.Tensor):
        host = value.detach().numpy()
        return ("tensor", str(host.dtype), host.tolist())
    if isinstance(value, dict):
        return {k: from_minigrad(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(from_minigrad(v) for v in value)
    return value


def test_matches_torch_load_weights_only(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
                                torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(5, 1, 6, 6)).square().mean().backward()
        opt.step()
    base = torch.randn(4, 6)
    checkpoint = {
        "model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 2,
        "views": {"t": base.t(), "slice": base[1:, ::2], "expand": torch.ones(3).expand(2, 3),
                  "scalar": torch.tensor(3.5, dtype=torch.float64)},
        "dtypes": [torch.float32, torch.int64, torch.bool], "size": torch.Size([2, 3]),
        "device": torch.device("cpu"), "half": torch.tensor([1.0, 2.5], dtype=torch.bfloat16),
        "ints": torch.arange(5, dtype=torch.int32), "bytes": torch.tensor([1, 255],
                                                                           dtype=torch.uint8),
        "param": torch.nn.Parameter(torch.randn(2)),
    }
    path = tmp_path / "checkpoint.pt"
    torch.save(checkpoint, path)
    reference = torch.load(path, weights_only=True)
    loaded = minigrad.load(path)
    assert from_minigrad(loaded) == to_plain(reference, torch)
    assert isinstance(loaded["param"], nn.Parameter) and loaded["param"].requires_grad
    assert isinstance(loaded["model"], collections.OrderedDict)


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_a_whole_pickled_model_is_refused_by_name(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "whole.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(ValueError, match=r"needs the global torch\.nn\.modules\.linear\.Linear"
                                         r".*Save model\.state_dict\(\)"):
        minigrad.load(path)
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="legacy"):
        minigrad.load(legacy)
    script = tmp_path / "script.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), script)
    with pytest.raises(ValueError, match="TorchScript"):
        minigrad.load(script)


def lenet5_in_torch(torch: Any) -> Any:
    """examples/lenet5.py's LeNet5 in PyTorch, with the same module names."""
    class LeNet5(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            nn_ = torch.nn
            self.features = nn_.Sequential(
                nn_.Conv2d(1, 6, kernel_size=5), nn_.Tanh(), nn_.MaxPool2d(2),
                nn_.Conv2d(6, 16, kernel_size=5), nn_.Tanh(), nn_.MaxPool2d(2))
            self.classifier = nn_.Sequential(
                nn_.Flatten(), nn_.Linear(400, 120), nn_.Tanh(), nn_.Linear(120, 84),
                nn_.Tanh(), nn_.Linear(84, 10))

        def forward(self, x: Any) -> Any:
            return self.classifier(self.features(x))

    return LeNet5()


@pytest.mark.parametrize("fmt", ["pt", "safetensors"])
def test_a_pytorch_lenet5_runs_the_same_in_minigrad(tmp_path: Path, fmt: str) -> None:
    torch = pytest.importorskip("torch")
    from tests.test_examples import load_example

    torch.manual_seed(0)
    reference = lenet5_in_torch(torch).eval()
    path = tmp_path / f"lenet5.{fmt}"
    if fmt == "pt":
        torch.save(reference.state_dict(), path)
    else:
        safetensors_torch = pytest.importorskip("safetensors.torch")
        safetensors_torch.save_file(reference.state_dict(), str(path))
    model = load_example("lenet5").LeNet5()
    result = model.load_state_dict(minigrad.load(path))
    assert result.missing_keys == [] and result.unexpected_keys == []
    images = numpy.random.default_rng(0).standard_normal((8, 1, 32, 32)).astype(numpy.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(images)).numpy()
    with minigrad.no_grad():
        got = model.eval()(minigrad.from_numpy(images)).numpy()
    difference = float(numpy.abs(got - expected).max())
    print(f"LeNet-5 from a PyTorch .{fmt} file: max abs difference {difference:.3g}")
    assert difference < 1e-5
    assert (got.argmax(1) == expected.argmax(1)).all()
