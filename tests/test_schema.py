from dotsparse.schema.generate import SCHEMA_FILE, document_schema_text


def test_shipped_schema_is_generated_from_the_model():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == document_schema_text(), (
        "regenerate: python -m dotsparse.schema.generate")
