"""Tests of topo_helpers.data: locations, integrity errors, and the real data sets.

Synthetic tests build small files in tmp_path with a monkeypatched manifest and always run.
Real-data tests run only when TOPO_DATA_DIR names the shared offline data folder, e.g.

    TOPO_DATA_DIR=/work/shared/data TOPO_OFFLINE=1 pytest tests/test_data.py
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from topo_helpers import data

REAL_DATA = os.environ.get("TOPO_DATA_DIR", "").strip()
needs_real_data = pytest.mark.skipif(
    not (REAL_DATA and Path(REAL_DATA, "mnist").is_dir()),
    reason="set TOPO_DATA_DIR to the shared offline data folder to run the real-data tests",
)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test gets an empty cache folder and a clean in-process memo."""
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    data.clear_caches()
    yield
    data.clear_caches()


# --------------------------------------------------------------------------- synthetic helpers


def idx_bytes(array: np.ndarray) -> bytes:
    """An unsigned-byte IDX file holding ``array``."""
    header = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def later(path: Path) -> None:
    """Move a rewritten file's mtime on, as real time would (the memo keys on size and mtime)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


class FakeData:
    """A TOPO_DATA_DIR with synthetic MNIST files and a manifest folder that matches them."""

    sizes = {"train": 7, "test": 3}

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root / "data"
        self.manifests = root / "checksums"
        self.manifests.mkdir(parents=True)
        for name in ("files.sha256", "bsd-gray.sha256"):
            shutil.copy(Path(data.MANIFEST_DIR) / name, self.manifests / name)
        self.uncompressed: dict[str, str] = {}
        self.raw: dict[str, str] = {}
        rng = np.random.default_rng(0)
        self.arrays = {}
        for split, n in self.sizes.items():
            prefix = "train" if split == "train" else "t10k"
            images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
            labels = rng.integers(0, 10, size=n, dtype=np.uint8)
            self.arrays[split] = (images, labels)
            self.write_idx(f"mnist/{prefix}-images-idx3-ubyte.gz", idx_bytes(images))
            self.write_idx(f"mnist/{prefix}-labels-idx1-ubyte.gz", idx_bytes(labels))
        monkeypatch.setattr(data, "MANIFEST_DIR", self.manifests)
        monkeypatch.setattr(data, "_IDX_SPLIT_SIZES", dict(self.sizes))
        monkeypatch.setenv("TOPO_DATA_DIR", str(self.root))
        monkeypatch.setenv("TOPO_OFFLINE", "1")

    def write_idx(self, rel: str, content: bytes, *, record: bool = True) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(content))
        if record:
            self.uncompressed[rel] = sha(content)
            self.save_manifests()
        return path

    def add_raw(self, rel: str, content: bytes, *, into_data_dir: bool = True) -> Path:
        path = self.root / rel
        if into_data_dir:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        self.raw[rel] = sha(content)
        self.save_manifests()
        return path

    def save_manifests(self) -> None:
        lines = [f"{digest}  {rel}" for rel, digest in self.uncompressed.items()]
        (self.manifests / "idx-uncompressed.sha256").write_text("# synthetic\n" + "\n".join(lines) + "\n")
        base = (Path(data.MANIFEST_DIR) / "files.sha256").read_text()
        extra = "".join(f"{digest}  {rel}\n" for rel, digest in self.raw.items())
        (self.manifests / "files.sha256").write_text(base + extra)  # later lines override earlier ones
        data.clear_caches()


@pytest.fixture
def fake(tmp_path, monkeypatch) -> FakeData:
    return FakeData(tmp_path, monkeypatch)


# --------------------------------------------------------------------------- IDX parsing


def test_parse_idx_round_trip():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    parsed = data.parse_idx(idx_bytes(array))
    assert parsed.shape == (2, 3, 4)
    np.testing.assert_array_equal(parsed, array)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x00\x0d\x03" + bytes(12), "not an unsigned-byte IDX"),  # float type code
        (b"\x08\x03\x00\x00" + bytes(12), "not an unsigned-byte IDX"),  # byte-swapped magic
        (b"", "not an unsigned-byte IDX"),
        (idx_bytes(np.zeros((5, 2, 2), np.uint8))[:-1], "has 35 bytes"),  # one byte short
        (idx_bytes(np.zeros((5, 2, 2), np.uint8)) + b"\x00", "has 37 bytes"),  # one byte too many
    ],
)
def test_parse_idx_rejects_bad_headers_and_counts(content, message):
    with pytest.raises(data.DataCorruptError, match=message) as info:
        data.parse_idx(content, where="some-file.idx")
    assert "some-file.idx" in str(info.value)
    assert "official file" in str(info.value)  # says what to do


# --------------------------------------------------------------------------- locations and errors


def test_good_synthetic_mnist_loads_and_is_memoised(fake):
    mnist = data.load_mnist("train")
    images, labels = fake.arrays["train"]
    np.testing.assert_array_equal(mnist.images, images)
    np.testing.assert_array_equal(mnist.labels, labels)
    assert mnist.images.dtype == np.uint8 and mnist.labels.dtype == np.int64
    assert (mnist.name, mnist.split, mnist.lossy) == ("mnist", "train", False)
    assert mnist.source == str(fake.root / "mnist/train-images-idx3-ubyte.gz")
    assert not mnist.images.flags.writeable  # shared between calls, so read-only
    assert data.load_mnist("train") is mnist  # memoised
    assert "7 images 28x28" in mnist.describe() and "lossless" in mnist.describe()
    assert len(data.load_mnist("test")) == 3


def test_changed_bytes_fail_the_checksum(fake):
    images, _ = fake.arrays["train"]
    bad = images.copy()
    bad[0, 0, 0] ^= 1
    path = fake.write_idx("mnist/train-images-idx3-ubyte.gz", idx_bytes(bad), record=False)
    with pytest.raises(data.DataCorruptError) as info:
        data.load_mnist("train")
    text = str(info.value)
    assert str(path) in text
    assert f"expected {fake.uncompressed['mnist/train-images-idx3-ubyte.gz']}" in text
    assert f"found {sha(idx_bytes(bad))}" in text
    assert "copy it again" in text


def test_corruption_after_a_good_load_is_detected(fake):
    data.load_mnist("test")
    path = fake.root / "mnist/t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.full(3, 9, np.uint8))))
    later(path)
    with pytest.raises(data.DataCorruptError, match="sha256 of uncompressed content mismatch"):
        data.load_mnist("test")


def test_truncated_gzip(fake):
    path = fake.root / "mnist/train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(data.DataCorruptError, match="truncated") as info:
        data.load_mnist("train")
    assert str(path) in str(info.value)


def test_not_gzip_at_all(fake):
    path = fake.root / "mnist/train-labels-idx1-ubyte.gz"
    path.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(data.DataCorruptError, match="not a complete gzip stream"):
        data.load_mnist("train")


def test_wrong_header_with_matching_checksum(fake):
    content = bytearray(idx_bytes(fake.arrays["train"][0]))
    content[2] = 0x0D  # float type code, file otherwise intact; manifest updated to match
    path = fake.write_idx("mnist/train-images-idx3-ubyte.gz", bytes(content))
    with pytest.raises(data.DataCorruptError, match="not an unsigned-byte IDX") as info:
        data.load_mnist("train")
    assert str(path) in str(info.value)


def test_wrong_image_count(fake):
    eight = np.zeros((8, 28, 28), np.uint8)  # the split should hold 7
    fake.write_idx("mnist/train-images-idx3-ubyte.gz", idx_bytes(eight))
    with pytest.raises(data.DataCorruptError, match=r"expected images of shape \(7, 28, 28\)"):
        data.load_mnist("train")


def test_label_out_of_range(fake):
    fake.write_idx("mnist/t10k-labels-idx1-ubyte.gz", idx_bytes(np.array([1, 2, 10], np.uint8)))
    with pytest.raises(data.DataCorruptError, match="labels in 0..9"):
        data.load_mnist("test")


def test_missing_file_offline_names_file_variable_and_source(fake):
    (fake.root / "mnist/t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(data.DataNotFoundError) as info:
        data.load_mnist("test")
    assert isinstance(info.value, FileNotFoundError)
    text = str(info.value)
    for needle in ("mnist/t10k-images-idx3-ubyte.gz", "TOPO_DATA_DIR", "TOPO_OFFLINE=1",
                   "ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz",
                   str(Path(os.environ["TOPO_CACHE_DIR"]))):
        assert needle in text


def test_file_in_cache_is_used_when_data_dir_lacks_it(fake, monkeypatch):
    """(b) the cache, laid out like torchvision's download, is the second place looked at."""
    cache_raw = Path(os.environ["TOPO_CACHE_DIR"]) / "torchvision/MNIST/raw"
    cache_raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.move(fake.root / "mnist" / name, cache_raw / name)
    mnist = data.load_mnist("test")
    assert mnist.source == str(cache_raw / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(mnist.images, fake.arrays["test"][0])


def test_data_dir_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPO_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(data.DataNotFoundError, match="is not an existing folder"):
        data.data_dir()
    monkeypatch.delenv("TOPO_DATA_DIR")
    assert data.data_dir() is None


def test_cache_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path / "c"))
    assert data.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("TOPO_CACHE_DIR")
    assert data.cache_dir() == Path("~/.cache/topo_helpers").expanduser()


