"""``minigrad.onnx.export``: run the model once, convert what it ran, check, write."""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

from minigrad.onnx.builder import CallView, GraphBuilder, import_onnx
from minigrad.onnx.errors import UnsupportedOperatorError
from minigrad.onnx.graph import Selection, select
from minigrad.onnx.table import CONVERTERS, NO_ONNX_FORM
from minigrad.onnx.trace import Key, Trace, run, value_key
from minigrad.tensor import Tensor

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "export"]

DEFAULT_OPSET = 20
"""The opset written when none is asked for (PyTorch's default)."""

MIN_OPSET = 13
"""The oldest opset minigrad writes (single-axis Softmax, axes given as inputs)."""

DynamicAxes = Mapping[str, Mapping[int, str] | Sequence[int]]


def export(
    model: Any,
    args: Any,
    f: str | os.PathLike[str] | IO[bytes] | None = None,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamic_axes: DynamicAxes | None = None,
    export_params: bool = True,
    do_constant_folding: bool = True,
    verbose: bool = False,
) -> Any:
    """Export a model to an ONNX file, as ``torch.onnx.export`` does.

    The model runs once on ``args`` in eval mode, with every op it calls recorded. Each op
    becomes ONNX nodes (the ops and their ONNX forms are listed in the docs, page
    "Interoperability"), parameters and buffers become initializers named as in
    ``state_dict()``, and whatever is computed from them alone is folded into constants.
    The result is checked with ``onnx.checker`` before it is written.

    Like PyTorch's tracing exporter, the file records the path this run took: Python
    ``if``s and loops are unrolled as they went, and values taken out of tensors
    (``.item()``, ``.numpy()``, a boolean mask used as an index) are frozen as constants;
    a :class:`TracerWarning` says when a value computed from the input is turned into a
    Python or NumPy value.

    Parameters
    ----------
    model : Module or callable
        What to export. A Module is put in eval mode for the run (BatchNorm uses its
        running statistics, dropout does nothing), then given back its modes.
    args : Tensor or tuple
        The example input, or a tuple of positional arguments. Tensors become the graph's
        inputs, in order; other arguments are fixed at the values given.
    f : str, path or binary file, optional
        Where to write the ``.onnx`` file; with None, nothing is written.
    input_names, output_names : sequence of str, optional
        Names of the graph's inputs and outputs. By default the inputs are named after
        the parameters of ``model.forward`` and the outputs ``output`` (``output_0``,
        ``output_1``... for several).
    opset_version : int, optional
        The ``ai.onnx`` opset to target, from 13 to the newest the installed ``onnx``
        knows; 20 (:data:`DEFAULT_OPSET`) by default.
    dynamic_axes : dict, optional
        Axes whose size is left open, as in PyTorch: ``{"image": {0: "batch"},
        "logits": [0]}`` (a list gets generated names). An axis that reshapes keep in
        place (a batch dimension) may vary; sizes the model's ops depend on otherwise
        are fixed at the example's.
    export_params : bool
        Store the parameters and buffers in the file (the default). With False they
        become inputs of the graph after the model's own, named and ordered as in
        ``state_dict()`` (those the model uses), as in PyTorch.
    do_constant_folding : bool
        Fold what is computed from the parameters and buffers alone into constants (the
        default); with False those ops are exported as nodes.
    verbose : bool
        Print the exported graph as text.

    Returns
    -------
    onnx.ModelProto
        The exported model.

    Raises
    ------
    ImportError
        If the ``onnx`` package is missing (``pip install -e ".[onnx]"``).
    UnsupportedOperatorError
        If the model uses an op with no ONNX form; the message names the op and its
        ``Function`` class.
    OnnxExporterError
        If the model changes a value computed from its input in place where no graph
        records it (under ``no_grad``).

    Warns
    -----
    TracerWarning
        When a value computed from the input is turned into a Python or NumPy value.
    TypeError, ValueError
        For arguments of the wrong type or value.

    Examples
    --------
    >>> import os, tempfile
    >>> import minigrad
    >>> from minigrad import nn
    >>> model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    >>> proto = minigrad.onnx.export(model, minigrad.randn(1, 1, 4, 4), path,
    ...                              dynamic_axes={"input": {0: "batch"}})
    >>> [node.op_type for node in proto.graph.node]
    ['Conv', 'Relu', 'Reshape', 'Gemm']
    """
    onnx = import_onnx()
    opset = _check_opset(onnx, opset_version)
    arguments = args if isinstance(args, tuple) else (args,)
    if not any(isinstance(a, Tensor) for a in arguments):
        raise TypeError("export: args must hold at least one Tensor (the example input), got "
                        f"{type(args).__name__}")
    state = _state_tensors(model)
    sources = {} if export_params and do_constant_folding else {
        value_key(t): (name, t) for name, t in state}
    modes = _eval_mode(model)
    try:
        trace = run(model, arguments, [t for _, t in sources.values()])
    finally:
        for module, mode in modes:
            module.training = mode
    names_in = _names("input_names", input_names, _default_input_names(model, arguments),
                      len(trace.inputs))
    names_out = _names("output_names", output_names, _default_output_names(trace),
                       len(trace.outputs))
    repeated = sorted({n for n in names_in + names_out if (names_in + names_out).count(n) > 1})
    if repeated:
        raise ValueError(f"export: input and output names must differ, got {repeated} twice")
    axes = _check_dynamic_axes(dynamic_axes, trace, names_in, names_out)
    selection = select(trace, set(sources))
    builder = GraphBuilder(onnx, opset, {id(t): name for name, t in state})
    graph_inputs = list(zip(names_in, trace.inputs)) + _unfolded_state(
        builder, selection, sources, export_params, names_in + names_out)
    proto = _build(builder, trace, selection, graph_inputs, names_out, axes)
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    onnx.checker.check_model(proto, full_check=True)
    if f is not None:
        onnx.save(proto, f)
    return proto


