"""Saving and loading state dicts in a safe format: a NumPy ``.npz`` archive.

The archive holds one array per tensor plus a JSON description of the structure
(dicts, lists, tuples, numbers, strings, booleans, ``None``). Nothing is pickled, so
loading a file cannot run code. Tensors come back exactly (same dtype and values) on the
current backend, whatever backend saved them.

Examples
--------
>>> import os, tempfile
>>> import minigrad
>>> from minigrad import nn
>>> model = nn.Linear(3, 2)
>>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
>>> minigrad.save(model.state_dict(), path)
>>> restored = nn.Linear(3, 2)
>>> restored.load_state_dict(minigrad.load(path))
_IncompatibleKeys(missing_keys=[], unexpected_keys=[])
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping
from typing import IO, Any

import numpy

from minigrad import backends
from minigrad.dtypes import check_supported
from minigrad.tensor import Tensor

__all__ = ["load", "save"]

_STRUCTURE_KEY = "__minigrad_structure__"
_FORMAT = "minigrad-npz-1"
PathLike = str | os.PathLike[str] | IO[bytes]


def _encode(obj: Any, arrays: dict[str, numpy.ndarray[Any, Any]], where: str) -> Any:
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
            items.append([k, _encode(v, arrays, f"{where}[{k!r}]")])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise TypeError(
        f"save: can't store a {type(obj).__name__} at {where}; only tensors, NumPy arrays, "
        "numbers, strings, None and dicts/lists/tuples of them can be saved (no pickling)"
    )


def _array(arrays: Any, key: Any) -> numpy.ndarray[Any, Any]:
    if not isinstance(key, str) or key == _STRUCTURE_KEY or key not in arrays.files:
        raise ValueError(f"load: the file's structure names a missing array {key!r:.40}")
    host: numpy.ndarray[Any, Any] = arrays[key]
    if host.dtype.kind in "OV":
        raise ValueError(f"load: array {key!r} has dtype {host.dtype}, which minigrad can't load")
    return host


def _decode(node: Any, arrays: Any, backend: Any) -> Any:
    if not isinstance(node, dict):
        raise ValueError(f"load: malformed entry in the file's structure: {node!r:.80}")
    if "tensor" in node:
        host = _array(arrays, node["tensor"])
        try:
            check_supported(host.dtype)
        except TypeError:
            raise ValueError(
                f"load: tensor {node['tensor']!r} has dtype {host.dtype}, which is not a "
                "tensor dtype (expected a bool, integer or floating dtype minigrad supports)"
            ) from None
        t = Tensor.from_array(backend.asarray(host), backend)
        if node.get("parameter"):
            from minigrad.nn.parameter import Parameter

            return Parameter(t, requires_grad=node.get("requires_grad", True))
        return t.requires_grad_(True) if node.get("requires_grad") else t
    if "ndarray" in node:
        return numpy.array(_array(arrays, node["ndarray"]))
    if "value" in node:
        return node["value"]
    if "int" in node:
        return int(node["int"])
    if "float" in node:
        return float(node["float"])
    if "dict" in node:
        return {k: _decode(v, arrays, backend) for k, v in node["dict"]}
    if "list" in node:
        return [_decode(v, arrays, backend) for v in node["list"]]
    if "tuple" in node:
        return tuple(_decode(v, arrays, backend) for v in node["tuple"])
    raise ValueError(f"load: unknown entry in the file's structure: {node!r:.80}")


def save(obj: Any, f: PathLike) -> None:
    """Save a state dict (or any nesting of dicts, lists and tuples of tensors, arrays,
    numbers, strings and ``None``) to ``f``.

    Parameters
    ----------
    obj : object
        Typically ``model.state_dict()``, ``optimizer.state_dict()`` or a dict of both.
    f : str, path or binary file
        Where to write; the name is used as given (no extension is added).

    Raises
    ------
    TypeError
        For values that can't be stored without pickling (the message says where).
    """
    arrays: dict[str, numpy.ndarray[Any, Any]] = {}
    structure = {"format": _FORMAT, "root": _encode(obj, arrays, "obj")}
    encoded = numpy.frombuffer(json.dumps(structure).encode("utf-8"), dtype=numpy.uint8)
    arrays[_STRUCTURE_KEY] = encoded
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as out:
            numpy.savez(out, **arrays)  # type: ignore[arg-type]
    else:
        numpy.savez(f, **arrays)  # type: ignore[arg-type]


def load(f: PathLike, map_location: Any = None) -> Any:
    """Load what :func:`save` wrote.

    Parameters
    ----------
    f : str, path or binary file
        The file.
    map_location : str or Backend, optional
        Backend for the tensors (``"cpu"``, ``"cuda"``, a name); default: the current one.

    Raises
    ------
    ValueError
        If the file is not a minigrad archive (a ``.npy`` array, a PyTorch checkpoint, a
        plain ``.npz``), its structure is malformed, or a tensor in it has a dtype that
        minigrad tensors can't have.
    """

    backend = backends.current() if map_location is None else backends.resolve(map_location)
    try:
        archive = numpy.load(f, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ValueError(f"load: {f!r} is not a file written by minigrad.save ({exc})") from exc
    if not isinstance(archive, numpy.lib.npyio.NpzFile):
        raise ValueError(
            f"load: {f!r} is a single NumPy array (.npy), not an archive written by "
            "minigrad.save; read it with numpy.load"
        )
    with archive:
        if _STRUCTURE_KEY not in archive.files:
            names = archive.zip.namelist() if archive.zip is not None else []
            if any(name.endswith("data.pkl") for name in names):
                raise ValueError(
                    f"load: {f!r} looks like a PyTorch checkpoint (a zip with data.pkl), "
                    "which minigrad cannot read (it would need unpickling); in PyTorch, "
                    "convert the tensors to NumPy arrays and save them with numpy.savez"
                )
            raise ValueError(f"load: {f!r} is an .npz archive but not one written by "
                             "minigrad.save (no structure entry)")
        try:
            structure = json.loads(archive[_STRUCTURE_KEY].tobytes().decode("utf-8"))
            if not isinstance(structure, dict) or "root" not in structure:
                raise ValueError("the structure entry is not a dict with a 'root'")
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ValueError(f"load: malformed structure in {f!r} ({exc})") from exc
        if structure.get("format") != _FORMAT:
            raise ValueError(f"load: unsupported format {structure.get('format')!r}")
        try:
            return _decode(structure["root"], archive, backend)
        except (TypeError, KeyError, IndexError, AttributeError) as exc:
            raise ValueError(f"load: malformed structure in {f!r} ({exc!r})") from exc
