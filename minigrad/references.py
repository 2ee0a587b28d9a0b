"""Plain NumPy references of the CNN ops, written for clarity, not speed.

The op table (:mod:`minigrad.optable`) checks every op's forward pass against these. They
follow the definitions directly (a loop over output positions, one window at a time) and
share no code with the kernels they check.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy

from minigrad.backends.geometry import adaptive_bounds

Array = Any


def _pair(v: Any) -> tuple[int, int]:
    items = list(v) if isinstance(v, (list, tuple)) else [v]
    return (int(items[0]), int(items[-1]))


def _batch(x: Array, spatial: int) -> tuple[Array, bool]:
    return (x, True) if x.ndim == spatial + 2 else (x[None], False)


def _pad_amounts(padding: Any, kernel: tuple[int, int], dilation: tuple[int, int]
                 ) -> tuple[int, int, int, int]:
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding in ("same", "full"):
        spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if padding == "full":
            return (spans[0], spans[0], spans[1], spans[1])
        return (spans[0] // 2, spans[0] - spans[0] // 2, spans[1] // 2, spans[1] - spans[1] // 2)
    ph, pw = _pair(padding)
    return (ph, ph, pw, pw)


def conv2d(x: Array, w: Array, b: Array | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1, padding_mode: str = "zeros") -> Array:
    """``out[n, o, i, j] = b[o] + sum over c, u, v of w[o, c, u, v] * x[n, group(o) c,
    i s + u d, j s + v d]`` on the padded input."""
    x, batched = _batch(x, 2)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    o, cg, kh, kw = w.shape
    top, bottom, left, right = _pad_amounts(padding, (kh, kw), (dh, dw))
    mode: Any = {"zeros": "constant", "replicate": "edge", "circular": "wrap"}.get(
        padding_mode, padding_mode)
    x = numpy.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode=mode)
    n, _, h, wd = x.shape
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (wd - dw * (kw - 1) - 1) // sw + 1
    out = numpy.zeros((n, o, oh, ow), dtype=numpy.result_type(x, w))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(oh):
            for j in range(ow):
                patch = x[:, g * cg:(g + 1) * cg, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                          j * sw:j * sw + dw * (kw - 1) + 1:dw]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out if batched else out[0]


def conv1d(x: Array, w: Array, b: Array | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1, padding_mode: str = "zeros") -> Array:
    """:func:`conv2d` on images of height 1."""
    x, batched = _batch(x, 1)
    pad = padding if isinstance(padding, str) else (0, _pair(padding)[0])
    out = conv2d(x[:, :, None], w[:, :, None], b, (1, _pair(stride)[0]), pad,
                 (1, _pair(dilation)[0]), groups, padding_mode)[:, :, 0]
    return out if batched else out[0]


def conv_transpose2d(x: Array, w: Array, b: Array | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Array:
    """Every input pixel adds ``x * w`` into a window of the output (overlaps sum), then
    ``padding`` rows/columns are cut from each side."""
    x, batched = _batch(x, 2)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    ph, pw = _pair(padding)
    eh, ew = _pair(output_padding)
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + eh
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1 + ew
    out = numpy.zeros((n, og * groups, full_h, full_w), dtype=numpy.result_type(x, w))
    per_group = c // groups
    for ic in range(c):
        g = ic // per_group
        for i in range(h):
            for j in range(wd):
                for u in range(kh):
                    for v in range(kw):
                        out[:, g * og:(g + 1) * og, i * sh + u * dh, j * sw + v * dw] += (
                            x[:, ic, i, j][:, None] * w[ic, :, u, v][None])
    out = out[:, :, ph:full_h - ph, pw:full_w - pw]
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out if batched else out[0]


def unfold(x: Array, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
           ) -> Array:
    """Column ``l`` holds window ``l`` (row-major), rows ordered channel, kernel row,
    kernel column."""
    x, batched = _batch(x, 2)
    kh, kw = _pair(kernel_size)
    dh, dw = _pair(dilation)
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    x = numpy.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, _, h, wd = x.shape
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (wd - dw * (kw - 1) - 1) // sw + 1
    cols = []
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                      j * sw:j * sw + dw * (kw - 1) + 1:dw]
            cols.append(patch.reshape(n, -1))
    out = numpy.stack(cols, axis=2)
    return out if batched else out[0]


def fold(cols: Array, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Array:
    """The adjoint of :func:`unfold`: each column is added back where its window was."""
    batched = cols.ndim == 3
    cols = cols if batched else cols[None]
    h, wd = _pair(output_size)
    kh, kw = _pair(kernel_size)
    dh, dw = _pair(dilation)
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    out = numpy.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype=cols.dtype)
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    for col in range(cols.shape[2]):
        i, j = divmod(col, ow)
        out[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh,
            j * sw:j * sw + dw * (kw - 1) + 1:dw] += cols[:, :, col].reshape(n, c, kh, kw)
    out = out[:, :, ph:ph + h, pw:pw + wd]
    return out if batched else out[0]


def _pool_out(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _extremum_pool(x: Array, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, return_indices: bool, largest: bool) -> Any:
    x, batched = _batch(x, 2)
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(kernel_size if stride is None else stride)
    ph, pw = _pair(padding)
    dh, dw = _pair(dilation)
    n, c, h, wd = x.shape
    oh = _pool_out(h, kh, sh, ph, dh, ceil_mode)
    ow = _pool_out(wd, kw, sw, pw, dw, ceil_mode)
    values = numpy.zeros((n, c, oh, ow), dtype=x.dtype)
    indices = numpy.zeros((n, c, oh, ow), dtype=numpy.int64)
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    best: Any = None
                    where = 0
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * sh - ph + u * dh, j * sw - pw + v * dw
                            if not (0 <= r < h and 0 <= q < wd):
                                continue
                            value = x[b, ch, r, q]
                            better = best is None or (value > best if largest else value < best)
                            if better or (numpy.isnan(value) and not numpy.isnan(best)):
                                best, where = value, r * wd + q
                    values[b, ch, i, j], indices[b, ch, i, j] = best, where
    if not batched:
        values, indices = values[0], indices[0]
    return (values, indices) if return_indices else values


def max_pool2d(x: Array, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Any:
    """The largest element of each window (the first one on ties) and its index."""
    return _extremum_pool(x, kernel_size, stride, padding, dilation, ceil_mode,
                          return_indices, True)


def min_pool2d(x: Array, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Any:
    """The smallest element of each window (the first one on ties) and its index."""
    return _extremum_pool(x, kernel_size, stride, padding, dilation, ceil_mode,
                          return_indices, False)


def avg_pool2d(x: Array, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Array:
    """The mean of each window, with PyTorch's divisor rules."""
    x, batched = _batch(x, 2)
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(kernel_size if stride is None else stride)
    ph, pw = _pair(padding)
    n, c, h, wd = x.shape
    oh = _pool_out(h, kh, sh, ph, 1, ceil_mode)
    ow = _pool_out(wd, kw, sw, pw, 1, ceil_mode)
    out = numpy.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            r0, q0 = i * sh - ph, j * sw - pw
            r1, q1 = min(r0 + kh, h + ph), min(q0 + kw, wd + pw)
            window = x[:, :, max(r0, 0):min(r1, h), max(q0, 0):min(q1, wd)]
            if divisor_override:
                divisor = divisor_override
            elif count_include_pad:
                divisor = (r1 - r0) * (q1 - q0)
            else:
                divisor = (min(r1, h) - max(r0, 0)) * (min(q1, wd) - max(q0, 0))
            out[:, :, i, j] = window.sum(axis=(2, 3)) / divisor
    return out if batched else out[0]


