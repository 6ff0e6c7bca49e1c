"""The transformers engine on a tiny random Qwen2-VL checkpoint: real loading and generate, on CPU.

Answers are garbage by construction; the tests check shapes, finish reasons, token counts,
batching, and the errors a user meets before any weights are read.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from dotsparse.engines.base import EngineRequest, PageRef, Sampling
from dotsparse.errors import EngineError, EngineUnavailable
from dotsparse.model import Mode, PageGeometry
from dotsparse.sent_image import SentImage

OCR_PROMPT = "Extract the text content from this image."


def make_request(width: int, height: int, prompt: str = OCR_PROMPT, max_tokens: int = 12,
                 shade: int = 200) -> EngineRequest:
    image = Image.new("RGB", (width, height), (shade, 255 - shade, shade // 2))
    geometry = PageGeometry(width_pt=width, height_pt=height, dpi=72, width_px=width, height_px=height,
                            sent_width=width, sent_height=height)
    return EngineRequest(page=PageRef(path=Path("page.png"), index=0, kind="image"), geometry=geometry,
                         image=SentImage.encode(image), prompt=prompt, mode=Mode.TEXT,
                         sampling=Sampling(max_tokens=max_tokens))


# Different sizes and prompt lengths, so a batch really needs left padding.
MIXED = [(56, 84, OCR_PROMPT), (112, 56, "ok"), (28, 140, "Please output the layout information."), (84, 84, "x")]


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.engines.tiny_vlm import build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("tiny-vlm"))


@pytest.fixture(scope="module")
def engine(tiny_dir):
    from dotsparse.engines.transformers_engine import TransformersEngine

    eng = TransformersEngine(str(tiny_dir), batch_size=4)
    eng.load()
    yield eng
    asyncio.run(eng.aclose())


async def _infer_all(eng, requests):
    return await asyncio.gather(*(eng.infer(r) for r in requests))


# --- without the extra ------------------------------------------------------------------------

def test_without_torch_the_engine_names_the_install_command(monkeypatch):
    from dotsparse.engines.transformers_engine import TransformersEngine

    monkeypatch.setitem(sys.modules, "torch", None)  # what `import torch` sees when it is absent
    with pytest.raises(EngineUnavailable, match=r"pip install 'dotsparse\[transformers\]'"):
        TransformersEngine("/models/DotsOCR")


def test_remote_code_on_transformers_5_explains_the_pin():
    from dotsparse.engines.hf_loading import check_remote_code

    config = {"auto_map": {"AutoModelForCausalLM": "modeling_dots_ocr.DotsOCRForCausalLM"}}
    with pytest.raises(EngineUnavailable, match=r"transformers>=4.51,<5"):
        check_remote_code(config, Path("/models/DotsOCR"), True, "5.23.0")
    assert check_remote_code(config, Path("/models/DotsOCR"), True, "4.57.6") is True
    assert check_remote_code({}, Path("/models/Qwen2-VL"), False, "5.23.0") is False


def test_auto_dtype_per_device():
    from dotsparse.engines.hf_loading import choose_dtype

    torch = SimpleNamespace(cuda=SimpleNamespace(is_bf16_supported=lambda: False))
    assert choose_dtype(torch, "cuda", "auto", False) == "float16"
    assert choose_dtype(torch, "cpu", "auto", False) == "float32"
    assert choose_dtype(torch, "cpu", "auto", True) == "bfloat16"  # dots.ocr's vision tower casts to bf16
    assert choose_dtype(torch, "mps", "auto", False) == "bfloat16"
    assert choose_dtype(torch, "cpu", "float16", False) == "float16"


# --- errors before any weights are read ---------------------------------------------------------

def test_missing_trust_remote_code_says_why(tiny_dir, tmp_path):
    from dotsparse.engines.transformers_engine import TransformersEngine

    config = json.loads((tiny_dir / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "configuration_dots.DotsOCRConfig",
                          "AutoModelForCausalLM": "modeling_dots_ocr.DotsOCRForCausalLM"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(EngineUnavailable, match="--trust-remote-code") as caught:
        TransformersEngine(str(tmp_path)).load()
    assert "auto_map" in str(caught.value)


def test_hub_id_offline_names_the_id_and_the_setting(tiny_dir, monkeypatch, tmp_path):
    from huggingface_hub import constants

    from dotsparse.engines.transformers_engine import TransformersEngine

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(EngineUnavailable, match="HF_HUB_OFFLINE") as caught:
        TransformersEngine("dotsparse-test/no-such-model").load()
    assert "dotsparse-test/no-such-model" in str(caught.value)


def test_missing_folder_and_bad_device(tiny_dir):
    from dotsparse.engines.transformers_engine import TransformersEngine

    with pytest.raises(EngineUnavailable, match="does not exist"):
        TransformersEngine("./no/such/DotsOCR").load()
    with pytest.raises(EngineUnavailable, match="unknown device"):
        TransformersEngine(str(tiny_dir), device="tpu")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(EngineUnavailable, match="cannot use it"):
            TransformersEngine(str(tiny_dir), device="cuda").load()


def test_a_failed_load_fails_every_request(tmp_path):
    pytest.importorskip("torch")
    from dotsparse.engines.transformers_engine import TransformersEngine

    eng = TransformersEngine(str(tmp_path))  # an empty folder: no config.json

    async def run():
        results = await asyncio.gather(*(eng.infer(make_request(56, 56)) for _ in range(2)),
                                       return_exceptions=True)
        await eng.aclose()
        return results

    results = asyncio.run(run())
    assert all(isinstance(r, EngineUnavailable) and "config.json" in str(r) for r in results)


# --- the processor ------------------------------------------------------------------------------

def test_images_pass_through_unresized(engine):
    processor = engine.load().processor
    # 28x56 is under the checkpoint's min_pixels: a stock processor would upscale it.
    sizes = [(56, 84), (28, 56), (140, 28)]
    batch = processor.encode([Image.new("RGB", s) for s in sizes], ["a", "bb", "ccc"])
    expected = [(w // 28) * (h // 28) for w, h in sizes]
    assert batch.image_tokens == expected
    ids = batch.inputs["input_ids"]
    assert (ids == processor.image_token_id).sum(dim=1).tolist() == expected
    assert batch.inputs["attention_mask"][:, -1].tolist() == [1, 1, 1]  # left padding


def test_a_side_not_a_multiple_of_28_is_refused(engine):
    with pytest.raises(EngineError, match="multiples of 28"):
        engine.load().processor.encode([Image.new("RGB", (50, 84))], ["x"])


# --- generation ---------------------------------------------------------------------------------

def test_concurrent_pages_get_answers_of_the_right_shape(engine):
    requests = [make_request(w, h, p, shade=40 * i) for i, (w, h, p) in enumerate(MIXED)]
    answers = asyncio.run(_infer_all(engine, requests))
    assert len(answers) == len(requests)
    for answer in answers:
        assert isinstance(answer.text, str) and answer.blocks is None
        assert answer.finish_reason == "length" and answer.truncated  # a random model never ends
        assert answer.completion_tokens == 12 and answer.prompt_tokens > 0
        assert answer.endpoint == "local:cpu"


def test_batched_and_one_by_one_give_the_same_tokens(engine):
    import torch

    loaded = engine.load()
    images = [Image.new("RGB", (w, h), (30 * i, 90, 200)) for i, (w, h, _) in enumerate(MIXED)]
    prompts = [p for _, _, p in MIXED]

    def generate(rows):
        batch = loaded.processor.encode([images[i] for i in rows], [prompts[i] for i in rows])
        with torch.inference_mode():
            out = loaded.model.generate(**batch.inputs, max_new_tokens=10, do_sample=False,
                                        pad_token_id=loaded.pad_token_id)
        return out[:, batch.inputs["input_ids"].shape[1]:].tolist()

    together = generate(range(len(MIXED)))
    alone = [generate([i])[0] for i in range(len(MIXED))]
    assert together == alone

    # and through the engine's own batching collector
    requests = [make_request(w, h, p, shade=30 * i) for i, (w, h, p) in enumerate(MIXED)]
    batched = asyncio.run(_infer_all(engine, requests))
    single = [asyncio.run(engine.infer(r)) for r in requests]
    assert [(a.text, a.completion_tokens) for a in batched] == [(a.text, a.completion_tokens) for a in single]


def test_an_end_token_gives_stop(engine, monkeypatch):
    loaded = engine.load()
    # Make every token an end token: the first one generated ends the answer.
    monkeypatch.setattr(loaded, "eos_token_ids", set(range(len(loaded.processor.tokenizer))))
    answer = asyncio.run(engine.infer(make_request(56, 56, max_tokens=8)))
    assert (answer.finish_reason, answer.completion_tokens, answer.text) == ("stop", 1, "")


def test_a_looping_generation_is_cut_and_reported_as_length(engine, monkeypatch):
    import dotsparse.repetition as repetition

    seen: list[str] = []

    def loop_found(text: str):
        seen.append(text)
        return (0, 1)

    monkeypatch.setattr(repetition, "find_repetition", loop_found)
    answer = asyncio.run(engine.infer(make_request(56, 56, max_tokens=100)))
    assert answer.finish_reason == "length"
    assert answer.completion_tokens == 32  # the first check, after 32 generated tokens
    assert seen and all(isinstance(text, str) for text in seen)


def test_different_token_limits_are_not_mixed_in_one_batch(engine):
    requests = [make_request(56, 56, max_tokens=5), make_request(56, 56, max_tokens=9)]
    answers = asyncio.run(_infer_all(engine, requests))
    assert [a.completion_tokens for a in answers] == [5, 9]
