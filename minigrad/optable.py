"""The op table: the one place where every op is declared.

An op is a :class:`~minigrad.autograd.Function` class (or a few, for ops whose gradients
are ops of their own) plus one row, written as a decorator on the op's public function::

    @op("tanh", Tanh, method=True, torch=True, functional=True,
        samples=[S((2, 3)), S((4,), transposed=True)], reference=numpy.tanh)
    def tanh(input: Tensor) -> Tensor:
        return Tanh.apply(input)

The row says which public forms the function has (``Tensor`` methods, reflected operators,
in-place variants, names in ``minigrad`` and in ``minigrad.nn.functional``), gives sample
arguments and a NumPy reference. From the table, :func:`bind` attaches the methods to
``Tensor``, :func:`namespace` fills the two module namespaces, the API pages of the docs
list the ops, and one generic test runs every sample on every backend: forward against the
reference, gradients against finite differences to second order, float32, non-contiguous
inputs, and the method form against the function form.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["Arg", "OpDef", "S", "Sample", "SampleUnavailable", "TABLE", "bind", "namespace",
           "op", "write_stub"]

Fn = TypeVar("Fn", bound=Callable[..., Any])


@dataclass(frozen=True)
class Arg:
    """How a sample makes one tensor argument.

    Parameters
    ----------
    shape : tuple of int
        Its shape.
    kind : str
        ``"normal"`` (standard normal), ``"positive"`` (uniform in [0.5, 2]),
        ``"unit"`` (uniform in (-0.9, 0.9)), ``"unit_positive"`` (uniform in (0.05, 0.95)),
        ``"nonzero"`` (normal pushed away from 0),
        ``"int"`` (integers in ``[0, high)``), ``"bool"`` (random booleans) or
        ``"values"`` (exactly ``values``).
    requires_grad : bool
        Whether gradients are checked for it (floating kinds only).
    high : int
        Upper bound (exclusive) of ``"int"`` arguments.
    values : object
        The data of a ``"values"`` argument (nested lists), kept in its own dtype.
    transposed : bool
        Store it non-contiguously (a transposed array), to exercise strided inputs.
    """

    shape: tuple[int, ...] = ()
    kind: str = "normal"
    requires_grad: bool = True
    high: int = 2
    values: Any = None
    transposed: bool = False

    @property
    def floating(self) -> bool:
        """Whether the argument is a floating tensor (and so can carry a gradient)."""
        return self.kind in ("normal", "positive", "unit", "unit_positive", "nonzero") or (
            self.kind == "values" and isinstance(_first(self.values), float))


def _first(values: Any) -> Any:
    while isinstance(values, (list, tuple)) and values:
        values = values[0]
    return values


@dataclass(frozen=True)
class Sample:
    """One call of an op: ``fn(*args, **kwargs)`` with the :class:`Arg` entries of
    ``args`` made into tensors.

    ``call`` replaces the plain call when an op needs its arguments arranged
    (``call(fn, *args, **kwargs)``); ``note`` names the case in test ids.
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    call: Callable[..., Any] | None = None
    note: str = ""
    grad: bool = True  # False at points where the gradient is not defined (ties, kinks)
    gradgrad: bool = True


def S(*args: Any, call: Callable[..., Any] | None = None, note: str = "", grad: bool = True,
      gradgrad: bool = True, **kwargs: Any) -> Sample:
    """A sample: a tuple of ints in ``args`` is the shape of a standard-normal float
    tensor, an :class:`Arg` says more, anything else is passed as it is (so sizes that are
    not tensors are written as lists: ``kernel_size=[2, 3]``). ``transposed=True`` (or
    ``positive=True``) applies to every shape argument. ``grad=False`` (``gradgrad=False``)
    leaves a sample out of the (second-order) gradient checks: at a tie or a kink the
    derivative is not defined and finite differences pick a side."""
    transposed = bool(kwargs.pop("transposed", False))
    kind = "positive" if kwargs.pop("positive", False) else "normal"
    made = tuple(Arg(a, kind=kind, transposed=transposed) if _is_shape(a) else a for a in args)
    label = note or ", ".join(str(a.shape if isinstance(a, Arg) else a) for a in made)
    return Sample(made, kwargs, call, label, grad, grad and gradgrad)


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(n, int) for n in value)


class SampleUnavailable(Exception):
    """A row's samples can't run on this machine (the generic tests skip, saying why)."""


@dataclass
class OpDef:
    """One row of the table: an op's public forms, samples and reference."""

    name: str
    function: Callable[..., Any]
    nodes: tuple[type, ...]
    methods: tuple[str, ...] = ()
    reflected: tuple[str, ...] = ()
    inplace: tuple[str, ...] = ()
    torch: tuple[str, ...] = ()
    functional: tuple[str, ...] = ()
    samples: tuple[Sample, ...] = ()
    reference: Callable[..., Any] | None = None
    differentiable: bool = True
    tolerances: dict[str, float] = field(default_factory=dict)
    method_form: Callable[..., Any] | None = None  # when the method's arguments differ
    context: Callable[[], AbstractContextManager[Any]] | None = None  # what the samples need

    @property
    def category(self) -> str:
        """The module the op lives in (``"activation"``, ``"conv"``...)."""
        return self.function.__module__.rsplit(".", 1)[-1]


