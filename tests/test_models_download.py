"""`models download` offline: a clear DotsparseError, never the hub's traceback. This machine is offline."""

from __future__ import annotations

import sys

import pytest

from dotsparse.errors import DotsparseError
from dotsparse.models_download import describe_hub_error, download_model


@pytest.fixture
def offline(monkeypatch, tmp_path):
    pytest.importorskip("huggingface_hub")
    import huggingface_hub.constants as constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # The hub reads its settings when first imported; a test may come after that.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))


def test_offline_download_names_the_model_and_the_setting(offline, tmp_path):
    with pytest.raises(DotsparseError) as caught:
        download_model("rednote-hilab/dots.ocr", tmp_path / "DotsOCR")
    message = str(caught.value)
    assert "rednote-hilab/dots.ocr" in message and "HF_HUB_OFFLINE" in message
    assert caught.value.stage == "models download"


def test_without_huggingface_hub_the_extra_is_named(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(DotsparseError, match=r"dotsparse\[transformers\]"):
        download_model("rednote-hilab/dots.ocr", tmp_path / "DotsOCR")


def test_target_that_is_a_file_is_refused(offline, tmp_path):
    target = tmp_path / "weights"
    target.write_text("not a folder")
    with pytest.raises(DotsparseError, match="not a folder"):
        download_model("rednote-hilab/dots.ocr", target)


def test_hub_errors_become_sentences(monkeypatch):
    pytest.importorskip("huggingface_hub")
    import huggingface_hub.constants as constants
    import huggingface_hub.errors as errors

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    unreachable = errors.LocalEntryNotFoundError("connection refused")
    assert "could not reach the Hugging Face Hub" in describe_hub_error("a/b", unreachable)
    invalid = errors.HFValidationError("bad id")
    assert "valid Hugging Face model id" in describe_hub_error("a b", invalid)
    assert "RuntimeError" in describe_hub_error("a/b", RuntimeError("boom"))
