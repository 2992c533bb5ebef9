"""Persistence for the service: settings, tables, migrations and the candidate index.

Used by ``originality/archive/``; like the rest of the engine it imports neither Flask nor
Celery.
"""

from __future__ import annotations

from .db import Database, migrate
from .index import CandidateIndex, MemoryIndex, RedisIndex, open_index
from .settings import Settings

__all__ = ["CandidateIndex", "Database", "MemoryIndex", "RedisIndex", "Settings", "migrate", "open_index"]
