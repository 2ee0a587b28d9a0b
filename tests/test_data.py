"""Datasets, DataLoader, the Digits dataset and MNIST's IDX reader and download."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy
import pytest

import minigrad
from minigrad.data import (
    MNIST,
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)
from minigrad.data.datasets import read_idx


def test_tensor_dataset_and_subset() -> None:
    x, y = minigrad.arange(20).reshape(10, 2), minigrad.arange(10)
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert xi.tolist() == [6, 7] and int(yi) == 3
    sub = Subset(ds, [9, 0])
    assert len(sub) == 2 and int(sub[0][1]) == 9
    with pytest.raises(ValueError, match=r"same size in dimension 0, got shapes \(10, 2\), "
                                         r"\(9,\)"):
        TensorDataset(x, minigrad.arange(9))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    both = ConcatDataset([sub, sub])
    assert len(both) == 4 and int(both[3][1]) == 0 and len(sub + sub) == 4
    with pytest.raises(IndexError, match="out of range"):
        both[4]


def test_random_split() -> None:
    ds = TensorDataset(minigrad.arange(10))
    a, b = random_split(ds, [7, 3], generator=0)
    assert sorted(a.indices + b.indices) == list(range(10))
    c, _ = random_split(ds, [7, 3], generator=0)
    assert a.indices == c.indices
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=1)
    assert [len(p) for p in parts] == [5, 3, 2]
    assert [len(p) for p in random_split(TensorDataset(minigrad.arange(7)), [0.5, 0.5])] == \
        [4, 3]
    with pytest.raises(ValueError, match="does not equal the length of the input dataset"):
        random_split(ds, [5, 4])
    with pytest.raises(TypeError, match="generator must be"):
        random_split(ds, [5, 5], generator="seed")


def test_dataloader_batches_and_shuffle(backend: minigrad.backends.Backend) -> None:
    x = minigrad.arange(10, device="numpy")  # on the host: batches move to the current backend
    ds = TensorDataset(x.reshape(10, 1).float(), x)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7],
                                                                      [8, 9]]
    assert str(batches[0][0].device) == backend.device
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    assert [len(b[1]) for b in DataLoader(ds, batch_size=4, drop_last=True)] == [4, 4]
    first = [b[1].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=3)]
    again = [b[1].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=3)]
    assert first == again and sorted(i for b in first for i in b) == list(range(10))
    assert first != [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    shuffled = DataLoader(ds, batch_size=10, shuffle=True, generator=3)
    assert next(iter(shuffled))[1].tolist() != next(iter(shuffled))[1].tolist()  # new epochs
    with pytest.raises(ValueError, match="positive integer"):
        DataLoader(ds, batch_size=0)


def test_default_collate_and_custom_datasets() -> None:
    class Pairs(Dataset):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int) -> dict[str, object]:
            return {"x": numpy.full(2, i, dtype=numpy.float32), "y": i, "w": 0.5 * i,
                    "name": f"n{i}"}

    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["y"].dtype == minigrad.int64
    # Python floats become float64, as torch's default_collate does
    assert batch["w"].dtype == minigrad.float64 and batch["name"] == ["n0", "n1", "n2"]
    assert batch["w"].tolist() == [0.0, 0.5, 1.0]
    stacked = default_collate([(minigrad.ones(2), True), (minigrad.zeros(2), False)])
    assert stacked[0].shape == (2, 2) and stacked[1].tolist() == [True, False]
    with pytest.raises(TypeError, match="can't batch samples of type object"):
        default_collate([object()])
    ds = TensorDataset(minigrad.randn(6, 3), minigrad.arange(6))
    slow = list(DataLoader(ds, batch_size=4, collate_fn=default_collate))
    fast = list(DataLoader(ds, batch_size=4))
    for (a, b), (c, d) in zip(slow, fast):
        numpy.testing.assert_array_equal(a.numpy(), c.numpy())
        numpy.testing.assert_array_equal(b.numpy(), d.numpy())


def test_digits() -> None:
    pytest.importorskip("sklearn")
    from minigrad.data.datasets import Digits

    train, test = Digits(train=True), Digits(train=False)
    assert (len(train), len(test)) == (1438, 359)
    image, label = train[0]
    assert image.shape == (1, 32, 32) and isinstance(label, int)
    assert float(image.min()) >= 0.0 and float(image.max()) <= 1.0
    numpy.testing.assert_array_equal(Digits(train=False).targets.numpy(), test.targets.numpy())
    assert numpy.bincount(test.targets.numpy()).min() >= 35  # stratified
    small = Digits(train=False, size=8)
    assert small[0][0].shape == (1, 8, 8)
    images, labels = next(iter(DataLoader(test, batch_size=16)))
    assert images.shape == (16, 1, 32, 32) and labels.shape == (16,)
    flipped = Digits(train=False, transform=lambda t: t * 0, target_transform=lambda y: y + 1)
    img, lab = flipped[0]
    assert float(img.abs().sum()) == 0 and lab == int(test.targets[0]) + 1
    batch = next(iter(DataLoader(flipped, batch_size=4)))
    assert float(batch[0].abs().sum()) == 0
    with pytest.raises(IndexError, match="out of range"):
        test[len(test)]


def write_idx(path: Path, array: numpy.ndarray, code: int, compress: bool = False) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    raw = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    data = gzip.compress(raw) if compress else raw
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("dtype, code", [(numpy.uint8, 0x08), (numpy.int8, 0x09),
                                         (numpy.int16, 0x0B), (numpy.int32, 0x0C),
                                         (numpy.float32, 0x0D), (numpy.float64, 0x0E)])
def test_read_idx_types(tmp_path: Path, dtype: type, code: int) -> None:
    values = (numpy.arange(24) - 5).reshape(2, 3, 4)
    values = values.astype(dtype) if dtype != numpy.uint8 else numpy.arange(24, dtype=dtype
                                                                           ).reshape(2, 3, 4)
    write_idx(tmp_path / "a.idx", values, code)
    numpy.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), values)
    write_idx(tmp_path / "a.idx.gz", values, code, compress=True)
    numpy.testing.assert_array_equal(read_idx(tmp_path / "a.idx.gz"), values)


def test_read_idx_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x00\x08\x01")
    with pytest.raises(ValueError, match="two zero bytes"):
        read_idx(bad)
    bad.write_bytes(bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(ValueError, match="unknown IDX type code 0x07"):
        read_idx(bad)
    bad.write_bytes(bytes([0, 0, 0x08, 2, 0, 0, 0, 2]))
    with pytest.raises(ValueError, match="truncated IDX header"):
        read_idx(bad)
    bad.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 1, 2]))
    with pytest.raises(ValueError, match=r"declares shape \(3,\).*has 2"):
        read_idx(bad)


def make_mnist(folder: Path, compress: bool) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = numpy.random.default_rng(0)
    written = {}
    for prefix, n in (("train", 6), ("t10k", 4)):
        ext = ".gz" if compress else ""
        images = rng.integers(0, 256, (n, 28, 28), dtype=numpy.uint8)
        labels = rng.integers(0, 10, n, dtype=numpy.uint8)
        written[f"{prefix}-images-idx3-ubyte{ext}"] = write_idx(
            folder / f"{prefix}-images-idx3-ubyte{ext}", images, 0x08, compress)
        written[f"{prefix}-labels-idx1-ubyte{ext}"] = write_idx(
            folder / f"{prefix}-labels-idx1-ubyte{ext}", labels, 0x08, compress)
    return written


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_standard_files(tmp_path: Path, compress: bool) -> None:
    make_mnist(tmp_path / "MNIST" / "raw", compress)
    train, test = MNIST(tmp_path), MNIST(tmp_path, train=False)
    assert (len(train), len(test)) == (6, 4)
    image, label = train[0]
    assert image.shape == (1, 28, 28) and 0 <= label < 10
    raw = read_idx(next((tmp_path / "MNIST" / "raw").glob("train-images*")))
    numpy.testing.assert_allclose(image.numpy()[0], raw[0] / 255, rtol=1e-6)
    assert train.data.dtype == minigrad.dtypes.check_supported("uint8")
    images, labels = next(iter(DataLoader(train, batch_size=4)))
    assert images.shape == (4, 1, 28, 28) and labels.dtype == minigrad.int64


def test_mnist_missing_and_mismatched_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte not found.*"
                                                r"download=True"):
        MNIST(tmp_path)
    make_mnist(tmp_path, compress=False)  # directly in root works too
    assert len(MNIST(tmp_path)) == 6
    write_idx(tmp_path / "train-labels-idx1-ubyte", numpy.zeros(5, dtype=numpy.uint8), 0x08)
    with pytest.raises(ValueError, match=r"images \(6, 28, 28\) and labels \(5,\) don't match"):
        MNIST(tmp_path)


def test_mnist_download_from_a_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    written = make_mnist(mirror, compress=True)
    resources = [(name, hashlib.md5(data).hexdigest()) for name, data in written.items()]
    monkeypatch.setattr(MNIST, "mirrors", ["file:///nonexistent/", mirror.as_uri() + "/"])
    monkeypatch.setattr(MNIST, "resources", resources)
    root = tmp_path / "data"
    ds = MNIST(root, train=False, download=True)
    assert len(ds) == 4
    assert sorted(p.name for p in (root / "MNIST" / "raw").iterdir()) == sorted(written)
    MNIST(root, download=True)  # already there: nothing fetched again
    monkeypatch.setattr(MNIST, "resources", [(resources[0][0].replace("train", "other"), "0")])
    with pytest.raises(RuntimeError, match="could not download"):
        MNIST(tmp_path / "elsewhere", download=True)
    bad = [(name, "0" * 32) for name, _ in resources]
    monkeypatch.setattr(MNIST, "resources", bad)
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        MNIST(tmp_path / "third", download=True)
    assert not list((tmp_path / "third" / "MNIST" / "raw").glob("*.part"))


# --- regressions ----------------------------------------------------------------------------
class _Negated(TensorDataset):
    """Overrides ``__getitem__``: the DataLoader must not bypass it with the batch fast path."""

    def __getitem__(self, index: int) -> tuple[minigrad.Tensor, ...]:
        return tuple(-t for t in super().__getitem__(index))


def test_dataloader_respects_an_overridden_getitem() -> None:
    ds = _Negated(minigrad.arange(1, 6))
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=2)] == [[-1, -2], [-3, -4], [-5]]
    sub = Subset(ds, [4, 0])
    assert next(iter(DataLoader(sub, batch_size=2)))[0].tolist() == [-5, -1]

    class Relabelled(Subset):
        def __getitem__(self, index: int) -> object:
            (x,) = super().__getitem__(index)
            return (x * 10,)

    plain = TensorDataset(minigrad.arange(1, 6))
    relabelled = Relabelled(plain, [1, 2])
    assert next(iter(DataLoader(relabelled, batch_size=2)))[0].tolist() == [20, 30]
    # the unmodified classes keep the fast path (same values either way)
    assert next(iter(DataLoader(Subset(plain, [1, 2]), batch_size=2)))[0].tolist() == [2, 3]


def test_dataloader_respects_an_overridden_getitem_of_digits() -> None:
    pytest.importorskip("sklearn")
    from minigrad.data.datasets import Digits

    class Zeroed(Digits):
        def __getitem__(self, index: int) -> tuple[object, object]:
            image, _ = super().__getitem__(index)
            return image * 0, -1

    x, y = next(iter(DataLoader(Zeroed(train=False, size=8), batch_size=3)))
    assert float(x.abs().sum()) == 0.0 and y.tolist() == [-1, -1, -1]


def test_manual_seed_makes_shuffling_and_splitting_repeat() -> None:
    ds = TensorDataset(minigrad.arange(50))

    def run() -> tuple[list[int], list[int], list[int]]:
        minigrad.manual_seed(0)
        loader = DataLoader(ds, batch_size=50, shuffle=True)
        first, second = (batch[0].tolist() for batch in (next(iter(loader)), next(iter(loader))))
        return first, second, random_split(ds, [25, 25])[0].indices

    a, b = run(), run()
    assert a == b
    assert a[0] != a[1] and sorted(a[0]) == list(range(50))  # epochs still differ
    minigrad.manual_seed(1)
    assert next(iter(DataLoader(ds, batch_size=50, shuffle=True)))[0].tolist() != a[0]


def test_random_split_refuses_negative_sizes() -> None:
    ds = TensorDataset(minigrad.arange(10))
    with pytest.raises(ValueError, match=r"fraction at index 2 is -0\.2, which is not between 0"):
        random_split(ds, [0.5, 0.7, -0.2])
    with pytest.raises(ValueError, match=r"fraction at index 0 is 1\.5, which is not between 0"):
        random_split(ds, [1.5, -0.5])
    with pytest.raises(ValueError, match="length at index 0 is -2; lengths must be non-negative"):
        random_split(ds, [-2, 12])


def test_default_collate_number_dtypes_match_torch() -> None:
    assert default_collate([0.5, 1.0]).dtype == minigrad.float64
    assert default_collate([1, 2]).dtype == minigrad.int64
    assert default_collate([True, False]).dtype == minigrad.bool
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    for batch in ([0.5, 1.0], [1, 2], [True, False]):
        assert str(torch_collate(batch).dtype) == f"torch.{default_collate(batch).dtype}"
