"""Convolution arithmetic: output sizes and receptive fields of conv/pool stacks.

Along one dimension a window op with kernel ``f``, stride ``s``, padding ``p`` (each side)
and dilation ``d`` turns ``n`` positions into ``(n + 2p - d(f - 1) - 1) / s + 1`` (rounded
down, or up in ceil mode). Stacking such ops, each output unit sees a growing patch of the
input, its receptive field; :func:`receptive_field` follows it layer by layer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from minigrad.backends.geometry import window_count

__all__ = ["ReceptiveField", "conv_output_size", "receptive_field"]

Pair = tuple[int, int]


def _pairs(value: Any, name: str) -> Pair:
    if isinstance(value, int):
        return (value, value)
    items = tuple(value)
    if len(items) == 1:
        items = items * 2
    if len(items) != 2 or not all(isinstance(v, int) for v in items):
        raise ValueError(f"conv_output_size: {name} must be an int or a pair, got {value!r}")
    return (int(items[0]), int(items[1]))


def _side_padding(
    padding: Any, kernel: int, stride: int, dilation: int, op: str
) -> tuple[int, int]:
    """(before, after) padding of one dimension, strings included."""
    if isinstance(padding, str):
        span = dilation * (kernel - 1)
        if padding == "valid":
            return (0, 0)
        if padding == "full":
            return (span, span)
        if padding == "same":
            if stride != 1:
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
            return (span // 2, span - span // 2)
        raise ValueError(f"{op}: padding must be an int or 'valid'/'same'/'full', got "
                         f"{padding!r}")
    return (int(padding), int(padding))


def conv_output_size(
    n: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | str | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> Any:
    """Output size of a convolution or pooling: ``(n + 2p - d(f - 1) - 1) / s + 1``.

    Parameters
    ----------
    n : int or pair of int
        Input size (per dimension).
    kernel_size, stride, dilation : int or pair of int
        ``f``, ``s`` and ``d``.
    padding : int, pair of int, or {"valid", "same", "full"}
        ``p`` on each side. ``"same"`` (stride 1) keeps ``n``; ``"full"`` pads
        ``d(f - 1)`` on each side, giving ``n + d(f - 1)``.
    ceil_mode : bool
        Round the division up instead of down. As in PyTorch's pooling, a last window that
        would start in the trailing padding is then not counted.

    Returns
    -------
    int or tuple of int
        An int when every argument is an int, else a pair.

    Raises
    ------
    ValueError
        If no window fits (the output would be zero or negative), naming the sizes.

    Examples
    --------
    >>> from minigrad.nn.utils.conv_arithmetic import conv_output_size
    >>> conv_output_size(32, 5)
    28
    >>> conv_output_size(7, 3, stride=2, padding=1)
    4
    >>> conv_output_size(5, 2, stride=2, ceil_mode=True)
    3
    >>> conv_output_size((28, 28), 3, padding="full")
    (30, 30)
    """
    scalar = all(isinstance(v, (int, str)) for v in (n, kernel_size, stride, padding, dilation))
    sizes, kernels = _pairs(n, "n"), _pairs(kernel_size, "kernel_size")
    strides, dilations = _pairs(stride, "stride"), _pairs(dilation, "dilation")
    pads = (padding, padding) if isinstance(padding, (int, str)) else _pairs(padding, "padding")
    out = []
    for size, k, s, p, d in zip(sizes, kernels, strides, pads, dilations):
        if k < 1 or s < 1 or d < 1:
            raise ValueError(
                f"conv_output_size: kernel_size, stride and dilation must be positive, got "
                f"{k}, {s}, {d}"
            )
        before, after = _side_padding(p, k, s, d, "conv_output_size")
        count = window_count(size, k, s, before, after, d, ceil_mode)
        if count < 1:
            raise ValueError(
                f"conv_output_size: a window of {d * (k - 1) + 1} (kernel {k}, dilation {d}) "
                f"does not fit in {size} + padding {before + after}; the output size would be "
                f"{count}"
            )
        out.append(count)
    return out[0] if scalar else (out[0], out[1])


@dataclass(frozen=True)
class ReceptiveField:
    """One row of :func:`receptive_field`: the state after a layer, per (H, W) dimension.

    Attributes
    ----------
    name : str
        The layer's name in the model (``"0"``, ``"conv1"``) and its class.
    output_size : tuple of int
        The layer's output plane.
    receptive_field : tuple of int
        How many input pixels (per dimension) one output unit depends on.
    jump : tuple of int
        The distance, in input pixels, between neighbouring output units.
    start : tuple of float
        Input coordinate (pixel index) of the centre of the first output unit's field;
        negative when it lies in the padding.
    """

    name: str
    output_size: Pair
    receptive_field: Pair
    jump: Pair
    start: tuple[float, float]


def _leaves(model: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """The model's layers in order, descending into containers (Sequential and friends)."""
    if hasattr(model, "named_children"):
        children = list(model.named_children())
    elif isinstance(model, (list, tuple)):
        children = [(str(i), layer) for i, layer in enumerate(model)]
    else:
        children = []
    if not children or hasattr(model, "kernel_size"):
        yield prefix or type(model).__name__, model
        return
    for name, child in children:
        yield from _leaves(child, f"{prefix}.{name}" if prefix else name)


