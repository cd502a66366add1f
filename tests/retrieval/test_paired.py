"""The joined embedder: English queries scored by both models, CJK queries by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from retrieval.embedder import SentenceTransformerEmbedder, load_embedder
from retrieval.paired import PairedEmbedder
from retrieval.settings import DEFAULT_ENGLISH_EMBEDDER, RetrievalSettings
from retrieval.types import EmbedKind
from tests.conftest import TINY_PROMPTS, build_tiny_sentence_transformer

ENGLISH = ["how long does the battery last", "is it waterproof"]
CHINESE = ["电池能用多久", "防水吗"]
PASSAGES = ["the battery lasts ten hours", "waterproof to thirty metres", "电池续航十小时"]


class RecordingEmbedder:
    """A real embedder that remembers which texts it was asked to embed."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.seen: list[tuple[str, EmbedKind]] = []

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def name(self) -> str:
        return self.inner.name

    def encode(self, texts: list[str], kind: EmbedKind = "passage") -> NDArray[np.float32]:
        self.seen += [(t, kind) for t in texts]
        return self.inner.encode(texts, kind)


@pytest.fixture(scope="module")
def second_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_sentence_transformer(
        tmp_path_factory.mktemp("tiny-english"), prompts=TINY_PROMPTS, seed=1
    )


@pytest.fixture()
def models(
    tiny_embedder: SentenceTransformerEmbedder, second_model_dir: Path
) -> tuple[SentenceTransformerEmbedder, RecordingEmbedder]:
    english = SentenceTransformerEmbedder(second_model_dir, name="tiny-english")
    return tiny_embedder, RecordingEmbedder(english)


def test_english_queries_score_the_weighted_sum_of_both_cosines(
    models: tuple[SentenceTransformerEmbedder, RecordingEmbedder],
) -> None:
    multilingual, english = models
    pair = PairedEmbedder(multilingual, english, english_weight=0.25)
    scores = pair.encode(PASSAGES, "passage") @ pair.encode(ENGLISH, "query").T
    cos_m = multilingual.encode(PASSAGES, "passage") @ multilingual.encode(ENGLISH, "query").T
    cos_e = english.encode(PASSAGES, "passage") @ english.encode(ENGLISH, "query").T
    assert np.allclose(scores, 0.75 * cos_m + 0.25 * cos_e, atol=1e-5)
    assert pair.dimension == 64


def test_cjk_queries_score_the_multilingual_cosine_alone(
    models: tuple[SentenceTransformerEmbedder, RecordingEmbedder],
) -> None:
    multilingual, english = models
    pair = PairedEmbedder(multilingual, english, english_weight=0.25)
    passages = pair.encode(PASSAGES, "passage")
    english.seen.clear()
    queries = pair.encode(CHINESE + ENGLISH[:1], "query")
    # The English model never sees a Chinese query.
    assert english.seen == [(ENGLISH[0], "query")]
    cos_m = multilingual.encode(PASSAGES, "passage") @ multilingual.encode(CHINESE, "query").T
    assert np.allclose(passages @ queries[:2].T, cos_m, atol=1e-5)
    assert not queries[:2, multilingual.dimension :].any()


def test_the_weight_names_the_vectors(
    models: tuple[SentenceTransformerEmbedder, RecordingEmbedder],
) -> None:
    multilingual, english = models
    names = {PairedEmbedder(multilingual, english, w).name for w in (0.25, 0.3)}
    # A new weight scales the stored vectors differently: the index must see a new name.
    assert names == {"tiny-random-bert+tiny-english@0.25", "tiny-random-bert+tiny-english@0.3"}
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="english_weight"):
            PairedEmbedder(multilingual, english, bad)
    assert PairedEmbedder(multilingual, english, 0.5).encode([], "query").shape == (0, 64)


def test_load_embedder_joins_the_english_model_from_the_settings(
    tiny_st_model_dir: Path, second_model_dir: Path, tmp_path: Path
) -> None:
    assert RetrievalSettings(data_dir=tmp_path).embedder_english == DEFAULT_ENGLISH_EMBEDDER
    settings = RetrievalSettings(
        data_dir=tmp_path,
        embedder=str(tiny_st_model_dir),
        embedder_english=str(second_model_dir),
        embedder_english_weight=0.4,
    )
    pair = load_embedder(settings)
    assert isinstance(pair, PairedEmbedder)
    assert (pair.english_weight, pair.dimension) == (0.4, 64)
    alone = load_embedder(settings.model_copy(update={"embedder_english": ""}))
    assert isinstance(alone, SentenceTransformerEmbedder)
