"""Understanding a turn: its language, its intent, and the slots it fills."""

from dialogue.understand.classifier import DEFAULT_MIN_CONFIDENCE, IntentClassifier
from dialogue.understand.intents import INTENTS, OTHER, SERVICE_INTENTS, SHOPPING_INTENTS
from dialogue.understand.language import detect_language
from dialogue.understand.slots import extract_slots
from dialogue.understand.training_data import Example, load_examples
from dialogue.understand.types import Budget, Lang, Slots, Understanding, Vocabulary
from dialogue.understand.understand import understand

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "INTENTS",
    "OTHER",
    "SERVICE_INTENTS",
    "SHOPPING_INTENTS",
    "Budget",
    "Example",
    "IntentClassifier",
    "Lang",
    "Slots",
    "Understanding",
    "Vocabulary",
    "detect_language",
    "extract_slots",
    "load_examples",
    "understand",
]
