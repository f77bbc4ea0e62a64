"""The database: a SQLAlchemy engine and sessions, the readiness check, migrations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Database:
    """An engine with a bounded pool, and a session factory."""

    def __init__(self, url: str, pool_size: int = 5) -> None:
        options: dict[str, object] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            # SQLite connections are used from the threads FastAPI runs handlers in.
            options["connect_args"] = {"check_same_thread": False}
        else:
            options.update(pool_size=pool_size, max_overflow=pool_size)
        self.url = url
        self.engine: Engine = create_engine(url, **options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def ping(self) -> None:
        """Raises when the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def migrate(self) -> None:
        """Applies the Alembic migrations up to the newest (idempotent)."""
        command.upgrade(alembic_config(self.url), "head")

    def close(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
