"""NumPy and DLPack interop: __array__, __dlpack__, from_dlpack, from_numpy, as_tensor."""

from __future__ import annotations

import warnings

import numpy
import pytest

import minigrad
from minigrad import nn


# --- numpy.asarray(t) (issue 12 item 8) ----------------------------------------------------
def test_asarray_refuses_tensors_that_require_grad_as_pytorch_does() -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    for convert in (numpy.asarray, numpy.array, lambda t: numpy.add(t, 1)):
        with pytest.raises(RuntimeError, match=r"requires grad.*use tensor\.detach"):
            convert(x)
    with pytest.raises(RuntimeError, match="requires grad"):
        numpy.asarray(nn.Linear(2, 2).weight)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="requires grad"):
        numpy.asarray(torch.ones(2, requires_grad=True))


def test_asarray_can_not_bypass_the_version_counter() -> None:
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = y * y  # saves y for backward
    with pytest.raises(RuntimeError):
        numpy.asarray(y)[0] = 100.0  # would have changed y behind autograd's back
    z.sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])  # type: ignore[union-attr]
    d = y.detach()
    numpy.asarray(d)[0] = 5.0  # a detached tensor shares memory, as .numpy() does
    assert y[0].item() == 5.0


def test_asarray_matches_numpy_method() -> None:
    t = minigrad.arange(4.0)
    a = numpy.asarray(t)
    assert a is t.numpy() or numpy.shares_memory(a, t.numpy())
    assert numpy.asarray(t, dtype=numpy.float64).dtype == numpy.float64
    assert not numpy.shares_memory(numpy.array(t, copy=True), t.numpy())
    assert numpy.shares_memory(numpy.asarray(t, copy=False), t.numpy())
    with pytest.raises(ValueError, match="without a copy"):
        numpy.asarray(t, dtype=numpy.float64, copy=False)


# --- from_numpy and as_tensor ----------------------------------------------------------------
def test_from_numpy_shares_memory_and_keeps_dtype() -> None:
    a = numpy.arange(6.0).reshape(2, 3)
    t = minigrad.from_numpy(a)
    assert t.dtype == minigrad.float64 and str(t.device) == "cpu" and not t.requires_grad
    a[0, 0] = 9.0
    assert t[0, 0].item() == 9.0
    t.mul_(2)
    assert a[0, 0] == 18.0
    view = minigrad.from_numpy(a[:, ::2])  # strided views too
    numpy.testing.assert_array_equal(view.numpy(), a[:, ::2])
    class Subclass(numpy.ndarray):
        pass

    plain = minigrad.from_numpy(numpy.arange(2.0).view(Subclass))
    assert type(plain.numpy()) is numpy.ndarray


def test_from_numpy_errors() -> None:
    with pytest.raises(TypeError, match=r"from_numpy: expected a numpy\.ndarray, got list"):
        minigrad.from_numpy([1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="from_numpy: can't convert an array of dtype uint32"):
        minigrad.from_numpy(numpy.zeros(2, dtype=numpy.uint32))
    with pytest.raises(ValueError, match="byte order"):
        minigrad.from_numpy(numpy.zeros(2, dtype=">f4"))
    frozen = numpy.zeros(2)
    frozen.flags.writeable = False
    with pytest.warns(UserWarning, match="read-only"):
        minigrad.from_numpy(frozen)


def test_as_tensor_follows_pytorch() -> None:
    a = numpy.ones(3, dtype=numpy.float32)
    shared = minigrad.as_tensor(a)
    a[0] = 4.0
    assert shared[0].item() == 4.0  # same dtype and device: no copy
    copied = minigrad.as_tensor(a, dtype=minigrad.float64)
    a[1] = 5.0
    assert copied[1].item() == 1.0 and copied.dtype == minigrad.float64
    t = minigrad.ones(2, requires_grad=True)
    assert minigrad.as_tensor(t) is t
    assert minigrad.as_tensor(t, dtype=minigrad.float32) is t
    converted = minigrad.as_tensor(t, dtype=minigrad.float64)
    assert converted.dtype == minigrad.float64 and converted.requires_grad  # keeps the graph
    converted.sum().backward()
    numpy.testing.assert_array_equal(t.grad.numpy(), [1.0, 1.0])  # type: ignore[union-attr]
    listed = minigrad.as_tensor([1.0, 2.0])
    assert listed.dtype == minigrad.float32
    assert minigrad.as_tensor([1, 2]).dtype == minigrad.int64
    assert str(minigrad.as_tensor(a, device="cpu").device) == "cpu"
    torch = pytest.importorskip("torch")
    assert str(torch.as_tensor([1.0]).dtype) == "torch.float32"


# --- DLPack ----------------------------------------------------------------------------------
def test_dlpack_round_trip_with_numpy_shares_memory() -> None:
    t = minigrad.arange(4.0)
    assert t.__dlpack_device__() == (1, 0)
    a = numpy.from_dlpack(t)
    a[0] = 42.0
    assert t[0].item() == 42.0
    back = minigrad.from_dlpack(a)
    back.add_(1)
    numpy.testing.assert_array_equal(t.numpy(), [43.0, 2.0, 3.0, 4.0])
    same = minigrad.from_dlpack(t)
    same.zero_()
    assert t.sum().item() == 0.0
    copied = minigrad.from_dlpack(numpy.ones(2), copy=True)
    assert copied.dtype == minigrad.float64
    strided = numpy.arange(12.0).reshape(3, 4)[:, 1::2]
    numpy.testing.assert_array_equal(minigrad.from_dlpack(strided).numpy(), strided)


def test_dlpack_refuses_tensors_that_require_grad() -> None:
    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match=r"requires grad.*detach"):
        numpy.from_dlpack(x)
    with pytest.raises(BufferError, match="requires grad"):
        minigrad.from_dlpack(x)
    numpy.from_dlpack(x.detach())  # fine once detached


