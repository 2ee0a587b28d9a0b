"""Callbacks: observers of every op call, and functions run before and after each
backward pass. Tools use them (graph pictures, ONNX export, DistributedDataParallel);
while none is registered, ops and backward pay nothing for them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from minigrad.utils.hooks import RemovableHandle, add_hook

if TYPE_CHECKING:
    from minigrad.autograd.node import Function
    from minigrad.tensor import Tensor

__all__ = ["observe_ops", "register_backward_callback"]


OpObserver = Callable[[type["Function"], tuple["Tensor", ...], dict[str, Any], Any], None]
_op_observers: dict[int, OpObserver] = {}


def observe_ops(observer: OpObserver) -> RemovableHandle:
    """Call ``observer(function, inputs, attrs, result)`` after every op run through
    :meth:`Function.apply`, recorded or not, until the returned handle is removed.

    ``function`` is the op's :class:`Function` class, ``inputs`` the input tensors,
    ``attrs`` the keyword attributes and ``result`` the output tensor (or the tuple of
    them); the node just recorded, if any, is ``result.grad_fn``. The observer runs in
    the thread that ran the op, inside ``apply``'s caller's call stack: tools that watch a
    model run use it (the function names of graph pictures, ONNX export). While no
    observer is registered, ops pay nothing for it.
    """
    return add_hook(_op_observers, observer)


def _notify_ops(cls: type[Function], inputs: tuple[Tensor, ...], attrs: dict[str, Any],
                result: Any) -> None:
    for observer in list(_op_observers.values()):
        observer(cls, inputs, attrs, result)


# --- callbacks around backward ---------------------------------------------------------------
_callbacks: dict[str, dict[int, Callable[[Sequence[Tensor]], None]]] = {"before": {},
                                                                          "after": {}}


def register_backward_callback(
    fn: Callable[[Sequence[Tensor]], None], when: str = "after"
) -> RemovableHandle:
    """Call ``fn(outputs)`` around every :func:`backward` in this process.

    Parameters
    ----------
    fn : callable
        Receives the tensors ``backward()`` was called on.
    when : {"after", "before"}
        ``"after"``: once the gradients are in ``.grad`` (data-parallel training averages
        them here); ``"before"``: before anything runs (graph rendering draws here).

    Returns
    -------
    RemovableHandle
        ``handle.remove()`` unregisters ``fn``.
    """
    if when not in _callbacks:
        raise ValueError(f"register_backward_callback: when must be 'after' or 'before', "
                         f"got {when!r}")
    handle = RemovableHandle(_callbacks[when])
    _callbacks[when][handle.id] = fn
    return handle


def _notify(when: str, outputs: Sequence[Tensor]) -> None:
    for fn in list(_callbacks[when].values()):
        fn(outputs)
