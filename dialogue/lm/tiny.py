"""A tiny random Qwen2-architecture chat model, built in code in about a second.

Tests, the benchmark's --tiny mode and offline demos use it where the real model's
weights are not the point: it runs the same code paths (chat template, tokenizer,
paged KV cache, batching) at a fraction of the cost. Its replies are noise.
"""

from __future__ import annotations

from pathlib import Path

# Same shape as Qwen's own template, so prompts are laid out the way the real model sees them.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# Enough Chinese and English shop talk for the BPE merges to cover common words.
_CORPUS = [
    "Hello! How can I help you today? I am looking for wireless headphones under 300 yuan.",
    "Do you ship to Shanghai? Delivery takes two to three days. Returns are free within 7 days.",
    "What is the battery life? About 30 hours with noise cancelling off.",
    "Is this jacket waterproof? Yes, it is rated IPX4. Which size should I choose?",
    "Where is my order? Please give me your order number and I will check it.",
    "你好！请问有什么可以帮您？我想买一副三百元以内的无线耳机。",
    "可以发货到上海吗？一般两到三天送达。七天无理由退货，运费我们承担。",
    "这款耳机的续航多久？关闭降噪大约三十小时。",
    "这件外套防水吗？防水等级是IPX4。我该选哪个尺码？",
    "我的订单到哪里了？请提供订单号，我帮您查询物流。",
    "价格 品牌 库存 颜色 尺码 保修 发票 优惠券 客服 人工 转接",
    "price brand stock colour size warranty invoice coupon support human agent",
]


def build_tiny_chat_model(
    target: Path,
    *,
    hidden_size: int = 64,
    layers: int = 2,
    vocab_size: int = 512,
    seed: int = 0,
    init_range: float = 0.2,
) -> Path:
    """Write a tokenizer (byte-level BPE with a chat template) and random weights to `target`.

    A wide `init_range` makes the logits peaked, so greedy decoding does not hinge on
    near-ties that float rounding differences between batch shapes could flip.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_CORPUS * 4, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
    )
    tokenizer.chat_template = CHAT_TEMPLATE

    pad_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    eos_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert isinstance(pad_id, int) and isinstance(eos_id, int)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        initializer_range=init_range,
        tie_word_embeddings=True,
        bos_token_id=pad_id,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config).eval()
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target
