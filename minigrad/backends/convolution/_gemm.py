"""im2col + GEMM for every convolution shape.

Flattened row by row, an ``(H, W)`` plane turns a kernel tap ``(i, j)`` of a stride-1
convolution into a plain shift: the tap reads position ``p + i*dh*W + j*dw`` for output
position ``p`` (in a grid of ``oh`` rows of ``W``). So each tap's im2col columns are one
contiguous slice of the plane (:class:`_Flat`), and the GEMM computes ``W - ow`` extra
positions at the end of every output row, which are dropped when the result is written as
NCHW. With a stride, each tap's columns are the strided window it reads (:class:`_Windows`,
classic im2col). The batch is processed in chunks whose columns fit in the L2 cache, with
buffers reused from chunk to chunk and call to call; every GEMM is one per sample and group.
"""

from __future__ import annotations

import abc
from typing import Any

from minigrad.backends.convolution._chunks import (
    NO_PAD,
    Array,
    Pad4,
    Pair,
    Scratch,
    Source,
    batch_chunk,
    chunks,
    itemsize,
    out_size,
)

__all__ = ["forward", "grad_input_col2im", "grad_input_flipped", "grad_weight"]


class _Layout(abc.ABC):
    """Where the im2col columns of every kernel tap come from, for an input of size
    ``in_hw``. The GEMM's output positions are ``oh`` rows of ``row``, of which the first
    ``ow`` are real; each tap's columns are ``length`` long."""

    oh: int
    ow: int
    row: int
    length: int
    taps: int

    @property
    def direct(self) -> bool:
        """Whether the GEMM's output positions are exactly the output (no discarded ones)."""
        return self.ow == self.row

    def reserve(self, scratch: Scratch, size: int, channels: int) -> None:
        if self.taps > 1:
            scratch.reserve("columns", (size, channels, self.taps, self.length))

    @abc.abstractmethod
    def columns(self, block: Array, scratch: Scratch) -> Array:
        """The im2col columns ``(m, C * taps, length)`` of ``block (m, C, H, W)``."""

    @abc.abstractmethod
    def add_columns(self, per_tap: Array, image: Array) -> None:
        """col2im: add ``per_tap (m, C, taps, length)`` into ``image (m, C, H, W)``."""

    def spread(self, grad_out: Array, scratch: Scratch) -> Array:
        """``grad_out (m, O, oh, ow)`` laid out like the GEMM's output ``(m, O, length)``,
        zero at the discarded positions."""
        m, o = grad_out.shape[:2]
        if self.direct:
            return grad_out.reshape(m, o, self.length)
        spread = scratch.view("spread", (m, o, self.oh, self.row))
        spread[:, :, :, : self.ow] = grad_out
        return spread.reshape(m, o, self.oh * self.row)[:, :, : self.length]


class _Flat(_Layout):
    """Stride 1: in the row-major flattened plane, tap ``(i, j)``'s columns are the one
    contiguous slice starting at ``i*dh*W + j*dw``."""

    def __init__(self, in_hw: Pair, kernel_size: Pair, dilation: Pair, op: str) -> None:
        (h, w), (kh, kw), (dh, dw) = in_hw, kernel_size, dilation
        self.oh, self.ow = out_size(h, kh, 1, dh, op), out_size(w, kw, 1, dw, op)
        self.row = w
        self.length = (self.oh - 1) * w + self.ow
        self.offsets = [i * dh * w + j * dw for i in range(kh) for j in range(kw)]
        self.taps = len(self.offsets)

    def columns(self, block: Array, scratch: Scratch) -> Array:
        m, c, h, w = block.shape
        planes = block.reshape(m, c, h * w)
        if self.taps == 1:  # a 1x1 kernel reads the planes themselves
            return planes[:, :, : self.length]
        cols = scratch.view("columns", (m, c, self.taps, self.length))
        for t, offset in enumerate(self.offsets):
            cols[:, :, t] = planes[:, :, offset : offset + self.length]
        return cols.reshape(m, c * self.taps, self.length)

    def add_columns(self, per_tap: Array, image: Array) -> None:
        m, c, h, w = image.shape
        planes = image.reshape(m, c, h * w)  # image is contiguous: a view
        for t, offset in enumerate(self.offsets):
            planes[:, :, offset : offset + self.length] += per_tap[:, :, t]


