"""Reading PyTorch checkpoints (``torch.save``'s zip format) without PyTorch.

A ``.pt`` file is a zip archive: ``<root>/data.pkl`` pickles the saved object, and each
tensor's storage is a raw member ``<root>/data/<key>``. Unpickling runs whatever the
pickle names, so it is done by an unpickler that resolves only an allowlist of globals:
the ones a state dict, an optimizer state or a dict of them needs (tensor and parameter
rebuilds, storage types, ``OrderedDict``, dtypes, ``torch.Size``, ``torch.device`` and a
few built-in containers), each mapped to a function here that builds minigrad objects.
Any other global (a class, ``os.system``, ``builtins.exec``...) stops the load with an
error before it is called. Storage sizes and tensor extents are checked against the
archive before anything is allocated.
"""

from __future__ import annotations

import _compat_pickle
import collections
import io
import math
import pickle
import zipfile
from typing import Any, ClassVar, Literal

import numpy

from minigrad.dtypes import check_supported, is_floating
from minigrad.serialization.archive import BadFile, read_member
from minigrad.serialization.host import to_tensor
from minigrad.tensor import Tensor

__all__ = ["find_root", "is_legacy_torch", "read"]

# torch.save's legacy (non-zip) format starts with this pickled magic number.
_LEGACY_MAGIC = (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
_STORAGE_DTYPES = {
    "DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
    "BoolStorage": "bool", "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128",
}
_TORCH_DTYPES = {
    "float64": "float64", "double": "float64", "float32": "float32", "float": "float32",
    "float16": "float16", "half": "float16", "int64": "int64", "long": "int64",
    "int32": "int32", "int": "int32", "int16": "int16", "short": "int16", "int8": "int8",
    "uint8": "uint8", "bool": "bool",
}


class _StorageType:
    """What the unpickler returns for ``torch.FloatStorage`` and friends."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype


class _Refused(pickle.UnpicklingError):
    """A global the allowlist does not contain."""


def is_legacy_torch(head: bytes) -> bool:
    """Whether the file starts like ``torch.save(..., _use_new_zipfile_serialization=False)``."""
    return head[:2] == b"\x80\x02" and _LEGACY_MAGIC in head[:32]


def find_root(archive: zipfile.ZipFile) -> str | None:
    """The folder holding ``data.pkl`` in a ``torch.save`` archive, or ``None``."""
    roots = [n[: -len("data.pkl")] for n in archive.namelist()
             if n.endswith("/data.pkl") and n.count("/") == 1]
    return roots[0] if len(roots) == 1 else None


class _Checkpoint:
    """One archive being read: its storages, cached by key, and the rebuild functions."""

    def __init__(self, archive: zipfile.ZipFile, root: str, total: int, name: str,
                 backend: Any) -> None:
        self.archive, self.root, self.total, self.name = archive, root, total, name
        self.backend = backend
        self.storages: dict[str, numpy.ndarray[Any, Any]] = {}
        order = f"{root}byteorder"
        big = (order in archive.namelist()
               and read_member(archive, order, total, name, None)[:3] == b"big")
        self.order: Literal[">", "<"] = ">" if big else "<"

    def fail(self, what: str) -> BadFile:
        return BadFile(f"load: {self.name}: {what}")

    # --- persistent ids: ('storage', storage type, key, location, number of elements) ---
    def storage(self, pid: Any) -> numpy.ndarray[Any, Any]:
        if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
                or not isinstance(pid[1], _StorageType) or not isinstance(pid[2], str)
                or not isinstance(pid[4], int) or pid[4] < 0):
            raise self.fail(f"unsupported persistent id {pid!r:.80} in data.pkl")
        kind, key, numel = pid[1], pid[2], pid[4]
        if key not in self.storages:
            raw = "uint16" if kind.dtype == "bfloat16" else kind.dtype
            dtype = numpy.dtype(raw).newbyteorder(self.order)
            data = read_member(self.archive, f"{self.root}data/{key}", self.total, self.name,
                               numel * dtype.itemsize)
            self.storages[key] = numpy.frombuffer(data, dtype=dtype)
        return self.storages[key]

    def tensor(self, storage: Any, offset: Any, size: Any, stride: Any, *rest: Any) -> Tensor:
        """``torch._utils._rebuild_tensor_v2`` (and v1, which lacks ``rest``)."""
        requires_grad = rest[0] if rest else False
        hooks = rest[1] if len(rest) > 1 else None
        if not isinstance(storage, _Storage):
            raise self.fail("a tensor rebuild without a storage in data.pkl")
        if not (_is_index(offset) and _is_index_tuple(size) and _is_index_tuple(stride)
                and len(size) == len(stride) and isinstance(requires_grad, bool)):
            raise self.fail(f"malformed tensor geometry (offset {offset!r:.20}, size "
                            f"{size!r:.40}, stride {stride!r:.40}) in data.pkl")
        if hooks:
            raise self.fail("a tensor with backward hooks in data.pkl (not loadable)")
        flat = storage.array
        if math.prod(size) and offset + sum((n - 1) * s for n, s in zip(size, stride)) >= \
                flat.size:
            raise self.fail(f"a tensor of size {size} and stride {stride} at offset {offset} "
                            f"reaches past its storage of {flat.size} elements")
        view = numpy.lib.stride_tricks.as_strided(
            flat[offset:] if math.prod(size) else flat[:0], shape=size,
            strides=[s * flat.itemsize for s in stride], writeable=False)
        host = _to_native(view, storage.dtype)
        try:
            check_supported(host.dtype)
        except TypeError:
            raise self.fail(f"a tensor of dtype {storage.dtype}, which minigrad can't hold "
                            "(convert it in PyTorch first)") from None
        t = to_tensor(host, self.backend)
        if requires_grad and is_floating(host.dtype):
            t.requires_grad_(True)
        return t

    def parameter(self, data: Any, requires_grad: Any = True, hooks: Any = None) -> Any:
        """``torch._utils._rebuild_parameter``."""
        from minigrad.nn.parameter import Parameter

        if not isinstance(data, Tensor) or not isinstance(requires_grad, bool) or hooks:
            raise self.fail("a malformed parameter rebuild in data.pkl")
        return Parameter(data, requires_grad=requires_grad and is_floating(data.dtype))


class _Storage:
    """A storage's flat array and its PyTorch dtype name."""

    def __init__(self, array: numpy.ndarray[Any, Any], dtype: str) -> None:
        self.array, self.dtype = array, dtype


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_index_tuple(value: Any) -> bool:
    return isinstance(value, tuple) and all(_is_index(v) for v in value)


def _to_native(view: numpy.ndarray[Any, Any], dtype: str) -> numpy.ndarray[Any, Any]:
    """A contiguous native-endian copy; bfloat16 (raw uint16 halves) widened to float32."""
    if dtype == "bfloat16":
        halves = view.astype(numpy.uint32)
        return (halves << 16).view(numpy.float32)
    return numpy.array(view, dtype=numpy.dtype(view.dtype.name), order="C")


def _size(values: Any = ()) -> tuple[int, ...]:
    if not isinstance(values, (tuple, list)) or not all(_is_index(v) for v in values):
        raise pickle.UnpicklingError(f"malformed torch.Size {values!r:.40}")
    return tuple(values)


def _device(kind: Any, index: Any = None) -> str:
    if not isinstance(kind, str) or not (index is None or _is_index(index)):
        raise pickle.UnpicklingError(f"malformed torch.device {kind!r:.20}")
    return kind if index is None or ":" in kind else f"{kind}:{index}"


def _encode(text: Any, encoding: Any = "utf-8") -> bytes:
    """``_codecs.encode``, which protocol 2 uses to pickle bytes; only that use is allowed."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is allowed only to rebuild bytes")
    return text.encode("latin1")


def _load_build(unpickler: Any) -> None:
    """The BUILD opcode, which would set attributes or call ``__setstate__`` on any object
    the pickle made: allowed only on an ``OrderedDict``, whose state (PyTorch's per-module
    ``_metadata`` versions, unused by minigrad) is dropped."""
    stack = unpickler.stack
    state = stack.pop()
    if type(stack[-1]) is not collections.OrderedDict or not isinstance(state, dict):
        raise _Refused(f"setting the state of a {type(stack[-1]).__name__} object (BUILD)")


class _Unpickler(pickle._Unpickler):
    """The pure-Python unpickler (its opcode table can be changed, unlike the C one's),
    resolving globals from an allowlist only."""

    dispatch: ClassVar[dict[int, Any]] = {**pickle._Unpickler.dispatch,
                                          pickle.BUILD[0]: _load_build}

    def __init__(self, data: bytes, checkpoint: _Checkpoint) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self.checkpoint = checkpoint
        allowed: dict[str, Any] = {
            "collections.OrderedDict": collections.OrderedDict,
            "builtins.set": set, "builtins.frozenset": frozenset,
            "builtins.complex": complex, "_codecs.encode": _encode,
            "torch.Size": _size, "torch.device": _device,
            "torch._utils._rebuild_tensor": checkpoint.tensor,
            "torch._utils._rebuild_tensor_v2": checkpoint.tensor,
            "torch._utils._rebuild_parameter": checkpoint.parameter,
        }
        allowed.update({f"torch.{k}": _StorageType(v) for k, v in _STORAGE_DTYPES.items()})
        allowed.update({f"torch.{k}": numpy.dtype(v) for k, v in _TORCH_DTYPES.items()})
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 2 (torch.save's) writes Python 2 names: map them as pickle itself does.
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = self.allowed.get(f"{module}.{name}")
        if found is None:
            raise _Refused(f"the global {module}.{name}")
        return found

    def persistent_load(self, pid: Any) -> Any:
        array = self.checkpoint.storage(pid)
        return _Storage(array, pid[1].dtype)


def read(archive: zipfile.ZipFile, root: str, total: int, name: str, backend: Any) -> Any:
    """Unpickle ``<root>data.pkl`` of a ``torch.save`` archive with the allowlist.

    Raises
    ------
    BadFile
        If the pickle names a global outside the allowlist (nothing it names is called),
        or the archive is malformed; the message names the file and the reason.
    """
    checkpoint = _Checkpoint(archive, root, total, name, backend)
    data = read_member(archive, f"{root}data.pkl", total, name)
    try:
        return _Unpickler(data, checkpoint).load()
    except _Refused as exc:
        raise BadFile(
            f"load: {name}: refused: unpickling this PyTorch checkpoint needs {exc}, which "
            "minigrad does not allow: it reads only tensors, parameters and plain data "
            "(dicts, lists, numbers, strings, dtypes, torch.Size), because any other object "
            "could run code "
            "when loaded. Save model.state_dict() (not the model) in PyTorch, or convert the "
            "file to .safetensors; weights_only=False does not change this"
        ) from None
    except BadFile:
        raise
    except RecursionError:
        raise BadFile(f"load: {name}: data.pkl is nested too deeply") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, OverflowError, UnicodeDecodeError, MemoryError) as exc:
        raise BadFile(f"load: {name}: data.pkl of this PyTorch checkpoint is corrupt "
                      f"({type(exc).__name__}: {exc})") from None

