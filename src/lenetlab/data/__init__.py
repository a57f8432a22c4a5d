"""The data: IDX files, the data set registry, finding and downloading files, splits.

Most callers need one line, which finds (or downloads), checks and loads MNIST:

    from lenetlab.data import load_splits, normalize_images
    splits = load_splits("mnist", data_dir=None, download=True)

The modules, each with one job: :mod:`~lenetlab.data.idx` reads the file
format, :mod:`~lenetlab.data.datasets` describes MNIST and Fashion-MNIST,
:mod:`~lenetlab.data.verify` checks files by content,
:mod:`~lenetlab.data.locate` finds them, :mod:`~lenetlab.data.download` fetches
them, and :mod:`~lenetlab.data.splits` loads them as tensors.
"""

from lenetlab.data.datasets import (
    DATASETS,
    ROLES,
    DatasetInfo,
    IdxFile,
    dataset_names,
    get_dataset_info,
)
from lenetlab.data.download import download_dataset
from lenetlab.data.idx import idx_sha256, read_idx
from lenetlab.data.locate import DatasetFiles, default_cache_dir, locate_dataset
from lenetlab.data.splits import Split, Splits, load_splits, normalize_images
from lenetlab.data.verify import check_file

__all__ = [
    "DATASETS",
    "ROLES",
    "DatasetFiles",
    "DatasetInfo",
    "IdxFile",
    "Split",
    "Splits",
    "check_file",
    "dataset_names",
    "default_cache_dir",
    "download_dataset",
    "get_dataset_info",
    "idx_sha256",
    "load_splits",
    "locate_dataset",
    "normalize_images",
    "read_idx",
]
