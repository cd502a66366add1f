"""The packaged intent model with the real multilingual-e5-small (slow: trains on first use)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from dialogue.understand.classifier import IntentClassifier
from dialogue.understand.evaluation import accuracy, macro_f1
from retrieval.types import Embedder

pytestmark = pytest.mark.slow

DEV = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "en_intents"

# Written for this test; none of these lines is in the training file.
CASES = [
    ("could you stop order 5512093 from shipping, I don't need it", "cancel_order"),
    ("订单 88120034 我不想要了，帮我撤掉", "cancel_order"),
    ("I need one more pair of socks added to order 7731", "change_order"),
    ("能帮我把订单里的白色换成黑色吗", "change_order"),
    ("what will you charge me for ending my plan early?", "check_cancellation_fee"),
    ("中途退订要扣多少钱", "check_cancellation_fee"),
    ("is PayPal one of the payment options?", "check_payment_methods"),
    ("能不能用微信付钱", "check_payment_methods"),
    ("my parcel 40091 — any idea where it is now?", "track_order"),
    ("帮我看看订单 3320019 走到哪了", "track_order"),
    ("still no sign of the $60 you promised to refund", "track_refund"),
    ("退的款到现在还没看到", "track_refund"),
    ("I can't remember the password to log in", "recover_password"),
    ("登录密码想不起来了", "recover_password"),
    ("please let me speak with a real human", "contact_human_agent"),
    ("别让机器人回答了，我要真人", "contact_human_agent"),
    ("which is better for travel, the 13 inch or the 15 inch laptop?", "compare"),
    ("这两款吹风机哪个更好用", "compare"),
    ("suggest a rice cooker for a family of four", "recommendation"),
    ("想给女朋友买条项链，有推荐吗", "recommendation"),
    ("is this sweater machine washable?", "product_question"),
    ("这款充电宝能带上飞机吗", "product_question"),
    ("good afternoon!", "greeting"),
    ("下午好呀", "greeting"),
    ("what's the capital of Canada", "other"),
    ("今天股市怎么样", "other"),
]


@dataclass
class _Settings:
    data_dir: Path


@pytest.fixture(scope="module")
def packaged_classifier(
    e5_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> IntentClassifier:
    return IntentClassifier.load(_Settings(tmp_path_factory.mktemp("intents")), e5_embedder)


def test_utterances_in_both_languages(packaged_classifier: IntentClassifier) -> None:
    predicted = [intent for intent, _ in packaged_classifier.predict([t for t, _ in CASES])]
    gold = [intent for _, intent in CASES]
    wrong = [(t, g, p) for (t, g), p in zip(CASES, predicted, strict=True) if g != p]
    assert accuracy(gold, predicted) >= 0.9, wrong


@pytest.mark.skipif(not DEV.is_dir(), reason="../shared/data/en_intents is not present")
def test_development_set(packaged_classifier: IntentClassifier) -> None:
    rows = [json.loads(line) for line in (DEV / "intents_dev.jsonl").open(encoding="utf-8")]
    predicted = [intent for intent, _ in packaged_classifier.predict([r["text"] for r in rows])]
    gold = [r["intent"] for r in rows]
    assert accuracy(gold, predicted) >= 0.95
    assert macro_f1(gold, predicted) >= 0.95
