"""Claim verification: every sentence is checked against the shop's facts before it is sent."""

from dialogue.verify.checks import ClaimCheck, Verdict, check_claim
from dialogue.verify.claims import Claim, ClaimKind, extract_claims
from dialogue.verify.extractive import ExtractiveAnswer, extractive_answer
from dialogue.verify.facts import FactSet, PassageFact, ProductFact
from dialogue.verify.numbers import Quantity, find_quantities
from dialogue.verify.numerals import parse_en_number, parse_zh_numeral
from dialogue.verify.sentences import SentenceStream, split_sentences
from dialogue.verify.verifier import Action, SentenceVerdict, TurnVerifier, verify_sentence

__all__ = [
    "Action",
    "Claim",
    "ClaimCheck",
    "ClaimKind",
    "ExtractiveAnswer",
    "FactSet",
    "PassageFact",
    "ProductFact",
    "Quantity",
    "SentenceStream",
    "SentenceVerdict",
    "TurnVerifier",
    "Verdict",
    "check_claim",
    "extract_claims",
    "extractive_answer",
    "find_quantities",
    "parse_en_number",
    "parse_zh_numeral",
    "split_sentences",
    "verify_sentence",
]
