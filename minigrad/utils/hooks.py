"""Handles for registered hooks and callbacks (PyTorch's ``torch.utils.hooks``)."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

__all__ = ["RemovableHandle", "add_hook"]

H = TypeVar("H")


class RemovableHandle:
    """Returned when a hook or callback is registered; :meth:`remove` takes it away.

    Parameters
    ----------
    hooks : dict
        The registry the hook was stored in, keyed by :attr:`id`.
    """

    _next_id = itertools.count()

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.id = next(RemovableHandle._next_id)
        self._hooks = hooks

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def add_hook(hooks: dict[int, H], hook: H) -> RemovableHandle:
    """Store ``hook`` in ``hooks`` (run in order of registration); return its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle
