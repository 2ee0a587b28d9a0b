"""The statements of docs/pytorch.md ("Coming from PyTorch") hold, and its example runs.

Statements about PyTorch's own behaviour are checked against torch where it is installed.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy
import pytest

import minigrad
from minigrad import nn

PAGE = Path(__file__).resolve().parent.parent / "docs" / "pytorch.md"


def test_names_in_the_import_table_exist() -> None:
    import minigrad.autograd
    import minigrad.data
    import minigrad.testing

    for module, name in [(minigrad.data, "DataLoader"), (minigrad.data, "TensorDataset"),
                         (minigrad.autograd, "Function"), (minigrad.testing, "gradcheck"),
                         (minigrad.testing, "gradgradcheck"), (minigrad.testing, "assert_close"),
                         (minigrad, "manual_seed"), (minigrad, "save"), (minigrad, "load")]:
        assert hasattr(module, name), f"{module.__name__}.{name}"
    assert minigrad.grad is minigrad.autograd.grad


def test_devices_dtypes_and_promotion() -> None:
    t = minigrad.randn(2)
    assert str(t.device) == "cpu" and t.device == minigrad.device("cpu")
    assert minigrad.float32 == numpy.dtype("float32") and str(t.dtype) == "float32"
    assert not hasattr(minigrad, "bfloat16")
    with pytest.raises(TypeError, match="complex128 is not supported"):
        minigrad.tensor([1 + 2j])
    ints, floats = minigrad.tensor([1, 2]), minigrad.tensor([1.0, 2.0])
    assert (ints * floats).dtype == minigrad.float32          # float beats int, no float64
    assert (ints * 2.5).dtype == minigrad.float32             # Python scalars do not widen
    assert (minigrad.tensor([1, 2], dtype=minigrad.int32) * 3).dtype == minigrad.int32
    assert minigrad.tensor([1, 2]).dtype == minigrad.int64
    assert minigrad.Tensor([1, 2]).dtype == minigrad.FloatTensor([1, 2]).dtype == minigrad.float32


def test_max_with_dim_amax_ties_and_non_leaf_grad() -> None:
    v = minigrad.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    values, indices = v.max(dim=1)
    assert v.max(dim=1).values.tolist() == values.tolist() == [3.0]
    assert v.max(dim=1).indices.tolist() == indices.tolist() == [1]
    v.amax(dim=1).sum().backward()
    assert v.grad.tolist() == [[0.0, 0.5, 0.5]]
    y = v * 2
    y.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None


def test_in_place_through_a_view_changes_the_base_while_recording() -> None:
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    y[0].add_(1)
    y.reshape(4)[3] = 0.0
    assert y.tolist() == [[3.0, 5.0], [6.0, 0.0]]
    (y * y).sum().backward()
    assert x.grad.tolist() == [[12.0, 20.0], [24.0, 0.0]]      # PyTorch's gradient
    leaf = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf tensor .* requires grad"):
        leaf.add_(1)


def test_multiplying_a_view_in_place_reaches_the_base_gradient() -> None:
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    y[0].mul_(10)
    (y * y).sum().backward()
    assert x.grad.tolist() == [[800.0, 1600.0], [24.0, 32.0]]  # what PyTorch gives


def test_stale_saved_tensor_error_names_the_op_and_shape() -> None:
    x = minigrad.randn(3, requires_grad=True)
    y = x.exp()
    loss = y.sum()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"ExpBackward: a tensor of shape \(3,\) .*modified "
                                           r"in place"):
        loss.backward()


def test_save_stores_containers_without_pickle(tmp_path: Path) -> None:
    data = {"w": minigrad.ones(2), "meta": ["a", 1, 2.5], "pair": (minigrad.zeros(1), 3)}
    minigrad.save(data, tmp_path / "f.npz")
    back = minigrad.load(tmp_path / "f.npz")
    assert back["meta"] == ["a", 1, 2.5] and back["w"].tolist() == [1.0, 1.0]
    assert isinstance(back["pair"], tuple) and back["pair"][1] == 3
    with numpy.load(tmp_path / "f.npz", allow_pickle=False) as archive:
        assert archive.files  # readable with pickling switched off


def test_not_provided_list_is_true() -> None:
    for name in ("fft", "jit", "complex64", "sparse_coo_tensor"):
        assert not hasattr(minigrad, name), name
    for name in ("RNN", "LSTM", "GRU"):
        assert not hasattr(nn, name), name
    assert hasattr(minigrad, "matmul")


def test_gradcheck_defaults_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    import inspect

    ours = inspect.signature(minigrad.testing.gradcheck).parameters
    theirs = inspect.signature(torch.autograd.gradcheck).parameters
    for name in ("eps", "atol", "rtol", "raise_exception"):
        assert ours[name].default == theirs[name].default, name


def test_pytorch_behaviour_the_page_describes() -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    y[0].mul_(10)
    (y * y).sum().backward()
    assert x.grad.tolist() == [[800.0, 1600.0], [24.0, 32.0]]
    assert torch.Tensor([1, 2]).dtype == torch.float32
    assert (torch.tensor([1, 2]) * torch.tensor([1.0, 2.0])).dtype == torch.float32


def test_the_port_checking_example_runs() -> None:
    pytest.importorskip("torch")
    blocks = re.findall(r"^```py\n(.*?)^```", PAGE.read_text(encoding="utf-8"),
                        re.MULTILINE | re.DOTALL)
    (example,) = [b for b in blocks if "import torch" in b]
    exec(compile(example, str(PAGE), "exec"), {"__name__": "__docs__"})
