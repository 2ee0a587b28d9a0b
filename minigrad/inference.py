"""``inference_mode``: PyTorch's faster ``no_grad`` for evaluation, as a ``with`` block or a
decorator.

In minigrad it is ``no_grad`` (nothing is recorded inside it) plus a flag that
:func:`is_inference_mode_enabled` reports; PyTorch's extra speed comes from skipping
version counters, which minigrad keeps either way.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from minigrad.autograd import is_grad_enabled, set_grad_enabled

__all__ = ["inference_mode", "is_inference_mode_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _InferenceState(threading.local):
    enabled = False


_state = _InferenceState()


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside an ``inference_mode`` block."""
    return _state.enabled


class inference_mode:
    """Turn off graph recording (and turn on inference mode) in a ``with`` block or a
    decorated function; ``inference_mode(False)`` changes nothing, so code can switch it
    with a flag. ``@inference_mode`` works without parentheses too, as in PyTorch.

    Examples
    --------
    >>> import minigrad
    >>> w = minigrad.ones(2, requires_grad=True)
    >>> with minigrad.inference_mode():
    ...     y = w * 2
    >>> y.requires_grad, minigrad.is_inference_mode_enabled()
    (False, False)
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # @inference_mode on a function, without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self._previous: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._previous.append((is_grad_enabled(), _state.enabled))
        if self.mode:
            set_grad_enabled(False)
            _state.enabled = True

    def __exit__(self, *exc: object) -> None:
        grad_enabled, _state.enabled = self._previous.pop()
        set_grad_enabled(grad_enabled)

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return cast(F, wrapper)

    def clone(self) -> inference_mode:
        """A new context manager with the same mode (PyTorch's API)."""
        return inference_mode(self.mode)
