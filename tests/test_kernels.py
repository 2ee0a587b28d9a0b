"""Tests for the array-level CNN kernels against slow reference loops."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from minigrad.backends import kernels as K
from minigrad.backends import pool_kernels as P

Pair = tuple[int, int]


def out_len(n: int, k: int, s: int, d: int) -> int:
    return (n - d * (k - 1) - 1) // s + 1


# (N, C, H, W, O, kernel, stride, dilation, groups)
CONV_CASES: list[tuple[int, int, int, int, int, Pair, Pair, Pair, int]] = [
    (1, 3, 7, 8, 4, (3, 3), (1, 1), (1, 1), 1),
    (2, 4, 9, 7, 6, (2, 3), (2, 1), (1, 2), 2),
    (2, 4, 8, 10, 4, (3, 2), (3, 2), (2, 1), 4),  # depthwise, groups == C
    (2, 4, 8, 10, 8, (3, 3), (2, 3), (2, 2), 4),  # groups == C, 2 filters/group
    (1, 2, 6, 6, 2, (1, 1), (1, 1), (1, 1), 2),
    (2, 6, 11, 9, 6, (4, 2), (2, 3), (2, 2), 3),
    (2, 3, 5, 5, 2, (5, 5), (1, 1), (1, 1), 1),  # 1x1 output
    (1, 2, 8, 8, 3, (3, 3), (3, 3), (1, 1), 1),  # last rows/cols never reached
]

# (N, C, H, W, kernel, stride, dilation)
POOL_CASES: list[tuple[int, int, int, int, Pair, Pair, Pair]] = [
    (2, 3, 8, 8, (2, 2), (2, 2), (1, 1)),
    (1, 2, 7, 9, (3, 3), (1, 1), (1, 1)),  # heavy overlap
    (2, 2, 9, 8, (3, 2), (2, 1), (1, 2)),
    (1, 3, 10, 7, (2, 3), (3, 2), (2, 1)),
    (2, 1, 5, 6, (1, 1), (2, 3), (1, 1)),
]


def conv_id(case: tuple[Any, ...]) -> str:
    return "n{}c{}h{}w{}o{}-k{}s{}d{}g{}".format(*case)


def pool_id(case: tuple[Any, ...]) -> str:
    return "n{}c{}h{}w{}-k{}s{}d{}".format(*case)


def rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


# ---------------------------------------------------------------------------
# slow references
# ---------------------------------------------------------------------------


def window(
    x: np.ndarray, y: int, x0: int, kernel: Pair, stride: Pair, dilation: Pair
) -> np.ndarray:
    """x[..., window rows, window cols] for output position (y, x0)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    r0, c0 = y * sh, x0 * sw
    return x[..., r0 : r0 + dh * (kh - 1) + 1 : dh, c0 : c0 + dw * (kw - 1) + 1 : dw]


