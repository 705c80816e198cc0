"""Helpers for tests that start Nexus in a child process with its own environment."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent

PRODUCTION_ENV = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "k7#Qz9!vLr2@pWm4^xTn8&bYc1*Hd6(Fs3)Jg5_Ke0+Ua-Ro.Ei;Ow,Py<Tq>Zs",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,nexus.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://nexus.example.com",
    "CORS_ALLOWED_ORIGINS": "https://shop.example.com",
}


# Set by the browser-test fixture for its own process; a child must start as in deployment.
NOT_INHERITED = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def child_env(overrides: dict[str, str], *, drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in drop and key not in PRODUCTION_ENV and key not in NOT_INHERITED
    }
    env.update(overrides)
    return env


def run_manage(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, dict, bytes]:
    """GET as a client behind the TLS proxy would (so no HTTPS redirect); errors are answers."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextmanager
def production_gunicorn(workdir: Path, database: Path) -> Iterator[str]:
    """Nexus under gunicorn with the production settings on a migrated SQLite `database`
    (static files collected into `workdir`); yields its base URL once /health/ answers."""
    env = child_env(
        {
            **PRODUCTION_ENV,
            "DATABASE_URL": f"sqlite:///{database}",
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
        }
    )
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = run_manage(*command, env=env, timeout=180)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "nexus.wsgi", "-c", "gunicorn.conf.py"],
        cwd=BASE_DIR,
        env={**env, "PORT": str(port), "WEB_CONCURRENCY": "1", "GUNICORN_HOST": "127.0.0.1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if fetch(f"{base_url}/health/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            server.kill()
            raise RuntimeError("gunicorn did not start: " + server.stdout.read().decode())
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)
