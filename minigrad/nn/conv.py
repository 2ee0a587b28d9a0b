"""Convolution layers: ``Conv1d``, ``Conv2d`` and ``ConvTranspose2d``.

The arithmetic lives in :mod:`minigrad.functional.conv`; these modules own the weights, which
are initialised as PyTorch does (``kaiming_uniform_(a=sqrt(5))``, i.e. ``U(-k, k)`` with
``k = 1 / sqrt(fan_in)``, and the bias on the same interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import creation
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value: int | Sequence[int], n: int, name: str, layer: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    items = tuple(int(v) for v in value)
    if len(items) != n:
        raise ValueError(f"{layer}: {name} must be an int or a {n}-tuple, got {value!r}")
    return items


class _ConvNd(Module):
    _dims = 2
    _transposed = False

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
        stride: int | Sequence[int], padding: str | int | Sequence[int],
        dilation: int | Sequence[int], groups: int, bias: bool, padding_mode: str,
        output_padding: int | Sequence[int] = 0, device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        n = self._dims
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must "
                f"both be divisible by groups ({groups}), which must be positive"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
            )
        if isinstance(padding, str):
            if padding not in ("valid", "same", "full"):
                raise ValueError(f"{name}: padding string must be 'valid', 'same' or 'full', "
                                 f"got {padding!r}")
            if padding == "same" and any(s != 1 for s in _tuple(stride, n, "stride", name)):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", name)
        self.stride = _tuple(stride, n, "stride", name)
        self.padding: str | tuple[int, ...] = (
            padding if isinstance(padding, str) else _tuple(padding, n, "padding", name)
        )
        self.dilation = _tuple(dilation, n, "dilation", name)
        self.output_padding = _tuple(output_padding, n, "output_padding", name)
        self.groups = groups
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(shape, dtype=dtype, device=device))
        if bias:
            self.bias: Parameter | None = Parameter(
                creation.empty(out_channels, dtype=dtype, device=device)
            )
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias with PyTorch's default initialisation."""
        init.reset_affine_(self.weight, self.bias)

    def extra_repr(self) -> str:
        n = self._dims
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * n:
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else \
                f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, C_in, H, W)`` images.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output (the number of filters).
    kernel_size : int or pair
        Filter size ``(kh, kw)``.
    stride : int or pair
        Step between windows.
    padding : int, pair, "valid", "same" or "full"
        Zeros (or ``padding_mode`` values) added on each side.
    dilation : int or pair
        Spacing between filter taps.
    groups : int
        Independent channel groups (``groups == in_channels``: depthwise).
    bias : bool
        Learn a per-output-channel bias.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        What padding is filled with.

    Attributes
    ----------
    weight : Parameter
        ``(out_channels, in_channels // groups, kh, kw)``: one filter per output channel,
        shared by every position of the image.
    bias : Parameter or None
        ``(out_channels,)``.

    Shape
    -----
    - input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` for one image
    - output: ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)``), where

      ``H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
      / stride[0]) + 1``

      and ``W_out`` likewise with index 1. ``padding="same"`` keeps ``H_out = H`` (stride 1
      only); ``padding="full"`` pads ``dilation * (kernel_size - 1)`` on each side, so
      ``H_out = H + dilation[0] * (kernel_size[0] - 1)`` for stride 1.

    Notes
    -----
    Initialisation, as in PyTorch: ``weight`` and ``bias`` are drawn uniformly from
    ``[-k, k]`` with ``k = 1 / sqrt(fan_in)``, where
    ``fan_in = in_channels // groups * kh * kw`` (``kaiming_uniform_(weight,
    a=sqrt(5))``); :meth:`reset_parameters` draws them again.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> conv = nn.Conv2d(1, 6, kernel_size=5)
    >>> conv(minigrad.randn(8, 1, 32, 32)).shape
    minigrad.Size([8, 6, 28, 28])
    >>> conv
    Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1, padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1, groups: int = 1, bias: bool = True,
        padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups, padding_mode=self.padding_mode)


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)`` sequences; parameters as :class:`Conv2d`.

    The weight has shape ``(out_channels, in_channels // groups, k)``.

    Shape
    -----
    - input: ``(N, C_in, L)``, or ``(C_in, L)``
    - output: ``(N, C_out, L_out)`` (or ``(C_out, L_out)``), where
      ``L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``;
      ``padding="same"`` keeps ``L_out = L`` (stride 1 only).

    Notes
    -----
    Initialisation, as in PyTorch: ``weight`` and ``bias`` are drawn uniformly from
    ``[-k, k]`` with ``k = 1 / sqrt(fan_in)``, where
    ``fan_in = in_channels // groups * kernel_size`` (``kaiming_uniform_(weight,
    a=sqrt(5))``); :meth:`reset_parameters` draws them again.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.Conv1d(2, 4, kernel_size=3, padding=1)(minigrad.randn(5, 2, 10)).shape
    minigrad.Size([5, 4, 10])
    """

    _dims = 1

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1, padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1, groups: int = 1, bias: bool = True,
        padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups, padding_mode=self.padding_mode)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of :class:`Conv2d` with respect to its
    input), used to upsample.

    Parameters are as :class:`Conv2d`, plus ``output_padding`` (extra rows/columns on the
    bottom/right, to pick among the sizes a strided convolution maps to the same output).
    The weight has shape ``(in_channels, out_channels // groups, kh, kw)``. Only
    ``padding_mode="zeros"`` is supported, as in PyTorch.

    Shape
    -----
    - input: ``(N, C_in, H, W)``, or ``(C_in, H, W)``
    - output: ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)``), where

      ``H_out = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kernel_size[0] - 1)
      + output_padding[0] + 1``

      and ``W_out`` likewise with index 1: the sizes a :class:`Conv2d` with the same
      arguments maps back to ``H x W``. ``forward(input, output_size=...)`` picks the
      ``output_padding`` that gives a requested size.

    Notes
    -----
    Initialisation, as in PyTorch: ``weight`` and ``bias`` are drawn uniformly from
    ``[-k, k]`` with ``k = 1 / sqrt(fan_in)``, where
    ``fan_in = out_channels // groups * kh * kw`` (from the weight's second dimension, as
    PyTorch computes it; ``kaiming_uniform_(weight, a=sqrt(5))``); :meth:`reset_parameters`
    draws them again.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> up = nn.ConvTranspose2d(4, 2, kernel_size=2, stride=2)
    >>> up(minigrad.randn(1, 4, 5, 5)).shape
    minigrad.Size([1, 2, 10, 10])
    """

    _transposed = True

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1, padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0, groups: int = 1, bias: bool = True,
        dilation: int | Sequence[int] = 1, padding_mode: str = "zeros", device: Any = None,
        dtype: Any = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(
                f'ConvTranspose2d only supports padding_mode="zeros", got {padding_mode!r}'
            )
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device=device,
                         dtype=dtype)

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None
                        ) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        wanted = tuple(int(s) for s in output_size)
        if len(wanted) == input.ndim:
            wanted = wanted[-2:]  # (N, C, H, W) or (C, H, W) given: the spatial part
        if len(wanted) != 2:
            raise ValueError(
                f"ConvTranspose2d: for a {input.ndim}-D input, output_size must have 2 or "
                f"{input.ndim} elements, got {len(wanted)}"
            )
        smallest, largest = [], []
        for d in range(2):
            padding = self.padding[d]
            assert isinstance(padding, int)
            low = ((input.shape[-2 + d] - 1) * self.stride[d] - 2 * padding
                   + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            smallest.append(low)
            largest.append(low + self.stride[d] - 1)  # output_padding < stride, as in torch
        if not all(lo <= w <= hi for lo, w, hi in zip(smallest, wanted, largest)):
            raise ValueError(
                f"ConvTranspose2d: requested an output size of {wanted}, but valid sizes range "
                f"from {tuple(smallest)} to {tuple(largest)} (for an input of spatial size "
                f"{input.shape[-2:]})"
            )
        return tuple(w - lo for w, lo in zip(wanted, smallest))

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride,
                                  self.padding,  # type: ignore[arg-type]
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)
