"""Tensor creation, attributes, conversion, dtypes and promotion, shape errors."""

from __future__ import annotations

import numpy
import pytest

import minigrad
from minigrad.testing import assert_close


def test_creation_functions(backend: minigrad.backends.Backend) -> None:
    assert minigrad.zeros(2, 3).shape == (2, 3)
    assert minigrad.ones((2, 3)).tolist() == [[1.0] * 3] * 2
    assert minigrad.full((2,), 7).tolist() == [7, 7]
    assert minigrad.full((2,), 7).dtype == minigrad.int64
    assert minigrad.full((2,), 1.5).dtype == minigrad.float32
    assert minigrad.empty(4).shape == (4,)
    assert minigrad.arange(4).tolist() == [0, 1, 2, 3]
    assert minigrad.arange(1, 2, 0.5).tolist() == [1.0, 1.5]
    assert minigrad.arange(4).dtype == minigrad.int64
    assert_close(minigrad.linspace(0, 1, 3), [0.0, 0.5, 1.0])
    assert minigrad.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    x = minigrad.randn(3, 2, dtype=minigrad.float64)
    for like in (minigrad.zeros_like, minigrad.ones_like, minigrad.rand_like,
                 minigrad.randn_like, minigrad.empty_like):
        y = like(x)
        assert y.shape == x.shape and y.dtype == x.dtype and y.backend is x.backend
    assert minigrad.full_like(x, 2.0).tolist() == [[2.0, 2.0]] * 3
    r = minigrad.randint(0, 5, (100,))
    assert r.dtype == minigrad.int64 and int(r.min()) >= 0 and int(r.max()) < 5
    u = minigrad.rand(1000)
    assert float(u.min()) >= 0 and float(u.max()) < 1


def test_tensor_dtype_inference(backend: minigrad.backends.Backend) -> None:
    assert minigrad.tensor([1.0, 2.0]).dtype == minigrad.float32
    assert minigrad.tensor([1, 2]).dtype == minigrad.int64
    assert minigrad.tensor([True]).dtype == minigrad.bool
    assert minigrad.tensor(numpy.zeros(2)).dtype == minigrad.float64
    assert minigrad.tensor([1, 2], dtype=minigrad.float64).dtype == minigrad.float64
    assert minigrad.tensor([0.2], dtype=minigrad.float64).item() == 0.2  # no float32 detour
    with pytest.raises(TypeError, match="not supported"):
        minigrad.tensor([1.0], dtype=numpy.complex64)
    with pytest.raises(TypeError, match="can't make a tensor"):
        minigrad.tensor(["a"])


def test_manual_seed_is_reproducible(backend: minigrad.backends.Backend) -> None:
    minigrad.manual_seed(42)
    a = minigrad.randn(5).tolist()
    minigrad.manual_seed(42)
    assert minigrad.randn(5).tolist() == a
    assert minigrad.randn(5).tolist() != a


def test_attributes_and_conversion(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.ndim == 2 and x.size() == (2, 3) and x.size(1) == 3 and x.numel() == 6
    assert x.T.shape == (3, 2) and len(x) == 2
    assert [row.tolist() for row in x] == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert isinstance(x.numpy(), numpy.ndarray)
    assert x[1, 2].item() == 6.0 and float(x[0, 0]) == 1.0 and int(x[0, 1]) == 2
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    assert str(x.device) == backend.device
    with pytest.raises(ValueError, match="one element"):
        x.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    w = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()


def device_suffix(backend: minigrad.backends.Backend) -> str:
    """What PyTorch's repr adds for a tensor off the CPU: ``, device='cuda:0'``."""
    return "" if backend.device == "cpu" else f", device='{backend.device}'"


def test_repr(backend: minigrad.backends.Backend) -> None:
    on = device_suffix(backend)
    assert repr(minigrad.tensor([1.0, 2.0], requires_grad=True)) == (
        f"tensor([1., 2.]{on}, requires_grad=True)")
    y = minigrad.tensor([1.0], requires_grad=True) * 2
    assert repr(y) == f"tensor([2.]{on}, grad_fn=<MulBackward>)"
    assert "dtype=minigrad.float64" in repr(minigrad.zeros(1, dtype=minigrad.float64))


def test_type_promotion_follows_pytorch(backend: minigrad.backends.Backend) -> None:
    i = minigrad.tensor([1, 2])
    f = minigrad.tensor([1.0, 2.0])
    assert (i * 1.5).dtype == minigrad.float32
    assert (i * 2).dtype == minigrad.int64
    assert (i * f).dtype == minigrad.float32  # NumPy would give float64
    assert (f * f.double()).dtype == minigrad.float64
    assert (i / 2).dtype == minigrad.float32
    assert (minigrad.tensor([True]) + 1).dtype == minigrad.int64
    assert (2.0 - f).tolist() == [1.0, 0.0]
    assert (2 ** minigrad.tensor([1.0, 3.0])).tolist() == [2.0, 8.0]


def test_casts(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.7, -2.2], requires_grad=True)
    assert x.double().dtype == minigrad.float64 and x.double().requires_grad
    assert x.long().tolist() == [1, -2] and not x.long().requires_grad
    assert x.int().dtype == minigrad.int32
    assert x.bool().tolist() == [True, True]
    assert x.to(minigrad.float64).to("float32").dtype == minigrad.float32
    assert minigrad.tensor([1, 2]).float().dtype == minigrad.float32


def test_comparisons_and_arg_reductions_have_no_grad(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    for result in (x > 2, x == 1.0, x <= x, x != 2, x.argmax(), x.argmin(dim=1)):
        assert not result.requires_grad
    assert (x > 2).tolist() == [[False, True], [True, False]]
    assert x.argmax().item() == 2 and x.argmax(dim=1).tolist() == [1, 0]
    assert x.argmin(dim=0, keepdim=True).shape == (1, 2)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]


def test_softmax_family_is_stable(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([[1000.0, 0.0, -1000.0]])
    assert_close(x.logsumexp(1), [1000.0])
    assert_close(x.softmax(1), [[1.0, 0.0, 0.0]])
    assert_close(x.log_softmax(1), [[0.0, -1000.0, -2000.0]])
    assert numpy.isfinite(x.log_softmax(1).numpy()).all()
    y = minigrad.tensor([-1000.0, -1000.0])
    assert_close(y.logsumexp(0), -1000.0 + numpy.log(2.0), rtol=1e-6, atol=1e-3)


def test_reductions_values(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum().item() == 10.0 and x.sum(0).tolist() == [4.0, 6.0]
    assert x.mean(1, keepdim=True).shape == (2, 1)
    assert_close(x.var(), numpy.var([1, 2, 3, 4], ddof=1))
    assert_close(x.std(0, correction=0), [1.0, 1.0])
    assert x.prod().item() == 24.0
    assert minigrad.tensor([True, True, False]).sum().item() == 2


def test_shape_errors_name_the_shapes(backend: minigrad.backends.Backend) -> None:
    a, b = minigrad.ones(2, 3), minigrad.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"\(2, 3\) and \(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match=r"operands could not be broadcast|shapes"):
        a + minigrad.ones(4)
    with pytest.raises(RuntimeError, match=r"shape \(4, 4\) is invalid for a tensor of shape"):
        a.reshape(4, 4)
    with pytest.raises(IndexError, match="out of range"):
        a.sum(dim=2)
    with pytest.raises(RuntimeError, match="only size-1 dimensions expand"):
        a.expand(4, 3)
    with pytest.raises(RuntimeError, match="does not match"):
        minigrad.cat([a, b])
    with pytest.raises(RuntimeError, match="shape"):
        minigrad.stack([a, b])


def test_indexing_values(backend: minigrad.backends.Backend) -> None:
    x = minigrad.arange(12).reshape(3, 4)
    assert x[1].tolist() == [4, 5, 6, 7]
    assert x[:, ::2].tolist() == [[0, 2], [4, 6], [8, 10]]
    assert x[..., -1].tolist() == [3, 7, 11]
    assert x[None].shape == (1, 3, 4)
    assert x[x > 9].tolist() == [10, 11]
    assert x[minigrad.tensor([2, 0])].tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]
    x[0, 0] = 100
    assert x[0, 0].item() == 100


def test_split_chunk_stack_pad(backend: minigrad.backends.Backend) -> None:
    x = minigrad.arange(10)
    assert [p.tolist() for p in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [len(p) for p in x.chunk(3)] == [4, 4, 2]
    assert minigrad.stack([x, x], 1).shape == (10, 2)
    p = minigrad.nn.functional.pad(minigrad.ones(1, 2), (1, 1), value=0.0)
    assert p.tolist() == [[0.0, 1.0, 1.0, 0.0]]


def test_in_place_helpers(backend: minigrad.backends.Backend) -> None:
    x = minigrad.zeros(3)
    x.fill_(2.0)
    x.add_(1.0)
    x.mul_(2.0)
    x.sub_(minigrad.ones(3), alpha=2)
    assert x.tolist() == [4.0, 4.0, 4.0]
    x.copy_(minigrad.tensor([1.0, 9.0, -3.0]))
    x.clamp_(0.0, 5.0)
    assert x.tolist() == [1.0, 5.0, 0.0]
    x.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0]
    i = minigrad.tensor([1, 2])
    with pytest.raises((RuntimeError, TypeError)):
        i += 0.5


def test_numpy_scalars_and_zero_d_promotion(backend: minigrad.backends.Backend) -> None:
    f = minigrad.ones(2)
    assert (f * numpy.float32(2)).tolist() == [2.0, 2.0]
    assert (minigrad.tensor([1, 2]) + numpy.int64(1)).dtype == minigrad.int64
    assert (f + minigrad.tensor(1.0, dtype=minigrad.float64)).dtype == minigrad.float32
    assert (minigrad.tensor([1, 2]) + minigrad.tensor(1.5, dtype=minigrad.float64)).dtype == (
        minigrad.float64)
    assert (minigrad.tensor([1, 2], dtype=minigrad.int32) + minigrad.tensor(1)).dtype == (
        minigrad.int32)
    assert minigrad.tensor(numpy.float64(1.0)).dtype == minigrad.float64
    assert minigrad.arange(numpy.int64(3)).dtype == minigrad.int64


def test_pytorch_call_forms(backend: minigrad.backends.Backend) -> None:
    assert minigrad.randint(5, (3,)).shape == (3,)
    x = minigrad.ones(2)
    assert x.to(dtype=minigrad.float64).dtype == minigrad.float64
    assert x.to(device=backend.device).backend is backend
    assert x.to(minigrad.zeros(1, dtype=minigrad.float64)).dtype == minigrad.float64
    assert minigrad.where(minigrad.tensor([True, False]), 1.0, 0).tolist() == [1.0, 0.0]
    assert minigrad.tensor([1, 5]).clamp(max=2.5).tolist() == [1.0, 2.5]
    assert minigrad.ones(2, 3).sum(()).item() == 6.0
    assert minigrad.arange(6).reshape(2, 3)[[]].shape == (0, 3)


def test_operators_without_gradient(backend: minigrad.backends.Backend) -> None:
    m = minigrad.tensor([True, False])
    assert (m & True).tolist() == [True, False] and (False | m).tolist() == [True, False]
    assert (m ^ True).tolist() == [False, True]
    assert (minigrad.tensor([5, -7]) // 2).tolist() == [2, -4]
    assert (minigrad.tensor([5.0, -7.0]) % 3).tolist() == [2.0, 2.0]
    assert minigrad.tensor([[True, False], [True, True]]).all(dim=1).tolist() == [False, True]
    assert minigrad.tensor([[0, 0], [0, 1]]).any(1, keepdim=True).shape == (2, 1)
    assert (minigrad.ones(1) == None) is False  # noqa: E711 (PyTorch's answer)


def test_remainder_gradient(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([5.0, -7.0], requires_grad=True)
    (x % 3).sum().backward()
    assert_close(x.grad, [1.0, 1.0])


def test_more_shape_errors(backend: minigrad.backends.Backend) -> None:
    with pytest.raises(RuntimeError, match="leading"):
        minigrad.ones(3, 1).expand(-1, 3, 4)
    with pytest.raises(RuntimeError, match="more than once"):
        minigrad.ones(2, 3).sum((0, 0))
    with pytest.raises(ValueError, match="positive"):
        minigrad.ones(4).chunk(0)
    with pytest.raises(ValueError, match="non-zero"):
        minigrad.arange(0, 5, 0)
    with pytest.raises(IndexError, match=r"mask of shape \(3,\) does not match"):
        minigrad.arange(6).reshape(2, 3)[minigrad.tensor([True, False, True])]
    with pytest.raises(RuntimeError, match="size 3 at dimension 0"):
        minigrad.ones(2, 2).gather(1, minigrad.zeros(3, 1, dtype=minigrad.int64))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        minigrad.zeros(2, 2)[0] = minigrad.ones(3)


def test_repr_matches_pytorch_layout(backend: minigrad.backends.Backend) -> None:
    on = device_suffix(backend)
    assert repr(minigrad.tensor([1.5, 2.0, 3.25])) == f"tensor([1.5000, 2.0000, 3.2500]{on})"
    assert repr(minigrad.tensor([1e-8, 1.0])) == f"tensor([1.0000e-08, 1.0000e+00]{on})"
    assert repr(minigrad.zeros(0, 3)) == f"tensor([]{on}, size=(0, 3))"  # device first


def test_assert_close_checks_dtypes_and_nan() -> None:
    with pytest.raises(AssertionError, match="dtypes differ"):
        assert_close(minigrad.ones(1), minigrad.ones(1, dtype=minigrad.float64))
    with pytest.raises(AssertionError):
        assert_close(minigrad.tensor([float("nan")]), [float("nan")])
    assert_close(minigrad.tensor([float("nan")]), [float("nan")], equal_nan=True)


def test_printing_float16_gives_no_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # creating inf from 1e5 may warn; printing must not
        values = minigrad.tensor([100.0, 1.0, 1e5, float("nan")], dtype=minigrad.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = repr(values)
        assert repr(minigrad.tensor([60000.0, 1.0], dtype=minigrad.float16)) == (
            "tensor([6.0000e+04, 1.0000e+00], dtype=minigrad.float16)"
        )
    assert text == "tensor([100.,   1.,  inf,  nan], dtype=minigrad.float16)"
    assert repr(minigrad.full((2,), 1000.0, dtype=minigrad.float16)) == (
        "tensor([1000., 1000.], dtype=minigrad.float16)")  # as PyTorch, not 1.e+03
