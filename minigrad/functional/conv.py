"""Convolutions: conv2d, conv1d and conv_transpose2d.

The graph nodes form a closed set, so gradients of gradients never leave it:
``Conv2d(x, w)``, ``Conv2dGradInput(gy, w)`` and ``Conv2dGradWeight(gy, x)`` are the three
faces of one bilinear map ``y = A(w) x``, and the backward of each is made of the other two:
``Conv2d`` gives ``(GradInput(g, w), GradWeight(g, x))``; ``GradInput(gy, w)`` gives
``(Conv2d(g, w), GradWeight(gy, g))``; ``GradWeight(gy, x)`` gives
``(Conv2d(x, g), GradInput(gy, g))``. ``conv_transpose2d`` is ``Conv2dGradInput`` itself.

Zero padding is an attribute of these nodes, passed on to the backend's kernels
(``ctx.backend.conv2d`` and friends), which pad chunk by chunk of the batch and crop the
input gradient as they write it, so no node makes a padded copy of its input. A
``Conv2d`` node whose weight needs a gradient also hands its kernels a
:class:`~minigrad.backends.convolution.Workspace`, in which the forward pass and the input
gradient leave the Winograd transforms that the weight gradient reuses; it is dropped with
the node's saved tensors. The bias of
``conv2d`` is an optional third input of ``Conv2d``, so a convolution layer is one node.
Other padding modes run :func:`~minigrad.functional.padding.pad` first.
"""

from __future__ import annotations

from minigrad import references
from minigrad.autograd import Function, is_grad_enabled
from minigrad.backends.convolution import Workspace
from minigrad.backends.geometry import (
    NO_PAD,
    Pad4,
    as_pair,
    check_batched,
    check_fits,
    resolve_padding,
)
from minigrad.functional.padding import pad
from minigrad.optable import S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, IntOrPair, Pair

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class Conv2d(Function):
    """``y = conv(pad(x), w) (+ b)``; ``padding`` is ``(top, bottom, left, right)``."""

    def forward(
        ctx, x: Array, w: Array, b: Array | None = None, padding: Pad4 = NO_PAD,
        stride: Pair = (1, 1), dilation: Pair = (1, 1), groups: int = 1,
    ) -> Array:
        needs = ctx.needs_input_grad
        ctx.save(x if needs[1] else None, w if needs[0] else None)
        ctx.sizes = (x.shape[2:], w.shape[2:])
        # what the weight gradient can reuse (the Winograd transform of x)
        ctx.workspace = Workspace() if needs[1] else None
        out = ctx.backend.conv2d(x, w, stride, dilation, groups, padding=padding,
                                 workspace=ctx.workspace)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        x, w = ctx.saved
        geometry = _geometry(ctx.attrs)
        input_size, kernel_size = ctx.sizes
        gx = gw = None
        # shared with the gradients' kernels, unless their nodes are recorded (which
        # would keep it alive with the graph of the gradient)
        workspace = ctx.workspace if x is not None and not is_grad_enabled() else None
        if w is not None:
            gx = Conv2dGradInput.apply(g, w, input_size=input_size, workspace=workspace,
                                       **geometry)
        if x is not None:
            gw = Conv2dGradWeight.apply(g, x, kernel_size=kernel_size, workspace=workspace,
                                        **geometry)
        if len(ctx.needs_input_grad) == 2:
            return gx, gw
        return gx, gw, (g.sum((0, 2, 3)) if ctx.needs_input_grad[2] else None)

    def release(self) -> None:
        super().release()
        self.workspace = None


def _geometry(attrs: dict[str, object]) -> dict[str, object]:
    return {k: attrs[k] for k in ("padding", "stride", "dilation", "groups")}


def _conv_like(y: Tensor, target: tuple[int, ...]) -> Tensor:
    """Crop ``y`` to ``target``'s plane: a transposed convolution whose output padding is
    not smaller than its stride leaves rows that no window of the forward pass reached."""
    if y.shape[2:] == target[2:]:
        return y
    return y[:, :, : target[2], : target[3]]