def test_bad_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match="'train', 'test'"):
        data.load_mnist("validation")
    with pytest.raises(ValueError, match="n50000"):
        data.load_natural_patches("X500")
    with pytest.raises(ValueError, match="Train400"):
        data.load_bsd_images("BSD500")
    with pytest.raises(ValueError, match="'hed' or 'imagenet'"):
        data.load_vgg16_kernels("vgg19")


# --------------------------------------------------------------------------- download path (file:// URLs)


def test_download_url_checks_sha256(tmp_path):
    source = tmp_path / "upstream.bin"
    source.write_bytes(b"payload")
    dest = tmp_path / "cache" / "x.bin"
    with pytest.raises(data.DataCorruptError, match="expected 0+"):
        data._download_url(source.as_uri(), dest, "0" * 64)
    assert not dest.exists() and not list(dest.parent.iterdir())  # nothing half-written is kept
    data._download_url(source.as_uri(), dest, sha(b"payload"))
    assert dest.read_bytes() == b"payload"


def _write_mat(path: Path, array: np.ndarray, name: str) -> bytes:
    from scipy.io import savemat

    buffer = io.BytesIO()
    savemat(buffer, {name: array})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def test_natural_patches_download_into_cache(fake, tmp_path, monkeypatch):
    points = np.random.default_rng(1).normal(size=(8, 20))  # stored as columns: must come back as rows
    points /= np.linalg.norm(points, axis=0)
    content = _write_mat(tmp_path / "upstream/n50000Dct.mat", points, "n50000Dct")
    fake.add_raw("natural-patches/n50000Dct.mat", content, into_data_dir=False)
    monkeypatch.setattr(data, "_JAVAPLEX_RAW", (tmp_path / "upstream").as_uri() + "/")
    with pytest.raises(data.DataNotFoundError, match="Download skipped because TOPO_OFFLINE=1"):
        data.load_natural_patches("n50000")
    monkeypatch.setenv("TOPO_OFFLINE", "0")
    loaded = data.load_natural_patches("n50000")
    np.testing.assert_allclose(loaded, points.T)
    assert (Path(os.environ["TOPO_CACHE_DIR"]) / "natural-patches/n50000Dct.mat").is_file()


