"""The README's generated tables (configuration, events), and the check that they are current."""

from __future__ import annotations

import re
from pathlib import Path

from services import all_specs
from shared import events
from shared.settings import Settings, describe_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def generated_sections() -> dict[str, str]:
    settings_classes = [Settings, *[spec.settings_class for spec in all_specs()]]
    return {"settings": describe_markdown(settings_classes), "events": events.markdown_table()}


def render(text: str) -> str:
    """`text` with every `<!-- name:start -->...<!-- name:end -->` block regenerated."""
    for name, table in generated_sections().items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda match, table=table: f"{match[1]}{table}\n{match[2]}", text)
    return text


if __name__ == "__main__":
    README.write_text(render(README.read_text()))
