import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError
from django.test import RequestFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_custom_user_signs_in_with_email():
    user = User.objects.create_user("Ann.Clerk@Example.COM", "correct horse battery")
    assert User.USERNAME_FIELD == "email"
    assert user.email == "ann.clerk@example.com"
    assert not hasattr(user, "username")
    request = RequestFactory().post("/admin/login/")
    assert (
        authenticate(request, username="ann.clerk@example.com", password="correct horse battery")
        == user
    )
    assert (
        authenticate(request, username="ANN.CLERK@example.com", password="correct horse battery")
        == user
    )
    assert authenticate(request, username="ann.clerk@example.com", password="wrong") is None


def test_email_is_unique_ignoring_case():
    User.objects.create_user("owner@example.com", "pw-123456789")
    with pytest.raises(IntegrityError):
        User.objects.create(email="OWNER@example.com")


def test_create_superuser_sets_flags():
    admin = User.objects.create_superuser("root@example.com", "pw-123456789")
    assert admin.is_staff and admin.is_superuser


def test_admin_login_with_email(client):
    User.objects.create_superuser("root@example.com", "pw-123456789")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root@example.com", "password": "pw-123456789"},
    )
    assert response.status_code == 302
    assert client.get("/admin/users/user/").status_code == 200


def test_admin_login_without_next_lands_on_the_back_office(client):
    User.objects.create_superuser("root@example.com", "pw-123456789")
    response = client.post(
        "/admin/login/", {"username": "root@example.com", "password": "pw-123456789"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
