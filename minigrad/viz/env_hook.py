"""``MINIGRAD_GRAPH=path.svg``: draw the graph of the program's first ``backward()``.

``import minigrad`` imports this module only when the variable is set; it then opens a
:class:`~minigrad.viz.trace_functions` record and subscribes to the engine's "before
backward" callback, which closes the record, writes the first graph and unsubscribes. An
unchanged training script thus shows its graph, with each composite function
(``cross_entropy``...) folded into one node named after it and parameters named after the
models alive in the program, and pays nothing when the variable is unset. Only the
:data:`MAX_NODES` ops nearest the loss are drawn, so that the first backward stays fast.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from minigrad.autograd import Function, register_backward_callback
from minigrad.tensor import Tensor
from minigrad.viz.functions import trace_functions, was_traced
from minigrad.viz.render import save_graph

__all__ = ["ENV_VAR", "MAX_NODES", "install"]

ENV_VAR = "MINIGRAD_GRAPH"
MAX_NODES = 2000  # beyond this the picture is cut: laying out a bigger one takes minutes


def _collapse(outputs: Sequence[Tensor]) -> str | None:
    """``"function"`` when the record saw the graph being made (a graph built in another
    thread, or before the record opened, is drawn as it is)."""
    stack: list[Any] = [t.grad_fn for t in outputs if t.grad_fn is not None]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if was_traced(node):
            return "function"
        stack.extend(p for p in node.parents if isinstance(p, Function))
    return None


def _write(path: str, outputs: Sequence[Tensor]) -> None:
    """Save the graph of ``outputs`` to ``path``; a failure (no Graphviz, a bad suffix)
    becomes a warning: a debugging aid must not stop the training it is watching."""
    try:
        written = save_graph(list(outputs), path, max_nodes=MAX_NODES, collapse=_collapse(outputs))
    except Exception as err:  # reported as a warning: training goes on
        warnings.warn(f"{ENV_VAR}={path}: could not write the graph: {err}", RuntimeWarning,
                      stacklevel=4)
        return
    print(f"minigrad: {ENV_VAR} wrote the graph of the first backward() to {written}",
          file=sys.stderr)


def install() -> None:
    """Subscribe to the first ``backward()`` when ``MINIGRAD_GRAPH`` is set."""
    path = os.environ.get(ENV_VAR)
    if not path:
        return
    trace = trace_functions().start()

    def first_backward(outputs: Sequence[Tensor]) -> None:
        handle.remove()
        trace.stop()
        _write(path, outputs)

    handle = register_backward_callback(first_backward, when="before")


install()
