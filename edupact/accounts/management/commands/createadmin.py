"""``edupact createadmin --username U --email E``: create a platform administrator.

The password comes from ``--password``, else the EDUPACT_ADMIN_PASSWORD environment variable,
else an interactive prompt (asked twice). It must pass the configured password validators.
"""

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction


class Command(BaseCommand):
    help = "Create a platform administrator (a superuser); refuses an existing username."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--password",
            help="Prefer EDUPACT_ADMIN_PASSWORD or the prompt: "
            "a command-line argument shows in the process list.",
        )

    def handle(self, *args, username, email, password=None, **options):
        User = get_user_model()
        username = username.strip()
        if not username:
            raise CommandError("The username cannot be empty.")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user named '{username}' already exists; nothing was changed.")
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"'{email}' is not a valid email address.") from exc
        password = password or os.environ.get("EDUPACT_ADMIN_PASSWORD") or self.prompt()
        user = User(username=username, email=email, is_staff=True, is_superuser=True)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("The password was refused: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            user.set_password(password)
            user.save()
        self.stdout.write(self.style.SUCCESS(f"Created the administrator '{username}'."))

    def prompt(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(
                "No password: pass --password, set EDUPACT_ADMIN_PASSWORD or run "
                "in a terminal to be asked."
            )
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        if not first:
            raise CommandError("The password cannot be empty.")
        return first
