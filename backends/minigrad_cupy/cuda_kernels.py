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
    """The arguments of one ``cupy.ElementwiseKernel``, and which of its non-raw inputs
    the backend passes as arrays (the others are scalars; the tests need to know)."""

    name: str
    in_params: str
    out_params: str
    operation: str
    arrays: tuple[str, ...] = ()


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
    arrays=("at",),
)

# Flat positions in the whole (N*C*H*W) array, for cupyx.scatter_add.
POOL_FLAT_INDEX = KernelSpec(
    "minigrad_pool2d_flat_index",
    "int64 at, int64 plane_in, int64 plane_out",
    "int64 flat",
    "flat = ((long long)i / plane_out) * plane_in + at;",
    arrays=("at",),
)

# --- fused nodes: one launch where the generic code makes several ----------------------
# Per-channel kernels see (N, C, inner) arrays (inner = H * W, or 1 for (N, C) inputs):
# element i is in channel (i / inner) % channels. Missing optional arrays are passed as a
# one-element dummy and not read (has_weight = 0...).
_CHANNEL = "const long long c = ((long long)i / inner) % channels;"

BATCH_NORM = KernelSpec(
    "minigrad_batch_norm",
    "T x, raw T mean, raw T invstd, raw T weight, raw T bias, int64 channels, int64 inner, "
    "int32 has_weight, int32 has_bias",
    "T out",
    _CHANNEL + r"""
    T scale = invstd[c];
    if (has_weight) scale *= weight[c];
    out = (x - mean[c]) * scale + (has_bias ? bias[c] : (T)0);
    """,
    arrays=("x",),
)

# (x - mean)^2 for the variance, and g * (x - mean) for the weight gradient: each is then
# summed per channel by one CuPy reduction.
BATCH_NORM_SQUARED_DEVIATION = KernelSpec(
    "minigrad_batch_norm_squared_deviation",
    "T x, raw T mean, int64 channels, int64 inner",
    "T out",
    _CHANNEL + "const T d = x - mean[c]; out = d * d;",
    arrays=("x",),
)

BATCH_NORM_GRAD_PRODUCT = KernelSpec(
    "minigrad_batch_norm_grad_product",
    "T g, T x, raw T mean, int64 channels, int64 inner",
    "T out",
    _CHANNEL + "out = g * (x - mean[c]);",
    arrays=("g", "x"),
)

# dx with the batch's statistics: weight * invstd * (g - sum_g / n - xhat * sum(g xhat) / n),
# where sum(g xhat) = invstd * sum_gc; with running statistics: weight * invstd * g.
BATCH_NORM_GRAD_INPUT = KernelSpec(
    "minigrad_batch_norm_grad_input",
    "T g, T x, raw T mean, raw T invstd, raw T weight, raw T sum_g, raw T sum_gc, "
    "int64 channels, int64 inner, int64 count, int32 has_weight, int32 batch_stats",
    "T dx",
    _CHANNEL + r"""
    const T s = invstd[c];
    const T k = has_weight ? s * weight[c] : s;
    if (batch_stats) {
        const T n = (T)count;
        dx = k * (g - sum_g[c] / n - (x - mean[c]) * (s * s * sum_gc[c] / n));
    } else {
        dx = k * g;
    }
    """,
    arrays=("g", "x"),
)

# NLL of class-index targets on logp seen as (outer, classes, inner): position i is
# (n, s) = (i / inner, i % inner); its class c log-probability is at
# (n * classes + c) * inner + s.
NLL_TERMS = KernelSpec(
    "minigrad_nll_terms",
    "T pick, raw T logp, raw int64 target, raw T spread, raw T class_weight, "
    "int64 classes, int64 inner, int32 has_spread, int32 has_weight",
    "T terms",
    r"""
    const long long base = ((long long)i / inner) * classes * inner + (long long)i % inner;
    T total = logp[base + target[i] * inner] * pick;
    if (has_spread) {
        T all = 0;
        for (long long c = 0; c < classes; ++c) {
            all += (has_weight ? class_weight[c] : (T)1) * logp[base + c * inner];
        }
        total += all * spread[i];
    }
    terms = total;
    """,
    arrays=("pick",),
)