def ref_unfold(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh, ow = out_len(h, kh, sh, dh), out_len(w, kw, sw, dw)
    out = np.zeros((n, c * kh * kw, oh * ow))
    for b, ch, i, j, y, xx in itertools.product(
        range(n), range(c), range(kh), range(kw), range(oh), range(ow)
    ):
        out[b, (ch * kh + i) * kw + j, y * ow + xx] = x[b, ch, y * sh + i * dh, xx * sw + j * dw]
    return out


def ref_conv(
    x: np.ndarray, weight: np.ndarray, stride: Pair, dilation: Pair, groups: int
) -> np.ndarray:
    n, _, h, w = x.shape
    o, cg, kh, kw = weight.shape
    og = o // groups
    oh, ow = out_len(h, kh, stride[0], dilation[0]), out_len(w, kw, stride[1], dilation[1])
    out = np.zeros((n, o, oh, ow))
    for b, f, y, xx in itertools.product(range(n), range(o), range(oh), range(ow)):
        g = f // og
        win = window(x[b, g * cg : (g + 1) * cg], y, xx, (kh, kw), stride, dilation)
        out[b, f, y, xx] = np.sum(win * weight[f])
    return out


def ref_conv_grads(
    grad: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: Pair,
    dilation: Pair,
    groups: int,
) -> tuple[np.ndarray, np.ndarray]:
    n, o, oh, ow = grad.shape
    _, cg, kh, kw = weight.shape
    og = o // groups
    dx = np.zeros_like(x)
    dw = np.zeros_like(weight)
    for b, f, y, xx in itertools.product(range(n), range(o), range(oh), range(ow)):
        g = f // og
        xg = x[b, g * cg : (g + 1) * cg]
        dxg = dx[b, g * cg : (g + 1) * cg]
        window(dxg, y, xx, (kh, kw), stride, dilation)[...] += grad[b, f, y, xx] * weight[f]
        dw[f] += grad[b, f, y, xx] * window(xg, y, xx, (kh, kw), stride, dilation)
    return dx, dw


def ref_pool(
    x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, use_max: bool
) -> tuple[np.ndarray, np.ndarray]:
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh, ow = out_len(h, kh, sh, dh), out_len(w, kw, sw, dw)
    vals = np.zeros((n, c, oh, ow), dtype=x.dtype)
    idx = np.zeros((n, c, oh, ow), dtype=np.int64)
    for b, ch, y, xx in itertools.product(range(n), range(c), range(oh), range(ow)):
        best_v: float | None = None
        best_i = -1
        for i, j in itertools.product(range(kh), range(kw)):
            r, col = y * sh + i * dh, xx * sw + j * dw
            v = float(x[b, ch, r, col])
            if best_v is not None and np.isnan(best_v):
                break
            better = best_v is None or np.isnan(v) or (v > best_v if use_max else v < best_v)
            if better:
                best_v, best_i = v, r * w + col
        vals[b, ch, y, xx] = best_v
        idx[b, ch, y, xx] = best_i
    return vals, idx


def ref_sum_pool(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    n, c, h, w = x.shape
    oh = out_len(h, kernel[0], stride[0], dilation[0])
    ow = out_len(w, kernel[1], stride[1], dilation[1])
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for y, xx in itertools.product(range(oh), range(ow)):
        out[:, :, y, xx] = window(x, y, xx, kernel, stride, dilation).sum(axis=(2, 3))
    return out


# ---------------------------------------------------------------------------
# unfold / fold
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES, ids=conv_id)
def test_unfold_matches_reference(case: tuple[Any, ...]) -> None:
    n, c, h, w, _, kernel, stride, dilation, _ = case
    x = rand(np.random.default_rng(0), n, c, h, w)
    got = K.unfold(np, x, kernel, stride, dilation)
    np.testing.assert_array_equal(got, ref_unfold(x, kernel, stride, dilation))


@pytest.mark.parametrize("case", CONV_CASES, ids=conv_id)
def test_fold_is_adjoint_of_unfold(case: tuple[Any, ...]) -> None:
    n, c, h, w, _, kernel, stride, dilation, _ = case
    rng = np.random.default_rng(1)
    x = rand(rng, n, c, h, w)
    cols_shape = K.unfold(np, x, kernel, stride, dilation).shape
    cols = rng.standard_normal(cols_shape)
    folded = K.fold(np, cols, (h, w), kernel, stride, dilation)
    assert folded.shape == x.shape
    lhs = np.vdot(K.unfold(np, x, kernel, stride, dilation), cols)
    np.testing.assert_allclose(lhs, np.vdot(x, folded), rtol=1e-12)
    # Explicit adjoint: fold == unfold-matrix transposed applied to cols.
    ref = np.zeros(n * c * h * w)
    for k in range(ref.size):
        e = np.zeros(ref.size)
        e[k] = 1.0
        ref[k] = np.vdot(ref_unfold(e.reshape(x.shape), kernel, stride, dilation), cols)
    np.testing.assert_allclose(folded.ravel(), ref, rtol=1e-12, atol=1e-12)


def test_fold_rejects_mismatched_columns() -> None:
    with pytest.raises(ValueError):
        K.fold(np, np.zeros((1, 9, 5)), (4, 4), (3, 3), (1, 1), (1, 1))


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES, ids=conv_id)
def test_conv2d_matches_reference(case: tuple[Any, ...]) -> None:
    n, c, h, w, o, kernel, stride, dilation, groups = case
    rng = np.random.default_rng(2)
    x = rand(rng, n, c, h, w)
    weight = rand(rng, o, c // groups, *kernel)
    got = K.conv2d(np, x, weight, stride, dilation, groups)
    np.testing.assert_allclose(got, ref_conv(x, weight, stride, dilation, groups), atol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES, ids=conv_id)
def test_conv2d_grads_match_reference(case: tuple[Any, ...]) -> None:
    n, c, h, w, o, kernel, stride, dilation, groups = case
    rng = np.random.default_rng(3)
    x = rand(rng, n, c, h, w)
    weight = rand(rng, o, c // groups, *kernel)
    grad = rng.standard_normal(ref_conv(x, weight, stride, dilation, groups).shape)
    dx_ref, dw_ref = ref_conv_grads(grad, x, weight, stride, dilation, groups)
    dx = K.conv2d_grad_input(np, grad, weight, (h, w), stride, dilation, groups)
    dw = K.conv2d_grad_weight(np, grad, x, kernel, stride, dilation, groups)
    assert dx.shape == x.shape and dw.shape == weight.shape
    np.testing.assert_allclose(dx, dx_ref, atol=1e-12)
    np.testing.assert_allclose(dw, dw_ref, atol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES, ids=conv_id)
def test_conv2d_grads_are_adjoints(case: tuple[Any, ...]) -> None:
    n, c, h, w, o, kernel, stride, dilation, groups = case
    rng = np.random.default_rng(4)
    x = rand(rng, n, c, h, w)
    weight = rand(rng, o, c // groups, *kernel)
    y = K.conv2d(np, x, weight, stride, dilation, groups)
    grad = rng.standard_normal(y.shape)
    dx = K.conv2d_grad_input(np, grad, weight, (h, w), stride, dilation, groups)
    dw = K.conv2d_grad_weight(np, grad, x, kernel, stride, dilation, groups)
    # conv2d is bilinear: <conv(x, W), g> == <x, dX(g, W)> == <W, dW(g, x)>.
    np.testing.assert_allclose(np.vdot(y, grad), np.vdot(x, dx), rtol=1e-10)
    np.testing.assert_allclose(np.vdot(y, grad), np.vdot(weight, dw), rtol=1e-10)


def test_conv2d_grad_input_zero_where_unreached() -> None:
    rng = np.random.default_rng(5)
    weight = rand(rng, 2, 1, 3, 3)
    grad = rand(rng, 1, 2, 2, 2)  # 8x8 input, k=3, s=3: rows/cols 6, 7 unused
    dx = K.conv2d_grad_input(np, grad, weight, (8, 8), (3, 3), (1, 1), 1)
    assert dx.shape == (1, 1, 8, 8)
    assert np.all(dx[:, :, 6:, :] == 0) and np.all(dx[:, :, :, 6:] == 0)


def test_conv_float32_preserved() -> None:
    rng = np.random.default_rng(6)
    x = rand(rng, 2, 4, 9, 8).astype(np.float32)
    weight = rand(rng, 6, 2, 3, 2).astype(np.float32)
    s, d = (2, 1), (1, 2)
    y = K.conv2d(np, x, weight, s, d, 2)
    assert y.dtype == np.float32
    ref = ref_conv(x.astype(np.float64), weight.astype(np.float64), s, d, 2)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
    g = np.ones_like(y)
    assert K.conv2d_grad_input(np, g, weight, (9, 8), s, d, 2).dtype == np.float32
    assert K.conv2d_grad_weight(np, g, x, (3, 2), s, d, 2).dtype == np.float32
    cols = K.unfold(np, x, (3, 2), s, d)
    assert cols.dtype == np.float32
    assert K.fold(np, cols, (9, 8), (3, 2), s, d).dtype == np.float32


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("use_max", [True, False], ids=["max", "min"])
@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_arg_pool_matches_reference(case: tuple[Any, ...], use_max: bool) -> None:
    n, c, h, w, kernel, stride, dilation = case
    x = rand(np.random.default_rng(7), n, c, h, w)
    vals, idx = P.pool2d(np, x, kernel, stride, dilation, use_max, True)
    ref_vals, ref_idx = ref_pool(x, kernel, stride, dilation, use_max)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(vals, ref_vals)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(P.pool2d_gather(np, x, idx), vals)


@pytest.mark.parametrize("use_max", [True, False], ids=["max", "min"])
@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_values_only_pool_matches_indexed_pool(case: tuple[Any, ...], use_max: bool) -> None:
    n, c, h, w, kernel, stride, dilation = case
    x = rand(np.random.default_rng(9), n, c, h, w).astype(np.float32)
    x[0, 0, 0, 0] = np.nan
    values = P.pool2d(np, x, kernel, stride, dilation, use_max)
    assert values.dtype == np.float32
    np.testing.assert_array_equal(
        values, P.pool2d(np, x, kernel, stride, dilation, use_max, True)[0])


@pytest.mark.parametrize("use_max", [True, False], ids=["max", "min"])
@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_arg_pool_ties_and_nan(case: tuple[Any, ...], use_max: bool) -> None:
    n, c, h, w, kernel, stride, dilation = case
    rng = np.random.default_rng(8)
    # Few distinct values -> many ties; sprinkle NaNs in.
    x = rng.integers(0, 3, size=(n, c, h, w)).astype(np.float64)
    x[rng.random(x.shape) < 0.08] = np.nan
    vals, idx = P.pool2d(np, x, kernel, stride, dilation, use_max, True)
    ref_vals, ref_idx = ref_pool(x, kernel, stride, dilation, use_max)
    np.testing.assert_array_equal(vals, ref_vals)  # NaN == NaN here
    np.testing.assert_array_equal(idx, ref_idx)


def test_ties_pick_first_in_row_major_order() -> None:
    x = np.zeros((1, 1, 4, 6))
    vals, idx = P.pool2d(np, x, (2, 3), (2, 3), (1, 1), True, True)
    np.testing.assert_array_equal(idx[0, 0], [[0, 3], [12, 15]])
    x = np.array([[[[1.0, 5.0, 5.0], [5.0, 2.0, 5.0]]]])
    vals, idx = P.pool2d(np, x, (2, 3), (1, 1), (1, 1), True, True)
    assert vals[0, 0, 0, 0] == 5.0 and idx[0, 0, 0, 0] == 1
    vals, idx = P.pool2d(np, -x, (2, 3), (1, 1), (1, 1), False, True)
    assert vals[0, 0, 0, 0] == -5.0 and idx[0, 0, 0, 0] == 1


def test_nan_propagates() -> None:
    x = np.array([[[[1.0, np.nan], [np.inf, np.nan]]]])
    for largest in (True, False):
        vals, idx = P.pool2d(np, x, (2, 2), (1, 1), (1, 1), largest, True)
        assert np.isnan(vals[0, 0, 0, 0]) and idx[0, 0, 0, 0] == 1


def test_pool_float32_and_int_inputs() -> None:
    rng = np.random.default_rng(9)
    x = rand(rng, 2, 3, 6, 6).astype(np.float32)
    for largest in (True, False):
        vals, idx = P.pool2d(np, x, (2, 2), (2, 2), (1, 1), largest, True)
        assert vals.dtype == np.float32 and idx.dtype == np.int64
    assert P.sum_pool2d(np, x, (3, 3), (1, 1), (1, 1)).dtype == np.float32
    g = np.ones((2, 3, 3, 3), dtype=np.float32)
    assert P.pool2d_scatter(np, g, idx, (6, 6)).dtype == np.float32
    assert P.sum_pool2d_backward(np, g, (6, 6), (2, 2), (2, 2), (1, 1)).dtype == np.float32
    xi = rng.integers(-5, 5, size=(1, 2, 5, 5))
    vals, idx = P.pool2d(np, xi, (2, 2), (1, 1), (1, 1), True, True)
    ref_vals, ref_idx = ref_pool(xi, (2, 2), (1, 1), (1, 1), True)
    np.testing.assert_array_equal(vals, ref_vals)
    np.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_pool_scatter_is_adjoint_of_gather(case: tuple[Any, ...]) -> None:
    n, c, h, w, kernel, stride, dilation = case
    rng = np.random.default_rng(10)
    x = rand(rng, n, c, h, w)
    # Overlapping windows with ties repeat indices, which must accumulate.
    xt = rng.integers(0, 2, size=x.shape).astype(np.float64)
    _, idx = P.pool2d(np, xt, kernel, stride, dilation, True, True)
    g = rng.standard_normal(idx.shape)
    scattered = P.pool2d_scatter(np, g, idx, (h, w))
    assert scattered.shape == x.shape
    np.testing.assert_allclose(
        np.vdot(P.pool2d_gather(np, x, idx), g), np.vdot(x, scattered), rtol=1e-12
    )
    ref = np.zeros_like(x)
    for b, ch, y, xx in itertools.product(*(range(s) for s in idx.shape)):
        r, col = divmod(int(idx[b, ch, y, xx]), w)
        ref[b, ch, r, col] += g[b, ch, y, xx]
    np.testing.assert_allclose(scattered, ref, atol=1e-12)


def test_pool_scatter_accumulates_repeats() -> None:
    idx = np.array([[[[4, 4], [4, 0]]]], dtype=np.int64)
    g = np.array([[[[1.0, 2.0], [3.0, 10.0]]]])
    out = P.pool2d_scatter(np, g, idx, (3, 3))
    assert out[0, 0, 1, 1] == 6.0 and out[0, 0, 0, 0] == 10.0
    assert out.sum() == 16.0


@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_sum_pool_matches_reference_and_adjoint(case: tuple[Any, ...]) -> None:
    n, c, h, w, kernel, stride, dilation = case
    rng = np.random.default_rng(11)
    x = rand(rng, n, c, h, w)
    y = P.sum_pool2d(np, x, kernel, stride, dilation)
    np.testing.assert_allclose(y, ref_sum_pool(x, kernel, stride, dilation), atol=1e-12)
    g = rng.standard_normal(y.shape)
    back = P.sum_pool2d_backward(np, g, (h, w), kernel, stride, dilation)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(y, g), np.vdot(x, back), rtol=1e-12)


def test_invalid_window_raises() -> None:
    with pytest.raises(ValueError):
        P.sum_pool2d(np, np.zeros((1, 1, 3, 3)), (2, 2), (1, 1), (3, 3))
