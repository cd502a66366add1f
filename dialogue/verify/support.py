"""Is a sentence with no checkable figure still said by the facts? Word support and polarity.

Prices, stock, numbers and attribute yes/no statements have their own checks.
A sentence with none of those ("It should not be used on cookware", "这款适合
敏感肌") used to pass unchecked, and a small model's free text is exactly where
it invents. Such a sentence is now supported only when one fact sentence holds
most of its content words and agrees with it on negation; it is then sent with
that fact's citation. Words of pure conversation ("happy to help", "请问还有
什么问题") are not content, so chatter still passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialogue.verify.lexicon import LEADING_ANSWER_RE
from dialogue.verify.sentences import split_sentences
from dialogue.verify.text import content_tokens, fold, has_cjk, word_key

if TYPE_CHECKING:
    from dialogue.verify.facts import FactSet

# Share of a sentence's content words one fact sentence must hold. Chinese is read in
# character pairs, and a pair that straddles two words ("款充" in "这款充电宝") is found
# in no fact, so Chinese needs a smaller share for the same support.
MIN_COVERAGE = {"en": 0.6, "zh": 0.5}
# Words an assistant uses about the conversation itself, not about a product.
_CHATTER_EN = (
    "shop store information info detail data fact facts help helpful happy glad sure "
    "question ask asking asked answer know let like would love feel free welcome "
    "assist assistance customer shopper colleague agent human contact reach pass "
    "check look find say said mention mentioned state stated provide provided base "
    "based accord according sorry unfortunately afraid hope anything else today "
    "great good day okay ok certainly course indeed "
    # recommending is about the conversation; what the product is good for is not
    "recommend recommended suggest suggested choice option pick consider see"
)
CHATTER = frozenset(_CHATTER_EN.split())
# Chinese has no spaces, so its conversation phrases are cut out of the text before
# the character pairs are read (a pair must not straddle "请问" and what follows).
_CHATTER_ZH = (
    "不好意思 很高兴 有什么 您好 你好 请问 什么 可以 帮您 帮你 为您 谢谢 感谢 店铺 资料 信息 "
    "客服 帮助 同事 转接 人工 联系 问题 需要 其他 如果 根据 显示 提供 抱歉 还有 高兴 乐意 "
    "欢迎 咨询 服务 推荐 建议 选择 这款 那款 很不错 不错 很好 您 我 吗 呢 吧 啊 哦 呀"
)
_CHATTER_ZH_RE = re.compile("|".join(_CHATTER_ZH.split()))
# Clause breaks for polarity. Not ":" ("Waterproof: False" is one statement) and not
# "?" (the question of a Q&A pair takes its answer's polarity).
_CLAUSE_BREAK = re.compile(r"[,;!。，；！\n()（）]|\s-\s|\bbut\b|但是?")
QA_PAIR = re.compile(r"\s*Q\s*[:：].*\bA\s*[:：]", re.IGNORECASE | re.DOTALL)
_NEGATION = re.compile(
    r"\b(?:not|no|never|without|cannot|none|nor|neither|false)\b|n't\b"
    r"|不(?!错|仅|但|过|同)|没|无法|未(?!来)|并非|绝非"
)


@dataclass(frozen=True)
class FactSentence:
    """One sentence of one fact, with what support needs of it read once."""

    citation: str
    words: frozenset[str]
    # each clause's words and whether the clause is negated ("requires 3 batteries,
    # not included": the batteries are required, the negation belongs to "included")
    clauses: tuple[tuple[frozenset[str], bool], ...]

    def negated_about(self, words: frozenset[str]) -> bool:
        return any(neg for clause, neg in self.clauses if clause & words)


@dataclass(frozen=True)
class Support:
    """Word support for a sentence: the fact sentence that says it, or why none does."""

    supported: bool
    citation: str | None
    reason: str
    opposite: bool = False  # the best fact sentence says it with the other polarity


def negated(text: str) -> bool:
    return _NEGATION.search(fold(text)) is not None


def _without_chatter(sentence: str) -> str:
    return _CHATTER_ZH_RE.sub("，", sentence)


def _words(text: str) -> frozenset[str]:
    return frozenset(word_key(t) for t in content_tokens(text))


def content_words(sentence: str) -> frozenset[str]:
    """The sentence's content words, conversation words left out."""
    tokens = content_tokens(_without_chatter(sentence))
    return frozenset(word_key(t) for t in tokens if t not in CHATTER)


def _clauses(text: str) -> tuple[tuple[frozenset[str], bool], ...]:
    return tuple((_words(c), negated(c)) for c in _CLAUSE_BREAK.split(text) if c.strip())


def fact_sentences(facts: FactSet) -> tuple[FactSentence, ...]:
    out: list[FactSentence] = []
    for e in facts.evidence:
        # a question and its answer stay one unit: "Q: dishwasher safe? A: no"
        units = [e.text] if QA_PAIR.match(e.text) else split_sentences(e.text)
        for unit in units or [e.text]:
            words = _words(unit)
            if words:
                out.append(FactSentence(e.citation, words, _clauses(unit)))
    return tuple(out)


def word_support(sentence: str, facts: FactSet) -> Support | None:
    """None for chatter (no content words); else whether a fact sentence says it.

    Every fact sentence holding enough of the words is a candidate; the sentence is
    supported by the best one that agrees with it on negation, and "opposite" when
    all of them disagree ("not waterproof" against "Waterproof: IPX7").
    """
    words = content_words(sentence)
    if not words:
        return None
    needed = MIN_COVERAGE["zh" if has_cjk(sentence) else "en"] * len(words)
    scored = [(len(words & unit.words), unit) for unit in facts.fact_sentences]
    covering = sorted(
        ((shared, unit) for shared, unit in scored if shared >= needed),
        key=lambda pair: -pair[0],
    )
    if not covering:
        _, best = max(scored, key=lambda pair: pair[0], default=(0, None))
        missing = sorted(words - best.words) if best else sorted(words)
        return Support(False, None, f"no fact says: {', '.join(missing[:6])}")
    # a leading "No," answers the question; the statement after it has its own polarity
    statement = LEADING_ANSWER_RE.sub("", _without_chatter(sentence), count=1)
    denies = negated(statement)
    for _, unit in covering:
        if unit.negated_about(words) == denies:
            return Support(True, unit.citation, f"said by {unit.citation}")
    _, unit = covering[0]
    return Support(False, None, f"{unit.citation} says the opposite", opposite=True)
