"""The small JSON files that make a model directory loadable by sentence-transformers.

A directory holding a Hugging Face encoder (config.json, model.safetensors,
tokenizer files) becomes a sentence-transformers model once these describe the
pipeline: the encoder, mean pooling over tokens, then L2 normalisation. The
module names are the long-standing `sentence_transformers.models.*` ones, which
every sentence-transformers release from 2 to 6 reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_sentence_transformer_config(
    model_dir: Path,
    *,
    dimension: int,
    max_seq_length: int,
    prompts: dict[str, str] | None = None,
) -> None:
    """Describe `model_dir` as Transformer -> mean Pooling -> Normalize.

    `prompts` maps a prompt name ("query", "passage") to the text put before
    each input of that kind; models trained without prefixes pass None.
    """
    _write_json(
        model_dir / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        model_dir / "sentence_bert_config.json",
        {"max_seq_length": max_seq_length, "do_lower_case": False},
    )
    _write_json(
        model_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": dimension,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    (model_dir / "2_Normalize").mkdir(parents=True, exist_ok=True)
    _write_json(
        model_dir / "config_sentence_transformers.json",
        {
            "prompts": dict(prompts or {}),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
