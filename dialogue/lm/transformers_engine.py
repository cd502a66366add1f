"""The in-process language model: transformers on CPU or CUDA, with continuous batching.

Concurrent conversations share one decode loop: transformers' continuous-batching
manager keeps a paged KV cache, admits new requests between decode steps, chunks long
prompts, and runs every step in its own thread, so the event loop never waits on the
model. Each step's new tokens come back to the loop through `call_soon_threadsafe`
into one asyncio queue per conversation.

Greedy and sampled conversations use two loops over the same weights. Sampling is a
per-loop switch in transformers, and its per-request top-p warper sorts the whole
vocabulary for every row at every step (151,936 entries for Qwen: on a CPU that costs
as much as the model's own step), so greedy replies, the common case, never pay for
it. The sampling loop starts on the first sampled request.

This is the only module that imports torch or transformers for generation.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
from transformers.generation.configuration_utils import ContinuousBatchingConfig

from dialogue.lm.errors import GenerationFailed, ModelNotAvailable, PromptTooLong
from dialogue.lm.packaged_qwen import resolve_model_dir
from dialogue.lm.quantize import quantize_int8, wants_int8
from dialogue.lm.stops import StopFilter
from dialogue.lm.types import ChatMessage, GenerationParams
from dialogue.settings import DialogueSettings

log = logging.getLogger(__name__)

# KV-cache tokens kept per conversation slot; longer contexts still work, they just
# wait for free pages (the cache is shared, not partitioned).
_KV_TOKENS_PER_SLOT = 4096
_PAGE_SIZE = 64
# Longest prompt chunk per step: long prompts are split so decoding conversations keep flowing.
_MAX_BATCH_TOKENS = 512
# How often a waiting stream checks that the decode thread is still alive.
_WATCHDOG_S = 2.0


class TransformersEngine:
    """`LanguageModel` running a transformers causal LM in this process."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        name: str,
        max_batch: int = 8,
        context_window: int = 0,
    ) -> None:
        self._model = model.eval()
        self._tokenizer = tokenizer
        self._name = name
        self._max_batch = max_batch
        limit = int(getattr(model.config, "max_position_embeddings", 0) or 32768)
        self._context_window = min(context_window, limit) if context_window else limit
        self._eos_ids = _eos_ids(model, tokenizer)
        self._managers: dict[bool, Any] = {}  # sampling? -> continuous-batching manager
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(
        cls,
        model_dir: Path,
        *,
        name: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        quantize: str = "auto",
        max_batch: int = 8,
        context_window: int = 0,
    ) -> TransformersEngine:
        """Load a model directory (blocking: run it in a thread from async code).

        dtype "auto" is bfloat16 on CUDA and on CPUs with bfloat16 units (AVX512-BF16,
        AMX), float32 on other CPUs, where bfloat16 matmuls are emulated and slow.
        quantize "auto" gives the linear layers int8 weights on the CPU (`quantize.py`:
        in place of float32 ones, or beside bfloat16 ones for decoding); "none" keeps them
        as loaded, "int8" forces it on the CPU.
        """
        target = _pick_device(device)
        torch_dtype = pick_dtype(dtype, target)
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_dir)
            model = AutoModelForCausalLM.from_pretrained(
                model_dir, dtype=torch_dtype, attn_implementation="sdpa", device_map=target
            )
        except (OSError, ValueError) as exc:
            raise ModelNotAvailable(f"cannot load a causal LM from {model_dir}: {exc}") from exc
        try:
            int8 = wants_int8(quantize, target, torch_dtype)
        except ValueError as exc:
            raise ModelNotAvailable(str(exc)) from exc
        if int8:
            if target.type != "cpu":
                raise ModelNotAvailable("int8 quantization runs on the CPU only")
            try:
                model = quantize_int8(model)
            except ValueError as exc:
                raise ModelNotAvailable(str(exc)) from exc
        if not getattr(tokenizer, "chat_template", None):
            raise ModelNotAvailable(f"the tokenizer in {model_dir} has no chat template")
        return cls(
            model,
            tokenizer,
            name=name or model_dir.name,
            max_batch=max_batch,
            context_window=context_window,
        )

    @classmethod
    def from_settings(cls, settings: DialogueSettings) -> TransformersEngine:
        """Resolve `lm_model` (converting the packaged model on first use) and load it."""
        model_dir = resolve_model_dir(settings.lm_model, settings.models_dir)
        name = settings.lm_model.removeprefix("packaged:")
        return cls.load(
            model_dir,
            name=name,
            device=settings.lm_device,
            dtype=settings.lm_dtype,
            quantize=settings.lm_quantize,
            max_batch=settings.lm_max_batch,
            context_window=settings.lm_context_window,
        )

    # --------------------------------------------------------------- the port

    @property
    def name(self) -> str:
        return self._name

    @property
    def context_window(self) -> int:
        return self._context_window

    @property
    def device(self) -> str:
        return str(self._model.device)

    @property
    def model(self) -> Any:
        """The underlying transformers model (for benchmarks and diagnostics)."""
        return self._model

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False))

    def encode_chat(self, messages: Sequence[ChatMessage]) -> list[int]:
        """Prompt token ids, laid out by the tokenizer's chat template."""
        chat = [{"role": m.role, "content": m.content} for m in messages]
        ids = self._tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, tokenize=True, return_dict=False
        )
        return list(ids)

    async def stream(
        self, messages: Sequence[ChatMessage], params: GenerationParams
    ) -> AsyncIterator[str]:
        prompt = self.encode_chat(messages)
        room = self._context_window - len(prompt)
        if room < 1:
            raise PromptTooLong(
                f"prompt of {len(prompt)} tokens fills the {self._context_window}-token context"
            )
        manager = self._ensure_started(sampling=not params.greedy)
        request_id = f"kefu-{uuid.uuid4().hex}"
        outputs: asyncio.Queue[Any] = asyncio.Queue()
        # Registered before the request is queued, so no output can slip past the handler.
        manager.register_result_handler(request_id, outputs.put_nowait)
        accepted = manager.add_request(
            prompt,
            request_id=request_id,
            max_new_tokens=min(params.max_new_tokens, room),
            streaming=True,
            eos_token_id=[] if params.ignore_eos else self._eos_ids,
            **_sampling_kwargs(params),
        )
        if accepted is None:
            self._drop_handler(manager, request_id)
            raise GenerationFailed("the decode loop is shutting down and refused the request")

        text = _Detokenizer(self._tokenizer, self._eos_ids)
        stops = StopFilter(params.stop)
        done = False
        try:
            while not done:
                output = await self._next_output(manager, outputs)
                if output.error is not None:
                    raise GenerationFailed(f"generation failed: {output.error}")
                done = output.is_finished()
                delta = text.update(output.generated_tokens, final=done)
                visible = stops.feed(delta)
                if visible:
                    yield visible
                if stops.stopped:
                    break
            rest = stops.flush()
            if rest:
                yield rest
        finally:
            # The caller stopped listening (shopper left, stop string, error): free the slot.
            if not done:
                manager.cancel_request(request_id)
                self._drop_handler(manager, request_id)

    def start(self) -> None:
        """Start the greedy decode loop now rather than on the first request (optional)."""
        self._ensure_started(sampling=False)

    def pending_requests(self) -> int:
        """Requests decoding or waiting in the batch (for metrics and tests)."""
        total = 0
        for manager in list(self._managers.values()):
            total += manager.input_queue.qsize()
            processor = manager.batch_processor
            if processor is not None:
                scheduler = processor.scheduler
                total += len(scheduler.active_requests) + len(scheduler.waiting_requests)
        return total

    async def aclose(self) -> None:
        with self._lock:
            managers, self._managers = self._managers, {}
        # Newest first: the loop started first restores the model's attention setting last.
        for manager in reversed(list(managers.values())):
            await asyncio.to_thread(manager.stop, block=True, timeout=30)

    # ----------------------------------------------------------- the decode loop

    def _ensure_started(self, *, sampling: bool) -> Any:
        """The running decode loop for greedy or sampled requests, (re)started if needed."""
        with self._lock:
            manager = self._managers.get(sampling)
            if manager is not None and manager.is_running():
                return manager
            if manager is not None:
                log.warning("the decode thread had stopped; starting a new one")
                del self._managers[sampling]
            try:
                manager = self._model.init_continuous_batching(
                    generation_config=self._generation_config(sampling),
                    continuous_batching_config=self._batching_config(),
                )
                manager.start()
            except Exception as exc:  # anything transformers raises while setting up
                raise GenerationFailed(f"cannot start the decode loop: {exc}") from exc
            self._managers[sampling] = manager  # kept in start order
            return manager

    def _generation_config(self, sampling: bool) -> GenerationConfig:
        if not sampling:
            return GenerationConfig(do_sample=False, eos_token_id=self._eos_ids)
        # Each request brings its own temperature and top-p; the values here are never
        # used, they only make transformers create the per-request warpers.
        return GenerationConfig(
            do_sample=True,
            temperature=0.5,
            top_k=0,
            top_p=0.99,
            eos_token_id=self._eos_ids,
        )

    def _batching_config(self) -> ContinuousBatchingConfig:
        kv_tokens = self._max_batch * min(self._context_window, _KV_TOKENS_PER_SLOT)
        return ContinuousBatchingConfig(
            page_size=_PAGE_SIZE,
            num_blocks=-(-kv_tokens // _PAGE_SIZE),
            max_batch_tokens=_MAX_BATCH_TOKENS,
            max_requests_per_batch=self._max_batch,
            per_request_processors=True,
            # Conversations opening with the same system prompt share its KV pages
            # (transformers turns this off for models where it cannot work).
            allow_block_sharing=True,
        )

    async def _next_output(self, manager: Any, outputs: asyncio.Queue[Any]) -> Any:
        while True:
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that arrives together with a result, and the request would never be cancelled.
                async with asyncio.timeout(_WATCHDOG_S):
                    return await outputs.get()
            except TimeoutError:
                if not manager.is_running():
                    raise GenerationFailed("the decode thread stopped mid-reply") from None

    @staticmethod
    def _drop_handler(manager: Any, request_id: str) -> None:
        router = manager.output_router
        with router._lock:
            router.result_handlers.pop(request_id, None)


class _Detokenizer:
    """Turns a growing list of token ids into text deltas.

    Byte-level BPE splits one Chinese character over several tokens; until the last
    byte arrives the decoded text ends in U+FFFD, which is held back rather than shown.
    """

    def __init__(self, tokenizer: Any, eos_ids: list[int]) -> None:
        self._tokenizer = tokenizer
        self._eos = set(eos_ids)
        self._emitted = 0  # characters of the decoded text already returned

    def update(self, token_ids: list[int], *, final: bool) -> str:
        ids = [t for t in token_ids if t not in self._eos]
        text = self._tokenizer.decode(
            ids, skip_special_tokens=True, clean_up_tokenization_spaces=False
        )
        end = len(text) if final else len(text.rstrip("\ufffd"))
        if end <= self._emitted:
            return ""
        delta = text[self._emitted : end]
        self._emitted = end
        return delta


def _sampling_kwargs(params: GenerationParams) -> dict[str, Any]:
    if params.greedy:
        return {}
    return {"temperature": params.temperature, "top_p": params.top_p}


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    """Every id that ends a reply: the tokenizer's eos, the model's, and Qwen-style turn ends."""
    ids: set[int] = set()
    for source in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(source, int):
            ids.add(source)
        elif isinstance(source, list):
            ids.update(source)
    for token in ("<|im_end|>", "<|endoftext|>"):
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
            ids.add(token_id)
    return sorted(i for i in ids if i is not None and i >= 0)


def pick_dtype(dtype: str, device: torch.device) -> torch.dtype:
    if dtype == "auto":
        native = device.type == "cuda" or (device.type == "cpu" and _cpu_has_bf16())
        return torch.bfloat16 if native else torch.float32
    choices = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if dtype not in choices:
        raise ModelNotAvailable(f"unknown dtype {dtype!r}; use auto, {', '.join(choices)}")
    return choices[dtype]


def _cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (Linux lists the flags in /proc/cpuinfo).

    Where it does, batched decoding in bfloat16 measured several times faster than in
    float32 (bench/lm_bench.py); elsewhere float32 is the safe choice.
    """
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        target = torch.device(device)
    except RuntimeError as exc:
        raise ModelNotAvailable(f"unknown device {device!r}") from exc
    if target.type == "cuda" and not torch.cuda.is_available():
        raise ModelNotAvailable("KEFU_LM_DEVICE asks for CUDA, but no CUDA device is available")
    return target
