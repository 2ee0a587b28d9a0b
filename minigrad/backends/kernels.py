"""Pure-array CNN kernels (no autograd), generic over the array namespace.

Every function takes the array namespace ``xp`` (NumPy or CuPy) as its first
argument and never imports an array library itself.

Conventions
-----------
* All image arrays are NCHW; convolution weights are ``(O, C // groups, kh, kw)``.
* Inputs are already padded by the caller: every kernel is a "valid" sliding
  window op.  Along each spatial dimension of size ``n`` the output size is
  ``(n - d * (k - 1) - 1) // s + 1`` for kernel size ``k``, stride ``s`` and
  dilation ``d``; it must be at least 1.
* Output dtypes follow the input dtype; pooling indices are int64 flat indices
  ``h * W + w`` into the ``H * W`` plane of the (padded) input.
"""

from __future__ import annotations

import importlib
from typing import Any

Array = Any
Pair = tuple[int, int]

__all__ = [
    "conv2d",
    "conv2d_grad_input",
    "conv2d_grad_weight",
    "fold",
    "max_pool2d",
    "min_pool2d",
    "pool2d_gather",
    "pool2d_scatter",
    "sum_pool2d",
    "sum_pool2d_backward",
    "unfold",
]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _out_size(n: int, k: int, s: int, d: int) -> int:
    o = (n - d * (k - 1) - 1) // s + 1
    if o < 1:
        raise ValueError(
            f"window (kernel={k}, dilation={d}) does not fit in input of size {n}"
        )
    return o


def _out_hw(input_size: Pair, kernel_size: Pair, stride: Pair, dilation: Pair) -> Pair:
    return (
        _out_size(input_size[0], kernel_size[0], stride[0], dilation[0]),
        _out_size(input_size[1], kernel_size[1], stride[1], dilation[1]),
    )


