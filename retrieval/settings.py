"""Retrieval settings: which embedding model, where its files are cached, how it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBEDDER = "packaged:multilingual-e5-small"
DEFAULT_ENGLISH_EMBEDDER = "packaged:all-minilm-l6-v2"


class RetrievalSettings(BaseSettings):
    """Read once at start from `KEFU_*` environment variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    # The same directory the catalog uses; models are cached under `{data_dir}/models`.
    data_dir: Path = Path(".kefu-data")
    # `packaged:multilingual-e5-small` (default, Chinese + English),
    # `packaged:all-minilm-l6-v2` (English only), a local sentence-transformers
    # directory, or a Hugging Face model id.
    embedder: str = DEFAULT_EMBEDDER
    # A second, English-only model joined to the first (see retrieval/paired.py):
    # English queries are scored by both, Chinese ones by the first alone. English
    # in-page evidence@5 0.869 -> 0.889 on en_product_qa. "" turns it off.
    embedder_english: str = DEFAULT_ENGLISH_EMBEDDER
    # The English model's share of an English query's dense score.
    embedder_english_weight: float = Field(default=0.25, gt=0.0, lt=1.0)
    embedder_device: str = "cpu"
    embedder_batch_size: int = Field(default=32, ge=1)
    # Torch intra-op threads (process-wide); 0: one fewer than the usable CPUs, at least 1.
    embedder_threads: int = Field(default=0, ge=0)
    # For a hub id: use only the local Hugging Face cache, never the network
    # (an unreachable hub otherwise costs about a minute of retries before failing).
    embedder_local_files_only: bool = False
    # `int8`: embed queries with int8 weights, 2.3x faster on a CPU (see
    # retrieval/embedder.py). Passages (the index) always use the full weights, so
    # switching needs no rebuild. `auto` (default): int8 on the CPU, full weights on a
    # GPU. With the joined English model it costs 0.0002 of evidence recall (0.8880 -> 0.8878).
    embedder_query_quantize: Literal["auto", "none", "int8"] = "auto"

    # Search index: `auto` is exact FAISS search below index_ivf_threshold passages
    # and an IVF index from there on; `exact` or `ivf` forces one.
    index_kind: Literal["auto", "exact", "ivf"] = "auto"
    index_ivf_threshold: int = Field(default=50_000, ge=1)
    # IVF lists visited per query; 0: enough to scan about 16k vectors (at least 16 lists).
    index_nprobe: int = Field(default=0, ge=0)
    # How dense and BM25 rankings combine: "score" (min-max scaled cosine and
    # max-scaled BM25, weighted) or "rrf" (reciprocal rank); `search_mode`
    # "dense" or "lexical" uses one side only. Score fusion with weight 0.6
    # measured best on English product QA with multilingual-e5-small alone; with the
    # English model joined, 0.7 is 0.001 better there, within noise, so 0.6 stays
    # rather than move Chinese search, which that data does not measure.
    search_fusion: Literal["rrf", "score"] = "score"
    search_dense_weight: float = Field(default=0.6, ge=0.0, le=1.0)
    search_mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    # When a filter narrows a search to a few passages (one product's page), BM25
    # weighs a word by how rare it is among those passages, not in the whole
    # catalog: English product QA evidence recall@5 0.860 -> 0.868 with it.
    search_scoped_idf: bool = True
    # Worker threads for async searches, and how many may wait for one.
    search_workers: int = Field(default=2, ge=1)
    search_max_pending: int = Field(default=64, ge=1)
    # Read-only replica: above 0, this process never builds or writes the index; it loads
    # what a build job (`kefu index build`) published and looks for a newer version this
    # often, in seconds, swapping it in without a restart. 0: build and catch up itself.
    index_reload_s: float = Field(default=0.0, ge=0.0)

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"
