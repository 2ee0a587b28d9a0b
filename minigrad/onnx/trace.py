"""Running a model once and writing down every op it calls: the tape.

The autograd graph alone does not describe a model completely: it keeps what backward
needs. An operand that needs no gradient is a ``None`` parent, so ``x + 1`` loses the 1
and BatchNorm's ``x - running_mean`` loses the running mean; ops without a gradient
(comparisons, ``argmax``) make no node at all, yet their results steer later ops (the
``where`` of ``lp_pool2d``). So while the model runs, every call through
:meth:`~minigrad.autograd.Function.apply` (the one door every op goes through) is also
written on a :class:`Tape`: the Function class, its attributes, its input and output
tensors.

A value is known by its graph node when it has one (:func:`value_key`), so in-place updates,
which move a tensor onto a new node, are followed exactly as the engine follows them;
values without a node are known by the tensor object and its version counter.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from minigrad.autograd import Function, enable_grad, observe_ops
from minigrad.functional.shape import Reshape
from minigrad.onnx.errors import OnnxExporterError, TracerWarning
from minigrad.tensor import Tensor
from minigrad.utils.hooks import RemovableHandle

__all__ = ["Call", "Key", "Tape", "Trace", "run", "value_key"]

Key = tuple[Any, ...]
"""Identifies one value: ``("node", id(grad_fn))`` or ``("tensor", id(tensor), version)``."""


def value_key(t: Tensor) -> Key:
    """The identity of the value ``t`` holds now."""
    node = t.grad_fn
    if node is not None:
        return ("node", id(node))
    return ("tensor", id(t), t._version)


@dataclass(eq=False)
class Call:
    """One op call seen while the model ran."""

    function: type[Function]
    attrs: dict[str, Any]
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    input_keys: tuple[Key, ...]
    output_keys: tuple[Key, ...]
    input_versions: tuple[int, ...] = ()  # to tell whether an input changed in place later
    output_versions: tuple[int, ...] = ()
    module: str = ""  # the submodule that made it ("features.0"), when known
    array_keys: dict[int, Key] = field(default_factory=dict)  # arrays in attrs that are values


def _arrays(value: Any) -> list[Any]:
    """The arrays inside an attribute value (index tuples hold them)."""
    if isinstance(value, (tuple, list)):
        return [a for item in value for a in _arrays(item)]
    if hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, Tensor):
        return [value]
    return []


@dataclass(eq=False)
class Tape:
    """Every op call of one run, in order (so each value's producer comes first), and
    which values are *dynamic*: computed from the graph's inputs (the others are
    constants)."""

    calls: list[Call] = field(default_factory=list)
    producers: dict[Key, tuple[Call, int]] = field(default_factory=dict)
    dynamic: set[Key] = field(default_factory=set)
    # ids of tensors that held a dynamic value without a graph node (to catch in-place
    # changes nothing records), and id(array) -> (array, key) of dynamic values: an op
    # that takes a tensor's array as an attribute (x[index_tensor]) is linked to that
    # value. The array is kept so that its id stays unique while the tape lives.
    dynamic_tensors: set[int] = field(default_factory=set)
    arrays: dict[int, tuple[Any, Key]] = field(default_factory=dict)

    def add_source(self, t: Tensor) -> Key:
        """Count the value ``t`` holds as an input of the graph; return its key."""
        key = value_key(t)
        self._mark(key, t)
        return key

    def _mark(self, key: Key, t: Tensor) -> None:
        self.dynamic.add(key)
        if key[0] == "tensor":
            self.dynamic_tensors.add(key[1])
        self.arrays[id(t.array)] = (t.array, key)

    def record(self, function: type[Function], inputs: Sequence[Tensor],
               attrs: dict[str, Any], result: Any) -> None:
        """Write down one call of ``function``.

        Raises
        ------
        OnnxExporterError
            If an input is a dynamic value that was changed in place where no graph
            records it (under ``no_grad``): the tape can't know its new value.
        """
        outputs = tuple(result) if isinstance(result, tuple) else (result,)
        call = Call(function, dict(attrs), tuple(inputs), outputs,
                    tuple(value_key(t) for t in inputs), tuple(value_key(t) for t in outputs),
                    tuple(t._version for t in inputs), tuple(t._version for t in outputs))
        for key, t in zip(call.input_keys, inputs):
            if self._changed_unrecorded(key, t):
                raise OnnxExporterError(
                    f"export: {function.__name__} uses a tensor of shape {t.shape} computed "
                    "from the model's input and then changed in place where no graph records "
                    "it (under no_grad, on a bool/integer tensor, or through a view); the "
                    "exporter can't follow that change. Write the update out of place "
                    "(y = y + 1, not y += 1)"
                )
        for value in attrs.values():
            for array in _arrays(value):
                found = self.arrays.get(id(array))
                if found is not None:
                    call.array_keys[id(array)] = found[1]
        if call.array_keys or any(key in self.dynamic for key in call.input_keys):
            for key, t in zip(call.output_keys, outputs):
                self._mark(key, t)
        for i, key in enumerate(call.output_keys):
            self.producers.setdefault(key, (call, i))
        self.calls.append(call)

    def _changed_unrecorded(self, key: Key, t: Tensor) -> bool:
        """Whether ``t`` held a dynamic value and was changed in place since, without a
        graph node saying so (a recorded in-place op gives the tensor a new node)."""
        if key[0] == "tensor":
            return key not in self.dynamic and key[1] in self.dynamic_tensors
        made = self.producers.get(key)
        if made is None or key not in self.dynamic:
            return False
        call, i = made
        return call.outputs[i] is t and t._version != call.output_versions[i]

    def is_dynamic(self, t: Tensor) -> bool:
        """Whether ``t`` now holds a value computed from the graph's inputs."""
        return value_key(t) in self.dynamic


