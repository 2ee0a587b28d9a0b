"""Which module made which graph node: recorded during the forward pass.

A finished graph does not know about modules: its nodes are ops and its leaves are
tensors. :func:`trace_modules` installs forward hooks on every submodule of a model for
the duration of a ``with`` block. When a submodule returns, the hook walks back from its
outputs to its inputs; the ops on the way were made by that call. Each op is attributed
to the innermost module call that made it, which :func:`minigrad.viz.draw_graph` uses to
draw cluster boxes or, with ``collapse="module"``, one box per module call.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from minigrad.autograd import Function
from minigrad.tensor import Tensor
from minigrad.viz.functions import trace_functions

__all__ = ["ModuleCall", "module_call_of", "trace_modules"]


@dataclass(frozen=True, eq=False)  # each call is its own event: compared by identity
class ModuleCall:
    """One call of one submodule, as recorded by :func:`trace_modules`.

    Attributes
    ----------
    path : str
        The submodule's name in the model (``"features.0"``, ``"conv1"``).
    call : int
        1 for the first call of that submodule in the traced block, 2 for the second, ...
    type_name : str
        The module's class name (``"Conv2d"``).
    """

    path: str
    call: int
    type_name: str

    @property
    def title(self) -> str:
        """``"conv1: Conv2d"``, with ``" (call 2)"`` appended for repeated calls."""
        suffix = f" (call {self.call})" if self.call > 1 else ""
        return f"{self.path}: {self.type_name}{suffix}"


_CALL_OF: weakref.WeakKeyDictionary[Function, ModuleCall] = weakref.WeakKeyDictionary()


def module_call_of(node: Function) -> ModuleCall | None:
    """The module call that created graph node ``node``, if one was traced."""
    return _CALL_OF.get(node)


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


def _input_nodes(inputs: list[Tensor]) -> list[Function]:
    """The graph nodes that made ``inputs``, taken when the call starts: an in-place module
    (``ReLU(inplace=True)``) replaces its input's node with its own op."""
    return [t._grad_fn for t in inputs if t._grad_fn is not None]


def _attribute(call: ModuleCall, input_nodes: list[Function], outputs: list[Tensor]) -> None:
    """Attribute to ``call`` the unclaimed ops between ``input_nodes`` and ``outputs``."""
    stop = {id(node) for node in input_nodes}
    inner = call.path + "."
    seen: set[int] = set()
    stack = [t._grad_fn for t in outputs if t._grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in stop:
            continue
        seen.add(id(node))
        owner = _CALL_OF.get(node)
        if owner is None:
            _CALL_OF[node] = call
        elif not owner.path.startswith(inner):
            continue  # made by an earlier, unrelated call: not ours, and neither are its parents
        stack.extend(p for p in node.parents if isinstance(p, Function))


class trace_modules:  # lower-case, like no_grad: used as a context manager
    """Record which submodule of ``model`` creates each op in a ``with`` block.

    Ops made inside a submodule's ``forward`` (between its inputs and its outputs) are
    attributed to the innermost submodule call that made them. The model itself is not
    recorded: ops written directly in its ``forward`` (a functional ``relu``, a
    ``flatten``) stay free in pictures, between the boxes of its submodules.

    Parameters
    ----------
    model : Module
        The model whose submodules are traced (anything with ``named_modules()`` and
        PyTorch-style ``register_forward_pre_hook`` / ``register_forward_hook``).
    functions : bool
        Also record which public function made each op, as
        :class:`~minigrad.viz.trace_functions` does (for ``collapse="function"`` or
        ``"all"``).

    Attributes
    ----------
    calls : list of ModuleCall
        The submodule calls seen, in the order they returned.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> from minigrad.viz import trace_modules, draw_graph
    >>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> with trace_modules(model) as trace:
    ...     y = model(minigrad.randn(5, 4)).sum()
    >>> [call.title for call in trace.calls]
    ['0: Linear', '1: ReLU', '2: Linear']
    >>> dot = draw_graph(y, params=model, collapse="module")
    """

    def __init__(self, model: Any, functions: bool = True) -> None:
        if not hasattr(model, "named_modules"):
            raise TypeError(
                f"trace_modules expects a Module (with named_modules()), got "
                f"{type(model).__name__}"
            )
        self.model = model
        self.calls: list[ModuleCall] = []
        self._handles: list[Any] = []
        self._counts: dict[str, int] = {}
        self._open: dict[int, list[list[Function]]] = {}
        self._functions = trace_functions() if functions else None

    def _pre_hook(self, path: str) -> Any:
        def hook(module: Any, args: Any) -> None:
            self._open.setdefault(id(module), []).append(_input_nodes(_tensors(args)))

        return hook

    def _post_hook(self, path: str) -> Any:
        def hook(module: Any, args: Any, output: Any) -> None:
            stack = self._open.get(id(module))
            inputs = stack.pop() if stack else _input_nodes(_tensors(args))
            self._counts[path] = self._counts.get(path, 0) + 1
            call = ModuleCall(path, self._counts[path], type(module).__name__)
            self.calls.append(call)
            _attribute(call, inputs, _tensors(output))

        return hook

    def __enter__(self) -> trace_modules:
        for path, module in self.model.named_modules():
            if not path:
                continue  # the model itself: its own ops stay expanded
            self._handles.append(module.register_forward_pre_hook(self._pre_hook(path)))
            self._handles.append(module.register_forward_hook(self._post_hook(path)))
        if self._functions is not None:
            self._functions.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._open.clear()
        if self._functions is not None:
            self._functions.stop()