def _offsets(
    kernel_size: Pair, stride: Pair, dilation: Pair, out_hw: Pair
) -> list[tuple[int, int, slice, slice]]:
    """(i, j, rows, cols) for every kernel offset, in row-major window order.

    ``x[..., rows, cols]`` is the (oh, ow) plane of input values that kernel
    tap (i, j) sees across all output positions.
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_size, stride, dilation, out_hw
    result: list[tuple[int, int, slice, slice]] = []
    for i in range(kh):
        r0 = i * dh
        rows = slice(r0, r0 + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            c0 = j * dw
            result.append((i, j, rows, slice(c0, c0 + sw * (ow - 1) + 1, sw)))
    return result


def _scatter_add(xp: Any, target: Array, index: Any, values: Array) -> None:
    """In-place ``target[index] += values`` with repeated indices accumulating."""
    at = getattr(xp.add, "at", None)
    if at is not None:
        at(target, index, values)
    else:  # CuPy < 13 has no ufunc.at
        importlib.import_module("cupyx").scatter_add(target, index, values)


def _im2col_cfirst(
    xp: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair
) -> Array:
    """Patches in channel-first layout ``(C, kh, kw, N, oh, ow)``.

    With the batch folded into the columns, the weight gradient is one GEMM per
    group whose inner dimension ``N*oh*ow`` also performs the batch sum.
    """
    n, c, h, w = x.shape
    oh, ow = _out_hw((h, w), kernel_size, stride, dilation)
    kh, kw = kernel_size
    xt = x.transpose(1, 0, 2, 3)
    cols = xp.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    for i, j, rows, cs in _offsets(kernel_size, stride, dilation, (oh, ow)):
        cols[:, i, j] = xt[:, :, rows, cs]
    return cols


def _col2im_cfirst(
    xp: Any,
    cols: Array,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    dilation: Pair,
) -> Array:
    """Adjoint of :func:`_im2col_cfirst`; returns NCHW."""
    c, n, oh, ow = cols.shape[0], cols.shape[3], cols.shape[4], cols.shape[5]
    h, w = input_size
    out = xp.zeros((c, n, h, w), dtype=cols.dtype)
    for i, j, rows, cs in _offsets(kernel_size, stride, dilation, (oh, ow)):
        out[:, :, rows, cs] += cols[:, i, j]
    return out.transpose(1, 0, 2, 3)


# ---------------------------------------------------------------------------
# im2col / col2im
# ---------------------------------------------------------------------------


def unfold(xp: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair) -> Array:
    """Extract sliding windows (im2col), like ``torch.nn.functional.unfold``.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
        Already padded input.
    kernel_size, stride, dilation : tuple of int
        ``(kh, kw)``, ``(sh, sw)``, ``(dh, dw)``.

    Returns
    -------
    array, shape (N, C*kh*kw, oh*ow)
        Rows ordered channel-major, then kernel row, then kernel column.
    """
    n, c, h, w = x.shape
    oh, ow = _out_hw((h, w), kernel_size, stride, dilation)
    kh, kw = kernel_size
    cols = xp.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i, j, rows, cs in _offsets(kernel_size, stride, dilation, (oh, ow)):
        cols[:, :, i, j] = x[:, :, rows, cs]
    return cols.reshape(n, c * kh * kw, oh * ow)


def fold(
    xp: Any,
    cols: Array,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    dilation: Pair,
) -> Array:
    """Sum sliding-window columns back into an image (col2im).

    This is the adjoint of :func:`unfold`: overlapping contributions are summed.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    cols : array, shape (N, C*kh*kw, oh*ow)
        Columns in :func:`unfold` layout.
    input_size : tuple of int
        ``(H, W)`` of the image to rebuild.
    kernel_size, stride, dilation : tuple of int
        Window geometry, as for :func:`unfold`.

    Returns
    -------
    array, shape (N, C, H, W)
    """
    oh, ow = _out_hw(input_size, kernel_size, stride, dilation)
    kh, kw = kernel_size
    n, rows_total, length = cols.shape
    if rows_total % (kh * kw) or length != oh * ow:
        raise ValueError(
            f"cols of shape {cols.shape} do not match kernel {kernel_size} "
            f"and output size {(oh, ow)}"
        )
    c = rows_total // (kh * kw)
    cols6 = cols.reshape(n, c, kh, kw, oh, ow)
    out = xp.zeros((n, c, input_size[0], input_size[1]), dtype=cols.dtype)
    for i, j, rows, cs in _offsets(kernel_size, stride, dilation, (oh, ow)):
        out[:, :, rows, cs] += cols6[:, :, i, j]
    return out


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------


def conv2d(
    xp: Any, x: Array, weight: Array, stride: Pair, dilation: Pair, groups: int
) -> Array:
    """2-D cross-correlation (PyTorch ``conv2d`` semantics, no bias).

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
        Already padded input.
    weight : array, shape (O, C // groups, kh, kw)
    stride, dilation : tuple of int
    groups : int
        Number of channel groups; ``C`` and ``O`` must be divisible by it.

    Returns
    -------
    array, shape (N, O, oh, ow)
    """
    n = x.shape[0]
    o, cg, kh, kw = weight.shape
    cols = unfold(xp, x, (kh, kw), stride, dilation)
    oh, ow = _out_hw(x.shape[2:], (kh, kw), stride, dilation)
    # (G, O/G, K) @ (N, G, K, L) -> (N, G, O/G, L) lands directly in NCHW order;
    # on OpenBLAS these per-sample GEMMs also beat one wide (K, N*L) GEMM for
    # LeNet-sized float32 layers.
    out = xp.matmul(
        weight.reshape(groups, o // groups, cg * kh * kw),
        cols.reshape(n, groups, cg * kh * kw, oh * ow),
    )
    return out.reshape(n, o, oh, ow)


def conv2d_grad_input(
    xp: Any,
    grad_out: Array,
    weight: Array,
    input_size: Pair,
    stride: Pair,
    dilation: Pair,
    groups: int,
) -> Array:
    """Gradient of :func:`conv2d` with respect to its input.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    grad_out : array, shape (N, O, oh, ow)
    weight : array, shape (O, C // groups, kh, kw)
    input_size : tuple of int
        ``(H, W)`` of the (padded) input.  Positions no window reaches get 0.
    stride, dilation : tuple of int
    groups : int

    Returns
    -------
    array, shape (N, C, H, W)
    """
    n, o, oh, ow = grad_out.shape
    _, cg, kh, kw = weight.shape
    k = cg * kh * kw
    w3 = weight.reshape(groups, o // groups, k)
    g3 = grad_out.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * oh * ow)
    dcols = xp.matmul(w3.transpose(0, 2, 1), g3)
    dcols = dcols.reshape(cg * groups, kh, kw, n, oh, ow)
    out = _col2im_cfirst(xp, dcols, input_size, (kh, kw), stride, dilation)
    return xp.ascontiguousarray(out)


def conv2d_grad_weight(
    xp: Any,
    grad_out: Array,
    x: Array,
    kernel_size: Pair,
    stride: Pair,
    dilation: Pair,
    groups: int,
) -> Array:
    """Gradient of :func:`conv2d` with respect to its weight.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    grad_out : array, shape (N, O, oh, ow)
    x : array, shape (N, C, H, W)
        The (padded) input the forward pass saw.
    kernel_size, stride, dilation : tuple of int
    groups : int

    Returns
    -------
    array, shape (O, C // groups, kh, kw)
    """
    n, o, oh, ow = grad_out.shape
    c = x.shape[1]
    kh, kw = kernel_size
    k = (c // groups) * kh * kw
    cols = _im2col_cfirst(xp, x, kernel_size, stride, dilation)
    g3 = grad_out.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * oh * ow)
    # (G, O/G, N*L) @ (G, N*L, K): the batch is summed inside the GEMM.
    dw = xp.matmul(g3, cols.reshape(groups, k, n * oh * ow).transpose(0, 2, 1))
    return dw.reshape(o, c // groups, kh, kw)


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------


def _arg_pool(
    xp: Any,
    x: Array,
    kernel_size: Pair,
    stride: Pair,
    dilation: Pair,
    use_max: bool,
) -> tuple[Array, Array]:
    n, c, h, w = x.shape
    oh, ow = _out_hw((h, w), kernel_size, stride, dilation)
    offsets = _offsets(kernel_size, stride, dilation, (oh, ow))
    # Tap-major copy: every later pass then runs on contiguous memory, which is
    # several times faster than working on the strided input slices.
    win = xp.empty((len(offsets), n, c, oh, ow), dtype=x.dtype)
    for t, (_, _, rows, cs) in enumerate(offsets):
        win[t] = x[:, :, rows, cs]
    best = xp.max(win, axis=0) if use_max else xp.min(win, axis=0)  # NaN propagates
    # argmax/argmin over a non-trailing axis is slow in NumPy; instead walk the
    # taps backwards, overwriting on every hit, so the FIRST matching tap in
    # row-major order survives.  A window holding NaN has ``best`` NaN, and
    # then only NaN taps (v != v) are hits.
    check_nan = x.dtype.kind in "fc"
    arg = xp.zeros((n, c, oh, ow), dtype=xp.int64)
    for t in range(len(offsets) - 1, -1, -1):
        i, j, _, _ = offsets[t]
        hit = win[t] == best
        if check_nan:
            hit |= win[t] != win[t]
        arg = xp.where(hit, i * dilation[0] * w + j * dilation[1], arg)
    origin = xp.arange(oh, dtype=xp.int64).reshape(oh, 1) * (stride[0] * w)
    arg += origin + xp.arange(ow, dtype=xp.int64) * stride[1]
    return best, arg


def extremum_pool2d(
    xp: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair, largest: bool
) -> Array:
    """Window maxima (``largest``) or minima without indices, for passes without backward.

    One running ``maximum``/``minimum`` over the strided tap slices: no window buffer and
    no index bookkeeping. NaN propagates as in :func:`max_pool2d`.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
        Already padded input.
    kernel_size, stride, dilation : tuple of int
    largest : bool
        Maxima when true, minima otherwise.

    Returns
    -------
    array, shape (N, C, oh, ow)
    """
    oh, ow = _out_hw(x.shape[2:], kernel_size, stride, dilation)
    taps = _offsets(kernel_size, stride, dilation, (oh, ow))
    pick = xp.maximum if largest else xp.minimum
    _, _, rows, cs = taps[0]
    out = xp.array(x[:, :, rows, cs])
    for _, _, rows, cs in taps[1:]:
        pick(out, x[:, :, rows, cs], out=out)
    return out


def max_pool2d(
    xp: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair
) -> tuple[Array, Array]:
    """Max pooling with argmax indices.

    Ties resolve to the first maximum in row-major window order; if a window
    contains NaN the output is NaN and the index points at the first NaN.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
        Already padded input.
    kernel_size, stride, dilation : tuple of int

    Returns
    -------
    values : array, shape (N, C, oh, ow)
        Same dtype as ``x``.
    indices : array of int64, shape (N, C, oh, ow)
        Flat index ``h * W + w`` of the chosen element in its ``(H, W)`` plane.
    """
    return _arg_pool(xp, x, kernel_size, stride, dilation, True)


def min_pool2d(
    xp: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair
) -> tuple[Array, Array]:
    """Min pooling with argmin indices.

    Ties resolve to the first minimum in row-major window order; if a window
    contains NaN the output is NaN and the index points at the first NaN.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
        Already padded input.
    kernel_size, stride, dilation : tuple of int

    Returns
    -------
    values : array, shape (N, C, oh, ow)
        Same dtype as ``x``.
    indices : array of int64, shape (N, C, oh, ow)
        Flat index ``h * W + w`` of the chosen element in its ``(H, W)`` plane.
    """
    return _arg_pool(xp, x, kernel_size, stride, dilation, False)


def pool2d_scatter(xp: Any, grad_out: Array, indices: Array, input_size: Pair) -> Array:
    """Scatter-add pooled gradients back to the input plane.

    Adjoint of :func:`pool2d_gather`.  Repeated indices (overlapping windows)
    accumulate.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    grad_out : array, shape (N, C, oh, ow)
    indices : int array, shape (N, C, oh, ow)
        Flat indices ``h * W + w`` as returned by :func:`max_pool2d`.
    input_size : tuple of int
        ``(H, W)``.

    Returns
    -------
    array, shape (N, C, H, W)
        Same dtype as ``grad_out``.
    """
    n, c = indices.shape[0], indices.shape[1]
    h, w = input_size
    plane = h * w
    # Offset each (n, c) plane so a single 1-D scatter covers the whole batch.
    base = xp.arange(n * c, dtype=xp.int64).reshape(n, c, 1, 1) * plane
    flat_idx = (indices.astype(xp.int64, copy=False) + base).ravel()
    out = xp.zeros(n * c * plane, dtype=grad_out.dtype)
    _scatter_add(xp, out, flat_idx, grad_out.ravel())
    return out.reshape(n, c, h, w)


def pool2d_gather(xp: Any, x: Array, indices: Array) -> Array:
    """Read ``x`` at flat per-plane indices.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
    indices : int array, shape (N, C, oh, ow)
        Flat indices ``h * W + w`` into each ``(H, W)`` plane.

    Returns
    -------
    array, shape (N, C, oh, ow)
    """
    n, c, h, w = x.shape
    flat = xp.take_along_axis(
        x.reshape(n, c, h * w), indices.reshape(n, c, -1), axis=2
    )
    return flat.reshape(indices.shape)


def sum_pool2d(
    xp: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair
) -> Array:
    """Sum of each sliding window.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    x : array, shape (N, C, H, W)
        Already padded input.
    kernel_size, stride, dilation : tuple of int

    Returns
    -------
    array, shape (N, C, oh, ow)
        Same dtype as ``x``.
    """
    oh, ow = _out_hw(x.shape[2:], kernel_size, stride, dilation)
    offsets = _offsets(kernel_size, stride, dilation, (oh, ow))
    _, _, rows, cs = offsets[0]
    out = x[:, :, rows, cs].copy()
    for _, _, rows, cs in offsets[1:]:
        out += x[:, :, rows, cs]
    return out


def sum_pool2d_backward(
    xp: Any,
    grad_out: Array,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    dilation: Pair,
) -> Array:
    """Adjoint of :func:`sum_pool2d`.

    Parameters
    ----------
    xp : module
        Array namespace (NumPy or CuPy).
    grad_out : array, shape (N, C, oh, ow)
    input_size : tuple of int
        ``(H, W)`` of the (padded) input.
    kernel_size, stride, dilation : tuple of int

    Returns
    -------
    array, shape (N, C, H, W)
        Same dtype as ``grad_out``.
    """
    n, c, oh, ow = grad_out.shape
    expected = _out_hw(input_size, kernel_size, stride, dilation)
    if expected != (oh, ow):
        raise ValueError(f"grad_out spatial size {(oh, ow)} != expected {expected}")
    out = xp.zeros((n, c, input_size[0], input_size[1]), dtype=grad_out.dtype)
    for _, _, rows, cs in _offsets(kernel_size, stride, dilation, (oh, ow)):
        out[:, :, rows, cs] += grad_out
    return out
