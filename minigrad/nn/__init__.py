"""Neural network building blocks, as ``torch.nn``: modules, layers, losses and init.

Examples
--------
>>> import minigrad
>>> from minigrad import nn
>>> model = nn.Sequential(
...     nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2),
...     nn.Flatten(), nn.Linear(6 * 14 * 14, 10),
... )
>>> model(minigrad.randn(2, 1, 32, 32)).shape
minigrad.Size([2, 10])
"""

from typing import TYPE_CHECKING

from minigrad.nn import functional, init, parallel, utils
from minigrad.nn.activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softplus,
    Tanh,
)
from minigrad.nn.container import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from minigrad.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from minigrad.nn.distance import CosineSimilarity, PairwiseDistance
from minigrad.nn.dropout import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from minigrad.nn.flatten import Flatten, Unflatten
from minigrad.nn.fold import Fold, Unfold
from minigrad.nn.lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyConv1d,
    LazyConv2d,
    LazyConvTranspose2d,
    LazyLinear,
    UninitializedBuffer,
    UninitializedParameter,
)
from minigrad.nn.likelihood_loss import GaussianNLLLoss, KLDivLoss, PoissonNLLLoss
from minigrad.nn.linear import Identity, Linear
from minigrad.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from minigrad.nn.margin_loss import (
    CosineEmbeddingLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from minigrad.nn.module import Module, RemovableHandle
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from minigrad.nn.padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from minigrad.nn.parallel import DataParallel
from minigrad.nn.parameter import Parameter
from minigrad.nn.per_sample_normalization import (
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    LocalResponseNorm,
)
from minigrad.nn.piecewise import (
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    PReLU,
    RReLU,
    Softshrink,
    Threshold,
)
from minigrad.nn.pixel_shuffle import PixelShuffle, PixelUnshuffle
from minigrad.nn.pooling import (
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    AvgPool2d,
    GlobalAvgPool2d,
    GlobalMaxPool2d,
    LPPool2d,
    MaxPool2d,
    MaxUnpool2d,
    MinPool2d,
)
from minigrad.nn.pooling1d import AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, MaxPool1d
from minigrad.nn.regression_loss import HuberLoss
from minigrad.nn.resampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from minigrad.nn.smooth_activation import CELU, GLU, SELU, Mish, Softmin, Softsign, Tanhshrink
from minigrad.nn.sparse import Embedding
from minigrad.nn.sync_batchnorm import SyncBatchNorm

__all__ = [
    "ELU", "GELU", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "BCELoss",
    "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d", "ConvTranspose2d",
    "CrossEntropyLoss", "DataParallel", "Dropout", "Dropout2d", "Embedding", "Flatten",
    "GlobalAvgPool2d", "GlobalMaxPool2d", "Identity", "L1Loss", "LPPool2d", "LayerNorm",
    "LeakyReLU", "Linear",
    "LogSoftmax", "MSELoss", "MaxPool2d", "MaxUnpool2d", "MinPool2d", "Module", "ModuleDict",
    "ModuleList", "NLLLoss", "Parameter", "ReLU", "RemovableHandle", "Sequential", "Sigmoid",
    "SmoothL1Loss", "Softmax", "SyncBatchNorm", "Tanh", "Unflatten", "functional", "init",
    "parallel", "utils",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyConv1d", "LazyConv2d", "LazyConvTranspose2d",
    "LazyLinear", "UninitializedBuffer", "UninitializedParameter",
    # activations
    "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid", "Mish",
    "PReLU", "RReLU", "ReLU6", "SELU", "SiLU", "Softmax2d", "Softmin", "Softplus", "Softshrink",
    "Softsign", "Tanhshrink", "Threshold",
    # distances and per-sample normalisation
    "CosineSimilarity", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "LocalResponseNorm",
    "PairwiseDistance",
    # resampling
    "PixelShuffle", "PixelUnshuffle", "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d",
    # padding, 1-D pooling, sliding windows
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AvgPool1d", "MaxPool1d", "Fold", "Unfold",
    # losses
    "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss",
    "MarginRankingLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "PoissonNLLLoss",
    "SoftMarginLoss", "TripletMarginLoss",
    # containers and dropout
    "AlphaDropout", "Dropout1d", "Dropout3d", "FeatureAlphaDropout", "ParameterDict",
    "ParameterList",
]

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.nn")
