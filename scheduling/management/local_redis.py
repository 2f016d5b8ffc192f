"""A Redis server of our own, on a free local port, for as long as a `with` block runs.

`make test` (throwaway, in memory) and `make demo` (kept on disk, so queued tasks survive a
restart) use it; production points REDIS_URL / CELERY_BROKER_URL at a managed Redis instead.
"""

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def redis_server(data_dir: Path | None = None) -> Iterator[str]:
    """Yields redis://127.0.0.1:<port>; with `data_dir`, an append-only file there keeps data."""
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server not found (`make demo` and `make test` install it)")
    port = free_port()
    storage = ["--save", "", "--appendonly", "no"]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        storage = ["--save", "", "--appendonly", "yes", "--dir", str(data_dir)]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", *storage],
        stdout=subprocess.DEVNULL,
    )
    try:
        if not wait_for_port(port):
            raise SystemExit("redis-server did not start")
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
