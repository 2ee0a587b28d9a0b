"""minigrad: a small reverse-mode autograd tensor framework for CNNs, on NumPy or CuPy.

Examples
--------
>>> import minigrad
>>> x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from minigrad.tensor import Tensor, tensor  # noqa: I001  (tensor must load first)
from minigrad import backends, testing, threads
from minigrad.autograd import (
    backward,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.backends import set_backend, use_backend
from minigrad.creation import (
    arange,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    zeros,
    zeros_like,
)
from minigrad.dtypes import (
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    set_default_dtype,
)
from minigrad.serialization import load, save
from minigrad.threads import get_num_threads, set_num_threads
from minigrad.ops import (
    abs,
    amax,
    amin,
    argmax,
    argmin,
    cat,
    chunk,
    clamp,
    cos,
    exp,
    flatten,
    gather,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    permute,
    prod,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)

bool = bool_
long = int64
double = float64
half = float16
__version__ = "0.1.0"

__all__ = [
    "Tensor", "abs", "amax", "amin", "arange", "argmax", "argmin", "backends", "backward",
    "bool", "bool_", "cat", "chunk", "clamp", "cos", "double", "empty", "empty_like",
    "enable_grad", "exp", "eye", "flatten", "float16", "float32", "float64", "full",
    "full_like", "gather", "get_default_dtype", "grad", "half", "int32", "int64",
    "is_grad_enabled", "linspace", "log", "log_softmax", "logsumexp", "long",
    "manual_seed", "matmul", "max", "maximum", "mean", "min", "minimum", "no_grad", "ones",
    "ones_like", "permute", "prod", "rand", "rand_like", "randint", "randn", "randn_like",
    "relu", "reshape", "set_backend", "set_default_dtype", "set_grad_enabled", "sigmoid",
    "sin", "softmax", "split", "sqrt", "squeeze", "stack", "std", "sum", "tanh", "tensor",
    "testing", "nn", "optim", "data",
    "transpose", "unsqueeze", "use_backend", "var", "where", "zeros", "zeros_like",
    "load", "save", "get_num_threads", "set_num_threads",
]

from minigrad import data, nn, optim  # noqa: E402  (after the core they build on)

backends.resolve_at_import()  # a bad MINIGRAD_BACKEND fails at import, not later
threads.apply_default()  # one BLAS thread unless the environment says otherwise
