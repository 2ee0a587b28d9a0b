"""1-D pooling over ``(N, C, L)`` sequences: max, average and adaptive pooling.

Each is its 2-D counterpart on planes of height 1 (as ``conv1d`` is ``conv2d``'s), so the
kernels, gradients and ONNX forms are those of 2-D pooling; the indices of
``return_indices`` are then positions along ``L``. The options are checked here, so the
errors speak of the 1-D op and its single ints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import references
from minigrad.backends.geometry import window_count
from minigrad.functional.adaptive_pooling import adaptive_avg_pool2d, adaptive_max_pool2d
from minigrad.functional.pooling import _extremum_pool, avg_pool2d
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor

IntOrOne = int | Sequence[int]


def _single(value: IntOrOne, name: str, op: str) -> int:
    if isinstance(value, int):
        return value
    items = tuple(value)
    if len(items) != 1 or not isinstance(items[0], int):
        raise ValueError(f"{op}: {name} must be an int or contain one int, got {value!r}")
    return int(items[0])


def _rows(input: Tensor, op: str) -> Tensor:
    """``(N, C, L)`` or ``(C, L)`` as planes of height 1."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                           f"{input.shape}")
    return input.unsqueeze(-2)


def _window(op: str, input: Tensor, kernel_size: IntOrOne, stride: IntOrOne | None,
            padding: IntOrOne, dilation: IntOrOne, ceil_mode: bool
            ) -> tuple[int, int, int, int]:
    """Checked ``kernel, stride, padding, dilation`` of a 1-D pooling."""
    k = _single(kernel_size, "kernel_size", op)
    s = k if stride is None or stride == () or stride == [] else _single(stride, "stride", op)
    p = _single(padding, "padding", op)
    d = _single(dilation, "dilation", op)
    if k < 1 or s < 1 or d < 1 or p < 0:
        raise ValueError(f"{op}: kernel_size, stride and dilation must be positive and padding "
                         f"non-negative, got kernel_size={k}, stride={s}, padding={p}, "
                         f"dilation={d}")
    limit = k // 2  # (PyTorch's 1-D limit ignores the dilation)
    if p > limit:
        raise ValueError(f"{op}: padding should be at most half of the kernel size, but got "
                         f"padding={p} and kernel_size={k}")
    length = input.shape[-1]
    if window_count(length, k, s, p, p, d, ceil_mode) < 1:
        raise RuntimeError(f"{op}: an input of length {length} (shape {input.shape}) gives no "
                           f"output with kernel_size={k}, stride={s}, padding={p}, "
                           f"dilation={d}")
    return k, s, p, d


def _squeezed(out: Any, return_indices: bool) -> Any:
    if return_indices:
        values, indices = out
        return values.squeeze(-2), indices.squeeze(-2)
    return out.squeeze(-2)


def _ref_rows(reference: Any, names: Sequence[str]) -> Any:
    """A 2-D NumPy reference applied to rows of height 1: ``names`` are the 1-D op's
    parameters after the input, and the window's ints become ``(1, n)`` (padding
    ``(0, n)``)."""
    def widened(name: str, v: Any) -> Any:
        if name not in ("kernel_size", "stride", "padding", "dilation") or v is None:
            return v
        n = v[0] if isinstance(v, (list, tuple)) else v
        return (0 if name == "padding" else 1, n)

    def run(a: Any, *args: Any, **kwargs: Any) -> Any:
        named = {**dict(zip(names, args)), **kwargs}
        out = reference(a[..., None, :], **{k: widened(k, v) for k, v in named.items()})
        return tuple(o[..., 0, :] for o in out) if isinstance(out, tuple) else out[..., 0, :]

    return run


_MAX_NAMES = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
_AVG_NAMES = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
_TIE = Arg((1, 1, 4), "values", values=[[[1.0, 1.0, 0.5, 1.0]]])


@op("max_pool1d", torch=True, functional=True,
    samples=[S((2, 3, 8), 2), S((3, 7), 3, stride=2, padding=1),
             S((1, 2, 9), 3, stride=1, dilation=2, padding=1), S((2, 1, 7), 2, ceil_mode=True),
             S((1, 2, 6), 3, 1, return_indices=True), S((2, 5, 3), 2, transposed=True),
             S(_TIE, 2, note="tie", grad=False)],
    reference=_ref_rows(references.max_pool2d, _MAX_NAMES))