class _Windows(_Layout):
    """Stride > 1: tap ``(i, j)``'s columns are the strided window of the image that it
    reads, copied into ``(oh, ow)`` (classic im2col; no discarded positions)."""

    def __init__(self, in_hw: Pair, kernel_size: Pair, stride: Pair, dilation: Pair,
                 op: str) -> None:
        (h, w), (kh, kw), (sh, sw), (dh, dw) = in_hw, kernel_size, stride, dilation
        self.oh, self.ow = out_size(h, kh, sh, dh, op), out_size(w, kw, sw, dw, op)
        self.row = self.ow
        self.length = self.oh * self.ow
        self.stride = (sh, sw)
        self.origins = [(i * dh, j * dw) for i in range(kh) for j in range(kw)]
        self.windows = [
            (slice(r, r + sh * (self.oh - 1) + 1, sh), slice(q, q + sw * (self.ow - 1) + 1, sw))
            for r, q in self.origins
        ]
        self.taps = len(self.windows)

    def reserve(self, scratch: Scratch, size: int, channels: int) -> None:
        scratch.reserve("columns", (size, channels, self.taps, self.length))

    def columns(self, block: Array, scratch: Scratch) -> Array:
        m, c = block.shape[:2]
        cols = scratch.view("columns", (m, c, self.taps, self.oh, self.ow))
        for t, (rows, columns) in enumerate(self.windows):
            cols[:, :, t] = block[:, :, rows, columns]
        return cols.reshape(m, c * self.taps, self.length)

    def add_columns(self, per_tap: Array, image: Array, pad: Pad4 = NO_PAD) -> None:
        """col2im into ``image``, the input before ``pad``: each tap adds only the
        positions of its window that fall inside the image."""
        m, c = image.shape[:2]
        per_tap = per_tap.reshape(m, c, self.taps, self.oh, self.ow)
        if pad == NO_PAD:
            for t, (rows, columns) in enumerate(self.windows):
                image[:, :, rows, columns] += per_tap[:, :, t]
            return
        (h, w), (sh, sw) = image.shape[2:], self.stride
        for t, (r, q) in enumerate(self.origins):
            rows, out_rows = _inside(r - pad[0], sh, self.oh, h)
            columns, out_columns = _inside(q - pad[2], sw, self.ow, w)
            image[:, :, rows, columns] += per_tap[:, :, t, out_rows, out_columns]


