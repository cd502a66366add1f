"""Intent classification: linear models over sentence embeddings and character n-grams.

Two views of a turn are scored by logistic regression and their probabilities
averaged: the embedder's vector (meaning, across languages and paraphrases) and
TF-IDF of character and word n-grams (exact wording, typos, and Chinese without
word segmentation). The model is trained on first use from the packaged utterances
and cached under `{data_dir}/models/intents/`, keyed by the embedder's name and
a hash of the training data, so a changed file or embedder retrains it.

scikit-learn is imported here and nowhere else.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import sklearn
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from threadpoolctl import threadpool_limits

from dialogue.understand.intents import OTHER
from dialogue.understand.script import to_simplified
from dialogue.understand.training_data import Example, augment, examples_hash, load_examples
from retrieval.types import Embedder

log = logging.getLogger(__name__)

# Below this probability the best intent is not trusted and "other" is reported.
DEFAULT_MIN_CONFIDENCE = 0.25
# Share of the embedding view in the averaged probabilities (the rest is TF-IDF).
# Measured with multilingual-e5-small on held-out English and Chinese requests:
# n-grams alone 0.98 (English) but 0.94 on unseen Chinese phrasing, embeddings
# alone 0.98, the average 0.99 / 0.98; 0.4-0.6 all within noise, and the
# embedding side carries the cross-lingual and paraphrase cases.
EMBED_WEIGHT = 0.6
# Bump when features or training change, so cached models are rebuilt.
FEATURE_VERSION = 2
_TFIDF_C = 10.0
_EMBED_C = 30.0
_AUGMENT_COPIES = 2


class ModelDirSettings(Protocol):
    """Any settings object that says where kefu keeps its data (DialogueSettings does)."""

    @property
    def data_dir(self) -> Path: ...


def normalize_text(text: str) -> str:
    """What the n-gram view sees: full-width folded, lower case, every number as "0"."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # order numbers and amounts differ between turns; that a number is there is what counts
    return re.sub(r"\d+(?:[.,]\d+)*", "0", text)


def _tfidf_features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, 4),
                    sublinear_tf=True,
                    min_df=1,
                    preprocessor=normalize_text,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                    preprocessor=normalize_text,
                ),
            ),
        ]
    )


def _logistic(c: float, solver: str = "lbfgs") -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced", solver=solver)


# These models are small: one BLAS/OpenMP thread fits them fastest, and on a busy
# machine more threads spin against each other (measured 10-20x slower on 2 cores).
_ONE_THREAD = 1


@dataclass
class _Model:
    """Everything a trained classifier needs; pickled as one object."""

    classes: list[str]
    tfidf: FeatureUnion
    tfidf_head: LogisticRegression
    embed_head: LogisticRegression | None
    embedder_name: str
    embed_weight: float


class IntentClassifier:
    """Predicts one intent per text with a probability; thread-safe once built."""

    def __init__(
        self,
        model: _Model,
        embedder: Embedder | None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        if (model.embed_head is None) != (embedder is None):
            raise ValueError("the model and the embedder passed in do not match")
        if embedder is not None and embedder.name != model.embedder_name:
            raise ValueError(
                f"model trained with embedder {model.embedder_name!r}, got {embedder.name!r}"
            )
        self._model = model
        self._embedder = embedder
        self.min_confidence = min_confidence

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self._model.classes)

    @property
    def embedder_name(self) -> str:
        return self._model.embedder_name

    @classmethod
    def train(
        cls,
        examples: Sequence[Example],
        embedder: Embedder | None = None,
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        embed_weight: float = EMBED_WEIGHT,
        augment_copies: int = _AUGMENT_COPIES,
    ) -> IntentClassifier:
        """Fit both views on `examples` (plus noisy copies). Without an embedder, TF-IDF only."""
        varied = augment(list(examples), copies=augment_copies)
        texts = [to_simplified(ex.text) for ex in varied]
        labels = [ex.intent for ex in varied]
        if len(set(labels)) < 2:
            raise ValueError("training needs examples of at least two intents")
        tfidf = _tfidf_features()
        embed_head = None
        vectors = embedder.encode(texts, kind="query") if embedder is not None else None
        with threadpool_limits(_ONE_THREAD):
            # newton-cg converges in a few steps on the wide sparse n-gram matrix
            tfidf_head = _logistic(_TFIDF_C, "newton-cg").fit(tfidf.fit_transform(texts), labels)
            if vectors is not None:
                embed_head = _logistic(_EMBED_C).fit(vectors, labels)
        model = _Model(
            classes=[str(c) for c in tfidf_head.classes_],
            tfidf=tfidf,
            tfidf_head=tfidf_head,
            embed_head=embed_head,
            embedder_name=embedder.name if embedder is not None else "",
            embed_weight=embed_weight if embedder is not None else 0.0,
        )
        return cls(model, embedder, min_confidence)

    @classmethod
    def load(
        cls,
        settings: ModelDirSettings,
        embedder: Embedder | None = None,
        *,
        examples: Sequence[Example] | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> IntentClassifier:
        """The cached model for this embedder and training set; trained and cached if absent."""
        examples = list(examples) if examples is not None else load_examples()
        path = cache_path(settings.data_dir, embedder, examples)
        if path.exists():
            try:
                with path.open("rb") as fh:
                    model = pickle.load(fh)
                if isinstance(model, _Model):
                    return cls(model, embedder, min_confidence)
            except (
                OSError,
                pickle.UnpicklingError,
                EOFError,
                AttributeError,
                ImportError,
                TypeError,
                ValueError,
            ) as exc:
                # a cache from another version or a torn write: retrain below
                log.warning("intent model cache %s unreadable (%s); retraining", path, exc)
        classifier = cls.train(examples, embedder, min_confidence=min_confidence)
        classifier.save(path)
        return classifier

    def save(self, path: Path) -> None:
        """Write atomically, so a concurrent reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(self._model, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the cache from other service users
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """[len(texts), len(classes)] probabilities, rows summing to 1."""
        if not texts:
            return np.zeros((0, len(self._model.classes)))
        model = self._model
        # both views learnt Simplified Chinese; Traditional input is folded to it
        folded = [to_simplified(text) for text in texts]
        vectors = None
        if model.embed_head is not None and self._embedder is not None:
            vectors = self._embedder.encode(folded, kind="query")
        probs: NDArray[np.float64] = model.tfidf_head.predict_proba(model.tfidf.transform(folded))
        if model.embed_head is not None and vectors is not None:
            dense: NDArray[np.float64] = model.embed_head.predict_proba(vectors)
            probs = (1 - model.embed_weight) * probs + model.embed_weight * dense
        return probs

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(intent, confidence) per text; "other" when the best intent is below min_confidence."""
        probs = self.probabilities(texts)
        out: list[tuple[str, float]] = []
        for row in probs:
            best = int(np.argmax(row))
            confidence = float(row[best])
            intent = self._model.classes[best]
            out.append((intent if confidence >= self.min_confidence else OTHER, confidence))
        return out


def cache_path(data_dir: Path, embedder: Embedder | None, examples: Sequence[Example]) -> Path:
    name = embedder.name if embedder is not None else "tfidf"
    key = hashlib.sha256(
        "\n".join(
            [name, examples_hash(list(examples)), str(FEATURE_VERSION), sklearn.__version__]
        ).encode()
    ).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:60]
    return data_dir / "models" / "intents" / f"{slug}-{key}.pkl"
