"""Building the ONNX graph: nodes, initializers and names, with the ``onnx`` helpers.

:class:`GraphBuilder` holds the graph under construction; :class:`CallView` is what a
converter of the mapping table (:mod:`minigrad.onnx.table`) sees of one recorded op call:
its inputs as ONNX value names (constants become initializers on first use), their shapes
and dtypes, the op's attributes, and a way to add nodes.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.onnx.errors import UnsupportedOperatorError
from minigrad.onnx.trace import Call, Key
from minigrad.optable import TABLE
from minigrad.tensor import Tensor

__all__ = ["INSTALL_HINT", "CallView", "GraphBuilder", "import_onnx", "op_names"]

INSTALL_HINT = ('pip install "minigrad-cnn[onnx]" (or pip install -e ".[onnx]" in a source '
                "checkout)")


def import_onnx() -> Any:
    """The ``onnx`` package, or an ImportError that names minigrad's ``onnx`` extra."""
    try:
        return importlib.import_module("onnx")
    except ImportError as exc:
        raise ImportError(f"minigrad.onnx.export needs the onnx package: {INSTALL_HINT}"
                          ) from exc


def op_names(function: type) -> str:
    """The op-table rows (public op names) whose graph nodes include ``function``."""
    names = [name for name, row in TABLE.items() if function in row.nodes]
    return "/".join(names) if names else function.__name__.lower()


class GraphBuilder:
    """An ONNX graph under construction.

    Parameters
    ----------
    onnx : module
        The ``onnx`` package.
    opset : int
        The ``ai.onnx`` opset the graph targets.
    parameter_names : dict
        ``id(tensor)`` -> name, for the model's parameters and buffers: they become
        initializers of those names.
    """

    def __init__(self, onnx: Any, opset: int, parameter_names: dict[int, str]) -> None:
        self.onnx = onnx
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.parameter_names = parameter_names
        self.values: dict[Key, str] = {}  # the ONNX name of each value made so far
        self.missing: dict[Key, str] = {}  # values with no ONNX form, and why
        self._used: set[str] = set()
        self._int_constants: dict[tuple[Any, ...], str] = {}

    # --- names -------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        """A name not used yet in the graph, ``hint`` itself when free."""
        name, n = hint, 1
        while name in self._used:
            name = f"{hint}_{n}"
            n += 1
        self._used.add(name)
        return name

    def bind(self, key: Key, name: str) -> None:
        """Say that ``name`` holds the value ``key``."""
        self.values[key] = name
        self._used.add(name)

    def is_used(self, name: str) -> bool:
        """Whether ``name`` names something in the graph already."""
        return name in self._used

    def made_by_node(self, name: str) -> bool:
        """Whether a node of the graph outputs ``name``."""
        return any(name in node.output for node in self.nodes)

    def rename(self, old: str, new: str) -> None:
        """Call the value ``old`` ``new`` wherever a node makes or uses it."""
        for node in self.nodes:
            for values in (node.input, node.output):
                for i, value in enumerate(values):
                    if value == old:
                        values[i] = new
        self._used.add(new)

    def identity(self, source: str, name: str) -> None:
        """Copy ``source`` to a new value ``name`` with an ``Identity`` node."""
        self._used.add(name)
        self.nodes.append(self.onnx.helper.make_node(
            "Identity", [source], [name], name=self.fresh(f"/{name}/Identity")))

    # --- initializers ------------------------------------------------------------------
    def initializer(self, array: Any, hint: str) -> str:
        """Add ``array`` (a NumPy array) as an initializer; return its name."""
        name = self.fresh(hint)
        values = numpy.asarray(array, order="C")  # ascontiguousarray would make 0-d 1-d
        self.initializers.append(self.onnx.numpy_helper.from_array(values, name))
        return name

    def constant_tensor(self, t: Tensor, key: Key, version: int, hint: str) -> str:
        """The initializer holding the constant tensor ``t``, the value ``key`` that it held
        at ``version`` (made once per value)."""
        name = self.values.get(key)
        if name is None:
            name = self.initializer(self.constant_value(t, version),
                                    self.parameter_names.get(id(t), hint))
            self.values[key] = name
        return name

    @staticmethod
    def constant_value(t: Tensor, version: int) -> Any:
        """The NumPy value of the constant ``t``, checked to be the one it had at
        ``version``."""
        if t._version != version:
            raise RuntimeError(
                f"export: a constant tensor of shape {t.shape} that the model used was "
                "changed in place afterwards while the model ran; the exported graph would "
                "hold its new values instead of those the model used"
            )
        return t.detach().numpy()

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 initializer holding ``values`` (shared by equal requests)."""
        items = tuple(int(v) for v in values)
        name = self._int_constants.get(items)
        if name is None:
            name = self.initializer(numpy.asarray(items, dtype=numpy.int64), "ints")
            self._int_constants[items] = name
        return name

    def scalar(self, value: Any, dtype: Any) -> str:
        """A 0-d initializer of ``dtype`` holding ``value``."""
        key = ("scalar", numpy.dtype(dtype).str, repr(value))
        name = self._int_constants.get(key)
        if name is None:
            name = self.initializer(numpy.asarray(value, dtype=dtype), "scalar")
            self._int_constants[key] = name
        return name

    # --- nodes ---------------------------------------------------------------------------
    def node(self, op_type: str, inputs: Sequence[str], scope: str = "", outputs: int = 1,
             **attributes: Any) -> list[str]:
        """Add one node; return the names of its ``outputs`` outputs."""
        name = self.fresh(f"/{scope}/{op_type}" if scope else f"/{op_type}")
        out = [self.fresh(f"{name}_output_{i}") for i in range(outputs)]
        kept = {k: v for k, v in attributes.items() if v is not None}
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), out, name=name,
                                                     **kept))
        return out

    def dtype_code(self, dtype: Any) -> int:
        """ONNX's code (``TensorProto.FLOAT``...) for a NumPy dtype."""
        code: int = self.onnx.helper.np_dtype_to_tensor_dtype(numpy.dtype(dtype))
        return code


