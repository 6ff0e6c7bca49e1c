"""`python -m dotsparse.schema.generate` rewrites document.schema.json from the data model."""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("document.schema.json")
SCHEMA_ID = "https://dotsparse.dev/schema/document-1.0.json"


def document_schema_text() -> str:
    from ..model import DocumentResult

    schema = DocumentResult.model_json_schema(mode="serialization")  # what we write, derived fields included
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return json.dumps(schema, indent=2) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(document_schema_text(), encoding="utf-8")
