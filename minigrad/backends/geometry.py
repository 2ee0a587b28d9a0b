"""Window arithmetic: the one place that knows how sliding windows fit an input.

Convolution and pooling ops, their kernels, the ``nn`` layers, the conv-arithmetic
utilities and backend plugins all compute output sizes, padding and tap positions here.

Along a dimension of size ``n`` with kernel ``k``, stride ``s``, dilation ``d`` and
padding ``p_before + p_after``, there are ``(n + p - d(k - 1) - 1) // s + 1`` windows.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from minigrad.types import IntOrPair, Pair

__all__ = [
    "NO_PAD",
    "Pad4",
    "adaptive_bounds",
    "adaptive_taps",
    "as_pair",
    "check_batched",
    "check_fits",
    "output_size",
    "padded_size",
    "pool_geometry",
    "reach",
    "resolve_padding",
    "taps",
    "window_count",
]

Pad4 = tuple[int, int, int, int]  # (top, bottom, left, right)
NO_PAD: Pad4 = (0, 0, 0, 0)
PADDING_STRINGS = ("valid", "same", "full")


def as_pair(value: IntOrPair, name: str, op: str, minimum: int = 1) -> Pair:
    """``value`` (an int or a 1- or 2-sequence of ints) as a pair, each at least
    ``minimum``; a clear ``ValueError`` naming ``op`` and ``name`` otherwise."""
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

    The division rounds down, or up with ``ceil_mode``; as in PyTorch, a last window that
    would start inside the trailing padding is then dropped. The result may be zero or
    negative when nothing fits.
    """
    span = n + before + after - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = (span + stride - 1) // stride + 1  # PyTorch's rounding, negative spans included
    if (out - 1) * stride >= n + before:
        out -= 1
    return out


def output_size(size: Sequence[int], kernel: Pair, stride: Pair, dilation: Pair) -> Pair:
    """Window positions over an already padded ``(H, W)`` plane (a kernel's view).

    Raises
    ------
    ValueError
        If the (dilated) window does not fit.
    """
    out = tuple(window_count(n, k, s, 0, 0, d) for n, k, s, d in
                zip(size, kernel, stride, dilation))
    if out[0] < 1 or out[1] < 1:
        raise ValueError(
            f"a window of {kernel} (dilation {dilation}) does not fit in a plane of "
            f"{tuple(size)}"
        )
    return (out[0], out[1])


def reach(n_out: int, kernel: int, stride: int, dilation: int) -> int:
    """How many input positions the windows of ``n_out`` outputs touch."""
    return (n_out - 1) * stride + dilation * (kernel - 1) + 1


def padded_size(size: Sequence[int], pad: Pad4) -> Pair:
    """``(H, W)`` after padding by ``(top, bottom, left, right)``."""
    return (size[0] + pad[0] + pad[1], size[1] + pad[2] + pad[3])


