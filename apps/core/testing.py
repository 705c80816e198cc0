"""Helpers for tests that start Nexus in a child process with its own environment."""

import os
import socket
import subprocess
import sys
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