def max_pool1d(input: Tensor, kernel_size: IntOrOne, stride: IntOrOne | None = None,
               padding: IntOrOne = 0, dilation: IntOrOne = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """1-D max pooling, as ``torch.nn.functional.max_pool1d``: the largest element of each
    window (the first one on ties, which alone gets the gradient).

    Parameters
    ----------
    input : Tensor
        ``(N, C, L)`` or ``(C, L)``.
    kernel_size : int
        Window length.
    stride : int, optional
        Step between windows (default ``kernel_size``).
    padding : int
        ``-inf`` elements on each side, at most half of ``kernel_size``.
    dilation : int
        Spacing between window taps.
    ceil_mode : bool
        Round the output length up (a last window starting in the padding is dropped).
    return_indices : bool
        Also return the positions along ``L`` of the picked elements.

    Returns
    -------
    Tensor or (Tensor, Tensor)

    Raises
    ------
    RuntimeError
        If the input is not 2-D or 3-D, or the output would be empty.
    ValueError
        For bad window values.

    Shape
    -----
    - input: ``(N, C, L_in)``, or ``(C, L_in)``
    - output: ``(N, C, L_out)`` (or ``(C, L_out)``), where

      ``L_out = floor((L_in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``

      rounded up instead with ``ceil_mode=True``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.max_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 5.0]]]), 2).tolist()
    [[[3.0, 5.0]]]
    """
    name = "max_pool1d"
    x = _rows(input, name)
    k, s, p, d = _window(name, input, kernel_size, stride, padding, dilation, ceil_mode)
    out = _extremum_pool(name, x, (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices,
                         True)
    return _squeezed(out, return_indices)


@op("max_pool1d_with_indices", torch=True, functional=True,
    samples=[S((2, 3, 8), 2), S((3, 7), 3, stride=2, padding=1)],
    reference=lambda a, *args, **kwargs: _ref_rows(references.max_pool2d, _MAX_NAMES)(
        a, *args, **kwargs, return_indices=True))
def max_pool1d_with_indices(input: Tensor, kernel_size: IntOrOne,
                            stride: IntOrOne | None = None, padding: IntOrOne = 0,
                            dilation: IntOrOne = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`max_pool1d` returning ``(values, indices)`` whatever ``return_indices`` says
    (PyTorch's name for that form).

    Shape
    -----
    As :func:`max_pool1d`: ``(N, C, L_in)`` (or ``(C, L_in)``) becomes
    ``(N, C, L_out)``, values and indices alike.
    """
    result: tuple[Tensor, Tensor] = max_pool1d(input, kernel_size, stride, padding, dilation,
                                               ceil_mode, True)
    return result


@op("avg_pool1d", torch=True, functional=True,
    samples=[S((2, 3, 8), 2), S((3, 7), 3, 2, 1), S((2, 2, 7), 3, 2, 1, True, False),
             S((1, 2, 6), 4, 1, 2, count_include_pad=False), S((2, 5, 3), 2, transposed=True)],
    reference=_ref_rows(references.avg_pool2d, _AVG_NAMES))
def avg_pool1d(input: Tensor, kernel_size: IntOrOne, stride: IntOrOne | None = None,
               padding: IntOrOne = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling, as ``torch.nn.functional.avg_pool1d``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, L)`` or ``(C, L)``.
    kernel_size, stride, padding, ceil_mode
        As for :func:`max_pool1d` (zero padding, at most half the window).
    count_include_pad : bool
        Whether padded zeros count in the divisor.

    Raises
    ------
    RuntimeError, ValueError
        As for :func:`max_pool1d`.

    Shape
    -----
    - input: ``(N, C, L_in)``, or ``(C, L_in)``
    - output: ``(N, C, L_out)`` (or ``(C, L_out)``), where

      ``L_out = floor((L_in + 2 * padding - kernel_size) / stride) + 1``

      rounded up instead with ``ceil_mode=True``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.avg_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2).tolist()
    [[[2.0, 4.0]]]
    """
    name = "avg_pool1d"
    x = _rows(input, name)
    k, s, p, _ = _window(name, input, kernel_size, stride, padding, 1, ceil_mode)
    return avg_pool2d(x, (1, k), (1, s), (0, p), ceil_mode, count_include_pad).squeeze(-2)


def _adaptive_length(output_size: Any, op: str) -> int:
    size = _single(output_size, "output_size", op)
    if size < 0:  # (0 gives an empty output, as in PyTorch)
        raise ValueError(f"{op}: output_size must be non-negative, got {output_size!r}")
    return size


def _ref_adaptive(reference: Any) -> Any:
    def run(a: Any, output_size: Any, return_indices: bool = False) -> Any:
        size = output_size[0] if isinstance(output_size, (list, tuple)) else output_size
        kwargs = {"return_indices": True} if return_indices else {}
        out = reference(a[..., None, :], (1, size), **kwargs)
        return tuple(o[..., 0, :] for o in out) if return_indices else out[..., 0, :]

    return run


@op("adaptive_avg_pool1d", torch=True, functional=True,
    samples=[S((2, 3, 7), 3), S((3, 8), [4]), S((2, 2, 5), 1), S((2, 5, 6), 4, transposed=True)],
    reference=_ref_adaptive(references.adaptive_avg_pool2d))
def adaptive_avg_pool1d(input: Tensor, output_size: IntOrOne) -> Tensor:
    """Average pooling to a fixed output length, as
    ``torch.nn.functional.adaptive_avg_pool1d``: output ``i`` averages positions
    ``floor(i * L / out)`` to ``ceil((i + 1) * L / out) - 1``.

    Shape
    -----
    - input: ``(N, C, L_in)``, or ``(C, L_in)``
    - output: ``(N, C, output_size)`` (or ``(C, output_size)``), whatever ``L_in``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.adaptive_avg_pool1d(minigrad.randn(2, 4, 13), 5).shape
    minigrad.Size([2, 4, 5])
    """
    name = "adaptive_avg_pool1d"
    x = _rows(input, name)
    return adaptive_avg_pool2d(x, (1, _adaptive_length(output_size, name))).squeeze(-2)


@op("adaptive_max_pool1d", functional=True,
    samples=[S((2, 3, 7), 3), S((3, 8), [4]), S((2, 2, 5), 1),
             S((1, 2, 7), 3, return_indices=True), S((2, 5, 6), 4, transposed=True)],
    reference=_ref_adaptive(references.adaptive_max_pool2d))
def adaptive_max_pool1d(input: Tensor, output_size: IntOrOne, return_indices: bool = False
                        ) -> Any:
    """Max pooling to a fixed output length, as
    ``torch.nn.functional.adaptive_max_pool1d`` (windows of :func:`adaptive_avg_pool1d`).

    Shape
    -----
    - input: ``(N, C, L_in)``, or ``(C, L_in)``
    - output (and indices): ``(N, C, output_size)`` (or ``(C, output_size)``)

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.adaptive_max_pool1d(minigrad.tensor([[[1.0, 4.0, 2.0, 3.0]]]), 2).tolist()
    [[[4.0, 3.0]]]
    """
    name = "adaptive_max_pool1d"
    x = _rows(input, name)
    out = adaptive_max_pool2d(x, (1, _adaptive_length(output_size, name)), return_indices)
    return _squeezed(out, return_indices)


@op("adaptive_max_pool1d_with_indices", functional=True, samples=[S((2, 3, 7), 3)],
    reference=lambda a, size, return_indices=False: _ref_adaptive(
        references.adaptive_max_pool2d)(a, size, True))
def adaptive_max_pool1d_with_indices(input: Tensor, output_size: IntOrOne,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool1d` returning ``(values, indices)`` always.

    Shape
    -----
    As :func:`adaptive_max_pool1d`: ``(N, C, L_in)`` (or ``(C, L_in)``) becomes
    ``(N, C, output_size)``, values and indices alike.
    """
    result: tuple[Tensor, Tensor] = adaptive_max_pool1d(input, output_size, True)
    return result
