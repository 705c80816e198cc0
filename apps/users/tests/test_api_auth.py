from datetime import timedelta

import pytest
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.core.api.schema import NO_NUL
from apps.core.tests.fixtures import api_client_for as client_for
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "pass-12345-word"


def sign_in(email, password=PASSWORD):
    return APIClient().post("/api/v1/auth/token/", {"email": email, "password": password})


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def test_register_creates_a_customer_and_validates_the_password():
    client = APIClient()
    # Shorter than the schema's minLength: a malformed request.
    short = client.post("/api/v1/auth/register/", {"email": "new@example.com", "password": "1"})
    assert assert_error(short, 400, "invalid")["fields"]["password"]
    # Long enough, but the validators refuse it: well formed, unprocessable.
    weak = client.post(
        "/api/v1/auth/register/", {"email": "new@example.com", "password": "12345678"}
    )
    error = assert_error(weak, 422, "invalid_password")
    assert error["fields"]["password"]
    assert not User.objects.filter(email="new@example.com").exists()

    response = client.post(
        "/api/v1/auth/register/",
        {"email": "New@Example.com", "password": "a-Good-pass-phrase-9", "first_name": "Ann"},
    )
    assert response.status_code == 201
    assert response.json()["email"] == "new@example.com"
    user = User.objects.get(email="new@example.com")
    assert not user.is_staff and not user.memberships.exists()
    assert sign_in("new@example.com", "a-Good-pass-phrase-9").status_code == 200


def test_register_refuses_a_taken_email_and_a_password_like_the_email():
    UserFactory(email="taken@example.com")
    client = APIClient()
    taken = client.post(
        "/api/v1/auth/register/", {"email": "TAKEN@example.com", "password": "x-Strong-pass-77"}
    )
    assert assert_error(taken, 409, "email_taken")["fields"]["email"]
    similar = client.post(
        "/api/v1/auth/register/",
        {"email": "margaretha.hamilton@example.com", "password": "margaretha.hamilton"},
    )
    assert_error(similar, 422, "invalid_password")


def test_register_rejects_malformed_input_with_field_errors():
    response = APIClient().post("/api/v1/auth/register/", {"email": "not-an-email"})
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"email", "password"}


def test_token_pair_for_email_and_password():
    user = UserFactory(email="ann@example.com")
    response = sign_in("ANN@example.com")
    assert response.status_code == 200
    pair = response.json()
    assert set(pair) == {"access", "refresh"}
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert me.get("/api/v1/auth/me/").json()["id"] == user.pk
    assert_error(sign_in("ann@example.com", "wrong"), 401, "invalid_credentials")


def test_access_token_is_short_lived_and_signed_with_its_own_key():
    token = AccessToken.for_user(UserFactory())
    lifetime = token["exp"] - token["iat"]
    assert lifetime == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    assert lifetime <= 15 * 60


def test_refresh_rotates_and_the_old_refresh_token_is_rejected():
    UserFactory(email="ann@example.com")
    first = sign_in("ann@example.com").json()
    client = APIClient()
    rotated = client.post("/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    again = client.post("/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    assert_error(again, 401, "token_not_valid")
    third = client.post("/api/v1/auth/token/refresh/", {"refresh": second["refresh"]})
    assert third.status_code == 200


def test_logout_blacklists_the_refresh_token():
    UserFactory(email="ann@example.com")
    pair = sign_in("ann@example.com").json()
    client = APIClient()
    assert client.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}).status_code == 204
    refused = client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert_error(refused, 401, "token_not_valid")
    verify = client.post("/api/v1/auth/token/verify/", {"token": pair["refresh"]})
    assert_error(verify, 401, "token_not_valid")
    assert_error(client.post("/api/v1/auth/logout/", {"refresh": "garbage"}), 401)


def test_verify_accepts_a_valid_token():
    token = AccessToken.for_user(UserFactory())
    response = APIClient().post("/api/v1/auth/token/verify/", {"token": str(token)})
    assert response.status_code == 200
    assert response.json() == {"valid": True}


def test_expired_access_token_is_rejected():
    user = UserFactory()
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error(client.get("/api/v1/auth/me/"), 401, "token_not_valid")
    verify = APIClient().post("/api/v1/auth/token/verify/", {"token": str(token)})
    assert_error(verify, 401, "token_not_valid")


def test_expired_refresh_token_is_rejected():
    refresh = RefreshToken.for_user(UserFactory())
    refresh.set_exp(lifetime=-timedelta(seconds=1))
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)})
    assert_error(response, 401, "token_not_valid")


def test_refresh_for_a_deactivated_account_is_refused():
    user = UserFactory()
    refresh = RefreshToken.for_user(user)
    user.is_active = False
    user.save()
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)})
    assert_error(response, 401)


def test_me_requires_a_token():
    response = APIClient().get("/api/v1/auth/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_read_and_update():
    user = UserFactory(first_name="Ann", phone="")
    client = client_for(user)
    assert client.get("/api/v1/auth/me/").json()["first_name"] == "Ann"
    response = client.patch(
        "/api/v1/auth/me/", {"first_name": "Anna", "phone": "+49 30 1234", "email": "x@y.z"}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.phone) == ("Anna", "+49 30 1234")
    assert user.email != "x@y.z"


def test_repeated_failures_lock_the_account_like_the_admin_login():
    UserFactory(email="ann@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("ann@example.com", "wrong")
    locked = sign_in("ann@example.com")
    assert locked.status_code in (403, 429)
    assert_error(locked, locked.status_code, "locked_out")
    assert int(locked["Retry-After"]) > 0

    axes_reset(username="ann@example.com")
    assert sign_in("ann@example.com").status_code == 200


def test_the_admin_login_still_gets_its_lockout_page(client):
    UserFactory(email="ann@example.com", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "ann@example.com", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "ann@example.com", "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert response["Content-Type"].startswith("text/html")


def test_login_attempts_are_throttled_with_retry_after():
    UserFactory(email="ann@example.com")
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]
    allowed = int(rate.split("/")[0])
    for _ in range(allowed):
        assert sign_in("ann@example.com").status_code == 200
    throttled = sign_in("ann@example.com")
    assert_error(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) > 0


def test_unknown_api_url_and_wrong_method_answer_with_the_error_shape():
    assert_error(APIClient().get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(APIClient().get("/api/v1/auth/token/"), 405, "method_not_allowed")
    response = APIClient().post(
        "/api/v1/auth/token/", "email=a", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "unsupported_media_type")


def test_a_password_is_taken_as_typed_spaces_included():
    client = APIClient()
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    # Only NUL is refused: spaces count, and a password of spaces is a password.
    assert schema["TokenObtainInputRequest"]["properties"]["password"]["pattern"] == NO_NUL
    spaced = "  a long pass phrase 9  "
    response = client.post(
        "/api/v1/auth/register/", {"email": "sp@example.com", "password": spaced}
    )
    assert response.status_code == 201, response.content
    assert sign_in("sp@example.com", spaced).status_code == 200
    assert sign_in("sp@example.com", spaced.strip()).status_code == 401


def test_profile_fields_take_only_text():
    user = UserFactory(email="ann@example.com")
    response = client_for(user).patch("/api/v1/auth/me/", {"phone": 0}, format="json")
    assert assert_error(response, 400, "invalid")["fields"] == {"phone": ["Not a valid string."]}
