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
from minigrad.functional.conv import conv1d as conv1d
from minigrad.functional.conv import conv2d as conv2d
from minigrad.functional.conv import conv_transpose2d as conv_transpose2d
from minigrad.functional.dropout import dropout as dropout
from minigrad.functional.dropout import dropout2d as dropout2d
from minigrad.functional.fold import fold as fold
from minigrad.functional.fold import unfold as unfold
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
from minigrad.functional.normalization import batch_norm as batch_norm
from minigrad.functional.normalization import layer_norm as layer_norm
from minigrad.functional.padding import pad as pad
from minigrad.functional.pooling import avg_pool2d as avg_pool2d
from minigrad.functional.pooling import lp_pool2d as lp_pool2d
from minigrad.functional.pooling import max_pool2d as max_pool2d
from minigrad.functional.pooling import max_unpool2d as max_unpool2d
from minigrad.functional.pooling import min_pool2d as min_pool2d
from minigrad.functional.sparse import embedding as embedding
from minigrad.functional.sparse import one_hot as one_hot

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv1d", "conv2d", "conv_transpose2d", "cross_entropy", "dropout", "dropout2d", "elu", "embedding", "fold", "gelu", "hardtanh", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "logsigmoid", "lp_pool2d", "max_pool2d", "max_unpool2d", "min_pool2d", "mse_loss", "nll_loss", "one_hot", "pad", "relu", "relu6", "sigmoid", "silu", "smooth_l1_loss", "softmax", "softplus", "tanh", "unfold"]
