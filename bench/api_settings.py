"""Settings for bench/api_throughput.py: Nexus as deployed, plus the hand-written views."""

from nexus.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
