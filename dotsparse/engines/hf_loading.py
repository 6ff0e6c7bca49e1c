"""Find, check and load a Qwen2-VL-family checkpoint (dots.ocr) for the transformers engine.

Everything that can be known before the weights are read is checked first — the extra is
installed, the folder or hub id resolves, remote code is allowed and can run on this
transformers — so a misconfigured run fails in a second with one sentence, not a traceback.
torch and transformers are imported inside functions only: importing them costs 5-8 s.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..errors import EngineUnavailable
from .hf_processor import PageProcessor

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'dotsparse[transformers]'"
DEVICES = ("auto", "cuda", "mps", "cpu")
DTYPES = ("auto", "bfloat16", "float16", "float32")
# Native transformers classes come first; remote code (dots.ocr) registers AutoModelForCausalLM.
REMOTE_CLASSES = ("AutoModelForCausalLM", "AutoModelForImageTextToText", "AutoModelForVision2Seq")


@dataclass
class LoadedModel:
    model: Any
    processor: PageProcessor
    device: str
    dtype: str
    attn_implementation: str
    eos_token_ids: set[int] = field(default_factory=set)
    pad_token_id: int = 0


def missing_backend() -> Optional[str]:
    """Why the engine cannot run here (torch/transformers absent), without importing them."""
    for module in ("torch", "transformers"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return f"the transformers engine needs {module}, which is not installed: {INSTALL_HINT}"
    return None


def import_backend() -> tuple[Any, Any]:
    reason = missing_backend()
    if reason:
        raise EngineUnavailable(reason)
    try:
        import torch
        import transformers
    except ImportError as exc:  # installed but broken (e.g. a CUDA torch without its libraries)
        raise EngineUnavailable(f"importing torch/transformers failed ({exc}): {INSTALL_HINT}") from exc
    return torch, transformers


def transformers_major(version: str) -> int:
    return int(version.split(".")[0])


def resolve_model_dir(model: str) -> Path:
    """A local folder as is; anything else is a hub id, fetched (or found in the cache) once."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    if model.startswith((".", "/", "~")) or model.count("/") > 1 or path.suffix == ".safetensors":
        raise EngineUnavailable(f"model folder {model} does not exist")
    from huggingface_hub import snapshot_download

    from ..models_download import describe_hub_error

    try:
        return Path(snapshot_download(repo_id=model))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the hub raises many types (HTTP, offline, validation, OS errors)
        raise EngineUnavailable(describe_hub_error(model, exc)) from exc


def read_config(model_dir: Path) -> dict:
    config_path = model_dir / "config.json"
    if not config_path.is_file():
        raise EngineUnavailable(f"{model_dir} has no config.json: not a transformers checkpoint")
    return json.loads(config_path.read_text(encoding="utf-8"))


def check_remote_code(config: dict, model_dir: Path, trust_remote_code: bool, version: str) -> bool:
    """True when the checkpoint's own Python code must run; raise when it may not or cannot."""
    if not config.get("auto_map"):
        return False
    if not trust_remote_code:
        raise EngineUnavailable(
            f"{model_dir} ships its own model code (config.json has auto_map, as dots.ocr does); loading it "
            "runs that Python code on this machine, so it needs explicit consent: pass --trust-remote-code "
            "if you trust the checkpoint's source")
    if transformers_major(version) >= 5:
        raise EngineUnavailable(
            f"transformers {version} cannot run this checkpoint's remote code: dots.ocr's code targets "
            "transformers 4.5x (it registers its processor with a string key, which v5 rejects with "
            "\"'str' object has no attribute '__module__'\"); "
            "install a 4.x release: pip install 'transformers>=4.51,<5'")
    return True


