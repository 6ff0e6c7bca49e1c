"""The fake server's GPU model: service time from tokens, sequences at once, vLLM's prefix and encoder caches."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.docgen import make_pdf, simple_doc
from PIL import Image

from tests.support.fake_server import FakeDotsServer, load_prompts
from tests.support.gpu_model import TEXT_TOKENS, GpuCaches, GpuLedger, GpuModel, Prefill, count_tokens
from tests.test_support import ask, png_url, render_sent

PROMPTS = load_prompts()


def test_token_count_splits_digits_and_words():
    assert count_tokens("[123, 45]") == 5 + 3  # five digits; "[", ", ", "]"
    assert count_tokens("layout model") == 2 and count_tokens("documentation") == 3
    assert count_tokens("") == 0


@pytest.fixture
def page_url(tmp_path):
    spec = simple_doc(3, 1)
    return spec, png_url(render_sent(make_pdf(tmp_path / "d.pdf", spec), 0, 40))


def test_service_time_is_prefill_plus_decode_and_the_image_prefix_is_reused(page_url):
    spec, url = page_url
    gpu = GpuModel(prefill_s=0.0002, decode_s=0.001, sequences=4)
    with FakeDotsServer({3: spec}, gpu=gpu) as server:
        started = time.monotonic()
        usage = ask(server, url).json()["usage"]
        took = time.monotonic() - started
        image = usage["prompt_tokens"] - TEXT_TOKENS
        # The first request on an image: the vision encoder on its tokens, the LLM on all of them.
        first = gpu.service_s(usage["prompt_tokens"], image, usage["completion_tokens"])
        assert first == pytest.approx(gpu.prefill_s * usage["prompt_tokens"]
                                      - gpu.prefill_s * gpu.vision_share * TEXT_TOKENS
                                      + gpu.decode_s * usage["completion_tokens"])
        assert server.ledger.service_s == {"layout_all": pytest.approx(first)}
        assert first <= took < first + 0.5
        box = ask(server, url, PROMPTS["grounding_ocr"] + "[10, 10, 200, 100]").json()["usage"]
        # The second request on the same image, at once: the KV of the shared prefix's full blocks is
        # reused and the encoder cache still holds the image's embeddings.
        assert server.ledger.cached_tokens == gpu.shared_prefix(image) and server.ledger.encoded_tokens == image
        assert server.ledger.service_s["grounding_ocr"] == pytest.approx(gpu.service_s(
            box["prompt_tokens"] - gpu.shared_prefix(image), 0, box["completion_tokens"]))


def _image(tokens_wide: int, tokens_high: int, shade: int) -> Image.Image:
    return Image.new("RGB", (28 * tokens_wide, 28 * tokens_high), (shade, shade, shade))


def test_the_vision_encoder_reruns_unless_the_cached_blocks_cover_the_image_or_its_embeddings_are_held():
    """vLLM's rules: KV is cached in full 16-token blocks, and the vision encoder is skipped only when
    those cover the image's whole span (2 + n <= cached) or the encoder cache still holds it."""
    gpu = GpuModel(encoder_cache_tokens=1)  # holds one image at a time
    caches = GpuCaches(gpu)
    a, b, aligned = _image(5, 4, 10), _image(5, 4, 20), _image(29, 1, 30)  # 20, 20 and 29 image tokens
    for image in (a, b):  # b's embeddings evict a's, which no request holds any more
        cost = caches.prefill(image)
        assert cost.encoded == 20
        caches.release(cost)
    again = caches.prefill(a)
    assert (again.cached, again.encoded, again.repeat) == (16, 20, 20)  # blocks of 2 + 20 + 1 tokens: 1 full
    caches.prefill(aligned)
    caches.prefill(b)
    hit = caches.prefill(aligned)  # 2 + 29 + 1 = 32 tokens: two full blocks cover the image span
    assert (hit.cached, hit.encoded) == (32, 0)
    assert GpuCaches(GpuModel(prefix_cache=False)).prefill(a) == Prefill(prompt=120, image=20, encoded=20)


def test_embeddings_a_request_still_needs_are_not_evicted_and_are_shared():
    caches = GpuCaches(GpuModel(encoder_cache_tokens=1))
    a, b = _image(5, 4, 10), _image(5, 4, 20)
    first = caches.prefill(a)  # a's prefill under way: its embeddings are pinned
    caches.prefill(b)
    assert caches.prefill(a).encoded == 0  # a second request on a shares them
    caches.release(first)


def test_whole_image_cached_is_the_optimistic_variant():
    caches = GpuCaches(GpuModel(whole_image_cached=True, encoder_cache_tokens=1))
    caches.prefill(_image(5, 4, 10))
    caches.prefill(_image(5, 4, 20))
    again = caches.prefill(_image(5, 4, 10))
    assert (again.cached, again.encoded) == (20, 0)


def test_saturated_share_is_the_time_every_sequence_was_taken_until_the_last_page_started():
    ledger = GpuLedger(spans=[(0.0, 4.0), (0.0, 2.0), (2.0, 4.0), (3.0, 9.0)])  # the tail after 3.0 is left out
    assert ledger.saturated_share(2) == pytest.approx(1.0)
    assert GpuLedger(spans=[(0.0, 1.0), (2.0, 3.0), (4.0, 5.0)]).saturated_share(1) == pytest.approx(0.5)
    assert ledger.saturated_share(3) == 0.0 and GpuLedger().saturated_share(2) == 0.0
    # A page's later requests (on an image seen before) wait for its first answer: after the last
    # page's first request, the gaps are the tail, not the client's.
    spans = [(0.0, 2.0), (0.0, 1.0), (1.0, 2.0), (2.5, 3.0)]
    assert GpuLedger(spans=spans).saturated_share(2) == pytest.approx(0.8)
    assert GpuLedger(spans=spans, firsts=[0.0, 0.0, 1.0]).saturated_share(2) == pytest.approx(1.0)


def test_sequences_bound_the_requests_served_at_once(page_url):
    spec, url = page_url
    # Requests long enough (decode) and started together (barrier) to overlap on a loaded machine too.
    with FakeDotsServer({3: spec}, gpu=GpuModel(prefill_s=0.0, decode_s=0.005, sequences=2)) as server:
        start = threading.Barrier(5)

        def together() -> None:
            start.wait()
            ask(server, url)

        threads = [threading.Thread(target=together) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert server.max_processing_seen == 2 and server.ledger.requests == {"layout_all": 5}