def lp_pool2d(x: Array, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Array:
    """``(sum of x**p over each window) ** (1/p)``; ``inf`` is max pooling of ``|x|``."""
    if math.isinf(norm_type):
        return _extremum_pool(numpy.abs(x), kernel_size, stride, 0, 1, ceil_mode, False,
                              norm_type > 0)
    summed = avg_pool2d(x ** norm_type, kernel_size, stride, 0, ceil_mode,
                        divisor_override=1)
    return summed ** (1.0 / norm_type)


def _adaptive(x: Array, output_size: Any, pick: Any) -> Array:
    x, batched = _batch(x, 2)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    oh = x.shape[2] if sizes[0] is None else sizes[0]
    ow = x.shape[3] if sizes[1] is None else sizes[1]
    rows, cols = adaptive_bounds(x.shape[2], oh), adaptive_bounds(x.shape[3], ow)
    out = numpy.stack([numpy.stack([pick(x[:, :, r0:r1, q0:q1]) for q0, q1 in cols], -1)
                       for r0, r1 in rows], -2)
    return out if batched else out[0]


def adaptive_avg_pool2d(x: Array, output_size: Any) -> Array:
    """The mean of each of PyTorch's adaptive windows."""
    return _adaptive(x, output_size, lambda w: w.mean(axis=(2, 3)))


def adaptive_max_pool2d(x: Array, output_size: Any, return_indices: bool = False) -> Any:
    """The largest element of each adaptive window (indices are checked by the tests of
    max pooling; here only the values)."""
    values = _adaptive(x, output_size, lambda w: w.max(axis=(2, 3)))
    if not return_indices:
        return values
    h, w = x.shape[-2:]
    flat = x.reshape(x.shape[:-2] + (h * w,))
    positions = numpy.argmax(flat[..., None, None, :] == values[..., None], axis=-1)
    return values, positions


def reduce(loss: Array, reduction: str) -> Array:
    """``mean``, ``sum`` or ``none`` of per-element losses."""
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def nll_loss(logp: Array, target: Array, weight: Array | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Array:
    """``-w[t] * logp[t]`` per sample; the mean divides by the summed weights."""
    dim = 0 if logp.ndim == 1 else 1
    moved = numpy.moveaxis(logp, dim, -1)
    valid = target != ignore_index
    safe = numpy.where(valid, target, 0)
    picked = -numpy.take_along_axis(moved, safe[..., None], -1)[..., 0]
    w = valid * (1.0 if weight is None else weight[safe])
    loss = picked * w
    if reduction == "mean":
        return loss.sum() / w.sum() if w.sum() else numpy.float64("nan")
    return reduce(loss, reduction)


def _log_softmax(x: Array, dim: int) -> Array:
    if x.shape[dim] == 0:  # no classes: nothing to normalise
        return x.copy()
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - numpy.log(numpy.exp(shifted).sum(axis=dim, keepdims=True))


def cross_entropy(x: Array, target: Array, weight: Array | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Array:
    """NLL of the log-softmax, with optional label smoothing or probability targets."""
    dim = 0 if x.ndim == 1 else 1
    logp = _log_softmax(x, dim)
    n_classes = x.shape[dim]
    shape = [1] * x.ndim
    shape[dim] = n_classes
    w = numpy.ones(n_classes) if weight is None else weight
    if target.dtype.kind == "f":
        soft = target * (1 - label_smoothing) + label_smoothing / n_classes
        return reduce(-(logp * soft * w.reshape(shape)).sum(axis=dim), reduction)
    hard = nll_loss(logp, target, weight, ignore_index, reduction)
    if not label_smoothing:
        return hard
    valid = target != ignore_index
    smooth = numpy.where(valid, -(logp * w.reshape(shape)).sum(axis=dim), 0.0)
    if reduction == "mean":
        with numpy.errstate(invalid="ignore"):  # every target ignored: NaN
            smooth_total = smooth.sum() / (w[numpy.where(valid, target, 0)] * valid).sum()
    else:
        smooth_total = reduce(smooth, reduction)
    return hard * (1 - label_smoothing) + smooth_total * label_smoothing / n_classes


def smooth_l1_loss(a: Array, b: Array, reduction: str = "mean", beta: float = 1.0) -> Array:
    """Quadratic below ``beta``, linear above."""
    d = numpy.abs(a - b)
    return reduce(numpy.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def binary_cross_entropy(x: Array, y: Array, weight: Array | None = None,
                         reduction: str = "mean") -> Array:
    """``-(y log x + (1 - y) log(1 - x))`` with the logarithms clamped at -100."""
    loss = -(y * numpy.maximum(numpy.log(x), -100) + (1 - y) * numpy.maximum(numpy.log(1 - x),
                                                                               -100))
    return reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(x: Array, y: Array, weight: Array | None = None,
                                     reduction: str = "mean",
                                     pos_weight: Array | None = None) -> Array:
    """Binary cross-entropy of ``sigmoid(x)``, from the logits."""
    log_p = -numpy.logaddexp(0, -x)
    log_not_p = -numpy.logaddexp(0, x)
    positive = y * log_p * (1 if pos_weight is None else pos_weight)
    loss = -(positive + (1 - y) * log_not_p)
    return reduce(loss if weight is None else loss * weight, reduction)


def batch_norm(x: Array, running_mean: Array | None, running_var: Array | None,
               weight: Array | None = None, bias: Array | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """``(x - mean) / sqrt(var + eps) * weight + bias`` per channel."""
    dims = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training and x.size == 0:  # an empty batch has no statistics and an empty result
        mean, var = numpy.zeros(shape), numpy.ones(shape)
    elif training:
        mean, var = x.mean(axis=dims, keepdims=True), x.var(axis=dims, keepdims=True)
    else:
        assert running_mean is not None and running_var is not None
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (x - mean) / numpy.sqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def layer_norm(x: Array, normalized_shape: Any, weight: Array | None = None,
               bias: Array | None = None, eps: float = 1e-5) -> Array:
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the trailing dimensions."""
    dims = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    out = (x - x.mean(axis=dims, keepdims=True)) / numpy.sqrt(x.var(axis=dims, keepdims=True)
                                                              + eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


# --- per-sample normalisation -----------------------------------------------------------------
def group_norm(x: Array, num_groups: int, weight: Array | None = None,
               bias: Array | None = None, eps: float = 1e-5) -> Array:
    """Each sample's channels in ``num_groups`` groups, each group normalised by its own
    mean and (biased) variance, then ``* weight + bias`` per channel."""
    n, c = x.shape[:2]
    out = numpy.empty_like(x)
    size = c // num_groups
    for i in range(n):
        for g in range(num_groups):
            block = x[i, g * size:(g + 1) * size]
            out[i, g * size:(g + 1) * size] = (block - block.mean()) / numpy.sqrt(
                block.var() + eps)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def instance_norm(x: Array, running_mean: Array | None = None,
                  running_var: Array | None = None, weight: Array | None = None,
                  bias: Array | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """Each channel of each sample normalised by its own statistics (or by the running
    ones when not ``use_input_stats``), then ``* weight + bias`` per channel."""
    dims = tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if use_input_stats:
        mean, var = x.mean(axis=dims, keepdims=True), x.var(axis=dims, keepdims=True)
    else:
        assert running_mean is not None and running_var is not None
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (x - mean) / numpy.sqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def local_response_norm(x: Array, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Array:
    """``x / (k + alpha / size * sum of x**2 over the channels c - size//2 ..
    c + (size-1)//2) ** beta``, the window cut at the first and last channel."""
    squares = x * x
    out = numpy.empty_like(x)
    channels = x.shape[1]
    for c in range(channels):
        lo, hi = max(c - size // 2, 0), min(c + (size - 1) // 2, channels - 1)
        total = squares[:, lo:hi + 1].sum(axis=1)
        out[:, c] = x[:, c] / (k + alpha / size * total) ** beta
    return out


# --- resampling -----------------------------------------------------------------------------------
def _keys_cubic(x: float, a: float) -> float:
    """Keys' cubic convolution kernel at distance ``x``."""
    x = abs(x)
    if x <= 1:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    if x < 2:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return 0.0


def _resize_last(x: Array, n: int, m: int, factor: float | None, mode: str, corners: bool,
                 antialias: bool) -> Array:
    """Resize the last dimension of ``x`` from ``n`` to ``m`` samples, one output at a
    time from its source coordinate."""
    y = numpy.empty(x.shape[:-1] + (m,))
    step = 1 / factor if factor else n / m
    for j in range(m):
        if mode in ("nearest", "nearest-exact"):
            # PyTorch picks the pixel with single-precision arithmetic
            src = numpy.float32(j + (0.5 if mode == "nearest-exact" else 0.0)) * numpy.float32(
                step)
            y[..., j] = x[..., j if n == m else min(math.floor(src), n - 1)]
            continue
        if mode == "area":
            start, end = j * n // m, -(-(j + 1) * n // m)
            y[..., j] = x[..., start:end].mean(-1)
            continue
        if antialias:
            scale = ((n - 1) / (m - 1) if m > 1 else 0.0) if corners else step
            widen = max(scale, 1.0)
            support = (2.0 if mode == "bicubic" else 1.0) * widen
            center = scale * (j + 0.5)
            taps = range(max(int(center - support + 0.5), 0), min(int(center + support + 0.5), n))
            weights = [(_keys_cubic((k - center + 0.5) / widen, -0.5) if mode == "bicubic" else
                        max(0.0, 1 - abs((k - center + 0.5) / widen))) for k in taps]
            total = sum(weights) or 1.0
            y[..., j] = sum(w / total * x[..., k] for k, w in zip(taps, weights))
            continue
        stretch = ((n - 1) / (m - 1) if m > 1 else 0.0) if corners else step
        src = j * stretch if corners else (j + 0.5) * step - 0.5
        if mode == "bicubic":
            i = min(math.floor(src), n - 1)
            t = min(max(src - i, 0.0), 1.0)
            y[..., j] = sum(_keys_cubic(t - k, -0.75) * x[..., min(max(i + k, 0), n - 1)]
                            for k in (-1, 0, 1, 2))
        else:
            src = max(src, 0.0)
            i = min(math.floor(src), n - 1)
            t = min(max(src - i, 0.0), 1.0)
            y[..., j] = (1 - t) * x[..., i] + t * x[..., min(i + 1, n - 1)]
    return y


def interpolate(x: Array, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Array:
    """Resize the spatial dimensions one after another (every mode is separable)."""
    spatial = x.ndim - 2
    sizes = list(x.shape[2:])
    if size is not None:
        outs = list(size) if isinstance(size, (list, tuple)) else [size] * spatial
        factors: list[Any] = [None] * spatial
    else:
        given = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else (
            [scale_factor] * spatial)
        outs = [math.floor(n * float(f)) for n, f in zip(sizes, given)]
        factors = [None] * spatial if recompute_scale_factor else [float(f) for f in given]
    for d in range(spatial):
        moved = numpy.moveaxis(x, 2 + d, -1)
        x = numpy.moveaxis(_resize_last(moved, sizes[d], outs[d], factors[d], mode,
                                        bool(align_corners), antialias), -1, 2 + d)
    return x


def _grid_source(coord: float, size: int, corners: bool) -> float:
    return (coord + 1) / 2 * (size - 1) if corners else ((coord + 1) * size - 1) / 2


def _grid_padded(x: float, size: int, padding_mode: str, corners: bool) -> float:
    """The coordinate a padding mode reads instead of ``x``."""
    if padding_mode == "zeros":
        return x
    if padding_mode == "reflection":
        low, high = (0.0, size - 1.0) if corners else (-0.5, size - 0.5)
        span = high - low
        if span <= 0:
            x = 0.0
        else:
            distance = abs(x - low)
            flips, extra = divmod(distance, span)
            x = low + extra if flips % 2 == 0 else high - extra
    return min(max(x, 0.0), size - 1.0)


def grid_sample(x: Array, grid: Array, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool = False) -> Array:
    """Each output point read from ``x`` at its grid point: the pixels around it, each
    weighted by the product over the dimensions of its 1-D weight; pixels outside the
    input (after the padding mode moved the point) read 0."""
    n, c, *sizes = x.shape
    spatial = len(sizes)
    out_shape = grid.shape[1:-1]
    out = numpy.zeros((n, c, *out_shape))
    for b in range(n):
        for where in numpy.ndindex(*out_shape):
            point = grid[(b,) + where]
            taps_per_dim = []
            for d, size in enumerate(sizes):
                src = _grid_source(float(point[spatial - 1 - d]), size, align_corners)
                if mode == "bicubic":
                    first = math.floor(src)
                    t = src - first
                    taps_per_dim.append([
                        (_grid_padded(first + k, size, padding_mode, align_corners),
                         _keys_cubic(t - k, -0.75)) for k in (-1, 0, 1, 2)])
                    continue
                src = _grid_padded(src, size, padding_mode, align_corners)
                if mode == "nearest":
                    taps_per_dim.append([(float(numpy.round(src)), 1.0)])
                else:
                    first = math.floor(src)
                    taps_per_dim.append([(first, 1 - (src - first)), (first + 1, src - first)])
            value = numpy.zeros(c)
            for combo in itertools.product(*taps_per_dim):
                position = tuple(int(p) for p, _ in combo)
                if all(0 <= p < size for p, size in zip(position, sizes)):
                    value += math.prod(w for _, w in combo) * x[(b, slice(None)) + position]
            out[(b, slice(None)) + where] = value
    return out
