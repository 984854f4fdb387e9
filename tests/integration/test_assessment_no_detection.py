"""Assessment works before detection is installed: with no `findings` table, there are no findings."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.assessment.repository import SqlAssessmentRepository


def test_findings_are_empty_when_detection_tables_are_absent(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    with engine.connect() as conn:
        assert SqlAssessmentRepository(conn).findings() == []
    engine.dispose()
