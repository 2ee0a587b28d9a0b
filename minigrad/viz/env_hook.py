"""``MINIGRAD_GRAPH=path.svg``: draw the graph of the program's first ``backward()``.

``import minigrad`` imports this module only when the variable is set; it then subscribes
to the engine's "before backward" callback, writes the first graph and unsubscribes, so an
unchanged training script shows its graph and pays nothing when the variable is unset.
Graphs larger than :data:`MAX_NODES` are drawn collapsed to modules so that the first
backward stays fast.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from minigrad.autograd import register_backward_callback
from minigrad.nn import Module
from minigrad.tensor import Tensor
from minigrad.viz.render import save_graph

__all__ = ["ENV_VAR", "MAX_NODES", "install"]

ENV_VAR = "MINIGRAD_GRAPH"
MAX_NODES = 2000  # beyond this the picture is collapsed: rendering it whole takes minutes


def _leaves(outputs: Sequence[Tensor]) -> set[int]:
    """The ids of the leaf tensors the graph of ``outputs`` reaches."""
    found: set[int] = set()
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for parent in node.parents:
            if isinstance(parent, Tensor):
                found.add(id(parent))
            elif parent is not None:
                stack.append(parent)
    return found


def _model_parameters(outputs: Sequence[Tensor]) -> dict[str, Tensor]:
    """Parameter names from the models alive in the program whose parameters the graph
    uses (the program has not told us which model it trains)."""
    used = _leaves(outputs)
    names: dict[str, Tensor] = {}
    for root in Module.live_roots():
        params = list(root.named_parameters())
        if not any(id(p) in used for _, p in params):
            continue
        for name, param in params:
            key = name if name not in names else f"{type(root).__name__}.{name}"
            names.setdefault(key, param)
    return names


def _write(path: str, outputs: Sequence[Tensor]) -> None:
    """Save the graph of ``outputs`` to ``path``; a failure (no Graphviz, a bad suffix)
    becomes a warning: a debugging aid must not stop the training it is watching."""
    try:
        params: Any = _model_parameters(outputs)
        written = save_graph(list(outputs), path, params=params, max_nodes=MAX_NODES)
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

    def first_backward(outputs: Sequence[Tensor]) -> None:
        handle.remove()
        _write(path, outputs)

    handle = register_backward_callback(first_backward, when="before")


install()
