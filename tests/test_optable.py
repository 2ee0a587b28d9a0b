"""The op table's generic tests: every sample of every op, on every backend.

For each row of :data:`minigrad.optable.TABLE` and each of its samples: the forward pass
against the row's NumPy reference (float64 and float32), gradients against finite
differences to first and second order (float64), non-contiguous inputs, and the Tensor
methods, reflected operators and in-place forms against the function. Plus the registry
check: every ``Function`` in minigrad belongs to a row, and every row's samples really
exercise the nodes it declares.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import numpy
import pytest

import minigrad
from minigrad.autograd import Function
from minigrad.optable import TABLE, Arg, OpDef, Sample, SampleUnavailable, stub_text
from minigrad.testing import gradcheck, gradgradcheck

ROWS = list(TABLE.values())
CASES = [pytest.param(row, i, id=f"{row.name}-{i}")
         for row in ROWS for i in range(len(row.samples))]
GRAD_CASES = [pytest.param(row, i, id=f"{row.name}-{i}") for row in ROWS if row.differentiable
              for i, sample in enumerate(row.samples) if sample.grad]
GRADGRAD_CASES = [pytest.param(row, i, id=f"{row.name}-{i}") for row in ROWS
                  if row.differentiable for i, sample in enumerate(row.samples) if sample.gradgrad]


# --- making a sample's arguments ---------------------------------------------------------
def _values(arg: Arg, rng: numpy.random.Generator) -> numpy.ndarray[Any, Any]:
    shape = arg.shape
    if arg.kind == "values":
        return numpy.asarray(arg.values)
    if arg.kind == "int":
        return rng.integers(0, arg.high, size=shape).astype(numpy.int64)
    if arg.kind == "bool":
        return rng.random(shape) > 0.5
    if arg.kind == "positive":
        return rng.uniform(0.5, 2.0, size=shape)
    if arg.kind == "unit":
        return rng.uniform(-0.9, 0.9, size=shape)
    if arg.kind == "unit_positive":
        return rng.uniform(0.05, 0.95, size=shape)
    values = rng.standard_normal(shape)
    if arg.kind == "nonzero":
        values += numpy.sign(values) * 0.5
    return values


def _tensor(arg: Arg, host: numpy.ndarray[Any, Any], dtype: Any, transposed: bool
            ) -> minigrad.Tensor:
    floating = host.dtype.kind == "f"
    if floating:
        host = host.astype(dtype)
    if transposed and host.ndim >= 2:
        t = minigrad.tensor(numpy.ascontiguousarray(host.T)).T  # same values, strided
    else:
        t = minigrad.tensor(host)
    t = t.detach()
    return t.requires_grad_() if floating and arg.requires_grad else t


def make(sample: Sample, dtype: Any = numpy.float64, transposed: bool | None = None,
         ) -> tuple[list[Any], dict[str, Any], list[Any], dict[str, Any]]:
    """Tensor arguments and NumPy arguments (the same values) for a sample."""
    rng = numpy.random.default_rng(abs(hash(sample.note)) % 2**32)

    def one(a: Any) -> tuple[Any, Any]:
        if isinstance(a, Arg):
            host = _values(a, rng)
            t = _tensor(a, host, dtype, a.transposed if transposed is None else transposed)
            return t, t.detach().numpy().astype(numpy.float64 if host.dtype.kind == "f"
                                                else host.dtype)
        if isinstance(a, (list, tuple)) and any(isinstance(x, Arg) for x in a):
            made = [one(x) for x in a]
            return type(a)(m[0] for m in made), type(a)(m[1] for m in made)
        return a, a

    args, np_args = zip(*[one(a) for a in sample.args]) if sample.args else ((), ())
    made = {k: one(v) for k, v in sample.kwargs.items()}
    kwargs = {k: v[0] for k, v in made.items()}
    np_kwargs = {k: v[1] for k, v in made.items()}
    return list(args), kwargs, list(np_args), np_kwargs


def call(fn: Callable[..., Any], sample: Sample, args: list[Any], kwargs: dict[str, Any]
         ) -> Any:
    if sample.call is not None:
        return sample.call(fn, *args, **kwargs)
    return fn(*args, **kwargs)


def _outputs(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _compare(got: Any, expected: Any, rtol: float, atol: float) -> None:
    for g, e in zip(_outputs(got), _outputs(expected), strict=True):
        if isinstance(g, minigrad.Tensor):
            g = g.detach().numpy()
        numpy.testing.assert_allclose(numpy.asarray(g, dtype=numpy.float64),
                                      numpy.asarray(e, dtype=numpy.float64),
                                      rtol=rtol, atol=atol, equal_nan=True)


@pytest.fixture
def inside(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run the test inside the row's context (a process group...), or skip saying why."""
    row = request.node.callspec.params["row"]
    if row.context is None:
        yield
        return
    try:
        with row.context():
            yield
    except SampleUnavailable as why:
        pytest.skip(f"{row.name}: {why}")


