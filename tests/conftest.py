"""Shared fixtures: a tiny random sentence-transformers model, and the real packaged ones.

The tiny model is built in code once per test run (a 2-layer BERT, hidden size
32, a WordPiece vocabulary of a few English words and Chinese characters), so
tests that need a real embedder pipeline stay fast. Torch and friends are
imported inside the fixtures: test runs that never ask for them stay light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dialogue.understand.classifier import IntentClassifier
    from retrieval.embedder import SentenceTransformerEmbedder
    from retrieval.types import Embedder
    from tests.support.shop import DemoShop

TINY_PROMPTS = {"query": "query: ", "passage": "passage: "}
TINY_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "query", "passage", ":", "?", ",", ".", "!", "-", "'",
    "how", "do", "i", "return", "an", "item", "the", "a", "is", "my", "order", "where",
    "policy", "refund", "price", "bluetooth", "headphones", "earbuds", "battery", "hours",
    "size", "color", "red", "blue", "shoes", "jacket", "shipping", "free", "days", "in",
    "stock", "noise", "cancelling", "cheap", "under", "yuan", "##s", "##ing", "##ed",
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
    "退", "货", "政", "策", "蓝", "牙", "耳", "机", "价", "格", "订", "单", "发", "的",
    "我", "你", "好", "吗", "是", "不", "有", "在", "这", "款", "颜", "色", "尺", "码",
    "降", "噪", "电", "池", "鞋", "子", "红", "元", "以", "下", "包", "邮", "天", "？", "，", "。",
]  # fmt: skip


def build_tiny_sentence_transformer(
    out_dir: Path, *, prompts: dict[str, str] | None = None, seed: int = 0
) -> Path:
    """Write a random 2-layer BERT sentence-transformers model (dimension 32) to `out_dir`."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    from retrieval.st_layout import write_sentence_transformer_config

    out_dir.mkdir(parents=True, exist_ok=True)
    vocab = {token: i for i, token in enumerate(TINY_VOCAB)}
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=True)
    config = BertConfig(
        vocab_size=len(TINY_VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=128,
        # wider than BERT's 0.02, so that random texts get clearly different vectors
        initializer_range=0.3,
    )
    torch.manual_seed(seed)
    BertModel(config).eval().save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    write_sentence_transformer_config(out_dir, dimension=32, max_seq_length=128, prompts=prompts)
    return out_dir


@pytest.fixture(scope="session")
def tiny_st_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random sentence-transformers model with "query: " / "passage: " prompts."""
    return build_tiny_sentence_transformer(
        tmp_path_factory.mktemp("tiny-st-model"), prompts=TINY_PROMPTS
    )


@pytest.fixture(scope="session")
def tiny_embedder(tiny_st_model_dir: Path) -> SentenceTransformerEmbedder:
    """An embedder over the tiny model: dimension 32, real tokenizer, real torch forward.

    `test_models.py` covers the int8 query twin.
    """
    from retrieval.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(tiny_st_model_dir, name="tiny-random-bert", batch_size=8)


@pytest.fixture(scope="session")
def packaged_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model cache for the packaged models, assembled at most once per test run."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def e5_embedder(packaged_models_dir: Path) -> SentenceTransformerEmbedder:
    """The real packaged multilingual-e5-small (for tests marked slow)."""
    from retrieval.embedder import SentenceTransformerEmbedder
    from retrieval.model_files import resolve_model_dir

    resolved = resolve_model_dir("packaged:multilingual-e5-small", packaged_models_dir)
    return SentenceTransformerEmbedder(resolved.source, name=resolved.name)


@pytest.fixture(scope="session")
def minilm_embedder(packaged_models_dir: Path) -> SentenceTransformerEmbedder:
    """The real packaged all-MiniLM-L6-v2 (for tests marked slow)."""
    from retrieval.embedder import SentenceTransformerEmbedder
    from retrieval.model_files import resolve_model_dir

    resolved = resolve_model_dir("packaged:all-minilm-l6-v2", packaged_models_dir)
    return SentenceTransformerEmbedder(resolved.source, name=resolved.name)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, tiny_embedder: Embedder) -> Iterator[DemoShop]:
    """The shipped demo shop over the tiny embedder, for the dialogue manager's tests."""
    from tests.support.shop import open_demo_shop

    demo = open_demo_shop(tmp_path_factory.mktemp("shop"), tiny_embedder)
    yield demo
    demo.workspace.close()


@pytest.fixture(scope="module")
def classifier(shop: DemoShop) -> IntentClassifier:
    """The intent classifier on its TF-IDF features alone (no embedder: fast to load)."""
    from dialogue.settings import DialogueSettings
    from dialogue.understand.classifier import IntentClassifier

    return IntentClassifier.load(DialogueSettings(data_dir=shop.data_dir), None)
