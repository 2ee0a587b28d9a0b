"""Saving and loading checkpoints: minigrad's ``.npz`` format, safetensors and PyTorch files.

:func:`save` writes minigrad's own format (a NumPy ``.npz`` archive with a JSON
structure: any nesting of dicts, lists and tuples of tensors, arrays, numbers and
strings), or a safetensors file when the name ends in ``.safetensors``. Saving to a path
is atomic: a failure part-way leaves any previous file untouched.

:func:`load` recognises a file by its content, not its name: minigrad's format,
safetensors, and PyTorch's ``torch.save`` zip format (read without PyTorch, through an
unpickler that builds tensors and plain data only). Nothing a file contains is run,
unless ``weights_only=False`` asks for the whole objects :func:`save` pickled.
Every file it can't read raises a :class:`ValueError` whose message starts with
``load: <file>:`` and says what was wrong.

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

import os
from typing import IO, Any

from minigrad.serialization import npz_format, safetensors_format, torch_format
from minigrad.serialization.archive import BadFile, archive_size, open_zip
from minigrad.serialization.atomic import atomic_write
from minigrad.serialization.map_location import resolve_map_location

__all__ = ["load", "save"]

PathLike = str | os.PathLike[str] | IO[bytes]
_HEAD = 64


def _file_name(f: Any) -> str | None:
    """The file name behind ``f`` (a path, or an open file with a ``name``), if any."""
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else None


def save(obj: Any, f: PathLike) -> None:
    """Save a checkpoint: a state dict, or any nesting of dicts, lists and tuples of
    tensors, NumPy arrays, numbers, strings and ``None``; any other object (a whole model,
    ``save(model, path)``) is pickled, and :func:`load` returns it only when asked with
    ``weights_only=False``, as PyTorch does.

    Parameters
    ----------
    obj : object
        Typically ``model.state_dict()``, ``optimizer.state_dict()`` or a dict of both.
    f : str, path or binary file
        Where to write; the name is used as given (no extension is added). A name ending
        in ``.safetensors`` (a path, or an open file's ``name``) writes the safetensors
        format, which holds a flat dict of tensors only; any other name writes minigrad's
        ``.npz`` format. Writing to a path is atomic: the data goes to a temporary file
        in the same folder, is flushed to disk, and then replaces ``f`` in one rename, so
        an error part-way (a full disk, ``KeyboardInterrupt``) leaves the previous file
        as it was and no temporary file behind. An open file is written in place.

    Raises
    ------
    TypeError
        For an object that can't be pickled (a lambda, an open file), or non-tensors in
        a safetensors file (the message says where).
    ValueError
        For nesting deeper than 200 levels (or a container that holds itself).
    ImportError
        For a ``.safetensors`` name without the ``safetensors`` package (the message
        names the extra to install).
    """
    name = _file_name(f)
    use_safetensors = name is not None and name.endswith(".safetensors")
    writer = safetensors_format.write if use_safetensors else npz_format.write
    if isinstance(f, (str, os.PathLike)):
        atomic_write(f, lambda out: writer(obj, out))
    else:
        writer(obj, f)


def load(f: PathLike, map_location: Any = None, *, weights_only: bool | None = None) -> Any:
    """Load a checkpoint written by :func:`save`, by ``safetensors`` or by ``torch.save``.

    The format is recognised from the file's content:

    - minigrad's ``.npz`` format: returns what was saved, exactly;
    - safetensors (``.safetensors``, e.g. from ``safetensors.torch.save_file``): returns
      a dict of tensors (bfloat16 tensors become float32, exactly);
    - PyTorch's zip format (``torch.save``, PyTorch 1.6 and later): returns the saved
      dicts, lists, numbers and strings with minigrad tensors in place of PyTorch's,
      ``nn.Parameter`` for parameters, NumPy dtypes for ``torch.float32`` and friends,
      tuples for ``torch.Size`` and strings for ``torch.device``. Only what a state
      dict or an optimizer state needs is unpickled; any other object is refused before
      it is made, so a crafted file can't run code. PyTorch is not needed.

    Parameters
    ----------
    f : str, path or binary file
        The file (an open file must be seekable).
    map_location : str, device, Backend, dict or callable, optional
        Backend for the tensors (``"cpu"``, ``"cuda"``, a name); default: the current one.
        PyTorch's other forms are understood as far as they name one backend: a dict
        such as ``{"cuda:0": "cpu"}`` (its targets), or a function such as
        ``lambda storage, loc: storage`` (keep on the CPU) or
        ``lambda storage, loc: storage.cuda(0)`` (see
        :mod:`minigrad.serialization.map_location`).
    weights_only : bool, optional
        As in PyTorch 2.6 and later: by default (``None`` or ``True``) only tensors and
        plain data are loaded, so a file cannot run code, and an object that
        :func:`save` pickled (a whole model) is refused with an error that says so.
        ``False`` unpickles such objects from minigrad's format: only for files you
        trust. Pickled objects come back on the backend they were saved from (move a
        model with ``.to()``). PyTorch checkpoints are always read as tensors and plain
        data.

    Returns
    -------
    object
        The loaded checkpoint.

    Raises
    ------
    ValueError
        For every file that can't be read, with a message ``load: <file>: <reason>``: not
        a format listed above (a pickle, a ``.npy`` array, a plain ``.npz``, PyTorch's
        legacy non-zip format, a TorchScript archive), corrupt or truncated bytes, a
        malformed or too deeply nested structure, sizes that don't match the data (they
        are checked before anything is allocated), a dtype minigrad lacks, or a PyTorch
        checkpoint that needs objects other than tensors and plain data; also for a
        ``map_location`` dict whose targets name different backends.
    FileNotFoundError
        If the path does not exist.
    TypeError
        For a ``map_location`` function whose answer minigrad cannot read as a device.
    ImportError
        For a safetensors file without the ``safetensors`` package.
    """

    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"load: weights_only must be a bool or None, got {weights_only!r}")
    backend = resolve_map_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as source:
            return _load_from(source, repr(os.fspath(f)), backend, weights_only is not False,
                              os.fspath(f))
    return _load_from(f, repr(_file_name(f) or f), backend, weights_only is not False)


def _load_from(source: IO[bytes], name: str, backend: Any, weights_only: bool,
               path: str | None = None) -> Any:
    start = source.tell()
    head = source.read(_HEAD)
    source.seek(start)
    total = archive_size(source) - start
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _load_zip(source, name, total, backend, weights_only)
    if head[:6] == b"\x93NUMPY":
        raise BadFile(f"load: {name}: a single NumPy array (.npy), not an archive written by "
                      "minigrad.save; read it with numpy.load")
    if safetensors_format.is_safetensors_header(head):
        return safetensors_format.read(source, name, backend, path)
    if torch_format.is_legacy_torch(head):
        raise BadFile(f"load: {name}: a PyTorch checkpoint in the legacy (non-zip) format of "
                      "PyTorch before 1.6 or _use_new_zipfile_serialization=False, which "
                      "minigrad does not read; in PyTorch, load it and save it again with "
                      "torch.save(obj, path)")
    what = "a bare pickle, which minigrad does not read" if head[:1] == b"\x80" else (
        "empty" if not head else "of an unknown format")
    raise BadFile(f"load: {name}: not a file written by minigrad.save, a safetensors file "
                  f"or a torch.save checkpoint (the file is {what})")


def _load_zip(source: IO[bytes], name: str, total: int, backend: Any,
              weights_only: bool) -> Any:
    with open_zip(source, name) as archive:
        if npz_format.is_minigrad_archive(archive):
            return npz_format.read(archive, total, name, backend, weights_only)
        root = torch_format.find_root(archive)
        if root is not None and f"{root}constants.pkl" in archive.namelist():
            raise BadFile(f"load: {name}: a TorchScript archive (torch.jit.save), which holds "
                          "code; save model.state_dict() with torch.save instead")
        if root is not None:
            return torch_format.read(archive, root, total, name, backend)
        names = archive.namelist()
        if names and all(n.endswith(".npy") for n in names):
            raise BadFile(f"load: {name}: an .npz archive but not one written by "
                          "minigrad.save (no structure entry); read it with numpy.load")
        raise BadFile(f"load: {name}: a zip archive that is neither a minigrad checkpoint "
                      "nor a torch.save checkpoint (no data.pkl)")
