"""Flattening validation messages into problem+json rows."""

from shared.web.problems import field_errors


def test_nested_messages_become_dotted_field_paths():
    messages = {"json": {"skills": {0: {"level": ["Not a valid integer."]}}, "title": ["Missing."]}}
    assert list(field_errors(messages)) == [
        {"location": "json", "field": "skills.0.level", "reason": "Not a valid integer."},
        {"location": "json", "field": "title", "reason": "Missing."},
    ]


def test_schema_level_messages_name_the_body():
    assert list(field_errors({"json": {"_schema": ["Invalid input type."]}})) == [
        {"location": "json", "field": "(body)", "reason": "Invalid input type."}
    ]