# --- the generic tests ----------------------------------------------------------------------
@pytest.mark.parametrize(("row", "index"), CASES)
def test_forward_matches_reference(backend: Any, row: OpDef, index: int, inside: None) -> None:
    if row.reference is None:
        pytest.skip(f"{row.name} has no reference")
    sample = row.samples[index]
    args, kwargs, np_args, np_kwargs = make(sample)
    got = call(row.function, sample, args, kwargs)
    expected = call(row.reference, sample, np_args, np_kwargs)
    _compare(got, expected, row.tolerances.get("ref_rtol", 1e-7), 1e-9)


@pytest.mark.parametrize(("row", "index"), CASES)
def test_float32_forward(backend: Any, row: OpDef, index: int, inside: None) -> None:
    if row.reference is None:
        pytest.skip(f"{row.name} has no reference")
    sample = row.samples[index]
    args, kwargs, np_args, np_kwargs = make(sample, dtype=numpy.float32)
    got = call(row.function, sample, args, kwargs)
    for g in _outputs(got) if row.category != "conversion" else ():
        if isinstance(g, minigrad.Tensor) and g.dtype.kind == "f":
            assert g.dtype != numpy.float64, f"{row.name} turned float32 inputs into float64"
    expected = call(row.reference, sample, np_args, np_kwargs)
    _compare(got, expected, row.tolerances.get("ref_rtol32", 2e-4), 2e-5)


@pytest.mark.parametrize(("row", "index"), GRAD_CASES)
def test_gradcheck(backend: Any, row: OpDef, index: int, inside: None) -> None:
    sample = row.samples[index]
    args, kwargs, _, _ = make(sample)
    tol = {k: v for k, v in row.tolerances.items() if k in ("eps", "atol", "rtol")}
    assert gradcheck(lambda *a: call(row.function, sample, list(a), kwargs), args, **tol)


@pytest.mark.parametrize(("row", "index"), GRADGRAD_CASES)
def test_gradgradcheck(backend: Any, row: OpDef, index: int, inside: None) -> None:
    sample = row.samples[index]
    args, kwargs, _, _ = make(sample)
    tol = {k: v for k, v in row.tolerances.items() if k in ("eps", "atol", "rtol")}
    assert gradgradcheck(lambda *a: call(row.function, sample, list(a), kwargs), args, **tol)


@pytest.mark.parametrize(("row", "index"), CASES)
def test_non_contiguous_inputs(backend: Any, row: OpDef, index: int, inside: None) -> None:
    sample = row.samples[index]
    plain = call(row.function, sample, *make(sample, transposed=False)[:2])
    strided = call(row.function, sample, *make(sample, transposed=True)[:2])
    _compare(strided, _outputs_numpy(plain), 1e-12, 1e-12)


def _outputs_numpy(value: Any) -> list[Any]:
    return [v.detach().numpy() if isinstance(v, minigrad.Tensor) else v
            for v in _outputs(value)]


@pytest.mark.parametrize(("row", "index"), CASES)
def test_methods_match_the_function(backend: Any, row: OpDef, index: int, inside: None) -> None:
    sample = row.samples[index]
    if sample.call is not None or row.method_form is not None:
        pytest.skip("arranged call, or a method with other arguments than the function")
    args, kwargs, _, _ = make(sample)
    expected = _outputs_numpy(row.function(*args, **kwargs))
    checked = 0
    if args and isinstance(args[0], minigrad.Tensor):
        for name in row.methods:
            _compare(getattr(args[0], name)(*args[1:], **kwargs), expected, 0, 0)
            checked += 1
        for name in row.inplace:
            target = args[0].detach() * 1
            if expected[0].shape != target.shape or (
                    expected[0].dtype.kind == "f" and target.dtype.kind != "f"):
                continue  # this sample's result can't be written into its first input
            result = getattr(target, name)(*args[1:], **kwargs)
            assert result is target
            _compare(target, expected[:1], 1e-12, 1e-12)
            checked += 1
    if len(args) == 2 and isinstance(args[1], minigrad.Tensor) and not kwargs:
        for name in row.reflected:
            _compare(getattr(args[1], name)(args[0]), expected, 0, 0)
            checked += 1
    if not checked:
        pytest.skip("no method form applies to this sample")


