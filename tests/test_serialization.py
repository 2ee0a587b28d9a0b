"""minigrad.save / minigrad.load: exact, safe round trips of state dicts."""

from __future__ import annotations

import io
import math
import pickle
import zipfile
from pathlib import Path

import numpy
import pytest

import minigrad
from minigrad import nn, optim


def round_trip(obj: object, **kwargs: object) -> object:
    buffer = io.BytesIO()
    minigrad.save(obj, buffer)
    buffer.seek(0)
    return minigrad.load(buffer, **kwargs)  # type: ignore[arg-type]


def test_nested_structures_round_trip_exactly() -> None:
    obj = {
        "f32": minigrad.randn(3, 2), "f64": minigrad.randn(4, dtype=minigrad.float64),
        "i64": minigrad.arange(5), "bool": minigrad.tensor([True, False]),
        "scalar": minigrad.tensor(2.5), 7: [1, 2.0, (3, "x"), None, True],
        "nested": {"inf": math.inf, "small": 1e-300, "array": numpy.arange(3.0)},
        "param": nn.Parameter(minigrad.ones(2)),
    }
    back = round_trip(obj)
    assert isinstance(back, dict)
    for key in ("f32", "f64", "i64", "bool", "scalar"):
        assert back[key].dtype == obj[key].dtype  # type: ignore[union-attr]
        assert back[key].shape == obj[key].shape  # type: ignore[union-attr]
        numpy.testing.assert_array_equal(back[key].numpy(), obj[key].numpy())  # type: ignore[union-attr]
    assert back[7] == [1, 2.0, (3, "x"), None, True]
    assert isinstance(back[7][1], float) and isinstance(back[7][2], tuple)
    assert back["nested"]["inf"] == math.inf and back["nested"]["small"] == 1e-300
    numpy.testing.assert_array_equal(back["nested"]["array"], numpy.arange(3.0))
    assert isinstance(back["param"], nn.Parameter) and back["param"].requires_grad


def test_model_and_optimizer_round_trip_exactly(tmp_path: Path) -> None:
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                          nn.Linear(2 * 4 * 4, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        model(minigrad.randn(4, 1, 6, 6)).pow(2).mean().backward()
        opt.step()
    path = tmp_path / "checkpoint.pt"
    minigrad.save({"model": model.state_dict(), "optim": opt.state_dict()}, path)
    assert path.exists() and not (tmp_path / "checkpoint.pt.npz").exists()
    loaded = minigrad.load(path)
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                          nn.Linear(2 * 4 * 4, 3))
    fresh.load_state_dict(loaded["model"])
    for key, value in model.state_dict().items():
        assert fresh.state_dict()[key].dtype == value.dtype
        numpy.testing.assert_array_equal(fresh.state_dict()[key].numpy(), value.numpy())
    fresh_opt = optim.Adam(fresh.parameters(), lr=0.5)
    fresh_opt.load_state_dict(loaded["optim"])
    assert fresh_opt.param_groups[0]["lr"] == 0.01
    assert fresh_opt.param_groups[0]["betas"] == (0.9, 0.999)
    saved_state = opt.state_dict()["state"]
    for index, entry in fresh_opt.state_dict()["state"].items():
        assert entry["step"] == saved_state[index]["step"]
        numpy.testing.assert_array_equal(entry["exp_avg_sq"].numpy(),
                                         saved_state[index]["exp_avg_sq"].numpy())


def test_loading_into_the_wrong_shape_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "small.npz"
    minigrad.save(nn.Linear(4, 3).state_dict(), path)
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                       r"shape \(3, 4\) from checkpoint, the shape in current model is \(3, 5\)"):
        nn.Linear(5, 3).load_state_dict(minigrad.load(path))


def test_across_backends(backend: minigrad.backends.Backend) -> None:
    t = minigrad.randn(3, 3)
    back = round_trip({"t": t}, map_location="numpy")
    assert str(back["t"].device) == "cpu"  # type: ignore[index]
    numpy.testing.assert_array_equal(back["t"].numpy(), t.detach().numpy())  # type: ignore[index]
    here = round_trip({"t": minigrad.randn(2, device="numpy")})
    assert here["t"].backend is backend  # type: ignore[index]


