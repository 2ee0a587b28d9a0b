"""Every op of minigrad, one module per category, each op declared once in the op table.

Importing this package registers every op (:mod:`minigrad.optable`) and binds the
``Tensor`` methods and operators. ``minigrad`` and ``minigrad.nn.functional`` take their
functions from the table.
"""

from minigrad import optable
from minigrad.functional import (  # noqa: F401  (importing a category registers its ops)
    activation,
    adaptive_pooling,
    arithmetic,
    comparison,
    conv,
    conversion,
    cumulative,
    distance,
    dropout,
    einsum,
    elementwise,
    fold,
    grid_sampling,
    indexing,
    inplace,
    likelihood_loss,
    linalg,
    loss,
    margin_loss,
    matrices,
    normalization,
    padding,
    per_sample_normalization,
    piecewise,
    pixel_shuffle,
    pointwise,
    pooling,
    pooling1d,
    properties,
    reduce,
    regression_loss,
    reorder,
    resampling,
    sampling,
    scatter,
    shape,
    smooth_activation,
    sorting,
    sparse,
    triangular,
)
from minigrad.tensor import Tensor

optable.bind(Tensor, inplace.in_place)


def torch_namespace() -> dict[str, object]:
    """The ``minigrad.<name>`` functions, each taking PyTorch's ``out=`` keyword."""
    return {name: inplace.with_out(fn) for name, fn in optable.namespace("torch").items()}
