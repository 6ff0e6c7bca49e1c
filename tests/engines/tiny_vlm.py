"""Build a tiny random-weight Qwen2-VL checkpoint shaped like dots.ocr, offline, in about a second.

It exercises the transformers engine's real loading and generate path on CPU: a byte-level
tokenizer with dots.ocr's special tokens (`<|user|>`, `<|img|><|imgpad|><|endofimg|>`, ...),
dots.ocr's chat-template shape, a Qwen2-VL image processor with patch 14 / merge 2 (28 px per
image token) and a model with one layer and hidden size 32. Its answers are garbage by
construction; what matters is that every step runs. Needs torch and transformers.
"""

from __future__ import annotations

import json
from pathlib import Path

# dots.ocr's tokens (reference §4), in the order they get ids after the 256 byte tokens.
SPECIAL_TOKENS = ["<|endoftext|>", "<|imgpad|>", "<|img|>", "<|endofimg|>", "<|user|>",
                  "<|endofuser|>", "<|assistant|>", "<|endofassistant|>", "<|video_pad|>"]

# The shape of dots.ocr's template: the image placeholder comes from the template, never the prompt.
CHAT_TEMPLATE = (
    "{%- for m in messages -%}"
    "{%- if m['role'] == 'user' -%}<|user|>"
    "{%- if m['content'] is string -%}{{ m['content'] }}{%- else -%}"
    "{%- for c in m['content'] -%}"
    "{%- if c['type'] == 'image' -%}<|img|><|imgpad|><|endofimg|>"
    "{%- elif c['type'] == 'text' -%}{{ c['text'] }}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}<|endofuser|>"
    "{%- elif m['role'] == 'assistant' -%}<|assistant|>{{ m['content'] }}<|endofassistant|>"
    "{%- endif -%}{%- endfor -%}"
    "{%- if add_generation_prompt -%}<|assistant|>{%- endif -%}"
)


def _build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    # Byte-level BPE without merges: every byte is one token, so any text encodes offline.
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|endofassistant|>",
                                        pad_token="<|endoftext|>")
    tokenizer.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS})
    tokenizer.padding_side = "left"
    return tokenizer


def _build_config(tokenizer):
    from transformers import Qwen2VLConfig

    ids = {tok: tokenizer.convert_tokens_to_ids(tok) for tok in SPECIAL_TOKENS}
    text = dict(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
                rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]},  # head_dim 16 -> 8 pairs
                tie_word_embeddings=False)
    vision = dict(depth=1, embed_dim=32, hidden_size=32, num_heads=2, mlp_ratio=2, patch_size=14,
                  spatial_merge_size=2, temporal_patch_size=2)
    return Qwen2VLConfig(text_config=text, vision_config=vision, **text,
                         image_token_id=ids["<|imgpad|>"], video_token_id=ids["<|video_pad|>"],
                         vision_start_token_id=ids["<|img|>"], vision_end_token_id=ids["<|endofimg|>"],
                         bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|endofassistant|>"],
                         pad_token_id=ids["<|endoftext|>"])


def build_tiny_vlm(directory: Path, seed: int = 0) -> Path:
    """Write a loadable tiny checkpoint (weights, tokenizer, image processor, chat template) to `directory`."""
    import torch
    from transformers import GenerationConfig, Qwen2VLForConditionalGeneration, Qwen2VLImageProcessor

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = _build_tokenizer()
    config = _build_config(tokenizer)
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(eos_token_id=config.eos_token_id,
                                               pad_token_id=config.pad_token_id, do_sample=False)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    # dots.ocr's budget (reference §2); the engine must pass its already-sized images through anyway.
    Qwen2VLImageProcessor(min_pixels=3136, max_pixels=11_289_600, patch_size=14, merge_size=2,
                          temporal_patch_size=2).save_pretrained(directory)
    (directory / "chat_template.json").write_text(json.dumps({"chat_template": CHAT_TEMPLATE}))
    return directory
