import pytest

from apps.core.testing import PRODUCTION_ENV, child_env, run_manage

IS_SECURE = (
    "from django.test import RequestFactory; "
    "print(RequestFactory().get('/', headers={'X-Forwarded-Proto': 'https'}).is_secure())"
)


@pytest.mark.parametrize(("behind_proxy", "trusted"), [(None, "False"), ("true", "True")])
def test_x_forwarded_proto_is_trusted_only_behind_a_proxy(behind_proxy, trusted):
    env = {**PRODUCTION_ENV, "BEHIND_PROXY": behind_proxy} if behind_proxy else PRODUCTION_ENV
    result = run_manage("shell", "-c", IS_SECURE, env=child_env(env, drop=("BEHIND_PROXY",)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == trusted


def test_behind_a_proxy_production_passes_check_deploy():
    env = child_env({**PRODUCTION_ENV, "BEHIND_PROXY": "true"})
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_value_stops_start_up_naming_the_variable():
    result = run_manage("check", env=child_env({"BEHIND_PROXY": "maybe"}))
    assert result.returncode != 0
    assert "BEHIND_PROXY='maybe' is not a boolean" in result.stderr
