"""Every registered op against finite differences, first and second order, per backend."""

from __future__ import annotations

import pytest

import minigrad
from minigrad.autograd import Function
from minigrad.testing import gradcheck, gradgradcheck
from tests.opinfo import CHECKED_ELSEWHERE, OPS, OpInfo

CASES = [
    pytest.param(op, i, id=f"{op.name}-{i}") for op in OPS for i in range(len(op.samples))
]


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_gradcheck(backend: minigrad.backends.Backend, op: OpInfo, sample: int) -> None:
    assert gradcheck(op.fn, op.samples[sample].make(), **op.tolerances)


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_gradgradcheck(backend: minigrad.backends.Backend, op: OpInfo, sample: int) -> None:
    if not op.second_order:
        pytest.skip(f"{op.name} has no second derivative")
    assert gradgradcheck(op.fn, op.samples[sample].make(), **op.tolerances)


def _node_types(t: minigrad.Tensor) -> set[str]:
    seen: set[str] = set()
    stack = [t.grad_fn]
    visited: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in visited:
            continue
        visited.add(id(node))
        seen.add(type(node).__name__)
        stack.extend(p for p in node.parents if isinstance(p, Function))
    return seen


def _all_functions(cls: type = Function) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_functions(sub)
    return found


def test_every_function_is_registered() -> None:
    exercised: set[str] = set()
    for op in OPS:
        exercised.update(op.covers)
        for sample in op.samples:
            out = op.fn(*sample.make())
            outs = out if isinstance(out, tuple) else (out,)
            for o in outs:
                exercised |= _node_types(o)
    concrete = {  # minigrad's own ops (user-defined ones, as in examples/, are theirs to test)
        f.__name__ for f in _all_functions()
        if not f.__name__.startswith("_") and f.__module__.startswith("minigrad.")
    }
    missing = concrete - exercised - set(CHECKED_ELSEWHERE) - _registered_elsewhere()
    assert not missing, f"ops without gradcheck samples in tests/opinfo.py: {sorted(missing)}"


def _registered_elsewhere() -> set[str]:
    """Functions of modules with their own gradcheck grids (conv, pooling, nn)."""
    own_grids = ("minigrad.ops.conv", "minigrad.ops.pooling", "minigrad.ops.padding",
                 "minigrad.nn")
    return {f.__name__ for f in _all_functions() if f.__module__.startswith(own_grids)}
