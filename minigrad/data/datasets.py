"""Built-in image datasets: ``Digits`` (no download) and ``MNIST`` (IDX files).

Both give ``(image, label)`` samples: a float ``(1, H, W)`` tensor with values in
``[0, 1]`` and an int label, and expose all images and labels as ``data`` and
``targets``. Without transforms, a :class:`~minigrad.data.DataLoader` batches them with one
indexing operation.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy

from minigrad.data.dataset import Dataset
from minigrad.dtypes import get_default_dtype
from minigrad.tensor import Tensor, tensor

__all__ = ["MNIST", "Digits", "read_idx"]

Transform = Callable[[Any], Any] | None


class _ImageDataset(Dataset):
    """Images ``(N, H, W)`` (host array) with int labels; ``scale`` maps pixels to [0, 1]."""

    _images: numpy.ndarray[Any, Any]
    _labels: numpy.ndarray[Any, Any]
    _scale: float
    transform: Transform
    target_transform: Transform
    classes: list[str]

    def _float_images(self, index: Any) -> Tensor:
        host = self._images[index].astype(get_default_dtype()) * get_default_dtype().type(
            self._scale
        )
        return tensor(host[..., None, :, :])

    @property
    def data(self) -> Tensor:
        """All images as stored, ``(N, H, W)``."""
        return tensor(self._images)

    @property
    def targets(self) -> Tensor:
        """All labels, int64 ``(N,)``."""
        return tensor(self._labels)

    def __len__(self) -> int:
        return int(self._labels.shape[0])

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a dataset of {n} images")
        image: Any = self._float_images(index)
        label: Any = int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def _batch(self, indices: Any) -> tuple[Tensor, Tensor] | None:
        if self.transform is not None or self.target_transform is not None:
            return None
        return self._float_images(indices), tensor(self._labels[indices])

    def __repr__(self) -> str:
        split = "train" if getattr(self, "train", True) else "test"
        return f"{type(self).__name__}(split={split!r}, samples={len(self)})"


def _resize_matrix(n_in: int, n_out: int) -> numpy.ndarray[Any, Any]:
    """Bilinear resampling along one axis (half-pixel centres, edges clamped)."""
    centres = (numpy.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    centres = numpy.clip(centres, 0, n_in - 1)
    lo = numpy.floor(centres).astype(int)
    hi = numpy.minimum(lo + 1, n_in - 1)
    frac = centres - lo
    m = numpy.zeros((n_out, n_in))
    m[numpy.arange(n_out), lo] += 1 - frac
    m[numpy.arange(n_out), hi] += frac
    return m


class Digits(_ImageDataset):
    """The 8x8 handwritten digits that ship with scikit-learn (1797 images, 10 classes),
    upsampled to ``size x size`` for LeNet-5's 32x32 input.

    The split is fixed: 20% of each class (359 images in all) is the test set, chosen with a
    fixed seed, so every run sees the same train and test images.

    Parameters
    ----------
    train : bool
        The training split (1438 images) or the test split (359).
    transform, target_transform : callable, optional
        Applied to each image tensor / int label.
    size : int
        Side of the returned images; the 8x8 originals are resized bilinearly (8 keeps
        them as they are).

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install "minigrad-cnn[examples]"``).

    Examples
    --------
    >>> from minigrad.data.datasets import Digits
    >>> train = Digits(train=True)
    >>> image, label = train[0]
    >>> len(train), image.shape, 0 <= label < 10
    (1438, minigrad.Size([1, 32, 32]), True)
    """

    test_fraction = 0.2

    def __init__(self, train: bool = True, transform: Transform = None,
                 target_transform: Transform = None, size: int = 32) -> None:
        try:
            from sklearn.datasets import load_digits
        except ImportError as exc:
            raise ImportError(
                "Digits needs scikit-learn, which ships the images: pip install "
                '"minigrad-cnn[examples]" (or pip install scikit-learn)'
            ) from exc
        if size < 1:
            raise ValueError(f"Digits: size must be positive, got {size}")
        bunch = load_digits()
        images = numpy.asarray(bunch.images, dtype=numpy.float64) / 16.0
        labels = numpy.asarray(bunch.target, dtype=numpy.int64)
        rng = numpy.random.default_rng(20240601)
        test = numpy.zeros(len(labels), dtype=bool)
        for c in range(10):
            members = rng.permutation(numpy.flatnonzero(labels == c))
            test[members[: round(len(members) * self.test_fraction)]] = True
        keep = ~test if train else test
        images, labels = images[keep], labels[keep]
        if size != 8:
            m = _resize_matrix(8, size)
            images = numpy.einsum("oh,nhw,pw->nop", m, images, m)
        self.train = train
        self.size = size
        self.transform = transform
        self.target_transform = target_transform
        self.classes = [str(c) for c in range(10)]
        self._images = images.astype(numpy.float32)
        self._labels = labels
        self._scale = 1.0


# --- IDX files (MNIST's format) ---------------------------------------------------------------
_IDX_TYPES: dict[int, numpy.dtype[Any]] = {
    0x08: numpy.dtype(numpy.uint8),
    0x09: numpy.dtype(numpy.int8),
    0x0B: numpy.dtype(">i2"),
    0x0C: numpy.dtype(">i4"),
    0x0D: numpy.dtype(">f4"),
    0x0E: numpy.dtype(">f8"),
}


def read_idx(path: str | os.PathLike[str]) -> numpy.ndarray[Any, Any]:
    """Read an IDX file (plain or gzip-compressed) into a NumPy array.

    The format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions, then each size as a big-endian
    uint32, then the values in C order.

    Raises
    ------
    ValueError
        If the header is malformed or the data is shorter or longer than the header says.

    Examples
    --------
    >>> import numpy, tempfile, os
    >>> from minigrad.data.datasets import read_idx
    >>> raw = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big") + bytes([7, 8, 9])
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte")
    >>> _ = open(path, "wb").write(raw)
    >>> read_idx(path).tolist()
    [7, 8, 9]
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    name = os.fspath(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{name} is not an IDX file: it must start with two zero bytes")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(
            f"{name}: unknown IDX type code 0x{code:02X} (expected one of "
            f"{', '.join(f'0x{c:02X}' for c in _IDX_TYPES)})"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: truncated IDX header ({ndim} dimensions declared)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_TYPES[code]
    expected = int(numpy.prod(shape, dtype=numpy.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{name}: IDX header declares shape {shape} of {dtype.name} ({expected} bytes of "
            f"data) but the file has {len(raw) - header}"
        )
    data = numpy.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    result: numpy.ndarray[Any, Any] = data.astype(dtype.newbyteorder("="))
    return result


def _progress(total: int | None, desc: str) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=desc)


def download_url(url: str, destination: Path, md5: str | None = None) -> None:
    """Fetch ``url`` into ``destination`` with a progress bar, checking ``md5`` if given.

    Raises
    ------
    RuntimeError
        If the checksum does not match (the partial file is removed).
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    digest = hashlib.md5()
    with urllib.request.urlopen(url) as response, open(partial, "wb") as out:
        length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        bar = _progress(int(length) if length else None, destination.name)
        while chunk := response.read(1 << 16):
            out.write(chunk)
            digest.update(chunk)
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
    if md5 is not None and digest.hexdigest() != md5:
        partial.unlink()
        raise RuntimeError(
            f"checksum mismatch for {url}: got md5 {digest.hexdigest()}, expected {md5}"
        )
    shutil.move(partial, destination)


class MNIST(_ImageDataset):
    """The MNIST handwritten digits (28x28 grey images, 60000 train / 10000 test).

    Reads the four standard IDX files (``train-images-idx3-ubyte``, ...; gzipped or not)
    from ``root/MNIST/raw`` or from ``root`` itself.

    Parameters
    ----------
    root : str or path
        Folder holding (or to receive) the files.
    train : bool
        The training or the test split.
    transform, target_transform : callable, optional
        Applied to each image tensor / int label.
    download : bool
        Fetch the files that are missing (with a progress bar) into ``root/MNIST/raw``.

    Raises
    ------
    FileNotFoundError
        If files are missing and ``download`` is False (the message lists them).
    ValueError
        If the image and label files disagree.
    """

    mirrors: ClassVar[list[str]] = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]

    def __init__(self, root: str | os.PathLike[str], train: bool = True,
                 transform: Transform = None, target_transform: Transform = None,
                 download: bool = False) -> None:
        self.root = Path(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self.classes = [str(c) for c in range(10)]
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images = read_idx(self._find(f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(self._find(f"{prefix}-labels-idx1-ubyte"))
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"MNIST: images {images.shape} and labels {labels.shape} don't match "
                "(expected (N, H, W) and (N,))"
            )
        self._images = images
        self._labels = labels.astype(numpy.int64)
        self._scale = 1.0 / 255 if images.dtype == numpy.uint8 else 1.0

    @property
    def raw_folder(self) -> Path:
        """Where downloads go: ``root/MNIST/raw``."""
        return self.root / "MNIST" / "raw"

    def _candidates(self, stem: str) -> list[Path]:
        return [folder / (stem + ext) for folder in (self.raw_folder, self.root)
                for ext in ("", ".gz")]

    def _find(self, stem: str) -> Path:
        for path in self._candidates(stem):
            if path.is_file():
                return path
        searched = ", ".join(str(p) for p in self._candidates(stem))
        raise FileNotFoundError(
            f"MNIST file {stem} not found (looked for {searched}); pass download=True to "
            "fetch it"
        )

    def download(self) -> None:
        """Fetch the missing files from the first mirror that answers."""
        for filename, md5 in self.resources:
            stem = filename.removesuffix(".gz")
            if any(p.is_file() for p in self._candidates(stem)):
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    print(f"Downloading {mirror}{filename}", file=sys.stderr)
                    download_url(mirror + filename, self.raw_folder / filename, md5)
                    break
                except Exception as exc:  # try the next mirror
                    errors.append(f"{mirror}: {exc}")
            else:
                raise RuntimeError(f"could not download {filename}:\n" + "\n".join(errors))