def _check_opset(onnx: Any, opset_version: int | None) -> int:
    newest = int(onnx.defs.onnx_opset_version())
    opset = min(DEFAULT_OPSET, newest) if opset_version is None else opset_version
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= newest:
        raise ValueError(f"export: opset_version must be an int from {MIN_OPSET} to {newest} "
                         f"(the newest the installed onnx knows), got {opset_version!r}")
    return opset


def _eval_mode(model: Any) -> list[tuple[Any, bool]]:
    """Put every submodule in eval mode; return what to restore."""
    if not hasattr(model, "modules"):
        return []
    modes = [(module, bool(module.training)) for module in model.modules()]
    model.eval()
    return modes


def _default_input_names(model: Any, args: tuple[Any, ...]) -> list[str]:
    forward = getattr(model, "forward", model)
    try:
        params = [p for p in inspect.signature(forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, value in enumerate(args):
        if isinstance(value, Tensor):
            names.append(params[i].name if i < len(params) else f"input_{i}")
    if len(names) == 1 and not params:
        names = ["input"]
    return names


def _default_output_names(trace: Trace) -> list[str]:
    n = len(trace.outputs)
    return ["output"] if n == 1 else [f"output_{i}" for i in range(n)]


def _names(what: str, given: Sequence[str] | None, default: list[str], count: int
           ) -> list[str]:
    if given is None:
        return default
    names = list(given)
    if isinstance(given, str) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"export: {what} must be a sequence of str, got {given!r}")
    if len(names) > count:
        raise ValueError(f"export: {len(names)} {what} given for {count} "
                         f"{'inputs' if what.startswith('input') else 'outputs'}: {names}")
    return names + default[len(names):]


def _check_dynamic_axes(dynamic_axes: DynamicAxes | None, trace: Trace, names_in: list[str],
                        names_out: list[str]) -> dict[str, dict[int, str]]:
    if dynamic_axes is None:
        return {}
    if not isinstance(dynamic_axes, Mapping):
        raise TypeError(f"export: dynamic_axes must be a dict, got {type(dynamic_axes).__name__}")
    shapes = {name: t.shape for name, (_, t) in zip(names_in, trace.inputs)}
    shapes.update({name: t.shape for name, (_, t) in zip(names_out, trace.outputs)})
    result: dict[str, dict[int, str]] = {}
    for name, axes in dynamic_axes.items():
        if name not in shapes:
            raise ValueError(f"export: dynamic_axes names {name!r}, which is not an input or "
                             f"output name; the names are {names_in + names_out}")
        items = (dict(axes) if isinstance(axes, Mapping) else
                 {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)})
        ndim = len(shapes[name])
        result[name] = {}
        for axis, label in items.items():
            if not isinstance(axis, int) or not -ndim <= axis < ndim:
                raise ValueError(f"export: dynamic_axes[{name!r}] has axis {axis!r}, but "
                                 f"{name!r} has shape {tuple(shapes[name])}")
            result[name][axis % ndim] = str(label)
    return result


def _state_tensors(model: Any) -> list[tuple[str, Tensor]]:
    """The model's parameters and buffers by ``state_dict()`` name (each tensor once)."""
    found: dict[int, tuple[str, Tensor]] = {}
    state = model.state_dict(keep_vars=True) if hasattr(model, "state_dict") else {}
    buffers = model.named_buffers() if hasattr(model, "named_buffers") else []
    for name, t in [*state.items(), *buffers]:  # non-persistent buffers too
        if isinstance(t, Tensor):
            found.setdefault(id(t), (name, t))
    return list(found.values())


