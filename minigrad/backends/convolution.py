"""Convolution algorithms behind the generic backend kernels, and the rule that picks one.

The three kernels have the signatures of :class:`minigrad.backends.Backend`'s conv methods,
with the array namespace ``xp`` first (NumPy or CuPy), and follow the conventions of
:mod:`minigrad.backends.base`: NCHW arrays, weights ``(O, C // groups, kh, kw)``, the input
already padded, ``(h, w)`` pairs for stride and dilation.

Algorithms
----------
``"gemm"`` (every shape)
    im2col followed by one GEMM per group. The batch is processed in chunks whose columns
    fit in a core's L2 cache (about 1.5 MiB); the column buffer is allocated once per call
    and reused by every chunk, and the GEMM of a chunk reads it while it is still cached.
    For stride 1 the columns come from the *flat shift* layout: in a ``(H, W)`` plane
    flattened row by row, kernel tap ``(i, j)`` sees the positions ``p + i*W + j``, so the
    columns of one tap are a single contiguous slice of the plane. The GEMM then computes
    ``W - ow`` extra positions at the end of every output row, which are dropped when the
    result is copied into NCHW. Strided convolutions use the classic strided im2col.
    A 1x1 stride-1 convolution needs no columns at all: it is one GEMM on the input.
    The input gradient of a stride-1 convolution is itself a stride-1 convolution (of the
    zero-padded output gradient with the flipped, transposed kernel), so it runs through
    the same forward code; with a larger stride it is a GEMM followed by col2im.
``"winograd_2x2"``, ``"winograd_4x4"`` (3x3 kernel, stride 1, dilation 1; float32/64)
    Winograd's minimal filtering F(m x m, 3 x 3) with ``m = 2`` or ``4``: the image is cut
    into overlapping ``(m + 2)``-square tiles, and tiles and kernel are transformed so that
    the convolution becomes ``(m + 2)**2`` independent GEMMs over channels, with
    ``(m + 2)**2 / m**2`` multiplications per output instead of 9 (2.25x and 4x fewer).
    The transforms are small matrix products themselves. The input gradient runs as the
    forward of the flipped kernel; the weight gradient is the exact adjoint of the forward
    algorithm (output gradient transformed by ``A``, one GEMM per tile position, summed
    over the batch inside the GEMM). The transform matrices are built from their
    interpolation points by :func:`winograd_matrices`.

Which algorithm runs
--------------------
:func:`select` decides per call from the shapes, with thresholds measured on a 2-core
x86-64 machine (AVX-512, OpenBLAS, one BLAS thread) by ``benchmarks/bench_conv.py``:
Winograd F(4x4) wins for 3x3 stride-1 convolutions once both channel counts (per group)
are at least :data:`WINOGRAD_MIN_CHANNELS` and the output is at least 4 x 4; below that
the transforms cost more than the multiplications they save and im2col + GEMM is used.
F(2x2) is never chosen automatically (it was slower than F(4x4) on every measured shape)
but can be forced. Forcing an algorithm (:func:`use_algorithm`) makes every conv kernel
use it wherever it applies; shapes it cannot compute (a 5x5 kernel under Winograd) fall
back to ``"gemm"``.

Accuracy
--------
``"gemm"`` sums in the GEMM's order, like any BLAS-based convolution. Winograd adds
rounding in the transforms: measured against a float64 reference, F(2x2) in float32 stays
within ``1e-5`` and F(4x4) within ``1e-4`` of the output's largest magnitude for up to
256 input channels; in float64 both agree with the reference to ``1e-12``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy

Array = Any
Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]  # (top, bottom, left, right)

__all__ = [
    "ALGORITHMS",
    "WINOGRAD_MIN_CHANNELS",
    "applies",
    "conv2d",
    "conv2d_grad_input",
    "conv2d_grad_weight",
    "select",
    "use_algorithm",
    "winograd_matrices",
]

ALGORITHMS = ("gemm", "winograd_2x2", "winograd_4x4")
KERNELS = ("forward", "grad_input", "grad_weight")

WINOGRAD_MIN_CHANNELS = 16
"""Both ``C / groups`` and ``O / groups`` must reach this for :func:`select` to pick
Winograd: with fewer channels the tile transforms outweigh the GEMMs they shrink."""

_CHUNK_BYTES = 3 << 19  # 1.5 MiB of im2col columns (or Winograd tiles) per chunk of the batch
_WINOGRAD_POINTS = {2: (0.0, 1.0, -1.0), 4: (0.0, 1.0, -1.0, 2.0, -2.0)}
_NO_PAD: Pad4 = (0, 0, 0, 0)
# The stride-1 input gradient as a convolution copies O*kh*kw columns per position, GEMM
# then col2im adds C*kh*kw: with this many times fewer input than output channels, col2im.
_FEW_INPUT_CHANNELS = 2

_forced: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "minigrad_conv_algorithm", default=None
)


# --- choosing ---------------------------------------------------------------------------
@contextlib.contextmanager
def use_algorithm(name: str | None) -> Iterator[None]:
    """Run every convolution kernel inside the block with algorithm ``name``.

    Where the algorithm does not apply (see :func:`applies`) the kernel falls back to
    ``"gemm"``. ``None`` restores automatic selection inside an outer forcing block. The
    setting is per thread (and per asyncio task).

    Parameters
    ----------
    name : str or None
        One of :data:`ALGORITHMS`.

    Raises
    ------
    ValueError
        If ``name`` is not a known algorithm.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> from minigrad.backends import convolution
    >>> x, w = minigrad.randn(1, 4, 8, 8), minigrad.randn(4, 4, 3, 3)
    >>> with convolution.use_algorithm("winograd_4x4"):
    ...     y = F.conv2d(x, w, padding=1)
    >>> y.shape
    (1, 4, 8, 8)
    """
    if name is not None and name not in ALGORITHMS:
        raise ValueError(
            f"use_algorithm: unknown convolution algorithm {name!r}; expected one of "
            f"{ALGORITHMS} or None"
        )
    token = _forced.set(name)
    try:
        yield
    finally:
        _forced.reset(token)


def applies(algorithm: str, kernel_size: Pair, stride: Pair, dilation: Pair, dtype: Any) -> bool:
    """Whether ``algorithm`` can compute a convolution of this geometry and dtype.

    ``"gemm"`` computes everything; Winograd needs a 3x3 kernel, stride 1, dilation 1 and
    a float32 or float64 dtype (in half precision its transforms lose too many digits).
    """
    if algorithm == "gemm":
        return True
    return (
        tuple(kernel_size) == (3, 3)
        and tuple(stride) == (1, 1)
        and tuple(dilation) == (1, 1)
        and numpy.dtype(dtype) in (numpy.float32, numpy.float64)
    )


def select(
    kernel: str, x_shape: Sequence[int], weight_shape: Sequence[int], stride: Pair,
    dilation: Pair, groups: int, dtype: Any,
) -> str:
    """The algorithm the conv kernels use for this call (the forced one if it applies).

    Parameters
    ----------
    kernel : {"forward", "grad_input", "grad_weight"}
        Which of the three kernels asks.
    x_shape : sequence of int
        ``(N, C, H, W)`` of the padded input of the forward convolution.
    weight_shape : sequence of int
        ``(O, C // groups, kh, kw)``.
    stride, dilation : pair of int
    groups : int
    dtype : dtype

    Returns
    -------
    str
        One of :data:`ALGORITHMS`.
    """
    if kernel not in KERNELS:
        raise ValueError(f"select: kernel must be one of {KERNELS}, got {kernel!r}")
    kernel_size = (int(weight_shape[2]), int(weight_shape[3]))
    forced = _forced.get()
    if forced is not None:
        return forced if applies(forced, kernel_size, stride, dilation, dtype) else "gemm"
    if not applies("winograd_4x4", kernel_size, stride, dilation, dtype):
        return "gemm"
    out_h, out_w = x_shape[2] - 2, x_shape[3] - 2
    per_group_in, per_group_out = weight_shape[1], weight_shape[0] // groups
    if (
        min(per_group_in, per_group_out) >= WINOGRAD_MIN_CHANNELS
        and min(out_h, out_w) >= 4
    ):
        return "winograd_4x4"
    return "gemm"


# --- the three kernels ------------------------------------------------------------------
def conv2d(xp: Any, x: Array, weight: Array, stride: Pair, dilation: Pair, groups: int) -> Array:
    """Cross-correlation of ``x (N, C, H, W)`` with ``weight (O, C/groups, kh, kw)``.

    Returns a new ``(N, O, oh, ow)`` array; see :meth:`minigrad.backends.Backend.conv2d`.
    """
    _check(x.shape[1], weight, groups, "conv2d")
    algorithm = select("forward", x.shape, weight.shape, stride, dilation, groups, x.dtype)
    if algorithm != "gemm":
        return _winograd_forward(xp, _Source(xp, x), weight, groups, _tile(algorithm))
    return _gemm_forward(xp, _Source(xp, x), weight, stride, dilation, groups)


def conv2d_grad_input(
    xp: Any, grad_out: Array, weight: Array, input_size: Pair, stride: Pair, dilation: Pair,
    groups: int,
) -> Array:
    """Gradient of :func:`conv2d` with respect to its padded input of size ``input_size``.

    Returns a new ``(N, C, H, W)`` array; positions no window reads get 0.
    """
    n, o, oh, ow = grad_out.shape
    _check(weight.shape[1] * groups, weight, groups, "conv2d_grad_input")
    (kh, kw), (dh, dw) = weight.shape[2:], dilation
    height, width = input_size
    x_shape = (n, weight.shape[1] * groups, height, width)
    algorithm = select("grad_input", x_shape, weight.shape, stride, dilation, groups,
                       grad_out.dtype)
    if algorithm != "gemm":
        return _winograd_grad_input(xp, grad_out, weight, input_size, groups,
                                    _tile(algorithm))
    if tuple(stride) != (1, 1) or weight.shape[1] * _FEW_INPUT_CHANNELS <= o // groups:
        return _gemm_grad_input_col2im(xp, grad_out, weight, input_size, stride, dilation,
                                       groups)
    # Stride 1: the gradient is the "full" convolution of grad_out with the flipped kernel,
    # whose channels swap roles within each group.
    reach_h, reach_w = oh + dh * (kh - 1), ow + dw * (kw - 1)
    pad = (dh * (kh - 1), dh * (kh - 1) + height - reach_h,
           dw * (kw - 1), dw * (kw - 1) + width - reach_w)
    source = _Source(xp, grad_out, pad)
    flipped = _flip_kernel(xp, weight, groups)
    return _gemm_forward(xp, source, flipped, (1, 1), dilation, groups)


def conv2d_grad_weight(
    xp: Any, grad_out: Array, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair,
    groups: int,
) -> Array:
    """Gradient of :func:`conv2d` with respect to its weight: ``(O, C/groups, kh, kw)``.

    ``x`` is the padded input of the forward pass; rows and columns past the last window
    are ignored.
    """
    n, o, oh, ow = grad_out.shape
    c = x.shape[1]
    if c % groups or o % groups:
        raise ValueError(
            f"conv2d_grad_weight: groups={groups} must divide the {c} input and {o} output "
            "channels"
        )
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    reach = ((oh - 1) * sh + dh * (kh - 1) + 1, (ow - 1) * sw + dw * (kw - 1) + 1)
    if x.shape[2] < reach[0] or x.shape[3] < reach[1]:
        raise ValueError(
            f"conv2d_grad_weight: grad_out of spatial size {(oh, ow)} needs an input of at "
            f"least {reach}, got {tuple(x.shape[2:])}"
        )
    x = x[:, :, : reach[0], : reach[1]]
    weight_shape = (o, c // groups, kh, kw)
    algorithm = select("grad_weight", x.shape, weight_shape, stride, dilation, groups,
                       x.dtype)
    if algorithm != "gemm":
        return _winograd_grad_weight(xp, grad_out, _Source(xp, x), groups, _tile(algorithm))
    return _gemm_grad_weight(xp, grad_out, _Source(xp, x), kernel_size, stride, dilation,
                             groups)


# --- shared pieces ----------------------------------------------------------------------
def _check(channels: int, weight: Array, groups: int, op: str) -> None:
    o, per_group = weight.shape[:2]
    if groups < 1 or channels != per_group * groups or o % groups:
        raise ValueError(
            f"{op}: groups={groups} needs in_channels = weight.shape[1] * groups and "
            f"out_channels divisible by groups; got in_channels={channels}, "
            f"weight.shape={tuple(weight.shape)}"
        )


def _tile(algorithm: str) -> int:
    return 2 if algorithm == "winograd_2x2" else 4


def _batch_chunk(n: int, per_sample_bytes: int) -> int:
    """Samples per chunk so that one chunk's scratch stays near :data:`_CHUNK_BYTES`."""
    return max(1, min(n, _CHUNK_BYTES // max(1, per_sample_bytes)))


def _out_size(n: int, k: int, s: int, d: int, op: str) -> int:
    size = (n - d * (k - 1) - 1) // s + 1
    if size < 1:
        raise ValueError(
            f"{op}: a window of kernel size {k} and dilation {d} does not fit in an input "
            f"of size {n}"
        )
    return size


class _Source:
    """An NCHW array seen with extra zero rows and columns, served in chunks of the batch.

    With no padding a chunk is a slice of the (contiguous) array; otherwise each chunk is
    copied into the interior of one zero-bordered buffer that every chunk reuses (the
    border is written once and stays zero).
    """

    def __init__(self, xp: Any, x: Array, pad: Pad4 = _NO_PAD) -> None:
        self.xp, self.x, self.pad = xp, x, pad
        n, c, h, w = x.shape
        top, bottom, left, right = pad
        self.shape = (n, c, h + top + bottom, w + left + right)
        self.dtype = x.dtype
        self._buffer: Array = None

    def extended(self, bottom: int, right: int) -> _Source:
        """The same source with ``bottom`` more zero rows and ``right`` more columns."""
        top, b, left, r = self.pad
        return _Source(self.xp, self.x, (top, b + bottom, left, r + right))

    def chunk(self, start: int, stop: int, size: int) -> Array:
        """Samples ``start:stop`` (at most ``size`` of them), contiguous ``(m, C, H, W)``."""
        if self.pad == _NO_PAD:
            return self.xp.ascontiguousarray(self.x[start:stop])
        if self._buffer is None:
            self._buffer = self.xp.zeros((size, *self.shape[1:]), dtype=self.dtype)
        top, _, left, _ = self.pad
        h, w = self.x.shape[2:]
        block = self._buffer[: stop - start]
        block[:, :, top : top + h, left : left + w] = self.x[start:stop]
        return block


class _Scratch:
    """One flat buffer per name, sized for the largest chunk, handed out as contiguous
    prefixes: the last (smaller) chunk of the batch reuses the same memory."""

    def __init__(self, xp: Any, dtype: Any) -> None:
        self.xp, self.dtype = xp, dtype
        self._buffers: dict[str, Array] = {}

    def reserve(self, name: str, shape: tuple[int, ...]) -> None:
        self._buffers[name] = self.xp.empty(_prod(shape), dtype=self.dtype)

    def view(self, name: str, shape: tuple[int, ...]) -> Array:
        return self._buffers[name][: _prod(shape)].reshape(shape)


def _prod(shape: tuple[int, ...]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def _flip_kernel(xp: Any, weight: Array, groups: int) -> Array:
    """``(O, C/g, kh, kw) -> (C, O/g, kh, kw)``, rotated by 180 degrees: the kernel whose
    stride-1 convolution with the padded output gradient gives the input gradient."""
    o, cg, kh, kw = weight.shape
    w5 = weight.reshape(groups, o // groups, cg, kh, kw)[:, :, :, ::-1, ::-1]
    return xp.ascontiguousarray(w5.transpose(0, 2, 1, 3, 4)).reshape(groups * cg, o // groups,
                                                                      kh, kw)


def _tap_windows(
    kernel_size: Pair, stride: Pair, dilation: Pair, out_hw: Pair
) -> list[tuple[slice, slice]]:
    """For every kernel tap in row-major order, the (rows, columns) slices of the input
    that the tap reads across all output positions."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_size, stride, dilation, out_hw
    return [
        (slice(i * dh, i * dh + sh * (oh - 1) + 1, sh), slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))
        for i in range(kh)
        for j in range(kw)
    ]


# --- im2col + GEMM ----------------------------------------------------------------------
def _flat_columns(
    xp: Any, planes: Array, kernel_size: Pair, dilation: Pair, row: int, length: int,
    cols: Array,
) -> None:
    """Flat-shift im2col: ``cols[:, :, tap] = planes[:, :, offset(tap) : offset + length]``
    for ``planes (m, C, H*W)`` with rows of ``row`` elements."""
    (kh, kw), (dh, dw) = kernel_size, dilation
    for i in range(kh):
        for j in range(kw):
            start = i * dh * row + j * dw
            cols[:, :, i * kw + j] = planes[:, :, start : start + length]


def _gemm_forward(
    xp: Any, source: _Source, weight: Array, stride: Pair, dilation: Pair, groups: int
) -> Array:
    n, c, h, w = source.shape
    o, cg, kh, kw = weight.shape
    (sh, sw), (dh, dw) = stride, dilation
    oh = _out_size(h, kh, sh, dh, "conv2d")
    ow = _out_size(w, kw, sw, dw, "conv2d")
    taps, og = kh * kw, o // groups
    w3 = weight.reshape(groups, og, cg * taps)
    out = xp.empty((n, o, oh, ow), dtype=source.dtype)
    itemsize = numpy.dtype(source.dtype).itemsize
    if (sh, sw) == (1, 1):
        # flat shift: GEMM columns are output positions of (oh, w) planes, the last
        # w - ow of every row being discarded
        length = (oh - 1) * w + ow
        pointwise = taps == 1
        direct = ow == w
        size = _batch_chunk(n, (1 if pointwise else c * taps) * length * itemsize)
        cols = None if pointwise else xp.empty((size, c, taps, length), dtype=source.dtype)
        res = None if direct else xp.empty((size, groups, og, oh * w), dtype=source.dtype)
        for start in range(0, n, size):
            stop = min(n, start + size)
            m = stop - start
            planes = source.chunk(start, stop, size).reshape(m, c, h * w)
            if cols is None:
                operand = planes[:, :, :length].reshape(m, groups, cg, length)
            else:
                _flat_columns(xp, planes, (kh, kw), (dh, dw), w, length, cols[:m])
                operand = cols[:m].reshape(m, groups, cg * taps, length)
            if res is None:
                xp.matmul(w3, operand, out=out[start:stop].reshape(m, groups, og, length))
            else:
                block = res[:m]
                xp.matmul(w3, operand, out=block[..., :length])
                out[start:stop] = block.reshape(m, o, oh, w)[..., :ow]
        return out
    windows = _tap_windows((kh, kw), stride, dilation, (oh, ow))
    size = _batch_chunk(n, c * taps * oh * ow * itemsize)
    cols = xp.empty((size, c, taps, oh, ow), dtype=source.dtype)
    for start in range(0, n, size):
        stop = min(n, start + size)
        m = stop - start
        block = source.chunk(start, stop, size)
        for t, (rows, columns) in enumerate(windows):
            cols[:m, :, t] = block[:, :, rows, columns]
        xp.matmul(
            w3, cols[:m].reshape(m, groups, cg * taps, oh * ow),
            out=out[start:stop].reshape(m, groups, og, oh * ow),
        )
    return out


def _gemm_grad_input_col2im(
    xp: Any, grad_out: Array, weight: Array, input_size: Pair, stride: Pair, dilation: Pair,
    groups: int,
) -> Array:
    """GEMM to columns, then col2im: every tap adds its columns into the strided window."""
    n, o, oh, ow = grad_out.shape
    _, cg, kh, kw = weight.shape
    c, taps, og = cg * groups, kh * kw, o // groups
    grad_out = xp.ascontiguousarray(grad_out)
    w3t = weight.reshape(groups, og, cg * taps).transpose(0, 2, 1)
    windows = _tap_windows((kh, kw), stride, dilation, (oh, ow))
    grad_in = xp.zeros((n, c, *input_size), dtype=grad_out.dtype)
    size = _batch_chunk(n, c * taps * oh * ow * numpy.dtype(grad_out.dtype).itemsize)
    cols = xp.empty((size, groups, cg * taps, oh * ow), dtype=grad_out.dtype)
    for start in range(0, n, size):
        stop = min(n, start + size)
        m = stop - start
        xp.matmul(w3t, grad_out[start:stop].reshape(m, groups, og, oh * ow), out=cols[:m])
        per_tap = cols[:m].reshape(m, c, taps, oh, ow)
        target = grad_in[start:stop]
        for t, (rows, columns) in enumerate(windows):
            target[:, :, rows, columns] += per_tap[:, :, t]
    return grad_in


def _gemm_grad_weight(
    xp: Any, grad_out: Array, source: _Source, kernel_size: Pair, stride: Pair,
    dilation: Pair, groups: int,
) -> Array:
    n, c, h, w = source.shape
    _, o, oh, ow = grad_out.shape
    kh, kw = kernel_size
    cg, og, taps = c // groups, o // groups, kh * kw
    k = cg * taps
    grad_out = xp.ascontiguousarray(grad_out)
    itemsize = numpy.dtype(source.dtype).itemsize
    total: Array = None
    if tuple(stride) == (1, 1):
        length = (oh - 1) * w + ow
        pointwise, direct = taps == 1, ow == w
        size = _batch_chunk(n, (1 if pointwise else c * taps) * length * itemsize)
        cols = None if pointwise else xp.empty((size, c, taps, length), dtype=source.dtype)
        # grad_out spread over (oh, w) planes, zero in the discarded columns
        spread = None if direct else xp.zeros((size, o, oh, w), dtype=source.dtype)
        for start in range(0, n, size):
            stop = min(n, start + size)
            m = stop - start
            planes = source.chunk(start, stop, size).reshape(m, c, h * w)
            if cols is None:
                operand = planes[:, :, :length].reshape(m, groups, cg, length)
            else:
                _flat_columns(xp, planes, kernel_size, dilation, w, length, cols[:m])
                operand = cols[:m].reshape(m, groups, k, length)
            if spread is None:
                g = grad_out[start:stop].reshape(m, groups, og, length)
            else:
                spread[:m, :, :, :ow] = grad_out[start:stop]
                g = spread[:m].reshape(m, groups, og, oh * w)[..., :length]
            total = _accumulate(xp, total, xp.matmul(g, operand.transpose(0, 1, 3, 2)))
    else:
        windows = _tap_windows(kernel_size, stride, dilation, (oh, ow))
        size = _batch_chunk(n, c * taps * oh * ow * itemsize)
        cols = xp.empty((size, c, taps, oh, ow), dtype=source.dtype)
        for start in range(0, n, size):
            stop = min(n, start + size)
            m = stop - start
            block = source.chunk(start, stop, size)
            for t, (rows, columns) in enumerate(windows):
                cols[:m, :, t] = block[:, :, rows, columns]
            g = grad_out[start:stop].reshape(m, groups, og, oh * ow)
            operand = cols[:m].reshape(m, groups, k, oh * ow)
            total = _accumulate(xp, total, xp.matmul(g, operand.transpose(0, 1, 3, 2)))
    return total.reshape(o, cg, kh, kw)


def _accumulate(xp: Any, total: Array, part: Array) -> Array:
    """Add the per-sample products ``part (m, ...)`` of one chunk into ``total``."""
    chunk_sum = part.sum(axis=0) if part.shape[0] > 1 else part[0]
    if total is None:
        return chunk_sum
    total += chunk_sum
    return total


# --- Winograd F(m x m, 3 x 3) -----------------------------------------------------------
def winograd_matrices(
    m: int, r: int, points: Sequence[float]
) -> tuple[numpy.ndarray[Any, Any], numpy.ndarray[Any, Any], numpy.ndarray[Any, Any]]:
    """The transforms ``(AT, G, BT)`` of Winograd's minimal filtering F(m, r).

    For a signal ``d`` of ``n = m + r - 1`` samples and a filter ``g`` of ``r`` taps, the
    ``m`` outputs of the correlation ``y_i = sum_j g_j d_(i+j)`` are
    ``AT @ ((G @ g) * (BT @ d))``, and in two dimensions ``AT (G g G^T * BT d B) A``.
    The construction is Toom-Cook's: the linear convolution of two polynomials is
    evaluated at ``n - 1`` finite points and at infinity, and recovered by Lagrange
    interpolation; correlation is its transpose. Row ``k`` of ``BT`` holds the
    coefficients of ``prod_(l != k) (x - a_l)``, and the Lagrange denominators are moved
    into ``G``, so ``BT`` and ``AT`` have small integer entries for integer points.

    Parameters
    ----------
    m : int
        Outputs per tile.
    r : int
        Filter taps.
    points : sequence of float
        ``m + r - 2`` distinct finite interpolation points (the last point is infinity).

    Returns
    -------
    AT : ndarray, shape (m, n)
    G : ndarray, shape (n, r)
    BT : ndarray, shape (n, n)
        float64 arrays.

    Examples
    --------
    >>> import numpy
    >>> from minigrad.backends.convolution import winograd_matrices
    >>> AT, G, BT = winograd_matrices(2, 3, (0, 1, -1))
    >>> d, g = numpy.array([1.0, 2, 3, 4]), numpy.array([1.0, 0, -1])
    >>> AT @ ((G @ g) * (BT @ d))
    array([-2., -2.])
    """
    n = m + r - 1
    a = numpy.asarray(points, dtype=numpy.float64)
    if a.shape != (n - 1,) or len(set(a.tolist())) != n - 1:
        raise ValueError(
            f"winograd_matrices: F({m}, {r}) needs {n - 1} distinct points, got {points!r}"
        )
    at = numpy.zeros((m, n))
    at[:, : n - 1] = a[None, :] ** numpy.arange(m)[:, None]
    at[m - 1, n - 1] = 1.0
    g = numpy.zeros((n, r))
    bt = numpy.zeros((n, n))
    for k in range(n - 1):
        others = numpy.delete(a, k)
        g[k] = a[k] ** numpy.arange(r) / numpy.prod(a[k] - others)
        bt[k, : n - 1] = numpy.polynomial.polynomial.polyfromroots(others)
    g[n - 1, r - 1] = 1.0
    bt[n - 1] = numpy.polynomial.polynomial.polyfromroots(a)
    return at, g, bt


@functools.lru_cache(maxsize=None)
def _kron_transforms(tile: int) -> tuple[numpy.ndarray[Any, Any], ...]:
    """``(KA, KG, KB)``, the two-dimensional transforms of F(tile x tile, 3 x 3) as
    Kronecker products acting on row-major flattened tiles: ``KA (m*m, t*t)`` for the
    outputs, ``KG (t*t, 9)`` for the kernel, ``KB (t*t, t*t)`` for the input tiles."""
    at, g, bt = winograd_matrices(tile, 3, _WINOGRAD_POINTS[tile])
    return numpy.kron(at, at), numpy.kron(g, g), numpy.kron(bt, bt)


def _as_rows(xp: Any, a: Array, row: int, shape: tuple[int, ...], strides: tuple[int, ...]
             ) -> Array | None:
    """A view of ``a`` whose elements are runs of ``row`` consecutive values, or ``None``
    where the namespace cannot do that (only NumPy can).

    Copying tiles row by row as opaque ``row * itemsize``-byte elements moves the same
    bytes in a few times fewer inner-loop steps than copying single values, which is what
    limits NumPy on these short, strided runs.
    """
    if xp is not numpy:
        return None
    return numpy.ndarray(shape, dtype=numpy.dtype((numpy.void, row * a.itemsize)), buffer=a,
                         strides=strides)


def _winograd_weights(xp: Any, weight: Array, kg: numpy.ndarray[Any, Any], groups: int) -> Array:
    """``G w G^T`` for every (out, in) channel pair: ``(t*t, groups, O/g, C/g)``."""
    o, cg = weight.shape[:2]
    u = xp.asarray(kg, dtype=weight.dtype) @ weight.reshape(o * cg, 9).T
    return u.reshape(kg.shape[0], groups, o // groups, cg)


def _gather_tiles(xp: Any, block: Array, tile: int, tiles_hw: Pair, out: Array) -> None:
    """Copy the overlapping ``t x t`` input tiles of ``block (m, C, H, W)`` into ``out
    (C, m, th, tw, t, t)``; tile ``(ty, tx)`` starts at row ``tile*ty``, column ``tile*tx``."""
    s = block.strides
    (th, tw), t = tiles_hw, tile + 2
    c, m = block.shape[1], block.shape[0]
    head = (c, m, th, tw, t)
    head_strides = (s[1], s[0], tile * s[2], tile * s[3], s[2])
    rows = _as_rows(xp, block, t, head, head_strides)
    if rows is not None:
        numpy.copyto(out.view(rows.dtype).reshape(head), rows)
        return
    out[...] = xp.lib.stride_tricks.as_strided(
        block, shape=(*head, t), strides=(*head_strides, s[3])
    )


class _Winograd:
    """Geometry, transforms and scratch of one Winograd call, applied chunk by chunk.

    The output plane ``(oh, ow)`` is covered by ``th x tw`` tiles of ``m x m`` outputs,
    each reading a ``t x t`` input tile (``t = m + 2``); a chunk of ``b`` samples has
    ``P = b * th * tw`` tiles per channel. Per chunk the scratch holds the input tiles
    ``(C, P, t*t)``, their transform ``(t*t, C, P)``, the per-position products
    ``(t*t, O, P)`` and the output tiles ``(O, P, m*m)``.
    """

    def __init__(self, xp: Any, batch: int, in_channels: int, out_channels: int,
                 out_hw: Pair, tile: int, dtype: Any) -> None:
        self.xp, self.tile, self.t2, self.dtype = xp, tile, (tile + 2) ** 2, dtype
        self.oh, self.ow = out_hw
        self.th, self.tw = -(-self.oh // tile), -(-self.ow // tile)
        self.plane = (self.th * tile + 2, self.tw * tile + 2)  # input rows/columns read
        ka, self.kg, kb = _kron_transforms(tile)
        self.ka = xp.asarray(ka, dtype=dtype)
        self.kb = xp.asarray(kb, dtype=dtype)
        tiles = self.th * self.tw
        per_sample = self.t2 * max(in_channels, out_channels) * tiles
        self.batch = batch
        self.size = _batch_chunk(batch, per_sample * numpy.dtype(dtype).itemsize)
        self.scratch = _Scratch(xp, dtype)
        self.scratch.reserve("tiles", (in_channels, self.size * tiles, self.t2))
        self.scratch.reserve("transformed", (self.t2, in_channels, self.size * tiles))
        self.scratch.reserve("products", (self.t2, out_channels, self.size * tiles))
        self.scratch.reserve("outputs", (out_channels, self.size * tiles, tile * tile))
        self.whole = (self.oh, self.ow) == (self.th * tile, self.tw * tile)
        self._input_plane: Array = None
        self.spread: Array = None
        if not self.whole:
            self.spread = xp.zeros(
                (self.size, out_channels, self.th * tile, self.tw * tile), dtype=dtype
            )

    def chunks(self) -> Iterator[tuple[int, int]]:
        for start in range(0, self.batch, self.size):
            yield start, min(self.batch, start + self.size)

    def extend(self, source: _Source) -> _Source:
        """``source`` with zero rows and columns added up to whole tiles."""
        h, w = source.shape[2:]
        if (h, w) == self.plane:
            return source
        return source.extended(self.plane[0] - h, self.plane[1] - w)

    def _tiles(self, channels: int, m: int) -> Array:
        return self.scratch.view("tiles", (channels, m * self.th * self.tw, self.t2))

    def transformed_input(self, source: _Source, start: int, stop: int) -> Array:
        """``V = BT d B`` for every input tile of samples ``start:stop``: ``(t*t, C, P)``."""
        block = source.chunk(start, stop, self.size)
        c, m = block.shape[1], stop - start
        d = self._tiles(c, m)
        _gather_tiles(self.xp, block, self.tile, (self.th, self.tw),
                      d.reshape(c, m, self.th, self.tw, self.tile + 2, self.tile + 2))
        v = self.scratch.view("transformed", (self.t2, c, d.shape[1]))
        self.xp.matmul(self.kb, d.reshape(-1, self.t2).T, out=v.reshape(self.t2, -1))
        return v

    def scatter_input_grad(self, dv: Array, target: Array) -> None:
        """The adjoint of :meth:`transformed_input`: ``d = B dV BT`` per tile, the
        overlapping tiles summed into ``target (m, C, H, W)`` (zero on entry)."""
        c, m = dv.shape[1], target.shape[0]
        d = self._tiles(c, m)
        self.xp.matmul(dv.reshape(self.t2, -1).T, self.kb, out=d.reshape(-1, self.t2))
        t = self.tile + 2
        d6 = d.reshape(c, m, self.th, self.tw, t, t)
        plane = target
        if tuple(target.shape[2:]) != self.plane:
            plane = self.spread_input(c, m)
        _overlap_add(self.xp, d6, plane, self.tile)
        if plane is not target:
            h, w = min(self.plane[0], target.shape[2]), min(self.plane[1], target.shape[3])
            target[:, :, :h, :w] = plane[:, :, :h, :w]

    def spread_input(self, channels: int, m: int) -> Array:
        """A ``(m, C, *plane)`` buffer for the input gradient when the tiles do not cover
        the input exactly (every position is written by :func:`_overlap_add`)."""
        if self._input_plane is None:
            self._input_plane = self.xp.empty((self.size, channels, *self.plane),
                                              dtype=self.dtype)
        return self._input_plane[:m]

    def products(self, channels: int, p: int) -> Array:
        return self.scratch.view("products", (self.t2, channels, p))

    def scatter_outputs(self, products: Array, out: Array) -> None:
        """``Y = AT M A`` for every tile, written into ``out (m, O, oh, ow)``."""
        m, o = out.shape[:2]
        tile, th, tw = self.tile, self.th, self.tw
        y = self.scratch.view("outputs", (o, m, th, tw, tile * tile))
        self.xp.matmul(products.reshape(self.t2, -1).T, self.ka.T,
                       out=y.reshape(-1, tile * tile))
        target = out if self.spread is None else self.spread[:m]
        _move_tiles(self.xp, y, target, tile, to_image=True)
        if self.spread is not None:
            out[...] = target[:, :, : self.oh, : self.ow]

    def gathered_grad(self, grad_out: Array) -> Array:
        """``A dY AT`` for every output tile of ``grad_out (m, O, oh, ow)``: ``(t*t, O, P)``,
        the adjoint of :meth:`scatter_outputs`."""
        m, o = grad_out.shape[:2]
        tile, th, tw = self.tile, self.th, self.tw
        if self.spread is not None:
            self.spread[:m, :, : self.oh, : self.ow] = grad_out
            grad_out = self.spread[:m]
        else:
            grad_out = self.xp.ascontiguousarray(grad_out)
        dy = self.scratch.view("outputs", (o, m, th, tw, tile * tile))
        _move_tiles(self.xp, dy, grad_out, tile, to_image=False)
        dm = self.products(o, m * th * tw)
        self.xp.matmul(self.ka.T, dy.reshape(-1, tile * tile).T, out=dm.reshape(self.t2, -1))
        return dm


def _overlap_add(xp: Any, tiles: Array, plane: Array, tile: int) -> None:
    """``plane[:, :, tile*ty + a, tile*tx + b] = sum of tiles[:, :, ty, tx, a, b]`` for
    contiguous tiles ``(C, m, th, tw, t, t)`` that overlap their neighbours by two rows and
    columns; ``plane`` is a contiguous ``(m, C, tile*th + 2, tile*tw + 2)``, overwritten."""
    c, m, th = tiles.shape[:3]
    height = th * tile
    plane[:, :, height:] = 0
    # rows a < tile of every tile land on distinct plane rows
    _overlap_add_rows(xp, tiles, 0, plane, tile)
    # rows a >= tile fall on the first two rows of the next tile row: sum them apart
    tail = xp.empty((m, c, th * 2, plane.shape[3]), dtype=plane.dtype)
    _overlap_add_rows(xp, tiles, tile, tail, 2)
    tail = tail.reshape(m, c, th, 2, plane.shape[3])
    for r in range(2):
        plane[:, :, tile + r : height + r + 1 : tile] += tail[:, :, :, r]


def _overlap_add_rows(xp: Any, tiles: Array, first: int, rows: Array, count: int) -> None:
    """One-dimensional overlap-add along the width. Rows ``first : first + count`` of the
    tiles ``(C, m, th, tw, t, t)`` are written to ``rows (m, C, H, W)``, row ``first + a``
    of tile ``(ty, tx)`` at row ``count*ty + a``, column ``tile*tx``; the two columns a
    tile shares with the next one are summed. Columns past the tiles are set to zero."""
    c, m, th, tw, t = tiles.shape[:5]
    tile = t - 2
    rows[:, :, : th * count, tile * tw :] = 0
    s, ts = rows.strides, tiles.strides
    # (m, C, ty, a, tx): where each tile row starts, in the rows and in the tiles
    shape = (m, c, th, count, tw)
    target_strides = (s[0], s[1], count * s[2], s[2], tile * s[3])
    source_strides = (ts[1], ts[0], ts[2], ts[4], ts[3])
    origin = first * ts[4]
    pair = {4: numpy.complex64, 8: numpy.complex128}.get(rows.itemsize)
    cores = _as_rows(xp, rows, tile, shape, target_strides)
    if cores is not None and pair is not None:
        numpy.copyto(cores, numpy.ndarray(shape, dtype=cores.dtype, buffer=tiles,
                                          offset=origin, strides=source_strides))
        # the two shared columns read as one complex number: one add sums both
        edge = numpy.ndarray(shape, dtype=pair, buffer=rows, offset=tile * s[3],
                             strides=target_strides)
        edge += numpy.ndarray(shape, dtype=pair, buffer=tiles, offset=origin + tile * ts[5],
                              strides=source_strides)
        return
    view = xp.lib.stride_tricks.as_strided
    part = tiles[:, :, :, :, first : first + count].transpose(1, 0, 2, 4, 3, 5)
    core = view(rows, shape=(*shape, tile), strides=(*target_strides, s[3]))
    core[...] = part[..., :tile]
    edge = view(rows[:, :, :, tile:], shape=(*shape, 2), strides=(*target_strides, s[3]))
    edge += part[..., tile:]


def _move_tiles(xp: Any, tiles: Array, image: Array, tile: int, to_image: bool) -> None:
    """Copy between output tiles ``(O, m, th, tw, tile*tile)`` and the whole-tile image
    ``(m, O, th*tile, tw*tile)``, in the direction ``to_image`` says."""
    o, m, th, tw = tiles.shape[:4]
    s = image.strides
    # (m, O, ty, i, tx) with tile rows of `tile` values as single elements
    shape, strides = (m, o, th, tile, tw), (s[0], s[1], tile * s[2], s[2], tile * s[3])
    image_rows = _as_rows(xp, image, tile, shape, strides)
    if image_rows is not None:
        tile_rows = tiles.view(image_rows.dtype).reshape(o, m, th, tw, tile)
        if to_image:
            numpy.copyto(image_rows, tile_rows.transpose(1, 0, 2, 4, 3))
        else:
            numpy.copyto(tile_rows, image_rows.transpose(1, 0, 2, 4, 3))
        return
    image6 = image.reshape(m, o, th, tile, tw, tile)
    tiles6 = tiles.reshape(o, m, th, tw, tile, tile)
    if to_image:
        image6[...] = tiles6.transpose(1, 0, 2, 4, 3, 5)
    else:
        tiles6[...] = image6.transpose(1, 0, 2, 4, 3, 5)


def _winograd_forward(xp: Any, source: _Source, weight: Array, groups: int, tile: int) -> Array:
    n, c, h, w = source.shape
    o, cg = weight.shape[:2]
    og = o // groups
    out_hw = (_out_size(h, 3, 1, 1, "conv2d"), _out_size(w, 3, 1, 1, "conv2d"))
    plan = _Winograd(xp, n, c, o, out_hw, tile, source.dtype)
    source = plan.extend(source)
    u = _winograd_weights(xp, weight, plan.kg, groups)
    out = xp.empty((n, o, *out_hw), dtype=source.dtype)
    for start, stop in plan.chunks():
        v = plan.transformed_input(source, start, stop)
        p = v.shape[2]
        m = plan.products(o, p)
        xp.matmul(u, v.reshape(plan.t2, groups, cg, p), out=m.reshape(plan.t2, groups, og, p))
        plan.scatter_outputs(m, out[start:stop])
    return out


def _winograd_grad_input(
    xp: Any, grad_out: Array, weight: Array, input_size: Pair, groups: int, tile: int
) -> Array:
    """The adjoint of :func:`_winograd_forward` in the input: output-gradient tiles
    transformed by ``A``, one GEMM per tile position with ``U^T``, and the input tiles
    transformed back by ``B`` and summed where they overlap."""
    n, o, oh, ow = grad_out.shape
    cg = weight.shape[1]
    c, og = cg * groups, o // groups
    plan = _Winograd(xp, n, c, o, (oh, ow), tile, grad_out.dtype)
    u = _winograd_weights(xp, weight, plan.kg, groups).transpose(0, 1, 3, 2)
    grad_in = xp.zeros((n, c, *input_size), dtype=grad_out.dtype)
    for start, stop in plan.chunks():
        dm = plan.gathered_grad(grad_out[start:stop])
        p = dm.shape[2]
        dv = plan.scratch.view("transformed", (plan.t2, c, p))
        xp.matmul(u, dm.reshape(plan.t2, groups, og, p), out=dv.reshape(plan.t2, groups, cg, p))
        plan.scatter_input_grad(dv, grad_in[start:stop])
    return grad_in


def _winograd_grad_weight(
    xp: Any, grad_out: Array, source: _Source, groups: int, tile: int
) -> Array:
    """The adjoint of :func:`_winograd_forward` in the weight: with ``M = U * V`` per tile
    position and ``Y = AT M A``, ``dU = sum over tiles of (A dY AT) * V`` (one GEMM per tile
    position, the batch summed inside it) and ``dW = G^T dU G``."""
    n, c = source.shape[:2]
    o, oh, ow = grad_out.shape[1:]
    cg, og = c // groups, o // groups
    plan = _Winograd(xp, n, c, o, (oh, ow), tile, source.dtype)
    source = plan.extend(source)
    total: Array = None
    for start, stop in plan.chunks():
        v = plan.transformed_input(source, start, stop)
        dm = plan.gathered_grad(grad_out[start:stop])
        p = v.shape[2]
        part = xp.matmul(
            dm.reshape(plan.t2, groups, og, p),
            v.reshape(plan.t2, groups, cg, p).transpose(0, 1, 3, 2),
        )
        if total is None:
            total = part
        else:
            total += part
    # dW = KG^T dU: the adjoint of U = KG w
    kg = xp.asarray(plan.kg, dtype=total.dtype)
    grad = kg.T @ total.reshape(plan.t2, o * cg)
    return xp.ascontiguousarray(grad.T).reshape(o, cg, 3, 3)