class Conv2dGradInput(Function):
    """The gradient of :class:`Conv2d` with respect to its input: ``gx = A(w)^T gy``."""

    def forward(
        ctx, gy: Array, w: Array, input_size: Pair = (1, 1), padding: Pad4 = NO_PAD,
        stride: Pair = (1, 1), dilation: Pair = (1, 1), groups: int = 1,
        workspace: Workspace | None = None,
    ) -> Array:
        needs = ctx.needs_input_grad
        ctx.save(gy if needs[1] else None, w if needs[0] else None)
        ctx.shapes = (gy.shape, w.shape)
        return ctx.backend.conv2d_grad_input(gy, w, input_size, stride, dilation, groups,
                                             padding=padding, workspace=workspace)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gy, w = ctx.saved
        gy_shape, w_shape = ctx.shapes
        geometry = _geometry(ctx.attrs)
        d_gy = d_w = None
        if w is not None:
            d_gy = _conv_like(Conv2d.apply(g, w, **geometry), gy_shape)
        if gy is not None:
            d_w = Conv2dGradWeight.apply(gy, g, kernel_size=w_shape[2:], **geometry)
        return d_gy, d_w


class Conv2dGradWeight(Function):
    """The gradient of :class:`Conv2d` with respect to its weight."""

    def forward(
        ctx, gy: Array, x: Array, kernel_size: Pair = (1, 1), padding: Pad4 = NO_PAD,
        stride: Pair = (1, 1), dilation: Pair = (1, 1), groups: int = 1,
        workspace: Workspace | None = None,
    ) -> Array:
        needs = ctx.needs_input_grad
        ctx.save(gy if needs[1] else None, x if needs[0] else None)
        ctx.shapes = (gy.shape, x.shape)
        return ctx.backend.conv2d_grad_weight(gy, x, kernel_size, stride, dilation, groups,
                                              padding=padding, workspace=workspace)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gy, x = ctx.saved
        gy_shape, x_shape = ctx.shapes
        geometry = _geometry(ctx.attrs)
        d_gy = d_x = None
        if x is not None:
            d_gy = _conv_like(Conv2d.apply(x, g, **geometry), gy_shape)
        if gy is not None:
            d_x = Conv2dGradInput.apply(gy, g, input_size=x_shape[2:], **geometry)
        return d_gy, d_x


def _batched(input: Tensor, op: str, spatial: int) -> tuple[Tensor, bool]:
    """``input`` with a batch dimension, and whether it already had one."""
    if check_batched(input.shape, spatial, op):
        return input, True
    return input.unsqueeze(0), False


def _check_image(x: Tensor, input: Tensor, op: str) -> None:
    # PyTorch refuses an empty image, however much padding is added, unless the batch or
    # the channels are empty too
    if 0 in x.shape[2:] and 0 not in x.shape[:2]:
        raise RuntimeError(
            f"{op}: an empty batch or zero channels are supported, an empty image is not; got "
            f"input shape {input.shape}"
        )


def _check_float_pair(input: Tensor, weight: Tensor, op: str) -> None:
    if input.dtype != weight.dtype:
        raise TypeError(
            f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} differ; "
            "convert one of them with .to(dtype)"
        )
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point tensors, got dtype {input.dtype}")
    if input.backend is not weight.backend:
        raise RuntimeError(
            f"{op}: input is on backend {input.backend.name!r} but weight is on "
            f"{weight.backend.name!r}"
        )


def _check_bias(bias: Tensor | None, channels: int, dtype: object, op: str) -> None:
    if bias is None:
        return
    if bias.shape != (channels,):
        raise RuntimeError(
            f"{op}: bias must have shape ({channels},), one value per output channel, got "
            f"{bias.shape}"
        )
    if bias.dtype != dtype:
        raise TypeError(
            f"{op}: bias dtype {bias.dtype} differs from the input and weight dtype "
            f"{dtype}; convert it with .to(dtype)"
        )


