"""Regression tests for what the differential fuzz test (tests/test_fuzz.py) found in the
tensor ops of issue 11. Each test pins PyTorch's answer (checked against PyTorch 2.13 when
the fix was made) without needing PyTorch installed.
"""

from __future__ import annotations

import math

import numpy
import pytest

import minigrad

INF, NAN = math.inf, math.nan


def values(t: minigrad.Tensor) -> list:  # type: ignore[type-arg]
    return t.detach().numpy().tolist()  # type: ignore[no-any-return]


# --- einsum -------------------------------------------------------------------------------
def test_einsum_size_zero_broadcasts_with_size_one() -> None:
    out = minigrad.einsum("i,i->i", minigrad.ones(0), minigrad.ones(1))
    assert out.shape == (0,)


def test_einsum_diagonal_ignores_infinite_off_diagonal_elements() -> None:
    a = minigrad.tensor([[1.0, INF], [INF, 2.0]])
    assert values(minigrad.einsum("ii->i", a)) == [1.0, 2.0]
    assert values(minigrad.einsum("ii", a)) == 3.0


def test_einsum_sum_over_an_empty_letter_is_zero() -> None:
    out = minigrad.einsum("cae,,e->a", minigrad.zeros(1, 1, 0), minigrad.tensor(INF),
                          minigrad.zeros(0))
    assert values(out) == [0.0]


# --- elementwise --------------------------------------------------------------------------
def test_lerp_is_exact_at_weight_one_and_follows_pytorch_at_infinities() -> None:
    start = minigrad.tensor([1e4], dtype=minigrad.float64)
    end = minigrad.tensor([1e-3], dtype=minigrad.float64)
    assert values(minigrad.lerp(start, end, 1.0)) == [1e-3]
    assert values(minigrad.lerp(minigrad.tensor([INF]), minigrad.tensor([1.0]), 0.75)) == [INF]
    assert math.isnan(values(minigrad.lerp(minigrad.tensor([1.0]), minigrad.tensor([INF]),
                                           0.75))[0])


def test_lerp_promotes_integers_with_a_0d_weight_and_checks_dimensioned_ones() -> None:
    out = minigrad.lerp(minigrad.tensor([1]), minigrad.tensor([3]), minigrad.tensor(0.5))
    assert out.dtype == minigrad.float32 and values(out) == [2.0]
    with pytest.raises(RuntimeError, match="weight"):
        minigrad.lerp(minigrad.ones(1), minigrad.ones(1),
                      minigrad.ones(1, dtype=minigrad.float64))


def test_addcmul_and_addcdiv_scale_first_and_compute_in_the_result_dtype() -> None:
    one = minigrad.tensor([1.0], dtype=minigrad.float64)
    huge = minigrad.tensor([1e308], dtype=minigrad.float64)
    ten = minigrad.tensor([10.0], dtype=minigrad.float64)
    assert values(minigrad.addcmul(one, huge, ten, value=0)) == [1.0]  # not 0 * inf
    out = minigrad.addcdiv(one, minigrad.tensor([True]),
                           minigrad.tensor(3.0, dtype=minigrad.float64), value=-0.5)
    assert values(out) == [1.0 - 0.5 / 3.0]  # float64 throughout, not a float32 quotient
    ints = minigrad.addcmul(minigrad.tensor([1]), minigrad.tensor([2]), minigrad.tensor([3]),
                            value=0.5)
    assert ints.dtype == minigrad.int64 and values(ints) == [1]  # value truncated to 0


def test_addcdiv_gradient_of_an_empty_broadcast_is_zero() -> None:
    t2 = minigrad.tensor([2.0], requires_grad=True)
    out = minigrad.addcdiv(minigrad.zeros(2, 0), minigrad.tensor(INF), t2)
    (grad,) = minigrad.grad(out.sum(), [t2])
    assert values(grad) == [0.0]


def test_sign_of_booleans_is_themselves() -> None:
    x = minigrad.tensor([True, False])
    for fn in (minigrad.sign, minigrad.sgn):
        out = fn(x)
        assert out.dtype == minigrad.bool and values(out) == [True, False]


# --- running totals and reordering ----------------------------------------------------------
def test_diff_of_order_zero_is_a_copy_that_ignores_append_and_dim() -> None:
    x = minigrad.tensor([1.0, 2.0, 4.0])
    out = minigrad.diff(x, 0, 0, append=minigrad.ones(2))
    assert values(out) == [1.0, 2.0, 4.0] and out is not x
    assert values(minigrad.diff(x, 0, 5)) == [1.0, 2.0, 4.0]  # dim unchecked, as PyTorch
    with pytest.raises(RuntimeError, match="diff"):
        minigrad.diff(x, 0, 0, append=minigrad.ones(2, 1))


