"""Typing stub of minigrad.nn.functional, from the op table (generated: do not edit).

Regenerate with ``python -m minigrad.optable``.
"""

from minigrad.functional.activation import elu as elu
from minigrad.functional.activation import gelu as gelu
from minigrad.functional.activation import hardtanh as hardtanh
from minigrad.functional.activation import leaky_relu as leaky_relu
from minigrad.functional.activation import log_softmax as log_softmax
from minigrad.functional.activation import logsigmoid as logsigmoid
from minigrad.functional.activation import relu as relu
from minigrad.functional.activation import relu6 as relu6
from minigrad.functional.activation import sigmoid as sigmoid
from minigrad.functional.activation import silu as silu
from minigrad.functional.activation import softmax as softmax
from minigrad.functional.activation import softplus as softplus
from minigrad.functional.activation import tanh as tanh
from minigrad.functional.adaptive_pooling import adaptive_avg_pool2d as adaptive_avg_pool2d
from minigrad.functional.adaptive_pooling import adaptive_max_pool2d as adaptive_max_pool2d
from minigrad.functional.adaptive_pooling import (
    adaptive_max_pool2d_with_indices as adaptive_max_pool2d_with_indices,
)
from minigrad.functional.conv import conv1d as conv1d
from minigrad.functional.conv import conv2d as conv2d
from minigrad.functional.conv import conv_transpose2d as conv_transpose2d
from minigrad.functional.distance import cosine_similarity as cosine_similarity
from minigrad.functional.distance import normalize as normalize
from minigrad.functional.distance import pairwise_distance as pairwise_distance
from minigrad.functional.dropout import alpha_dropout as alpha_dropout
from minigrad.functional.dropout import dropout as dropout
from minigrad.functional.dropout import dropout1d as dropout1d
from minigrad.functional.dropout import dropout2d as dropout2d
from minigrad.functional.dropout import dropout3d as dropout3d
from minigrad.functional.dropout import feature_alpha_dropout as feature_alpha_dropout
from minigrad.functional.fold import fold as fold
from minigrad.functional.fold import unfold as unfold
from minigrad.functional.grid_sampling import affine_grid as affine_grid
from minigrad.functional.grid_sampling import grid_sample as grid_sample
from minigrad.functional.likelihood_loss import gaussian_nll_loss as gaussian_nll_loss
from minigrad.functional.likelihood_loss import kl_div as kl_div
from minigrad.functional.likelihood_loss import poisson_nll_loss as poisson_nll_loss
from minigrad.functional.linalg import linear as linear
from minigrad.functional.loss import binary_cross_entropy as binary_cross_entropy
from minigrad.functional.loss import (
    binary_cross_entropy_with_logits as binary_cross_entropy_with_logits,
)
from minigrad.functional.loss import cross_entropy as cross_entropy
from minigrad.functional.loss import l1_loss as l1_loss
from minigrad.functional.loss import mse_loss as mse_loss
from minigrad.functional.loss import nll_loss as nll_loss
from minigrad.functional.loss import smooth_l1_loss as smooth_l1_loss
from minigrad.functional.margin_loss import cosine_embedding_loss as cosine_embedding_loss
from minigrad.functional.margin_loss import hinge_embedding_loss as hinge_embedding_loss
from minigrad.functional.margin_loss import margin_ranking_loss as margin_ranking_loss
from minigrad.functional.margin_loss import multi_margin_loss as multi_margin_loss
from minigrad.functional.margin_loss import (
    multilabel_soft_margin_loss as multilabel_soft_margin_loss,
)
from minigrad.functional.margin_loss import soft_margin_loss as soft_margin_loss
from minigrad.functional.margin_loss import triplet_margin_loss as triplet_margin_loss
from minigrad.functional.normalization import batch_norm as batch_norm
from minigrad.functional.normalization import layer_norm as layer_norm
from minigrad.functional.padding import pad as pad
from minigrad.functional.per_sample_normalization import group_norm as group_norm
from minigrad.functional.per_sample_normalization import instance_norm as instance_norm
from minigrad.functional.per_sample_normalization import local_response_norm as local_response_norm
from minigrad.functional.piecewise import hardshrink as hardshrink
from minigrad.functional.piecewise import hardsigmoid as hardsigmoid
from minigrad.functional.piecewise import hardswish as hardswish
from minigrad.functional.piecewise import hardtanh_ as hardtanh_
from minigrad.functional.piecewise import leaky_relu_ as leaky_relu_
from minigrad.functional.piecewise import prelu as prelu
from minigrad.functional.piecewise import relu_ as relu_
from minigrad.functional.piecewise import rrelu as rrelu
from minigrad.functional.piecewise import rrelu_ as rrelu_
from minigrad.functional.piecewise import softshrink as softshrink
from minigrad.functional.piecewise import threshold as threshold
from minigrad.functional.piecewise import threshold_ as threshold_
from minigrad.functional.pixel_shuffle import pixel_shuffle as pixel_shuffle
from minigrad.functional.pixel_shuffle import pixel_unshuffle as pixel_unshuffle
from minigrad.functional.pooling import avg_pool2d as avg_pool2d
from minigrad.functional.pooling import lp_pool2d as lp_pool2d
from minigrad.functional.pooling import max_pool2d as max_pool2d
from minigrad.functional.pooling import max_pool2d_with_indices as max_pool2d_with_indices
from minigrad.functional.pooling import max_unpool2d as max_unpool2d
from minigrad.functional.pooling import min_pool2d as min_pool2d
from minigrad.functional.pooling1d import adaptive_avg_pool1d as adaptive_avg_pool1d
from minigrad.functional.pooling1d import adaptive_max_pool1d as adaptive_max_pool1d
from minigrad.functional.pooling1d import (
    adaptive_max_pool1d_with_indices as adaptive_max_pool1d_with_indices,
)
from minigrad.functional.pooling1d import avg_pool1d as avg_pool1d
from minigrad.functional.pooling1d import max_pool1d as max_pool1d
from minigrad.functional.pooling1d import max_pool1d_with_indices as max_pool1d_with_indices
from minigrad.functional.regression_loss import huber_loss as huber_loss
from minigrad.functional.resampling import interpolate as interpolate
from minigrad.functional.resampling import upsample as upsample
from minigrad.functional.resampling import upsample_bilinear as upsample_bilinear
from minigrad.functional.resampling import upsample_nearest as upsample_nearest
from minigrad.functional.smooth_activation import celu as celu
from minigrad.functional.smooth_activation import celu_ as celu_
from minigrad.functional.smooth_activation import elu_ as elu_
from minigrad.functional.smooth_activation import glu as glu
from minigrad.functional.smooth_activation import gumbel_softmax as gumbel_softmax
from minigrad.functional.smooth_activation import mish as mish
from minigrad.functional.smooth_activation import selu as selu
from minigrad.functional.smooth_activation import selu_ as selu_
from minigrad.functional.smooth_activation import softmin as softmin
from minigrad.functional.smooth_activation import softsign as softsign
from minigrad.functional.smooth_activation import tanhshrink as tanhshrink
from minigrad.functional.sparse import embedding as embedding
from minigrad.functional.sparse import one_hot as one_hot

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d", "adaptive_max_pool2d_with_indices", "affine_grid", "alpha_dropout", "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "celu_", "conv1d", "conv2d", "conv_transpose2d", "cosine_embedding_loss", "cosine_similarity", "cross_entropy", "dropout", "dropout1d", "dropout2d", "dropout3d", "elu", "elu_", "embedding", "feature_alpha_dropout", "fold", "gaussian_nll_loss", "gelu", "glu", "grid_sample", "group_norm", "gumbel_softmax", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "hardtanh_", "hinge_embedding_loss", "huber_loss", "instance_norm", "interpolate", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "leaky_relu_", "linear", "local_response_norm", "log_softmax", "logsigmoid", "lp_pool2d", "margin_ranking_loss", "max_pool1d", "max_pool1d_with_indices", "max_pool2d", "max_pool2d_with_indices", "max_unpool2d", "min_pool2d", "mish", "mse_loss", "multi_margin_loss", "multilabel_soft_margin_loss", "nll_loss", "normalize", "one_hot", "pad", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "poisson_nll_loss", "prelu", "relu", "relu6", "relu_", "rrelu", "rrelu_", "selu", "selu_", "sigmoid", "silu", "smooth_l1_loss", "soft_margin_loss", "softmax", "softmin", "softplus", "softshrink", "softsign", "tanh", "tanhshrink", "threshold", "threshold_", "triplet_margin_loss", "unfold", "upsample", "upsample_bilinear", "upsample_nearest"]
