"""The mapping table: which converter turns each ``Function`` class into ONNX nodes.

Composite ops (``leaky_relu``, ``elu``, ``gelu``, ``batch_norm``, ``layer_norm``, ``mean``,
``lp_pool2d``, ``adaptive_avg_pool2d``...) make no node of their own: their primitive
nodes are in this table and export one by one, so the file computes what minigrad
computes. Dropout in eval mode is no node at all.

Classes in :data:`NO_ONNX_FORM` are refused with the reason given there; a class in
neither dict (an op added later) is refused too, naming it.
"""

from __future__ import annotations

from collections.abc import Callable

from minigrad.autograd import Function
from minigrad.functional import (
    activation,
    arithmetic,
    comparison,
    conv,
    conversion,
    cumulative,
    einsum,
    elementwise,
    fold,
    indexing,
    linalg,
    loss,
    matrices,
    normalization,
    padding,
    pointwise,
    pooling,
    reduce,
    reorder,
    resampling,
    sampling,
    scatter,
    shape,
    sorting,
    sparse,
)
from minigrad.onnx import convert_cnn, convert_math, convert_shape, convert_tensor_ops
from minigrad.onnx.builder import CallView

__all__ = ["CONVERTERS", "NO_ONNX_FORM", "Converter"]

Converter = Callable[[CallView], str]

CONVERTERS: dict[type[Function], Converter] = {
    # activations and elementwise functions
    activation.Relu: convert_math.unary,
    normalization.BatchNorm: convert_cnn.batch_norm,
    loss.NllLoss: convert_cnn.nll_loss,
    activation.Hardtanh: convert_math.hardtanh,
    activation.Silu: convert_math.silu,
    activation.Sigmoid: convert_math.unary,
    activation.Tanh: convert_math.unary,
    activation.Erf: convert_math.unary,
    activation.LogSigmoid: convert_math.log_sigmoid,
    activation.Softmax: convert_math.softmax,
    activation.LogSoftmax: convert_math.softmax,
    elementwise.Exp: convert_math.unary,
    elementwise.Expm1: convert_math.expm1,
    elementwise.Log: convert_math.log,
    elementwise.Log1p: convert_math.log1p,
    elementwise.Sqrt: convert_math.unary,
    elementwise.Sin: convert_math.unary,
    elementwise.Cos: convert_math.unary,
    elementwise.PiecewiseConstant: convert_math.piecewise_constant,
    # arithmetic, comparisons, logic
    arithmetic.Add: convert_math.binary,
    arithmetic.Sub: convert_math.binary,
    arithmetic.Mul: convert_math.binary,
    arithmetic.Div: convert_math.binary,
    arithmetic.Pow: convert_math.binary,
    arithmetic.Neg: convert_math.unary,
    arithmetic.Abs: convert_math.unary,
    arithmetic.Select: convert_math.select,
    arithmetic.Where: convert_math.where,
    arithmetic.Clamp: convert_math.clamp,
    comparison.Ufunc: convert_tensor_ops.ufunc,
    comparison.Remainder: convert_math.remainder,
    # reductions and matrix products
    reduce.Sum: convert_math.sum_,
    reduce.LogSumExp: convert_math.log_sum_exp,
    reduce.Extremum: convert_math.extremum,
    reduce.Prod: convert_math.prod,
    reduce.ArgExtremum: convert_math.arg_extremum,
    reduce.Logical: convert_math.logical,
    linalg.MatMul: convert_math.matmul,
    linalg.Linear: convert_math.linear,
    # dtypes and devices
    conversion.Cast: convert_math.cast,
    conversion.Move: convert_math.move,
    # convolution, padding, pooling
    conv.Conv2d: convert_cnn.conv2d,
    conv.Conv2dGradInput: convert_cnn.conv_transpose2d,
    padding.ConstantPad: convert_cnn.constant_pad,
    pooling.Pool2d: convert_cnn.pool2d,
    pooling.WindowSum: convert_cnn.window_sum,
    pooling.PoolGather: convert_cnn.pool_gather,
    resampling.Resample: convert_cnn.resample,
    # shapes and indexing
    shape.Reshape: convert_shape.reshape,
    shape.Permute: convert_shape.permute,
    shape.Expand: convert_shape.expand,
    shape.UnfoldWindows: convert_shape.unfold,
    shape.Cat: convert_shape.cat,
    indexing.GetItem: convert_shape.getitem,
    indexing.Gather: convert_shape.gather,
    sparse.OneHot: convert_shape.one_hot,
    # sorting, scans, scatters and matrices (issue 11)
    conversion.Contiguous: convert_tensor_ops.identity,
    reorder.Flip: convert_tensor_ops.flip,
    cumulative.CumSum: convert_tensor_ops.cum_sum,
    sorting.ArgSort: convert_tensor_ops.arg_sort,
    sorting.Unique: convert_tensor_ops.unique,
    sorting.SearchSorted: convert_tensor_ops.search_sorted,
    scatter.Scatter: convert_tensor_ops.scatter,
    scatter.ScatterMultiply: convert_tensor_ops.scatter_multiply,
    scatter.NonZero: convert_tensor_ops.nonzero,
    indexing.ScatterAdd: convert_tensor_ops.scatter_add,
    indexing.IndexAdd: convert_tensor_ops.index_add,
    pointwise.Atan2: convert_tensor_ops.atan2,
    pointwise.Hypot: convert_tensor_ops.hypot,
    pointwise.Fmod: convert_tensor_ops.fmod,
    matrices.Det: convert_tensor_ops.det,
    einsum.Einsum: convert_tensor_ops.einsum,
}
"""Function class -> converter."""

_BACKWARD_ONLY = "it only appears in gradient graphs, which have no ONNX form here"
_RANDOM = "random sampling is not exported (its numbers would differ from minigrad's)"

NO_ONNX_FORM: dict[type[Function], str] = {
    conv.Conv2dGradWeight: _BACKWARD_ONLY,
    activation.ReluGrad: _BACKWARD_ONLY,
    loss.NllLossGrad: _BACKWARD_ONLY,
    pooling.PoolScatter: _BACKWARD_ONLY,
    pooling.WindowSpread: _BACKWARD_ONLY,
    pooling.MaxUnpool2d: "ONNX's MaxUnpool numbers positions over the whole tensor, minigrad "
                         "per plane",
    indexing.IndexPut: "assignment into a tensor (x[index] = value) is not exported",
    fold.Unfold: "unfold (im2col) is not exported",
    fold.Fold: "fold (col2im) is not exported",
    loss.BinaryCrossEntropy: "loss functions are not exported; export the model without "
                             "its loss",
    cumulative.CumProd: "ONNX has no running product (CumProd)",
    sorting.Histc: "histograms (histc) are not exported",
    pointwise.ErfInv: "ONNX has no inverse error function",
    matrices.Inverse: "ONNX's standard opset has no matrix inverse",
    sampling.Multinomial: _RANDOM,
    sampling.Bernoulli: _RANDOM,
    sampling.Exponential: _RANDOM,
    sampling.RandomIntegers: _RANDOM,
}
"""Function class -> why it is refused."""
