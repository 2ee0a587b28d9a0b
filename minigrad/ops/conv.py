"""Convolutions and im2col: conv2d, conv1d, conv_transpose2d, unfold and fold.

The graph nodes form closed sets, so gradients of gradients never leave them:

* ``Conv2d(x, w)``, ``Conv2dGradInput(gy, w)`` and ``Conv2dGradWeight(gy, x)`` are the three
  faces of one bilinear map ``y = A(w) x``. The backward of each is made of the other two:
  ``Conv2d`` gives ``(GradInput(g, w), GradWeight(g, x))``; ``GradInput(gy, w)`` gives
  ``(Conv2d(G, w), GradWeight(gy, G))``; ``GradWeight(gy, x)`` gives
  ``(Conv2d(x, H), GradInput(gy, H))``.
* ``Unfold`` and ``Fold`` are each other's adjoint.

Zero padding is an attribute of these nodes: forward pads the array and backward crops, so
no separate pad node (or copy) appears when the padding is zero. Other padding modes run
:func:`minigrad.ops.padding.pad` first. The arithmetic itself is done by the backend's
kernels (``ctx.backend.conv2d`` and friends), which take an already padded input.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from minigrad.autograd import Function
from minigrad.ops import padding as padding_ops
from minigrad.tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "fold",
    "unfold",
    "window_count",
]

Array = Any
Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]  # (top, bottom, left, right)
IntOrPair = int | Sequence[int]

_NO_PAD: Pad4 = (0, 0, 0, 0)
_PADDING_STRINGS = ("valid", "same", "full")
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


# --- geometry ---------------------------------------------------------------------------
def as_pair(value: IntOrPair, name: str, op: str, minimum: int = 1) -> Pair:
    """``value`` as a pair of ints, checking each is at least ``minimum``."""
    try:
        items = (operator.index(value),) * 2 if not isinstance(value, Sequence) else tuple(
            operator.index(v) for v in value)
    except TypeError:
        items = ()
    if len(items) == 1:
        items = items * 2
    if len(items) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    pair = (items[0], items[1])
    if pair[0] < minimum or pair[1] < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return pair


def window_count(
    n: int, kernel: int, stride: int = 1, before: int = 0, after: int = 0, dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """How many windows fit along a dimension: ``(n + p - d(k-1) - 1) / s + 1``.

    ``p = before + after`` is the total padding. The division rounds down, or up with
    ``ceil_mode``; as in PyTorch, a last window that would start inside the trailing padding
    is then dropped. The result may be zero or negative when nothing fits.
    """
    span = n + before + after - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = (span + stride - 1) // stride + 1  # PyTorch's rounding, negative spans included
    if (out - 1) * stride >= n + before:
        out -= 1
    return out


def _padded(xp: Any, a: Array, pad: Pad4, value: float = 0.0) -> Array:
    """``a`` (N, C, H, W) with ``pad`` rows/columns of ``value`` around it (no copy if none)."""
    if pad == _NO_PAD:
        return a
    top, bottom, left, right = pad
    n, c, h, w = a.shape
    out = xp.full((n, c, h + top + bottom, w + left + right), value, dtype=a.dtype)
    out[:, :, top : top + h, left : left + w] = a
    return out


def _cropped(a: Array, pad: Pad4, size: Pair) -> Array:
    """The inverse of :func:`_padded`: the ``size`` plane at offset ``(top, left)``."""
    if pad == _NO_PAD and tuple(a.shape[2:]) == size:
        return a
    top, left = pad[0], pad[2]
    return a[:, :, top : top + size[0], left : left + size[1]]


def _padded_size(size: Sequence[int], pad: Pad4) -> Pair:
    return (size[0] + pad[0] + pad[1], size[1] + pad[2] + pad[3])


def _reach(n_out: int, kernel: int, stride: int, dilation: int) -> int:
    """How many input positions the windows of ``n_out`` outputs touch."""
    return (n_out - 1) * stride + dilation * (kernel - 1) + 1


# --- graph nodes --------------------------------------------------------------------------
class Conv2d(Function):
    """``y = conv(pad(x), w)`` without bias; ``padding`` is ``(top, bottom, left, right)``."""

    save_inputs = (0, 1)

    def forward(
        ctx, x: Array, w: Array, padding: Pad4 = _NO_PAD, stride: Pair = (1, 1),
        dilation: Pair = (1, 1), groups: int = 1,
    ) -> Array:
        xp = _padded(ctx.xp, x, padding)
        return ctx.backend.conv2d(xp, w, stride, dilation, groups)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, w = ctx.saved
        geometry = ctx.attrs
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = Conv2dGradInput.apply(g, w, input_size=x.shape[2:], **geometry)
        if ctx.needs_input_grad[1]:
            gw = Conv2dGradWeight.apply(g, x, kernel_size=w.shape[2:], **geometry)
        return gx, gw


def _conv_like(y: Tensor, target: tuple[int, ...]) -> Tensor:
    """Crop ``y`` to ``target``'s plane: a transposed convolution whose output padding is
    not smaller than its stride leaves rows that no window of the forward pass reached."""
    if y.shape[2:] == target[2:]:
        return y
    return y[:, :, : target[2], : target[3]]


class Conv2dGradInput(Function):
    """The gradient of :class:`Conv2d` with respect to its input: ``gx = A(w)^T gy``."""

    save_inputs = (0, 1)

    def forward(
        ctx, gy: Array, w: Array, input_size: Pair = (1, 1), padding: Pad4 = _NO_PAD,
        stride: Pair = (1, 1), dilation: Pair = (1, 1), groups: int = 1,
    ) -> Array:
        size = _padded_size(input_size, padding)
        full = ctx.backend.conv2d_grad_input(gy, w, size, stride, dilation, groups)
        return _cropped(full, padding, tuple(input_size))  # type: ignore[arg-type]

    def backward(ctx, big_g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gy, w = ctx.saved
        geometry = {k: ctx.attrs[k] for k in ("padding", "stride", "dilation", "groups")}
        d_gy = d_w = None
        if ctx.needs_input_grad[0]:
            d_gy = _conv_like(Conv2d.apply(big_g, w, **geometry), gy.shape)
        if ctx.needs_input_grad[1]:
            d_w = Conv2dGradWeight.apply(gy, big_g, kernel_size=w.shape[2:], **geometry)
        return d_gy, d_w


class Conv2dGradWeight(Function):
    """The gradient of :class:`Conv2d` with respect to its weight."""

    save_inputs = (0, 1)

    def forward(
        ctx, gy: Array, x: Array, kernel_size: Pair = (1, 1), padding: Pad4 = _NO_PAD,
        stride: Pair = (1, 1), dilation: Pair = (1, 1), groups: int = 1,
    ) -> Array:
        xp = _padded(ctx.xp, x, padding)
        oh, ow = gy.shape[2:]
        rows = _reach(oh, kernel_size[0], stride[0], dilation[0])
        cols = _reach(ow, kernel_size[1], stride[1], dilation[1])
        if xp.shape[2] > rows or xp.shape[3] > cols:
            xp = xp[:, :, :rows, :cols]  # trailing positions no window reads
        return ctx.backend.conv2d_grad_weight(gy, xp, kernel_size, stride, dilation, groups)

    def backward(ctx, big_h: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gy, x = ctx.saved
        geometry = {k: ctx.attrs[k] for k in ("padding", "stride", "dilation", "groups")}
        d_gy = d_x = None
        if ctx.needs_input_grad[0]:
            d_gy = _conv_like(Conv2d.apply(x, big_h, **geometry), gy.shape)
        if ctx.needs_input_grad[1]:
            d_x = Conv2dGradInput.apply(gy, big_h, input_size=x.shape[2:], **geometry)
        return d_gy, d_x


class Unfold(Function):
    """im2col of the zero-padded input: ``(N, C, H, W) -> (N, C*kh*kw, L)``."""

    def forward(
        ctx, x: Array, kernel_size: Pair = (1, 1), padding: Pad4 = _NO_PAD,
        stride: Pair = (1, 1), dilation: Pair = (1, 1),
    ) -> Array:
        ctx.size = tuple(x.shape[2:])
        xp = _padded(ctx.xp, x, padding)
        return ctx.backend.unfold(xp, kernel_size, stride, dilation)

    def backward(ctx, g: Tensor) -> Tensor:
        return Fold.apply(g, output_size=ctx.size, **ctx.attrs)


class Fold(Function):
    """col2im, the adjoint of :class:`Unfold`: overlapping entries are summed."""

    def forward(
        ctx, cols: Array, output_size: Pair = (1, 1), kernel_size: Pair = (1, 1),
        padding: Pad4 = _NO_PAD, stride: Pair = (1, 1), dilation: Pair = (1, 1),
    ) -> Array:
        size = _padded_size(output_size, padding)
        full = ctx.backend.fold(cols, size, kernel_size, stride, dilation)
        return _cropped(full, padding, tuple(output_size))  # type: ignore[arg-type]

    def backward(ctx, g: Tensor) -> Tensor:
        attrs = {k: v for k, v in ctx.attrs.items() if k != "output_size"}
        return Unfold.apply(g, **attrs)


# --- argument checking ------------------------------------------------------------------
def _batched(input: Tensor, op: str, dims: int) -> tuple[Tensor, bool]:
    """``input`` with a batch dimension, and whether it already had one."""
    if input.ndim == dims + 2:
        return input, True
    if input.ndim == dims + 1:
        return input.unsqueeze(0), False
    raise RuntimeError(
        f"{op}: expected a {dims + 1}-D (unbatched) or {dims + 2}-D (batched) input, got "
        f"shape {input.shape}"
    )


def _check_float_pair(input: Tensor, weight: Tensor, op: str) -> None:
    if input.dtype != weight.dtype:
        raise TypeError(
            f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} differ; "
            "convert one of them with .to(dtype)"
        )
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point tensors, got dtype {input.dtype}")
    if input._backend is not weight._backend:
        raise RuntimeError(
            f"{op}: input is on backend {input._backend.name!r} but weight is on "
            f"{weight._backend.name!r}"
        )


def _resolve_padding(
    padding: str | IntOrPair, size: Pair, kernel: Pair, stride: Pair, dilation: Pair, op: str
) -> Pad4:
    """Turn ``padding`` (int, pair or 'valid' / 'same' / 'full') into (top, bottom, left,
    right)."""
    if isinstance(padding, str):
        if padding not in _PADDING_STRINGS:
            raise ValueError(
                f"{op}: padding string must be one of {_PADDING_STRINGS}, got {padding!r}"
            )
        if padding == "valid":
            return _NO_PAD
        spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if padding == "full":
            return (spans[0], spans[0], spans[1], spans[1])
        if stride != (1, 1):
            raise ValueError(
                f"{op}: padding='same' needs stride 1 (got stride {stride}); with a larger "
                "stride no padding keeps the size"
            )
        # an odd total (even kernel) puts the extra row/column at the bottom/right
        return (spans[0] // 2, spans[0] - spans[0] // 2, spans[1] // 2, spans[1] - spans[1] // 2)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    return (ph, ph, pw, pw)


def _check_fits(
    op: str, size: Pair, pad: Pad4, kernel: Pair, stride: Pair, dilation: Pair
) -> Pair:
    padded = _padded_size(size, pad)
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if padded[0] < effective[0] or padded[1] < effective[1]:
        dilated = f" (dilation {dilation})" if dilation != (1, 1) else ""
        raise RuntimeError(
            f"{op}: the kernel ({effective[0]} x {effective[1]}){dilated} is larger than the "
            f"padded input ({padded[0]} x {padded[1]}; input {size[0]} x {size[1]} plus padding "
            f"{pad})"
        )
    return (
        window_count(size[0], kernel[0], stride[0], pad[0], pad[1], dilation[0]),
        window_count(size[1], kernel[1], stride[1], pad[2], pad[3], dilation[1]),
    )


def _add_bias(out: Tensor, bias: Tensor | None, channels: int, op: str) -> Tensor:
    if bias is None:
        return out
    if bias.shape != (channels,):
        raise RuntimeError(
            f"{op}: bias must have shape ({channels},), one value per output channel, got "
            f"{bias.shape}"
        )
    if bias.dtype != out.dtype:
        raise TypeError(
            f"{op}: bias dtype {bias.dtype} differs from the input and weight dtype "
            f"{out.dtype}; convert it with .to(dtype)"
        )
    return out + bias.reshape(1, channels, 1, 1)


# --- public functions -------------------------------------------------------------------
def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> Tensor:
    """2-D convolution (cross-correlation) over NCHW images, as ``torch.nn.functional.conv2d``.

    ``out[n, o, i, j] = bias[o] + sum_{c, u, v} w[o, c, u, v] * x[n, g*C/groups + c,
    i*sh + u*dh, j*sw + v*dw]`` on the padded input, where ``g`` is the group of ``o``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)``, or ``(C, H, W)`` for one unbatched image.
    weight : Tensor
        ``(O, C // groups, kh, kw)``.
    bias : Tensor, optional
        ``(O,)``, added to every position of each output channel.
    stride, dilation : int or pair of int
        Step between windows, and spacing between kernel taps.
    padding : int, pair of int, or {"valid", "same", "full"}
        Rows/columns added on each side. ``"valid"`` adds none; ``"same"`` (stride 1 only)
        keeps the size, putting the extra row/column at the bottom/right when the total is
        odd (even kernels); ``"full"`` adds ``dilation * (k - 1)`` on every side, so the
        output grows to ``n + d(k - 1)`` (``n + k - 1`` without dilation).
    groups : int
        Split channels into independent groups; ``groups == C`` is a depthwise convolution.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        What the padding is filled with (keyword only; PyTorch has it on ``nn.Conv2d``).

    Returns
    -------
    Tensor
        ``(N, O, oh, ow)`` with ``oh = (H + pt + pb - dh*(kh - 1) - 1) // sh + 1`` (and the
        same for ``ow``); ``(O, oh, ow)`` for an unbatched input.

    Raises
    ------
    RuntimeError
        If the weight is not 4-D, the channel counts do not match the weight or the groups,
        the (dilated) kernel is larger than the padded input, or the bias shape is wrong.
    ValueError
        For a bad stride/padding/dilation/groups value or padding mode.
    TypeError
        If input and weight dtypes differ or are not floating point.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.conv import conv2d
    >>> x = minigrad.ones(1, 1, 4, 4)
    >>> conv2d(x, minigrad.ones(1, 1, 3, 3)).shape
    (1, 1, 2, 2)
    >>> conv2d(x, minigrad.ones(1, 1, 3, 3), padding="full").shape
    (1, 1, 6, 6)
    """
    op = "conv2d"
    x, batched = _batched(input, op, 2)
    if weight.ndim != 4:
        raise RuntimeError(
            f"{op}: weight must be 4-D (out_channels, in_channels/groups, kh, kw), got shape "
            f"{weight.shape}"
        )
    _check_float_pair(x, weight, op)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {_PADDING_MODES}, got "
                         f"{padding_mode!r}")
    out_channels, per_group = weight.shape[0], weight.shape[1]
    channels = x.shape[1]
    if out_channels % groups:
        raise RuntimeError(
            f"{op}: out_channels {out_channels} (weight {weight.shape}) is not divisible by "
            f"groups={groups}"
        )
    if channels != per_group * groups:
        raise RuntimeError(
            f"{op}: input has {channels} channels (shape {input.shape}) but weight "
            f"{weight.shape} with groups={groups} expects {per_group * groups} "
            f"(= {per_group} per group x {groups} groups)"
        )
    kernel: Pair = (weight.shape[2], weight.shape[3])
    stride2 = as_pair(stride, "stride", op)
    dilation2 = as_pair(dilation, "dilation", op)
    size: Pair = (x.shape[2], x.shape[3])
    pad = _resolve_padding(padding, size, kernel, stride2, dilation2, op)
    _check_fits(op, size, pad, kernel, stride2, dilation2)
    if padding_mode != "zeros" and pad != _NO_PAD:
        top, bottom, left, right = pad
        x = padding_ops.pad(x, (left, right, top, bottom), mode=padding_mode)
        pad = _NO_PAD
    out = Conv2d.apply(x, weight, padding=pad, stride=stride2, dilation=dilation2,
                       groups=groups)
    out = _add_bias(out, bias, out_channels, op)
    return out if batched else out.squeeze(0)


def _as_single(value: IntOrPair, name: str, op: str) -> int:
    if isinstance(value, int):
        return value
    items = tuple(value)
    if len(items) != 1 or not isinstance(items[0], int):
        raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    return int(items[0])


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrPair = 1,
    padding: str | IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> Tensor:
    """1-D convolution over ``(N, C, L)`` sequences, as ``torch.nn.functional.conv1d``.

    Computed as :func:`conv2d` on images of height 1, so it shares every option.

    Parameters
    ----------
    input : Tensor
        ``(N, C, L)`` or ``(C, L)``.
    weight : Tensor
        ``(O, C // groups, k)``.
    bias : Tensor, optional
        ``(O,)``.
    stride, padding, dilation, groups, padding_mode
        As for :func:`conv2d`, with single ints (or 1-tuples) instead of pairs.

    Returns
    -------
    Tensor
        ``(N, O, (L + 2p - d(k - 1) - 1) // s + 1)``, or without ``N`` when unbatched.

    Raises
    ------
    RuntimeError, ValueError, TypeError
        As for :func:`conv2d`.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.conv import conv1d
    >>> conv1d(minigrad.ones(1, 2, 10), minigrad.ones(4, 2, 3), stride=2).shape
    (1, 4, 4)
    """
    op = "conv1d"
    x, batched = _batched(input, op, 1)
    if weight.ndim != 3:
        raise RuntimeError(
            f"{op}: weight must be 3-D (out_channels, in_channels/groups, k), got shape "
            f"{weight.shape}"
        )
    pad2: str | Pair = (
        padding if isinstance(padding, str) else (0, _as_single(padding, "padding", op))
    )
    out = conv2d(
        x.unsqueeze(2), weight.unsqueeze(2), bias,
        stride=(1, _as_single(stride, "stride", op)), padding=pad2,
        dilation=(1, _as_single(dilation, "dilation", op)), groups=groups,
        padding_mode=padding_mode,
    ).squeeze(2)
    return out if batched else out.squeeze(0)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
) -> Tensor:
    """Transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    It is the gradient of :func:`conv2d` with respect to its input: every input pixel
    spreads ``weight`` over a window of the output, and overlaps add up. Its own gradient
    with respect to ``input`` is therefore a plain convolution.

    Parameters
    ----------
    input : Tensor
        ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
    weight : Tensor
        ``(C_in, C_out // groups, kh, kw)`` (note: input channels first).
    bias : Tensor, optional
        ``(C_out,)``.
    stride, padding, dilation : int or pair of int
        Those of the convolution this op transposes: ``padding`` removes that many
        rows/columns from each side of the full output.
    output_padding : int or pair of int
        Extra rows/columns at the bottom/right, to pick one of the sizes that a strided
        convolution maps to the same output size. Must be smaller than the stride or the
        dilation.
    groups : int
        Channel groups; ``C_in`` must be divisible by it.

    Returns
    -------
    Tensor
        ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding_h + 1``.

    Raises
    ------
    RuntimeError
        If the weight is not 4-D, the channels do not match, or the output would be empty.
    ValueError
        For bad stride/padding/dilation/output_padding/groups values.
    TypeError
        If input and weight dtypes differ or are not floating point.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.conv import conv_transpose2d
    >>> x = minigrad.ones(1, 2, 3, 3)
    >>> conv_transpose2d(x, minigrad.ones(2, 5, 3, 3), stride=2).shape
    (1, 5, 7, 7)
    """
    op = "conv_transpose2d"
    x, batched = _batched(input, op, 2)
    if weight.ndim != 4:
        raise RuntimeError(
            f"{op}: weight must be 4-D (in_channels, out_channels/groups, kh, kw), got shape "
            f"{weight.shape}"
        )
    _check_float_pair(x, weight, op)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    channels = x.shape[1]
    if weight.shape[0] != channels:
        raise RuntimeError(
            f"{op}: input has {channels} channels (shape {input.shape}) but weight "
            f"{weight.shape} expects {weight.shape[0]} (its first dimension)"
        )
    if channels % groups:
        raise RuntimeError(f"{op}: in_channels {channels} is not divisible by groups={groups}")
    kernel: Pair = (weight.shape[2], weight.shape[3])
    stride2 = as_pair(stride, "stride", op)
    dilation2 = as_pair(dilation, "dilation", op)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    oph, opw = as_pair(output_padding, "output_padding", op, minimum=0)
    for extra, s, d in ((oph, stride2[0], dilation2[0]), (opw, stride2[1], dilation2[1])):
        if extra >= max(s, d):
            raise ValueError(
                f"{op}: output_padding {(oph, opw)} must be smaller than the stride "
                f"{stride2} or the dilation {dilation2}"
            )
    size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + e + 1
        for n, s, p, d, k, e in zip(
            x.shape[2:], stride2, (ph, pw), dilation2, kernel, (oph, opw)
        )
    )
    if size[0] < 1 or size[1] < 1:
        raise RuntimeError(
            f"{op}: the output size {size[0]} x {size[1]} is too small (input "
            f"{x.shape[2]} x {x.shape[3]}, kernel {kernel}, stride {stride2}, padding "
            f"{(ph, pw)}, dilation {dilation2}, output_padding {(oph, opw)})"
        )
    out = Conv2dGradInput.apply(
        x, weight, input_size=size, padding=(ph, ph, pw, pw), stride=stride2,
        dilation=dilation2, groups=groups,
    )
    out = _add_bias(out, bias, weight.shape[1] * groups, op)
    return out if batched else out.squeeze(0)


def unfold(
    input: Tensor,
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> Tensor:
    """Extract sliding windows (im2col), as ``torch.nn.functional.unfold``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    kernel_size, dilation, padding, stride : int or pair of int
        Window geometry; padding is zeros.

    Returns
    -------
    Tensor
        ``(N, C * kh * kw, L)`` where ``L`` is the number of window positions; column ``l``
        holds window ``l`` (row-major over positions), channel-major then kernel row then
        kernel column. ``conv2d(x, w)`` equals ``w.reshape(O, -1) @ unfold(x, k)`` reshaped.

    Raises
    ------
    RuntimeError
        If the input is not 3-D/4-D or the window does not fit.
    ValueError
        For bad geometry values.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.conv import unfold
    >>> unfold(minigrad.ones(2, 3, 4, 4), 2).shape
    (2, 12, 9)
    """
    op = "unfold"
    x, batched = _batched(input, op, 2)
    kernel = as_pair(kernel_size, "kernel_size", op)
    stride2 = as_pair(stride, "stride", op)
    dilation2 = as_pair(dilation, "dilation", op)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    pad: Pad4 = (ph, ph, pw, pw)
    _check_fits(op, (x.shape[2], x.shape[3]), pad, kernel, stride2, dilation2)
    out = Unfold.apply(x, kernel_size=kernel, padding=pad, stride=stride2, dilation=dilation2)
    return out if batched else out.squeeze(0)


def fold(
    input: Tensor,
    output_size: IntOrPair,
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> Tensor:
    """Sum sliding-window columns back into images (col2im), as ``torch.nn.functional.fold``.

    The adjoint of :func:`unfold`: entries of overlapping windows are added, and the
    padding border is dropped.

    Parameters
    ----------
    input : Tensor
        ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``.
    output_size : int or pair of int
        ``(H, W)`` of the image to rebuild (without padding).
    kernel_size, dilation, padding, stride : int or pair of int
        The geometry :func:`unfold` used.

    Returns
    -------
    Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.

    Raises
    ------
    RuntimeError
        If the column count is not a multiple of ``kh * kw`` or ``L`` is not the number of
        window positions of ``output_size``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.conv import fold, unfold
    >>> x = minigrad.ones(1, 1, 3, 3)
    >>> fold(unfold(x, 2), 3, 2).tolist()  # each pixel counted once per window it is in
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    op = "fold"
    if input.ndim == 3:
        cols, batched = input, True
    elif input.ndim == 2:
        cols, batched = input.unsqueeze(0), False
    else:
        raise RuntimeError(
            f"{op}: expected a 2-D (unbatched) or 3-D (N, C*kh*kw, L) input, got shape "
            f"{input.shape}"
        )
    size = as_pair(output_size, "output_size", op)
    kernel = as_pair(kernel_size, "kernel_size", op)
    stride2 = as_pair(stride, "stride", op)
    dilation2 = as_pair(dilation, "dilation", op)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    pad: Pad4 = (ph, ph, pw, pw)
    oh, ow = _check_fits(op, size, pad, kernel, stride2, dilation2)
    taps = kernel[0] * kernel[1]
    if cols.shape[1] % taps:
        raise RuntimeError(
            f"{op}: dimension 1 of the input ({cols.shape[1]}, shape {input.shape}) must be "
            f"divisible by kh*kw = {taps} (kernel {kernel})"
        )
    if cols.shape[2] != oh * ow:
        raise RuntimeError(
            f"{op}: the input has {cols.shape[2]} columns (shape {input.shape}) but "
            f"output_size {size} with kernel {kernel}, stride {stride2}, padding {(ph, pw)} "
            f"and dilation {dilation2} has {oh} x {ow} = {oh * ow} window positions"
        )
    out = Fold.apply(cols, output_size=size, kernel_size=kernel, padding=pad, stride=stride2,
                     dilation=dilation2)
    return out if batched else out.squeeze(0)