def test_failed_download_is_reported(fake, monkeypatch):
    def no_network(url, dest, expected):
        raise OSError("network unreachable")

    monkeypatch.setenv("TOPO_OFFLINE", "0")
    monkeypatch.setattr(data, "_download_url", no_network)
    with pytest.raises(data.DataNotFoundError, match="download failed .*network unreachable") as info:
        data.load_natural_patches("X15")
    assert "javaplex" in str(info.value)


def test_corrupt_natural_patch_file(fake):
    good = _write_mat(fake.root / "natural-patches/nk15c30Dct.mat", np.eye(8), "nk15c30Dct")
    fake.add_raw("natural-patches/nk15c30Dct.mat", good)
    np.testing.assert_array_equal(data.load_natural_patches("X15"), np.eye(8))
    _write_mat(fake.root / "natural-patches/nk15c30Dct.mat", 2 * np.eye(8), "nk15c30Dct")
    later(fake.root / "natural-patches/nk15c30Dct.mat")
    with pytest.raises(data.DataCorruptError, match="nk15c30Dct.mat: sha256 mismatch"):
        data.load_natural_patches("X15")


# --------------------------------------------------------------------------- CIFAR JPEG archive (synthetic)


def _write_cifar_archive(path: Path, per_class: dict[str, int]) -> dict[tuple[str, str, int], np.ndarray]:
    from PIL import Image

    rng = np.random.default_rng(2)
    images = {}
    with tarfile.open(path, "w:gz") as tar:
        for split, count in per_class.items():
            for cls in reversed(data.CIFAR10_CLASSES):  # archive order must not matter
                for k in reversed(range(count)):
                    flat = np.full((32, 32, 3), rng.integers(0, 256, size=3), dtype=np.uint8)
                    buffer = io.BytesIO()
                    Image.fromarray(flat).save(buffer, format="JPEG", quality=95)
                    info = tarfile.TarInfo(f"{split}/{cls}/{k:04d}.jpg")
                    info.size = len(buffer.getvalue())
                    tar.addfile(info, io.BytesIO(buffer.getvalue()))
                    images[(split, cls, k)] = flat
    return images


