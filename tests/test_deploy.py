"""Deployment promises, checked the way an operator would: in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args, tmp_path, **env):
    # conftest allows async-unsafe database access for Playwright; a deployment must not
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {
        **inherited,
        "EDUPACT_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "edupact.settings",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        EDUPACT_ENV="production",
        SECRET_KEY="k" * 20 + "-a-long-and-random-production-secret-" + "x9Q#" * 8,
        ALLOWED_HOSTS="edupact.example.org",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNINGS" not in output


def test_local_settings_are_not_production(tmp_path):
    """``make run`` serves plain HTTP on 127.0.0.1: check --deploy must say so."""
    result = run(["manage.py", "check", "--deploy"], tmp_path, EDUPACT_ENV="local")
    assert "security.W008" in result.stdout + result.stderr  # no HTTPS redirect locally


def test_the_models_and_migrations_agree(tmp_path):
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("args", [["-m", "edupact", "--help"], ["-m", "edupact", "help"]])
def test_the_command_line_explains_itself(tmp_path, args):
    result = run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout
