"""Differential fuzzing of the op table against PyTorch.

For every row of :data:`minigrad.optable.TABLE` that has a PyTorch twin, seeded random
cases (tests/fuzz_specs.py) are run through minigrad and PyTorch: random shapes (0-size
dimensions included), dtypes, memory layouts (transposed, strided with filler between the
elements, offset and stride-0 views), geometry arguments and edge values (NaN, infinities,
signed zeros, subnormals, huge magnitudes). For each case:

- both accept it: the outputs agree (shape, dtype, values; NaN where PyTorch has NaN), and
  so do the gradients of every floating input for a random upstream gradient;
- PyTorch refuses it: minigrad refuses it too, with a clear error, that is one that names
  the op or is raised by minigrad's own checks (an exception from inside NumPy, or an
  ``AttributeError`` in minigrad's code, is not);
- minigrad refuses what PyTorch accepts: a failure (refused valid input).

The seed is fixed, so CI runs the same cases every time. ``MINIGRAD_FUZZ_CASES`` sets how
many cases in all (default 15000, about 15 s on one core), ``MINIGRAD_FUZZ_SEED`` the
seed, and ``MINIGRAD_FUZZ_ONLY=row:index`` replays one case (the failure message gives it).
"""

from __future__ import annotations

import math
import os
import re
import traceback
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy
import pytest

import minigrad
from minigrad.backends.geometry import window_count
from minigrad.optable import TABLE, OpDef
from tests.fuzz_specs import NO_TWIN, SPECS, Spec
from tests.fuzz_values import Case, DType, Gen, Val

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

CASES = int(os.environ.get("MINIGRAD_FUZZ_CASES", "15000"))
SEED = int(os.environ.get("MINIGRAD_FUZZ_SEED", "20240612"))
ONLY = os.environ.get("MINIGRAD_FUZZ_ONLY", "")
CLEAR_TYPES = (ValueError, TypeError, RuntimeError, IndexError)

# Where minigrad deliberately differs from PyTorch (each is documented in docs/pytorch.md).
# A case matching one is not a failure; the test counts them.
KNOWN: list[tuple[str, Callable[[Case, str], bool], str]] = []


def known(*rows: str, why: str) -> Callable[[Callable[[Case, str], bool]], Any]:
    def register(test: Callable[[Case, str], bool]) -> Any:
        for row in rows:
            KNOWN.append((row, test, why))
        return test
    return register


def _has_nan(case: Case) -> bool:
    return any(v.floating and numpy.isnan(v.array).any() for v in case.vals())


def _has_nonfinite(case: Case) -> bool:
    return any(v.floating and not numpy.isfinite(v.array).all() for v in case.vals())


def _only_minigrad_nonfinite(problem: str) -> bool:
    """Whether the first value that differs is NaN or infinite in minigrad's answer but
    finite in PyTorch's (an overflow or 0 * inf of minigrad's own making)."""
    found = re.search(r"got (\S+), PyTorch gives (\S+?) \(", problem)
    return found is not None and found.group(1) in ("nan", "inf", "-inf") and (
        found.group(2) not in ("nan", "inf", "-inf"))


@known("maximum", "minimum", why="a Python number is accepted as `other` (PyTorch wants a "
       "tensor)")
