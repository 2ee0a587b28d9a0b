"""Converters of convolutions, padding and pooling.

minigrad keeps 2-D padding as ``(top, bottom, left, right)``; ONNX lists the begins of
every spatial axis, then the ends: ``[top, left, bottom, right]``. Pooling windows that
ceil mode keeps are already covered by extra bottom/right padding in the recorded
attributes, so every ONNX pooling node here runs with ``ceil_mode=0``.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.backends.geometry import adaptive_bounds
from minigrad.onnx.builder import CallView

__all__ = ["constant_pad", "conv2d", "conv_transpose2d", "pool2d", "pool_gather",
           "resample", "window_sum"]


def _pads(padding: Any) -> list[int]:
    top, bottom, left, right = (int(p) for p in padding)
    return [top, left, bottom, right]


def conv2d(v: CallView) -> str:
    """``Conv`` with the recorded zero padding, stride, dilation, groups and bias."""
    inputs = [v.input(i) for i in range(v.n_inputs)]
    return v.node(
        "Conv", *inputs, kernel_shape=list(v.shape(1)[2:]),
        pads=_pads(v.attrs.get("padding", (0, 0, 0, 0))),
        strides=list(v.attrs.get("stride", (1, 1))),
        dilations=list(v.attrs.get("dilation", (1, 1))), group=int(v.attrs.get("groups", 1)),
    )


def conv_transpose2d(v: CallView) -> str:
    """``ConvTranspose``: the gradient of a convolution with respect to its input, as
    ``conv_transpose2d`` uses it. The recorded output size fixes ``output_padding``."""
    stride = [int(s) for s in v.attrs.get("stride", (1, 1))]
    dilation = [int(d) for d in v.attrs.get("dilation", (1, 1))]
    pads = _pads(v.attrs.get("padding", (0, 0, 0, 0)))
    kernel = v.shape(1)[2:]
    size = v.out_shape()[2:]
    extra = []
    for i in range(2):
        full = (v.shape(0)[2 + i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1
        extra.append(size[i] - (full - pads[i] - pads[i + 2]))
    if min(extra) < 0:
        raise v.unsupported(f"an output plane {size} smaller than the full transposed "
                            "convolution is not expressible")
    return v.node(
        "ConvTranspose", v.input(0), v.input(1), kernel_shape=list(kernel), pads=pads,
        strides=stride, dilations=dilation, group=int(v.attrs.get("groups", 1)),
        output_padding=extra if any(extra) else None,
    )


def constant_pad(v: CallView) -> str:
    """``Pad`` in constant mode: ``widths`` is one ``(before, after)`` pair per axis."""
    widths = v.attrs.get("widths", ())
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    value = v.scalar(v.attrs.get("value", 0.0), v.dtype(0))
    return v.node("Pad", v.input(0), v.ints(pads), value, mode="constant")


def _explicit_pad(v: CallView, x: str, padding: Any, value: float) -> str:
    """``x`` padded with ``value`` on the plane (for pads no pooling node accepts)."""
    top, bottom, left, right = (int(p) for p in padding)
    pads = [0, 0, top, left, 0, 0, bottom, right]
    return v.node("Pad", x, v.ints(pads), v.scalar(value, v.dtype(0)), mode="constant")


def pool2d(v: CallView) -> str:
    """Max pooling, and min pooling as ``-MaxPool(-x)``. The indices output of
    ``return_indices=True`` has no ONNX form (ONNX counts them over the whole tensor)."""
    kernel = [int(k) for k in v.attrs.get("kernel_size", (1, 1))]
    dilation = [int(d) for d in v.attrs.get("dilation", (1, 1))]
    padding = v.attrs.get("padding", (0, 0, 0, 0))
    largest = bool(v.attrs.get("largest", True))
    x = v.input(0) if largest else v.node("Neg", v.input(0))
    pads = _pads(padding)
    if any(p >= kernel[i % 2] for i, p in enumerate(pads)):
        # a ceil-mode window sticking out further than ONNX allows: pad explicitly
        x = _explicit_pad(v, x, padding, -numpy.inf if v.dtype(0).kind == "f" else
                          float(numpy.iinfo(v.dtype(0)).min))
        pads = [0, 0, 0, 0]
    out = v.node("MaxPool", x, kernel_shape=kernel, pads=pads,
                 strides=[int(s) for s in v.attrs.get("stride", (1, 1))],
                 dilations=dilation if dilation != [1, 1] else None)
    values = out if largest else v.node("Neg", out)
    if v.attrs.get("return_indices", False):
        v.builder.missing[v.call.output_keys[1]] = (
            "the indices of max/min pooling (return_indices=True) have no ONNX form: ONNX "
            "numbers them over the whole tensor")
    return values


def window_sum(v: CallView) -> str:
    """Average pooling's window sums times per-window scales: the zero padding, an
    ``AveragePool`` (all windows lie inside the padded plane, so each divides by the
    kernel area), then a ``Mul`` by ``area * scale`` unless that is 1."""
    kernel = [int(k) for k in v.attrs.get("kernel_size", (1, 1))]
    padding = v.attrs.get("padding", (0, 0, 0, 0))
    scale = v.attrs.get("scale", 1.0)
    x = v.input(0)
    if any(int(p) for p in padding):
        x = _explicit_pad(v, x, padding, 0.0)
    out = v.node("AveragePool", x, kernel_shape=kernel,
                 strides=[int(s) for s in v.attrs.get("stride", (1, 1))])
    area = kernel[0] * kernel[1]
    if isinstance(scale, (int, float)):
        factor = float(scale) * area
        if factor == 1.0:
            return out
        return v.node("Mul", out, v.scalar(factor, v.out_dtype()))
    per_window = numpy.asarray(_host(scale), dtype=numpy.float64) * area
    return v.node("Mul", out, v.constant(per_window.astype(v.out_dtype()), "scale"))


def _host(array: Any) -> Any:
    """A backend array on the host (CuPy arrays have ``get``)."""
    return array.get() if hasattr(array, "get") else array


def pool_gather(v: CallView) -> str:
    """Adaptive max pooling: a ``GlobalMaxPool``, or the maximum over each window's rows
    then over its columns (a maximum over a rectangle is separable), from ``Slice``,
    ``ReduceMax`` and ``Concat``. The recorded output is checked against those windows."""
    if not v.is_constant(1):
        raise v.unsupported("gathering at indices computed from the inputs (a pooling "
                            "gradient) has no ONNX form")
    h, w = v.shape(0)[2:]
    oh, ow = v.out_shape()[2:]
    rows, cols = adaptive_bounds(h, oh), adaptive_bounds(w, ow)
    x = v.output_value()
    expected = _adaptive_max(_host(v.call.inputs[0].detach().numpy()), rows, cols)
    if expected.shape != x.shape or not numpy.array_equal(expected, x, equal_nan=True):
        raise v.unsupported("its indices are not the windows of adaptive max pooling, the "
                            "only gather minigrad exports")
    if (oh, ow) == (1, 1):
        return v.node("GlobalMaxPool", v.input(0))
    out = _window_max(v, v.input(0), rows, 2, h)
    return _window_max(v, out, cols, 3, w)


def _adaptive_max(x: Any, rows: list[tuple[int, int]], cols: list[tuple[int, int]]) -> Any:
    by_rows = numpy.stack([x[:, :, a:b].max(axis=2) for a, b in rows], axis=2)
    return numpy.stack([by_rows[:, :, :, a:b].max(axis=3) for a, b in cols], axis=3)


def _window_max(v: CallView, x: str, bounds: list[tuple[int, int]], axis: int, n: int
                ) -> str:
    if len(bounds) == n and all(b - a == 1 for a, b in bounds):
        return x  # every window is one position: nothing to do along this axis
    pieces = []
    for start, end in bounds:
        window = v.node("Slice", x, v.ints([start]), v.ints([end]), v.ints([axis]))
        pieces.append(v.reduce("ReduceMax", window, [axis], keepdims=True))
    return pieces[0] if len(pieces) == 1 else v.node("Concat", *pieces, axis=axis)


def batch_norm(v: CallView) -> str:
    """``BatchNormalization`` with the running statistics (eval), or the batch's own
    statistics from ``ReduceMean`` (training; the batch mean and biased variance are the
    node's other two outputs, which update the running statistics)."""
    has_weight, has_bias = v.attrs.get("affine", (False, False))
    eps, dtype, shape = float(v.attrs.get("eps", 1e-5)), v.dtype(0), v.shape(0)
    channels = shape[1]
    weight = v.input(1) if has_weight else v.constant(numpy.ones(channels, dtype), "weight")
    bias = (v.input(1 + has_weight) if has_bias
            else v.constant(numpy.zeros(channels, dtype), "bias"))
    if not v.attrs.get("training", False):
        first = 1 + has_weight + has_bias
        return v.node("BatchNormalization", v.input(0), weight, bias, v.input(first),
                      v.input(first + 1), epsilon=eps)
    axes = [0, *range(2, len(shape))]
    mean = v.reduce("ReduceMean", v.input(0), axes, True)
    centred = v.node("Sub", v.input(0), mean)
    var = v.reduce("ReduceMean", v.node("Mul", centred, centred), axes, True)
    normed = v.node("Div", centred, v.node("Sqrt", v.node("Add", var, v.scalar(eps, dtype))))
    per_channel = v.ints([1, channels] + [1] * (len(shape) - 2))
    out = v.node("Add", v.node("Mul", normed, v.node("Reshape", weight, per_channel)),
                 v.node("Reshape", bias, per_channel))
    flat = v.ints([channels])
    v.builder.bind(v.call.output_keys[1], v.node("Reshape", mean, flat))
    v.builder.bind(v.call.output_keys[2], v.node("Reshape", var, flat))
    return out


def nll_loss(v: CallView) -> str:
    """The negative log likelihood from its prepared constants: ``GatherElements`` picks
    each target's log-probability, times its weight; label smoothing adds the weighted
    sum over the classes; then the reduction."""
    attrs, dtype, shape = v.attrs, v.dtype(0), v.shape(0)
    dim = int(attrs.get("dim", 1)) % len(shape)
    pick = numpy.asarray(_host(attrs["pick"]), dtype=dtype)
    if shape[dim] == 0:  # no classes: every target is ignored
        terms = v.constant(numpy.zeros(pick.shape, dtype), "terms")
    else:
        target = attrs["target"]
        index = v.array_name(target) or v.constant(
            numpy.asarray(_host(target), dtype=numpy.int64), "target")
        axis = v.ints([dim])
        picked = v.node("GatherElements", v.input(0), v.node("Unsqueeze", index, axis),
                        axis=dim)
        terms = v.node("Mul", v.node("Squeeze", picked, axis), v.constant(pick, "pick"))
        spread = attrs.get("spread")
        if spread is not None:
            weighted = v.input(0)
            class_weight = attrs.get("class_weight")
            if class_weight is not None:
                column = [1] * len(shape)
                column[dim] = -1
                weights = numpy.asarray(_host(class_weight), dtype=dtype).reshape(column)
                weighted = v.node("Mul", weighted, v.constant(weights, "class_weight"))
            smoothing = v.node("Mul", v.reduce("ReduceSum", weighted, [dim], False),
                               v.constant(numpy.asarray(_host(spread), dtype=dtype), "spread"))
            terms = v.node("Add", terms, smoothing)
    kept = attrs.get("kept")
    if kept is not None:  # an ignored position's loss is 0, whatever its log-probabilities
        terms = v.node("Where", v.constant(numpy.asarray(_host(kept), dtype=bool), "kept"),
                       terms, v.scalar(0, dtype))
    reduction = attrs.get("reduction", "mean")
    if reduction == "none":
        return v.node("Neg", terms)
    total = v.reduce("ReduceSum", terms, [], False)
    if reduction == "mean":
        total = v.node("Mul", total, v.constant(
            numpy.asarray(_host(attrs.get("scale", 1.0)), dtype=dtype), "scale"))
    return v.node("Neg", total)


def resample(v: CallView) -> str:
    """``interpolate``'s resampling along one dimension by a tap table: one ``Gather`` of
    every tap (an ``(out, taps)`` index block), a ``Where`` that zeroes filler taps, a
    ``Mul`` by the weights and a ``ReduceSum`` over the taps (a lone unit-weight tap is
    the ``Gather`` alone)."""
    dim = int(v.attrs["dim"])
    index = numpy.asarray(_host(v.attrs["index"]), dtype=numpy.int64)
    weight = v.attrs.get("weight")
    filler = index < 0
    if weight is None and index.shape[1] == 1 and not filler.any():
        return v.node("Gather", v.input(0), v.constant(index[:, 0], "taps"), axis=dim)
    picked = v.node("Gather", v.input(0), v.constant(numpy.maximum(index, 0), "taps"), axis=dim)
    trailing = (1,) * (len(v.shape(0)) - dim - 1)
    dtype = v.out_dtype()
    if filler.any():
        keep = v.constant(~filler.reshape(filler.shape + trailing), "keep")
        picked = v.node("Where", keep, picked, v.scalar(0, dtype))
    if weight is not None:
        w = numpy.asarray(_host(weight), dtype=dtype).reshape(index.shape + trailing)
        picked = v.node("Mul", picked, v.constant(w, "weights"))
    return v.reduce("ReduceSum", picked, [dim + 1], keepdims=False)
