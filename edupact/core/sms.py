"""Pluggable SMS backends, chosen by ``settings.EDUPACT_SMS_BACKEND`` (a dotted path).

``ConsoleBackend`` (the default) writes messages to the log and stdout; ``LocmemBackend``
keeps them in ``LocmemBackend.outbox`` for tests; ``DiscardBackend`` sends nothing (the
simulator's people are not real). A real gateway subclasses ``BaseBackend``.
"""

import logging
import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "edupact.core.sms.ConsoleBackend"
logger = logging.getLogger("edupact.sms")


@dataclass(frozen=True)
class Message:
    to: str
    body: str


class BaseBackend:
    def send(self, to: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, to: str, body: str) -> None:
        logger.info("SMS to %s: %s", to, body)
        sys.stdout.write(f"SMS to {to}: {body}\n")
        sys.stdout.flush()


class LocmemBackend(BaseBackend):
    outbox: list[Message] = []

    def send(self, to: str, body: str) -> None:
        LocmemBackend.outbox.append(Message(to=to, body=body))


class DiscardBackend(BaseBackend):
    def send(self, to: str, body: str) -> None:
        pass


def get_backend() -> BaseBackend:
    return import_string(getattr(settings, "EDUPACT_SMS_BACKEND", DEFAULT_BACKEND))()


def send_sms(to: str, body: str) -> None:
    get_backend().send(to, body)
