"""Splitting documents into passages by heading."""

from __future__ import annotations

from catalog.ingest.lang import detect_lang, normalise_lang
from catalog.ingest.sections import MAX_PASSAGE_WEIGHT, Section, split_sections, weight

POLICY = """Intro before any heading.

# Shipping

We ship within 2 days.

## International

Customs may apply.

#### Tiny print

Stays in its parent.

### Remote areas #

Add 3 days.

# Returns
Returns within 30 days.
"""


def test_headings_split_and_nest() -> None:
    assert split_sections(POLICY) == [
        Section("", "Intro before any heading."),
        Section("Shipping", "We ship within 2 days."),
        Section(
            "Shipping > International",
            "Customs may apply.\n\n#### Tiny print\n\nStays in its parent.",
        ),
        Section("Shipping > International > Remote areas", "Add 3 days."),
        Section("Returns", "Returns within 30 days."),
    ]


def test_chinese_headings_with_and_without_a_space() -> None:
    text = "# 退货政策\n七天无理由退货。\n##运费\n退货运费由买家承担。\n"
    assert split_sections(text) == [
        Section("退货政策", "七天无理由退货。"),
        Section("退货政策 > 运费", "退货运费由买家承担。"),
    ]


def test_hash_without_space_before_ascii_is_not_a_heading() -> None:
    assert split_sections("#hashtag line\nmore") == [Section("", "#hashtag line\nmore")]


def test_code_fences_hide_headings() -> None:
    text = "# Setup\n```\n# not a heading\n```\nafter\n"
    assert split_sections(text) == [Section("Setup", "```\n# not a heading\n```\nafter")]


def test_setext_headings_and_rules() -> None:
    text = "Warranty\n========\nOne year.\n\nRepairs\n-------\nFree.\n\n- item\n---\nend\n"
    assert split_sections(text) == [
        Section("Warranty", "One year."),
        Section("Warranty > Repairs", "Free.\n\n- item\n---\nend"),
    ]


def test_front_matter_is_dropped_and_empty_sections_skipped() -> None:
    text = "---\ntitle: FAQ\n---\n# FAQ\n## Empty\n## Payment\nWe take cards.\n"
    assert split_sections(text) == [Section("FAQ > Payment", "We take cards.")]


def test_long_sections_are_cut_at_paragraphs_and_sentences() -> None:
    english = "\n\n".join(f"Paragraph {i} " + "word " * 300 + "end." for i in range(4))
    chinese = "退货需要保持商品完好。" * 120
    sections = split_sections(f"# Terms\n{english}\n\n# 条款\n{chinese}\n")
    assert all(weight(s.text) <= MAX_PASSAGE_WEIGHT for s in sections)
    terms = [s for s in sections if s.heading == "Terms"]
    assert len(terms) >= 4
    assert terms[0].text.startswith("Paragraph 0")
    zh = [s for s in sections if s.heading == "条款"]
    assert len(zh) > 1 and "".join(s.text for s in zh) == chinese


def test_language_detection() -> None:
    assert detect_lang("七天无理由退货") == "zh"
    assert detect_lang("Apple iPhone 15 手机壳 透明 防摔") == "zh"
    assert detect_lang("Frigidaire crisper pan, fits FRS20") == "en"
    assert detect_lang("12345") == ""
    assert normalise_lang("zh-CN") == "zh"
    assert normalise_lang("en_US") == "en"
    assert normalise_lang("english!") is None
