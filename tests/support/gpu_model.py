"""One GPU serving dots.ocr under vLLM, as service seconds per request: the fake server's time model.

Why these defaults (dots.ocr on one H100/H200, bf16; the derivation is in README "The hybrid path"):
- Image tokens: one per 28x28 px of the image sent (patch 14, 2x2 merge); an A4 page at 200 dpi is
  sent as 1652x2352 px = 4,956 image tokens (docs: /work/shared/reference/dots-ocr.md section 2).
- Prefill: dots.ocr's vision encoder (vLLM's DotsVisionConfig: 42 layers, width 1536, SwiGLU 4224,
  1.21 B parameters) runs on the 4 patches of each image token, with full attention over the
  image (one cu_seqlens span per image in vLLM's DotsVisionTransformer, no windows). For A4 at 200
  dpi, 19,824 patches: 2 x 1.21e9 x 19,824 = 48 TFLOP in its linear layers + 4 x 19,824^2 x 1536 x 42
  = 101 TFLOP of attention. The Qwen2 LLM (28 layers, width 1536, MLP 8960, 1.31 B non-embedding
  parameters) on ~5,056 prompt tokens: 2 x 1.31e9 x 5,056 + causal attention = 15 TFLOP. So 165
  TFLOP per page, 91 % of it in the vision encoder (`vision_share`). At 989 TFLOP/s (H100/H200 SXM
  bf16 dense peak) and ~55 % of it sustained, 0.30 s per page: ~15,000 prompt tokens/s.
- Decode is memory-bound: each step reads the LLM's weights once (1.54 B parameters with the LM
  head, 3.1 GB) and each sequence's KV cache (28 layers x 2 KV heads x 128 x 2 (K, V) x 2 bytes =
  28.7 kB per token, ~160 MB for a page's ~5,600-token context). At 64 sequences, 13.4 GB per step:
  3.7 ms at 75 % of an H200's 4.8 TB/s, 5.3 ms on an H100 (3.35 TB/s), plus ~1 ms of per-step
  overhead: 10,000-14,000 output tokens/s in all. Default 10,000.
- vLLM's automatic prefix cache is on by default (vllm/config/cache.py: enable_prefix_caching =
  True). It caches KV in full blocks of 16 tokens, hashed over the tokens before them and the image's
  hash (vLLM PR #11187), so a later request on the same image skips the LLM prefill of every full
  block of the prefix it shares: `<|user|><|img|>`, the image's pads, `<|endofimg|>`; dots.ocr's
  prompts differ from their first word on. The vision encoder is skipped only when those cached
  blocks cover the whole image span (vllm/v1/core/sched/scheduler.py, _try_schedule_encoder_inputs:
  "start_pos + num_encoder_tokens <= num_computed_tokens"), which block rounding allows for 2 of 16
  image sizes, or when the encoder cache still holds the image's embeddings. That cache is shared by
  image hash but small: max(max_num_batched_tokens, the largest image), 14,400 embeddings for
  dots.ocr (vllm/v1/core/encoder_cache_manager.py), i.e. about three A4 pages, oldest evicted first.
Times are in modelled seconds; the server sleeps `time_scale` wall seconds per modelled second.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from PIL import Image

IMAGE_OFFSET = 2  # <|user|><|img|>: the image's pad tokens start at this position of every prompt
SHARED_TAIL = 1  # <|endofimg|>: after it the prompts of two requests on one image differ
DIGEST = "dotsparse-sha1"  # Image.info key of the image file's digest, where its reader put one
TEXT_TOKENS = 100  # a prompt's template and text besides the image (dots.ocr's longest prompt is ~130)

_TOKEN = re.compile(r"\d|[^\W\d_]+|\s+|[^\w\s]+")


def count_tokens(text: str) -> int:
    """About what a Qwen2 tokenizer (dots.ocr's) makes of `text`: every digit one token (Qwen2 splits
    numbers into digits, which is what a layout answer's boxes are made of), a word one token per five
    letters (at least one), runs of punctuation one per two characters, whitespace merged into its neighbours."""
    n = 0
    for piece in _TOKEN.findall(text):
        if piece[0].isdigit():
            n += 1
        elif piece[0].isspace():
            continue
        elif piece[0].isalpha() or piece[0] == "_":
            n += max(1, (len(piece) + 2) // 5)
        else:
            n += -(-len(piece) // 2)
    return n


def image_tokens(size: tuple[int, int] | None) -> int:
    return (size[0] * size[1]) // 784 if size else 0


@dataclass(frozen=True)
class GpuModel:
    """Service time of a request: `prefill_s` per prompt token it computes, split into the vision
    encoder's share (`vision_share`, image tokens only) and the LLM's, plus `decode_s` per output
    token; `sequences` requests at once (the rest queue). Per-sequence times: `prefill_s` =
    sequences / prefill tokens/s of the whole GPU, likewise `decode_s`.

    `prefix_cache`: vLLM's, as above (KV in `block_tokens` blocks up to `cache_tokens`; the encoder
    cache of `encoder_cache_tokens` embeddings). `whole_image_cached` is the optimistic variant where
    any repeat of an image skips its whole prefill, vision encoder included (this model's behaviour
    before the vLLM rules were modelled); kept to compare, never the default.
    """

    prefill_s: float = 64 / 15_000
    decode_s: float = 64 / 10_000
    sequences: int = 64
    vision_share: float = 0.91
    prefix_cache: bool = True
    block_tokens: int = 16
    cache_tokens: int = 1_000_000  # KV of ~28.7 kB per token: 29 GB, a fraction of an H100's free memory
    encoder_cache_tokens: int = 14_400
    whole_image_cached: bool = False
    time_scale: float = 1.0

    def service_s(self, computed: int, encoded: int, completion: int) -> float:
        """`computed` prompt tokens through the LLM, `encoded` image tokens through the vision encoder."""
        return self.prefill_s * ((1 - self.vision_share) * computed + self.vision_share * encoded) \
            + self.decode_s * completion

    def shared_prefix(self, image: int) -> int:
        """Prompt tokens whose KV a later request on the same image finds cached: full blocks only."""
        return (IMAGE_OFFSET + image + SHARED_TAIL) // self.block_tokens * self.block_tokens


@dataclass
class Prefill:
    """What one request's prompt cost: tokens in all, KV found cached, image tokens (re-)encoded."""

    prompt: int
    cached: int = 0
    image: int = 0
    encoded: int = 0
    repeat: int = 0  # image tokens of an image seen before (what `whole_image_cached` would skip)
    pinned: str = ""  # the image whose embeddings this request holds in the encoder cache until released


