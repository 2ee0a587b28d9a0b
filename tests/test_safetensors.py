"""minigrad.save / minigrad.load with .safetensors files (the safetensors package)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

import minigrad
from minigrad import nn

safetensors_numpy = pytest.importorskip("safetensors.numpy")


def small_cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                         nn.Linear(2 * 4 * 4, 3))


def test_state_dict_round_trip_is_exact(tmp_path: Path) -> None:
    minigrad.manual_seed(0)
    model = small_cnn()
    model(minigrad.randn(4, 1, 6, 6))  # moves the running statistics
    path = tmp_path / "model.safetensors"
    minigrad.save(model.state_dict(), path)
    raw = safetensors_numpy.load_file(str(path))  # a real safetensors file
    assert set(raw) == set(model.state_dict())
    loaded = minigrad.load(path)
    fresh = small_cnn()
    fresh.load_state_dict(loaded)
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
        numpy.testing.assert_array_equal(fresh.state_dict()[key].numpy(), value.numpy())
    assert not any(t.requires_grad for t in loaded.values())


def test_format_is_chosen_by_suffix_and_detected_by_content(tmp_path: Path) -> None:
    state = {"w": minigrad.ones(2, 2), "n": minigrad.tensor(3)}
    by_name = tmp_path / "a.safetensors"
    minigrad.save(state, by_name)
    assert by_name.read_bytes()[8:9] == b"{"  # safetensors' header, not a zip
    other = tmp_path / "a.pt"
    minigrad.save(state, other)
    assert other.read_bytes()[:2] == b"PK"
    renamed = tmp_path / "renamed.bin"  # loading goes by the content, whatever the name
    renamed.write_bytes(by_name.read_bytes())
    assert set(minigrad.load(renamed)) == {"w", "n"}
    with open(tmp_path / "open.safetensors", "wb") as f:  # an open file's name counts too
        minigrad.save(state, f)
    with open(tmp_path / "open.safetensors", "rb") as f:
        numpy.testing.assert_array_equal(minigrad.load(f)["w"].numpy(), numpy.ones((2, 2)))
    buffer = io.BytesIO()  # no name: minigrad's format
    minigrad.save(state, buffer)
    assert buffer.getvalue()[:2] == b"PK"


def test_only_flat_dicts_of_tensors_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match=r"holds a flat dict of tensors .* not a list"):
        minigrad.save([minigrad.ones(1)], path)
    with pytest.raises(TypeError, match=r"obj\['step'\] is of type int; save it in a \.pt"):
        minigrad.save({"w": minigrad.ones(1), "step": 3}, path)
    with pytest.raises(TypeError, match=r"obj\['inner'\] is of type dict"):
        minigrad.save({"inner": {"w": minigrad.ones(1)}}, path)
    with pytest.raises(TypeError, match="keys must be strings"):
        minigrad.save({1: minigrad.ones(1)}, path)
    assert not path.exists()


def test_dtypes_minigrad_lacks_are_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "u32.safetensors"
    safetensors_numpy.save_file({"w": numpy.zeros(2, dtype=numpy.uint32)}, str(path))
    with pytest.raises(ValueError, match=r"tensor 'w' has dtype U32, which minigrad can't hold"):
        minigrad.load(path)


def test_files_written_by_pytorch_load_into_the_matching_model(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                    torch.nn.Flatten(), torch.nn.Linear(2 * 4 * 4, 3))
    reference(torch.randn(4, 1, 6, 6))
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(reference.state_dict(), str(path))
    model = small_cnn()
    model.load_state_dict(minigrad.load(path))
    reference.eval()
    model.eval()
    x = numpy.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(numpy.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    with minigrad.no_grad():
        got = model(minigrad.tensor(x)).numpy()
    numpy.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # and back: PyTorch reads what minigrad writes, into the same architecture
    back = tmp_path / "minigrad.safetensors"
    minigrad.save(model.state_dict(), back)
    reference.load_state_dict(safetensors_torch.load_file(str(back)))
    bf16 = tmp_path / "bf16.safetensors"
    safetensors_torch.save_file({"w": torch.tensor([1.5, -3.0], dtype=torch.bfloat16)},
                                str(bf16))
    loaded = minigrad.load(bf16)["w"]
    assert loaded.dtype == minigrad.float32
    numpy.testing.assert_array_equal(loaded.numpy(), [1.5, -3.0])


def test_missing_package_names_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['safetensors'] = None\n"
        "import minigrad\n"
        "try:\n"
        f"    minigrad.save({{'w': minigrad.ones(1)}}, {str(tmp_path / 'x.safetensors')!r})\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert 'needs the safetensors package: pip install "minigrad-cnn[safetensors]"' in out