@op("conv2d", Conv2d, Conv2dGradInput, Conv2dGradWeight, torch=True, functional=True,
    samples=[S((2, 3, 5, 5), (4, 3, 3, 3), (4,)), S((1, 2, 6, 5), (2, 2, 2, 3), stride=2,
                                                     padding=1),
             S((1, 4, 5, 5), (4, 2, 3, 3), groups=2, dilation=(2, 1), padding="same"),
             S((2, 2, 4, 4), (3, 2, 3, 3), padding="full"),
             S((2, 4, 4), (2, 2, 2, 2), padding=1, padding_mode="reflect", note="unbatched"),
             S((1, 2, 5, 4), (2, 2, 3, 3), transposed=True)],
    reference=references.conv2d, tolerances={"ref_rtol": 1e-4})
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

    Shape
    -----
    - input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` for one image
    - weight: ``(C_out, C_in // groups, kernel_size[0], kernel_size[1])``
    - output: ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)``), where

      ``H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
      / stride[0]) + 1``

      and ``W_out`` likewise with index 1 (an int argument stands for a pair). ``"valid"``
      is ``padding=0``; ``"same"`` keeps ``H_out = H`` (stride 1 only); ``"full"`` pads
      ``dilation * (kernel_size - 1)`` on each side, so ``H_out = H + dilation[0] *
      (kernel_size[0] - 1)`` for stride 1.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import conv2d
    >>> x = minigrad.ones(1, 1, 4, 4)
    >>> conv2d(x, minigrad.ones(1, 1, 3, 3)).shape
    minigrad.Size([1, 1, 2, 2])
    >>> conv2d(x, minigrad.ones(1, 1, 3, 3), padding="full").shape
    minigrad.Size([1, 1, 6, 6])
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
    _check_image(x, input, op)
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
    pad4 = resolve_padding(padding, kernel, stride2, dilation2, op)
    check_fits(op, size, pad4, kernel, stride2, dilation2)
    if padding_mode != "zeros" and pad4 != NO_PAD:
        top, bottom, left, right = pad4
        x = pad(x, (left, right, top, bottom), mode=padding_mode)
        pad4 = NO_PAD
    _check_bias(bias, out_channels, x.dtype, op)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    out = Conv2d.apply(*inputs, padding=pad4, stride=stride2, dilation=dilation2, groups=groups)
    return out if batched else out.squeeze(0)


def _as_single(value: IntOrPair, name: str, op: str) -> int:
    if isinstance(value, int):
        return value
    items = tuple(value)
    if len(items) != 1 or not isinstance(items[0], int):
        raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    return int(items[0])


@op("conv1d", torch=True, functional=True,
    samples=[S((2, 3, 7), (4, 3, 3), (4,), stride=2), S((3, 6), (2, 3, 2), padding=1)],
    reference=references.conv1d)
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

    Shape
    -----
    - input: ``(N, C_in, L)``, or ``(C_in, L)``
    - weight: ``(C_out, C_in // groups, kernel_size)``
    - output: ``(N, C_out, L_out)`` (or ``(C_out, L_out)``), where
      ``L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``;
      ``padding="same"`` keeps ``L_out = L`` (stride 1 only).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import conv1d
    >>> conv1d(minigrad.ones(1, 2, 10), minigrad.ones(4, 2, 3), stride=2).shape
    minigrad.Size([1, 4, 4])
    """
    op = "conv1d"
    x, batched = _batched(input, op, 1)
    _check_image(x, input, op)
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


@op("conv_transpose2d", torch=True, functional=True,
    samples=[S((1, 2, 3, 3), (2, 3, 3, 3), (3,), stride=2),
             S((2, 4, 3, 2), (4, 1, 2, 3), stride=(1, 2), padding=1, output_padding=(0, 1),
               groups=2, dilation=1)],
    reference=references.conv_transpose2d, tolerances={"ref_rtol": 1e-4})
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

    Shape
    -----
    - input: ``(N, C_in, H, W)``, or ``(C_in, H, W)``
    - weight: ``(C_in, C_out // groups, kernel_size[0], kernel_size[1])``
    - output: ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)``), where

      ``H_out = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kernel_size[0] - 1)
      + output_padding[0] + 1``

      and ``W_out`` likewise with index 1 (an int argument stands for a pair): the sizes
      a :func:`conv2d` with the same arguments maps back to ``H x W``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import conv_transpose2d
    >>> x = minigrad.ones(1, 2, 3, 3)
    >>> conv_transpose2d(x, minigrad.ones(2, 5, 3, 3), stride=2).shape
    minigrad.Size([1, 5, 7, 7])
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
    _check_image(x, input, op)
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
    _check_bias(bias, weight.shape[1] * groups, x.dtype, op)
    out = Conv2dGradInput.apply(
        x, weight, input_size=(size[0], size[1]), padding=(ph, ph, pw, pw), stride=stride2,
        dilation=dilation2, groups=groups,
    )
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out if batched else out.squeeze(0)


