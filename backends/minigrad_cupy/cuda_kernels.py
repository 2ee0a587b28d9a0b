"""CUDA C sources of the CuPy backend's kernels, as plain strings (no CuPy import).

Each :class:`KernelSpec` is the three strings ``cupy.ElementwiseKernel`` takes. The loop
runs once per element of the (first) output array, with ``i`` its flat C-order index;
``raw`` arrays are indexed by hand with flat C-order indices (the backend passes them
C-contiguous). ``T`` is the element type, bound from the arrays' dtype when the kernel
is called; the backend uses these kernels for float32 and float64 and the generic
kernels otherwise.

The index arithmetic is the same as in :mod:`minigrad.backends.kernels`:

* window tap ``(ky, kx)`` of output position ``(oy, ox)`` reads input row
  ``oy * sh + ky * dh - pad_top`` and column ``ox * sw + kx * dw - pad_left`` (zero
  padding: a tap outside the ``height x width`` image reads 0, so no padded copy of the
  image is made);
* im2col columns are ``(N, C, kh, kw, oh, ow)`` (``batch_first = 1``, the
  ``unfold`` layout) or ``(C, kh, kw, N, oh, ow)`` (``batch_first = 0``, the layout in
  which a convolution over the whole batch is one GEMM per group);
* the adjoints (col2im, sum-pool backward) GATHER, one thread per input element summing
  the taps that read it, so they need no atomics and are deterministic.

Because the bodies are plain C++ (no CUDA intrinsics), the test suite also compiles them
on the host and checks them against the generic kernels on machines without a GPU.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALL", "KernelSpec"]


@dataclass(frozen=True)
class KernelSpec:
    """The arguments of one ``cupy.ElementwiseKernel``."""

    name: str
    in_params: str
    out_params: str
    operation: str


_GEOMETRY = "int32 kh, int32 kw, int32 sh, int32 sw, int32 dh, int32 dw"

IM2COL = KernelSpec(
    "minigrad_im2col",
    f"raw T img, int32 batch, int32 channels, int32 height, int32 width, {_GEOMETRY}, "
    "int32 oh, int32 ow, int32 batch_first, int32 pad_top, int32 pad_left",
    "T col",
    r"""
    long long t = i;
    const int ox = (int)(t % ow); t /= ow;
    const int oy = (int)(t % oh); t /= oh;
    int n, c, ky, kx;
    if (batch_first) {
        kx = (int)(t % kw); t /= kw;
        ky = (int)(t % kh); t /= kh;
        c = (int)(t % channels); n = (int)(t / channels);
    } else {
        n = (int)(t % batch); t /= batch;
        kx = (int)(t % kw); t /= kw;
        ky = (int)(t % kh); c = (int)(t / kh);
    }
    const long long row = (long long)oy * sh + (long long)ky * dh - pad_top;
    const long long column = (long long)ox * sw + (long long)kx * dw - pad_left;
    const bool inside = row >= 0 && row < height && column >= 0 && column < width;
    col = inside ? img[(((long long)n * channels + c) * height + row) * width + column]
                 : (T)0;
    """,
)

# One thread per element of the unpadded image: ``(y + pad_top, x + pad_left)`` is its
# position in the padded plane the windows slide over.
COL2IM = KernelSpec(
    "minigrad_col2im",
    f"raw T cols, int32 batch, int32 channels, int32 height, int32 width, {_GEOMETRY}, "
    "int32 oh, int32 ow, int32 batch_first, int32 pad_top, int32 pad_left",
    "T img",
    r"""
    long long t = i;
    const int x = (int)(t % width) + pad_left; t /= width;
    const int y = (int)(t % height) + pad_top; t /= height;
    const int c = (int)(t % channels); const int n = (int)(t / channels);
    T total = 0;
    for (int ky = 0; ky < kh; ++ky) {
        const int ry = y - ky * dh;
        if (ry < 0 || ry % sh != 0) continue;
        const int oy = ry / sh;
        if (oy >= oh) continue;
        for (int kx = 0; kx < kw; ++kx) {
            const int rx = x - kx * dw;
            if (rx < 0 || rx % sw != 0) continue;
            const int ox = rx / sw;
            if (ox >= ow) continue;
            const long long tap = batch_first
                ? (((long long)n * channels + c) * kh + ky) * kw + kx
                : ((((long long)c * kh + ky) * kw + kx) * batch + n);
            total += cols[(tap * oh + oy) * ow + ox];
        }
    }
    img = total;
    """,
)

_ARG_POOL = r"""
    long long t = i;
    const int ox = (int)(t % ow); t /= ow;
    const int oy = (int)(t % oh);
    const long long base = (t / oh) * height * width;
    const int y0 = oy * sh;
    const int x0 = ox * sw;
    long long best_at = (long long)y0 * width + x0;
    T best = img[base + best_at];
    bool done = best != best;
    for (int ky = 0; ky < kh && !done; ++ky) {
        for (int kx = 0; kx < kw; ++kx) {
            const long long at = (long long)(y0 + ky * dh) * width + (x0 + kx * dw);
            const T v = img[base + at];
            if (v != v) { best = v; best_at = at; done = true; break; }
            if (v BETTER best) { best = v; best_at = at; }
        }
    }
    pooled = best;
    arg = best_at;