# --- the registry ----------------------------------------------------------------------------
def _all_functions(cls: type = Function) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_functions(sub)
    return found


def _minigrad_functions() -> set[type]:
    for module in pkgutil.walk_packages(minigrad.__path__, "minigrad."):
        if not module.name.startswith("minigrad.viz"):
            importlib.import_module(module.name)
    # the nodes of PyTorch-style user Functions are the user's ops, not minigrad's; so is
    # the identity that module backward hooks put around a module (it carries the hooks,
    # computes nothing and is checked against PyTorch in test_module_backward_hooks.py)
    not_ops = {"minigrad.autograd.function", "minigrad.nn.backward_hooks"}
    return {f for f in _all_functions()
            if f.__module__.startswith("minigrad.") and f.__module__ not in not_ops}


def _node_types(outputs: Any) -> set[type]:
    seen: set[type] = set()
    stack = [o.grad_fn for o in _outputs(outputs) if isinstance(o, minigrad.Tensor)]
    visited: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in visited:
            continue
        visited.add(id(node))
        seen.add(type(node))
        stack.extend(p for p in node.parents if isinstance(p, Function))
    return seen


def _exercised(row: OpDef, monkeypatch: pytest.MonkeyPatch) -> set[type]:
    """The node types a row's samples create: forward, gradient and second gradient (and
    the ops without gradient that they run)."""
    seen: set[type] = set()
    for node in row.nodes:
        if not node.differentiable:  # never in a graph: watch its forward run instead
            def watched(ctx: Any, *a: Any, _node: type = node, _fw: Any = node.forward,
                        **k: Any) -> Any:
                seen.add(_node)
                return _fw(ctx, *a, **k)

            monkeypatch.setattr(node, "forward", watched)
    for sample in row.samples:
        args, kwargs, _, _ = make(sample)
        out = call(row.function, sample, args, kwargs)
        seen |= _node_types(out)
        leaves = [a for a in args if isinstance(a, minigrad.Tensor) and a.requires_grad]
        floats = [o for o in _outputs(out) if isinstance(o, minigrad.Tensor) and o.requires_grad]
        if not (leaves and floats and row.differentiable):
            continue
        total = sum((o * o).sum() for o in floats)
        grads = minigrad.grad(total, leaves, create_graph=True, allow_unused=True)
        used = [g for g in grads if g is not None and g.requires_grad]
        seen |= _node_types(used)
        if used:
            second = minigrad.grad(sum((g * g).sum() for g in used), leaves,
                                   allow_unused=True, create_graph=True)
            seen |= _node_types([g for g in second if g is not None])
    return seen


def test_every_function_belongs_to_a_row() -> None:
    declared = {node for row in TABLE.values() for node in row.nodes}
    missing = {f.__qualname__ for f in _minigrad_functions()} - {n.__qualname__ for n in declared}
    assert not missing, f"Function classes without an op-table row: {sorted(missing)}"


@pytest.mark.parametrize("row", [r for r in ROWS if r.nodes], ids=lambda r: r.name)
def test_each_row_exercises_its_nodes(backend: Any, row: OpDef,
                                      monkeypatch: pytest.MonkeyPatch, inside: None) -> None:
    missing = set(row.nodes) - _exercised(row, monkeypatch)
    assert not missing, (f"{row.name}: its samples never create "
                         f"{sorted(n.__name__ for n in missing)}")


def test_every_row_has_samples() -> None:
    assert not [row.name for row in ROWS if not row.samples]


def test_typing_stubs_are_current() -> None:
    from minigrad.optable import FUNCTIONAL_STUB, STUB, functional_stub_text

    assert STUB.read_text() == stub_text(), (
        "minigrad/_tensor_methods.pyi is out of date: run python -m minigrad.optable"
    )
    assert FUNCTIONAL_STUB.read_text() == functional_stub_text(), (
        "minigrad/nn/functional.pyi is out of date: run python -m minigrad.optable"
    )


def test_deleting_a_row_is_caught() -> None:
    """The registry check fails when a row is missing (here: conv2d's)."""
    row = TABLE.pop("conv2d")
    try:
        with pytest.raises(AssertionError, match="Conv2dGradWeight"):
            test_every_function_belongs_to_a_row()
    finally:
        TABLE["conv2d"] = row