def test_unsafe_or_foreign_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"can't store the builtins.function at obj\['bad'\]"):
        minigrad.save({"bad": lambda: 0}, io.BytesIO())
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        minigrad.save({(1, 2): 3}, io.BytesIO())
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ValueError, match=r"not a file written by minigrad\.save"):
        minigrad.load(pickled)
    plain = tmp_path / "plain.npz"
    numpy.savez(plain, a=numpy.ones(2))
    with pytest.raises(ValueError, match=r"not one written by minigrad\.save"):
        minigrad.load(plain)
    with pytest.raises(FileNotFoundError):
        minigrad.load(tmp_path / "missing.npz")
    path = tmp_path / "x.npz"
    minigrad.save({"a": minigrad.ones(1)}, path)
    with zipfile.ZipFile(path) as archive:  # only plain .npy arrays inside: no pickles
        for name in archive.namelist():
            assert name.endswith(".npy")
            with archive.open(name) as member:
                numpy.lib.format.read_magic(member)
                header = numpy.lib.format.read_array_header_1_0(member)
                assert header[2] != numpy.dtype(object)


def _archive(path: Path, structure: object, **arrays: numpy.ndarray) -> Path:
    """A hand-made archive in minigrad.save's layout (to test what load refuses)."""
    import json

    from minigrad.serialization.npz_format import STRUCTURE_KEY as _STRUCTURE_KEY

    text = json.dumps(structure).encode("utf-8")
    arrays[_STRUCTURE_KEY] = numpy.frombuffer(text, dtype=numpy.uint8)
    with open(path, "wb") as out:
        numpy.savez(out, **arrays)
    return path


def test_load_refuses_malformed_archives(tmp_path: Path) -> None:
    fmt = "minigrad-npz-1"
    cases = [
        ({"format": fmt, "root": {"tensor": "t0"}}, {"t0": numpy.array(["a"])},
         r"tensor 't0' has dtype <U1, which is not a tensor dtype"),
        ({"format": fmt, "root": {"tensor": "t0"}}, {"t0": numpy.zeros(2, dtype=numpy.uint32)},
         "has dtype uint32, which is not a tensor dtype"),
        ({"format": fmt, "root": {"tensor": "t0"}},
         {"t0": numpy.zeros(2, dtype=[("a", "i4")])}, r"array 't0' has dtype \[\('a'"),
        ({"format": fmt, "root": {"dict": [1]}}, {}, "malformed dict item"),
        ({"format": fmt, "root": {"dict": [[["k"], {"value": 1}]]}}, {}, "malformed dict item"),
        ({"format": fmt, "root": {"list": 5}}, {}, "malformed list"),
        ({"format": fmt, "root": "tensor"}, {}, "malformed entry"),
        ({"format": fmt, "root": {"dict": [["a", {"tensor": "t9"}]]}}, {}, "missing array 't9'"),
        ({"format": fmt, "root": {"tensor": "t0", "requires_grad": True}},
         {"t0": numpy.arange(2)}, "invalid requires_grad True for dtype int64"),
        ({"format": fmt, "root": {"value": [1]}}, {}, "malformed value"),
        ({"format": "other-9", "root": {"value": 1}}, {}, "unsupported format 'other-9'"),
        ([1, 2], {}, "malformed structure"),
        ({"format": fmt}, {}, "malformed structure"),
    ]
    for i, (structure, arrays, message) in enumerate(cases):
        path = _archive(tmp_path / f"bad{i}.pt", structure, **arrays)
        with pytest.raises(ValueError, match=message):
            minigrad.load(path)


def test_load_names_npy_files_and_torch_checkpoints(tmp_path: Path) -> None:
    npy = tmp_path / "array.npy"
    numpy.save(npy, numpy.zeros(3))
    with pytest.raises(ValueError, match=r"single NumPy array \(\.npy\), not an archive written "
                                         r"by minigrad\.save"):
        minigrad.load(npy)
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ValueError, match=r"neither a minigrad checkpoint nor a torch\.save"):
        minigrad.load(plain)


def test_numpy_scalars_are_saved_as_python_scalars() -> None:
    buffer = io.BytesIO()
    minigrad.save({"b": numpy.bool_(True), "f": numpy.float32(0.5), "i": numpy.int64(3),
                   "u": numpy.uint8(7)}, buffer)
    buffer.seek(0)
    loaded = minigrad.load(buffer)
    assert loaded == {"b": True, "f": 0.5, "i": 3, "u": 7}
    assert [type(loaded[k]) for k in "bfiu"] == [bool, float, int, int]