class _Recording(threading.local):
    tape: Tape | None = None
    converting = False  # inside a conversion method: int() calls item(), warn once


_recording = _Recording()
_install_lock = threading.Lock()
_installed = 0
_observing: RemovableHandle | None = None
# The ways a tensor's values leave the graph as Python or NumPy values.
_CONVERSIONS = ("__bool__", "__int__", "__float__", "__index__", "item", "tolist", "numpy",
                "__array__")
_original_conversions = {name: Tensor.__dict__[name] for name in _CONVERSIONS}


def _on_op(cls: type[Function], inputs: tuple[Tensor, ...], attrs: dict[str, Any],
          result: Any) -> None:
    tape = _recording.tape
    if tape is not None:
        tape.record(cls, inputs, attrs, result)


def _watched(name: str) -> Callable[..., Any]:
    original = _original_conversions[name]

    def conversion(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        tape = _recording.tape
        if tape is None or _recording.converting:
            return original(self, *args, **kwargs)
        if tape.is_dynamic(self):
            warnings.warn(TracerWarning(
                f"export: Tensor.{name}() turned a tensor computed from the model's input "
                "into a Python or NumPy value; the exported graph holds this run's value as "
                "a constant and follows this run's path, so it may be wrong for other "
                "inputs"), stacklevel=2)
        _recording.converting = True
        try:
            return original(self, *args, **kwargs)
        finally:
            _recording.converting = False

    return conversion


def _install(on: bool) -> None:
    global _observing
    if on:
        _observing = observe_ops(_on_op)
    elif _observing is not None:
        _observing.remove()
    for name in _CONVERSIONS:
        setattr(Tensor, name, _watched(name) if on else _original_conversions[name])


@contextmanager
def recording() -> Iterator[Tape]:
    """Write every op call made in this thread inside the ``with`` block on a new tape.

    Ops are seen through an op observer (:func:`minigrad.autograd.observe_ops`); the
    tensor methods that turn values into Python values, which warn, are wrapped while any
    thread records, and restored afterwards; other threads pass through unrecorded.
    """
    global _installed
    with _install_lock:
        if _installed == 0:
            _install(True)
        _installed += 1
    previous, tape = _recording.tape, Tape()
    _recording.tape = tape
    try:
        yield tape
    finally:
        _recording.tape = previous
        with _install_lock:
            _installed -= 1
            if _installed == 0:
                _install(False)


@dataclass
class Trace:
    """A model's run: the tape, and the keys of its input and output values (the tape's
    other sources, parameters that are not folded, are not among the inputs)."""

    tape: Tape
    inputs: list[tuple[Key, Tensor]]
    outputs: list[tuple[Key, Tensor]]


def _traced_input(t: Tensor) -> Tensor:
    """A stand-in for an example input whose every use is recorded.

    A floating tensor gets a gradient and a graph node of its own (a reshape to its own
    shape), so the ops computed from it are recorded, and an in-place op applied to it
    (``ReLU(inplace=True)`` first in a model) is allowed, as it would be for a plain input.
    """
    if t.dtype.kind != "f":
        return t
    leaf = t.detach().requires_grad_()
    traced: Tensor = Reshape.apply(leaf, shape=leaf.shape)
    return traced


def _flatten(value: Any, what: str) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _flatten(item, what)]
    raise TypeError(f"{what}, got a {type(value).__name__}")


def run(model: Any, args: tuple[Any, ...], sources: Sequence[Tensor] = ()) -> Trace:
    """Call ``model(*args)`` once with every op recorded.

    Tensor arguments become the graph's inputs; other arguments are passed as they are
    (and so are fixed in the exported graph). ``sources`` are tensors the model holds
    whose values count as dynamic too (parameters that are not folded into constants).
    """
    from minigrad.viz.modules import module_call_of, trace_modules  # only when exporting

    traced_args = tuple(_traced_input(a) if isinstance(a, Tensor) else a for a in args)
    inputs = [(value_key(t), t) for t in traced_args if isinstance(t, Tensor)]
    modules = trace_modules(model) if hasattr(model, "named_modules") else None
    with enable_grad(), recording() as tape:
        for t in [t for _, t in inputs] + list(sources):
            tape.add_source(t)
        if modules is None:
            result = model(*traced_args)
        else:
            with modules:
                result = model(*traced_args)
    outputs = _flatten(result, "export: the model must return a Tensor or a tuple/list of "
                               "Tensors")
    for call in tape.calls:
        node = call.outputs[0].grad_fn
        owner = module_call_of(node) if node is not None else None
        if owner is not None:
            call.module = owner.path
    return Trace(tape, inputs, [(value_key(t), t) for t in outputs])
