"""Grad mode: whether ops record the graph, one setting per thread (as in PyTorch)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode(threading.local):
    enabled = True  # the class attribute is every new thread's starting value


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether ops in this thread currently record the graph."""
    return _mode.enabled


class _GradModeContext:
    """Context manager and decorator that sets grad mode, restoring it on exit."""

    mode = True

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_mode.enabled)
        _mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._previous.pop()

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return cast(F, wrapper)


class no_grad(_GradModeContext):
    """Disable graph recording in a ``with`` block or a decorated function.

    Examples
    --------
    >>> import minigrad
    >>> w = minigrad.ones(2, requires_grad=True)
    >>> with minigrad.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside a ``no_grad`` region."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode`` now; as a context manager, restore it on exit.

    Parameters
    ----------
    mode : bool
        ``True`` records graphs, ``False`` does not.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = mode
        self._previous.append(_mode.enabled)
        _mode.enabled = mode

    def __enter__(self) -> None:
        pass  # the mode was already set by the constructor

    def __call__(self, fn: F) -> F:
        _mode.enabled = self._previous[-1]  # as a decorator it changes nothing now
        return super().__call__(fn)
