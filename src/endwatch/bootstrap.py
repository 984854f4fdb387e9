"""The one place that picks concrete adapters (database, clock, worker pool) from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import cast

import sqlalchemy as sa

from endwatch.db import readiness
from endwatch.db.accounts.signin_counts import SqlSignInCounts, side_file_for, sqlite_side_engine
from endwatch.db.engine import make_engine, schema_status, upgrade
from endwatch.db.state_version import StateVersionProbe
from endwatch.db.uow import SqlUnitOfWork, readers_for_forked_children, utc_now
from endwatch.domain.deadlines import local_day
from endwatch.runtime.forkpool import ForkPool
from endwatch.services.assessment.screening import ScreenOnSave
from endwatch.services.detection.parallel import Parallel
from endwatch.services.registry.parties import PartySaved
from endwatch.services.system.demo import recorded_today
from endwatch.services.uow import UnitOfWork
from endwatch.settings import Settings


@dataclass
class Endwatch:
    """A configured endwatch: hands out units of work on the configured database."""

    settings: Settings
    clock: Callable[[], datetime] = field(default=utc_now)

    @cached_property
    def engine(self) -> sa.Engine:
        return make_engine(self.settings.effective_database_url, write_wait=self.settings.write_wait_seconds)

    def today(self) -> date:
        """Today in the authority's time zone (ENDWATCH_TIME_ZONE), by this clock. A clock without a zone is read
        as UTC (the wall clock always has one)."""
        now = self.clock()
        return local_day(now if now.tzinfo is not None else now.replace(tzinfo=UTC), self.settings.zone)

    def uow(self) -> UnitOfWork:
        """A new unit of work for writing (one transaction)."""
        return cast(UnitOfWork, SqlUnitOfWork(self.engine, self.clock))

    def reader(self) -> UnitOfWork:
        """A new unit of work for reading only; it never blocks writers."""
        return cast(UnitOfWork, SqlUnitOfWork(self.engine, self.clock, readonly=True))

    @cached_property
    def _signin_engine(self) -> sa.Engine:
        url = self.settings.effective_database_url
        if self.engine.dialect.name == "sqlite":
            return sqlite_side_engine(side_file_for(url, self.settings.home))
        return self.engine

    @cached_property
    def signin_counts(self) -> SqlSignInCounts:
        """Where failed sign-ins are counted, shared by every server worker and every `endwatch login` on this
        database, written without the registry's write lock (db/accounts/signin_counts.py)."""
        return SqlSignInCounts(self._signin_engine)

    @cached_property
    def parallel(self) -> Parallel:
        """The executor large detection runs spread their work over: worker processes forked from this one,
        each reading on connections of its own."""
        readers = readers_for_forked_children(self.settings.effective_database_url, self.clock)
        return ForkPool(cast(Callable[[], UnitOfWork], readers))

    @cached_property
    def party_saved(self) -> PartySaved:
        """What a party's save does besides: screen it against the stored restricted-party lists (on a read
        snapshot before the write, its hits written in the same write)."""
        return ScreenOnSave()

    @cached_property
    def _version_probe(self) -> StateVersionProbe:
        return StateVersionProbe(self.engine)

    def state_version(self) -> int:
        """The number services.reporting.state.state_version gives (it changes with every write, of any process),
        read in one statement: cheap enough for every request."""
        return self._version_probe.read()

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        upgrade(self.engine)

    def schema_status(self) -> tuple[set[str], set[str]]:
        """(every revision applied, newest revisions known); up to date when the second is within the first."""
        return schema_status(self.engine)

    def database_label(self) -> str:
        """The database URL without any password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        if "_version_probe" in self.__dict__:
            self._version_probe.close()
        if "_signin_engine" in self.__dict__ and self._signin_engine is not self.__dict__.get("engine"):
            self._signin_engine.dispose()
        if "engine" in self.__dict__:
            self.engine.dispose()


class RecordedToday:
    """The wall clock, except on a demonstration database replayed to a day of its own: then that day, at
    the current time of day (so the walk-through's records read as of 2020, not as of the machine's date).

    The day is read once, on first use, and kept for the life of the process."""

    def __init__(self, reader: Callable[[], UnitOfWork]) -> None:
        self._reader = reader
        self._day: date | None = None
        self._read = False

    def __call__(self) -> datetime:
        now = utc_now()
        if not self._read:
            self._read = True
            try:
                self._day = recorded_today(self._reader())
            except sa.exc.SQLAlchemyError:  # a database not created or migrated yet records no day
                self._day = None
        return datetime.combine(self._day, now.timetz()) if self._day else now


def bootstrap(settings: Settings, clock: Callable[[], datetime] | None = None) -> Endwatch:
    """Wire endwatch for the given settings (and clock; by default the wall clock, or a demonstration's own
    recorded day: RecordedToday). Nothing connects until first used."""
    ew = Endwatch(settings, clock or utc_now)
    if clock is None:
        ew.clock = RecordedToday(lambda: cast(UnitOfWork, SqlUnitOfWork(ew.engine, utc_now, readonly=True)))
    return ew


def open_existing(settings: Settings, *, create: bool = False, allow_older: bool = False) -> Endwatch:
    """Wire endwatch and make sure its database is usable: ConfigurationError, in one sentence naming the
    setting, the URL without its password and the fix, when the URL is malformed, the database missing,
    unreachable, not a database or never initialised. With `create` (init, demo) a missing database is
    allowed and nothing is checked beyond the URL: the caller creates and migrates it. With `allow_older`
    (`db upgrade`, `serve --migrate`) an initialised database with an older schema is accepted."""
    url = settings.effective_database_url
    readiness.check_url(url)
    if create:
        return bootstrap(settings)
    readiness.check_file_exists(url)
    ew = bootstrap(settings)
    try:
        readiness.check_ready(ew.engine, url, allow_older=allow_older)
    except BaseException:
        ew.close()
        raise
    return ew
