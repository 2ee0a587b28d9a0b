"""What the port corpus (tests/ports/) needed from minigrad, each compared with PyTorch:
the conv weight gradient where positions are few and channels many, ``nn.init``'s
``orthogonal_``, ``trunc_normal_``, ``eye_`` and ``dirac_``, and ``repeat`` in new memory."""

from __future__ import annotations

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn


@pytest.mark.parametrize(("shape", "weight", "stride", "padding", "groups"), [
    ((6, 32, 1, 1), (48, 32, 3, 3), 1, 1, 1),  # ResNet's last stage on small images
    ((5, 16, 2, 2), (24, 8, 3, 3), 1, 1, 2),
    ((4, 12, 3, 3), (20, 12, 3, 3), 2, 1, 1),  # strided: the windows layout
    ((3, 8, 2, 2), (16, 8, 1, 1), 1, 0, 1),
])
def test_conv_weight_gradient_with_few_positions_matches_torch(
        shape: tuple[int, ...], weight: tuple[int, ...], stride: int, padding: int,
        groups: int) -> None:
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(0)
    x, w = rng.standard_normal(shape), rng.standard_normal(weight)
    ours_w = minigrad.tensor(w, requires_grad=True)
    out = F.conv2d(minigrad.tensor(x), ours_w, stride=stride, padding=padding, groups=groups)
    g = rng.standard_normal(out.shape)
    out.backward(minigrad.tensor(g))
    theirs_w = torch.tensor(w, requires_grad=True)
    theirs = torch.nn.functional.conv2d(torch.tensor(x), theirs_w, stride=stride,
                                        padding=padding, groups=groups)
    theirs.backward(torch.tensor(g))
    numpy.testing.assert_allclose(ours_w.grad.numpy(), theirs_w.grad.numpy(), rtol=1e-10,
                                  atol=1e-10)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3, 3), (6, 6)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape: tuple[int, ...]) -> None:
    gain = 1.5
    w = nn.init.orthogonal_(minigrad.empty(*shape, dtype=minigrad.float64), gain)
    m = w.numpy().reshape(shape[0], -1)
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    numpy.testing.assert_allclose(small, gain ** 2 * numpy.eye(min(m.shape)), atol=1e-10)


def test_orthogonal_matches_torch_on_the_same_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    sample = numpy.random.default_rng(1).standard_normal((4, 6))
    # both fill a (rows, cols) matrix with normal_ and take its QR factor
    monkeypatch.setattr(minigrad.Tensor, "normal_",
                        lambda self, *args, **kwargs: self.copy_(minigrad.tensor(sample)))
    ours = nn.init.orthogonal_(minigrad.empty(4, 2, 3, dtype=minigrad.float64), 2.0)
    original = torch.Tensor.normal_
    try:
        torch.Tensor.normal_ = lambda self, *args, **kwargs: self.copy_(  # type: ignore
            torch.from_numpy(sample))
        theirs = torch.nn.init.orthogonal_(torch.empty(4, 2, 3, dtype=torch.float64), 2.0)
    finally:
        torch.Tensor.normal_ = original  # type: ignore[method-assign]
    numpy.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)


def test_orthogonal_refuses_vectors_as_torch() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="2 or more dimensions"):
        nn.init.orthogonal_(minigrad.empty(4))
    with pytest.raises(ValueError):
        torch.nn.init.orthogonal_(torch.empty(4))


def test_trunc_normal_stays_in_bounds_with_torchs_moments() -> None:
    torch = pytest.importorskip("torch")
    minigrad.manual_seed(0)
    torch.manual_seed(0)
    ours = nn.init.trunc_normal_(minigrad.empty(200_000), mean=0.5, std=2.0, a=-1.0, b=3.0)
    theirs = torch.nn.init.trunc_normal_(torch.empty(200_000), mean=0.5, std=2.0, a=-1.0,
                                         b=3.0)
    values = ours.numpy()
    assert values.min() >= -1.0 and values.max() <= 3.0
    assert abs(values.mean() - theirs.mean().item()) < 0.02
    assert abs(values.std() - theirs.std().item()) < 0.02


def test_eye_and_dirac_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for shape in [(3, 5), (4, 2)]:
        ours = nn.init.eye_(minigrad.empty(*shape))
        numpy.testing.assert_array_equal(ours.numpy(), torch.nn.init.eye_(torch.empty(*shape)))
    for shape, groups in [((4, 2, 3, 3), 1), ((6, 2, 3), 2), ((4, 4, 1, 3, 2), 2)]:
        ours = nn.init.dirac_(minigrad.empty(*shape), groups)
        theirs = torch.nn.init.dirac_(torch.empty(*shape), groups)
        numpy.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_eye_and_dirac_errors() -> None:
    with pytest.raises(ValueError, match="eye_: only 2-D"):
        nn.init.eye_(minigrad.empty(2, 2, 2))
    with pytest.raises(ValueError, match="dirac_: only 3, 4 and 5-D"):
        nn.init.dirac_(minigrad.empty(2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.init.dirac_(minigrad.empty(5, 2, 3), groups=2)


def test_repeat_returns_new_memory_as_torch() -> None:
    torch = pytest.importorskip("torch")
    base = numpy.arange(6.0).reshape(1, 2, 3)
    ours = minigrad.tensor(base).repeat(4, 1, 1)  # as fast_neural_style tiles its style image
    ours[0, 0, 0] = 100.0  # a zero-stride view could not be written element by element
    theirs = torch.tensor(base).repeat(4, 1, 1)
    theirs[0, 0, 0] = 100.0
    numpy.testing.assert_array_equal(ours.numpy(), theirs.numpy())