"""

_POOL_PARAMS = f"raw T img, int32 height, int32 width, {_GEOMETRY}, int32 oh, int32 ow"

# Strict comparisons keep the FIRST extremum in row-major window order; a NaN ends the
# scan at the first NaN, which is what the generic kernels return.
MAX_POOL = KernelSpec(
    "minigrad_max_pool2d", _POOL_PARAMS, "T pooled, int64 arg", _ARG_POOL.replace("BETTER", ">")
)
MIN_POOL = KernelSpec(
    "minigrad_min_pool2d", _POOL_PARAMS, "T pooled, int64 arg", _ARG_POOL.replace("BETTER", "<")
)

SUM_POOL = KernelSpec(
    "minigrad_sum_pool2d",
    _POOL_PARAMS,
    "T pooled",
    r"""
    long long t = i;
    const int ox = (int)(t % ow); t /= ow;
    const int oy = (int)(t % oh);
    const long long base = (t / oh) * height * width;
    T total = 0;
    for (int ky = 0; ky < kh; ++ky) {
        const long long row = base + (long long)(oy * sh + ky * dh) * width;
        for (int kx = 0; kx < kw; ++kx) {
            total += img[row + ox * sw + kx * dw];
        }
    }
    pooled = total;
    """,
)

SUM_POOL_BACKWARD = KernelSpec(
    "minigrad_sum_pool2d_backward",
    f"raw T grad, int32 height, int32 width, {_GEOMETRY}, int32 oh, int32 ow",
    "T img",
    r"""
    long long t = i;
    const int x = (int)(t % width); t /= width;
    const int y = (int)(t % height);
    const long long base = (t / height) * oh * ow;
    T total = 0;
    for (int ky = 0; ky < kh; ++ky) {
        const int ry = y - ky * dh;
        if (ry < 0 || ry % sh != 0) continue;
        const int oy = ry / sh;
        if (oy >= oh) continue;
        for (int kx = 0; kx < kw; ++kx) {
            const int rx = x - kx * dw;
            if (rx < 0 || rx % sw != 0) continue;
            const int ox = rx / sw;
            if (ox >= ow) continue;
            total += grad[base + (long long)oy * ow + ox];
        }
    }
    img = total;
    """,
)

# The output has the shape of the indices ``at`` (N, C, oh, ow); ``i / plane_out`` is the
# (n, c) plane the element belongs to.
POOL_GATHER = KernelSpec(
    "minigrad_pool2d_gather",
    "raw T src, int64 at, int64 plane_in, int64 plane_out",
    "T picked",
    "picked = src[((long long)i / plane_out) * plane_in + at];",
)

# Flat positions in the whole (N*C*H*W) array, for cupyx.scatter_add.
POOL_FLAT_INDEX = KernelSpec(
    "minigrad_pool2d_flat_index",
    "int64 at, int64 plane_in, int64 plane_out",
    "int64 flat",
    "flat = ((long long)i / plane_out) * plane_in + at;",
)

ALL = (
    IM2COL, COL2IM, MAX_POOL, MIN_POOL, SUM_POOL, SUM_POOL_BACKWARD, POOL_GATHER,
    POOL_FLAT_INDEX,
)
