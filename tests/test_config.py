"""Options: one typed model; the resume key is derived from the fields marked as changing results."""

from __future__ import annotations

import pytest

from dotsparse.config import Options, RunConfig, load_toml
from dotsparse.engines.options import OUTPUT, RESULT, RUN, EmbeddedOptions, TransformersOptions, effect_of
from dotsparse.errors import UsageError


def key(engine: str = "openai", **settings) -> str:
    return Options(**settings).result_key("prompt", engine, "model")


def test_every_option_declares_its_effect():
    for model in (Options, TransformersOptions, EmbeddedOptions):
        for name, field in model.model_fields.items():
            if name in ("transformers", "embedded"):
                continue
            assert isinstance(field.json_schema_extra, dict) and effect_of(model, name) in (RESULT, OUTPUT, RUN), name


def test_result_options_change_the_key_and_the_others_do_not():
    base = key()
    for changed in ({"dpi": 100}, {"temperature": 0.5}, {"max_tokens": 100}, {"mode": "text"}, {"fallback": ()}):
        assert key(**changed) != base, changed
    for same in ({"page_furniture": False}, {"overlay": True}, {"pages": "1"}, {"concurrency": 3},
                 {"timeout": 1.0}, {"page_timeout": 9.0}):
        assert key(**same) == base, same
    assert Options().result_key("other prompt", "openai", "model") != base
    assert Options().result_key("prompt", "openai", "another-model") != base


def test_an_engines_own_options_count_when_it_runs():
    t = {"transformers": {"dtype": "float32"}}
    assert key("transformers", **t) != key("transformers")
    assert key("transformers", transformers={"device": "cpu"}) != key("transformers")
    assert key("transformers", transformers={"batch_size": 2}) == key("transformers")
    assert key("openai", **t) == key("openai")  # the server's model does not care about local dtype
    ocr = {"embedded": {"ocr": "never"}}
    assert key("embedded", **ocr) != key("embedded")
    assert key("openai", **ocr) != key("openai")  # the embedded fallback step uses it
    assert key("openai", fallback=("rescale",), **ocr) == key("openai", fallback=("rescale",))
    assert key("embedded", embedded={"workers": 2}) == key("embedded")


def test_output_fields_are_the_output_only_options():
    assert set(Options().output_fields()) == {"pages", "overlay", "page_furniture", "html", "merge_tables"}
    described = Options(describe_pictures=True, describe_server="http://v/v1", describe_api_key="secret")
    assert set(described.output_fields()) == {"pages", "overlay", "page_furniture", "html", "merge_tables",
                                              "describe_pictures", "describe_server", "describe_model",
                                              "describe_prompt", "describe_min_side", "describe_max_tokens"}
    assert "secret" not in repr(described) and "describe_api_key" not in described.output_fields()


def test_document_level_options_never_change_the_key():
    base = key()
    for same in ({"html": True}, {"merge_tables": False}, {"describe_pictures": True, "describe_server": "http://v"},
                 {"describe_concurrency": 2}):
        assert key(**same) == base, same


def test_text_source_counts_for_dots_ocr_engines_only():
    assert key("openai", text_source="auto") != key("openai")
    assert key("transformers", text_source="pdf") != key("transformers")
    assert key("embedded", text_source="auto") == key("embedded")  # the embedded engine reads the text layer anyway
    assert key("openai", text_source="auto", prompt_file="p.txt") == key("openai", prompt_file="p.txt")


def test_the_temperature_sent_is_the_modes_unless_given():
    assert Options().sampling_temperature == 0.1 and Options(mode="svg").sampling_temperature == 0.9
    assert Options(mode="svg", temperature=0.2).sampling_temperature == 0.2
    assert key(temperature=0.1) == key()  # the default and the same value given are one key
    assert key(mode="svg") == key(mode="svg", temperature=0.9)


def test_toml_settings_and_their_errors(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('dpi = 150\nfallback = ["rescale"]\n[transformers]\ndtype = "bfloat16"\n')
    config = RunConfig(inputs=["x"], **load_toml(path))
    assert config.dpi == 150 and config.fallback == ("rescale",) and config.transformers.dtype == "bfloat16"
    path.write_text("dpii = 1\n")
    with pytest.raises(UsageError, match="dpii"):
        load_toml(path)
    path.write_text("dpi = \n")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_toml(path)
    with pytest.raises(UsageError, match="cannot read"):
        load_toml(tmp_path / "missing.toml")
