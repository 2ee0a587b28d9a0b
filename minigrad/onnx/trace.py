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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from minigrad.autograd import Function, enable_grad
from minigrad.functional.shape import Reshape
from minigrad.tensor import Tensor

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
    module: str = ""  # the submodule that made it ("features.0"), when known
    array_keys: dict[int, Key] = field(default_factory=dict)  # arrays in attrs that are values


@dataclass(eq=False)
class Tape:
    """Every op call of one run, in order (so each value's producer comes first)."""

    calls: list[Call] = field(default_factory=list)
    producers: dict[Key, tuple[Call, int]] = field(default_factory=dict)
    # id(array) -> (array, key) of every tensor seen: an op that takes a tensor's array
    # as an attribute (x[index_tensor]) is linked to that value. The array is kept so
    # that its id stays unique while the tape lives.
    arrays: dict[int, tuple[Any, Key]] = field(default_factory=dict)

    def record(self, function: type[Function], inputs: Sequence[Tensor],
               attrs: dict[str, Any], result: Any) -> None:
        """Write down one call of ``function``."""
        outputs = tuple(result) if isinstance(result, tuple) else (result,)
        call = Call(function, dict(attrs), tuple(inputs), outputs,
                    tuple(value_key(t) for t in inputs), tuple(value_key(t) for t in outputs),
                    tuple(t._version for t in inputs))
        for i, (t, key) in enumerate(zip(outputs, call.output_keys)):
            self.producers.setdefault(key, (call, i))
            self.arrays[id(t.array)] = (t.array, key)
        for t, key in zip(inputs, call.input_keys):
            self.arrays.setdefault(id(t.array), (t.array, key))
        self.calls.append(call)


class _Recording(threading.local):
    tape: Tape | None = None


_recording = _Recording()
_original_apply = Function.__dict__["apply"]  # the classmethod object itself
_install_lock = threading.Lock()
_installed = 0


def _recorded_apply(cls: type[Function], /, *inputs: Tensor, **attrs: Any) -> Any:
    result = _original_apply.__func__(cls, *inputs, **attrs)
    tape = _recording.tape
    if tape is not None:
        tape.record(cls, inputs, attrs, result)
    return result


@contextmanager
def recording() -> Iterator[Tape]:
    """Write every op call made in this thread inside the ``with`` block on a new tape.

    ``Function.apply`` is wrapped while any thread records and restored afterwards; calls
    from other threads pass through unrecorded.
    """
    global _installed
    with _install_lock:
        if _installed == 0:
            setattr(Function, "apply", classmethod(_recorded_apply))  # noqa: B010
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
                setattr(Function, "apply", _original_apply)  # noqa: B010


@dataclass
class Trace:
    """A model's run: the tape, and the keys of its input and output values."""

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


def run(model: Any, args: tuple[Any, ...]) -> Trace:
    """Call ``model(*args)`` once with every op recorded.

    Tensor arguments become the graph's inputs; other arguments are passed as they are
    (and so are fixed in the exported graph).
    """
    from minigrad.viz.modules import module_call_of, trace_modules  # only when exporting

    traced_args = tuple(_traced_input(a) if isinstance(a, Tensor) else a for a in args)
    inputs = [(value_key(t), t) for t in traced_args if isinstance(t, Tensor)]
    modules = trace_modules(model) if hasattr(model, "named_modules") else None
    with enable_grad(), recording() as tape:
        for key, t in inputs:  # an input used as an index (embedding) is found by its array
            tape.arrays[id(t.array)] = (t.array, key)
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
