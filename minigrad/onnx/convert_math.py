"""Converters of elementwise ops, activations, comparisons, reductions and matrix products.

Each converter takes a :class:`~minigrad.onnx.builder.CallView` and returns the ONNX
names of the op's outputs. The minigrad ops were given operands of one dtype already
(:func:`~minigrad.functional.operands.as_operands`), except comparisons, which NumPy
compares across kinds; those are cast here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy

from minigrad.onnx.builder import CallView

__all__ = [
    "UNARY", "arg_extremum", "binary", "cast", "clamp", "extremum", "linear",
    "log_sigmoid", "logical", "move", "piecewise_constant", "prod", "select", "softmax",
    "sum_", "ufunc", "unary", "where",
]

UNARY = {
    "Relu": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Erf": "Erf", "Exp": "Exp",
    "Sqrt": "Sqrt", "Sin": "Sin", "Cos": "Cos", "Neg": "Neg", "Abs": "Abs",
}
"""Function classes that are one ONNX op of one input (by class name)."""


def unary(v: CallView) -> str:
    """``Relu``, ``Tanh``, ``Exp``...: the ONNX op of the same meaning."""
    return v.node(UNARY[v.call.function.__name__], v.input(0))


def log(v: CallView) -> str:
    """``Log``; log2 and log10 (``base``) divide it by ``ln(base)``, as minigrad does."""
    out = v.node("Log", v.input(0))
    base = float(v.attrs.get("base", 0.0))
    if base == 0.0:
        return out
    return v.node("Div", out, v.scalar(numpy.log(base), v.out_dtype()))


def expm1(v: CallView) -> str:
    """``exp(x) - 1``."""
    return v.node("Sub", v.node("Exp", v.input(0)), v.scalar(1, v.dtype(0)))


def log1p(v: CallView) -> str:
    """``log(1 + x)``."""
    return v.node("Log", v.node("Add", v.input(0), v.scalar(1, v.dtype(0))))


def log_sigmoid(v: CallView) -> str:
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return v.node("Neg", v.node("Softplus", v.node("Neg", v.input(0))))


def piecewise_constant(v: CallView) -> str:
    """floor, ceil, round (half to even, as NumPy), sign and trunc."""
    mode = v.attrs.get("mode", "floor")
    x = v.input(0)
    ops = {"floor": "Floor", "ceil": "Ceil", "round": "Round", "rint": "Round",
           "sign": "Sign"}
    if mode in ops:
        return v.node(ops[mode], x)
    if mode in ("trunc", "fix"):
        return v.node("Mul", v.node("Sign", x), v.node("Floor", v.node("Abs", x)))
    raise v.unsupported(f"rounding mode {mode!r} has no ONNX form")


_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow"}


def binary(v: CallView) -> str:
    """``+ - * / **`` with NumPy broadcasting, which ONNX shares; a rounded division."""
    rounding = v.attrs.get("rounding_mode")
    if rounding == "floor":
        return _floor_divide(v, [v.input(0), v.input(1)])
    if rounding == "trunc" and v.out_dtype().kind == "f":
        quotient = v.node("Div", v.input(0), v.input(1))
        return v.node("Mul", v.node("Sign", quotient), v.node("Floor", v.node("Abs", quotient)))
    # ONNX's integer Div rounds toward zero already
    return v.node(_BINARY[v.call.function.__name__], v.input(0), v.input(1))


def select(v: CallView) -> str:
    """maximum / minimum."""
    return v.node("Max" if v.attrs.get("largest", True) else "Min", v.input(0), v.input(1))


def where(v: CallView) -> str:
    """``where(condition, a, b)``."""
    return v.node("Where", v.input(0), v.input(1), v.input(2))


def clamp(v: CallView) -> str:
    """``Clip`` with the bounds given (empty names for the missing ones)."""
    dtype = v.dtype(0)
    low, high = v.attrs.get("min"), v.attrs.get("max")
    bounds = ["" if b is None else v.scalar(b, dtype) for b in (low, high)]
    while bounds and bounds[-1] == "":
        bounds.pop()
    return v.node("Clip", v.input(0), *bounds)


def hardtanh(v: CallView) -> str:
    """``Clip`` between ``low`` and ``high``."""
    dtype = v.dtype(0)
    return v.node("Clip", v.input(0), v.scalar(v.attrs.get("low", -1.0), dtype),
                  v.scalar(v.attrs.get("high", 1.0), dtype))


def silu(v: CallView) -> str:
    """``x * sigmoid(x)``."""
    x = v.input(0)
    return v.node("Mul", x, v.node("Sigmoid", x))


def remainder(v: CallView) -> str:
    """Python's remainder (the sign of the divisor): ``Mod`` for integers; for floats
    ``fmod``, moved by the divisor where the signs differ."""
    a, b = v.input(0), v.input(1)
    dtype = v.dtype(0)
    if numpy.dtype(dtype).kind != "f":
        return v.node("Mod", a, b)
    r = v.node("Mod", a, b, fmod=1)
    zero = v.scalar(0, dtype)
    signs_differ = v.node("Xor", v.node("Less", r, zero), v.node("Less", b, zero))
    move = v.node("And", v.node("Not", v.node("Equal", r, zero)), signs_differ)
    return v.node("Where", move, v.node("Add", r, b), r)


def softmax(v: CallView) -> str:
    """Softmax / LogSoftmax along ``dim`` (opset 13 and later normalise one axis)."""
    op_type = "Softmax" if v.call.function.__name__ == "Softmax" else "LogSoftmax"
    return v.node(op_type, v.input(0), axis=int(v.attrs.get("dim", -1)))


def cast(v: CallView) -> str:
    """``Cast`` to the output's dtype."""
    return v.cast(v.input(0), v.out_dtype())