def _inside(first: int, step: int, count: int, size: int) -> tuple[slice, slice]:
    """For the positions ``first + step * k`` (``k < count``) along a dimension of ``size``:
    the slice of those inside ``[0, size)``, and the slice of the ``k`` they have."""
    low = max(0, -(first // step)) if first < 0 else 0
    high = min(count, (size - 1 - first) // step + 1) if size - 1 >= first else 0
    high = max(high, low)
    start = first + step * low
    return slice(start, start + step * (high - low), step), slice(low, high)


def _layout(in_hw: Pair, kernel_size: Pair, stride: Pair, dilation: Pair, op: str,
            windows: bool = False) -> _Layout:
    """The flat layout for stride 1, unless ``windows``: its discarded positions hold zeros
    in the gradients' GEMMs, which multiply a NaN or infinity into NaN (``0 * inf``)."""
    if tuple(stride) == (1, 1) and not windows:
        return _Flat(in_hw, kernel_size, dilation, op)
    return _Windows(in_hw, kernel_size, stride, dilation, op)


def _chunk_size(n: int, layout: _Layout, channels: int, extra: int, dtype: Any) -> int:
    taps = 0 if layout.taps == 1 and isinstance(layout, _Flat) else layout.taps
    return batch_chunk(n, (channels * taps * layout.length + extra) * itemsize(dtype))


def forward(xp: Any, source: Source, weight: Array, stride: Pair, dilation: Pair,
            groups: int) -> Array:
    """The convolution of ``source`` (NCHW, padded) with ``weight``: ``(N, O, oh, ow)``."""
    n, c, h, w = source.shape
    o, cg, kh, kw = weight.shape
    og = o // groups
    layout = _layout((h, w), (kh, kw), stride, dilation, "conv2d")
    oh, ow, row, length = layout.oh, layout.ow, layout.row, layout.length
    size = _chunk_size(n, layout, c, 0 if layout.direct else o * oh * row, source.dtype)
    scratch = Scratch(xp, source.dtype)
    layout.reserve(scratch, size, c)
    if not layout.direct:
        scratch.reserve("result", (size, o, oh * row))
    w3 = weight.reshape(groups, og, cg * kh * kw)
    out = xp.empty((n, o, oh, ow), dtype=source.dtype)
    for start, stop in chunks(n, size):
        m = stop - start
        cols = layout.columns(source.chunk(start, stop, size), scratch)
        operand = cols.reshape(m, groups, cg * kh * kw, length)
        if layout.direct:
            xp.matmul(w3, operand, out=out[start:stop].reshape(m, groups, og, length))
        else:
            result = scratch.view("result", (m, groups, og, oh * row))
            xp.matmul(w3, operand, out=result[..., :length])
            out[start:stop] = result.reshape(m, o, oh, row)[..., :ow]
    return out


def grad_weight(xp: Any, grad_out: Array, source: Source, kernel_size: Pair, stride: Pair,
                dilation: Pair, groups: int, windows: bool = False) -> Array:
    """The weight gradient: per chunk, ``grad_out (O, positions) @ columns^T``, the
    samples of the chunk summed after their GEMMs (``windows``: see :func:`_layout`)."""
    n, c, h, w = source.shape
    o = grad_out.shape[1]
    cg, og = c // groups, o // groups
    layout = _layout((h, w), kernel_size, stride, dilation, "conv2d_grad_weight", windows)
    k = cg * layout.taps
    size = _chunk_size(n, layout, c, 0 if layout.direct else o * layout.oh * layout.row,
                       source.dtype)
    scratch = Scratch(xp, source.dtype)
    layout.reserve(scratch, size, c)
    if not layout.direct:
        scratch.reserve("spread", (size, o, layout.oh, layout.row), zero=True)
    grad_out = xp.ascontiguousarray(grad_out)
    if n == 0:  # an empty batch contributes nothing
        return xp.zeros((o, cg, *kernel_size), dtype=grad_out.dtype)
    total: Array = None
    for start, stop in chunks(n, size):
        m = stop - start
        cols = layout.columns(source.chunk(start, stop, size), scratch)
        g = layout.spread(grad_out[start:stop], scratch).reshape(m, groups, og, layout.length)
        c4 = cols.reshape(m, groups, k, layout.length)
        if m > 1 and layout.length < og:
            # few positions, many channels: one GEMM over the chunk's samples and positions
            # together; per-sample products would each be as large as the whole gradient
            g = g.transpose(1, 2, 0, 3).reshape(groups, og, m * layout.length)
            c4 = c4.transpose(1, 2, 0, 3).reshape(groups, k, m * layout.length)
            chunk_sum = xp.matmul(g, c4.transpose(0, 2, 1))
        else:
            part = xp.matmul(g, c4.transpose(0, 1, 3, 2))
            chunk_sum = part.sum(axis=0) if m > 1 else part[0]
        if total is None:
            total = chunk_sum
        else:
            total += chunk_sum
    return total.reshape(o, cg, *kernel_size)


def grad_input_flipped(xp: Any, grad_out: Array, weight: Array, input_size: Pair,
                       dilation: Pair, groups: int, pad: Pad4 = NO_PAD) -> Array:
    """The input gradient of a stride-1 convolution as a convolution itself: ``grad_out``
    zero-padded by the kernel's reach on every side, convolved with the kernel rotated by
    180 degrees, whose input and output channels swap within each group. With the forward
    pass's ``pad``, only the rows and columns of the unpadded input are computed: the
    zero border of ``grad_out`` shrinks by the padding (and where the padding is wider than
    the kernel's reach, the rows of ``grad_out`` that only padding receives are skipped)."""
    oh, ow = grad_out.shape[2:]
    o, cg, kh, kw = weight.shape
    (dh, dw), (height, width) = dilation, input_size
    top, bottom = dh * (kh - 1) - pad[0], height + pad[0] - oh
    left, right = dw * (kw - 1) - pad[2], width + pad[2] - ow
    grad_out = grad_out[:, :, max(0, -top) : oh + min(0, bottom),
                        max(0, -left) : ow + min(0, right)]
    border: Pad4 = (max(0, top), max(0, bottom), max(0, left), max(0, right))
    w5 = weight.reshape(groups, o // groups, cg, kh, kw)[:, :, :, ::-1, ::-1]
    flipped = xp.ascontiguousarray(w5.transpose(0, 2, 1, 3, 4)).reshape(groups * cg,
                                                                        o // groups, kh, kw)
    return forward(xp, Source(xp, grad_out, border), flipped, (1, 1), dilation, groups)


def grad_input_col2im(xp: Any, grad_out: Array, weight: Array, input_size: Pair,
                      stride: Pair, dilation: Pair, groups: int, pad: Pad4 = NO_PAD,
                      windows: bool = False) -> Array:
    """The input gradient as GEMM then col2im: ``weight^T @ grad_out`` gives every tap's
    columns, each added into the part of the (padded) image that the tap reads; the part
    inside the padding is then copied out (``windows``: see :func:`_layout`)."""
    n, o, oh, ow = grad_out.shape
    _, cg, kh, kw = weight.shape
    c, og = cg * groups, o // groups
    (sh, sw), (dh, dw) = stride, dilation
    reach = ((oh - 1) * sh + dh * (kh - 1) + 1, (ow - 1) * sw + dw * (kw - 1) + 1)
    layout = _layout(reach, (kh, kw), stride, dilation, "conv2d_grad_input", windows)
    k = cg * kh * kw
    # the flat layout needs the reached part of the image as one contiguous plane; the
    # windows add into the image in place, leaving out what falls on the padding
    whole = isinstance(layout, _Windows) or (pad == NO_PAD and tuple(input_size) == reach)
    extra = (0 if whole else c * reach[0] * reach[1]) + (
        0 if layout.direct else o * oh * layout.row)
    size = batch_chunk(n, (c * kh * kw * layout.length + extra) * itemsize(grad_out.dtype))
    scratch = Scratch(xp, grad_out.dtype)
    scratch.reserve("columns", (size, c, kh * kw, layout.length))
    if not whole:
        scratch.reserve("image", (size, c, *reach))
    if not layout.direct:
        scratch.reserve("spread", (size, o, oh, layout.row), zero=True)
    grad_out = xp.ascontiguousarray(grad_out)
    w3t = weight.reshape(groups, og, k).transpose(0, 2, 1)
    grad_in = xp.zeros((n, c, *input_size), dtype=grad_out.dtype)
    # the rows and columns of the unpadded input that some window reads
    top, left = min(pad[0], reach[0]), min(pad[2], reach[1])
    rows, columns = min(input_size[0], reach[0] - top), min(input_size[1], reach[1] - left)
    for start, stop in chunks(n, size):
        m = stop - start
        g = layout.spread(grad_out[start:stop], scratch).reshape(m, groups, og, layout.length)
        cols = scratch.view("columns", (m, groups, k, layout.length))
        xp.matmul(w3t, g, out=cols)
        per_tap = cols.reshape(m, c, kh * kw, layout.length)
        if isinstance(layout, _Windows):
            layout.add_columns(per_tap, grad_in[start:stop], pad)
            continue
        if whole:
            layout.add_columns(per_tap, grad_in[start:stop])
            continue
        image = scratch.view("image", (m, c, *reach))
        image[...] = 0
        layout.add_columns(per_tap, image)
        grad_in[start:stop, :, :rows, :columns] = image[:, :, top : top + rows,
                                                        left : left + columns]
    return grad_in