class CallView:
    """One recorded op call, as its converter sees it.

    Attributes
    ----------
    attrs : dict
        The keyword attributes the op was called with.
    call : Call
        The recorded call (Function class, tensors, keys).
    """

    def __init__(self, builder: GraphBuilder, call: Call, dynamic: set[Key]) -> None:
        self.builder = builder
        self.call = call
        self.attrs = call.attrs
        self._dynamic = dynamic

    @property
    def opset(self) -> int:
        """The target ``ai.onnx`` opset."""
        return self.builder.opset

    @property
    def n_inputs(self) -> int:
        """How many tensors the op took."""
        return len(self.call.inputs)

    def is_constant(self, i: int) -> bool:
        """Whether input ``i`` does not depend on the graph's inputs."""
        return self.call.input_keys[i] not in self._dynamic

    def input(self, i: int) -> str:
        """The ONNX name of input ``i`` (a constant becomes an initializer)."""
        key = self.call.input_keys[i]
        if key in self._dynamic:
            return self.value_name(key)
        hint = f"/{self.call.module}/{self.call.function.__name__}" if self.call.module else (
            f"/{self.call.function.__name__}")
        return self.builder.constant_tensor(self.call.inputs[i], key,
                                            self.call.input_versions[i], f"{hint}.input_{i}")

    def value(self, i: int) -> numpy.ndarray[Any, Any]:
        """The NumPy value of constant input ``i``."""
        if not self.is_constant(i):
            raise self.unsupported(f"its input {i} must not depend on the model's inputs")
        values: numpy.ndarray[Any, Any] = numpy.asarray(
            self.builder.constant_value(self.call.inputs[i], self.call.input_versions[i]))
        return values

    def value_name(self, key: Key) -> str:
        """The ONNX name of a value computed from the graph's inputs."""
        name = self.builder.values.get(key)
        if name is None:
            why = self.builder.missing.get(key, "it was not computed by an exported op")
            raise self.unsupported(f"one of its inputs has no ONNX form: {why}")
        return name

    def array_name(self, array: Any) -> str | None:
        """The ONNX name of an array attribute that holds a value computed from the graph's
        inputs (an index tensor), or None for a constant array."""
        key = self.call.array_keys.get(id(array))
        return None if key is None else self.value_name(key)

    def shape(self, i: int) -> tuple[int, ...]:
        """Shape of input ``i``."""
        return tuple(self.call.inputs[i].shape)

    def dtype(self, i: int) -> numpy.dtype[Any]:
        """Dtype of input ``i``."""
        return numpy.dtype(self.call.inputs[i].dtype)

    def out_shape(self, j: int = 0) -> tuple[int, ...]:
        """Shape of output ``j``."""
        return tuple(self.call.outputs[j].shape)

    def out_dtype(self, j: int = 0) -> numpy.dtype[Any]:
        """Dtype of output ``j``."""
        return numpy.dtype(self.call.outputs[j].dtype)

    def output_value(self, j: int = 0) -> numpy.ndarray[Any, Any]:
        """What output ``j`` held when the model ran (for checks)."""
        values: numpy.ndarray[Any, Any] = self.call.outputs[j].detach().numpy()
        return values

    def node(self, op_type: str, *inputs: str, outputs: int = 1, **attributes: Any) -> str:
        """Add a node named after the module that made the op; return its first output."""
        return self.nodes(op_type, *inputs, outputs=outputs, **attributes)[0]

    def nodes(self, op_type: str, *inputs: str, outputs: int = 1, **attributes: Any
              ) -> list[str]:
        """Add a node; return all its outputs."""
        return self.builder.node(op_type, inputs, self.call.module, outputs, **attributes)

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 initializer."""
        return self.builder.ints(values)

    def scalar(self, value: Any, dtype: Any) -> str:
        """A 0-d initializer of ``dtype``."""
        return self.builder.scalar(value, dtype)

    def constant(self, array: Any, hint: str = "constant") -> str:
        """An initializer holding ``array``."""
        scope = f"/{self.call.module}" if self.call.module else ""
        return self.builder.initializer(array, f"{scope}/{self.call.function.__name__}.{hint}")

    def cast(self, name: str, dtype: Any) -> str:
        """``name`` converted to ``dtype``."""
        return self.node("Cast", name, to=self.builder.dtype_code(dtype))

    def reduce(self, op_type: str, name: str, axes: Sequence[int], keepdims: bool) -> str:
        """``ReduceSum``/``ReduceMax``/... over ``axes``: the axes are an input from opset
        13 (ReduceSum) or 18 (the others), an attribute before."""
        axes = [int(a) for a in axes]
        as_input = self.opset >= (13 if op_type == "ReduceSum" else 18)
        if not axes:
            return self.node(op_type, name, keepdims=int(keepdims))
        if as_input:
            return self.node(op_type, name, self.ints(axes), keepdims=int(keepdims))
        return self.node(op_type, name, axes=axes, keepdims=int(keepdims))

    def unsupported(self, why: str) -> UnsupportedOperatorError:
        """The error for this op: names the op, its Function class and ``why``."""
        function = self.call.function
        return UnsupportedOperatorError(
            f"export: the op {op_names(function)!r} (Function "
            f"{function.__module__}.{function.__qualname__}) can't be exported to ONNX: {why}"
        )
