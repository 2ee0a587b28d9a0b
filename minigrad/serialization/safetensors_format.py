"""The safetensors format (Hugging Face's), through the ``safetensors`` package.

A ``.safetensors`` file is a flat mapping from names to tensors, with a JSON header and
raw little-endian data: no code, no pickles. It is what PyTorch and Hugging Face models
are increasingly shared in, and since minigrad's state-dict keys follow PyTorch's, a
file written by ``safetensors.torch.save_file(model.state_dict(), path)`` loads into the
matching minigrad model with ``load_state_dict``.

Writing uses the package's NumPy API. Reading uses its parser (which checks the header
and every offset against the file) and converts each entry here, so that bfloat16
weights, common in shared models and unknown to NumPy, load as float32 without loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import IO, Any

import numpy

from minigrad.dtypes import check_supported
from minigrad.serialization.archive import BadFile
from minigrad.serialization.host import to_tensor
from minigrad.tensor import Tensor

__all__ = ["INSTALL_HINT", "is_safetensors_header", "read", "write"]

INSTALL_HINT = ('pip install "minigrad-cnn[safetensors]" (or pip install -e ".[safetensors]" '
                "in a source checkout)")
_DTYPES = {
    "BOOL": numpy.dtype(bool), "U8": numpy.dtype("uint8"), "I8": numpy.dtype("int8"),
    "I16": numpy.dtype("<i2"), "I32": numpy.dtype("<i4"), "I64": numpy.dtype("<i8"),
    "F16": numpy.dtype("<f2"), "F32": numpy.dtype("<f4"), "F64": numpy.dtype("<f8"),
}


def _package(what: str) -> ModuleType:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as exc:
        raise ImportError(f"{what} .safetensors files needs the safetensors package: "
                          f"{INSTALL_HINT}") from exc
    return safetensors


def write(obj: Any, out: IO[bytes]) -> None:
    """Write a flat mapping of names to tensors (a state dict) to ``out``.

    Raises
    ------
    TypeError
        If ``obj`` is not a mapping of string keys to tensors or NumPy arrays.
    ImportError
        If the ``safetensors`` package is missing (the message names the extra).
    """
    if not isinstance(obj, Mapping):
        raise TypeError(f"save: a .safetensors file holds a flat dict of tensors (such as a "
                        f"state dict), not a {type(obj).__name__}; use a .pt or .npz name "
                        "for other objects")
    arrays: dict[str, numpy.ndarray[Any, Any]] = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save: .safetensors keys must be strings, got {key!r}")
        if isinstance(value, Tensor):
            host = value.detach().numpy()
        elif isinstance(value, numpy.ndarray) and value.dtype.name in (
                d.name for d in _DTYPES.values()):
            host = value
        else:
            kind = (f"a NumPy array of dtype {value.dtype}" if isinstance(value, numpy.ndarray)
                    else f"of type {type(value).__name__}")
            raise TypeError(f"save: a .safetensors file holds only tensors, but obj[{key!r}] "
                            f"is {kind}; save it in a .pt or .npz file instead")
        arrays[key] = numpy.asarray(host, order="C")  # not ascontiguousarray: keeps 0-d
    package = _package("saving")
    # "pt" marks the tensor layout as PyTorch's (NCHW, (out, in) weights), which ours is.
    out.write(package.numpy.save(arrays, metadata={"format": "pt"}))


def _convert(key: str, entry: Mapping[str, Any], name: str) -> numpy.ndarray[Any, Any]:
    code, shape, data = entry["dtype"], tuple(entry["shape"]), entry["data"]
    if code == "BF16":  # the top half of a float32: widen exactly
        halves = numpy.frombuffer(data, dtype="<u2")
        return (halves.astype(numpy.uint32) << 16).view(numpy.float32).reshape(shape)
    dtype = _DTYPES.get(code)
    if dtype is None:
        raise BadFile(f"load: {name}: tensor {key!r} has dtype {code}, which minigrad can't "
                      "hold (it reads BOOL, U8, I8, I16, I32, I64, F16, BF16, F32, F64)")
    return _native(numpy.frombuffer(data, dtype=dtype).reshape(shape))


def read(source: IO[bytes], name: str, backend: Any,
         path: str | None = None) -> dict[str, Tensor]:
    """The tensors of a safetensors file, as a dict, on ``backend``.

    A file on disk is memory-mapped and each tensor copied out once; bfloat16 entries
    (and open files) go through the package's parser on the whole file's bytes.

    Raises
    ------
    BadFile
        If the file is not valid safetensors or holds a dtype minigrad lacks.
    """
    package = _package("loading")
    try:
        if path is not None:
            with package.safe_open(path, framework="np") as f:
                keys = list(f.keys())  # a safe_open handle is not a dict
                if all(f.get_slice(k).get_dtype() in _DTYPES for k in keys):
                    return {k: to_tensor(_native(f.get_tensor(k)), backend) for k in keys}
        entries = package.deserialize(source.read())
    except Exception as exc:  # SafetensorError derives from Exception only
        raise BadFile(f"load: {name}: not a valid safetensors file ({exc})") from None
    result = {}
    for key, entry in entries:
        host = _convert(key, entry, name)
        check_supported(host.dtype)
        result[key] = to_tensor(host, backend)
    return result


def _native(array: numpy.ndarray[Any, Any]) -> numpy.ndarray[Any, Any]:
    return array if array.dtype.isnative else array.astype(array.dtype.newbyteorder("="))


def is_safetensors_header(head: bytes) -> bool:
    """Whether a file starting with ``head`` looks like safetensors: an 8-byte
    little-endian header length (safetensors caps headers at 100 MB), then a JSON object.
    A truncated file still counts, so that the parser's error names the damage."""
    if len(head) < 9 or head[8:9] != b"{":
        return False
    return 0 < int.from_bytes(head[:8], "little") <= 100_000_000
