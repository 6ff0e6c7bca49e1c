"""The fake server's GPU model: service time from tokens, sequences at once, the image prefix cache."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import FakeDotsServer, GpuModel, count_tokens, load_prompts
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
        first = gpu.prefill_s * usage["prompt_tokens"] + gpu.decode_s * usage["completion_tokens"]
        assert server.ledger.service_s == {"layout_all": pytest.approx(first)}
        assert first <= took < first + 0.5
        box = ask(server, url, PROMPTS["grounding_ocr"] + "[10, 10, 200, 100]").json()["usage"]
        # The second request on the same image pays prefill for its text only.
        assert server.ledger.cached_tokens == box["prompt_tokens"] - 100
        assert server.ledger.service_s["grounding_ocr"] == pytest.approx(
            gpu.prefill_s * 100 + gpu.decode_s * box["completion_tokens"])


def test_sequences_bound_the_requests_served_at_once(page_url):
    spec, url = page_url
    with FakeDotsServer({3: spec}, gpu=GpuModel(prefill_s=0.0, decode_s=0.0005, sequences=2)) as server:
        threads = [threading.Thread(target=ask, args=(server, url)) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert server.max_processing_seen == 2 and server.ledger.requests == {"layout_all": 5}
