"""Pooling: seed 003's worked examples, gradients of first and second order over a grid,
PyTorch's edge rules (padding, ceil_mode, count_include_pad, ties), errors, and PyTorch as an
oracle when installed."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.backends import Backend
from minigrad.functional.pooling import PoolGather, PoolScatter
from minigrad.nn.functional import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    lp_pool2d,
    max_pool2d,
    max_unpool2d,
    min_pool2d,
)
from minigrad.testing import assert_close, gradcheck, gradgradcheck


def leaf(*shape: int, positive: bool = False) -> minigrad.Tensor:
    t = minigrad.randn(*shape, dtype=minigrad.float64)
    if positive:
        t = t.abs() + 0.5
    return t.detach().requires_grad_()


UPSTREAM = [[2.0, 4.0], [6.0, 8.0]]  # seed 003, section 4.2


# --- seed 003, section 4.2 --------------------------------------------------------------
def test_worked_example_max_pooling(backend: Backend) -> None:
    # maxima at the top-left, top-right, bottom-left and bottom-right of the four windows
    x = minigrad.tensor([[[[9.0, 1.0, 2.0, 9.0],
                           [3.0, 4.0, 5.0, 6.0],
                           [7.0, 8.0, 1.0, 2.0],
                           [9.0, 6.0, 3.0, 9.0]]]], requires_grad=True)
    out, indices = max_pool2d(x, 2, return_indices=True)
    assert indices.tolist() == [[[[0, 3], [12, 15]]]]
    out.backward(minigrad.tensor([[UPSTREAM]]))
    assert x.grad is not None
    assert x.grad.tolist() == [[[[2.0, 0.0, 0.0, 4.0],
                                 [0.0, 0.0, 0.0, 0.0],
                                 [0.0, 0.0, 0.0, 0.0],
                                 [6.0, 0.0, 0.0, 8.0]]]]


def test_worked_example_average_pooling(backend: Backend) -> None:
    x = minigrad.randn(1, 1, 4, 4, requires_grad=True)
    avg_pool2d(x, 2).backward(minigrad.tensor([[UPSTREAM]]))
    assert x.grad is not None
    assert x.grad.tolist() == [[[[0.5, 0.5, 1.0, 1.0],
                                 [0.5, 0.5, 1.0, 1.0],
                                 [1.5, 1.5, 2.0, 2.0],
                                 [1.5, 1.5, 2.0, 2.0]]]]


def test_lp_pooling_gradient_formula(backend: Backend) -> None:
    # seed 003: d||x||_p / dx_i = (sum |x|^p)^(1/p - 1) |x_i|^(p-1)
    host = numpy.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    x = minigrad.tensor(host, requires_grad=True)
    lp_pool2d(x, 3, 2).sum().backward()
    expected = (host**3).sum() ** (1 / 3 - 1) * host**2
    assert x.grad is not None
    assert_close(x.grad, expected)


# --- gradient grid ----------------------------------------------------------------------
# (shape, kernel, stride, padding, dilation, ceil_mode)
WINDOWS = [
    ((1, 2, 5, 5), 2, None, 0, 1, False),
    ((2, 1, 6, 5), 3, 2, 1, 1, True),
    ((1, 2, 5, 7), (3, 2), (2, 1), (1, 1), (1, 2), False),
    ((1, 1, 7, 6), 2, 3, 1, 2, True),
    ((2, 2, 4, 4), (2, 3), 1, (1, 0), 1, False),
    ((3, 5, 5), 3, 1, 1, 1, False),  # unbatched
]
IDS = [str(i) for i in range(len(WINDOWS))]


def _check(fn: Callable[[minigrad.Tensor], Any], x: minigrad.Tensor) -> None:
    assert gradcheck(fn, [x])
    # squaring makes the second derivative non-zero, so it flows through the saved indices
    assert gradgradcheck(lambda t: fn(t) ** 2, [x])


@pytest.mark.parametrize("config", WINDOWS, ids=IDS)
def test_max_and_min_pool_grid(backend: Backend, config: tuple[Any, ...]) -> None:
    shape, k, s, p, d, ceil = config
    x = leaf(*shape)
    _check(lambda t: max_pool2d(t, k, s, p, d, ceil), x)
    _check(lambda t: min_pool2d(t, k, s, p, d, ceil), x)


@pytest.mark.parametrize("config", WINDOWS, ids=IDS)
def test_avg_pool_grid(backend: Backend, config: tuple[Any, ...]) -> None:
    shape, k, s, p, _, ceil = config
    x = leaf(*shape)
    for include in (True, False):
        _check(lambda t, inc=include: avg_pool2d(t, k, s, p, ceil, inc), x)
    _check(lambda t: avg_pool2d(t, k, s, p, ceil, divisor_override=3), x)


@pytest.mark.parametrize("config", WINDOWS, ids=IDS)
def test_lp_pool_grid(backend: Backend, config: tuple[Any, ...]) -> None:
    shape, k, s, _, _, ceil = config
    x = leaf(*shape, positive=True)
    for p in (1.0, 2.0, 3.5):
        _check(lambda t, norm=p: lp_pool2d(t, norm, k, s, ceil), x)


@pytest.mark.parametrize("size", [1, 2, (2, 3), (3, None), (4, 3)])
def test_adaptive_grid(backend: Backend, size: Any) -> None:
    x = leaf(2, 2, 5, 6)
    _check(lambda t: adaptive_avg_pool2d(t, size), x)
    _check(lambda t: adaptive_max_pool2d(t, size), x)


def test_selection_nodes_are_a_closed_pair(backend: Backend) -> None:
    index = minigrad.tensor([[[[0, 5], [5, 11]]]])
    g, x = leaf(1, 1, 2, 2), leaf(1, 1, 3, 4)
    assert gradgradcheck(lambda t: PoolScatter.apply(t, index, input_size=(3, 4)) ** 2, [g])
    assert gradgradcheck(lambda t: PoolGather.apply(t, index) ** 2, [x])


def test_max_unpool(backend: Backend) -> None:
    x = leaf(2, 2, 6, 5)
    out, index = max_pool2d(x, 2, return_indices=True)
    restored = max_unpool2d(out, index, 2, output_size=(6, 5))
    assert restored.shape == (2, 2, 6, 5)
    # every pooled value is back at its place, zeros elsewhere
    assert_close(restored.flatten(2).gather(2, index.flatten(2)), out.flatten(2))
    assert int((restored != 0).sum().item()) == out.numel()
    small, small_index = max_pool2d(leaf(1, 1, 6, 4), 2, return_indices=True)
    assert max_unpool2d(small, small_index, 2).shape == (1, 1, 6, 4)  # default size
    assert gradcheck(lambda t: max_unpool2d(t, index, 2, output_size=(6, 5)), [out.detach()
                                                                              .requires_grad_()])
    y = leaf(2, 2, 3, 2)
    assert gradgradcheck(lambda t: max_unpool2d(t, index, 2, output_size=(6, 5)) ** 2, [y])
    # unbatched
    o3, i3 = max_pool2d(x[0].detach(), 2, return_indices=True)
    assert max_unpool2d(o3, i3, 2, output_size=[6, 5]).shape == (2, 6, 5)


def test_overlapping_windows_unpool_writes_once(backend: Backend) -> None:
    x = minigrad.tensor([[[[1.0, 9.0, 2.0]]]])
    out, index = max_pool2d(x, (1, 2), stride=1, return_indices=True)
    assert index.tolist() == [[[[1, 1]]]]
    assert max_unpool2d(out, index, (1, 2), stride=1).tolist() == [[[[0.0, 9.0, 0.0]]]]


# --- PyTorch's edge rules ---------------------------------------------------------------
def test_ties_send_the_gradient_to_the_first_element(backend: Backend) -> None:
    x = minigrad.tensor([[[[1.0, 3.0], [3.0, 3.0]]]], requires_grad=True)
    out, index = max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    assert index.tolist() == [[[[1]]]]
    assert x.grad is not None
    assert x.grad.tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]
    y = minigrad.tensor([[[[2.0, 0.0], [0.0, 1.0]]]], requires_grad=True)
    min_pool2d(y, 2).sum().backward()
    assert y.grad is not None
    assert y.grad.tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]


def test_padding_never_wins(backend: Backend) -> None:
    negative = -minigrad.ones(1, 1, 3, 3) - minigrad.arange(9.0).reshape(1, 1, 3, 3)
    out = max_pool2d(negative, 3, stride=1, padding=1)  # zeros would win here; -inf does not
    assert float(out.amax().item()) == -1.0
    assert float(min_pool2d(-negative, 3, 1, 1).amin().item()) == 1.0
    # windows holding only -inf (input and padding) point at their first input element
    out, index = max_pool2d(minigrad.full((1, 1, 2, 2), float("-inf")), 2, padding=1,
                            return_indices=True)
    assert index.tolist() == [[[[0, 1], [2, 3]]]]


def test_indices_refer_to_the_unpadded_plane(backend: Backend) -> None:
    x = minigrad.arange(20.0).reshape(1, 1, 4, 5)
    out, index = max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    assert index.tolist() == [[[[6, 8, 9], [16, 18, 19]]]]
    assert out.tolist() == [[[[6.0, 8.0, 9.0], [16.0, 18.0, 19.0]]]]


def test_ceil_mode_and_count_include_pad(backend: Backend) -> None:
    x = minigrad.ones(1, 1, 5, 5)
    assert max_pool2d(x, 2).shape == (1, 1, 2, 2)
    assert max_pool2d(x, 2, ceil_mode=True).shape == (1, 1, 3, 3)
    # last row of windows only holds one real row: the mean of ones is one
    assert avg_pool2d(x, 2, ceil_mode=True).tolist()[0][0][2] == [1.0, 1.0, 1.0]
    # with padding 1, a corner window of 3x3 holds 4 real ones and 5 padded zeros
    corner = avg_pool2d(x, 3, stride=2, padding=1).tolist()[0][0][0][0]
    assert corner == pytest.approx(4 / 9)
    assert avg_pool2d(x, 3, 2, 1, count_include_pad=False).tolist()[0][0][0][0] == 1.0
    assert avg_pool2d(x, 3, 2, 1, divisor_override=2).tolist()[0][0][0][0] == 2.0
    # a ceil-mode window that would start in the right padding is dropped
    assert max_pool2d(minigrad.ones(1, 1, 4, 4), 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)


def test_global_pooling_any_size(backend: Backend) -> None:
    for h, w in [(3, 3), (5, 8), (1, 1)]:
        x = minigrad.randn(2, 4, h, w)
        avg = adaptive_avg_pool2d(x, 1)
        big = adaptive_max_pool2d(x, 1)
        assert avg.shape == big.shape == (2, 4, 1, 1)
        assert_close(avg, x.mean((2, 3), keepdim=True), rtol=1e-6, atol=1e-6)
        assert_close(big, x.amax((2, 3), keepdim=True))


def test_adaptive_windows(backend: Backend) -> None:
    x = minigrad.arange(5.0).reshape(1, 1, 1, 5)
    # 5 -> 3 windows: [0, 2), [1, 4), [3, 5)
    assert adaptive_avg_pool2d(x, (1, 3)).tolist() == [[[[0.5, 2.0, 3.5]]]]
    out, index = adaptive_max_pool2d(x, (1, 3), return_indices=True)
    assert out.tolist() == [[[[1.0, 3.0, 4.0]]]]
    assert index.tolist() == [[[[1, 3, 4]]]]


def test_lp_pool_special_cases(backend: Backend) -> None:
    x = minigrad.tensor([[[[0.0, 0.0, 1.0, -3.0], [0.0, 0.0, 2.0, 2.0]]]], requires_grad=True)
    out = lp_pool2d(x, 2, 2)
    assert out.tolist()[0][0][0] == pytest.approx([0.0, (1 + 9 + 4 + 4) ** 0.5])
    out.sum().backward()
    assert x.grad is not None
    assert x.grad.tolist()[0][0][0][:2] == [0.0, 0.0]  # zero window: zero gradient, not NaN
    assert lp_pool2d(x.detach(), float("inf"), 2).tolist() == [[[[0.0, 3.0]]]]
    assert lp_pool2d(x.detach(), 1, (1, 2)).tolist() == [[[[0.0, -2.0], [0.0, 4.0]]]]


def test_dtype_and_unbatched(backend: Backend) -> None:
    x = minigrad.randn(3, 6, 6)
    for op in (max_pool2d, min_pool2d, avg_pool2d):
        out = op(x, 2)
        assert out.shape == (3, 3, 3) and out.dtype == minigrad.float32
    assert lp_pool2d(x.abs(), 2, 3).shape == (3, 2, 2)
    assert adaptive_avg_pool2d(x, (4, 5)).shape == (3, 4, 5)
    out, index = adaptive_max_pool2d(x, (4, 5), return_indices=True)
    assert out.shape == index.shape == (3, 4, 5)


def test_errors(backend: Backend) -> None:
    x = minigrad.ones(1, 1, 5, 5)
    with pytest.raises(RuntimeError, match=r"input plane 5 x 5 .* gives an output of 0 x 0 "
                                           r"with kernel \(6, 6\)"):
        max_pool2d(x, 6)
    with pytest.raises(ValueError, match=r"padding \(3, 3\) must be at most half of the kernel "
                                         r"\(4, 4\) .*at most 2"):
        max_pool2d(x, 4, padding=3)
    with pytest.raises(ValueError, match=r"at most half of the kernel \(3, 3\) \(at most 1"):
        avg_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match="kernel_size must be at least 1"):
        min_pool2d(x, 0)
    with pytest.raises(ValueError, match="stride must be an int or a pair"):
        avg_pool2d(x, 2, stride=(1, 2, 3))
    with pytest.raises(RuntimeError, match=r"expected a 3-D .* got shape \(5, 5\)"):
        max_pool2d(minigrad.ones(5, 5), 2)
    with pytest.raises(ValueError, match="norm_type must be non-zero"):
        lp_pool2d(x, 0, 2)
    with pytest.raises(ValueError, match="output_size must hold non-negative ints"):
        adaptive_avg_pool2d(x, (-1, 2))
    assert adaptive_avg_pool2d(x, (0, 2)).shape == (1, 1, 0, 2)  # empty, as in PyTorch
    with pytest.raises(ValueError, match="divisor_override must be at least 1"):
        avg_pool2d(x, 2, divisor_override=0)
    out, index = max_pool2d(x, 2, return_indices=True)
    with pytest.raises(RuntimeError, match=r"indices shape \(1, 1, 1, 2\) must equal"):
        max_unpool2d(out, index[..., :1, :], 2)
    with pytest.raises(RuntimeError, match=r"indices must lie in \[0, 4\)"):
        max_unpool2d(out, index, 2, output_size=(2, 2))


# --- PyTorch as an oracle ---------------------------------------------------------------
def _against_torch(torch: Any, mine: Callable[..., Any], theirs: Callable[..., Any],
                   host: numpy.ndarray, with_indices: bool = False) -> None:
    x = minigrad.tensor(host, requires_grad=True)
    xt = torch.tensor(host, requires_grad=True)
    out, ref = mine(x), theirs(xt)
    if with_indices:
        (out, index), (ref, ref_index) = out, ref
        assert index.tolist() == ref_index.tolist()
    assert_close(out.detach(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = numpy.random.default_rng(0).standard_normal(out.shape)
    out.backward(minigrad.tensor(g))
    ref.backward(torch.tensor(g))
    assert x.grad is not None
    assert_close(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-10)


def _random_case(torch: Any, rng: numpy.random.Generator) -> None:
    tf = torch.nn.functional
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    p = (int(rng.integers(0, k[0] // 2 + 1)), int(rng.integers(0, k[1] // 2 + 1)))
    ceil = bool(rng.integers(0, 2))
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)),
             int(rng.integers(d[0] * (k[0] - 1) + 1, 9)),
             int(rng.integers(d[1] * (k[1] - 1) + 1, 9)))
    host = rng.standard_normal(shape)
    _against_torch(torch, lambda t: max_pool2d(t, k, s, p, d, ceil, True),
                   lambda t: tf.max_pool2d(t, k, s, p, d, ceil, True), host, True)
    _against_torch(torch, lambda t: min_pool2d(t, k, s, p, d, ceil),
                   lambda t: -tf.max_pool2d(-t, k, s, p, d, ceil), host)
    include, override = bool(rng.integers(0, 2)), [None, 2][int(rng.integers(0, 2))]
    _against_torch(torch, lambda t: avg_pool2d(t, k, s, p, ceil, include, override),
                   lambda t: tf.avg_pool2d(t, k, s, p, ceil, include, override), host)
    norm = float(rng.choice([1.0, 2.0, 3.0]))
    # PyTorch rescales partial ceil-mode windows; compare where every window is full
    _against_torch(torch, lambda t: lp_pool2d(t, norm, k, s),
                   lambda t: tf.lp_pool2d(t, norm, k, s), numpy.abs(host) + 0.1)
    size = (int(rng.integers(1, shape[2] + 2)), int(rng.integers(1, shape[3] + 2)))
    _against_torch(torch, lambda t: adaptive_avg_pool2d(t, size),
                   lambda t: tf.adaptive_avg_pool2d(t, size), host)
    _against_torch(torch, lambda t: adaptive_max_pool2d(t, size, True),
                   lambda t: tf.adaptive_max_pool2d(t, size, True), host, True)


def test_matches_torch_on_random_configurations(backend: Backend) -> None:
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(5)
    for _ in range(30):
        _random_case(torch, rng)


def test_unpool_matches_torch(backend: Backend) -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    host = numpy.random.default_rng(2).standard_normal((2, 3, 7, 6))
    for geometry in [(2, None, 0), (3, 2, 1), ((2, 3), (2, 2), (1, 1))]:
        values, index = max_pool2d(minigrad.tensor(host), *geometry, return_indices=True)
        ref_values, ref_index = tf.max_pool2d(torch.tensor(host), *geometry,
                                              return_indices=True)
        _against_torch(
            torch,
            partial(max_unpool2d, indices=index, kernel_size=geometry[0], stride=geometry[1],
                    padding=geometry[2], output_size=(7, 6)),
            partial(tf.max_unpool2d, indices=ref_index, kernel_size=geometry[0],
                    stride=geometry[1], padding=geometry[2], output_size=(7, 6)),
            values.numpy())
        assert_close(values, ref_values.numpy())


def test_second_order_matches_torch(backend: Backend) -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    host = numpy.random.default_rng(9).standard_normal((2, 2, 6, 5))
    cases: list[tuple[Callable[..., Any], Callable[..., Any]]] = [
        (lambda t: max_pool2d(t, 3, 2, 1, ceil_mode=True),
         lambda t: tf.max_pool2d(t, 3, 2, 1, ceil_mode=True)),
        (lambda t: avg_pool2d(t, 3, 2, 1, True, False),
         lambda t: tf.avg_pool2d(t, 3, 2, 1, True, False)),
        (lambda t: adaptive_max_pool2d(t, (4, 3)), lambda t: tf.adaptive_max_pool2d(t, (4, 3))),
        (lambda t: adaptive_avg_pool2d(t, (4, 3)), lambda t: tf.adaptive_avg_pool2d(t, (4, 3))),
    ]
    for mine, theirs in cases:
        x = minigrad.tensor(host, requires_grad=True)
        xt = torch.tensor(host, requires_grad=True)
        (gx,) = minigrad.grad((mine(x) ** 3).sum(), [x], create_graph=True)
        (rx,) = torch.autograd.grad((theirs(xt) ** 3).sum(), [xt], create_graph=True)
        (hx,) = minigrad.grad((gx * gx).sum(), [x])
        (tx,) = torch.autograd.grad((rx * rx).sum(), [xt])
        assert_close(hx, tx.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("op", ["max_pool2d", "min_pool2d"])
@pytest.mark.parametrize(("kernel", "stride", "padding", "ceil_mode"),
                         [(2, 2, 0, False), (3, 2, 1, True), (3, 1, 1, False)])
def test_inference_path_matches_recorded_path(
    backend: Backend, op: str, kernel: int, stride: int, padding: int,
    ceil_mode: bool,
) -> None:
    pool = getattr(F, op)
    x = minigrad.randn(2, 3, 7, 6, requires_grad=True)
    recorded = pool(x, kernel, stride, padding, ceil_mode=ceil_mode)
    with minigrad.no_grad():
        plain = pool(x, kernel, stride, padding, ceil_mode=ceil_mode)
    assert recorded.requires_grad and not plain.requires_grad
    assert_close(plain, recorded.detach())
