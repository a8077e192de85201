"""python-telegram-bot's HTTP transport, done with aiohttp.

PTB's default `HTTPXRequest` spends most of a send in httpx's connection pool: measured against
a local emulator it reaches about 0.06 of what a bare aiohttp loop posts, an aiohttp transport
about 0.5 (`../shared/telegram/FACTS.md` §6). `AiohttpRequest` is PTB's documented seam
(`telegram.request.BaseRequest`): `initialize`, `shutdown`, `do_request` and `read_timeout`.

Calls without files are posted as a JSON body (the Bot API accepts application/json; cheaper
than url-encoding a long card text); calls with files as multipart form data, the way PTB's
own transport posts them. Timeouts become
`telegram.error.TimedOut`, other transport errors `telegram.error.NetworkError`.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram import Bot
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` that keeps one aiohttp `ClientSession` with a connection pool."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 128,
        read_timeout: float | None = 10.0,
        write_timeout: float | None = 10.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 5.0,
        media_write_timeout: float | None = 30.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized: call initialize() first")
        files = request_data.multipart_data if request_data and request_data.contains_files \
            else None

        def pick(value: Any, default: float | None) -> float | None:
            return default if isinstance(value, DefaultValue) else value

        read = pick(read_timeout, self._read_timeout)
        write = pick(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = pick(connect_timeout, self._connect_timeout)
        pool = pick(pool_timeout, self._pool_timeout)
        total = None if None in (read, write, connect) else (read or 0) + (write or 0)
        timeout = aiohttp.ClientTimeout(total=total, connect=pool, sock_connect=connect,
                                        sock_read=read)
        body: Any = None
        headers = None
        if files:
            assert request_data is not None
            body = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                body.add_field(name, content, filename=filename, content_type=mimetype)
        elif request_data is not None and request_data.parameters:
            # JSON, which the Bot API accepts for every call without files: much cheaper than
            # url-encoding a long card text.
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode("utf-8")
            headers = JSON_HEADERS
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout) as resp:
                return resp.status, await resp.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


async def post_without_reply(bot: Bot, method: str, data: dict[str, Any]) -> None:
    """Call a Bot API `method` the way `bot.<method>()` would, but skip building PTB objects
    from the answer (for a sendMessage that parsing costs more than the HTTP call).

    This is PTB's private `Bot._post` (22.x): it applies the bot's defaults, drops None values,
    serialises Telegram objects, goes through an `ExtBot`'s rate limiter and raises PTB's
    exceptions (RetryAfter, Forbidden, BadRequest...). `tests/test_telegram_request.py` pins
    that behaviour, so a PTB upgrade that changes it fails there.
    """
    await bot._post(method, data)
