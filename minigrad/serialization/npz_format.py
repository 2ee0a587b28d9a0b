"""minigrad's own checkpoint format: a NumPy ``.npz`` archive plus a JSON structure.

The archive holds one ``.npy`` array per tensor and one more member,
``__minigrad_structure__.npy``, with a JSON description of the nesting (dicts, lists,
tuples, numbers, strings, booleans, ``None``) that points at the arrays by name. Tensors
come back exactly (same dtype and values) on any backend. Any other object (a whole
model, as ``torch.save(model)`` stores one) is pickled into a byte array of its own, and
reading gives it back only with ``weights_only=False``: by default a file cannot run code.

Reading does not trust the file: every array's declared shape is checked against the
bytes its member really holds before anything is allocated, nesting is limited to
:data:`MAX_DEPTH` levels and every malformed entry is a :class:`~.archive.BadFile`.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import zipfile
from collections.abc import Mapping
from typing import IO, Any

import numpy

from minigrad.dtypes import check_supported, is_floating
from minigrad.serialization.archive import BadFile, read_member
from minigrad.tensor import Tensor

__all__ = ["MAX_DEPTH", "STRUCTURE_KEY", "is_minigrad_archive", "read", "write"]

STRUCTURE_KEY = "__minigrad_structure__"
MAX_DEPTH = 200
_FORMAT = "minigrad-npz-1"


# --- writing ---------------------------------------------------------------------------
def _encode(obj: Any, arrays: dict[str, numpy.ndarray[Any, Any]], where: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError(f"save: {where} is nested more than {MAX_DEPTH} levels deep "
                         "(or contains itself)")
    if isinstance(obj, numpy.generic):
        obj = obj.item()  # numpy.bool_ -> bool, numpy.float32 -> float, ...
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        arrays[key] = numpy.asarray(obj.detach().numpy(), order="C")
        return {"tensor": key, "parameter": type(obj).__name__ == "Parameter",
                "requires_grad": obj.requires_grad}
    if isinstance(obj, numpy.ndarray):
        key = f"t{len(arrays)}"
        if obj.dtype.kind in "OV":
            raise TypeError(f"save: can't store a NumPy array of dtype {obj.dtype} at {where}")
        arrays[key] = numpy.asarray(obj, order="C")
        return {"ndarray": key}
    if obj is None or isinstance(obj, (bool, str)):
        return {"value": obj}
    if isinstance(obj, int):
        return {"int": int(obj)}
    if isinstance(obj, float):
        return {"float": repr(float(obj))}
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(
                    f"save: dict keys must be str or int, got {type(k).__name__} at {where}"
                )
            items.append([k, _encode(v, arrays, f"{where}[{k!r}]", depth + 1)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{where}[{i}]", depth + 1)
                       for i, v in enumerate(obj)]}
    return _pickled(obj, arrays, where)


def _pickled(obj: Any, arrays: dict[str, numpy.ndarray[Any, Any]], where: str) -> Any:
    """Any other object (a whole model, as ``torch.save(model)`` stores it) is pickled;
    :func:`read` gives it back only when asked with ``weights_only=False``."""
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    try:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # PicklingError, AttributeError, TypeError: all mean "can't"
        raise TypeError(f"save: can't store the {kind} at {where}: pickling it failed ({exc}); "
                        "save its state_dict() instead") from None
    key = f"t{len(arrays)}"
    arrays[key] = numpy.frombuffer(data, dtype=numpy.uint8)
    return {"pickled": key, "type": kind}


def write(obj: Any, out: IO[bytes]) -> None:
    """Write ``obj`` to the binary file ``out`` in minigrad's ``.npz`` format.

    Raises
    ------
    TypeError
        For an object that can't be pickled (the message says where).
    ValueError
        For nesting deeper than :data:`MAX_DEPTH` levels (or a container holding itself).
    """
    arrays: dict[str, numpy.ndarray[Any, Any]] = {}
    structure = {"format": _FORMAT, "root": _encode(obj, arrays, "obj", 0)}
    text = json.dumps(structure, allow_nan=False).encode("utf-8")
    arrays[STRUCTURE_KEY] = numpy.frombuffer(text, dtype=numpy.uint8)
    numpy.savez(out, **arrays)  # type: ignore[arg-type]


# --- reading ---------------------------------------------------------------------------
def is_minigrad_archive(archive: zipfile.ZipFile) -> bool:
    """Whether the zip archive has minigrad's structure member."""
    return f"{STRUCTURE_KEY}.npy" in archive.namelist()


def _parse_npy(data: bytes, member: str, name: str) -> numpy.ndarray[Any, Any]:
    """The array in a ``.npy`` member's bytes, checking its header against its length."""
    where = f"load: {name}: array {member!r}"
    stream = io.BytesIO(data)
    try:
        version = numpy.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = numpy.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = numpy.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except Exception as exc:  # ValueError, SyntaxError, tokenize errors...: all mean corrupt
        raise BadFile(f"{where} has a malformed .npy header ({exc})") from None
    if dtype.hasobject or dtype.kind == "V":
        raise BadFile(f"{where} has dtype {dtype}, which minigrad can't load")
    count = math.prod(shape)
    offset = stream.tell()
    if count * dtype.itemsize != len(data) - offset:
        raise BadFile(f"{where} declares shape {shape} of {dtype} ({count * dtype.itemsize} "
                      f"bytes) but holds {len(data) - offset} bytes")
    flat = numpy.frombuffer(data, dtype=dtype, count=count, offset=offset)
    host = flat.reshape(shape, order="F" if fortran else "C")
    return host if dtype.isnative else host.astype(dtype.newbyteorder("="))


class _Reader:
    """Decodes the JSON structure, reading each array the first time it is named."""

    def __init__(self, archive: zipfile.ZipFile, total: int, name: str, backend: Any,
                 weights_only: bool) -> None:
        self.archive, self.total, self.name, self.backend = archive, total, name, backend
        self.weights_only = weights_only

    def fail(self, what: str) -> BadFile:
        return BadFile(f"load: {self.name}: {what}")

    def array(self, key: Any) -> numpy.ndarray[Any, Any]:
        member = f"{key}.npy" if isinstance(key, str) else ""
        if not member or key == STRUCTURE_KEY or member not in self.archive.namelist():
            raise self.fail(f"the file's structure names a missing array {key!r:.40}")
        data = read_member(self.archive, member, self.total, self.name)
        return _parse_npy(data, key, self.name)

    def tensor(self, node: dict[str, Any]) -> Tensor:
        host = self.array(node["tensor"])
        try:
            check_supported(host.dtype)
        except TypeError:
            raise self.fail(
                f"tensor {node['tensor']!r} has dtype {host.dtype}, which is not a tensor dtype "
                "(expected a bool, integer or floating dtype minigrad supports)"
            ) from None
        requires_grad = node.get("requires_grad", bool(node.get("parameter")))
        if not isinstance(requires_grad, bool) or (requires_grad and not is_floating(host.dtype)):
            raise self.fail(f"tensor {node['tensor']!r} has an invalid requires_grad "
                            f"{requires_grad!r} for dtype {host.dtype}")
        t = Tensor.from_array(self.backend.asarray(host), self.backend)
        if node.get("parameter"):
            from minigrad.nn.parameter import Parameter

            return Parameter(t, requires_grad=requires_grad)
        return t.requires_grad_(True) if requires_grad else t

    def number(self, node: dict[str, Any]) -> int | float:
        if "int" in node:
            value = node["int"]
            if not isinstance(value, int) or isinstance(value, bool):
                raise self.fail(f"malformed integer {value!r:.40} in the file's structure")
            return value
        text = node["float"]
        try:
            if not isinstance(text, str):
                raise ValueError
            return float(text)
        except ValueError:
            raise self.fail(f"malformed float {text!r:.40} in the file's structure") from None

    def decode(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"the structure is nested more than {MAX_DEPTH} levels deep")
        if not isinstance(node, dict):
            raise self.fail(f"malformed entry in the file's structure: {node!r:.80}")
        if "tensor" in node:
            return self.tensor(node)
        if "ndarray" in node:
            return numpy.array(self.array(node["ndarray"]))
        if "value" in node:
            value = node["value"]
            if value is not None and not isinstance(value, (bool, str)):
                raise self.fail(f"malformed value {value!r:.40} in the file's structure")
            return value
        if "int" in node or "float" in node:
            return self.number(node)
        if "pickled" in node:
            return self.unpickle(node)
        for kind in ("dict", "list", "tuple"):
            if kind in node:
                return self.container(kind, node[kind], depth)
        raise self.fail(f"unknown entry in the file's structure: {node!r:.80}")

    def unpickle(self, node: dict[str, Any]) -> Any:
        kind = str(node.get("type", "object"))[:80]
        if self.weights_only:
            raise self.fail(
                f"holds a pickled {kind} (saved as a whole object, not as a state dict); "
                "loading with weights_only=True (the default, as in PyTorch) refuses it. "
                "Unpickling can run any code: only if you trust where the file comes from, "
                "load it with weights_only=False")
        data = self.array(node["pickled"])
        if data.dtype != numpy.uint8 or data.ndim != 1:
            raise self.fail(f"the pickled {kind} is not a byte string")
        return pickle.loads(data.tobytes())  # asked for: weights_only=False

    def container(self, kind: str, items: Any, depth: int) -> Any:
        if not isinstance(items, list):
            raise self.fail(f"malformed {kind} in the file's structure: {items!r:.80}")
        if kind != "dict":
            values = [self.decode(v, depth + 1) for v in items]
            return values if kind == "list" else tuple(values)
        result = {}
        for item in items:
            if (not isinstance(item, list) or len(item) != 2
                    or not isinstance(item[0], (str, int)) or isinstance(item[0], bool)):
                raise self.fail(f"malformed dict item in the file's structure: {item!r:.80}")
            result[item[0]] = self.decode(item[1], depth + 1)
        return result


def read(archive: zipfile.ZipFile, total: int, name: str, backend: Any,
         weights_only: bool = True) -> Any:
    """Read what :func:`write` wrote from an open zip ``archive`` of ``total`` bytes;
    pickled objects only when ``weights_only`` is false.

    Raises
    ------
    BadFile
        For anything malformed, naming ``name`` and what was wrong.
    """
    reader = _Reader(archive, total, name, backend, weights_only)
    raw = _parse_npy(read_member(archive, f"{STRUCTURE_KEY}.npy", total, name),
                     STRUCTURE_KEY, name)
    try:
        if raw.dtype != numpy.uint8 or raw.ndim != 1:
            raise ValueError(f"the structure entry is {raw.dtype} of shape {raw.shape}, "
                             "not a byte string")
        structure = json.loads(raw.tobytes().decode("utf-8"))
        if not isinstance(structure, dict) or "root" not in structure:
            raise ValueError("the structure entry is not a dict with a 'root'")
    except RecursionError:
        raise reader.fail(f"the structure is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise reader.fail(f"malformed structure ({exc})") from None
    if structure.get("format") != _FORMAT:
        raise reader.fail(f"unsupported format {structure.get('format')!r:.40} "
                          f"(this minigrad reads {_FORMAT!r})")
    return reader.decode(structure["root"], 0)
