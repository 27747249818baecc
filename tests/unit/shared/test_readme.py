"""The README opens with the two commands, and its generated tables match the code."""

from shared.readme import README, render


def test_readme_opens_with_the_run_and_test_commands():
    lines = README.read_text().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```sh") + 3]
    assert [line.split("#")[0].strip() for line in block] == ["make run", "make test"]


def test_readme_tables_are_generated_from_the_settings_and_the_event_registry():
    text = README.read_text()
    assert render(text) == text, "run: .venv/bin/python -m shared.readme"
