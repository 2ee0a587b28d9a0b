"""minigrad: a small reverse-mode autograd tensor framework for CNNs, on NumPy or CuPy.

Examples
--------
>>> import minigrad
>>> x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

import os as _os
from typing import TYPE_CHECKING

from minigrad import (
    accelerator,
    autograd,
    backends,
    cuda,
    functional,
    optable,
    threads,
    version,
    xpu,
)
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
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    manual_seed,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from minigrad.device import device
from minigrad.dlpack import from_dlpack
from minigrad.dtypes import (
    bool_,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from minigrad.inference import inference_mode, is_inference_mode_enabled
from minigrad.legacy_types import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from minigrad.printing import set_printoptions
from minigrad.serialization import load, save
from minigrad.size import Size
from minigrad.tensor import Tensor, tensor
from minigrad.threads import get_num_threads, set_num_threads
from minigrad.types import ValuesIndices
from minigrad.version import __version__ as __version__

globals().update(functional.torch_namespace())  # minigrad.exp, minigrad.conv2d, ...

bool = bool_
long = int64
double = float64
half = float16
short = int16
from minigrad import (  # noqa: E402  (they build on the core)
    data,
    nn,
    onnx,
    optim,
    random,
    testing,
    utils,
)
from minigrad.random import (  # noqa: E402
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    seed,
    set_rng_state,
)

__all__ = [
    "Tensor", "ValuesIndices", "arange", "autograd", "backends", "backward", "bool",
    "bool_", "data", "double", "empty", "empty_like", "enable_grad", "eye", "float16",
    "float32", "float64", "full", "full_like", "functional", "get_default_dtype", "grad",
    "half", "int32", "int64", "is_grad_enabled", "linspace", "load", "long", "manual_seed",
    "nn", "no_grad", "normal", "ones", "ones_like", "optable", "optim", "rand", "rand_like",
    "randint", "randn", "randn_like", "save", "set_backend", "set_default_dtype",
    "onnx", "set_grad_enabled", "tensor", "testing", "use_backend", "utils", "zeros", "zeros_like",
    "Size", "accelerator", "cuda", "device", "dtype", "int8", "int16", "short", "uint8", "xpu",
    "as_tensor", "from_dlpack", "from_numpy", "get_num_threads", "set_num_threads",
    "inference_mode", "is_inference_mode_enabled", "logspace", "randperm", "set_printoptions",
    "multiprocessing", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
    "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
    "Generator", "default_generator", "get_rng_state", "initial_seed", "random", "seed",
    "set_rng_state",
    "linalg",
    "amp", "autocast", "cpu", "finfo", "iinfo", "channels_last", "channels_last_3d",
    "contiguous_format", "memory_format", "preserve_format",
    "are_deterministic_algorithms_enabled", "get_float32_matmul_precision",
    "is_deterministic_algorithms_warn_only_enabled", "set_float32_matmul_precision",
    "use_deterministic_algorithms", "compile",
    "randint_like",
    "version",
]
from minigrad import linalg  # noqa: E402  (built on the ops)

__all__ += sorted(optable.namespace("torch"))  # the ops, from the table

# mixed precision, machine limits, layout hints and compiler switches
from minigrad import amp, cpu  # noqa: E402
from minigrad.amp import autocast  # noqa: E402
from minigrad.dtypes import finfo, iinfo  # noqa: E402
from minigrad.eager import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from minigrad.memory_format import (  # noqa: E402
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)

backends.resolve_at_import()  # a bad MINIGRAD_BACKEND fails at import, not later
threads.apply_default()  # one BLAS thread unless the environment says otherwise
if _os.environ.get("MINIGRAD_GRAPH"):  # the picture of the first backward (minigrad.viz)
    from minigrad.viz import env_hook as _env_hook  # noqa: F401

# Last, since these shadow the builtins in this module's namespace.
float = float32
int = int32
from minigrad.eager import compile  # noqa: E402  (shadows the builtin, so last)

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    _not_here = _module_getattr(__name__, "torch")

    def __getattr__(name: str) -> object:
        if name == "multiprocessing":  # loaded on first use, as it starts no machinery
            import importlib

            return importlib.import_module("minigrad.multiprocessing")
        _not_here(name)
