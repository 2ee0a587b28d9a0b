"""``summary(model, input_shape)``: a table of a model's layers, like torchinfo's."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from minigrad.autograd import no_grad
from minigrad.creation import zeros
from minigrad.nn.utils.conv_arithmetic import ReceptiveField, advance
from minigrad.tensor import Tensor

__all__ = ["LayerSummary", "ModelSummary", "summary"]

Pair = tuple[int, int]


@dataclass(frozen=True)
class LayerSummary:
    """One row of :func:`summary`: one module call.

    Attributes
    ----------
    name : str
        The module's dotted name in the model (``""`` for the model itself).
    type_name : str
        Its class name (``"Conv2d"``).
    depth : int
        0 for the model, 1 for its children, ...
    output_shape : tuple of int or None
        Shape of the (first) tensor it returned.
    params : int
        Number of parameter elements, its descendants' included.
    trainable_params : int
        How many of those require grad.
    receptive_field : tuple of int or None
        ``(height, width)`` of the input region that one element of its output depends
        on, following the layers in the order they ran; ``None`` when the output is not
        an image (not 4-D) or the input is not.
    mult_adds : int
        Multiply-accumulate operations of its forward pass (convolutions and linear
        layers; containers sum their children's).
    output_bytes : int
        Memory of the tensor(s) it returned.
    """

    name: str
    type_name: str
    depth: int
    output_shape: tuple[int, ...] | None
    params: int
    trainable_params: int
    receptive_field: Pair | None
    mult_adds: int
    output_bytes: int

    @property
    def trainable(self) -> str:
        """``"yes"``, ``"no"``, ``"partial"``, or ``"--"`` for a layer without parameters."""
        if self.params == 0:
            return "--"
        if self.trainable_params == self.params:
            return "yes"
        return "no" if self.trainable_params == 0 else "partial"


class ModelSummary(list[LayerSummary]):
    """The rows of :func:`summary` (a list of :class:`LayerSummary`) with the totals.

    ``str(summary)`` is the printed table.

    Attributes
    ----------
    total_params, trainable_params : int
        Parameter elements of the model (each shared parameter once), and those that
        require grad.
    total_mult_adds : int
        Multiply-accumulates of one forward pass.
    input_bytes, param_bytes, activation_bytes : int
        Memory of the input, the parameters, and the layers' outputs (what a training
        step keeps for backward, roughly).
    """

    total_params: int
    trainable_params: int
    total_mult_adds: int
    input_bytes: int
    param_bytes: int
    activation_bytes: int

    def __str__(self) -> str:
        headers = ("Layer (type)", "Output shape", "Params", "Trainable", "Receptive field",
                   "Mult-adds")
        body = [
            (
                "  " * row.depth + (f"{row.name}: {row.type_name}" if row.name else row.type_name),
                "--" if row.output_shape is None else str(list(row.output_shape)),
                f"{row.params:,}" if row.params else "--",
                row.trainable,
                "--" if row.receptive_field is None else "x".join(map(str, row.receptive_field)),
                f"{row.mult_adds:,}" if row.mult_adds else "--",
            )
            for row in self
        ]
        widths = [max(len(line[i]) for line in [headers, *body]) for i in range(len(headers))]

        def fmt(cells: Sequence[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:])]
            return "  ".join([first, *rest]).rstrip()

        rule = "=" * len(fmt(headers))
        lines = [rule, fmt(headers), rule, *(fmt(cells) for cells in body), rule]
        lines += [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
            f"Total mult-adds: {self.total_mult_adds:,}",
            rule,
            f"Input size: {_size(self.input_bytes)}",
            f"Params size: {_size(self.param_bytes)}",
            f"Forward activations size: {_size(self.activation_bytes)}",
            f"Estimated total size: "
            f"{_size(self.input_bytes + self.param_bytes + self.activation_bytes)}",
            rule,
        ]
        return "\n".join(lines)


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    return []


def _mult_adds(module: Any, inputs: list[Tensor], outputs: list[Tensor]) -> int:
    """Multiply-accumulates of a convolution or linear layer's call; 0 for others."""
    if not outputs:
        return 0
    if hasattr(module, "in_channels") and hasattr(module, "kernel_size"):
        kernel = math.prod(_pair_or_tuple(module.kernel_size))
        groups = int(getattr(module, "groups", 1))
        if "Transpose" in type(module).__name__ and inputs:
            return inputs[0].numel() * kernel * (int(module.out_channels) // groups)
        return outputs[0].numel() * kernel * (int(module.in_channels) // groups)
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        return outputs[0].numel() * int(module.in_features)
    return 0


def _pair_or_tuple(value: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),)


class _Field:
    """The receptive-field row carried from layer to layer in call order."""

    def __init__(self) -> None:
        self.row: ReceptiveField | None = None

    def step(self, module: Any, inputs: list[Tensor], outputs: list[Tensor]) -> Pair | None:
        if not outputs or outputs[0].ndim != 4 or not inputs or inputs[0].ndim != 4:
            return None
        size = (int(inputs[0].shape[2]), int(inputs[0].shape[3]))
        before = self.row or ReceptiveField("input", size, (1, 1), (1, 1), (0.0, 0.0))
        before = replace(before, output_size=size)
        try:
            self.row = advance(before, module, type(module).__name__)
        except ValueError:  # no single field (transposed conv, uneven adaptive pooling)
            return None
        return self.row.receptive_field


def summary(
    model: Any,
    input_shape: Sequence[int] | Sequence[Sequence[int]],
    dtype: Any = None,
    device: Any = None,
    verbose: bool = True,
    print_fn: Callable[[str], Any] = print,
) -> ModelSummary:
    """Run ``model`` on a zero input and print a table of its layers, like torchinfo.

    Columns: layer name and type (indented by nesting), output shape, parameters,
    whether they are trainable, receptive field, and multiply-adds; then the totals and
    the memory of the input, the parameters and the layers' outputs. The model runs in
    eval mode without recording a graph; its training flags are restored afterwards.

    Parameters
    ----------
    model : Module
        The model.
    input_shape : tuple of int, or list of tuples for a model taking several inputs
        The input shape, batch dimension included: ``(1, 1, 28, 28)``.
    dtype : dtype, optional
        Input dtype (default: minigrad's default float dtype).
    device : str or Backend, optional
        Where to create the input (default: the current backend).
    verbose : bool
        Print the table with ``print_fn``.
    print_fn : callable
        Called with the table's text.

    Returns
    -------
    ModelSummary
        The rows (a list of :class:`LayerSummary`, the model first, then its submodules
        in the order they were called) and the totals as attributes.

    Raises
    ------
    TypeError
        If ``model`` is not a Module.
    ValueError
        If ``input_shape`` is not a shape (or list of shapes) of positive ints.

    Examples
    --------
    >>> from minigrad import nn
    >>> from minigrad.nn.utils import summary
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> rows = summary(model, (1, 4), verbose=False)
    >>> for row in rows:
    ...     print(repr(row.name), tuple(row.output_shape), row.params)
    '' (1, 2) 58
    '0' (1, 8) 40
    '1' (1, 8) 0
    '2' (1, 2) 18
    >>> rows.total_mult_adds
    48
    """
    if not hasattr(model, "named_modules") or not callable(model):
        raise TypeError(f"summary expects a Module, got {type(model).__name__}")
    shapes = _check_shapes(input_shape)
    inputs = [zeros(*shape, dtype=dtype, device=device) for shape in shapes]

    order: list[tuple[str, Any]] = []
    seen: dict[int, tuple[list[Tensor], list[Tensor]]] = {}
    pending: dict[int, list[Tensor]] = {}
    stack: list[int] = []
    handles = []
    depth = {id(m): name.count(".") + 1 if name else 0 for name, m in model.named_modules()}
    for name, module in model.named_modules():
        def pre(mod: Any, args: Any, name: str = name) -> None:
            order.append((name, mod))
            pending[len(order) - 1] = _tensors(args)
            stack.append(len(order) - 1)

        def post(mod: Any, args: Any, output: Any) -> None:
            index = stack.pop()
            seen[index] = (pending.pop(index), _tensors(output))

        handles.append(module.register_forward_pre_hook(pre))
        handles.append(module.register_forward_hook(post))
    modes = {id(m): m.training for _, m in model.named_modules()}
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for _, m in model.named_modules():
            object.__setattr__(m, "training", modes[id(m)])

    field = _Field()
    macs: list[int] = []
    fields: list[Pair | None] = []
    for index, (_, module) in enumerate(order):
        ins, outs = seen.get(index, ([], []))
        leaf = not any(True for _ in module.children())
        macs.append(_mult_adds(module, ins, outs) if leaf else 0)
        fields.append(field.step(module, ins, outs) if leaf else None)
    rows = ModelSummary()
    leaf_bytes = 0
    for index, (name, module) in enumerate(order):
        ins, outs = seen.get(index, ([], []))
        params = list(module.parameters())
        total_macs = macs[index] + sum(
            macs[j] for j, (other, _) in enumerate(order)
            if j != index and (not name or other.startswith(name + "."))
        )
        out_bytes = sum(t.numel() * t.dtype.itemsize for t in outs)
        if not any(True for _ in module.children()):
            leaf_bytes += out_bytes
        field_size = fields[index]
        if field_size is None and outs and outs[0].ndim == 4:  # a container: its last layer's
            inner = [fields[j] for j, (other, _) in enumerate(order)
                     if j > index and (not name or other.startswith(name + "."))]
            field_size = inner[-1] if inner else None
        rows.append(LayerSummary(
            name=name,
            type_name=type(module).__name__,
            depth=depth.get(id(module), 0),
            output_shape=outs[0].shape if outs else None,
            params=sum(p.numel() for p in params),
            trainable_params=sum(p.numel() for p in params if p.requires_grad),
            receptive_field=field_size,
            mult_adds=total_macs,
            output_bytes=out_bytes,
        ))
    unique = list(model.parameters())
    rows.total_params = sum(p.numel() for p in unique)
    rows.trainable_params = sum(p.numel() for p in unique if p.requires_grad)
    rows.total_mult_adds = sum(macs)
    rows.input_bytes = sum(t.numel() * t.dtype.itemsize for t in inputs)
    rows.param_bytes = sum(p.numel() * p.dtype.itemsize for p in unique)
    rows.activation_bytes = leaf_bytes
    if verbose:
        print_fn(str(rows))
    return rows


def _check_shapes(input_shape: Any) -> list[tuple[int, ...]]:
    def is_shape(value: Any) -> bool:
        return isinstance(value, (tuple, list)) and len(value) > 0 and all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value
        )

    if is_shape(input_shape):
        return [tuple(input_shape)]
    if isinstance(input_shape, list) and input_shape and all(is_shape(s) for s in input_shape):
        return [tuple(s) for s in input_shape]
    raise ValueError(
        f"summary: input_shape must be a shape of positive ints with the batch dimension, "
        f"like (1, 3, 32, 32), or a list of such shapes; got {input_shape!r}"
    )
