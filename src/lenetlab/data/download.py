"""Download a data set's four files from its mirrors, safely.

Mirrors go down, move, answer with HTML error pages or cut connections, so each
file is written to a temporary ``.part`` file beside its final name, checked,
and only then renamed into place (an atomic ``os.replace``). Nothing partial or
wrong ever sits under a final name, and two processes filling the same cache do
not trip over each other.

A file is accepted when its MD5 matches the published one, or, failing that,
when its decompressed bytes match the registry's SHA-256 (a mirror that
re-compressed the same data). Any failure logs one warning and moves on to the
next mirror; a mirror that failed is not tried again for the remaining files, so
a dead host costs one time-out, not four. When no mirror delivers, the
DataError says how to place the files by hand.

    download_dataset(get_dataset_info("mnist"), Path("~/.cache/lenetlab/mnist"))
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import ssl
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from lenetlab.data.datasets import ROLES, DatasetInfo, IdxFile
from lenetlab.data.idx import GZIP_MAGIC, idx_sha256, looks_like_html
from lenetlab.data.verify import file_problem, remember
from lenetlab.errors import DataError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0  # seconds a connection may stay silent before the mirror is dropped
MAX_DOWNLOAD_BYTES = 64 * 2**20  # the largest file served is 26 MB
CHUNK_BYTES = 2**20
USER_AGENT = "lenetlab-data-download"  # some hosts refuse Python's default agent


def by_hand_hint(info: DatasetInfo, directory: Path) -> str:
    """How to place the files by hand, the last line of every failed search."""
    names = ", ".join(spec.name for spec in info.files.values())
    source = info.mirrors[0] if info.mirrors else info.homepage
    return f"download {names} from {source} and place them in {directory}"


def download_dataset(
    info: DatasetInfo,
    directory: str | Path,
    *,
    mirrors: Sequence[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Path]:
    """Fetch whichever of the four files ``directory`` lacks; return all four paths by role.

    ``mirrors`` replaces the registry's base URLs (tests serve from a local
    server). Files already present and intact are kept.
    """
    directory = Path(directory).expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(
            f"{directory}: cannot create the download folder ({err.strerror})"
        ) from None
    live_mirrors = list(info.mirrors if mirrors is None else mirrors)

    paths = {}
    for role in ROLES:
        spec = info.files[role]
        final = directory / spec.name
        if final.exists() and _intact(final, spec, info.name):
            paths[role] = final
            continue

        # try the mirrors in order; the first good copy wins
        for base in list(live_mirrors):
            url = base.rstrip("/") + "/" + spec.name
            try:
                _fetch(url, final, spec, timeout)
            except (DataError, OSError, http.client.HTTPException) as err:
                logger.warning("%s; trying the next mirror", _describe(url, err))
                live_mirrors.remove(base)
                continue
            paths[role] = final
            break
        else:
            raise DataError(
                f"could not download {info.name}'s {spec.name} from any mirror "
                f"(see the warnings above); {by_hand_hint(info, directory)}"
            )
    return paths


def _intact(path: Path, spec: IdxFile, dataset: str) -> bool:
    """Whether a file already in the download folder can be kept."""
    problem = file_problem(path, spec, dataset)
    if problem is not None:
        logger.warning("%s; downloading it again", problem)
    return problem is None


def _fetch(url: str, final: Path, spec: IdxFile, timeout: float) -> None:
    """Download ``url`` to a partial file, check it, and rename it to ``final``."""
    handle, part_name = tempfile.mkstemp(dir=final.parent, prefix=f".{spec.name}.", suffix=".part")
    part = Path(part_name)
    try:
        with os.fdopen(handle, "wb") as part_file:
            md5 = _stream(url, part_file, timeout)
        _check(url, part, spec, md5)
        os.replace(part, final)
        remember(final, spec.sha256)
        logger.info("downloaded %s", url)
    finally:
        part.unlink(missing_ok=True)


def _stream(url: str, out: BinaryIO, timeout: float) -> str:
    """Copy the body of ``url`` into ``out`` in chunks; return its MD5."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    with urllib.request.urlopen(request, timeout=timeout) as response:
        while chunk := response.read(CHUNK_BYTES):
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise DataError(f"{url}: served more than {MAX_DOWNLOAD_BYTES} bytes")
            md5.update(chunk)
            out.write(chunk)
    return md5.hexdigest()


def _check(url: str, part: Path, spec: IdxFile, md5: str) -> None:
    """Raise a DataError unless the downloaded bytes are the file ``spec`` describes."""
    with part.open("rb") as file:
        head = file.read(1024)
    if not head:
        raise DataError(f"{url}: served an empty file")
    if looks_like_html(head):
        raise DataError(f"{url}: served an HTML page, not gzip data")
    if not head.startswith(GZIP_MAGIC):
        raise DataError(f"{url}: served something that is not gzip data")
    if md5 == spec.md5:
        return

    # a re-compressed copy of the right data is as good as the published file
    if idx_sha256(part, label=url) != spec.sha256:
        raise DataError(f"{url}: checksum mismatch (MD5 {md5}, published {spec.md5})")


def _describe(url: str, err: BaseException) -> str:
    """One line saying which download failed and why, for the warning log."""
    if isinstance(err, DataError):
        return str(err)  # already names the URL
    if isinstance(err, urllib.error.HTTPError):
        return f"{url}: HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        err = err.reason if isinstance(err.reason, BaseException) else OSError(err.reason)

    if isinstance(err, TimeoutError):
        reason = "timed out"
    elif isinstance(err, ConnectionRefusedError):
        reason = "connection refused"
    elif isinstance(err, ssl.SSLError):
        reason = f"TLS failed ({err})"
    else:
        reason = str(err) or type(err).__name__
    return f"{url}: " + " ".join(reason.split())