def move(v: CallView) -> str:
    """A move between backends is the identity in a graph."""
    return v.node("Identity", v.input(0))


# --- comparisons and logic ------------------------------------------------------------------
def _common_operands(v: CallView) -> list[str]:
    """The operands in one dtype, as NumPy compares them: a constant is converted to the
    other operand's dtype when that keeps its value exactly, else both go to NumPy's
    common dtype."""
    if v.n_inputs == 1:
        return [v.input(0)]
    dtypes = [v.dtype(0), v.dtype(1)]
    if dtypes[0] == dtypes[1]:
        return [v.input(0), v.input(1)]
    for c, other in ((1, 0), (0, 1)):
        if v.is_constant(c) and not v.is_constant(other):
            value = v.value(c)
            converted = value.astype(dtypes[other])
            if numpy.array_equal(converted.astype(value.dtype), value, equal_nan=True):
                names = [v.input(other), v.constant(converted, f"operand_{c}")]
                return names if other == 0 else names[::-1]
    common = numpy.result_type(*dtypes)
    return [v.input(i) if dtypes[i] == common else v.cast(v.input(i), common) for i in (0, 1)]


_COMPARISONS = {"equal": "Equal", "less": "Less", "less_equal": "LessOrEqual",
                "greater": "Greater", "greater_equal": "GreaterOrEqual"}
_LOGIC = {"bitwise_and": ("And", "BitwiseAnd"), "bitwise_or": ("Or", "BitwiseOr"),
          "bitwise_xor": ("Xor", "BitwiseXor")}


def ufunc(v: CallView) -> str:
    """Comparisons, value tests, logic and floor division (NumPy ufuncs by name)."""
    name = v.attrs.get("name", "")
    operands = _common_operands(v)
    if name in _COMPARISONS:
        return v.node(_COMPARISONS[name], *operands)
    if name == "not_equal":
        return v.node("Not", v.node("Equal", *operands))
    x = operands[0]
    if name == "isnan":
        return v.node("IsNaN", x)
    if name == "isinf":
        return v.node("IsInf", x)
    if name == "isfinite":
        return v.node("Not", v.node("Or", v.node("IsNaN", x), v.node("IsInf", x)))
    if name == "logical_not":
        return v.node("Not", x if v.dtype(0).kind == "b" else v.cast(x, bool))
    is_bool = v.dtype(0).kind == "b"
    if name == "invert" and is_bool:
        return v.node("Not", x)
    if name in _LOGIC and is_bool:
        return v.node(_LOGIC[name][0], *operands)
    if name == "invert" or name in _LOGIC:
        if v.opset < 18:
            raise v.unsupported(f"bitwise {name} of integers needs opset 18 or later")
        return v.node("BitwiseNot" if name == "invert" else _LOGIC[name][1], *operands)
    if name == "floor_divide":
        return _floor_divide(v, operands)
    raise v.unsupported(f"the NumPy ufunc {name!r} has no ONNX form here")


