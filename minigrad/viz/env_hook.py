"""``MINIGRAD_GRAPH=path.svg``: draw the graph of the program's first ``backward()``.

:mod:`minigrad.autograd` reads the variable once, at import, and calls
:func:`write_first_graph` from the first ``backward()`` only, so an unchanged training
script shows its graph and pays nothing when the variable is unset.
"""

from __future__ import annotations

import gc
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from minigrad import autograd
from minigrad.tensor import Tensor
from minigrad.viz.render import save_graph

__all__ = ["write_first_graph"]


def _model_parameters() -> dict[str, Tensor]:
    """Parameter names of the models alive in the program (it has not told us which)."""
    nn = sys.modules.get("minigrad.nn")
    module_type = getattr(nn, "Module", None)
    if not isinstance(module_type, type):
        return {}
    modules: list[Any] = [obj for obj in gc.get_objects() if isinstance(obj, module_type)]
    inner = {id(m) for root in modules for path, m in root.named_modules() if path}
    names: dict[str, Tensor] = {}
    for root in modules:
        if id(root) in inner:
            continue
        for name, param in root.named_parameters():
            key = name if name not in names else f"{type(root).__name__}.{name}"
            names.setdefault(key, param)
    return names


def write_first_graph(outputs: Sequence[Tensor]) -> None:
    """Save the graph of ``outputs`` to ``$MINIGRAD_GRAPH``, once per program.

    A failure (no Graphviz, a bad suffix) becomes a warning: a debugging aid must not stop
    the training it is watching.
    """
    path = autograd._graph_path
    autograd._graph_path = None
    if path is None:
        return
    try:
        params: Any = _model_parameters()
        save_graph(list(outputs), path, params=params)
    except Exception as err:  # reported as a warning: training goes on
        warnings.warn(
            f"MINIGRAD_GRAPH={path}: could not write the graph: {err}", RuntimeWarning,
            stacklevel=4,
        )
