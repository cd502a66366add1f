"""Resolving `lm_model`: the packaged GGUF parts, local directories, Hugging Face ids."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from dialogue.lm.errors import ModelNotAvailable
from dialogue.lm.packaged_qwen import (
    QWEN_CODER_05B,
    ModelPart,
    PackagedModel,
    ensure_assembled,
    part_path,
    resolve_model_dir,
)
from dialogue.lm.types import ChatMessage, GenerationParams
from dialogue.settings import DialogueSettings


def fake_packaged(root: Path, contents: list[bytes], name: str = "fake-model") -> PackagedModel:
    """Installs one importable package per part under `root` (put on sys.path by the caller)."""
    parts = []
    for i, data in enumerate(contents, start=1):
        package = f"kefu_fake_part_{name.replace('-', '_')}_{i}"
        (root / package / "data").mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
        (root / package / "data" / f"part{i:02d}.bin").write_bytes(data)
        parts.append(
            ModelPart(
                package=package,
                distribution=package.replace("_", "-"),
                relpath=f"data/part{i:02d}.bin",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    whole = b"".join(contents)
    return PackagedModel(
        name=name,
        version="1.0",
        parts=tuple(parts),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    return root


def test_parts_are_joined_in_order_and_checked(site: Path, tmp_path: Path) -> None:
    contents = [b"GGUF" + bytes(range(256)) * 3, b"second part", b"\x00" * 1000]
    packaged = fake_packaged(site, contents)
    models = tmp_path / "models"
    path = ensure_assembled(packaged, models)
    assert path == models / "fake-model.gguf"
    assert path.read_bytes() == b"".join(contents)
    assert [p.name for p in models.iterdir()] == ["fake-model.gguf"]  # no temp files left
    assert ensure_assembled(packaged, models) == path


def test_a_damaged_part_names_the_package_to_reinstall(site: Path, tmp_path: Path) -> None:
    packaged = fake_packaged(site, [b"one", b"two", b"three"])
    damaged = packaged.parts[1]
    (site / damaged.package / damaged.relpath).write_bytes(b"tw0")
    with pytest.raises(ModelNotAvailable, match=f"package {damaged.distribution}.*reinstall"):
        ensure_assembled(packaged, tmp_path / "models")
    assert not (tmp_path / "models" / "fake-model.gguf").exists()
    assert list((tmp_path / "models").iterdir()) == []


def test_a_missing_part_package_is_named(site: Path, tmp_path: Path) -> None:
    packaged = fake_packaged(site, [b"one", b"two"])
    missing = ModelPart("kefu_not_installed_part", "kefu-not-installed-part", "data/x.bin", 1, "0")
    broken = PackagedModel(packaged.name, "1.0", (*packaged.parts, missing), 7, packaged.sha256)
    with pytest.raises(ModelNotAvailable, match=r"kefu-not-installed-part==1\.0 .* not installed"):
        ensure_assembled(broken, tmp_path / "models")


def test_a_wrong_whole_checksum_is_refused(site: Path, tmp_path: Path) -> None:
    packaged = fake_packaged(site, [b"one", b"two"])
    wrong = PackagedModel(packaged.name, "1.0", packaged.parts, packaged.size, "0" * 64)
    with pytest.raises(ModelNotAvailable, match="wrong checksum"):
        ensure_assembled(wrong, tmp_path / "models")


def test_the_installed_qwen_parts_are_where_the_table_says() -> None:
    for part in QWEN_CODER_05B.parts:
        path = part_path(part)
        assert path is not None, f"{part.distribution} is not installed"
        assert path.stat().st_size == part.size
    assert sum(p.size for p in QWEN_CODER_05B.parts) == QWEN_CODER_05B.size


def test_local_directories_and_unknown_names(tmp_path: Path, tiny_lm_dir: Path) -> None:
    assert resolve_model_dir(str(tiny_lm_dir), tmp_path) == tiny_lm_dir
    with pytest.raises(ModelNotAvailable, match=r"no config\.json"):
        resolve_model_dir(str(tmp_path), tmp_path)
    with pytest.raises(ModelNotAvailable, match="does not exist"):
        resolve_model_dir(str(tmp_path / "nowhere"), tmp_path)
    with pytest.raises(ModelNotAvailable, match="unknown packaged model"):
        resolve_model_dir("packaged:gpt-5", tmp_path)


def test_a_hub_id_that_cannot_be_fetched_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="KEFU_LM_MODEL"):
        resolve_model_dir("kefu-tests/no-such-model-anywhere", tmp_path)


@pytest.mark.slow
async def test_the_packaged_qwen_answers_in_chinese_and_english() -> None:
    """Converts on first use (about a minute, once per data dir), then loads the safetensors."""
    from dialogue.lm.transformers_engine import TransformersEngine

    settings = DialogueSettings(lm_device="cpu")
    engine = await asyncio.to_thread(TransformersEngine.from_settings, settings)
    assert engine.name == "qwen2.5-coder-0.5b-instruct"
    assert engine.context_window == 32768
    params = GenerationParams(max_new_tokens=40)
    system = ChatMessage("system", "You are a helpful assistant. Answer in one short sentence.")
    try:
        zh_question = ChatMessage("user", "中国的首都是哪个城市？")
        en_question = ChatMessage("user", "What is the capital of France?")
        zh, en = await asyncio.gather(
            collect(engine, [system, zh_question], params),
            collect(engine, [system, en_question], params),
        )
    finally:
        await engine.aclose()
    assert "北京" in zh
    assert "Paris" in en


async def collect(engine: object, messages: list[ChatMessage], params: GenerationParams) -> str:
    return "".join([d async for d in engine.stream(messages, params)])  # type: ignore[attr-defined]
