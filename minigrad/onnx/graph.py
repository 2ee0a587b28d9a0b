"""Walking the recorded calls back from the outputs: which ones the file needs.

A value is *dynamic* when it is computed from the model's inputs (the tape marks them as
the model runs); every other value (parameters, buffers, numbers, anything computed from
them alone) is a constant and is folded: it goes into the file as an initializer, holding
the value it had while the model ran (BatchNorm's ``running_var + eps`` becomes one array).
Only calls that produce a dynamic value the outputs depend on become ONNX nodes. The walk
goes back from the outputs with an explicit stack, as the graph renderer does, so models
of any depth export.
"""

from __future__ import annotations

from dataclasses import dataclass

from minigrad.onnx.trace import Call, Key, Trace

__all__ = ["Selection", "select"]


@dataclass
class Selection:
    """The calls to convert, in the order they ran, and the set of dynamic values."""

    calls: list[Call]
    dynamic: set[Key]


def select(trace: Trace, sources: set[Key] | None = None) -> Selection:
    """The calls the outputs of ``trace`` need, walking back from them to the inputs and
    ``sources`` (values that count as inputs although the model was not given them: its
    parameters, when they are not folded into constants)."""
    tape = trace.tape
    stop = {key for key, _ in trace.inputs} | (sources or set())
    needed: set[int] = set()
    stack = [key for key, _ in trace.outputs]
    while stack:
        key = stack.pop()
        if key in stop or key not in tape.dynamic:
            continue
        call, _ = tape.producers[key]
        if id(call) in needed:
            continue
        needed.add(id(call))
        stack.extend(k for k in call.input_keys if k in tape.dynamic)
        stack.extend(call.array_keys.values())
    return Selection([call for call in tape.calls if id(call) in needed], tape.dynamic)
