"""Each engine's own settings, declared by the engines and nested in `Options` (`[transformers]`, `[embedded]`).

Light on purpose (pydantic only): the options are read before any engine module, and torch, loads.
Every field says what changing it does (`effect`), which decides whether it is in the resume key:
  result  changes a page's result: in the key, pages are redone when it changes
  output  changes only the files written from results: re-applied on every run, no page redone
  run     changes how the run goes (workers, timeouts): neither
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

RESULT, OUTPUT, RUN = "result", "output", "run"


def setting(default: Any, effect: str, help: str, **kw: Any) -> Any:
    """A field with its effect and one-line help: the CLI, the TOML file and the resume key all read these."""
    return Field(default, description=help, json_schema_extra={"effect": effect}, **kw)


def effect_of(model: type[BaseModel], name: str) -> str:
    extra = model.model_fields[name].json_schema_extra
    return str(extra.get("effect", RUN)) if isinstance(extra, dict) else RUN


class StageOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def result_fields(self) -> dict[str, Any]:
        """The values of the fields that change results (for the resume key)."""
        return {name: value for name, value in self.model_dump(mode="json").items()
                if effect_of(type(self), name) == RESULT}


class TransformersOptions(StageOptions):
    device: Literal["auto", "cuda", "mps", "cpu"] = setting("auto", RESULT, "auto, cuda, mps or cpu.")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = setting(
        "auto", RESULT, "auto, bfloat16, float16 or float32.")
    batch_size: Optional[int] = setting(None, RUN, "Pages per generate call.", ge=1)
    trust_remote_code: bool = setting(False, RUN, "Allow the checkpoint's own modeling code to run.")


class EmbeddedOptions(StageOptions):
    workers: Optional[int] = setting(None, RUN, "Worker processes (default: all cores).", ge=1)
    ocr: Literal["auto", "always", "never"] = setting("auto", RESULT, "auto, always or never.")
