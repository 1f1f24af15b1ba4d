"""A stand-in HTTP service on a loopback port, for the test doubles of Kaggle's API, a git
host and Kaggle's data proxy: one server class and one way to start and stop it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, TypeVar

State = TypeVar("State")


class LoopbackServer(ThreadingHTTPServer, Generic[State]):
    """Serves ``handler`` on 127.0.0.1; handlers reach the double's state as ``server.state``."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], state: State) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.state = state


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], state: State) -> Iterator[int]:
    """Serve ``state`` through ``handler`` until the block ends; yields the port."""
    server = LoopbackServer(handler, state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)  # fmt: skip
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
