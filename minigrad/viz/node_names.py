"""The names graph pictures give their op nodes: after what the user called.

A node's own name is its class's (``MulBackward``), or what the class says it is
(``MaxPool2dBackward`` for a max pooling :class:`~minigrad.functional.pooling.Pool2d`).
A few node classes serve several public functions; their picture name comes from their
attributes (:data:`SHARED_NODES`). When a trace recorded which public function made the
node (:mod:`minigrad.viz.functions`), a node that is not the function's own kind takes
the function's name when it is the only node the call made (``flatten`` making one
reshape is drawn as ``FlattenBackward``), or the only one the call made itself rather than
through other functions (the ``PoolGather`` of ``adaptive_max_pool2d``, between the
``unsqueeze`` and ``squeeze`` of an unbatched input, is ``AdaptiveMaxPool2dBackward``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from minigrad.autograd import Function
from minigrad.viz.functions import FunctionCall

__all__ = ["SHARED_NODES", "function_title", "node_name"]


def _window_sum(attrs: dict[str, Any]) -> str:
    # avg_pool2d always passes the per-window scale; lp_pool2d sums the powers unscaled
    return "AvgPool2d" if "scale" in attrs else "LPPool2d"


SHARED_NODES: dict[str, Callable[[dict[str, Any]], str]] = {
    "Conv2dGradInput": lambda attrs: "ConvTranspose2d",  # conv2d's input gradient IS it
    "WindowSum": _window_sum,
    "Extremum": lambda attrs: "Amax" if attrs.get("largest", True) else "Amin",
    "Select": lambda attrs: "Maximum" if attrs.get("largest", True) else "Minimum",
    "PiecewiseConstant": lambda attrs: str(attrs.get("mode", "floor")).capitalize(),
}
"""Node class name -> function of the node's attributes giving its picture name (without
``Backward``), for classes that several public functions use."""

_layer_names: dict[str, str] = {}


def function_title(name: str) -> str:
    """The picture name of op function ``name``: the ``minigrad.nn`` layer of that name
    when there is one (``lp_pool2d`` -> ``LPPool2d``, ``mse_loss`` -> ``MSELoss``), else
    the name in CamelCase (``cross_entropy`` -> ``CrossEntropy``)."""
    if not _layer_names:
        nn = sys.modules.get("minigrad.nn")
        module_type = getattr(nn, "Module", None)
        for value in vars(nn).values() if nn is not None else ():
            if isinstance(value, type) and isinstance(module_type, type) and issubclass(
                    value, module_type):
                _layer_names[value.__name__.lower()] = value.__name__
    key = name.replace("_", "").lower()
    return _layer_names.get(key) or "".join(part[:1].upper() + part[1:]
                                            for part in name.split("_"))


def _own_name(node: Function) -> str:
    if type(node).name is Function.name:  # the class does not name itself
        shared = SHARED_NODES.get(type(node).__name__)
        if shared is not None:
            return shared(node.attrs) + "Backward"
    return node.name


def node_name(node: Function, calls: tuple[FunctionCall, ...] = (), outer_alone: bool = False,
              inner_alone: bool = False) -> str:
    """The name of ``node`` in a picture.

    Parameters
    ----------
    node : Function
        A graph node.
    calls : tuple of FunctionCall
        The traced function calls that made it, outermost first (empty if not traced).
    outer_alone : bool
        Whether it is the only node the outermost call made: it then takes that call's
        name (unless it is the call's own kind of node, which keeps its own name).
    inner_alone : bool
        Whether it is the only node the innermost call made outside the calls it made in
        turn: a node of another op's kind then takes the innermost call's name.
    """
    if calls:
        if outer_alone and not isinstance(node, calls[0].owns):
            return function_title(calls[0].name) + "Backward"
        if inner_alone and not isinstance(node, calls[-1].owns):
            return function_title(calls[-1].name) + "Backward"
    return _own_name(node)
