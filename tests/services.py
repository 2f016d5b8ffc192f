"""Run a command with throwaway services: `python -m tests.services CMD [ARGS...]`.

Starts a PostgreSQL cluster from the installed server binaries and a Redis server (no system
service is touched), points DATABASE_URL and REDIS_URL at them, collects the static files into
a throwaway folder as production does, runs the command, and removes all of it whatever happens.
Used by `make test`; the exit code is the command's.
"""

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scheduling.management.local_redis import free_port, redis_server

POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` account when we are root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    if not POSTGRES_BIN_DIRS:
        sys.exit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    bindir = POSTGRES_BIN_DIRS[0]
    workdir = Path(tempfile.mkdtemp(prefix="pg-throwaway-"))
    workdir.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    datadir, port = workdir / "data", free_port()
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run(
        as_postgres_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        **quiet,
    )
    # Durability is pointless for a cluster that is deleted in a minute; speed is not.
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        as_postgres_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-o",
                options,
                "-l",
                str(workdir / "server.log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        **quiet,
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            as_postgres_user(
                [str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"]
            ),
            check=False,
            **quiet,
        )
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def static_root(env: dict) -> Iterator[None]:
    """The hashed, compressed static files production serves, collected for this run alone."""
    folder = tempfile.mkdtemp(prefix="static-throwaway-")
    env["DJANGO_STATIC_ROOT"] = folder
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], env=env, check=True
        )
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv:
        sys.exit(__doc__)
    with postgres() as database_url, redis_server() as redis_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": f"{redis_url}/0",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
            # Plain HTTP to the live servers the tests start.
            "DJANGO_SSL_REDIRECT": "0",
        }
        with static_root(env):
            return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