TABLE: dict[str, OpDef] = {}
_bound: list[tuple[type, Callable[[Callable[..., Any]], Callable[..., Any]]]] = []


def _names(value: bool | str | Sequence[str], name: str) -> tuple[str, ...]:
    if value is True:
        return (name,)
    if value is False:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def op(
    name: str,
    *nodes: type,
    method: bool | str | Sequence[str] = False,
    reflected: str | Sequence[str] = (),
    inplace: str | Sequence[str] = (),
    torch: bool | str | Sequence[str] = False,
    functional: bool | str | Sequence[str] = False,
    samples: Sequence[Sample] = (),
    reference: Callable[..., Any] | None = None,
    differentiable: bool = True,
    tolerances: dict[str, float] | None = None,
    method_form: Callable[..., Any] | None = None,
    context: Callable[[], AbstractContextManager[Any]] | None = None,
) -> Callable[[Fn], Fn]:
    """Declare the decorated function as the op ``name`` (a row of :data:`TABLE`).

    Parameters
    ----------
    name : str
        The op's name (unique).
    *nodes : Function classes
        The graph nodes this op creates, its gradients included (each Function in
        minigrad belongs to exactly one row).
    method, torch, functional : bool, str or sequence of str
        ``Tensor`` method names, ``minigrad.<name>`` names and
        ``minigrad.nn.functional.<name>`` names; ``True`` means ``name`` itself.
    reflected : str or sequence of str
        Operator methods called with the operands swapped (``__radd__``).
    inplace : str or sequence of str
        In-place method names (``add_``, ``__iadd__``): the result is written into
        ``self``.
    samples : sequence of Sample
        Arguments the generic tests call the op with.
    reference : callable, optional
        NumPy implementation taking the samples' arguments as arrays.
    differentiable : bool
        ``False`` for ops without gradients (their samples are only checked forward).
    tolerances : dict, optional
        ``eps``/``atol``/``rtol`` for gradcheck, ``ref_rtol``/``ref_atol`` for the
        reference comparison.
    method_form : callable, optional
        What the methods call, when it differs from the function (``Tensor.where(cond,
        other)`` versus ``where(cond, input, other)``).
    context : callable, optional
        A context manager the generic tests run the samples inside (a process group for
        collectives); it raises :class:`SampleUnavailable` when this machine can't.
    """

    def register(fn: Fn) -> Fn:
        known = TABLE.get(name)
        if known is not None and (known.function.__module__, known.function.__qualname__) != (
                fn.__module__, fn.__qualname__):  # the same op again is a module reload
            raise ValueError(f"op {name!r} is declared twice ({known.function} and {fn})")
        row = TABLE[name] = OpDef(
            name, fn, tuple(nodes), _names(method, name), _names(reflected, name),
            _names(inplace, name), _names(torch, name), _names(functional, name),
            tuple(samples), reference, differentiable, dict(tolerances or {}), method_form,
            context,
        )
        for tensor_type, in_place in _bound:  # an op declared after import (a user's own)
            _bind_row(row, tensor_type, in_place)
        return fn

    return register


def _reflected(fn: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, other: Any) -> Any:
        return fn(other, self)

    method.__doc__ = fn.__doc__
    return method


def bind(tensor_type: type, in_place: Callable[[Callable[..., Any]], Callable[..., Any]]
         ) -> None:
    """Attach every row's methods to ``tensor_type``.

    ``in_place(fn)`` returns the in-place method for an op function (it computes
    ``fn(self, ...)`` and writes the result into ``self``).
    """
    for row in TABLE.values():
        _bind_row(row, tensor_type, in_place)
    _bound.append((tensor_type, in_place))