def test_repeat_interleave_of_a_0d_input_takes_no_dim() -> None:
    assert values(minigrad.repeat_interleave(minigrad.tensor(1.0), 2)) == [1.0, 1.0]
    with pytest.raises(IndexError, match="repeat_interleave"):
        minigrad.repeat_interleave(minigrad.tensor(1.0), 2, dim=0)


def test_repeat_and_tile_refuse_negative_counts() -> None:
    for call in (lambda: minigrad.ones(1).repeat(-1), lambda: minigrad.ones(1, 1).tile([-1, 2])):
        with pytest.raises(RuntimeError, match="non-negative"):
            call()


# --- matrices -------------------------------------------------------------------------------
def test_addmm_ignores_the_product_when_alpha_is_zero() -> None:
    out = minigrad.addmm(minigrad.ones(1, 1), minigrad.tensor([[NAN]]), minigrad.tensor([[1.0]]),
                         alpha=0)
    assert values(out) == [[1.0]]


def test_addmm_truncates_the_scales_of_integer_matrices() -> None:
    out = minigrad.addmm(minigrad.tensor([[3, 5]]), minigrad.tensor([[1]]),
                         minigrad.tensor([[1, 1]]), beta=1.5, alpha=2.5)
    assert out.dtype == minigrad.int64 and values(out) == [[5, 7]]


def test_cross_without_dim_uses_the_inputs_first_size_3_dimension() -> None:
    with pytest.raises(RuntimeError, match="length 3"):
        minigrad.cross(minigrad.ones(3, 3), minigrad.ones(1, 3))


def test_p0_distances_stay_in_the_graph_with_a_zero_gradient() -> None:
    x = minigrad.tensor([[1.0, 0.0, 3.0]], requires_grad=True)
    for out in (minigrad.dist(x, minigrad.zeros(1, 3), 0), minigrad.cdist(x, x * 0, 0)):
        assert out.requires_grad and values(out.sum()) == 2.0
        (grad,) = minigrad.grad(out.sum(), [x])
        assert values(grad) == [[0.0, 0.0, 0.0]]


def test_cdist_over_no_columns_is_zero_for_every_p() -> None:
    out = minigrad.cdist(minigrad.ones(2, 0), minigrad.ones(3, 0), INF)
    assert values(out) == [[0.0] * 3] * 2


def test_det_gradient_of_a_subnormal_matrix_is_finite() -> None:
    a = minigrad.tensor([[1e-310]], dtype=minigrad.float64, requires_grad=True)
    (grad,) = minigrad.grad(minigrad.det(a), [a])
    assert values(grad) == [[1.0]]


# --- properties and new tensors ---------------------------------------------------------------
def test_creation_refuses_negative_sizes_by_name() -> None:
    with pytest.raises(RuntimeError, match="zeros.*negative dimension"):
        minigrad.zeros(2, -1)
    with pytest.raises(RuntimeError, match="full.*negative dimension"):
        minigrad.ones(1).new_full([-1], 2.0)


def test_new_tensors_need_a_size_and_name_the_method_in_errors() -> None:
    with pytest.raises(TypeError, match="new_zeros"):
        minigrad.ones(1).new_zeros()
    assert minigrad.ones(1).new_zeros(()).shape == ()
    with pytest.raises(ValueError, match="new_tensor"):
        minigrad.ones(1).new_tensor([[1, 2], [3]])


def test_stride_reports_a_views_own_strides_and_checks_dim() -> None:
    x = minigrad.zeros(1, 3).t()  # shape (3, 1), a transposed view
    assert x.stride() == (1, 3)
    assert minigrad.zeros(2, 0).stride() == (1, 1)
    with pytest.raises(IndexError, match="stride"):
        minigrad.zeros(2, 3).stride(2)
    with pytest.raises(IndexError, match="stride"):
        minigrad.tensor(1.0).stride(0)


# --- random draws -----------------------------------------------------------------------------
def test_bernoulli_with_p_takes_any_dtype() -> None:
    out = minigrad.bernoulli(minigrad.tensor([1, 0]), 0.0)
    assert out.dtype == minigrad.int64 and values(out) == [0, 0]


def test_random_refuses_bounds_outside_the_dtype() -> None:
    for dtype, bounds in ((minigrad.int8, (0, 300)), (minigrad.uint8, (-1, 3)),
                          (minigrad.bool, (0, 3))):
        with pytest.raises(RuntimeError, match="out of bounds"):
            minigrad.zeros(3, dtype=dtype).random_(*bounds)
    assert int(minigrad.zeros(3, dtype=minigrad.int8).random_(-128, 128).min()) >= -128


