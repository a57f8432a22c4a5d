"""Find a data set's four files on disk, or download them, and check them.

The places looked in, in order, each named in :attr:`DatasetFiles.source`:

1. ``data_dir``, the command line's ``--data-dir`` ("data_dir");
2. the folder in ``$LENETLAB_DATA`` ("LENETLAB_DATA");
3. the user cache, e.g. ``~/.cache/lenetlab`` on Linux ("cache");
4. ``/usr/share/datasets``, where Debian's dataset packages install ("system");
5. a download into ``data_dir`` if given, else the user cache ("download").

Under each of these folders a data set is looked for in ``<folder>/<name>/``
(``mnist/``, ``fashion-mnist/``), in torchvision's ``<folder>/MNIST/raw/`` or
``<folder>/FashionMNIST/raw/``, and in the folder itself. Each file may be
gzip-compressed (``train-images-idx3-ubyte.gz``) or gunzipped
(``train-images-idx3-ubyte``). The first folder holding all four wins, and its
files must then pass the content check of :mod:`lenetlab.data.verify`: a stale
or damaged copy is an error naming the file, not a reason to look further.

    files = locate_dataset("mnist", data_dir="data")
    files.paths["train_images"], files.source
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from lenetlab.data.datasets import ROLES, DatasetInfo, get_dataset_info
from lenetlab.data.download import DEFAULT_TIMEOUT, by_hand_hint, download_dataset
from lenetlab.data.verify import check_file
from lenetlab.errors import DataError

log = logging.getLogger(__name__)

ENV_VAR = "LENETLAB_DATA"
SYSTEM_DIR = Path("/usr/share/datasets")


@dataclass(frozen=True)
class DatasetFiles:
    """Where a data set's four checked files are, and which lookup step found them."""

    dataset: DatasetInfo
    directory: Path  # the folder holding the files
    paths: Mapping[str, Path]  # keyed by ROLES
    source: str  # "data_dir", "LENETLAB_DATA", "cache", "system" or "download"


def default_cache_dir() -> Path:
    """The user cache folder lenetlab downloads into, e.g. ``~/.cache/lenetlab``."""
    return Path(platformdirs.user_cache_dir("lenetlab"))


def candidate_dirs(root: Path, info: DatasetInfo) -> list[Path]:
    """The folders under ``root`` that may hold ``info``'s files, most specific first."""
    return [root / info.name, root / info.torchvision_folder / "raw", root]


def find_files(directory: Path, info: DatasetInfo) -> dict[str, Path] | None:
    """The four files in ``directory``, compressed or not, or None unless all are there."""
    paths = {}
    for role in ROLES:
        spec = info.files[role]
        for name in (spec.name, spec.raw_name):
            if (directory / name).is_file():
                paths[role] = directory / name
                break
        else:
            return None
    return paths


def locate_dataset(
    name: str = "mnist",
    data_dir: str | Path | None = None,
    download: bool = True,
    *,
    cache_dir: str | Path | None = None,
    system_dir: str | Path | None = None,
    mirrors: Sequence[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> DatasetFiles:
    """Find, check and if need be download data set ``name``; see the module docstring.

    ``cache_dir`` and ``system_dir`` replace the user cache and
    ``/usr/share/datasets`` (tests point them at temporary folders);
    ``mirrors`` and ``timeout`` go to the download.
    """
    info = get_dataset_info(name)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    env_dir = os.environ.get(ENV_VAR) or None
    roots = [
        ("data_dir", data_dir),
        (ENV_VAR, env_dir),
        ("cache", cache),
        ("system", system_dir if system_dir is not None else SYSTEM_DIR),
    ]
    roots = [(source, Path(root).expanduser()) for source, root in roots if root is not None]
    data_root = Path(data_dir).expanduser() if data_dir is not None else None
    if data_root is not None and not data_root.is_dir():
        log.warning("--data-dir %s is not a folder; looking in the other places", data_dir)

    # the first folder with all four files wins, and its files must be intact
    for source, root in roots:
        for directory in candidate_dirs(root, info):
            paths = find_files(directory, info)
            if paths is not None:
                for role, path in paths.items():
                    check_file(path, info.files[role], info.name)
                return DatasetFiles(info, directory, paths, source)

    # nothing on disk: download, or say where to put the files
    # into --data-dir when it is a folder or can become one, else into the cache
    usable = data_root is not None and (data_root.is_dir() or not data_root.exists())
    target = (data_root if usable else cache) / info.name
    looked = ", ".join(str(root) for _, root in roots)
    if not download:
        raise DataError(
            f"{info.name} not found under {looked} and downloads are off; "
            f"{by_hand_hint(info, target)}"
        )
    try:
        paths = download_dataset(info, target, mirrors=mirrors, timeout=timeout)
    except DataError as err:
        raise DataError(f"{info.name} not found under {looked}, and {err}") from None
    return DatasetFiles(info, target, paths, "download")
