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


# Behind a reverse proxy: failures are counted per username and client address ------------------

PROXY = "10.0.0.2"  # REMOTE_ADDR of every request that comes through the proxy


def _through_proxy(forwarded_for: str) -> Client:
    """A client behind the proxy: the proxy appends the address it saw to X-Forwarded-For."""
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def _lock_out(client) -> None:
    from django.conf import settings

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "wrong")
    assert _sign_in(client, "a-good-long-password").status_code == 429


def test_behind_a_proxy_a_lockout_holds_one_client_and_not_the_username(person_user, settings):
    settings.EDUPACT_PROXY_COUNT = 1
    attacker = _through_proxy("203.0.113.5")
    _lock_out(attacker)
    # Another client behind the same proxy still signs in with the right password.
    owner = _through_proxy("198.51.100.7")
    assert _sign_in(owner, "a-good-long-password").status_code == 302
    assert owner.get("/").wsgi_request.user.username == "leila"
    # The attacker cannot pose as someone else: what a client writes into X-Forwarded-For
    # itself comes before what the proxy appends, and is not read.
    spoofed = _through_proxy("198.51.100.7, 203.0.113.5")
    assert _sign_in(spoofed, "a-good-long-password").status_code == 429


def test_without_proxies_the_forwarded_header_is_ignored(person_user, settings):
    assert settings.EDUPACT_PROXY_COUNT == 0
    _lock_out(Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.5"))
    dodge = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert _sign_in(dodge, "a-good-long-password").status_code == 429
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert _sign_in(other, "a-good-long-password").status_code == 302


@pytest.mark.parametrize(
    ("count", "header", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "1.1.1.1, 198.51.100.7", "198.51.100.7"),
        (2, "1.1.1.1, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2"),  # did not pass through both proxies
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "198.51.100.7:5123", "198.51.100.7"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_proxy_saw(count, header, expected, settings):
    from django.test import RequestFactory

    from edupact.core.clientip import client_ip

    settings.EDUPACT_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == expected
