"""Tensor.unfold, round(decimals=), randint_like, minigrad.version, the CUDA memory
queries and pin_memory, against PyTorch where it is installed."""

from __future__ import annotations

import numpy
import pytest

import minigrad

GPU = minigrad.cuda.is_available()


@pytest.mark.parametrize(("shape", "args"), [
    ((7, 3), (0, 2, 1)), ((3, 8), (1, 3, 2)), ((2, 3, 6), (-1, 2, 2)), ((5,), (0, 5, 3)),
    ((5,), (0, 0, 1)), ((), (0, 1, 1)), ((), (-1, 0, 2)),
])
def test_unfold_matches_pytorch_values_shape_and_gradient(shape: tuple[int, ...],
                                                          args: tuple[int, int, int]) -> None:
    torch = pytest.importorskip("torch")
    values = numpy.random.default_rng(1).standard_normal(shape)
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(values, requires_grad=True)
        y = x.unfold(*args)
        weights = lib.tensor(numpy.arange(y.numel(), dtype=float).reshape(tuple(y.shape)))
        (y * weights).sum().backward()
        results.append((tuple(y.shape), y.detach().numpy(), x.grad.numpy()))
    (shape_a, y_a, g_a), (shape_b, y_b, g_b) = results
    assert shape_a == shape_b
    numpy.testing.assert_array_equal(y_a, y_b)
    numpy.testing.assert_allclose(g_a, g_b)


def test_unfold_is_a_view_sharing_memory_and_version() -> None:
    x = minigrad.arange(6.0)
    y = x.unfold(0, 2, 2)
    assert numpy.shares_memory(y.numpy(), x.numpy())
    x.add_(1)
    assert y.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]] and y._version == x._version
    z = minigrad.arange(6.0, requires_grad=True) * 1
    z.unfold(0, 2, 2).mul_(2)  # through the view, recorded: the gradient sees it
    z.sum().backward()


@pytest.mark.parametrize(("args", "error", "message"), [
    ((0, 7, 1), RuntimeError, "maximum size for tensor at dimension 0 is 6 but size is 7"),
    ((0, 2, 0), RuntimeError, "step is 0 but must be > 0"),
    ((0, -1, 1), RuntimeError, "size is -1 but must be >= 0"),
    ((1, 2, 1), IndexError, "out of range"),
])
def test_unfold_errors_follow_pytorch(args: tuple[int, int, int], error: type[Exception],
                                      message: str) -> None:
    with pytest.raises(error, match=message):
        minigrad.arange(6.0).unfold(*args)


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
def test_round_with_decimals_matches_pytorch(decimals: int) -> None:
    torch = pytest.importorskip("torch")
    values = numpy.random.default_rng(2).standard_normal(50) * 300
    for dtype in ("float32", "float64"):
        ours = minigrad.tensor(values.astype(dtype)).round(decimals=decimals)
        theirs = torch.round(torch.tensor(values.astype(dtype)), decimals=decimals)
        numpy.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    x = minigrad.tensor([1.26], requires_grad=True)
    minigrad.round(x, decimals=1).sum().backward()
    assert x.grad.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="integer tensors"):
        minigrad.tensor([15, 26]).round(decimals=-1)


def test_randint_like_follows_pytorch() -> None:
    x = minigrad.zeros(200, 3)
    high_only = minigrad.randint_like(x, 5)
    assert high_only.shape == (200, 3) and high_only.dtype == minigrad.float32
    assert set(high_only.unique().tolist()) == {0.0, 1.0, 2.0, 3.0, 4.0}
    ranged = minigrad.randint_like(x, 2, high=4, dtype=minigrad.int64)
    assert ranged.dtype == minigrad.int64 and set(ranged.unique().tolist()) == {2, 3}
    assert minigrad.randint_like(minigrad.zeros(2, dtype=minigrad.int32), 3).dtype == \
        minigrad.int32
    minigrad.manual_seed(0)
    first = minigrad.randint_like(x, 100)
    minigrad.manual_seed(0)
    assert minigrad.equal(first, minigrad.randint_like(x, 100))
    with pytest.raises(RuntimeError, match="low=5 >= high=2"):
        minigrad.randint_like(x, 5, 2)


def test_version_module() -> None:
    assert minigrad.version.__version__ == minigrad.__version__
    if GPU:
        cuda = minigrad.version.cuda
        assert isinstance(cuda, str) and cuda.split(".")[0].isdigit()
    else:
        assert minigrad.version.cuda is None
    with pytest.raises(AttributeError, match="hip"):
        minigrad.version.hip  # noqa: B018


def test_cuda_memory_queries() -> None:
    queries = (minigrad.cuda.memory_allocated, minigrad.cuda.max_memory_allocated,
               minigrad.cuda.memory_reserved, minigrad.cuda.max_memory_reserved)
    minigrad.cuda.reset_peak_memory_stats()
    if not GPU:
        assert [q() for q in queries] == [0, 0, 0, 0]
        return
    before = minigrad.cuda.memory_allocated()
    x = minigrad.ones(1024, 1024, device="cuda")
    assert minigrad.cuda.memory_allocated() >= before + 4 * 1024 * 1024
    assert minigrad.cuda.memory_reserved() >= minigrad.cuda.memory_allocated()
    del x
    assert minigrad.cuda.max_memory_allocated() >= before + 4 * 1024 * 1024


def test_pin_memory() -> None:
    x = minigrad.ones(2)
    if GPU:
        assert x.pin_memory() is x
    else:
        with pytest.raises(RuntimeError,
                           match="Cannot access accelerator device when none is available"):
            x.pin_memory()
