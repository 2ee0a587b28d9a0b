"""Walking the recorded calls: which depend on the inputs, and which the outputs need.

A value is *dynamic* when it is computed from the model's inputs; every other value
(parameters, buffers, numbers, anything computed from them alone) is a constant and is
folded: it goes into the file as an initializer, holding the value it had while the model
ran (BatchNorm's ``running_var + eps`` becomes one array). Only calls that produce a dynamic
value the outputs depend on become ONNX nodes. The walk goes back from the outputs with an
explicit stack, as the graph renderer does, so models of any depth export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minigrad.onnx.errors import OnnxExporterError
from minigrad.onnx.trace import Call, Key, Trace
from minigrad.tensor import Tensor

__all__ = ["Selection", "select"]


@dataclass
class Selection:
    """The calls to convert, in the order they ran, and the set of dynamic values."""

    calls: list[Call]
    dynamic: set[Key]


def _arrays(value: Any) -> list[Any]:
    """The arrays inside an attribute value (index tuples hold them)."""
    if isinstance(value, (tuple, list)):
        return [a for item in value for a in _arrays(item)]
    if hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, Tensor):
        return [value]
    return []


def _changed_in_place(key: Key, dynamic_tensors: set[int]) -> bool:
    """Whether ``key`` is a later version of a tensor that held a dynamic value: one
    changed in place without a graph node (under ``no_grad``, or a bool/int tensor)."""
    return key[0] == "tensor" and key[1] in dynamic_tensors


def _mark_dynamic(trace: Trace, sources: set[Key]) -> set[Key]:
    dynamic = {key for key, _ in trace.inputs} | sources
    dynamic_tensors = {key[1] for key in dynamic if key[0] == "tensor"}
    arrays = trace.tape.arrays
    for call in trace.tape.calls:
        for key, t in zip(call.input_keys, call.inputs):
            if key not in dynamic and _changed_in_place(key, dynamic_tensors):
                raise OnnxExporterError(
                    f"export: {call.function.__name__} uses a tensor of shape {t.shape} "
                    "computed from the model's input and then changed in place where no "
                    "graph records it (under no_grad, or a bool/integer tensor); the "
                    "exporter can't follow that change. Write the update out of place "
                    "(y = y + 1 instead of y += 1)"
                )
        for value in call.attrs.values():
            for array in _arrays(value):
                found = arrays.get(id(array))
                if found is not None and found[1] in dynamic:
                    call.array_keys[id(array)] = found[1]
        if call.array_keys or any(key in dynamic for key in call.input_keys):
            dynamic.update(call.output_keys)
            dynamic_tensors.update(key[1] for key in call.output_keys if key[0] == "tensor")
    return dynamic


def select(trace: Trace, sources: set[Key] | None = None) -> Selection:
    """The calls the outputs of ``trace`` need, walking back from them.

    ``sources`` are values that count as inputs although the model was not given them
    (its parameters, when they are not folded into constants).
    """
    sources = sources or set()
    dynamic = _mark_dynamic(trace, sources)
    inputs = {key for key, _ in trace.inputs} | sources
    producers = trace.tape.producers
    needed: set[int] = set()
    stack = [key for key, _ in trace.outputs]
    while stack:
        key = stack.pop()
        if key in inputs or key not in dynamic:
            continue
        call, _ = producers[key]
        if id(call) in needed:
            continue
        needed.add(id(call))
        stack.extend(k for k in call.input_keys if k in dynamic)
        stack.extend(call.array_keys.values())
    calls = [call for call in trace.tape.calls if id(call) in needed]
    return Selection(calls, dynamic)