def _number_operand(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and not isinstance(case.args[1], Val)


@known("sign", "sgn", "l1_loss", "smooth_l1_loss", "huber_loss", "pairwise_distance",
       "triplet_margin_loss", why="sign(NaN) is NaN, and so is the gradient of |x| at NaN "
       "(PyTorch: 0): a NaN stays visible")
def _nan_sign(case: Case, problem: str) -> bool:
    return _has_nan(case) and "got nan," in problem


@known("lp_pool2d", why="in a window holding NaN the other elements keep their gradient "
       "(PyTorch multiplies it by sign(NaN) = 0)")
def _lp_nan_window(case: Case, problem: str) -> bool:
    return _has_nan(case) and "PyTorch gives 0.0" in problem.replace("-0.0", "0.0")


@known("max_pool2d", "adaptive_max_pool2d", "max_pool2d_with_indices",
       "adaptive_max_pool2d_with_indices", "max_pool1d", "max_pool1d_with_indices",
       "adaptive_max_pool1d", "adaptive_max_pool1d_with_indices", why="among several NaNs in "
       "a window the first one's index is returned, as argmax does (PyTorch's pooling returns "
       "the last)")
def _first_nan_index(case: Case, problem: str) -> bool:
    return _has_nan(case) and problem.startswith("output 1")


@known("dropout2d", why="dropout2d refuses inputs that are not 3-D or 4-D (PyTorch warns that "
       "it will refuse them)")
def _dropout2d_rank(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and case.args[0].array.ndim < 3


@known("view_as", why="view and view_as copy a non-contiguous input as reshape does (PyTorch "
       "refuses what it can't view); see the report on views")
def _view_copies(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and "view size is not compatible" in problem


@known("linear", why="PyTorch accepts a 1-D input with a (1, out) bias, and a 0-d bias with "
       "a 1-D weight, only on some of its code paths (it depends on strides and grad mode); "
       "minigrad always accepts both")
def _linear_bias(case: Case, problem: str) -> bool:
    x, w, bias = case.args
    return problem.startswith("accepted input") and bias is not None and (
        w.array.ndim == 1 or (x.array.ndim == 1 and bias.array.shape[:1] == (1,)))


@known("prod", "cumprod", why="prod's (and cumprod's) gradient is the product of the other "
       "elements, exact at zeros and infinities (IEEE: a NaN among them makes it NaN), "
       "where PyTorch divides the product "
       "by the element (NaN) or, with two zeros, returns 0")
def _prod_exact(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and "gradient" in problem


@known("lp_pool2d", why="a partial ceil_mode window sums the elements it holds; PyTorch scales "
       "their mean by the full window size (documented on lp_pool2d)")
def _lp_partial_window(case: Case, problem: str) -> bool:
    return bool(case.kwargs.get("ceil_mode"))


@known("max_unpool2d", why="an output plane with no elements is refused (PyTorch returns it "
       "empty and drops the values)")
def _unpool_empty(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and "too small" in problem


@known("conv_transpose2d", why="an output size of 0 is refused; PyTorch accepts it only on "
       "some code paths (for a batch of 2 but not of 1)")
def _transposed_empty(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and "too small" in problem


@known("gelu", "binary_cross_entropy_with_logits", why="at an infinite input the result is its "
       "limit (+inf); PyTorch's formula computes inf - inf or inf * 0 there and gives NaN")
def _infinite_limit(case: Case, problem: str) -> bool:
    return _has_nonfinite(case) and ("got inf," in problem or "got -inf," in problem) and (
        "PyTorch gives nan" in problem)


@known("norm", "dist", "cdist", why="the p-norm (of dist and cdist too) is computed on "
       "x / max|x|, so it neither overflows nor underflows (PyTorch's norm of [1e200] is "
       "inf, of subnormals 0), and its gradient at a "
       "zero norm is 0 for every p (PyTorch: NaN unless p = 2); an infinity or NaN that "
       "only minigrad gives is a failure, except where dist's difference overflows")
def _scaled_norm(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and (
        not _only_minigrad_nonfinite(problem) or _difference_overflows(case))


def _difference_overflows(case: Case) -> bool:
    """Whether dist's (cdist's pairwise) difference of two finite inputs overflows: at an
    infinite difference the gradient is a matter of convention, as at an infinite input."""
    a, b = (v.array for v in case.vals()[:2])
    with numpy.errstate(all="ignore"):
        try:
            d = a - b
        except ValueError:  # cdist's row sets
            d = a[..., :, None, :] - b[..., None, :, :]
    return not numpy.isfinite(d).all()


@known("adaptive_avg_pool2d", why="an empty plane is refused for every output size (PyTorch "
       "accepts it, giving NaN, when the output size is 1)")
def _adaptive_empty_plane(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and "non-zero sizes" in problem


@known("conv2d", "conv1d", "conv_transpose2d", why="with an infinite or NaN input or weight, "
       "values whose window reaches the zero padding are NaN (0 * inf), as PyTorch gives on "
       "its im2col path (float64); its oneDNN path (float32) skips the padding")
def _conv_padding(case: Case, problem: str) -> bool:
    return _has_nonfinite(case) and (
        problem.startswith("output") or problem.startswith("gradient of"))


@known("getitem", "setitem", why="index arrays are checked against their dimension even "
       "when a slice leaves nothing to pick (PyTorch then skips the check)")
def _empty_pick(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and "out of bounds" in problem


@known("remainder", "fmod", why="remainder and fmod are exact (C's fmod) where PyTorch's "
       "a - b * floor(a / b) (its vectorised fmod: a - b * trunc(a / b)) overflows to NaN")
def _exact_remainder(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and "PyTorch gives nan" in problem


@known("binary_cross_entropy_with_logits", why="with a huge pos_weight PyTorch's gradient "
       "cancels (pw t sigmoid(x) - pw t = 0); minigrad's keeps sigmoid(-x)")
def _pos_weight_cancels(case: Case, problem: str) -> bool:
    pos_weight = case.kwargs.get("pos_weight")
    return pos_weight is not None and pos_weight.edge and problem.startswith("gradient of")


@known("std", why="where the variance rounds to 0 the gradient is 0 (constant data); PyTorch "
       "divides by the zero standard deviation and gets inf")
def _std_rounds_to_zero(case: Case, problem: str) -> bool:
    return "got 0.0, PyTorch gives inf" in problem or "got 0.0, PyTorch gives -inf" in problem


@known("conv_transpose2d", why="the geometry is checked for an empty batch too (PyTorch skips "
       "the output_padding check then)")
def _empty_batch_checks(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and case.args[0].array.size == 0


@known("layer_norm", why="over a single element the exact gradient is 0; PyTorch's fused "
       "float32 kernel returns rounding noise of |weight| / sqrt(eps) float32 epsilons")
def _one_element_norm(case: Case, problem: str) -> bool:
    return math.prod(case.args[1]) == 1 and "gradient" in problem


@known("var", "std", why="with no degrees of freedom left (N <= correction, PyTorch warns) "
       "the gradient is NaN where PyTorch's is 0 or infinite")
def _no_freedom(case: Case, problem: str) -> bool:
    x = case.args[0].array
    dim = case.kwargs.get("dim")
    dims = range(x.ndim) if dim is None else [dim] if isinstance(dim, int) else dim
    count = math.prod(x.shape[d] for d in dims)
    return count <= case.kwargs.get("correction", 1) and "gradient" in problem


@known("nll_loss", "cross_entropy", why="with an infinite class weight the mean's scale "
       "(1 / total weight) is 0 and the gradient 0; PyTorch's is NaN (inf * 0)")
def _infinite_class_weight(case: Case, problem: str) -> bool:
    weight = case.kwargs.get("weight")
    return weight is not None and weight.edge and "PyTorch gives nan" in problem


@known("batch_norm", why="with an infinite weight a normalised value of 0 gives +-inf "
       "(0 * inf folded into one scale); PyTorch gives NaN")
def _infinite_norm_weight(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and "PyTorch gives nan" in problem


# --- the layers' functions (tests/fuzz_specs_layers.py) ---
@known("dropout3d", why="dropout3d refuses inputs that are not 4-D or 5-D (PyTorch warns that "
       "it will refuse them)")
def _dropout3d_rank(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and case.args[0].array.ndim not in (4, 5)


@known("group_norm", why="over groups with no elements (an empty spatial size) the weight and "
       "bias gradients are 0, sums over nothing; PyTorch's are NaN")
def _empty_groups(case: Case, problem: str) -> bool:
    x = case.args[0].array
    return x.size == 0 < x.shape[0] and "gradient" in problem and "PyTorch gives nan" in problem


@known("group_norm", "instance_norm", why="the input is centred before it is scaled; PyTorch "
       "folds the weight into one scale and shift, x * s - mean * s, which cancels where x or "
       "the weight is huge or infinite (to NaN, or to rounding noise times s)")
def _norm_weight_fold(case: Case, problem: str) -> bool:
    def huge(a: numpy.ndarray[Any, Any]) -> bool:
        return bool((numpy.abs(a[~numpy.isnan(a)]) > 1e10).any())

    return problem.startswith("output") and any(
        v.floating and v.edge and huge(v.array) for v in case.vals())


@known("instance_norm", why="an empty batch gives an empty result; PyTorch fails inside when "
       "given a weight or bias (IndexError from select())")
def _instance_norm_empty_batch(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and case.args[0].array.shape[0] == 0


@known("local_response_norm", why="any memory layout is accepted; PyTorch's view() refuses "
       "some non-contiguous 5-D inputs")
def _lrn_view(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and "view size is not compatible" in problem


@known("interpolate", "upsample", "upsample_bilinear", why="a tap of weight 0 reads nothing, so "
       "an infinite input gives +-inf where it is read and nothing around it; PyTorch "
       "interpolates as a + t (b - a), or multiplies by the weight 0, and gives NaN there")
def _resample_infinite(case: Case, problem: str) -> bool:
    return _has_nonfinite(case) and "PyTorch gives nan" in problem and "got nan" not in problem


@known("pixel_unshuffle", why="an empty input is rearranged to the output's shape; PyTorch "
       "returns it unchanged, shape and all")
def _empty_unshuffle(case: Case, problem: str) -> bool:
    return case.args[0].array.size == 0 and problem.startswith("output 0: shape")


@known("kl_div", "poisson_nll_loss", why="the gradient with respect to a target of 0 (or "
       "below, for poisson_nll_loss's Stirling term) is finite; PyTorch's is NaN (0 * log 0 "
       "inside)")
def _zero_target_gradient(case: Case, problem: str) -> bool:
    target = case.args[1].array
    return "gradient" in problem and "PyTorch gives nan" in problem and bool(
        (target <= 0).any())


@known("soft_margin_loss", why="log(1 + exp(-y x)) is computed stably; where exp(-y x) "
       "overflows PyTorch gives inf (and a NaN gradient)")
def _soft_margin_overflow(case: Case, problem: str) -> bool:
    x = case.args[0].array
    finite = numpy.abs(x[numpy.isfinite(x)])
    overflows = bool((finite > math.log(float(numpy.finfo(x.dtype).max))).any())
    return overflows and ("PyTorch gives inf" in problem or "PyTorch gives nan" in problem)


def _extreme(a: numpy.ndarray[Any, Any]) -> bool:
    """Whether ``a`` holds huge or subnormal values (an overflowing or underflowing norm)."""
    finite = numpy.abs(a[numpy.isfinite(a)])
    return bool(((finite > 1e10) | ((finite > 0) & (finite < numpy.finfo(a.dtype).tiny))).any())


@known("normalize", "pairwise_distance", "triplet_margin_loss", "cosine_similarity",
       why="the norms are computed as norm computes them, on x / max|x|: huge or subnormal "
       "vectors neither overflow nor underflow (PyTorch: inf, 0 or NaN)")
def _scaled_norms(case: Case, problem: str) -> bool:
    return any(v.floating and v.edge and _extreme(v.array) for v in case.vals()) and bool(
        re.search(r"PyTorch gives (-?inf|nan|-?0\.0)\b", problem))


@known("normalize", "cosine_similarity", why="along a dimension of size 1 the result is +-1 and "
       "its exact gradient 0; PyTorch's is rounding noise (float epsilons over |x|)")
def _unit_vector_noise(case: Case, problem: str) -> bool:
    shape = numpy.broadcast_shapes(*(v.array.shape for v in case.vals()))
    dim = case.kwargs.get("dim", 1)
    return "gradient" in problem and ("got 0.0," in problem or "got -0.0," in problem) and (
        -len(shape) <= dim < len(shape) and shape[dim] == 1)


@known("max_pool1d", "max_pool1d_with_indices", why="a window that holds only padding "
       "(possible with dilation, which PyTorch's 1-D padding limit ignores) gives -inf at index "
       "0; PyTorch gives an index past the input")
def _padding_window(case: Case, problem: str) -> bool:
    if not problem.startswith("output 1"):
        return False

    def one(value: Any) -> int:
        return int(value[0] if isinstance(value, (list, tuple)) else value)

    length = case.args[0].array.shape[-1]
    kernel = one(case.args[1])
    stride = one(case.kwargs.get("stride", kernel))
    padding, dilation = one(case.kwargs.get("padding", 0)), one(case.kwargs.get("dilation", 1))
    count = window_count(length, kernel, stride, padding, padding, dilation,
                         bool(case.kwargs.get("ceil_mode")))
    return any(all(not 0 <= i * stride - padding + j * dilation < length for j in range(kernel))
               for i in range(count))


@known("group_norm", why="a group of one value normalises to exactly 0, so the output is the "
       "bias; PyTorch's folded x * s - mean * s, with s = weight / sqrt(eps) large, leaves "
       "rounding noise times s")
def _lone_value_groups(case: Case, problem: str) -> bool:
    x, groups = case.args[0].array, case.args[1]
    per_group = (x.shape[1] // groups if x.ndim > 1 else 1) * math.prod(x.shape[2:])
    return problem.startswith("output 0") and per_group == 1


@known("normalize", why="for p in (0, 1) the gradient at a zero element is the subgradient 0 "
       "(as in norm), also where another element is infinite; PyTorch's is then NaN (its "
       "infinite norm times the infinite slope at 0)")
def _zero_beside_infinity(case: Case, problem: str) -> bool:
    p = case.kwargs.get("p", 2.0)
    return 0 < p < 1 and _has_nonfinite(case) and "PyTorch gives nan" in problem and (
        "got 0.0," in problem or "got -0.0," in problem)


@known("fmod", why="the divisor's gradient is -g times the exact quotient trunc(a / b) (the "
       "one the exact result used); PyTorch truncates the rounded a / b, which is an integer "
       "too high where the quotient rounds up to it")
def _fmod_exact_quotient(case: Case, problem: str) -> bool:
    if not problem.startswith("gradient"):
        return False
    a, b = (numpy.asarray(v.array if isinstance(v, Val) else v) for v in case.args[:2])
    with numpy.errstate(all="ignore"):
        exact = numpy.round((a - numpy.fmod(a, b)) / b)
        rounded = numpy.trunc(a / b)
    return bool((numpy.isfinite(exact) & (exact != rounded)).any())


@known("atan2", "hypot", "logical_and", "logical_or", "logical_xor", why="a Python number "
       "is accepted as either operand (PyTorch wants tensors)")
def _number_operands(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and any(
        not isinstance(a, Val) for a in case.args[:2])


@known("sort", "argsort", why="dim can be given by position together with stable= (PyTorch's "
       "overload with stable takes dim by keyword only)")
def _stable_by_keyword(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and "stable" in case.kwargs and len(
        case.args) > 1


@known("topk", "median", "trace", why="booleans are sorted and summed as 0 and 1 (PyTorch's "
       "CPU kernels are not implemented for bool)")
def _bool_kernels(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and case.args[0].array.dtype == bool


@known("roll", "diff", "tile", "repeat_interleave", "index_add", "scatter", "scatter_add",
       "fmod", "multinomial", "bernoulli", "exponential_", "bernoulli_", why="the arguments "
       "are checked when a tensor is empty too (dimensions, index dtypes and ranges, "
       "output_size, dtypes, probabilities); "
       "PyTorch skips the checks then")
def _checks_when_empty(case: Case, problem: str) -> bool:
    # raised by minigrad's own checks (the frame that raised is in minigrad), not by NumPy
    raised_in = problem.rsplit("[", 1)[-1]
    return problem.startswith("refused valid input") and any(
        v.array.size == 0 for v in case.vals()) and "minigrad" in raised_in and (
        "numpy" not in raised_in)


@known("stride", why="an empty tensor has the strides of a contiguous one (PyTorch keeps "
       "those of the view it came from)")
def _empty_strides(case: Case, problem: str) -> bool:
    return case.args[0].array.size == 0 and problem.startswith("output")


@known("kron", why="PyTorch 2.13's kron refuses some non-contiguous inputs (it calls view "
       "inside); minigrad takes any layout")
def _kron_view(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and "view size is not compatible" in problem


@known("einsum", why="the operands must have one dtype (PyTorch allows mixed dtypes only "
       "where it multiplies elementwise, not where it contracts with a matrix product)")
def _einsum_dtypes(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and "expected scalar type" in problem


@known("det", why="det's gradient at a singular matrix is its cofactor matrix (exact); "
       "PyTorch 2.13 returns 0 there")
def _singular_det(case: Case, problem: str) -> bool:
    a = case.args[0].array.astype(numpy.float64)
    if not problem.startswith("gradient") or not numpy.isfinite(a).all() or not a.size:
        return False
    return bool((numpy.linalg.matrix_rank(a) < a.shape[-1]).any())


@known("det", "inverse", why="with infinite, NaN, huge or subnormal entries (ill-conditioned "
       "matrices), the LU factorisation's rounding, inf - inf and 0 * inf land differently, "
       "and a pivot can be exactly 0 on one side only (both call LAPACK, with other pivots "
       "and another gradient formula); an infinity or NaN that only minigrad gives is still "
       "a failure")
def _lu_edges(case: Case, problem: str) -> bool:
    if not any(v.edge for v in case.vals()):
        return False
    if problem.startswith("refused valid input"):  # an exact zero pivot on one side only
        return "singular" in problem
    return problem.startswith(("output", "gradient")) and not _only_minigrad_nonfinite(problem)


@known("addcdiv", "addcmul", why="the results and gradients are those of input + (value * "
       "t1) * t2 (or / t2) written out; at infinite, huge or subnormal operands they round "
       "differently from PyTorch's fused kernels and formulas (0 * inf, inf - inf or an "
       "overflow on one side only)")
def _blend_edges(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and (problem.startswith("gradient") or (
        problem.startswith("output") and not _only_minigrad_nonfinite(problem)))


@known("cross", why="at huge values PyTorch's fused multiply-add rounds a * b - c * d "
       "differently, and where the products overflow gives +-inf where the plain formula "
       "gives inf - inf = NaN")
def _cross_overflow(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and problem.startswith("output") and (
        not _only_minigrad_nonfinite(problem))


@known("hypot", "atan2", why="the gradients are computed on a / s and b / s (s = max(|a|, "
       "|b|)), so huge values do not overflow (PyTorch multiplies first and gives +-inf) and "
       "subnormal ones do not underflow (PyTorch: 0 or NaN); at zeros and infinities the two "
       "give NaN in different places; an infinity or NaN that only minigrad gives is still a "
       "failure")
def _hypot_edges(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and problem.startswith("gradient") and (
        not _only_minigrad_nonfinite(problem) or _slope_overflows(case))


def _slope_overflows(case: Case) -> bool:
    """Whether 1 / max(|a|, |b|) overflows somewhere: there the true gradient is +-inf
    (PyTorch's squares underflow and it gives 0)."""
    a, b = (numpy.asarray(v.array if isinstance(v, Val) else v, dtype=float)
            for v in case.args[:2])
    with numpy.errstate(all="ignore"):
        s = numpy.maximum(numpy.abs(a), numpy.abs(b))
        return bool(((s > 0) & numpy.isinf(1 / s.astype(case.vals()[0].array.dtype))).any())


@known("lerp", why="the gradient of a broadcast operand sums products with huge values; "
       "the two frameworks add them in other orders, so a partial sum overflows (inf - inf "
       "= NaN) on one side only; an infinity or NaN that only minigrad gives is still a "
       "failure")
def _lerp_broadcast_sums(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and problem.startswith("gradient") and (
        not _only_minigrad_nonfinite(problem))


@known("einsum", why="with infinite, NaN or huge operands, which products meet which sums "
       "(0 * inf, inf - inf, overflow, rounding) depends on the contraction order, which "
       "differs; an infinity or NaN that only minigrad gives is still a failure")
def _einsum_edges(case: Case, problem: str) -> bool:
    return any(v.edge for v in case.vals()) and problem.startswith(("output", "gradient")) and (
        not _only_minigrad_nonfinite(problem))


@known("unique", why="along a dim, slices holding NaN sort last and equal ones merge "
       "(NumPy's order); PyTorch's lexicographic sort puts them first, each apart")
def _unique_nan_slices(case: Case, problem: str) -> bool:
    return "dim" in case.kwargs and _has_nan(case)


@known("addmm", why="integer matrices with a float beta: PyTorch truncates beta, except "
       "when the product is empty (k = 0), where it refuses the float; minigrad always "
       "truncates")
def _addmm_empty_int(case: Case, problem: str) -> bool:
    return problem.startswith("accepted input") and "can't be cast" in problem


@known("stride", why="a size-1 dimension of an expanded tensor has stride 0 (NumPy's "
       "broadcast); PyTorch keeps the stride it had")
def _expanded_unit_stride(case: Case, problem: str) -> bool:
    x = case.args[0]
    if x.layout != "expanded" or not problem.startswith("output"):
        return False
    dim = case.args[1] if len(case.args) > 1 else int(problem.split()[1].rstrip(":"))
    return bool(x.array.shape[dim] == 1)


@known("median", why="the median of an empty integer tensor is refused (PyTorch returns NaN "
       "converted to the integer type: its minimum)")
def _empty_int_median(case: Case, problem: str) -> bool:
    return problem.startswith("refused valid input") and "no median" in problem


# --- making the arguments for each framework ---------------------------------------------
def _torch_dtype(name: str) -> Any:
    return getattr(torch, {"bool": "bool"}.get(name, name))


def _make(value: Any, lib: str, leaves: list[tuple[Val, Any]]) -> Any:
    if isinstance(value, Val):
        storage, view = value.storage_and_view()
        if lib == "torch":
            base = torch.from_numpy(storage.copy())
            if not storage.size:  # NumPy gives empty arrays zero strides, PyTorch does not
                base = torch.zeros(storage.shape, dtype=base.dtype)
            t = view(base).detach()
        else:
            t = view(minigrad.tensor(storage.copy())).detach()
        if value.grad and value.floating:
            t.requires_grad_(True)
            leaves.append((value, t))
        return t
    if isinstance(value, DType):
        return _torch_dtype(value.name) if lib == "torch" else numpy.dtype(value.name)
    if isinstance(value, list):
        return [_make(v, lib, leaves) for v in value]
    if isinstance(value, tuple):
        return tuple(_make(v, lib, leaves) for v in value)
    return value


def _twin(row: OpDef, spec: Spec) -> Callable[..., Any]:
    """The PyTorch function a row is compared with."""
    if callable(spec.torch):
        return spec.torch
    if spec.torch:
        where, name = spec.torch.split(".")
        space = {"torch": torch, "F": TF, "Tensor": torch.Tensor}[where]
        return getattr(space, name)  # type: ignore[no-any-return]
    for name in row.functional:
        if hasattr(TF, name):
            return getattr(TF, name)  # type: ignore[no-any-return]
    for name in row.torch:
        if hasattr(torch, name):
            return getattr(torch, name)  # type: ignore[no-any-return]
    for name in row.methods:
        if hasattr(torch.Tensor, name):
            return getattr(torch.Tensor, name)  # type: ignore[no-any-return]
    raise LookupError(f"{row.name}: no PyTorch twin")


# --- running one side ----------------------------------------------------------------------
class Outcome:
    """What one framework did with a case: its outputs and leaves, or its exception."""

    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.leaves: list[tuple[Val, Any]] = []
        self.warnings: list[str] = []


def _run(fn: Callable[..., Any], case: Case, lib: str) -> Outcome:
    outcome = Outcome()
    args = _make(case.args, lib, outcome.leaves)
    kwargs = {k: _make(v, lib, outcome.leaves) for k, v in case.kwargs.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if case.call is not None:
                outcome.value = case.call(fn, *args, **kwargs)
            else:
                outcome.value = fn(*args, **kwargs)
        except Exception as err:  # compared with the other framework below
            outcome.error = err
    outcome.warnings = [f"{w.category.__name__}: {w.message}" for w in caught
                        if not issubclass(w.category, (DeprecationWarning, UserWarning))]
    return outcome


def _outputs(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [v for item in value for v in _outputs(item)]
    return [value]


def _host(value: Any) -> Any:
    if isinstance(value, minigrad.Tensor):
        return value.detach().numpy()
    if isinstance(value, torch.Tensor):  # force: a gradient can be a lazy ZeroTensor
        return value.detach().numpy(force=True)
    return value


# --- comparing ------------------------------------------------------------------------------
def _tolerance(dtype: Any, spec: Spec) -> tuple[float, float]:
    rtol, atol = {numpy.dtype("float64"): (1e-7, 1e-9), numpy.dtype("float32"): (2e-5, 1e-6),
                  numpy.dtype("float16"): (2e-3, 1e-3)}.get(numpy.dtype(dtype), (0.0, 0.0))
    return rtol * spec.rtol, atol * spec.rtol


def _magnitude(arrays: list[Any]) -> float:
    """The largest finite magnitude among ``arrays`` (for absolute tolerances of sums)."""
    top = 1.0
    for a in arrays:
        a = numpy.asarray(a)
        if a.dtype.kind == "f" and a.size:
            finite = numpy.abs(a[numpy.isfinite(a)])
            if finite.size:
                top = max(top, float(finite.max()))
    return top


def _mismatch(got: Any, want: Any, spec: Spec, scale: float, what: str,
              exempt: Any = None) -> str | None:
    """How ``got`` differs from PyTorch's ``want`` (None when it does not). Where
    ``exempt`` is true, anything is accepted (the gradient at a NaN or infinite input is a
    matter of convention); given at all (comparing gradients), NaN and infinities match
    each other."""
    got, want = _host(got), _host(want)
    if isinstance(want, (bool, int, float)) and not isinstance(want, numpy.ndarray):
        if isinstance(got, numpy.ndarray) and got.shape == ():
            got = got.item()
        if type(got) is not type(want) and not (
                isinstance(want, float) and isinstance(got, float)):
            return f"{what}: got {type(got).__name__} {got!r}, PyTorch gives " \
                   f"{type(want).__name__} {want!r}"
        same = got == want or (isinstance(want, float) and math.isnan(want) and math.isnan(got))
        return None if same else f"{what}: got {got!r}, PyTorch gives {want!r}"
    got, want = numpy.asarray(got), numpy.asarray(want)
    if got.shape != want.shape:
        return f"{what}: shape {got.shape}, PyTorch gives {want.shape}"
    if got.dtype != want.dtype:
        return f"{what}: dtype {got.dtype}, PyTorch gives {want.dtype}"
    if want.dtype.kind != "f":
        if numpy.array_equal(got, want):
            return None
        bad = numpy.argwhere(got != want)[:3].tolist()
        return f"{what}: values differ at {bad}: got {got[tuple(numpy.array(bad).T)]}, " \
               f"PyTorch {want[tuple(numpy.array(bad).T)]}"
    rtol, atol = _tolerance(want.dtype, spec)
    atol *= scale
    g64, w64 = got.astype(numpy.float64), want.astype(numpy.float64)
    close = numpy.isclose(g64, w64, rtol=rtol, atol=atol, equal_nan=True)
    # infinities of the same sign compare equal; NaN must meet NaN
    if exempt is not None:  # a gradient: NaN and infinities are equally broken answers
        close |= exempt | (~numpy.isfinite(g64) & ~numpy.isfinite(w64))
    # at the edge of the float range, overflowing to inf or not is a matter of rounding
    edge = float(numpy.finfo(want.dtype).max) / 16
    close |= (numpy.isinf(w64) & (numpy.abs(g64) >= edge) & (numpy.sign(g64) == numpy.sign(w64))
              ) | (numpy.isinf(g64) & (numpy.abs(w64) >= edge)
                   & (numpy.sign(g64) == numpy.sign(w64)))
    if close.all():
        return None
    where = numpy.argwhere(~close)
    first = tuple(int(i) for i in where[0])
    return (f"{what}: {len(where)} of {want.size} values differ, e.g. at {list(first)}: "
            f"got {float(g64[first])!r}, PyTorch gives {float(w64[first])!r} (rtol "
            f"{rtol:.0e}, atol {atol:.1e})")


def _names(row: OpDef) -> set[str]:
    names = {row.name, row.function.__name__, *row.torch, *row.functional, *row.methods}
    return {n.strip("_") for n in names if n.strip("_")}


def unclear(err: BaseException, names: set[str]) -> str | None:
    """Why ``err`` is not a clear error, or None when it is: a ValueError, TypeError,
    RuntimeError or IndexError whose message names the op, or that minigrad's own code
    raised on purpose (the traceback's last frame is a ``raise`` statement in minigrad)."""
    frames = traceback.extract_tb(err.__traceback__)
    last = frames[-1] if frames else None
    place = f"{last.filename}:{last.lineno}" if last else "?"
    message = str(err)
    if not isinstance(err, CLEAR_TYPES):
        return f"{type(err).__name__} at {place}: {message}"
    if any(name in message for name in names):
        return None
    own = last is not None and f"{os.sep}minigrad{os.sep}" in last.filename
    if own and (last.line or "").lstrip().startswith("raise"):
        return None
    return f"{type(err).__name__} at {place} without the op's name: {message}"


def _grads(outcome: Outcome, upstream: list[Any], lib: str) -> list[Any] | BaseException:
    outs = [o for o in _outputs(outcome.value)
            if getattr(o, "requires_grad", False) and o.dtype in _FLOAT_DTYPES[lib]]
    leaves = [t for _, t in outcome.leaves]
    if not outs or not leaves:
        return []
    module = torch.autograd if lib == "torch" else minigrad
    try:
        got = module.grad(outs, leaves, upstream[: len(outs)], allow_unused=True)
    except Exception as err:
        return err
    return [None if g is None else _host(g) for g in got]


_FLOAT_DTYPES = {"torch": (torch.float16, torch.float32, torch.float64),
                 "minigrad": tuple(numpy.dtype(n) for n in ("float16", "float32", "float64"))}


def _upstream(outcome: Outcome, rng: numpy.random.Generator) -> list[numpy.ndarray[Any, Any]]:
    found = []
    for o in _outputs(outcome.value):
        if getattr(o, "requires_grad", False) and o.dtype in _FLOAT_DTYPES["torch"]:
            found.append(rng.standard_normal(tuple(o.shape)).astype(
                str(o.dtype).replace("torch.", "")))
    return found


def check(row: OpDef, spec: Spec, case: Case, seed: int, counts: dict[str, int]
          ) -> list[str]:
    """Run one case in both frameworks; return what went wrong (empty when nothing).
    ``counts`` tallies what was compared: refusals, forward passes, gradients."""
    names = _names(row)
    theirs = _run(_twin(row, spec), case, "torch")
    ours = _run(row.function, case, "minigrad")
    problems: list[str] = []
    if theirs.error is not None:
        counts["refused by PyTorch"] += 1
        if ours.error is None:
            return [f"accepted input PyTorch refuses ({type(theirs.error).__name__}: "
                    f"{str(theirs.error).splitlines()[0][:160]})"]
        why = unclear(ours.error, names)
        return [] if why is None else [f"unclear error: {why}"]
    if ours.error is not None:
        frames = traceback.format_exception(ours.error)
        return [f"refused valid input: {type(ours.error).__name__}: {ours.error} "
                f"[{frames[-2].strip().splitlines()[0] if len(frames) > 1 else ''}]"]
    counts["forward compared"] += 1
    got, want = _outputs(ours.value), _outputs(theirs.value)
    if len(got) != len(want):
        return [f"{len(got)} outputs, PyTorch gives {len(want)}"]
    inputs = [v.array for v in case.vals()]
    scale = _magnitude(inputs) if spec.sums else _magnitude([_host(w) for w in want])
    for i, (g, w) in enumerate(zip(got, want)):
        found = _mismatch(g, w, spec, scale, f"output {i}")
        if found:
            problems.append(found)
    if problems or not case.grad:
        return problems
    rng = numpy.random.default_rng(seed)
    upstream = _upstream(theirs, rng)
    want_grads = _grads(theirs, [torch.from_numpy(u) for u in upstream], "torch")
    got_grads = _grads(ours, [minigrad.tensor(u) for u in upstream], "minigrad")
    if isinstance(want_grads, BaseException):
        return problems  # PyTorch can't differentiate this case (e.g. a 0-size output)
    if isinstance(got_grads, BaseException):
        return [f"backward failed: {type(got_grads).__name__}: {got_grads}"]
    if len(got_grads) != len(want_grads):
        return [f"{len(got_grads)} gradients, PyTorch gives {len(want_grads)}"]
    if want_grads:
        counts["gradients compared"] += 1
    edges = any(v.floating and not numpy.isfinite(v.array).all() for v in case.vals())
    g_scale = scale * _magnitude(upstream) if spec.sums else _magnitude(
        [w for w in want_grads if w is not None])
    for (val, _), g, w in zip(ours.leaves, got_grads, want_grads):
        if w is None and g is None:
            continue
        w = numpy.zeros_like(val.array) if w is None else w
        g = numpy.zeros_like(val.array) if g is None else g
        exempt = ~numpy.isfinite(val.array) if val.floating and edges else numpy.zeros(
            val.array.shape, bool)
        found = _mismatch(g, w, spec, g_scale, f"gradient of {val.describe()}", exempt)
        if found:
            problems.append(found)
    return problems


# --- the test ------------------------------------------------------------------------------
def _rows() -> Iterator[Any]:
    for row in TABLE.values():
        if not row.function.__module__.startswith("minigrad."):
            continue  # an op a test declared
        if row.name in NO_TWIN:
            yield pytest.param(row, id=row.name, marks=pytest.mark.skip(
                reason=f"{row.name}: {NO_TWIN[row.name]}"))
        elif row.name in SPECS:
            yield pytest.param(row, id=row.name)


def test_every_row_is_fuzzed() -> None:
    """A new op gets a generator in tests/fuzz_specs.py, or an entry in NO_TWIN saying
    why it has no PyTorch twin."""
    missing = [name for name, row in TABLE.items() if name not in SPECS and name not in NO_TWIN
               and row.function.__module__.startswith("minigrad.")]  # not a test's own op
    assert not missing, f"op-table rows without a fuzz generator: {missing}"


def _per_row() -> int:
    return max(1, math.ceil(CASES / max(1, len(SPECS))))


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def case_for(row: OpDef, index: int) -> tuple[Case, int]:
    seed = zlib.crc32(f"{SEED}:{row.name}:{index}".encode())
    spec = SPECS[row.name]
    return spec.gen(Gen(numpy.random.default_rng(seed), huge=not spec.sums)), seed


def run_row(row: OpDef, indices: range | list[int]) -> tuple[list[str], dict[str, int]]:
    spec = SPECS[row.name]
    failures: list[str] = []
    counts = {"cases": 0, "refused by PyTorch": 0, "forward compared": 0,
              "gradients compared": 0, "known": 0}
    for index in indices:
        case, seed = case_for(row, index)
        counts["cases"] += 1
        with numpy.errstate(all="ignore"), _one_torch_thread():
            problems = check(row, spec, case, seed, counts)
        if not problems:
            continue
        why = [w for r, test, w in KNOWN if r == row.name and test(case, problems[0])]
        if why:
            counts["known"] += 1
            continue
        failures.append(f"{row.name}:{index} {case.describe()}\n    " + "\n    ".join(problems))
    return failures, counts


@pytest.mark.parametrize("row", list(_rows()))
def test_matches_pytorch(row: OpDef) -> None:
    if ONLY:
        name, _, index = ONLY.partition(":")
        if name != row.name:
            pytest.skip("MINIGRAD_FUZZ_ONLY names another row")
        indices: range | list[int] = [int(index)] if index else range(_per_row())
    else:
        indices = range(_per_row())
    failures, _ = run_row(row, indices)
    assert not failures, (
        f"{len(failures)} of {len(indices)} cases differ from PyTorch (replay one with "
        "MINIGRAD_FUZZ_ONLY=row:index):\n" + "\n".join(failures[:8]))
