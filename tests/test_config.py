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


# Every option and a value other than its default: a new option must be added here, with its effect checked.
CHANGED = {
    "mode": "text", "box": (1.0, 2.0, 3.0, 4.0), "pages": "1", "dpi": 100.0, "min_pixels": 4000,
    "max_pixels": 4_000_000, "password": "pw", "prompt_file": "p.txt", "engine": "embedded",
    "servers": ("http://x/v1",), "model": "m", "api_key": "k", "replay": "answers", "temperature": 0.5,
    "top_p": 0.9, "max_tokens": 100, "concurrency": 3, "timeout": 1.0, "max_retries": 0,
    "unavailable_timeout": 1.0, "page_timeout": 9.0, "doc_timeout": 99.0, "max_failed_ratio": 0.5,
    "fallback": ("rescale",), "text_source": "pdf", "overlay": True, "page_furniture": False, "html": True,
    "merge_tables": False, "describe_pictures": True, "describe_server": "http://d/v1", "describe_model": "d",
    "describe_api_key": "dk", "describe_prompt": "say", "describe_min_side": 64, "describe_concurrency": 2,
    "describe_max_tokens": 99,
    "transformers.device": "cpu", "transformers.dtype": "float32", "transformers.batch_size": 2,
    "transformers.trust_remote_code": True, "embedded.workers": 1, "embedded.ocr": "never",
}
# resolved outside the options: the prompt text, the engine `auto` chose and the served model are key arguments
RESOLVED = {"prompt_file", "engine", "model"}


def _changed(name: str) -> dict:
    table, _, field = name.partition(".")
    return {table: {field: CHANGED[name]}} if field else {name: CHANGED[name]}


def _effect(name: str) -> str:
    table, _, field = name.partition(".")
    model = {"transformers": TransformersOptions, "embedded": EmbeddedOptions}.get(table, Options)
    return effect_of(model, field or name)


def test_the_change_table_names_every_option():
    nested = {f"{t}.{f}" for t, m in (("transformers", TransformersOptions), ("embedded", EmbeddedOptions))
              for f in m.model_fields}
    assert set(CHANGED) == (set(Options.model_fields) - {"transformers", "embedded"}) | nested


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_each_option_changes_exactly_what_its_effect_says(name):
    """result: a new key (the page is redone); output: the same key, new output fields (rewritten with no
    request); run: neither. The engine's own options are checked with that engine running."""
    engine = name.partition(".")[0] if "." in name else "openai"
    options, changed = Options(), Options(**_changed(name))
    key_changed = changed.result_key("p", engine, "m") != options.result_key("p", engine, "m")
    outputs_changed = changed.output_fields() != options.output_fields()
    effect = _effect(name)
    if name in RESOLVED:
        assert not outputs_changed  # they change the key through the resolved arguments
    elif name.startswith("describe_") and name != "describe_pictures" and effect == OUTPUT:  # the describer's settings count while describing
        described = Options(describe_pictures=True)
        assert described.output_fields() != Options(describe_pictures=True, **_changed(name)).output_fields()
        assert not key_changed
    else:
        assert (key_changed, outputs_changed) == (effect == RESULT, effect == OUTPUT), effect


def test_settings_as_people_write_them_in_toml_or_python():
    assert Options(servers="http://gpu:8000/v1").servers == ("http://gpu:8000/v1",)
    assert Options(fallback="rescale, boxes").fallback == ("rescale", "boxes")
    assert Options(pages=3).pages == "3"
    with pytest.raises(ValueError, match="unknown step"):
        Options(fallback=("rescale", "pray"))  # the API checked no step; only the CLI did


def test_bad_settings_are_one_line_named_as_given():
    from pydantic import ValidationError

    from dotsparse.config import settings_message

    with pytest.raises(ValidationError) as caught:
        Options(dpi="high", transformers={"bogus": 1, "dtype": "int3"})
    flags = settings_message(caught.value)
    assert "--dpi: " in flags and "[transformers] bogus: unknown setting" in flags and "--dtype: " in flags
    keywords = settings_message(caught.value, flag=False)
    assert "dpi=: " in keywords and "transformers.bogus=: unknown setting (got 1)" in keywords
    assert "\n" not in flags + keywords and "pydantic" not in flags + keywords


def test_options_from_a_config_file_for_the_python_api(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('dpi = 150\npages = 2\n[embedded]\nocr = "never"\n')
    options = Options.from_toml(path)
    assert options.dpi == 150 and options.pages == "2" and options.embedded.ocr == "never"
    path.write_text('output = "out"\n')
    with pytest.raises(UsageError, match="output belong to one run"):
        Options.from_toml(path)
    path.write_text('dpi = "high"\n')
    with pytest.raises(UsageError, match="dpi=: "):
        Options.from_toml(path)
