"""The sentence-transformers embedder: the one module that imports sentence_transformers."""

from __future__ import annotations

import copy
import os
import threading
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from numpy.typing import NDArray
from sentence_transformers import SentenceTransformer

from retrieval.errors import ModelUnavailable
from retrieval.model_files import resolve_model_dir
from retrieval.paired import PairedEmbedder
from retrieval.settings import RetrievalSettings
from retrieval.types import Embedder, EmbedKind


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def configure_torch_threads(threads: int = 0) -> int:
    """Set torch's intra-op thread count (process-wide); 0 picks one.

    The automatic choice leaves one CPU to the event loop, the database and
    the language model: on a busy two-core machine a second torch thread
    spin-waits at every barrier and single-query latency gets ~10x worse.
    Past 8 threads a small encoder gains nothing.
    """
    n = threads if threads > 0 else max(1, min(_usable_cpus() - 1, 8))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


QueryQuantize = Literal["none", "int8"]


def int8_query_copy(model: Any) -> Any:
    """A twin of `model` whose linear layers hold int8 weights, for embedding queries.

    One shopper query at a time is bound by the float32 matrix products: dynamic
    int8 quantization makes it about 2.3x faster on two cores (bench/embedder_bench.py).
    Embedding tables are shared with the original, not copied: they are most of a
    multilingual model's size and are only looked up.
    """
    shared = {id(m): m for m in model.modules() if isinstance(m, torch.nn.Embedding)}
    twin = copy.deepcopy(model, memo=shared)
    with warnings.catch_warnings():
        # torch marks its eager quantization API for a future removal; torch is pinned
        warnings.simplefilter("ignore")
        # one scale per output row: the vectors stay closer to float32 than with one
        # scale per matrix (cosine 0.989 against 0.982 on shopper questions), at the same speed
        qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
        torch.ao.quantization.quantize_dynamic(
            twin, {torch.nn.Linear: qconfig}, dtype=torch.qint8, inplace=True
        )
    return twin.eval()


class SentenceTransformerEmbedder:
    """An `Embedder` over a sentence-transformers model directory or hub id.

    `kind` picks the model's "query" or "passage" prompt where it has one
    (E5 models are trained with "query: " / "passage: " prefixes).

    `query_quantize="int8"` embeds queries with an int8 twin of the model, while
    passages, embedded once into the index, keep the full weights: the index is the
    same either way. On two cores an e5-small query takes 11 ms instead of 25 ms.
    English in-page evidence@5 (`kefu eval evidence`) drops from 0.849 to 0.844 with
    e5 alone, and by 0.0002 (0.8880 -> 0.8878) with the English model joined, so `load_embedder`
    uses int8 queries on the CPU by default (`KEFU_EMBEDDER_QUERY_QUANTIZE=auto`).
    """

    def __init__(
        self,
        model_dir_or_id: str | Path,
        *,
        name: str | None = None,
        device: str = "cpu",
        batch_size: int = 32,
        threads: int = 0,
        local_files_only: bool = False,
        query_quantize: QueryQuantize = "none",
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        source = str(model_dir_or_id)
        if device == "cpu":
            configure_torch_threads(threads)
        try:
            model = SentenceTransformer(source, device=device, local_files_only=local_files_only)
        except Exception as exc:  # the library raises OSError, ValueError, hub and http errors
            hint = (
                ""
                if Path(source).is_dir()
                else " (not a local directory, and not loadable from the Hugging Face hub"
                " or its local cache; offline, use packaged:<name> or a local directory)"
            )
            raise ModelUnavailable(f"cannot load embedding model {source!r}{hint}: {exc}") from exc
        model.eval()
        # sentence-transformers 6 renamed the method; 5 has only the old name.
        get_dim = getattr(model, "get_embedding_dimension", None)
        dim = get_dim() if get_dim else model.get_sentence_embedding_dimension()
        if not dim:
            raise ModelUnavailable(f"model {source!r} does not report an embedding dimension")
        self._model = model
        if query_quantize not in ("none", "int8"):
            raise ValueError(f"query_quantize must be 'none' or 'int8', not {query_quantize!r}")
        if query_quantize == "int8" and device != "cpu":
            raise ModelUnavailable("int8 query embedding runs on the CPU only")
        self._query_model = int8_query_copy(model) if query_quantize == "int8" else model
        self._dimension = int(dim)
        self._name = name or source
        self._batch_size = batch_size
        self._prompts = {k: v for k, v in (model.prompts or {}).items() if v}
        # The fast tokenizer refuses concurrent use from several threads
        # ("Already borrowed"); encoding is CPU-bound anyway, so one at a time.
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def name(self) -> str:
        return self._name

    @property
    def prompts(self) -> dict[str, str]:
        return dict(self._prompts)

    @property
    def max_seq_length(self) -> int:
        return int(self._model.max_seq_length or 0)

    def encode(self, texts: list[str], kind: EmbedKind = "passage") -> NDArray[np.float32]:
        """One L2-normalised float32 row per text; an empty list gives shape (0, dimension)."""
        if kind not in ("query", "passage"):
            raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        model = self._query_model if kind == "query" else self._model
        with self._lock:
            vectors = model.encode(
                list(texts),
                prompt=self._prompts.get(kind),
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def query_quantize_for(settings: RetrievalSettings) -> QueryQuantize:
    """`auto` is int8 on the CPU, where it halves query time; a GPU keeps full weights."""
    if settings.embedder_query_quantize == "auto":
        return "int8" if settings.embedder_device == "cpu" else "none"
    return settings.embedder_query_quantize


def _load_one(spec: str, settings: RetrievalSettings) -> SentenceTransformerEmbedder:
    resolved = resolve_model_dir(spec, settings.models_dir)
    return SentenceTransformerEmbedder(
        resolved.source,
        name=resolved.name,
        device=settings.embedder_device,
        batch_size=settings.embedder_batch_size,
        threads=settings.embedder_threads,
        local_files_only=settings.embedder_local_files_only,
        query_quantize=query_quantize_for(settings),
    )


def load_embedder(settings: RetrievalSettings | None = None) -> Embedder:
    """The embedder the settings name, joined to the English one where one is set.

    Packaged models are assembled on first use.
    """
    settings = settings or RetrievalSettings()
    main = _load_one(settings.embedder, settings)
    if not settings.embedder_english.strip():
        return main
    english = _load_one(settings.embedder_english, settings)
    return PairedEmbedder(main, english, settings.embedder_english_weight)
