"""How tensors print: :func:`set_printoptions`, as ``torch.set_printoptions``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy

__all__ = ["PrintOptions", "format_values", "options", "set_printoptions", "with_suffixes"]


@dataclass(frozen=True)
class PrintOptions:
    """The settings ``repr(tensor)`` uses (PyTorch's defaults)."""

    precision: int = 4  # digits after the decimal point
    threshold: float = 1000  # more elements than this are summarised with "..."
    edgeitems: int = 3  # elements shown at each end of a summarised dimension
    linewidth: int = 80  # characters per line before wrapping
    sci_mode: bool | None = None  # None: scientific notation when the values need it


_PROFILES = {
    "default": PrintOptions(),
    "short": PrintOptions(precision=2, edgeitems=2),
    "full": PrintOptions(threshold=math.inf),
}
_current = PrintOptions()


def options() -> PrintOptions:
    """The print options in force."""
    return _current


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print, as ``torch.set_printoptions``.

    Parameters
    ----------
    precision : int, optional
        Digits after the decimal point (4).
    threshold : int, optional
        Tensors with more elements are summarised, showing ``edgeitems`` at each end
        (1000).
    edgeitems : int, optional
        Elements shown at the start and end of each summarised dimension (3).
    linewidth : int, optional
        Characters per line before wrapping (80).
    profile : {"default", "short", "full"}, optional
        Start from these settings (``"full"`` never summarises); the other arguments
        then change them.
    sci_mode : bool, optional
        ``True`` always uses scientific notation, ``False`` never, ``None`` (the default)
        when the values need it. Unlike the others, it is reset whenever it is not given.

    Raises
    ------
    ValueError
        If ``profile`` is unknown.
    """
    global _current
    base = _current
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        base = _PROFILES[profile]
    given: dict[str, Any] = {"precision": precision, "threshold": threshold,
                             "edgeitems": edgeitems, "linewidth": linewidth}
    _current = replace(base, sci_mode=sci_mode,
                       **{k: v for k, v in given.items() if v is not None})


def _summarized(host: numpy.ndarray[Any, Any], edgeitems: int) -> numpy.ndarray[Any, Any]:
    """The elements a summarised print shows (``edgeitems`` at each end of each long
    dimension): the number format is chosen from these alone, as in PyTorch."""
    for axis, n in enumerate(host.shape):
        if n > 2 * edgeitems:
            keep = numpy.r_[0:edgeitems, n - edgeitems:n]
            host = numpy.take(host, keep, axis=axis)
    return host


def _float_format(shown: numpy.ndarray[Any, Any], o: PrintOptions) -> Callable[[Any], str]:
    """PyTorch's choice for floats: whole numbers as ``3.``, else ``precision`` decimals,
    in scientific notation when the sizes span more than 1000x or reach 1e8 (or, with
    decimals, go below 1e-4), unless ``sci_mode`` says otherwise."""
    finite = shown[numpy.isfinite(shown)].astype(numpy.float64)  # float16 would overflow
    sizes = numpy.abs(finite[finite != 0])
    whole = bool((finite == numpy.round(finite)).all())
    low, high = (float(sizes.min()), float(sizes.max())) if sizes.size else (1.0, 1.0)
    sci = high / low > 1000 or high > 1e8 or (not whole and low < 1e-4)
    if o.sci_mode is not None and sizes.size:  # zeros alone always print as "0."
        sci = o.sci_mode
    p = o.precision
    if sci:
        return lambda x: f"{float(x):.{p}e}"
    if whole:
        return lambda x: f"{float(x):.0f}." if math.isfinite(x) else f"{float(x)}"
    return lambda x: f"{float(x):.{p}f}"


def _formatter(shown: numpy.ndarray[Any, Any], o: PrintOptions) -> Callable[[Any], str]:
    """One element as text, right-aligned to the width of the widest shown value (for
    floats, of the non-zero finite ones, as PyTorch does)."""
    if shown.dtype.kind == "f":
        fmt = _float_format(shown, o)
        finite = shown[numpy.isfinite(shown) & (shown != 0)]
    else:
        fmt, finite = str, shown.reshape(-1)
    width = max([1, *(len(fmt(x)) for x in finite.flat)])
    return lambda x: fmt(x).rjust(width)


def _nested(host: numpy.ndarray[Any, Any], indent: int, fmt: Callable[[Any], str],
            summarize: bool, o: PrintOptions, width: int) -> str:
    """PyTorch's layout: rows of as many elements as fit in ``linewidth``, nested
    brackets, blank lines between the blocks of higher dimensions, ``...`` where
    summarised."""
    n = host.shape[0]
    cut = summarize and n > 2 * o.edgeitems
    positions = [*range(o.edgeitems), None, *range(n - o.edgeitems, n)] if cut else range(n)
    if host.ndim == 1:
        items = [" ..." if i is None else fmt(host[i]) for i in positions]
        per_line = max(1, (o.linewidth - indent) // (width + 2))
        lines = [", ".join(items[k:k + per_line]) for k in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = ["..." if i is None else _nested(host[i], indent + 1, fmt, summarize, o, width)
             for i in positions]
    return "[" + ("," + "\n" * (host.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_values(host: numpy.ndarray[Any, Any], prefix: str) -> str:
    """The values part of a tensor's ``repr`` (the nested lists), as PyTorch prints them
    under the current options; ``prefix`` is what comes before it on the first line."""
    o = _current
    summarize = host.size > o.threshold
    shown = _summarized(host, o.edgeitems) if summarize else host
    fmt = _formatter(shown, o)
    if host.ndim == 0:
        return fmt(host.item()).strip()
    width = max(len(fmt(x)) for x in shown.flat) if shown.size else 1
    return _nested(host, len(prefix), fmt, summarize, o, width)


def with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """``text`` with ``, suffix`` for each suffix (``dtype=...``, ``grad_fn=...``) and the
    closing parenthesis; a suffix that would pass ``linewidth`` starts a new line, as in
    PyTorch."""
    parts = [text]
    line = len(text) - text.rfind("\n") + 1  # PyTorch's measure of the last line
    for suffix in suffixes:
        if line + len(suffix) + 2 > _current.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line += len(suffix) + 2
    return "".join(parts) + ")"