def choose_device(torch: Any, device: str) -> str:
    if device not in DEVICES:
        raise EngineUnavailable(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if device == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if (device == "cuda" and not cuda) or (device == "mps" and not mps):
        raise EngineUnavailable(f"device {device} was asked for but this torch ({torch.__version__}) cannot use it")
    return device


def choose_dtype(torch: Any, device: str, dtype: str, remote_code: bool) -> str:
    """auto: bf16 on CUDA when supported (else fp16), bf16 on Apple MPS, fp32 on CPU.

    On CPU a remote-code checkpoint also gets bf16: dots.ocr's vision tower casts its input to
    bfloat16 itself, so fp32 weights fail there (and bf16 halves RAM, 6 GB instead of 12).
    """
    if dtype not in DTYPES:
        raise EngineUnavailable(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    if dtype != "auto":
        return dtype
    if device == "cuda":
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    if device == "mps":
        return "bfloat16"  # the weights' own type; fp16 risks overflow in Qwen2 activations
    return "bfloat16" if remote_code else "float32"


def choose_attention(device: str, dtype: str, requested: Optional[str]) -> str:
    if requested:
        return requested
    flash = importlib.util.find_spec("flash_attn") is not None
    return "flash_attention_2" if flash and device == "cuda" and dtype != "float32" else "sdpa"


def _model_class(transformers: Any, config: dict, remote_code: bool) -> Any:
    if remote_code:
        for name in REMOTE_CLASSES:
            if name in config["auto_map"]:
                return getattr(transformers, name)
        raise EngineUnavailable(f"the checkpoint's auto_map names none of {', '.join(REMOTE_CLASSES)}")
    for name in ("AutoModelForImageTextToText", "AutoModelForVision2Seq"):  # the latter before 4.5x
        if hasattr(transformers, name):
            return getattr(transformers, name)
    raise EngineUnavailable(f"transformers {transformers.__version__} has no vision-language model class")


def _dtype_kwarg(version: str) -> str:
    major, minor = (int(part) for part in version.split(".")[:2])
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"  # torch_dtype is deprecated since 4.56


def _token_ids(model: Any, processor: PageProcessor) -> tuple[set[int], int]:
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, (list, tuple)) else [eos] if eos is not None else [])
    if processor.tokenizer.eos_token_id is not None:
        eos_ids.add(processor.tokenizer.eos_token_id)
    pad = model.generation_config.pad_token_id
    pad = pad if pad is not None else processor.tokenizer.pad_token_id
    return eos_ids, int(pad if pad is not None else min(eos_ids, default=0))


def load_model(model: str, device: str, dtype: str, trust_remote_code: bool,
               attn_implementation: Optional[str]) -> LoadedModel:
    torch, transformers = import_backend()
    model_dir = resolve_model_dir(model)
    raw_config = read_config(model_dir)
    remote = check_remote_code(raw_config, model_dir, trust_remote_code, transformers.__version__)
    device = choose_device(torch, device)
    dtype = choose_dtype(torch, device, dtype, remote)
    attn = choose_attention(device, dtype, attn_implementation)
    try:
        config = transformers.AutoConfig.from_pretrained(model_dir, trust_remote_code=remote)
        vision = getattr(config, "vision_config", None)
        if remote and vision is not None and hasattr(vision, "attn_implementation"):
            # dots.ocr's vision tower reads its own attention setting (flash_attention_2 in the
            # shipped config), which fails without flash-attn: make it follow the chosen one.
            vision.attn_implementation = attn
        cls = _model_class(transformers, raw_config, remote)
        kwargs = {_dtype_kwarg(transformers.__version__): getattr(torch, dtype)}
        loaded = cls.from_pretrained(model_dir, config=config, trust_remote_code=remote,
                                     attn_implementation=attn, **kwargs)
        loaded = loaded.to(device).eval()
        image_token_id = getattr(config, "image_token_id", None)
        if image_token_id is None:
            raise EngineUnavailable(f"{model_dir}/config.json has no image_token_id: not a Qwen2-VL-family model")
        processor = PageProcessor.from_dir(model_dir, int(image_token_id), trust_remote_code=remote)
    except EngineUnavailable:
        raise
    except ImportError as exc:  # remote code importing what is not installed (flash_attn, ...)
        raise EngineUnavailable(f"loading {model} failed: {exc} (install the missing package, or on a "
                                "machine without CUDA use a checkpoint whose code does not require it)") from exc
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise EngineUnavailable(f"loading {model} failed: {type(exc).__name__}: {exc}") from exc
    eos_ids, pad_id = _token_ids(loaded, processor)
    log.info("transformers engine: %s on %s, %s, attention %s", model, device, dtype, attn)
    return LoadedModel(model=loaded, processor=processor, device=device, dtype=dtype,
                       attn_implementation=attn, eos_token_ids=eos_ids, pad_token_id=pad_id)
