import pytest

from apps.core.testing import PRODUCTION_ENV, child_env, run_manage


def check(env_overrides, *extra, drop=()):
    return run_manage("check", *extra, env=child_env(env_overrides, drop=drop))


def test_development_defaults_start_on_sqlite():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG)",
        env=child_env({}, drop=("ENVIRONMENT", "DEBUG", "SECRET_KEY")),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "django.db.backends.sqlite3 True"


def test_production_refuses_to_start_without_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = check(env, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("weak_key", ["django-insecure-" + "x" * 60, "short-key"])
def test_production_refuses_a_weak_secret_key(weak_key):
    result = check({**PRODUCTION_ENV, "SECRET_KEY": weak_key})
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "ALLOWED_HOSTS"}
    result = check(env, drop=("ALLOWED_HOSTS",))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "not-a-url"),
        ("DATABASE_URL", "mongodb://localhost/nexus"),
        ("PORT", "eighty"),
        ("ENVIRONMENT", "staging"),
        ("CORS_ALLOWED_ORIGINS", "shop.example.com"),
        ("CSRF_TRUSTED_ORIGINS", "https://nexus.example.com/admin/"),
        ("CONN_MAX_AGE", "-1"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(variable, value):
    result = check({variable: value})
    assert result.returncode != 0
    assert variable in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_passes_check_deploy_with_no_warnings():
    result = check(PRODUCTION_ENV, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_database_url_gets_persistent_connections_and_a_connect_timeout():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d['OPTIONS']['connect_timeout'])",
        env=child_env({**PRODUCTION_ENV, "DATABASE_URL": "postgres://u:p@db.internal:5432/nexus"}),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["60", "True", "3"]
