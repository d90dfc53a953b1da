"""The readiness probe's own reading of the migration heads agrees with Alembic's."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from munjigi.ops import readiness


def test_heads_read_without_alembic_match_alembic() -> None:
    config = Config()
    config.set_main_option("script_location", str(readiness.MIGRATIONS))
    expected = frozenset(ScriptDirectory.from_config(config).get_heads())
    readiness.schema_heads.cache_clear()
    assert readiness.schema_heads() == expected
    assert len(expected) == 1


def test_a_branch_makes_two_heads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text("revision = 'a'\ndown_revision = None\n")
    (versions / "b.py").write_text("revision: str = 'b'\ndown_revision = 'a'\n")
    (versions / "c.py").write_text("revision = 'c'\ndown_revision = ('a',)\n")
    (versions / "d.py").write_text("revision = 'd'\ndown_revision = ('b', 'c')\n")
    (versions / "e.py").write_text("revision = 'e'\ndown_revision = 'a'\n")
    monkeypatch.setattr(readiness, "MIGRATIONS", tmp_path)
    readiness.schema_heads.cache_clear()
    try:
        assert readiness.schema_heads() == frozenset({"d", "e"})
    finally:
        readiness.schema_heads.cache_clear()
