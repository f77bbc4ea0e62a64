"""The Redis cache (added by add-redis): an asyncio client on REDIS_URL, its readiness
check, and JSON values with a time to live."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis


class Cache:
    """A Redis client whose connections open on first use: the service starts while
    Redis is still coming up, and /readyz reports it until it answers. Every call is
    bounded by `timeout` seconds."""

    def __init__(self, url: str, timeout: float, default_ttl: int = 300) -> None:
        self.client: Redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
        )
        self.default_ttl = default_ttl

    async def ping(self) -> None:
        """Raise unless Redis answers PING."""
        if not await self.client.ping():
            raise ConnectionError("Redis did not answer PING")

    async def get_json(self, key: str) -> Any:
        """The JSON value stored at key, or None when it is absent or expired."""
        value = await self.client.get(key)
        return None if value is None else json.loads(value)

    async def set_json(self, key: str, value: Any, ttl: int | None = None) -> None:
        """Store value as JSON at key for ttl seconds (default_ttl when None)."""
        await self.client.set(key, json.dumps(value), ex=ttl or self.default_ttl)

    async def delete(self, key: str) -> None:
        await self.client.delete(key)

    async def close(self) -> None:
        await self.client.aclose()
