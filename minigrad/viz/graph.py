"""Draw the autograd graph behind tensors as a graphviz ``Digraph``.

The walk starts at the outputs and goes breadth-first through ``grad_fn.parents`` with an
explicit queue (no recursion, so graphs of any depth draw). Node ids are handed out in
that order (``n0``, ``n1``, ...), which makes the DOT text of identical graphs identical.
"""

from __future__ import annotations

import sys
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Union

import numpy

from minigrad.autograd import Function
from minigrad.tensor import Tensor
from minigrad.viz.functions import FunctionCall, function_calls_of, was_traced
from minigrad.viz.modules import ModuleCall, module_call_of
from minigrad.viz.node_names import function_title, node_name
from minigrad.viz.parameters import parameter_names
from minigrad.viz.render import graph_class, import_graphviz

__all__ = ["NODE_COLORS", "VALUES_MAX_NUMEL", "draw_graph"]

NODE_COLORS: dict[str, str] = {
    "op": "#e8e8e8",  # light grey: one op of the graph (its grad_fn), e.g. MulBackward
    "input": "#a6cee3",  # light blue: a leaf that requires grad and is not a parameter
    "parameter": "#b2df8a",  # light green: a parameter (named from the model or dict)
    "output": "#fdbf6f",  # light orange: a tensor passed to draw_graph
    "saved": "#cab2d6",  # lavender: a tensor an op saved for backward (show_saved=True)
    "module": "#ffffb3",  # pale yellow: one module call folded into a box (collapse)
    "function": "#d9d9d9",  # darker grey: one function call folded into a node (collapse)
    "hidden": "#ffffff",  # white: stands for the nodes left out by max_nodes
}
"""Fill colour of each kind of node in graph pictures."""

VALUES_MAX_NUMEL = 16
"""``show_values=True`` prints the data and grad of tensors with at most this many elements."""

_RANKDIRS = ("TB", "LR", "BT", "RL")
_COLLAPSE = (None, "function", "module", "all")
_Node = Union[Function, Tensor]


@dataclass
class _Item:
    name: str
    kind: str
    lines: list[str]
    group: ModuleCall | None = None
    fold: FunctionCall | None = None  # the function call (the outermost) that made the op


@dataclass
class _Drawing:
    items: list[_Item] = field(default_factory=list)
    edges: list[tuple[str, str, str, bool]] = field(default_factory=list)  # src, dst, label, saved
    traced: bool = False  # whether some op was made while trace_functions was open


def _shape_text(shape: tuple[int, ...] | None) -> str:
    return "" if shape is None else str(tuple(shape))


def _attr_text(value: Any) -> str:
    if isinstance(value, (bool, int, str)) or value is None:
        text = repr(value)
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, (tuple, list)):
        inner = ", ".join(_attr_text(v) for v in value)
        text = f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
        )
    elif isinstance(value, Tensor):
        text = f"tensor{value.shape}"
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        text = f"array{tuple(value.shape)}"
    elif isinstance(getattr(value, "name", None), str):
        text = value.name  # backends, dtypes
    else:
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _value_lines(label: str, t: Tensor | None) -> list[str]:
    if t is None:
        return [f"{label} None"]
    if t.numel() > VALUES_MAX_NUMEL:
        return [f"{label} ({t.numel()} values)"]
    text = numpy.array2string(t.detach().numpy(), precision=4, separator=", ", suppress_small=True)
    first, *rest = text.splitlines()
    return [f"{label} {first}", *("     " + line for line in rest)]


def _is_parameter(t: Tensor) -> bool:
    nn = sys.modules.get("minigrad.nn")
    cls = getattr(nn, "Parameter", None)
    return isinstance(cls, type) and isinstance(t, cls)