class GpuCaches:
    """The server's prefix (KV) cache and encoder cache, keyed by the image's content, LRU. As in vLLM,
    embeddings a request still needs (`pinned` until `release`) are not evicted, and a request on an
    image whose embeddings are held shares them."""

    def __init__(self, gpu: GpuModel):
        self.gpu = gpu
        self._kv: OrderedDict[str, int] = OrderedDict()  # image digest -> tokens of its cached prefix
        self._encoder: OrderedDict[str, int] = OrderedDict()  # image digest -> embeddings held
        self._pins: dict[str, int] = {}  # image digest -> requests holding its embeddings
        self._lock = threading.Lock()

    def prefill(self, image: Image.Image | None, prompt_text_tokens: int = TEXT_TOKENS) -> Prefill:
        n = image_tokens(image.size) if image is not None else 0
        cost = Prefill(prompt=n + prompt_text_tokens, image=n, encoded=n)
        if image is None or not self.gpu.prefix_cache:
            return cost
        digest = image.info.get(DIGEST) or hashlib.sha1(image.tobytes()).hexdigest()  # same image, same key
        with self._lock:
            seen = _touch(self._kv, digest)
            cost.repeat = n if seen else 0
            if self.gpu.whole_image_cached:
                cost.cached, cost.encoded = (n, 0) if seen else (0, n)
            else:
                cost.cached = self.gpu.shared_prefix(n) if seen else 0
                covered = cost.cached >= IMAGE_OFFSET + n
                cost.encoded = 0 if covered or _touch(self._encoder, digest) else n
                if not covered:
                    cost.pinned = digest
                    self._pins[digest] = self._pins.get(digest, 0) + 1
            _put(self._kv, digest, self.gpu.shared_prefix(n), self.gpu.cache_tokens, {})
            if cost.encoded:
                _put(self._encoder, digest, n, max(self.gpu.encoder_cache_tokens, n), self._pins)
        return cost

    def release(self, cost: Prefill) -> None:
        if cost.pinned:
            with self._lock:
                self._pins[cost.pinned] -= 1
                if not self._pins[cost.pinned]:
                    del self._pins[cost.pinned]


def _touch(cache: OrderedDict[str, int], key: str) -> bool:
    if key in cache:
        cache.move_to_end(key)
        return True
    return False


def _put(cache: OrderedDict[str, int], key: str, tokens: int, capacity: int, pinned: dict[str, int]) -> None:
    cache[key] = tokens
    cache.move_to_end(key)
    total = sum(cache.values())
    for old in [k for k in cache if k not in pinned and k != key]:  # oldest first
        if total <= capacity:
            break
        total -= cache.pop(old)


@dataclass
class GpuLedger:
    """What a GPU-modelled server did: modelled busy seconds and tokens, per prompt name, and when
    (wall clock) each request held a sequence, to tell a busy server from an idle one."""

    requests: dict[str, int] = field(default_factory=dict)
    service_s: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    cached_tokens: int = 0
    image_tokens: int = 0
    encoded_tokens: int = 0
    repeat_tokens: int = 0
    completion_tokens: int = 0
    spans: list[tuple[float, float]] = field(default_factory=list)  # wall (start, end) per request
    firsts: list[float] = field(default_factory=list)  # wall start of each request on an image not seen before

    def add(self, name: str, cost: Prefill, completion: int, service: float) -> None:
        self.requests[name] = self.requests.get(name, 0) + 1
        self.service_s[name] = self.service_s.get(name, 0.0) + service
        self.prompt_tokens += cost.prompt
        self.cached_tokens += cost.cached
        self.image_tokens += cost.image
        self.encoded_tokens += cost.encoded
        self.repeat_tokens += cost.repeat
        self.completion_tokens += completion

    @property
    def total_service_s(self) -> float:
        return sum(self.service_s.values())

    def saturated_share(self, sequences: int) -> float:
        """Share of the wall time from the first request to the last first request on a new image (the
        last page's first request) during which every sequence was taken. Until then the client still
        had pages to start, so a share well below 1 means it did not keep the server fed
        (client-bound); what follows is the run's tail (the last pages' later requests wait for their
        first answers), which no client can fill."""
        if not self.spans:
            return 0.0
        first = min(s for s, _ in self.spans)
        until = max(self.firsts) if self.firsts else max(s for s, _ in self.spans)
        events = sorted([(s, 1) for s, _ in self.spans] + [(e, -1) for _, e in self.spans])
        running, full, last = 0, 0.0, first
        for t, step in events:
            t = min(t, until)
            if running >= sequences:
                full += t - last
            running += step
            last = t
        return full / (until - first) if until > first else 0.0