def _floor_divide(v: CallView, operands: list[str]) -> str:
    dtype = v.out_dtype()
    if dtype.kind == "f":
        return v.node("Floor", v.node("Div", *operands))
    # integers round toward minus infinity, ONNX's integer Div toward zero: divide in
    # float64, exact for the integers minigrad models use (below 2**53)
    wide = [v.cast(name, numpy.float64) for name in operands]
    return v.cast(v.node("Floor", v.node("Div", *wide)), dtype)


# --- reductions ----------------------------------------------------------------------------
def sum_(v: CallView) -> str:
    """``ReduceSum`` over ``axes``."""
    return v.reduce("ReduceSum", v.input(0), v.attrs.get("axes", ()),
                    bool(v.attrs.get("keepdim", False)))


def log_sum_exp(v: CallView) -> str:
    """``ReduceLogSumExp`` over ``axes``."""
    return v.reduce("ReduceLogSumExp", v.input(0), v.attrs.get("axes", ()),
                    bool(v.attrs.get("keepdim", False)))


def extremum(v: CallView) -> str:
    """amax / amin."""
    op_type = "ReduceMax" if v.attrs.get("largest", True) else "ReduceMin"
    return v.reduce(op_type, v.input(0), v.attrs.get("axes", ()),
                    bool(v.attrs.get("keepdim", False)))


def prod(v: CallView) -> str:
    """Product along one axis."""
    return v.reduce("ReduceProd", v.input(0), [v.attrs.get("axis", 0)],
                    bool(v.attrs.get("keepdim", False)))


def arg_extremum(v: CallView) -> str:
    """argmax / argmin; ties go to the first index, as in NumPy."""
    op_type = "ArgMax" if v.attrs.get("largest", True) else "ArgMin"
    dim, keepdim = v.attrs.get("dim"), bool(v.attrs.get("keepdim", False))
    if dim is not None:
        return v.node(op_type, v.input(0), axis=int(dim), keepdims=int(keepdim))
    flat = v.node("Reshape", v.input(0), v.ints([-1]))
    index = v.node(op_type, flat, axis=0, keepdims=0)
    return v.node("Reshape", index, v.ints(v.out_shape())) if keepdim else index


def logical(v: CallView) -> str:
    """any / all: a maximum / minimum of the elements as 0/1 integers."""
    flags = v.cast(v.input(0) if v.dtype(0).kind == "b" else v.cast(v.input(0), bool),
                   numpy.int32)
    op_type = "ReduceMin" if v.attrs.get("every", False) else "ReduceMax"
    reduced = v.reduce(op_type, flags, v.attrs.get("axes", ()),
                       bool(v.attrs.get("keepdim", False)))
    return v.cast(reduced, bool)


# --- matrix products ----------------------------------------------------------------------
def matmul(v: CallView) -> str:
    """``MatMul`` (NumPy's matmul rules, vectors included)."""
    return v.node("MatMul", v.input(0), v.input(1))


def linear(v: CallView) -> str:
    """``x @ W.T + b``: one ``Gemm`` for 2-D inputs, else ``MatMul`` and ``Add``."""
    x, weight = v.input(0), v.input(1)
    bias = v.input(2) if v.n_inputs > 2 else None
    if len(v.shape(0)) == 2:
        return v.node("Gemm", x, weight, *([bias] if bias else []), transB=1)
    out = v.node("MatMul", x, v.node("Transpose", weight, perm=[1, 0]))
    return v.node("Add", out, bias) if bias else out


Converter = Callable[[CallView], str]
