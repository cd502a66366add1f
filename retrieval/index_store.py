"""The index on disk: generations written atomically, checked when read.

Layout under `{data_dir}/index/`:

    CURRENT              name of the live generation, replaced atomically
    gen-<time>-<rand>/   manifest.json + one .npy file per array + meta.json

A save writes a new generation in a temporary directory, fsyncs every file
and the directory, renames it into place and only then switches CURRENT. A
crash at any point leaves CURRENT naming a complete generation (or nothing).
The manifest records the size and SHA-256 of every file; a load that finds a
mismatch, a missing file or unreadable contents raises IndexCorrupt, and the
caller rebuilds from the catalog.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from retrieval.errors import IndexCorrupt, RetrievalError
from retrieval.index import HybridIndex, IndexParams

STORE_FORMAT = 1
CURRENT = "CURRENT"
# Generations kept besides the live one: a reader that has just read CURRENT
# can still open the generation it names while a writer publishes the next.
KEEP_PREVIOUS = 1


@dataclass(frozen=True)
class StoredIndex:
    index: HybridIndex
    info: dict[str, Any]  # what the writer recorded (fingerprint, passage format, ...)
    path: Path


class _HashingFile:
    """A write-only file that hashes what passes through it (np.save writes here)."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        self.sha256.update(data)
        self.size += len(memoryview(data).cast("B"))
        return self._file.write(data)

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_bytes(path: Path, data: bytes) -> dict[str, Any]:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def save_index(index: HybridIndex, directory: Path, info: dict[str, Any]) -> Path:
    """Write `index` as a new generation and make it the current one."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        arrays, meta = index.to_state()
        tmp = directory / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        files: dict[str, dict[str, Any]] = {}
        for name, array in arrays.items():
            out = _HashingFile(tmp / f"{name}.npy")
            try:
                np.save(out, np.ascontiguousarray(array), allow_pickle=False)
            finally:
                out.close()
            files[f"{name}.npy"] = {"size": out.size, "sha256": out.sha256.hexdigest()}
        meta_bytes = json.dumps(meta, ensure_ascii=False).encode()
        files["meta.json"] = _write_bytes(tmp / "meta.json", meta_bytes)
        manifest = {"format": STORE_FORMAT, "info": info, "files": files, "saved_at": time.time()}
        _write_bytes(tmp / "manifest.json", json.dumps(manifest, indent=1).encode())
        _fsync_dir(tmp)
        generation = f"gen-{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        os.rename(tmp, directory / generation)
        _fsync_dir(directory)
        pointer = directory / f"{CURRENT}.{uuid.uuid4().hex}.tmp"
        _write_bytes(pointer, generation.encode())
        os.replace(pointer, directory / CURRENT)
        _fsync_dir(directory)
    except OSError as exc:
        raise RetrievalError(f"cannot write the search index to {directory}: {exc}") from exc
    _remove_old(directory, generation)
    return directory / generation


def _remove_old(directory: Path, live: str) -> None:
    """Delete older generations (keeping KEEP_PREVIOUS) and abandoned temporary files."""
    generations = sorted(p.name for p in directory.glob("gen-*") if p.is_dir())
    older = [g for g in generations if g != live and g < live]
    for name in older[: max(len(older) - KEEP_PREVIOUS, 0)]:
        shutil.rmtree(directory / name, ignore_errors=True)
    for stale in directory.glob(".tmp-*"):
        # Another process may be writing one right now; only sweep the long abandoned.
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)


def _read_checked(path: Path, expected: dict[str, Any]) -> bytearray:
    size = path.stat().st_size
    if size != expected.get("size"):
        raise IndexCorrupt(f"{path.name} has {size} bytes, not {expected.get('size')}")
    data = bytearray(size)  # numpy arrays over it are writable, and nothing is copied twice
    with open(path, "rb") as f:
        if f.readinto(data) != size:
            raise IndexCorrupt(f"{path.name} is shorter than it was a moment ago")
    if hashlib.sha256(data).hexdigest() != expected.get("sha256"):
        raise IndexCorrupt(f"{path.name} does not match its checksum")
    return data


def load_index(directory: Path, params: IndexParams) -> StoredIndex | None:
    """The current generation, or None when no index was ever saved here.

    Raises IndexCorrupt when one was saved but cannot be read back whole.
    """
    pointer = directory / CURRENT
    if not pointer.exists():
        return None
    try:
        generation = directory / pointer.read_text().strip()
        manifest = json.loads((generation / "manifest.json").read_bytes())
        if manifest.get("format") != STORE_FORMAT:
            raise IndexCorrupt(f"index format {manifest.get('format')} is not {STORE_FORMAT}")
        files: dict[str, dict[str, Any]] = manifest["files"]
        meta = json.loads(_read_checked(generation / "meta.json", files["meta.json"]))
        arrays: dict[str, NDArray[Any]] = {}
        for file_name, expected in files.items():
            if not file_name.endswith(".npy"):
                continue
            path = generation / file_name
            data = _read_checked(path, expected)
            arrays[file_name[: -len(".npy")]] = _npy_from_bytes(data)
        index = HybridIndex.from_state(arrays, meta, params)
    except IndexCorrupt:
        raise
    except (OSError, KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"index at {directory} cannot be read: {exc}") from exc
    return StoredIndex(index=index, info=dict(manifest.get("info", {})), path=generation)


def _npy_from_bytes(data: bytearray) -> NDArray[Any]:
    """The array in an .npy image, as a view of `data` (no copy)."""
    header = io.BytesIO(data)
    version = np.lib.format.read_magic(header)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(header)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(header)
    else:
        raise IndexCorrupt(f"unknown .npy version {version}")
    if dtype.hasobject:
        raise IndexCorrupt("index arrays never hold Python objects")
    count = math.prod(shape)
    array = np.frombuffer(data, dtype=dtype, count=count, offset=header.tell())
    return array.reshape(shape, order="F" if fortran else "C")