def taps(kernel: Pair, stride: Pair, dilation: Pair, out: Pair
         ) -> list[tuple[int, int, slice, slice]]:
    """``(i, j, rows, cols)`` for every kernel tap, in row-major window order:
    ``x[..., rows, cols]`` is the ``out`` plane of input values tap ``(i, j)`` sees."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out
    result = []
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            result.append((i, j, rows, slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)))
    return result


def resolve_padding(
    padding: str | IntOrPair, kernel: Pair, stride: Pair, dilation: Pair, op: str
) -> Pad4:
    """Turn ``padding`` (an int, a pair, or ``"valid"``/``"same"``/``"full"``) into
    ``(top, bottom, left, right)``.

    ``"same"`` (stride 1 only) puts the extra row/column of an odd total at the
    bottom/right; ``"full"`` pads ``d(k - 1)`` on every side.
    """
    if isinstance(padding, str):
        if padding not in PADDING_STRINGS:
            raise ValueError(
                f"{op}: padding string must be one of {PADDING_STRINGS}, got {padding!r}"
            )
        if padding == "valid":
            return NO_PAD
        spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if padding == "full":
            return (spans[0], spans[0], spans[1], spans[1])
        if stride != (1, 1):
            raise ValueError(
                f"{op}: padding='same' needs stride 1 (got stride {stride}); with a larger "
                "stride no padding keeps the size"
            )
        return (spans[0] // 2, spans[0] - spans[0] // 2, spans[1] // 2, spans[1] - spans[1] // 2)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    return (ph, ph, pw, pw)


def check_fits(op: str, size: Sequence[int], pad: Pad4, kernel: Pair, stride: Pair,
               dilation: Pair) -> Pair:
    """The output size of windows over ``size`` padded by ``pad``; a clear error naming
    ``op`` when the (dilated) kernel is larger than the padded input."""
    padded = padded_size(size, pad)
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


def pool_geometry(
    op: str, shape: Sequence[int], kernel_size: IntOrPair, stride: IntOrPair | None,
    padding: IntOrPair, dilation: IntOrPair, ceil_mode: bool, pad_limit: str,
) -> tuple[Pair, Pair, Pad4, Pair, Pair]:
    """Check pooling options for an input of ``shape`` (``(..., H, W)``); return kernel, stride,
    ``(top, bottom, left, right)`` padding (bottom/right grown so that ceil-mode windows
    fit), dilation and output size.

    ``pad_limit`` is ``"effective"`` (padding at most half the dilated kernel, max
    pooling) or ``"kernel"`` (half the kernel, average pooling).
    """
    size = tuple(shape[-2:])
    kernel = as_pair(kernel_size, "kernel_size", op)
    strides = kernel if stride is None or stride == () or stride == [] else as_pair(
        stride, "stride", op)
    pads = as_pair(padding, "padding", op, minimum=0)
    dilations = as_pair(dilation, "dilation", op)
    for p, k, d in zip(pads, kernel, dilations):
        limit = (d * (k - 1) + 1) // 2 if pad_limit == "effective" else k // 2
        if p > limit:
            raise ValueError(
                f"{op}: padding {pads} must be at most half of the kernel {kernel}"
                + (f" with dilation {dilations}" if pad_limit == "effective" else "")
                + f" (at most {limit} here), or some windows would hold only padding"
            )
    outs = tuple(
        window_count(n, k, s, p, p, d, ceil_mode)
        for n, k, s, p, d in zip(size, kernel, strides, pads, dilations)
    )
    if outs[0] < 1 or outs[1] < 1:
        raise RuntimeError(
            f"{op}: input plane {size[0]} x {size[1]} (shape {tuple(shape)}) gives an output "
            f"of {outs[0]} x {outs[1]} with kernel {kernel}, stride {strides}, padding {pads} "
            f"and dilation {dilations}; the output must be at least 1 x 1"
        )
    extra = [
        max(0, reach(o, k, s, d) - (n + 2 * p))
        for o, s, d, k, n, p in zip(outs, strides, dilations, kernel, size, pads)
    ]
    pad4: Pad4 = (pads[0], pads[0] + extra[0], pads[1], pads[1] + extra[1])
    return kernel, strides, pad4, dilations, (outs[0], outs[1])


def adaptive_bounds(n: int, n_out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows: ``[floor(i * n / n_out), ceil((i + 1) * n / n_out))``."""
    return [((i * n) // n_out, -(-((i + 1) * n) // n_out)) for i in range(n_out)]


def adaptive_taps(n: int, n_out: int) -> tuple[list[list[int]], list[list[bool]]]:
    """The input positions of each adaptive window, as a rectangular table (windows
    shorter than the longest repeat their first position) and a mask of the real ones."""
    bounds = adaptive_bounds(n, n_out)
    longest = max(end - start for start, end in bounds)
    table = [[start + t if t < end - start else start for t in range(longest)]
             for start, end in bounds]
    real = [[t < end - start for t in range(longest)] for start, end in bounds]
    return table, real


def check_nonempty(shape: Sequence[int], trailing: int, op: str) -> None:
    """Refuse a size-0 dimension among the last ``trailing`` of ``shape`` (PyTorch's
    pooling and unfolding accept an empty batch but not an empty image or channel)."""
    dims = tuple(shape)[len(shape) - trailing:]
    if 0 in dims:
        which = len(shape) - trailing + dims.index(0)
        raise RuntimeError(
            f"{op}: expected an input with non-zero sizes in its non-batch dimensions, got "
            f"shape {tuple(shape)} (dimension {which} is empty)"
        )


def check_batched(shape: Sequence[int], spatial: int, op: str) -> bool:
    """Whether an input of ``shape`` has a batch dimension (``spatial + 2`` dimensions)
    or not (``spatial + 1``); a clear error for anything else."""
    if len(shape) == spatial + 2:
        return True
    if len(shape) == spatial + 1:
        return False
    layout = "(C, H, W)" if spatial == 2 else "(C, L)"
    batched = "(N, C, H, W)" if spatial == 2 else "(N, C, L)"
    raise RuntimeError(
        f"{op}: expected a {spatial + 1}-D {layout} (unbatched) or {spatial + 2}-D {batched} "
        f"(batched) input, got shape {tuple(shape)}"
    )