def _flatten_outputs(outputs: Iterable[Any]) -> list[Tensor]:
    flat: list[Tensor] = []
    for out in outputs:
        if isinstance(out, (tuple, list)):
            flat.extend(_flatten_outputs(out))
        elif isinstance(out, Tensor):
            flat.append(out)
        else:
            raise TypeError(f"draw_graph: expected Tensors to draw, got {type(out).__name__}")
    return flat


def _walk(outputs: list[Tensor]) -> list[_Node]:
    """Every op and leaf the outputs depend on, breadth-first from the outputs."""
    order: list[_Node] = []
    seen: set[int] = set()
    queue: deque[_Node] = deque()

    def visit(node: _Node | None) -> None:
        if node is not None and id(node) not in seen:
            seen.add(id(node))
            order.append(node)
            queue.append(node)

    for out in outputs:
        visit(_producer(out))
    while queue:
        node = queue.popleft()
        if isinstance(node, Function):
            for parent in node.parents:
                visit(parent)
    return order


def _producer(t: Tensor) -> _Node | None:
    if t._grad_fn is not None:
        return t._grad_fn
    return t if t._requires_grad else None


def _node_shape(node: _Node) -> tuple[int, ...] | None:
    if isinstance(node, Tensor):
        return node.shape
    return getattr(node, "_out_shape", None)


def _derived_attrs(node: Function) -> dict[str, Any]:
    """Attributes an op does not take as keywords but a reader wants to see."""
    if type(node).__name__.startswith("Conv") and len(node.parents) > 1:
        weight = node.parents[1]  # conv ops take (input, weight, ...)
        shape = None if weight is None else _node_shape(weight)
        if shape is not None and len(shape) > 2:
            return {"kernel_size": tuple(shape[2:])}
    return {}


def _op_names(order: list[_Node]) -> dict[int, str]:
    """The picture name of every op node, from the function calls traced (if any)."""
    calls = {id(node): function_calls_of(node) for node in order if isinstance(node, Function)}
    outer = Counter(chain[0] for chain in calls.values() if chain)
    inner = Counter(chain[-1] for chain in calls.values() if chain)
    return {
        id(node): node_name(node, calls[id(node)],
                            bool(calls[id(node)]) and outer[calls[id(node)][0]] == 1,
                            bool(calls[id(node)]) and inner[calls[id(node)][-1]] == 1)
        for node in order if isinstance(node, Function)
    }