def test_cifar_archive_order_lossy_flag_and_npy_cache(fake, monkeypatch):
    per_class = {"train": 2, "test": 1}
    monkeypatch.setattr(data, "_CIFAR_PER_CLASS", per_class)
    archive = fake.root / "cifar10/cifar10-jpeg-q75.tar.gz"
    archive.parent.mkdir(parents=True)
    originals = _write_cifar_archive(archive, per_class)
    fake.add_raw("cifar10/cifar10-jpeg-q75.tar.gz", archive.read_bytes())

    cifar = data.load_cifar10("train")
    assert cifar.images.shape == (20, 32, 32, 3) and cifar.images.dtype == np.uint8
    assert cifar.lossy is True and "JPEG" in cifar.note and "LOSSY" in cifar.describe()
    np.testing.assert_array_equal(cifar.labels, np.repeat(np.arange(10), 2))
    expected = np.stack([originals[("train", c, k)] for c in data.CIFAR10_CLASSES for k in range(2)])
    assert np.abs(cifar.images.astype(int) - expected).max() <= 3  # flat colours survive JPEG

    cached = list((Path(os.environ["TOPO_CACHE_DIR"]) / "cifar10").glob("jpeg-q75-*/train-images.npy"))
    assert len(cached) == 1 and sha(archive.read_bytes())[:16] in str(cached[0])

    def must_not_decode(*args):
        raise AssertionError("decoded again although the .npy cache is valid")

    data.clear_caches()
    monkeypatch.setattr(data, "_decode_cifar_jpeg", must_not_decode)
    np.testing.assert_array_equal(data.load_cifar10("train").images, cifar.images)


def test_cifar_archive_with_a_missing_image(fake, monkeypatch):
    archive = fake.root / "cifar10/cifar10-jpeg-q75.tar.gz"
    archive.parent.mkdir(parents=True)
    _write_cifar_archive(archive, {"train": 2, "test": 1})
    monkeypatch.setattr(data, "_CIFAR_PER_CLASS", {"train": 3, "test": 1})  # now one image short a class
    fake.add_raw("cifar10/cifar10-jpeg-q75.tar.gz", archive.read_bytes())
    with pytest.raises(data.DataCorruptError, match="expected 3 images"):
        data.load_cifar10("train")


