"""In-place ops on views rewrite the base's graph, as in PyTorch (issue 12, item 3).

Each case runs in minigrad and, when it is installed, in PyTorch; the gradients (or the
error) must agree. The expected values are PyTorch 2.13's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import minigrad


def _view_mul(lib: Any, x: Any) -> None:
    a = x * 1
    a[0:2].mul_(3)
    a.sum().backward()


def _stale_view(lib: Any, x: Any) -> None:
    a = x * 1
    v = a[1:3]
    a.mul_(2)  # v was made before: its gradient must see the change
    v.sum().backward()


def _view_of_view(lib: Any, x: Any) -> None:
    a = x * 1
    v = a.view(2, 2)[1]
    v.add_(x[0:2] * 5)
    a.sum().backward()


def _setitem_on_view(lib: Any, x: Any) -> None:
    a = x * 1
    v = a[1:]
    v[0] = x[0] * 10
    (a * a).sum().backward()


def _transposed_view(lib: Any, x: Any) -> None:
    a = (x * 1).view(2, 2)
    a.t().mul_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
    a.sum().backward()


def _single_element_view(lib: Any, x: Any) -> None:
    a = x * 1
    a[2].mul_(5)
    (a * a).sum().backward()


def _sibling_views(lib: Any, x: Any) -> None:
    a = x * 1
    left, right = a[0:2], a[1:4]
    left.mul_(10)  # right shares a[1]
    right.sum().backward()


def _no_grad_update_then_recorded(lib: Any, x: Any) -> None:
    a = x * 1
    with lib.no_grad():
        a[0:2].add_(1)  # values change, the graph does not
    (a * 2).sum().backward()


CASES: dict[str, tuple[Callable[[Any, Any], None], Any]] = {
    "view mul_": (_view_mul, [3.0, 3.0, 1.0, 1.0]),
    "stale view after the base changed": (_stale_view, [0.0, 2.0, 2.0, 0.0]),
    "view of a view": (_view_of_view, [6.0, 6.0, 1.0, 1.0]),
    "setitem on a view": (_setitem_on_view, [202.0, 0.0, 6.0, 8.0]),
    "transposed view": (_transposed_view, [1.0, 3.0, 2.0, 4.0]),
    "0-d view of one element": (_single_element_view, [2.0, 4.0, 150.0, 8.0]),
    "sibling views": (_sibling_views, [0.0, 10.0, 1.0, 1.0]),
    "no_grad update, then recorded": (_no_grad_update_then_recorded, [2.0, 2.0, 2.0, 2.0]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_see_in_place_ops_on_views(name: str) -> None:
    fn, expected = CASES[name]
    x = minigrad.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    fn(minigrad, x)
    assert x.grad is not None and x.grad.tolist() == expected


@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    fn, _ = CASES[name]
    ours = minigrad.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    theirs = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    fn(minigrad, ours)
    fn(torch, theirs)
    assert ours.grad is not None and ours.grad.tolist() == theirs.grad.tolist()


def test_view_of_a_leaf_that_requires_grad_is_refused() -> None:
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf tensor that requires grad"):
        x[0:2].add_(1)
    with minigrad.no_grad():
        x[0:2].add_(1)  # allowed outside recording, as in PyTorch
    assert x.tolist() == [2.0, 3.0, 3.0]


def test_expanded_views_can_not_be_written() -> None:
    a = minigrad.tensor([1.0], requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        a.expand(3).mul_(2)


def test_advanced_indexing_gives_a_copy_not_a_view() -> None:
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 1
    picked = a[minigrad.tensor([0, 2])]
    picked.mul_(10)  # a copy: a is unchanged, and so is its gradient
    assert a.tolist() == [1.0, 2.0, 3.0]
    (a.sum() + picked.sum()).backward()
    assert x.grad is not None and x.grad.tolist() == [11.0, 1.0, 11.0]


def test_views_share_values_after_in_place_ops() -> None:
    a = minigrad.arange(4.0)
    v = a.view(2, 2)
    v[1].fill_(9.0)
    assert a.tolist() == [0.0, 1.0, 9.0, 9.0]
    assert a[3].tolist() == 9.0


def test_assignment_mixing_an_int_and_an_index_array_follows_pytorch() -> None:
    """Integers apply first (PyTorch's rule), so the value's rows land in order."""
    x = minigrad.zeros(1, 2, 2)
    x[0, :, [0, 1]] = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.tolist() == [[[1.0, 2.0], [3.0, 4.0]]]
    w = minigrad.zeros(2, 3, 4, requires_grad=True)
    y = w * 1
    y[1, :, [0, 3]] = minigrad.ones(3, 2) * 5
    y.sum().backward()
    assert y[1].tolist() == [[5.0, 0.0, 0.0, 5.0]] * 3
    assert w.grad[1].tolist() == [[0.0, 1.0, 1.0, 0.0]] * 3
