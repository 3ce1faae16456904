"""Flash messages speak the reader's digits: a count or a number in a message is shown in
Persian digits to a Persian reader, as the pages around it are (``core.text.reader_digits``)."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest

pytestmark = pytest.mark.django_db


def with_message(client, text: str):
    """Queue ``text`` as the next flash message, as a view's ``messages.success`` does."""
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode(
        [Message(constants.SUCCESS, text)]
    )
    return client


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("fa", "۱۲ created, ۳ updated"),
        ("vi", "12 created, 3 updated"),
        ("en", "12 created, 3 updated"),
    ],
)
def test_a_message_shows_its_numbers_in_the_readers_digits(tree, client_as, language, shown):
    client = with_message(
        client_as(tree.users["member"], language), "Imported: 12 created, 3 updated."
    )
    body = client.get("/").content.decode()
    assert f"Imported: {shown}." in body
