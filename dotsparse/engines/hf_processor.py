"""Turn (page image, prompt) pairs into model inputs the way a Qwen2-VL-family processor does.

Why not `AutoProcessor`: Qwen2-VL processors always build a video processor, which needs
torchvision, and torchvision is often absent or broken on CPU-only installs; dots.ocr's own
processor class is registered by its remote code, which breaks on transformers 5. So this module
assembles the same thing from the three parts every such checkpoint ships — the image
processor, the tokenizer and the chat template — with one code path on every machine.

Images arrive already resized by the client to multiples of 28 px (dotsparse.sizing), so the
image processor is told not to resize: the model then answers in the coordinates of the image
we sent, exactly as on the server path. Imported only once torch and transformers are known
to be importable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from PIL import Image

from ..errors import EngineError, EngineUnavailable

TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")


@dataclass
class PageBatch:
    """Model inputs for a batch plus what the engine needs to report per row."""

    inputs: dict[str, Any]  # input_ids, attention_mask, pixel_values, image_grid_thw (torch tensors)
    prompt_tokens: list[int]  # non-padding prompt tokens per row
    image_tokens: list[int]  # image placeholder tokens per row


def read_chat_template(model_dir: Path, tokenizer: Any) -> str:
    """The processor's chat template (chat_template.jinja / .json), else the tokenizer's."""
    jinja = model_dir / TEMPLATE_FILES[0]
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    as_json = model_dir / TEMPLATE_FILES[1]
    if as_json.is_file():
        template = json.loads(as_json.read_text(encoding="utf-8")).get("chat_template")
        if isinstance(template, str) and template:
            return template
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, str) and template:
        return template
    raise EngineUnavailable(f"{model_dir} has no chat template (looked for {', '.join(TEMPLATE_FILES)} "
                            "and tokenizer_config.json's chat_template)")


class PageProcessor:
    """Image processor + tokenizer + chat template, producing left-padded batches."""

    def __init__(self, image_processor: Any, tokenizer: Any, chat_template: str, image_token_id: int):
        self.image_processor = image_processor
        self.tokenizer = tokenizer
        self.chat_template = chat_template
        self.image_token_id = image_token_id
        self.image_token = tokenizer.convert_ids_to_tokens(image_token_id)
        merge = int(getattr(image_processor, "merge_size", 2))
        self.merge_size = merge
        self.factor = int(getattr(image_processor, "patch_size", 14)) * merge  # 28 px for dots.ocr
        # Left padding: every row's last prompt token sits at the same position, which is what
        # batched greedy decoding needs to match one-by-one decoding.
        tokenizer.padding_side = "left"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    @classmethod
    def from_dir(cls, model_dir: Path, image_token_id: int, trust_remote_code: bool = False) -> "PageProcessor":
        from transformers import AutoImageProcessor, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=trust_remote_code)
        # The PIL ("slow") image processor: the fast one needs torchvision, and without resizing
        # the two differ only in float rounding of the normalisation.
        image_processor = AutoImageProcessor.from_pretrained(model_dir, use_fast=False,
                                                             trust_remote_code=trust_remote_code)
        return cls(image_processor, tokenizer, read_chat_template(model_dir, tokenizer), image_token_id)

    def render(self, prompt: str) -> str:
        """The chat template applied to one user turn (image, then text), with the generation prompt."""
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
        text = self.tokenizer.apply_chat_template(messages, chat_template=self.chat_template,
                                                  tokenize=False, add_generation_prompt=True)
        if text.count(self.image_token) != 1:
            raise EngineError(f"the chat template put {text.count(self.image_token)} image placeholders "
                              f"({self.image_token}) in the prompt instead of one")
        return text

    def check_image(self, image: Optional[Image.Image]) -> Image.Image:
        if image is None:
            raise EngineError("the transformers engine needs the page image; none was rendered")
        width, height = image.size
        if width % self.factor or height % self.factor:
            raise EngineError(f"page image is {width}x{height}; the engine expects sides that are "
                              f"multiples of {self.factor} px (resize it with dotsparse.sizing first)")
        return image.convert("RGB") if image.mode != "RGB" else image

    def encode(self, images: Sequence[Optional[Image.Image]], prompts: Sequence[str]) -> PageBatch:
        """Build one left-padded batch; every image passes through at its own size."""
        checked = [self.check_image(image) for image in images]
        # do_resize=False: the client already chose the size; a second resize would move the
        # coordinates the model answers in.
        vision = self.image_processor(images=checked, do_resize=False, return_tensors="pt")
        grid = vision["image_grid_thw"]
        texts, image_tokens = [], []
        for row, (image, prompt) in enumerate(zip(checked, prompts)):
            count = int(grid[row].prod().item()) // (self.merge_size ** 2)
            width, height = image.size
            expected = (width // self.factor) * (height // self.factor)
            if count != expected:
                raise EngineError(f"the image processor made {count} image tokens for a {width}x{height} "
                                  f"image instead of {expected}: it resized the image")
            # The template holds one placeholder; the model needs one per 28x28 cell.
            texts.append(self.render(prompt).replace(self.image_token, self.image_token * count, 1))
            image_tokens.append(count)
        encoded = self.tokenizer(texts, padding=True, return_tensors="pt", add_special_tokens=False)
        inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"],
                  "pixel_values": vision["pixel_values"], "image_grid_thw": grid}
        prompt_tokens = [int(n) for n in encoded["attention_mask"].sum(dim=1).tolist()]
        return PageBatch(inputs=inputs, prompt_tokens=prompt_tokens, image_tokens=image_tokens)

    def decode(self, token_ids: Sequence[int]) -> str:
        # As the OpenAI-compatible servers do: special tokens are not part of the answer text.
        return self.tokenizer.decode(list(token_ids), skip_special_tokens=True)
