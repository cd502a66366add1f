"""One turn in, its language, intent and slots out."""

from __future__ import annotations

from dialogue.understand.classifier import IntentClassifier
from dialogue.understand.intents import OTHER
from dialogue.understand.language import detect_language
from dialogue.understand.slots import extract_slots
from dialogue.understand.types import Lang, Understanding, Vocabulary


def understand(
    text: str,
    classifier: IntentClassifier,
    vocabulary: Vocabulary | None = None,
    *,
    default_lang: Lang = "en",
) -> Understanding:
    """Classify and read slots from one shopper turn.

    `default_lang` is the conversation's language so far; it decides turns that
    carry no words of either language ("ok", "42", an emoji).
    """
    lang = detect_language(text, default_lang)
    slots = extract_slots(text, vocabulary)
    if not text.strip():
        return Understanding(OTHER, 0.0, slots, lang)
    [(intent, confidence)] = classifier.predict([text])
    return Understanding(intent, confidence, slots, lang)