NLL_GRAD = KernelSpec(
    "minigrad_nll_grad",
    "raw T coef, raw int64 target, raw T pick, raw T spread, raw T class_weight, "
    "int64 classes, int64 inner, int32 coef_per_position, int32 has_spread, int32 has_weight",
    "T grad",
    r"""
    const long long s = (long long)i % inner;
    const long long c = ((long long)i / inner) % classes;
    const long long position = ((long long)i / (inner * classes)) * inner + s;
    const T g = coef[coef_per_position ? position : 0];
    T share = target[position] == c ? pick[position] : (T)0;
    if (has_spread) share += spread[position] * (has_weight ? class_weight[c] : (T)1);
    grad = -g * share;
    """,
)

RELU_GRAD = KernelSpec(
    "minigrad_relu_grad", "T g, T y", "T out", "out = g * (T)(y != (T)0);",
    arrays=("g", "y"),
)
TANH_GRAD = KernelSpec(
    "minigrad_tanh_grad", "T g, T y", "T out", "out = ((T)1 - y * y) * g;",
    arrays=("g", "y"),
)
SIGMOID_GRAD = KernelSpec(
    "minigrad_sigmoid_grad", "T g, T y", "T out", "out = (((T)1 - y) * y) * g;",
    arrays=("g", "y"),
)

# --- optimizer steps: one launch per parameter, parameter and state updated in place --
# The scalars are computed on the host as the generic code computes them (keep =
# 1 - dampening...), so each kernel repeats the generic arithmetic operation by operation.
SGD_STEP = KernelSpec(
    "minigrad_sgd_step",
    "T grad, raw T buffer, T lr, T momentum, T keep, T weight_decay, int32 use_momentum, "
    "int32 first, int32 nesterov, int32 maximize",
    "T param",
    r"""
    T d = maximize ? -grad : grad;
    if (weight_decay != (T)0) d = d + param * weight_decay;
    if (use_momentum) {
        T b = first ? d : buffer[i] * momentum + d * keep;
        buffer[i] = b;
        d = nesterov ? d + b * momentum : b;
    }
    param = param - d * lr;
    """,
    arrays=("grad",),
)

ADAM_STEP = KernelSpec(
    "minigrad_adam_step",
    "T grad, raw T max_exp_avg_sq, T decay, T weight_decay, T keep1, T beta2, T keep2, "
    "T bias_correction2_sqrt, T eps, T step_size, int32 amsgrad, int32 maximize, "
    "int32 decoupled",
    "T param, T exp_avg, T exp_avg_sq",
    r"""
    T g = maximize ? -grad : grad;
    if (weight_decay != (T)0) {
        if (decoupled) param = param * decay;
        else g = g + param * weight_decay;
    }
    exp_avg = exp_avg + (g - exp_avg) * keep1;
    exp_avg_sq = exp_avg_sq * beta2 + (g * keep2) * g;
    T v = exp_avg_sq;
    if (amsgrad) {
        const T top = max_exp_avg_sq[i];
        if (v != v || v > top) max_exp_avg_sq[i] = v; else v = top;
    }
    const T denom = sqrt(v) / bias_correction2_sqrt + eps;
    param = param + (exp_avg / denom) * (-step_size);
    """,
    arrays=("grad",),
)

ALL = (
    IM2COL, COL2IM, MAX_POOL, MIN_POOL, SUM_POOL, SUM_POOL_BACKWARD, POOL_GATHER,
    POOL_FLAT_INDEX, BATCH_NORM, BATCH_NORM_SQUARED_DEVIATION, BATCH_NORM_GRAD_PRODUCT,
    BATCH_NORM_GRAD_INPUT, NLL_TERMS, NLL_GRAD, RELU_GRAD, TANH_GRAD, SIGMOID_GRAD, SGD_STEP,
    ADAM_STEP,
)
