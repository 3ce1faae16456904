"""Sign-in: Argon2 hashes, and repeated failures lock the username (django-axes)."""

import pytest
from django.test import Client

from edupact import settings as project_settings
from edupact.accounts.models import User


def test_passwords_are_hashed_with_argon2():
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.fixture
def person_user(db):
    return User.objects.create_user("leila", password="a-good-long-password")


def _sign_in(client, password):
    return client.post("/accounts/login/", {"username": "leila", "password": password})


def test_right_password_signs_in(person_user):
    client = Client()
    response = _sign_in(client, "a-good-long-password")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_five_failures_lock_the_account_even_for_the_right_password(person_user, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _sign_in(client, "wrong")
        assert response.status_code in (200, 429)
    locked = _sign_in(client, "a-good-long-password")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated
