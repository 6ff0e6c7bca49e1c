"""The OpenAI-compatible engine's request body (the wire behaviour is covered in tests/run and test_cli)."""

import base64
import json
from pathlib import Path

from PIL import Image

from dotsparse.engines.base import EngineRequest, PageRef
from dotsparse.engines.openai import OpenAIEngine, OpenAIOptions
from dotsparse.model import Mode, PageGeometry
from dotsparse.sent_image import SentImage


def test_request_body_is_the_reference_shape_whatever_the_prompt_or_model_contains():
    engine = OpenAIEngine(OpenAIOptions(servers=("http://127.0.0.1:1/v1",), model='m "url": "image-url-slot"'))
    image = SentImage.encode(Image.new("RGB", (28, 28), "white"))
    geometry = PageGeometry(width_pt=28, height_pt=28, dpi=72, width_px=28, height_px=28, sent_width=28, sent_height=28)
    prompt = 'Find "url": "image-url-slot" and \u00e9'
    request = EngineRequest(page=PageRef(Path("p.png"), 0, "image"), geometry=geometry, image=image, prompt=prompt,
                            mode=Mode.LAYOUT)
    payload = engine.body(request)
    raw = b"".join(payload)
    assert len(raw) == payload.length
    body = json.loads(raw)
    image_part, text_part = body["messages"][0]["content"]
    assert image_part["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(image.png).decode()
    assert text_part == {"type": "text", "text": "<|img|><|imgpad|><|endofimg|>" + prompt}
    assert body["model"] == 'm "url": "image-url-slot"'
