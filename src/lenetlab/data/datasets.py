"""The data sets lenetlab knows: their files, checksums, classes and mirrors.

MNIST and Fashion-MNIST share a format, an image size and the same four file
names, so one :class:`DatasetInfo` describes either and everything downstream
(finding, downloading, loading) takes the name and looks the rest up here.

Each file carries two checksums. ``md5`` is what the data set's authors publish
for the compressed file that mirrors serve. ``sha256`` is of the decompressed
bytes, so it holds for any re-compressed copy (Debian's package and the
development copy are re-compressed) and is what files on disk are checked by.

    info = get_dataset_info("fashion-mnist")
    info.files["train_images"].name  # "train-images-idx3-ubyte.gz"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lenetlab.errors import DataError

# The four files every data set has, in the order they are fetched and reported.
ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class IdxFile:
    """One of a data set's four files: its name, checksums and size."""

    name: str  # as mirrors serve it, e.g. "train-images-idx3-ubyte.gz"
    md5: str  # of the compressed file, as the data set's authors publish it
    sha256: str  # of the decompressed bytes, whatever the compression
    count: int  # examples the file holds

    @property
    def raw_name(self) -> str:
        """The name once gunzipped, as some people keep the files."""
        return self.name.removesuffix(".gz")


@dataclass(frozen=True)
class DatasetInfo:
    """Everything lenetlab needs to know to find, fetch and load one data set."""

    name: str  # registry key and folder name under a data directory
    title: str  # for messages and reports
    homepage: str  # where a person can fetch the files by hand
    files: Mapping[str, IdxFile] = field(hash=False)  # keyed by ROLES
    classes: tuple[str, ...]  # class names, indexed by label
    mean: float  # of the training pixels scaled to [0, 1], for normalisation
    std: float  # their standard deviation
    mirrors: tuple[str, ...]  # base URLs, tried in this order
    torchvision_folder: str  # torchvision keeps the files in <root>/<this>/raw/
    image_size: int = 28  # images are image_size x image_size

    @property
    def checksums(self) -> dict[str, str]:
        """SHA-256 of each decompressed file by its raw name, for checkpoint metadata."""
        return {spec.raw_name: spec.sha256 for spec in self.files.values()}

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def _files(md5: dict[str, str], sha256: dict[str, str]) -> dict[str, IdxFile]:
    """The four canonical files with their checksums, keyed by role."""
    names = {
        "train_images": "train-images-idx3-ubyte.gz",
        "train_labels": "train-labels-idx1-ubyte.gz",
        "test_images": "t10k-images-idx3-ubyte.gz",
        "test_labels": "t10k-labels-idx1-ubyte.gz",
    }
    counts = {"train_images": 60_000, "train_labels": 60_000}
    return {
        role: IdxFile(names[role], md5[role], sha256[role], counts.get(role, 10_000))
        for role in ROLES
    }


MNIST = DatasetInfo(
    name="mnist",
    title="MNIST handwritten digits",
    homepage="http://yann.lecun.com/exdb/mnist/",
    # MD5s as torchvision checks them; SHA-256s of the original decompressed files
    files=_files(
        md5={
            "train_images": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train_labels": "d53e105ee54ea40749a09fcbcd1e9432",
            "test_images": "9fb629c4189551a2d022fa330f9573f3",
            "test_labels": "ec29112dd5afa0611ce80d1b7f02629c",
        },
        sha256={
            "train_images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train_labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "test_images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "test_labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
    ),
    classes=tuple(str(digit) for digit in range(10)),
    mean=0.1307,
    std=0.3081,
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",  # hosted for PyTorch
        "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow Datasets
        "http://yann.lecun.com/exdb/mnist/",  # the original site, often refuses robots
    ),
    torchvision_folder="MNIST",
)

FASHION_MNIST = DatasetInfo(
    name="fashion-mnist",
    title="Fashion-MNIST (Zalando)",
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    # MD5s from the project's README; Debian's package re-wrote the gzip headers,
    # so its .gz files differ from these while their contents match the SHA-256s
    files=_files(
        md5={
            "train_images": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train_labels": "25c81989df183df01b3e8a0aad5dffbe",
            "test_images": "bef4ecab320f06d8554ea6380940ec79",
            "test_labels": "bb300cfdad3c16e7a12a480ee83cd310",
        },
        sha256={
            "train_images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train_labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "test_images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "test_labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
    ),
    classes=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    # computed over the 60,000 training images
    mean=0.2860,
    std=0.3530,
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # the authors' own
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",  # Keras's copy
    ),
    torchvision_folder="FashionMNIST",
)

DATASETS: dict[str, DatasetInfo] = {info.name: info for info in (MNIST, FASHION_MNIST)}


def dataset_names() -> list[str]:
    """The names :func:`get_dataset_info` accepts, sorted."""
    return sorted(DATASETS)


def get_dataset_info(name: str) -> DatasetInfo:
    """The registry entry for ``name``; a DataError lists the known names otherwise."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(dataset_names())
        raise DataError(f"unknown data set {name!r}; known data sets: {known}") from None
