"""Free loopback ports and waiting for a server to take one."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Waits until something accepts connections on 127.0.0.1:port; `alive` says
    whether the server is still starting (False: it stopped, give up at once)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        if not alive():
            raise RuntimeError(f"the server for port {port} stopped while starting")
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on port {port} after {timeout:.0f}s")
        time.sleep(0.1)
