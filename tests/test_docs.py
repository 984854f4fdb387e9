"""Documentation is tested too: every command, setting and exchange-format column appears in docs/."""

from pathlib import Path
from typing import Any

import typer

from endwatch.cli import app
from endwatch.exchange.schema import FILES
from endwatch.services.registry.imports import extensions
from endwatch.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))


def commands(group: Any, prefix: str) -> list[str]:
    found = []
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            found += commands(cmd, f"{prefix} {name}")
        else:
            found.append(f"{prefix} {name}")
    return found


def test_every_command_is_documented():
    text = all_docs()
    root = typer.main.get_command(app)
    missing = [c for c in commands(root, "endwatch") if c not in text]
    assert not missing, f"commands missing from docs/: {missing}"


def test_every_setting_is_documented():
    text = all_docs()
    missing = [f"ENDWATCH_{name.upper()}" for name in Settings.model_fields if f"ENDWATCH_{name.upper()}" not in text]
    assert not missing, f"settings missing from docs/: {missing}"


def test_every_exchange_column_is_documented_under_its_file():
    text = (DOCS / "exchange-format.md").read_text(encoding="utf-8")
    specs = [*FILES, *(s for ext in extensions() for s in ext.specs)]
    for spec in specs:
        heading = f"## {spec.name}"
        assert heading in text, f"no section {heading!r} in exchange-format.md"
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        missing = [c.name for c in spec.columns if f"`{c.name}`" not in section]
        assert not missing, f"{spec.name}: columns missing from its section: {missing}"