def _geometry(layer: Any, size: Pair) -> tuple[Pair, Pair, tuple[Pair, Pair], Pair, bool] | None:
    """(kernel, stride, ((top, bottom), (left, right)), dilation, ceil_mode) of a spatial
    layer, or None for a pointwise one."""
    kind = type(layer).__name__
    if "Transpose" in kind or getattr(layer, "transposed", False) is True:
        raise ValueError(
            f"receptive_field: {kind} is a transposed convolution, whose units do not have "
            "one input window; receptive fields are defined here for conv/pool stacks only"
        )
    if hasattr(layer, "kernel_size"):
        kernel = _pairs(layer.kernel_size, "kernel_size")
        raw_stride = getattr(layer, "stride", None)
        stride = kernel if raw_stride in (None, (), []) else _pairs(raw_stride, "stride")
        dilation = _pairs(getattr(layer, "dilation", 1), "dilation")
        padding = getattr(layer, "padding", 0)
        pads = (padding, padding) if isinstance(padding, (int, str)) else _pairs(
            padding, "padding")
        sides = tuple(
            _side_padding(p, k, s, d, f"receptive_field ({kind})")
            for p, k, s, d in zip(pads, kernel, stride, dilation)
        )
        return kernel, stride, (sides[0], sides[1]), dilation, bool(
            getattr(layer, "ceil_mode", False))
    target = getattr(layer, "output_size", None)
    if target is None and kind.startswith("Global"):
        target = 1
    if target is not None and "Pool" in kind:
        outs = [size[i] if v is None else v for i, v in enumerate(
            (target, target) if isinstance(target, int) else target)]
        if any(n % o for n, o in zip(size, outs)):
            raise ValueError(
                f"receptive_field: {kind} pools {size} to {tuple(outs)}; the windows differ "
                "in size, so no single receptive field exists (use an input size divisible "
                "by the output size)"
            )
        kernel = (size[0] // outs[0], size[1] // outs[1])
        return kernel, kernel, ((0, 0), (0, 0)), (1, 1), False
    return None


def receptive_field(model: Any, input_shape: Sequence[int]) -> list[ReceptiveField]:
    """Receptive field, jump and start of every layer of a conv/pool stack.

    Walks the layers in order (descending into ``Sequential``-like containers; a plain list
    of layers works too). A layer with a ``kernel_size`` attribute is a window op, read
    through its ``stride``, ``padding`` (ints, pairs or 'valid'/'same'/'full'), ``dilation``
    and ``ceil_mode`` attributes; adaptive and global pooling are windows covering
    ``input / output`` pixels; any other layer (activations, normalisation, dropout) is
    pointwise and changes nothing. The walk stops at the first layer that flattens the
    maps (a ``Flatten`` or anything with ``in_features``), after which units see the whole
    input.

    Per dimension, with ``r``, ``j``, ``a`` the field, jump and start before a layer with
    kernel ``k``, dilation ``d``, stride ``s`` and leading padding ``p``:
    ``r' = r + d(k - 1) j``, ``j' = j s``, ``a' = a + (d(k - 1) / 2 - p) j``.

    Parameters
    ----------
    model : Module, or sequence of layers
        The stack to analyse.
    input_shape : sequence of int
        The input's shape; its last two entries are ``(H, W)``.

    Returns
    -------
    list of ReceptiveField
        One row for the input, then one per layer walked.

    Raises
    ------
    ValueError
        For a transposed convolution, non-uniform adaptive pooling, or a layer whose
        windows do not fit its input.

    Examples
    --------
    >>> from types import SimpleNamespace as Layer
    >>> from minigrad.nn.utils.conv_arithmetic import receptive_field
    >>> conv = Layer(kernel_size=3, stride=1, padding=1, dilation=1)
    >>> pool = Layer(kernel_size=2, stride=2, padding=0, dilation=1)
    >>> rows = receptive_field([conv, conv, pool], (1, 8, 8))
    >>> [row.receptive_field[0] for row in rows]
    [1, 3, 5, 6]
    """
    if len(input_shape) < 2:
        raise ValueError(f"receptive_field: input_shape must end with (H, W), got "
                         f"{tuple(input_shape)}")
    size: Pair = (int(input_shape[-2]), int(input_shape[-1]))
    row = ReceptiveField("input", size, (1, 1), (1, 1), (0.0, 0.0))
    rows = [row]
    for name, layer in _leaves(model):
        if type(layer).__name__ == "Flatten" or hasattr(layer, "in_features"):
            break
        row = advance(row, layer, f"{name} ({type(layer).__name__})")
        rows.append(row)
    return rows


def advance(previous: ReceptiveField, layer: Any, name: str) -> ReceptiveField:
    """The receptive-field row after ``layer``, given the row before it.

    This is the one recurrence behind :func:`receptive_field` and
    :func:`minigrad.nn.utils.summary`; pointwise layers leave the row unchanged.

    Raises
    ------
    ValueError
        For a transposed convolution, non-uniform adaptive pooling, or windows that do
        not fit ``previous.output_size``.
    """
    size, field, jump, start = (previous.output_size, previous.receptive_field,
                                previous.jump, previous.start)
    geometry = _geometry(layer, size)
    if geometry is None:
        return ReceptiveField(name, size, field, jump, start)
    kernel, stride, sides, dilation, ceil_mode = geometry
    new_size = []
    for i in range(2):
        count = window_count(size[i], kernel[i], stride[i], sides[i][0], sides[i][1],
                             dilation[i], ceil_mode)
        if count < 1:
            raise ValueError(
                f"receptive_field: layer {name} with kernel {kernel} does not fit its input "
                f"plane {size} (padding {sides})"
            )
        new_size.append(count)
    span = (dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1))
    return ReceptiveField(
        name,
        (new_size[0], new_size[1]),
        (field[0] + span[0] * jump[0], field[1] + span[1] * jump[1]),
        (jump[0] * stride[0], jump[1] * stride[1]),
        (start[0] + (span[0] / 2 - sides[0][0]) * jump[0],
         start[1] + (span[1] / 2 - sides[1][0]) * jump[1]),
    )
