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
    assert back["t"].device == "cpu"  # type: ignore[index]
    numpy.testing.assert_array_equal(back["t"].numpy(), t._host())  # type: ignore[index]
    here = round_trip({"t": minigrad.randn(2, device="numpy")})
    assert here["t"].backend is backend  # type: ignore[index]


def test_unsafe_or_foreign_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"can't store a object at obj\['bad'\]"):
        minigrad.save({"bad": object()}, io.BytesIO())
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
