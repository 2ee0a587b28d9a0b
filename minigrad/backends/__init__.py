"""Finding, choosing and switching backends.

Backends are found through the entry-point group ``minigrad.backends``; the NumPy and
CuPy backends are registered there exactly as a third-party plugin would be. The default
for new tensors comes from the ``MINIGRAD_BACKEND`` environment variable (``numpy`` when
unset), read once when ``minigrad`` is imported, and can be changed with
:func:`set_backend` or a :func:`use_backend` block. There is no silent fallback: a
backend that cannot run here is an error that says why.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from minigrad.backends.base import Backend

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_VAR",
    "Backend",
    "BackendInfo",
    "available",
    "cudnn",
    "current",
    "get",
    "mps",
    "resolve",
    "set_backend",
    "set_seed",
    "use_backend",
]

ENTRY_POINT_GROUP = "minigrad.backends"
ENV_VAR = "MINIGRAD_BACKEND"
DEFAULT = "numpy"  # the backend used when MINIGRAD_BACKEND is unset
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
    target : str
        The entry point's object reference, ``"module:Class"``.
    """

    name: str
    usable: bool
    reason: str = ""
    target: str = ""


def _registered() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _load_class(ep: EntryPoint) -> type[Backend]:
    """The backend class an entry point names.

    Raises
    ------
    ImportError
        If importing the plugin fails in any way, ``sys.exit()`` inside its import
        included; the message names the plugin, its entry point and the error.
    TypeError
        If the entry point names something that is not a :class:`Backend` subclass.
    """
    try:
        cls = ep.load()
    except (Exception, SystemExit) as exc:  # a plugin must not end the program
        raise ImportError(
            f"minigrad backend plugin {ep.name!r} (entry point {ep.value!r} in group "
            f"{ENTRY_POINT_GROUP!r}) failed to import: {_describe_error(exc)}"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise TypeError(
            f"entry point {ep.name!r} ({ep.value}) in group {ENTRY_POINT_GROUP!r} must name a "
            f"subclass of minigrad.backends.Backend, got {cls!r}"
        )
    return cls


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def _reason(ep: EntryPoint) -> str | None:
    try:
        cls = _load_class(ep)
    except ImportError as exc:
        return f"failed to load {ep.value}: {_describe_error(exc.__cause__ or exc)}"
    except TypeError as exc:
        return f"failed to load {ep.value}: TypeError: {exc}"
    try:
        return cls.unavailable_reason()
    except (Exception, SystemExit) as exc:  # a broken plugin is reported, not fatal
        return f"{ep.value}.unavailable_reason() failed: {_describe_error(exc)}"


def available() -> list[BackendInfo]:
    """List the registered backends and whether each can be used here.

    Returns
    -------
    list of BackendInfo
        One entry per registered backend, sorted by name. A backend whose plugin fails
        to import (even by calling ``sys.exit()``) is listed as unusable with the error as
        its reason.

    Examples
    --------
    >>> import minigrad
    >>> [info.name for info in minigrad.backends.available() if info.usable][:1]
    ['numpy']
    """
    infos = []
    for name, ep in sorted(_registered().items()):
        reason = None if name in _loaded else _reason(ep)
        infos.append(BackendInfo(name, reason is None, reason or "", ep.value))
    return infos


def _describe(registered: dict[str, EntryPoint]) -> str:
    if not registered:
        return ("none (is minigrad installed? pip install minigrad-cnn, or pip install -e . in a "
                "source checkout)")
    return ", ".join(sorted(registered))


def get(name: str) -> Backend:
    """Return the backend registered as ``name``, created on first use and then reused.

    Parameters
    ----------
    name : str
        An entry-point name in the group ``minigrad.backends``.

    Raises
    ------
    ValueError
        If no backend of that name is registered (the message lists those that are).
    ImportError
        If the plugin fails to import (the message names it, its entry point and the
        error; a ``sys.exit()`` in the plugin's import is caught too).
    TypeError
        If the entry point names something that is not a :class:`Backend` subclass.
    RuntimeError
        If the backend is registered but cannot run here (the message says why and what
        to install), or if it fails while starting.
    """
    backend = _loaded.get(name)
    if backend is not None:
        return backend
    registered = _registered()
    if name not in registered:
        hint = ""
        holder = _name_for_device(name) if name.split(":")[0] in ("cpu", "cuda", "gpu") else None
        if holder is not None:
            hint = f" ({name!r} is a device; its backend is {holder!r})"
        raise ValueError(
            f"unknown minigrad backend {name!r}{hint}; registered backends: "
            f"{_describe(registered)}"
        )
    cls = _load_class(registered[name])
    reason = _reason(registered[name])
    if reason is not None:
        raise RuntimeError(f"minigrad backend {name!r} cannot be used here: {reason}")
    try:
        backend = cls()
    except (Exception, SystemExit) as exc:  # a plugin must not end the program
        raise RuntimeError(
            f"minigrad backend {name!r} (entry point {registered[name].value!r}) failed to "
            f"start: {_describe_error(exc)}"
        ) from exc
    backend.name = name
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


def _from_environment() -> Backend:
    name = os.environ.get(ENV_VAR, "").strip() or DEFAULT
    try:
        return get(name)
    except (ValueError, RuntimeError, ImportError, TypeError) as exc:
        raise type(exc)(f"{ENV_VAR}={name}: {exc}") from exc


def resolve_at_import() -> None:
    """Check ``MINIGRAD_BACKEND`` while ``import minigrad`` runs, so a bad name fails there.

    When the chosen backend's own module is what is importing minigrad (a user ran
    ``import minigrad_numpy`` first), loading it now would be circular; it is then
    resolved on first use instead.
    """
    name = os.environ.get(ENV_VAR, "").strip() or DEFAULT
    ep = _registered().get(name)
    if ep is not None and ep.module in sys.modules:
        module = sys.modules[ep.module]
        if not hasattr(module, ep.attr):
            return  # that module is still executing its imports
    current()


def current() -> Backend:
    """The backend new tensors are created on.

    On first call (``import minigrad`` makes it) this is the backend named by the
    ``MINIGRAD_BACKEND`` environment variable, ``numpy`` when unset.

    Raises
    ------
    ValueError, RuntimeError, ImportError, TypeError
        As :func:`get`, if ``MINIGRAD_BACKEND`` names an unknown, broken or unusable
        backend.
    """
    global _current
    if _current is None:
        _current = _from_environment()
    return _current


def _device_kind(device: str) -> str:
    kind = device.split(":")[0]
    return "cuda" if kind == "gpu" else kind


def _for_device(device: str) -> Backend:
    """The backend whose arrays live on ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:0"``)."""
    kind = _device_kind(device)
    candidates = [current()] if _current is not None else []
    registered = _registered()
    default = registered.get(os.environ.get(ENV_VAR, "").strip() or DEFAULT)
    ordered = ([default] if default is not None else []) + sorted(
        registered.values(), key=lambda ep: ep.name)
    problems: list[str] = []
    for backend in candidates:
        if _device_kind(backend.device) == kind:
            return _check_device(backend, device)
    for ep in ordered:
        try:
            cls = _load_class(ep)
        except Exception:  # a broken plugin can't hold this device; others may
            continue
        if _device_kind(str(cls.device)) != kind:
            continue
        reason = None if ep.name in _loaded else cls.unavailable_reason()
        if reason is not None:
            problems.append(f"{ep.name}: {reason}")
            continue
        return _check_device(get(ep.name), device)
    detail = "; ".join(problems) or f"no registered backend runs on {kind!r}"
    raise RuntimeError(f"device {device!r} is not available in minigrad: {detail}")


def _name_for_device(device: str) -> str | None:
    """The name of the first registered backend whose arrays live on ``device``."""
    for ep in sorted(_registered().values(), key=lambda ep: ep.name):
        try:
            if _device_kind(str(_load_class(ep).device)) == _device_kind(device):
                return ep.name
        except Exception:  # a broken plugin holds no device
            continue
    return None


def _check_device(backend: Backend, device: str) -> Backend:
    if ":" in device and device not in (backend.device, "cpu:0"):
        raise RuntimeError(
            f"device {device!r} is not available: the {backend.name!r} backend runs on "
            f"{backend.device!r}"
        )
    return backend


def resolve(target: Any) -> Backend:
    """A backend from a registered name, a PyTorch-style device (``"cpu"``, ``"cuda:0"``,
    or an object whose ``str()`` is one) or a :class:`Backend` instance.

    Raises
    ------
    RuntimeError
        If no usable backend holds that device (the message says why).
    TypeError
        For anything else.
    """
    if isinstance(target, Backend):
        return target
    if not isinstance(target, str) and hasattr(target, "type"):
        target = str(target)  # a device object
    if not isinstance(target, str):
        raise TypeError(f"expected a backend, a backend name or a device, got "
                        f"{type(target).__name__}")
    if target in _registered() or target in _loaded:
        return get(target)
    return _for_device(target)


def _resolve(backend: str | Backend) -> Backend:
    if isinstance(backend, str):
        return get(backend)
    if isinstance(backend, Backend):
        return backend
    raise TypeError(
        f"expected a backend name (str) or a minigrad.backends.Backend, got "
        f"{type(backend).__name__}"
    )


def set_backend(backend: str | Backend) -> None:
    """Make ``backend`` (a registered name or an instance) the default for new tensors.

    Existing tensors stay where they are; move them with ``Tensor.to``.

    Raises
    ------
    ValueError, RuntimeError
        As :func:`get`. On error the current backend is unchanged.
    TypeError
        If ``backend`` is neither a string nor a :class:`Backend`.
    """
    global _current
    _current = _resolve(backend)


@contextmanager
def use_backend(backend: str | Backend) -> Iterator[Backend]:
    """Create new tensors on ``backend`` inside a ``with`` block, then restore the old one.

    Yields
    ------
    Backend
        The backend in use inside the block.

    Examples
    --------
    >>> import minigrad
    >>> with minigrad.use_backend("numpy") as b:
    ...     x = minigrad.ones(2)
    >>> x.device, b.name
    (device(type='cpu'), 'numpy')
    """
    global _current
    previous = current()
    _current = _resolve(backend)
    try:
        yield _current
    finally:
        _current = previous


# PyTorch's torch.backends.* switches live beside the registry (minigrad.backends.cudnn...).
from minigrad.backends import cudnn, mps  # noqa: E402

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.backends")