def _unfolded_state(builder: GraphBuilder, selection: Selection,
                    sources: dict[Key, tuple[str, Tensor]], export_params: bool,
                    names: list[str]) -> list[tuple[str, tuple[Key, Tensor]]]:
    """The parameters and buffers the exported ops use, when they are not folded: bound to
    initializers of their names, or returned as extra graph inputs (``export_params=False``)."""
    used = {key for call in selection.calls for key in call.input_keys if key in sources}
    extra = []
    for key, (name, t) in sources.items():
        if key not in used:
            continue
        if export_params:
            builder.bind(key, builder.constant_tensor(t, key, t._version, name))
        elif name in names:
            raise ValueError(f"export: {name!r} names both a parameter (an input of the graph "
                             "with export_params=False) and an input or output; rename it")
        else:
            extra.append((name, (key, t)))
    return extra


def _convert(builder: GraphBuilder, selection: Selection) -> None:
    for call in selection.calls:
        converter = CONVERTERS.get(call.function)
        view = CallView(builder, call, selection.dynamic)
        if converter is None:
            raise view.unsupported(NO_ONNX_FORM.get(
                call.function, "it has no entry in minigrad's ONNX mapping table"))
        builder.bind(call.output_keys[0], converter(view))


def _value_info(onnx: Any, name: str, t: Tensor, axes: dict[int, str] | None,
                shape_known: bool = True) -> Any:
    code = onnx.helper.np_dtype_to_tensor_dtype(t.dtype)
    if not shape_known:
        return onnx.helper.make_tensor_value_info(name, code, None)
    dims: list[int | str] = [(axes or {}).get(i, n) for i, n in enumerate(t.shape)]
    return onnx.helper.make_tensor_value_info(name, code, dims)


def _build(builder: GraphBuilder, trace: Trace, selection: Selection,
           graph_inputs: list[tuple[str, tuple[Key, Tensor]]], names_out: list[str],
           axes: dict[str, dict[int, str]]) -> Any:
    onnx, opset = builder.onnx, builder.opset
    for name, (key, _) in graph_inputs:
        builder.bind(key, name)
    _convert(builder, selection)
    taken = {name for name, _ in graph_inputs}
    for (key, t), name in zip(trace.outputs, names_out):
        _name_output(builder, key, t, name, selection, taken)
    dynamic = any(axes.get(n) for n, _ in graph_inputs)
    graph = onnx.helper.make_graph(
        builder.nodes, "minigrad",
        [_value_info(onnx, n, t, axes.get(n)) for n, (_, t) in graph_inputs],
        [_value_info(onnx, n, t, axes.get(n), shape_known=not dynamic or n in axes)
         for n, (_, t) in zip(names_out, trace.outputs)],
        builder.initializers,
    )
    opsets = [onnx.helper.make_opsetid("", opset)]
    proto = onnx.helper.make_model(
        graph, opset_imports=opsets, producer_name="minigrad",
        ir_version=onnx.helper.find_min_ir_version_for(opsets),
    )
    from minigrad import __version__  # the package imports this module: read it on use

    proto.producer_version = __version__
    if dynamic:  # the outputs' open axes follow from the inputs'
        _infer_output_shapes(onnx, proto, axes)
    return proto


def _name_output(builder: GraphBuilder, key: Key, t: Tensor, name: str, selection: Selection,
                 taken: set[str]) -> None:
    """Give the value ``key`` the graph-output name ``name``: rename the node output that
    holds it, or copy it with an ``Identity`` (inputs, constants, repeated outputs)."""
    current = builder.values.get(key)
    if current is None and key not in selection.dynamic:  # an output that is a constant
        current = builder.constant_tensor(t, key, t._version, f"{name}.constant")
    if current is None:
        why = builder.missing.get(key, "it was not computed by an exported op")
        raise UnsupportedOperatorError(f"export: the output {name!r} has no ONNX form: {why}")
    if name != current and builder.is_used(name):
        raise ValueError(f"export: the output name {name!r} is already the name of an input or "
                         "a parameter of the graph; choose another")
    if not builder.made_by_node(current) or current in taken:
        builder.identity(current, name)
    elif current != name:
        builder.rename(current, name)
        builder.bind(key, name)
    taken.add(name)


def _infer_output_shapes(onnx: Any, proto: Any, axes: dict[str, dict[int, str]]) -> None:
    """Declare the shapes ONNX's shape inference finds for the outputs that ``axes`` does
    not name (their open axes follow from the inputs')."""
    inferred = onnx.shape_inference.infer_shapes(proto)
    found = {o.name: o for o in inferred.graph.output}
    for output in proto.graph.output:
        if output.name in axes or output.name not in found:
            continue
        if found[output.name].type.tensor_type.HasField("shape"):
            output.CopyFrom(found[output.name])