def _bind_row(row: OpDef, tensor_type: type,
              in_place: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    for name in row.methods:
        setattr(tensor_type, name, row.method_form or row.function)
    for name in row.reflected:
        setattr(tensor_type, name, _reflected(row.function))
    for name in row.inplace:
        setattr(tensor_type, name, in_place(row.function))


def namespace(kind: str) -> dict[str, Callable[..., Any]]:
    """The functions of one public namespace: ``"torch"`` (``minigrad``) or
    ``"functional"`` (``minigrad.nn.functional``)."""
    found: dict[str, Callable[..., Any]] = {}
    for row in TABLE.values():
        for name in getattr(row, kind):
            found[name] = row.function
    return found


# --- the typing stub of the bound methods ---------------------------------------------------
STUB = Path(__file__).with_name("_tensor_methods.pyi")
_STUB_HEADER = '''"""Typing stub of the Tensor methods bound from the op table (generated).

Regenerate with ``python -m minigrad.optable`` after adding or changing an op.
"""

import builtins
from collections.abc import Sequence
from typing import Any

from minigrad.tensor import Tensor
from minigrad.types import {aliases}

class TensorMethods:
'''
_KNOWN_NAMES = {"Sequence", "Any", "Tensor", "Array", "Dims", "IntOrPair", "Pair", "Scalar",
                "Shape", "ValuesIndices", "None", "bool", "int", "float", "str", "tuple",
                "list", "dict", "object"}


def _annotation(text: Any, where: str) -> str:
    words = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", str(text))
    unknown = [w for w in words if w not in _KNOWN_NAMES]
    if text is inspect.Parameter.empty or unknown:
        raise TypeError(
            f"{where}: the Tensor method stub needs annotations made of the aliases of "
            f"minigrad.types and builtins, got {text!r}"
        )
    # the stub class has methods named bool, int, float: builtins are spelled out
    return re.sub(r"\b(bool|int|float|str|tuple|list|dict|object)\b", r"builtins.\1", str(text))


def _method_stub(name: str, fn: Callable[..., Any], swap: bool = False,
                 returns: str | None = None) -> str:
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    where = f"op function {fn.__module__}.{fn.__name__}"
    # __radd__(self, other) calls fn(other, self): other takes the first parameter's type
    params = [params[0].replace(name="other")] if swap else params[1:]
    if name.startswith("__"):  # an operator passes its operands, never keywords
        params = [p for p in params if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)]
    parts = ["self"]
    keyword_only = False
    for p in params:
        kind = p.kind
        if kind is p.KEYWORD_ONLY and not keyword_only:
            parts.append("*")
            keyword_only = True
        prefix = "*" if kind is p.VAR_POSITIONAL else "**" if kind is p.VAR_KEYWORD else ""
        keyword_only = keyword_only or kind is p.VAR_POSITIONAL
        default = "" if p.default is p.empty else " = ..."
        parts.append(f"{prefix}{p.name}: {_annotation(p.annotation, where)}{default}")
    result = returns or _annotation(signature.return_annotation, where)
    return f"    def {name}({', '.join(parts)}) -> {result}: ...\n"


def _own_rows() -> list[OpDef]:
    """minigrad's rows: a user's op (a docs page, ``examples/custom_op.py``) declared in
    this process does not go into the package's stubs."""
    return [row for row in TABLE.values() if row.function.__module__.startswith("minigrad.")]


def stub_text() -> str:
    """The text of the typing stub for the current table."""
    lines: dict[str, str] = {}
    for row in _own_rows():
        for name in row.methods:
            lines[name] = _method_stub(name, row.method_form or row.function)
        for name in row.reflected:
            lines[name] = _method_stub(name, row.function, swap=True)
        for name in row.inplace:
            lines[name] = _method_stub(name, row.function, returns="Tensor")
    body = "".join(lines[name] for name in sorted(lines))
    aliases = sorted(n for n in ("Array", "Dims", "IntOrPair", "Pair", "Scalar", "Shape",
                                 "ValuesIndices") if re.search(rf"\b{n}\b", body))
    return _STUB_HEADER.format(aliases=", ".join(aliases)) + body


FUNCTIONAL_STUB = Path(__file__).with_name("nn") / "functional.pyi"


def functional_stub_text() -> str:
    """The typing stub of ``minigrad.nn.functional``: one re-export per name."""
    lines = ['"""Typing stub of minigrad.nn.functional, from the op table (generated: do not '
             'edit).\n\nRegenerate with ``python -m minigrad.optable``.\n"""\n\n']
    names = {name: fn for name, fn in namespace("functional").items()
             if fn.__module__.startswith("minigrad.")}
    for name in sorted(names, key=lambda n: (names[n].__module__, n)):  # isort's order
        fn = names[name]
        line = f"from {fn.__module__} import {fn.__name__} as {name}\n"
        if len(line) > 101:  # wrapped as ruff (isort) wraps it
            line = f"from {fn.__module__} import (\n    {fn.__name__} as {name},\n)\n"
        lines.append(line)
    listed = ", ".join(f'"{n}"' for n in sorted(names))
    lines.append(f"\n__all__ = [{listed}]\n")
    return "".join(lines)


def write_stub() -> list[Path]:
    """Write the typing stubs (:data:`STUB`, :data:`FUNCTIONAL_STUB`) for the current
    table and return their paths."""
    STUB.write_text(stub_text())
    FUNCTIONAL_STUB.write_text(functional_stub_text())
    return [STUB, FUNCTIONAL_STUB]


if __name__ == "__main__":
    import minigrad.optable  # the table that importing minigrad fills, not this __main__

    for written in minigrad.optable.write_stub():
        print(f"wrote {written}")
