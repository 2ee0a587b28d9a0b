"""Finding, choosing and switching backends.

Backends are found through the entry-point group ``minigrad.backends``; the NumPy and
CuPy backends are registered there exactly as a third-party plugin would be. The default
for new tensors comes from the ``MINIGRAD_BACKEND`` environment variable (``numpy`` when
unset) and can be changed with :func:`set_backend` or a :func:`use_backend` block.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from minigrad.backends.base import Backend

__all__ = [
    "ENTRY_POINT_GROUP",
    "Backend",
    "BackendInfo",
    "available",
    "current",
    "get",
    "set_backend",
    "set_seed",
    "use_backend",
]

ENTRY_POINT_GROUP = "minigrad.backends"
_loaded: dict[str, Backend] = {}
_current: Backend | None = None
_seed: int | None = None


@dataclass(frozen=True)
class BackendInfo:
    """One registered backend, as listed by :func:`available`.

    Attributes
    ----------
    name : str
        Registry name, usable in ``MINIGRAD_BACKEND`` and :func:`set_backend`.
    usable : bool
        Whether the backend can run on this machine.
    reason : str
        Why it cannot run (empty when usable).
    """

    name: str
    usable: bool
    reason: str = ""


def _registered() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _load_class(ep: EntryPoint) -> type[Backend]:
    cls = ep.load()
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise TypeError(
            f"entry point {ep.name!r} ({ep.value}) in group {ENTRY_POINT_GROUP!r} must name a "
            f"subclass of minigrad.backends.Backend, got {cls!r}"
        )
    return cls


def available() -> list[BackendInfo]:
    """List the registered backends and whether each can be used here.

    Returns
    -------
    list of BackendInfo
        One entry per registered backend, sorted by name.
    """
    infos = []
    for name, ep in sorted(_registered().items()):
        try:
            reason = _load_class(ep).unavailable_reason()
        except Exception as exc:  # a broken plugin is reported, not fatal
            reason = f"failed to load: {exc}"
        infos.append(BackendInfo(name, reason is None, reason or ""))
    return infos


def get(name: str) -> Backend:
    """Return the backend instance registered as ``name`` (created once, then cached).

    Raises
    ------
    ValueError
        If no backend of that name is registered (the message lists those that are).
    RuntimeError
        If the backend is registered but cannot run here (the message says why).
    """
    if name in _loaded:
        return _loaded[name]
    registered = _registered()
    if name not in registered:
        names = ", ".join(sorted(registered)) or "none (is minigrad installed with pip?)"
        raise ValueError(f"unknown minigrad backend {name!r}; registered backends: {names}")
    cls = _load_class(registered[name])
    reason = cls.unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"minigrad backend {name!r} cannot be used here: {reason}")
    backend = cls()
    if _seed is not None:
        backend.manual_seed(_seed)
    _loaded[name] = backend
    return backend


def set_seed(seed: int) -> None:
    """Seed every backend, including ones loaded later (see :func:`minigrad.manual_seed`)."""
    global _seed
    _seed = seed
    for backend in _loaded.values():
        backend.manual_seed(seed)


def current() -> Backend:
    """The backend new tensors are created on."""
    global _current
    if _current is None:
        _current = get(os.environ.get("MINIGRAD_BACKEND", "numpy").strip() or "numpy")
    return _current


def set_backend(backend: str | Backend) -> None:
    """Make ``backend`` (a name or an instance) the default for new tensors."""
    global _current
    _current = get(backend) if isinstance(backend, str) else backend


@contextmanager
def use_backend(backend: str | Backend) -> Iterator[Backend]:
    """Create new tensors on ``backend`` inside a ``with`` block, then restore the old one.

    Examples
    --------
    >>> import minigrad
    >>> with minigrad.use_backend("numpy"):
    ...     x = minigrad.ones(2)
    >>> x.device
    'cpu'
    """
    global _current
    previous = current()
    set_backend(backend)
    try:
        yield current()
    finally:
        _current = previous