def _build(
    outputs: list[Tensor], params: Any, show_shapes: bool, show_saved: bool,
    show_values: bool, max_nodes: int | None,
) -> _Drawing:
    drawing = _Drawing()
    order = _walk(outputs)
    drawing.traced = any(was_traced(node) for node in order if isinstance(node, Function))
    names = parameter_names(params, [node for node in order if isinstance(node, Tensor)])
    op_names = _op_names(order)
    kept = order if max_nodes is None else order[:max_nodes]
    ids = {id(node): f"n{i}" for i, node in enumerate(kept)}

    def edge_label(node: _Node) -> str:
        return _shape_text(_node_shape(node)) if show_shapes else ""

    for i, out in enumerate(outputs):
        lines = ["output" if len(outputs) == 1 else f"output {i}"]
        if show_shapes:
            lines[0] += " " + _shape_text(out.shape)
        if show_values:
            lines += _value_lines("data", out) + _value_lines("grad", out.grad)
        drawing.items.append(_Item(f"o{i}", "output", lines))
        producer = _producer(out)
        if producer is not None and id(producer) in ids:
            drawing.edges.append((ids[id(producer)], f"o{i}", edge_label(producer), False))

    consumers: dict[int, list[ModuleCall | None]] = {}
    saved_items: list[_Item] = []
    leaf_items: list[tuple[Tensor, _Item]] = []
    hidden_targets: list[str] = []
    for node in kept:
        name = ids[id(node)]
        if isinstance(node, Tensor):
            param = names.get(id(node))
            kind = "parameter" if param is not None or _is_parameter(node) else "input"
            lines = [param if param is not None else kind]
            if show_shapes:
                lines[0] += " " + _shape_text(node.shape)
            if show_values:
                lines += _value_lines("data", node) + _value_lines("grad", node.grad)
            leaf_items.append((node, _Item(name, kind, lines)))
            drawing.items.append(leaf_items[-1][1])
            continue
        group = module_call_of(node)
        chain = function_calls_of(node)
        lines = [op_names[id(node)]]
        attrs = {**_derived_attrs(node), **node.attrs}
        lines += [f"{key}={_attr_text(attrs[key])}" for key in sorted(attrs)]
        if show_values and node._retained is not None:
            kept_out = node._retained
            lines += _value_lines("data", kept_out) + _value_lines("grad", kept_out.grad)
        drawing.items.append(_Item(name, "op", lines, group, chain[0] if chain else None))
        cut = False
        for parent in node.parents:
            if parent is None:
                continue
            if id(parent) in ids:
                drawing.edges.append((ids[id(parent)], name, edge_label(parent), False))
                consumers.setdefault(id(parent), []).append(group)
            else:
                cut = True
        if cut:
            hidden_targets.append(name)
        if show_saved:
            for t in [t for t in node._saved or () if t is not None]:
                saved_name = f"s{len(saved_items)}"
                what = "saved output" if t._grad_fn is node else "saved"
                saved_lines = [f"{what} {_shape_text(t.shape)}" if show_shapes else what]
                if show_values:
                    saved_lines += _value_lines("data", t)
                saved_items.append(_Item(saved_name, "saved", saved_lines, group))
                drawing.edges.append((saved_name, name, "", True))

    for leaf, item in leaf_items:  # a leaf used only inside one module call goes in its box
        groups = consumers.get(id(leaf))
        if groups and len(set(groups)) == 1:
            item.group = groups[0]
    drawing.items += saved_items
    if hidden_targets:
        hidden = len(order) - len(kept)
        drawing.items.append(
            _Item("more", "hidden", [f"... {hidden} more nodes", f"(max_nodes={max_nodes})"])
        )
        drawing.edges += [("more", target, "", False) for target in hidden_targets]
    return drawing


def _renamed_edges(edges: list[tuple[str, str, str, bool]], rename: dict[str, str]
                   ) -> list[tuple[str, str, str, bool]]:
    """``edges`` between the renamed nodes, without the loops and repeats renaming made."""
    kept: list[tuple[str, str, str, bool]] = []
    seen: set[tuple[str, str, bool]] = set()
    for src, dst, label, saved in edges:
        src, dst = rename.get(src, src), rename.get(dst, dst)
        if src == dst or (src, dst, saved) in seen:
            continue
        seen.add((src, dst, saved))
        kept.append((src, dst, label, saved))
    return kept


def _fold_functions(drawing: _Drawing) -> _Drawing:
    """Draw each traced call of a function that made several ops as one node."""
    members: dict[FunctionCall, list[_Item]] = {}
    for item in drawing.items:
        if item.fold is not None:
            members.setdefault(item.fold, []).append(item)
    rename: dict[str, str] = {}
    folded = _Drawing()
    for item in drawing.items:
        group = members.get(item.fold) if item.fold is not None else None
        if item.fold is None or group is None or len(group) == 1:
            folded.items.append(item)
        elif item is group[0]:
            title = function_title(item.fold.name) + "Backward"
            folded.items.append(_Item(item.name, "function", [title], item.group))
        else:
            rename[item.name] = group[0].name
    folded.edges = _renamed_edges(drawing.edges, rename)
    return folded


def _collapse(drawing: _Drawing) -> _Drawing:
    """Fold every module call's ops (and the leaves only it uses) into one box."""
    boxes: dict[ModuleCall, _Item] = {}
    rename: dict[str, str] = {}
    folded = _Drawing()
    for item in drawing.items:
        if item.group is None:
            folded.items.append(item)
            continue
        box = boxes.get(item.group)
        if box is None:
            box = _Item(f"m{len(boxes)}", "module", [item.group.title])
            boxes[item.group] = box
            folded.items.append(box)
        if item.kind in ("input", "parameter"):
            box.lines.append(item.lines[0])
        rename[item.name] = box.name
    folded.edges = _renamed_edges(drawing.edges, rename)
    return folded


def draw_graph(
    *outputs: Tensor,
    params: Any = None,
    show_shapes: bool = True,
    show_saved: bool = False,
    show_values: bool = False,
    rankdir: str = "TB",
    max_nodes: int | None = None,
    collapse: str | None = None,
) -> Any:
    """Draw the computation graph behind ``outputs`` as a ``graphviz.Digraph``.

    One node per op (its ``grad_fn`` name and attributes such as ``stride`` or ``dim``) and
    one per leaf tensor that requires grad; each edge carries the shape of the tensor that
    flows along it, from inputs to outputs. Ops are named after the function that was
    called where the node alone can't tell (``AvgPool2dBackward`` and ``LPPool2dBackward``
    for the window sums of average and Lp pooling, ``ConvTranspose2dBackward``); when the
    forward pass ran inside :class:`minigrad.viz.trace_functions` (or
    :class:`~minigrad.viz.trace_modules`), every node made by another op's function is
    named after it (``AdaptiveMaxPool2dBackward``, ``FlattenBackward``). Node colours are
    listed in :data:`NODE_COLORS`: inputs light blue, parameters light green, outputs light
    orange, saved tensors lavender, ops grey. The DOT text (``.source``) is the same for identical
    graphs and never needs the Graphviz ``dot`` program; ``.render()`` and
    :func:`minigrad.viz.save_graph` do.

    Parameters
    ----------
    *outputs : Tensor
        The tensors whose graph to draw (several outputs share one picture; lists and
        tuples of tensors are accepted too). Gradients computed with
        ``create_graph=True`` can be drawn as well: their graph holds the gradient ops.
    params : Module or dict of str to Tensor, optional
        Where parameter names come from: ``model.named_parameters()`` for a Module,
        the keys of a dict. Named leaves are labelled ``conv1.weight (6, 1, 5, 5)``. By
        default the names come from the models alive in the program whose parameters the
        graph uses (one model: its names; several: each prefixed with its model's class
        name). ``{}`` names nothing.
    show_shapes : bool
        Label edges and leaves with tensor shapes.
    show_saved : bool
        Also draw the tensors each op saved for backward (lavender, dashed edge). They
        are freed by ``backward()`` unless ``retain_graph=True``.
    show_values : bool
        Print data and grad (micrograd-style) of leaves, outputs, saved tensors and
        ``retain_grad()`` tensors that have at most :data:`VALUES_MAX_NUMEL` elements.
    rankdir : {"TB", "LR", "BT", "RL"}
        Direction of the layout (top to bottom, left to right, ...).
    max_nodes : int, optional
        Draw only the first ``max_nodes`` ops and leaves met walking back from the
        outputs; one white node stands for the rest.
    collapse : {None, "function", "module", "all"}
        ``"function"`` draws each call of a function that made several ops (``cross_entropy``,
        ``leaky_relu``, ``std``...) as one node named after it (``CrossEntropyBackward``);
        it needs the forward pass to have run inside :class:`minigrad.viz.trace_functions`
        or :class:`~minigrad.viz.trace_modules`. ``"module"`` folds the ops of each module
        call (and parameters only it uses) into one box; it needs
        :class:`~minigrad.viz.trace_modules`. Without ``collapse``, traced module calls are
        drawn as cluster boxes around their ops. ``"all"`` does both.

    Returns
    -------
    graphviz.Digraph
        Displays inline in Jupyter; ``.source`` is the DOT text.

    Raises
    ------
    ImportError
        If the ``graphviz`` Python package is missing (``pip install 'minigrad[viz]'``).
    TypeError, ValueError
        For arguments of the wrong type or value.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.viz import draw_graph
    >>> w = minigrad.randn(3, requires_grad=True)
    >>> x = minigrad.randn(3, requires_grad=True)
    >>> loss = (w * x).sum()
    >>> dot = draw_graph(loss, params={"w": w})
    >>> "w (3,)" in dot.source and "MulBackward" in dot.source
    True
    """
    import_graphviz()
    flat = _flatten_outputs(outputs)
    if not flat:
        raise ValueError("draw_graph: give at least one tensor to draw")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    if collapse not in _COLLAPSE:
        raise ValueError(f"draw_graph: collapse must be one of {_COLLAPSE}, got {collapse!r}")
    drawing = _build(flat, params, show_shapes, show_saved, show_values, max_nodes)
    if collapse is not None:
        drawing = _collapsed(drawing, collapse)
    return _emit(drawing, rankdir)


def _collapsed(drawing: _Drawing, collapse: str) -> _Drawing:
    has_modules = any(item.group is not None for item in drawing.items)
    has_functions = drawing.traced or not any(item.kind == "op" for item in drawing.items)
    if collapse == "module" and not has_modules:
        raise ValueError(
            "draw_graph: collapse='module' needs to know which module made each op; run "
            "the forward pass inside `with minigrad.viz.trace_modules(model):`"
        )
    if collapse == "function" and not has_functions:
        raise ValueError(
            "draw_graph: collapse='function' needs to know which function made each op; "
            "run the forward pass inside `with minigrad.viz.trace_functions():` (or "
            "trace_modules)"
        )
    if collapse == "all" and not (has_modules or has_functions):
        raise ValueError(
            "draw_graph: collapse='all' needs a record of the module and function calls; "
            "run the forward pass inside `with minigrad.viz.trace_modules(model):`"
        )
    if collapse in ("function", "all"):
        drawing = _fold_functions(drawing)
    if collapse in ("module", "all"):
        drawing = _collapse(drawing)
    return drawing


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _node_line(item: _Item, indent: str) -> str:
    label = "\\n".join(_escape(line) for line in item.lines)
    style = _STYLES.get(item.kind)
    extra = f' style="{style}"' if style else ""
    return f'{indent}{item.name} [label="{label}" fillcolor="{NODE_COLORS[item.kind]}"{extra}]\n'


_STYLES = {"op": "filled,rounded", "function": "filled,rounded", "saved": "filled,dashed",
           "hidden": "dashed"}


def _emit(drawing: _Drawing, rankdir: str) -> Any:
    # Lines go straight into the Digraph's body: graphviz's per-attribute quoting is
    # far slower than the walk itself on graphs of 100,000 nodes.
    dot = graph_class()(
        name="minigrad",
        graph_attr={"rankdir": rankdir},
        node_attr={"shape": "box", "style": "filled", "fontsize": "10"},
        edge_attr={"fontsize": "9"},
    )
    body: list[str] = dot.body
    clusters: dict[ModuleCall, list[_Item]] = {}
    for item in drawing.items:
        if item.group is None:
            body.append(_node_line(item, "\t"))
        else:
            clusters.setdefault(item.group, []).append(item)
    for i, (call, members) in enumerate(clusters.items()):
        body.append(f"\tsubgraph cluster_{i} {{\n")
        body.append(f'\t\tlabel="{_escape(call.title)}" style="rounded,dashed" fontsize=10\n')
        body.extend(_node_line(item, "\t\t") for item in members)
        body.append("\t}\n")
    for src, dst, label, saved in drawing.edges:
        attrs = ' style=dashed arrowhead=none' if saved else ""
        if label:
            attrs = f' label=" {label}"' + attrs
        body.append(f"\t{src} -> {dst}" + (f" [{attrs.strip()}]" if attrs else "") + "\n")
    return dot