def test_from_dlpack_errors() -> None:
    with pytest.raises(TypeError, match=r"expected an object with __dlpack__.*got list"):
        minigrad.from_dlpack([1, 2])
    with pytest.raises(TypeError, match="from_dlpack: dtype uint32 is not supported"):
        minigrad.from_dlpack(numpy.zeros(2, dtype=numpy.uint32))

    class OnAnotherDevice:
        def __dlpack__(self, **kwargs: object) -> None:
            raise AssertionError("not reached")

        def __dlpack_device__(self) -> tuple[int, int]:
            return (10, 0)  # ROCm

    with pytest.raises(RuntimeError, match=r"DLPack device ROCM.*CPU \(numpy\) and on CUDA"):
        minigrad.from_dlpack(OnAnotherDevice())


def test_dlpack_with_pytorch_is_zero_copy_both_ways() -> None:
    torch = pytest.importorskip("torch")
    t = minigrad.arange(6, dtype=minigrad.float32).reshape(2, 3)
    pt = torch.from_dlpack(t)
    assert pt.dtype == torch.float32 and pt.shape == (2, 3)
    pt[0, 0] = 7.0
    assert t[0, 0].item() == 7.0
    source = torch.arange(4, dtype=torch.int64)
    mine = minigrad.from_dlpack(source)
    mine.add_(10)
    assert source.tolist() == [10, 11, 12, 13]
    with pytest.raises(BufferError, match="require gradient"):
        minigrad.from_dlpack(torch.ones(2, requires_grad=True))
    with pytest.raises(BufferError, match="requires grad"):
        torch.from_dlpack(minigrad.ones(2, requires_grad=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = minigrad.from_dlpack(torch.arange(10.0)[::3])
    numpy.testing.assert_array_equal(view.numpy(), [0.0, 3.0, 6.0, 9.0])


def test_dlpack_with_cupy(backend: minigrad.backends.Backend) -> None:
    """On the CuPy backend: CuPy arrays in and out without leaving the GPU."""
    if backend.name != "cupy":
        pytest.skip("needs the CuPy backend")
    import cupy

    t = minigrad.arange(4.0, device="cuda")
    c = cupy.from_dlpack(t)
    c[0] = 5.0
    assert t[0].item() == 5.0
    back = minigrad.from_dlpack(cupy.ones(3))
    assert back.device.startswith("cuda") and back.backend is backend
    host = minigrad.from_dlpack(cupy.ones(2), device="cpu")
    assert str(host.device) == "cpu"


def test_dlpack_with_jax() -> None:
    jnp = pytest.importorskip("jax.numpy")
    t = minigrad.from_dlpack(jnp.arange(3.0))
    numpy.testing.assert_array_equal(t.numpy(), [0.0, 1.0, 2.0])
    import jax

    back = jax.dlpack.from_dlpack(minigrad.arange(3.0))
    numpy.testing.assert_array_equal(numpy.asarray(back), [0.0, 1.0, 2.0])
