"""Pictures of computation graphs (:func:`draw_graph`, :func:`save_graph`, module and
function tracing) and of what a CNN learned (:func:`show_filters`, :func:`feature_maps`).

Graphs need the ``graphviz`` Python package (``pip install 'minigrad-cnn[viz]'``); rendering to
svg/png/pdf also needs the Graphviz ``dot`` program. Filters and feature maps are drawn with
matplotlib, also part of the ``viz`` extra. Setting the environment variable
``MINIGRAD_GRAPH=graph.svg`` makes the first ``backward()`` of a program save its graph.
"""

from minigrad.viz.features import collect_feature_maps, feature_maps, show_filters
from minigrad.viz.functions import FunctionCall, function_calls_of, trace_functions
from minigrad.viz.graph import NODE_COLORS, VALUES_MAX_NUMEL, draw_graph
from minigrad.viz.modules import ModuleCall, module_call_of, trace_modules
from minigrad.viz.render import FORMATS, GraphvizNotFoundError, import_graphviz, save_graph

__all__ = [
    "FORMATS",
    "NODE_COLORS",
    "VALUES_MAX_NUMEL",
    "FunctionCall",
    "GraphvizNotFoundError",
    "ModuleCall",
    "collect_feature_maps",
    "draw_graph",
    "feature_maps",
    "function_calls_of",
    "import_graphviz",
    "module_call_of",
    "save_graph",
    "show_filters",
    "trace_functions",
    "trace_modules",
]