def test_keras_kernels_become_torch_layout_and_channel_order_flips():
    keras = np.arange(3 * 3 * 2 * 4, dtype=np.float32).reshape(3, 3, 2, 4)  # (kh, kw, in, out)
    torch_layout = data._keras_to_torch(keras)
    assert torch_layout.shape == (4, 2, 3, 3)
    for o, i, y, x in [(0, 0, 0, 0), (3, 1, 2, 0), (1, 0, 0, 2), (2, 1, 1, 2)]:
        assert torch_layout[o, i, y, x] == keras[y, x, i, o]
    flipped = data._set_channel_order(torch_layout, "BGR", "RGB")
    np.testing.assert_array_equal(flipped[:, 0], torch_layout[:, 1])
    assert data._set_channel_order(torch_layout, "RGB", "RGB") is torch_layout
    with pytest.raises(ValueError, match="'RGB' or 'BGR'"):
        data._set_channel_order(torch_layout, "BGR", "rgb")


# --------------------------------------------------------------------------- online-only data sets


def test_svhn_offline_error_points_to_the_stand_in(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPO_OFFLINE", "1")
    with pytest.raises(data.DataNotFoundError) as info:
        data.load_svhn("test")
    text = str(info.value)
    assert "online-only" in text and "load_uci_digits_28()" in text and "TOPO_OFFLINE=1" in text
    assert "test_32x32.mat" in text


def test_vgg16_imagenet_offline_error(monkeypatch):
    monkeypatch.setenv("TOPO_OFFLINE", "1")
    with pytest.raises(data.DataNotFoundError, match="vgg16-397923af.pth") as info:
        data.load_vgg16_kernels("imagenet")
    assert "load_vgg16_kernels('hed')" in str(info.value)


def test_uci_digits_28():
    digits = data.load_uci_digits_28()
    assert digits.images.shape == (1797, 28, 28) and digits.images.dtype == np.uint8
    assert digits.images.max() == 255 and digits.images.min() == 0
    assert np.bincount(digits.labels).sum() == 1797 and set(digits.labels.tolist()) == set(range(10))
    assert digits.name == "uci-digits-28" and "SVHN" in digits.note
    # upsampling keeps the picture: shrunk back to 8x8 it matches the original digit
    from PIL import Image
    from sklearn.datasets import load_digits

    original = load_digits().images[100]
    shrunk = np.asarray(Image.fromarray(digits.images[100]).resize((8, 8), Image.BOX), dtype=float)
    assert np.corrcoef(shrunk.ravel(), original.ravel())[0, 1] > 0.9


def test_torch_dataset_over_synthetic_mnist(fake):
    dataset = data.torch_dataset("mnist", "train", transform=np.asarray)
    assert len(dataset) == 7
    image, label = dataset[3]
    np.testing.assert_array_equal(image, fake.arrays["train"][0][3])
    assert label == int(fake.arrays["train"][1][3])
    assert dataset.targets.dtype.is_floating_point is False and tuple(dataset.data.shape) == (7, 28, 28)
    with pytest.raises(ValueError, match="mnist"):
        data.torch_dataset("imagenet")


# --------------------------------------------------------------------------- real data


@pytest.fixture
def real(monkeypatch):
    monkeypatch.setenv("TOPO_DATA_DIR", REAL_DATA)
    monkeypatch.setenv("TOPO_OFFLINE", "1")


@needs_real_data
def test_real_mnist(real):
    train = data.load_mnist("train")
    assert train.images.shape == (60000, 28, 28) and train.images.dtype == np.uint8
    assert np.bincount(train.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert abs(train.images.mean() / 255 - 0.1307) < 1e-3  # the usual normalisation constant
    test = data.load_mnist("test")
    assert test.images.shape == (10000, 28, 28) and test.labels[:5].tolist() == [7, 2, 1, 0, 4]


@needs_real_data
def test_real_fashion_mnist(real):
    for split, n in (("train", 60000), ("test", 10000)):
        fashion = data.load_fashion_mnist(split)
        assert fashion.images.shape == (n, 28, 28)
        assert np.bincount(fashion.labels).tolist() == [n // 10] * 10
    assert fashion.classes[9] == "Ankle boot"


@needs_real_data
@pytest.mark.parametrize("name, n", [("n50000", 50000), ("X300", 15000), ("X15", 15000)])
def test_real_natural_patches(real, name, n):
    points = data.load_natural_patches(name)
    assert points.shape == (n, 8) and points.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 1.0, atol=1e-6)
    assert np.abs(points.mean(axis=0)).max() < 0.5  # spread over the sphere, not one point


@needs_real_data
def test_real_cifar10_test_split_is_marked_lossy(real):
    cifar = data.load_cifar10("test")
    assert cifar.images.shape == (10000, 32, 32, 3) and cifar.images.dtype == np.uint8
    assert cifar.lossy is True and "PSNR 27-33 dB" in cifar.note
    assert np.bincount(cifar.labels).tolist() == [1000] * 10
    # channel means of the official test set, in RGB order
    means = cifar.images.reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(means, [0.4942, 0.4851, 0.4504], atol=3e-3)
    dataset = data.torch_dataset("cifar10", "test")
    assert dataset.image_set.lossy and dataset[0][0].mode == "RGB"


@needs_real_data
@pytest.mark.slow
def test_real_cifar10_train_split(real):
    cifar = data.load_cifar10("train")
    assert cifar.images.shape == (50000, 32, 32, 3) and np.bincount(cifar.labels).tolist() == [5000] * 10


@needs_real_data
def test_real_vgg16_kernels(real):
    kernels = data.load_vgg16_kernels("hed")
    assert kernels["block1_conv1"].shape == (64, 3, 3, 3)
    assert kernels[data.VGG16_LAYERS[12]].shape == (512, 512, 3, 3)
    assert kernels["block3_conv1_bias"].shape == (256,)
    assert len(kernels) == 26
    exact = data.load_vgg16_imagenet_conv1_1()
    hed = kernels["block1_conv1"]
    relative = np.linalg.norm(hed - exact) / np.linalg.norm(exact)
    assert 0.02 < relative < 0.05  # near-ImageNet, as documented (3.5%)
    cosines = (hed * exact).reshape(64, -1).sum(1) / (
        np.linalg.norm(hed.reshape(64, -1), axis=1) * np.linalg.norm(exact.reshape(64, -1), axis=1))
    assert cosines.mean() > 0.999
    bgr = data.load_vgg16_kernels("hed", channel_order="BGR")["block1_conv1"]
    np.testing.assert_array_equal(bgr[:, ::-1], hed)
    assert not np.array_equal(bgr, hed)


@needs_real_data
def test_real_bsd_images(real):
    counts = {"Train400": (400, {(180, 180)}), "BSD68": (68, {(321, 481), (481, 321)}),
              "Set12": (12, {(256, 256), (512, 512)})}
    for subset, (n, shapes) in counts.items():
        images = data.load_bsd_images(subset)
        assert len(images) == n and {im.shape for im in images} == shapes
        assert all(im.dtype == np.float64 and 0.0 <= im.min() and im.max() <= 1.0 for im in images)
        assert max(im.max() for im in images) > 0.9


@needs_real_data
def test_real_torch_dataset_mnist(real):
    import torch

    dataset = data.torch_dataset("mnist", "test")
    assert isinstance(dataset, torch.utils.data.Dataset) and len(dataset) == 10000
    image, label = dataset[0]
    assert image.mode == "L" and image.size == (28, 28) and label == 7


@pytest.mark.parametrize("arch", ["vgg16", "vgg19"])
def test_torchvision_vgg_state_checks_the_cached_file_and_says_what_to_do(arch, tmp_path, monkeypatch):
    """One loader for both VGGs: a corrupt cached file is refused (VGG19's used to be loaded unchecked)."""
    from torchvision.models import VGG16_Weights, VGG19_Weights

    monkeypatch.setenv("TOPO_OFFLINE", "1")
    url = {"vgg16": VGG16_Weights, "vgg19": VGG19_Weights}[arch].IMAGENET1K_V1.url
    with pytest.raises(data.DataNotFoundError, match=f"{arch.upper()} ImageNet weights") as err:
        data.torchvision_vgg_state(arch)
    assert ("no offline VGG19" in str(err.value)) == (arch == "vgg19")
    cached = data.cache_dir() / "torch-hub" / url.rsplit("/", 1)[1]
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not a state dict")
    with pytest.raises(data.DataCorruptError, match="sha256 should start with"):
        data.torchvision_vgg_state(arch)
    with pytest.raises(ValueError, match="'vgg16' or 'vgg19'"):
        data.torchvision_vgg_state("vgg11")
