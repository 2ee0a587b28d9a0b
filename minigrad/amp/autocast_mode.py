"""``autocast``: PyTorch's automatic mixed precision switch, honest about minigrad.

minigrad has no automatic mixed precision: its ops compute in the dtype of their inputs.
``autocast(enabled=False)`` (the way scripts make AMP optional) does nothing, as in
PyTorch; so does ``autocast("cuda")`` on a machine without CUDA, where PyTorch too warns
and disables it. Anything that would need float16/bfloat16 autocasting raises a
``RuntimeError`` that says how to proceed, rather than silently computing in float32.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["autocast", "is_autocast_available"]

F = TypeVar("F", bound=Callable[..., Any])


def is_autocast_available(device_type: str) -> bool:
    """Whether minigrad can autocast on ``device_type``: always False (it has no automatic
    mixed precision; see :class:`autocast`)."""
    return False


class autocast:
    """Context manager and decorator for automatic mixed precision (disabled only).

    Parameters
    ----------
    device_type : str
        ``"cpu"`` or ``"cuda"``.
    dtype : dtype, optional
        The low-precision dtype PyTorch would use.
    enabled : bool, default True
        ``False`` makes this a context manager that changes nothing (exactly PyTorch's
        meaning).
    cache_enabled : bool, optional
        PyTorch's weight-cast cache switch; nothing to cache here.

    Raises
    ------
    RuntimeError
        With ``enabled=True`` on ``"cpu"``, or on ``"cuda"`` where CUDA is available:
        minigrad would have to compute some ops in float16 and it cannot. Pass
        ``enabled=False`` (the results are then in full precision), or convert the model
        and its inputs with ``.half()`` to compute in float16 throughout.
    ValueError
        If ``device_type`` is not a string.

    Examples
    --------
    >>> import minigrad
    >>> with minigrad.autocast("cpu", enabled=False):
    ...     y = minigrad.ones(2, 2) @ minigrad.ones(2, 2)
    >>> y.dtype
    dtype('float32')
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        device = device_type.partition(":")[0]
        if device not in ("cpu", "cuda"):
            raise RuntimeError(f"autocast: unsupported device_type {device_type!r}; minigrad "
                               "runs on 'cpu' and 'cuda'")
        self.device = device
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda" and not _cuda_available():
            warnings.warn("CUDA is not available. Disabling autocast.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            raise RuntimeError(
                f"autocast({device!r}): minigrad has no automatic mixed precision, so it "
                "cannot run ops in float16/bfloat16 inside this block; pass enabled=False "
                "(the results are then in full precision), or convert the model and its "
                "inputs with .half() to compute in float16 throughout")

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        return None

    def __call__(self, func: F) -> F:
        """Use as a decorator: ``func`` runs inside this (disabled) context."""

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]


def _cuda_available() -> bool:
    from minigrad import cuda

    return cuda.is_available()
