"""The whole schema: every area's tables, registered on the one `metadata` (what the migrations build)."""

from __future__ import annotations

from endwatch.db.accounts import tables as accounts  # noqa: F401
from endwatch.db.assessment import tables as assessment  # noqa: F401
from endwatch.db.audit import tables as audit  # noqa: F401
from endwatch.db.casefiles import tables as casefiles  # noqa: F401
from endwatch.db.detection import tables as detection  # noqa: F401
from endwatch.db.enforcement import tables as enforcement  # noqa: F401
from endwatch.db.monitoring import checks, partners, requests  # noqa: F401
from endwatch.db.registry import tables as registry  # noqa: F401
from endwatch.db.reporting import indexes  # noqa: F401
from endwatch.db.system import tables as system  # noqa: F401
from endwatch.db.tables import metadata

__all__ = ["metadata"]
