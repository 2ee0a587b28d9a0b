"""How tensors print: :func:`set_printoptions`, as ``torch.set_printoptions``."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["PrintOptions", "array2string_options", "options", "set_printoptions"]


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


def array2string_options(floating: bool, whole: bool) -> dict[str, Any]:
    """The keyword arguments of ``numpy.array2string`` that give PyTorch's look under the
    current options: ``whole`` floats (all whole numbers of similar size) print without
    decimals unless scientific notation is asked for."""
    o = _current
    found: dict[str, Any] = {
        "threshold": sys.maxsize if math.isinf(o.threshold) else int(o.threshold),
        "edgeitems": o.edgeitems, "max_line_width": o.linewidth,
        "precision": None if whole else o.precision,
        "floatmode": "maxprec" if whole else "fixed",
    }
    if floating and o.sci_mode:
        found["formatter"] = {"float_kind": lambda x: f"{x:.{o.precision}e}"}
    elif floating and o.sci_mode is False:
        found["suppress_small"] = True
    return found