# --- scatters, masks and indices ---------------------------------------------------------------
def test_index_add_and_index_select_of_a_0d_input() -> None:
    scalar = minigrad.tensor(1.0)
    index = minigrad.tensor([0])
    assert values(minigrad.index_add(scalar, 0, index, minigrad.tensor(2.0))) == 3.0
    with pytest.raises(RuntimeError, match="source"):
        minigrad.index_add(scalar, 0, index, minigrad.tensor([2.0]))
    with pytest.raises(IndexError, match="index_add"):
        minigrad.index_add(scalar, 0, minigrad.tensor([0, 0]), minigrad.tensor(2.0))
    with pytest.raises(IndexError):
        minigrad.index_select(scalar, 2, index)


def test_masked_fill_refuses_what_the_result_cannot_hold() -> None:
    ints, mask = minigrad.tensor([1, 2]), minigrad.tensor([True, False])
    assert values(minigrad.masked_fill(ints, mask, 2.7)) == [2, 2]
    with pytest.raises(RuntimeError, match="overflow"):
        minigrad.masked_fill(ints, mask, -INF)
    with pytest.raises(RuntimeError, match="grad"):
        minigrad.masked_fill(ints, mask, minigrad.tensor(1.5, requires_grad=True))


# --- sorting and searching ----------------------------------------------------------------------
def test_sorting_a_0d_bool_keeps_its_dtype() -> None:
    x = minigrad.tensor(True)
    assert minigrad.sort(x).values.dtype == minigrad.bool
    assert minigrad.topk(x, 1).values.dtype == minigrad.bool


def test_unique_keeps_nans_apart_and_refuses_empty_unselected_dims() -> None:
    out, inverse, counts = minigrad.unique(minigrad.tensor([NAN, NAN, 1.0]),
                                           return_inverse=True, return_counts=True)
    assert len(values(out)) == 3 and values(inverse) == [1, 2, 0]
    assert values(counts) == [1, 1, 1]
    with pytest.raises(RuntimeError, match="unique"):
        minigrad.unique(minigrad.ones(2, 0), dim=0)


def test_searchsorted_places_nan_as_pytorchs_binary_search_does() -> None:
    batched = minigrad.searchsorted(minigrad.tensor([[0.0, 1.0, 2.0]]),
                                    minigrad.tensor([[NAN, 1.5]]))
    assert values(batched) == [[3, 2]]
    with_nan = minigrad.tensor([0.0, 1.0, NAN])
    for right in (False, True):
        found = minigrad.searchsorted(with_nan, minigrad.tensor([0.5, 5.0, NAN]), right=right)
        assert values(found) == [1, 3, 3]
    with pytest.raises(RuntimeError, match="searchsorted"):
        minigrad.searchsorted(minigrad.ones(2, 3), 2)


def test_median_of_an_empty_float_tensor_is_nan_in_the_graph() -> None:
    x = minigrad.zeros(0, 3, requires_grad=True)
    out = minigrad.median(x)
    assert math.isnan(values(out)) and out.requires_grad
    (grad,) = minigrad.grad(out, [x])
    assert grad.shape == (0, 3)


def test_histc_bins_as_pytorch_and_refuses_infinite_ranges() -> None:
    tiny = minigrad.tensor([1e-310, 3e-310], dtype=minigrad.float64)
    assert values(minigrad.histc(tiny, bins=2)) == [1.0, 1.0]  # NumPy refuses this range
    assert values(minigrad.histc(minigrad.tensor([0.0, 1.0, 2.0, 3.0]), bins=3)) == [1, 1, 2]
    counts = minigrad.histc(minigrad.tensor([0.1, 0.2, 0.3, 0.7]), bins=10, min=0, max=1)
    assert values(counts) == [0, 1, 1, 1, 0, 0, 0, 1, 0, 0]
    with pytest.raises(RuntimeError, match="not finite"):
        minigrad.histc(minigrad.tensor([1.0, INF]))


def test_fuzz_replays_are_deterministic() -> None:
    """The generators draw everything from the case's seed (a replay must see the same
    case)."""
    pytest.importorskip("torch")
    from minigrad.optable import TABLE
    from tests.test_fuzz import case_for

    for name in ("einsum", "scatter", "searchsorted", "multinomial"):
        first, _ = case_for(TABLE[name], 7)
        again, _ = case_for(TABLE[name], 7)
        assert first.describe() == again.describe()
        for a, b in zip(first.vals(), again.vals()):
            numpy.testing.assert_array_equal(a.array, b.array)
