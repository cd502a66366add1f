"""The intent classifier on a small labelled set written here, its cache, and `understand`."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import pytest

from dialogue.understand import classifier as classifier_module
from dialogue.understand.classifier import IntentClassifier, cache_path, normalize_text
from dialogue.understand.training_data import Example, augment, load_examples
from dialogue.understand.types import Budget, Vocabulary
from dialogue.understand.understand import understand
from retrieval.types import Embedder

SMALL = {
    "track_order": [
        "where is my order", "track my package", "has my order shipped", "order status please",
        "where is my parcel A-1001", "is my purchase on its way", "我的订单到哪了", "查一下物流",
        "快递到哪里了", "订单发货了吗",
    ],
    "get_refund": [
        "I want a refund", "give me my money back", "refund my order please",
        "how do I get reimbursed", "request a refund for a broken item", "can I get my money back",
        "我要退款", "帮我退钱", "申请退款", "东西坏了要退款",
    ],
    "recover_password": [
        "I forgot my password", "reset my password", "can't log in, lost my password",
        "password reset link please", "help me recover my password", "forgot my login",
        "忘记密码了", "怎么重置密码", "找回密码", "密码忘了登不上",
    ],
    "greeting": [
        "hi", "hello", "hey there", "good morning", "thanks", "thank you", "你好", "您好", "谢谢",
        "早上好",
    ],
    "recommendation": [
        "recommend some headphones", "suggest a good laptop", "what phone should I buy",
        "looking for a gift for my mom", "any good blenders", "show me running shoes",
        "推荐一款耳机", "有什么好用的手机", "送妈妈什么礼物好", "帮我挑个电饭煲",
    ],
    "other": [
        "what's the weather today", "tell me a joke", "who won the game", "what is 2 plus 2",
        "sing a song", "write a poem", "今天天气怎么样", "讲个笑话", "一加一等于几", "唱首歌",
    ],
}  # fmt: skip
EXAMPLES = [Example(text, intent) for intent, texts in SMALL.items() for text in texts]

# Phrasings the small set does not contain.
UNSEEN = [
    ("where's my package right now", "track_order"),
    ("订单到哪了呀", "track_order"),
    ("I'd like my money back", "get_refund"),
    ("我想申请退款", "get_refund"),
    ("I forgot the password to my account", "recover_password"),
    ("密码找回", "recover_password"),
    ("hello hello", "greeting"),
    ("can you recommend headphones", "recommendation"),
    ("推荐一款手机", "recommendation"),
    ("tell me a funny joke", "other"),
]


@dataclass
class _Settings:
    data_dir: Path


@pytest.fixture(scope="module")
def small_classifier() -> IntentClassifier:
    return IntentClassifier.train(EXAMPLES)


def test_predicts_unseen_phrasings(small_classifier: IntentClassifier) -> None:
    predictions = small_classifier.predict([text for text, _ in UNSEEN])
    wrong = [
        (text, want, got)
        for (text, want), (got, _) in zip(UNSEEN, predictions, strict=True)
        if got != want
    ]
    assert len(wrong) <= 1, wrong
    assert all(0.0 < confidence <= 1.0 for _, confidence in predictions)


def test_traditional_chinese_is_read_like_simplified(small_classifier: IntentClassifier) -> None:
    traditional = ["我的訂單到哪了", "幫我退錢", "忘記密碼了", "講個笑話"]
    simplified = ["我的订单到哪了", "帮我退钱", "忘记密码了", "讲个笑话"]
    assert small_classifier.predict(traditional) == small_classifier.predict(simplified)


def test_probabilities_are_a_distribution(small_classifier: IntentClassifier) -> None:
    probs = small_classifier.probabilities(["where is my order", "你好"])
    assert probs.shape == (2, len(SMALL))
    assert probs.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert small_classifier.probabilities([]).shape == (0, len(SMALL))
    assert set(small_classifier.classes) == set(SMALL)


def test_low_confidence_falls_back_to_other() -> None:
    strict = IntentClassifier.train(EXAMPLES, min_confidence=0.999)
    [(intent, confidence)] = strict.predict(["where is my order"])
    assert intent == "other"
    assert confidence < 0.999


def test_numbers_do_not_matter_to_the_ngram_view() -> None:
    assert normalize_text("Order ５５０093817264 costs 1,299.50") == "order 0 costs 0"


def test_augmentation_is_stable_per_line() -> None:
    base = augment(EXAMPLES[:5], copies=2)
    grown = augment([*EXAMPLES[:5], Example("a brand new line", "other")], copies=2)
    assert base == [ex for ex in grown if ex.text != "a brand new line"][: len(base)]
    assert len(base) > 5
    assert {ex.intent for ex in base} <= set(SMALL)


def test_with_an_embedder(tiny_embedder: Embedder, tmp_path: Path) -> None:
    clf = IntentClassifier.train(EXAMPLES, tiny_embedder, augment_copies=0)
    assert clf.embedder_name == tiny_embedder.name
    # the training utterances themselves are learnt
    predictions = clf.predict([ex.text for ex in EXAMPLES])
    right = sum(got == ex.intent for ex, (got, _) in zip(EXAMPLES, predictions, strict=True))
    assert right / len(EXAMPLES) >= 0.9
    # a model is only usable with the embedder it was trained with
    path = tmp_path / "m.pkl"
    clf.save(path)
    with path.open("rb") as fh:
        model = pickle.load(fh)
    with pytest.raises(ValueError, match="do not match"):
        IntentClassifier(model, None)


def test_load_trains_once_then_reads_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _Settings(tmp_path)
    first = IntentClassifier.load(settings, examples=EXAMPLES)
    path = cache_path(tmp_path, None, EXAMPLES)
    assert path.exists()
    assert path.parent == tmp_path / "models" / "intents"

    def no_training(*args: object, **kwargs: object) -> IntentClassifier:
        raise AssertionError("retrained although a cached model exists")

    monkeypatch.setattr(IntentClassifier, "train", no_training)
    second = IntentClassifier.load(settings, examples=EXAMPLES)
    texts = [text for text, _ in UNSEEN]
    assert second.predict(texts) == first.predict(texts)


def test_changed_training_data_or_embedder_gets_a_new_cache_entry(tiny_embedder: Embedder) -> None:
    root = Path("/data")
    base = cache_path(root, None, EXAMPLES)
    assert cache_path(root, None, [*EXAMPLES, Example("hiya", "greeting")]) != base
    assert cache_path(root, tiny_embedder, EXAMPLES) != base
    assert cache_path(root, None, list(EXAMPLES)) == base


def test_a_torn_cache_file_is_retrained(tmp_path: Path) -> None:
    path = cache_path(tmp_path, None, EXAMPLES)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x80\x05not a pickle")
    clf = IntentClassifier.load(_Settings(tmp_path), examples=EXAMPLES)
    assert clf.predict(["where is my order"])[0][0] == "track_order"
    with path.open("rb") as fh:
        assert isinstance(pickle.load(fh), classifier_module._Model)


def test_understand_one_turn(small_classifier: IntentClassifier) -> None:
    vocab = Vocabulary.from_lists(["Electronics / Audio / Headphones"], ["Sony"])
    result = understand("推荐一款500元以内的Sony耳机", small_classifier, vocab)
    assert result.intent == "recommendation"
    assert result.lang == "zh"
    assert result.slots.budget == Budget(max_price=500)
    assert result.slots.brand == "Sony"
    assert result.slots.category == "Electronics / Audio / Headphones"

    order = understand("where is my order A-1001?", small_classifier)
    assert (order.intent, order.lang, order.slots.order_id) == ("track_order", "en", "A-1001")

    empty = understand("  ", small_classifier, default_lang="zh")
    assert (empty.intent, empty.confidence, empty.lang) == ("other", 0.0, "zh")


def test_packaged_training_set_covers_every_intent_in_both_languages() -> None:
    from collections import Counter

    from dialogue.understand.intents import INTENTS

    examples = load_examples()
    counts = Counter((ex.intent, ex.lang) for ex in examples)
    for intent in INTENTS:
        assert counts[(intent, "en")] >= 30, intent
        assert counts[(intent, "zh")] >= 20, intent
    by_text: dict[str, set[str]] = {}
    for ex in examples:
        by_text.setdefault(ex.text.casefold(), set()).add(ex.intent)
    assert not {t: i for t, i in by_text.items() if len(i) > 1}


def test_bad_training_lines_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"text": "hi", "intent": "greeting"}\n{"text": "x", "intent": "nope"}\n')
    with pytest.raises(ValueError, match="line 2: unknown intent"):
        load_examples(path)
    path.write_text('{"text": "hi"}\n')
    with pytest.raises(ValueError, match="line 1"):
        load_examples(path)
