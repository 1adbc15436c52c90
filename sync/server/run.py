"""Running the central store: ``feltmappe server`` (uvicorn), and a server on a thread for
tests and benchmarks (port 0 picks a free port)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn

from sync.server.app import asgi
from sync.server.store import Store


@dataclass(frozen=True)
class Tls:
    """The store's certificate chain and private key (PEM files), served by uvicorn itself."""

    cert: str
    key: str


def config(
    store: Store,
    host: str,
    port: int,
    *,
    tls: Tls | None = None,
    proxy_ips: str | None = None,
    **kwargs: Any,
) -> uvicorn.Config:
    return uvicorn.Config(
        asgi(store, **kwargs),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # Bodies are limited by the application; keep-alive lets a laptop reuse its connection.
        timeout_keep_alive=30,
        ssl_certfile=tls.cert if tls else None,
        ssl_keyfile=tls.key if tls else None,
        # Behind a reverse proxy, the laptop's address (for the login back-off) comes from
        # X-Forwarded-For, trusted only from these addresses (uvicorn's own default: 127.0.0.1).
        proxy_headers=True,
        forwarded_allow_ips=proxy_ips,
    )


def serve(
    url: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    tls: Tls | None = None,
    proxy_ips: str | None = None,
    **kwargs: Any,
) -> None:
    store = Store.open(url)
    try:
        uvicorn.Server(config(store, host, port, tls=tls, proxy_ips=proxy_ips, **kwargs)).run()
    finally:
        store.close()


class ServerThread:
    """A real uvicorn server on 127.0.0.1 in a background thread."""

    def __init__(self, store: Store, *, tls: Tls | None = None, **kwargs: Any) -> None:
        self.store = store
        self.scheme = "https" if tls else "http"
        self.server = uvicorn.Server(config(store, "127.0.0.1", 0, tls=tls, **kwargs))
        self.thread = threading.Thread(target=self.server.run, name="feltmappe-server", daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        sock = self.server.servers[0].sockets[0]
        return int(sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
