"""Settings from environment variables.

EDUPACT_ENV selects a profile:
- ``local`` (default): what ``make run`` serves on 127.0.0.1 over plain HTTP, DEBUG off;
- ``production``: HTTPS-only cookies, HSTS and redirects, passes ``check --deploy``;
- ``dev``: DEBUG on, for working on the code.
DATABASE_URL chooses the database; without it an SQLite file under ``var/`` in WAL mode.
"""

import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
import fontpkg_noto_sans
import fontpkg_noto_sans_arabic

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("EDUPACT_VAR_DIR", BASE_DIR.parent / "var"))
ENV = os.environ.get("EDUPACT_ENV", "local")
PRODUCTION = ENV == "production"
DEBUG = ENV == "dev"


def _secret_key() -> str:
    """Take the key from the environment, else keep one per installation under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Several processes may start at once (gunicorn workers, test workers): the key is
        # written whole under another name and linked into place, so nobody reads half a key
        # and the first link wins.
        fd, draft = tempfile.mkstemp(dir=VAR_DIR, prefix=".secret_key.")
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(64))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # the API docs page then uses the swagger-ui files bundled in django-ninja
    "axes",
    "django_tasks",
    "django_tasks_db",
    "edupact.core",
    "edupact.audit",
    "edupact.directory",
    "edupact.accounts",
    "edupact.funds",
    "edupact.rotating",
    "edupact.evaluation",
    "edupact.api",
    "edupact.web",
    "edupact.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "edupact.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "edupact.core.middleware.UserPreferencesMiddleware",
    "edupact.audit.middleware.AuditActorMiddleware",
    "edupact.api.middleware.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "edupact.urls"
WSGI_APPLICATION = "edupact.wsgi.application"

# Select options that are numbers in the reader's digits (core.forms.LocalisedRenderer).
FORM_RENDERER = "edupact.core.forms.LocalisedRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "edupact.web.context_processors.navigation",
            ],
            "builtins": ["edupact.core.templatetags.edupact"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'edupact.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            "PRAGMA mmap_size=268435456;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["NAME"] != ":memory:":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): five failures lock the username for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
# Behind reverse proxies the client is not REMOTE_ADDR (docs/deployment.md, core.clientip):
# EDUPACT_PROXY_COUNT proxies append to EDUPACT_CLIENT_IP_HEADER (X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "edupact.core.clientip.client_ip"
EDUPACT_PROXY_COUNT = int(os.environ.get("EDUPACT_PROXY_COUNT", "0"))
EDUPACT_CLIENT_IP_HEADER = "HTTP_" + os.environ.get(
    "EDUPACT_CLIENT_IP_HEADER", "X-Forwarded-For"
).upper().replace("-", "_")

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی"), ("vi", "Tiếng Việt"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "edupact_language"
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Fonts come from installed packages (Noto Sans covers Vietnamese, Noto Sans Arabic Persian).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("fonts/noto-sans", Path(fontpkg_noto_sans.__file__).parent / "files"),
    ("fonts/noto-sans-arabic", Path(fontpkg_noto_sans_arabic.__file__).parent / "files"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Brotli at its highest level on megabytes of fonts costs minutes at every start; fonts are
# cached forever by hashed name anyway.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "tbz",
    "xz",
    "br",
    "swf",
    "flv",
    "woff",
    "woff2",
    "ttf",
    "otf",
    "3gp",
    "3gpp",
    "asf",
    "avi",
    "m4v",
    "mov",
    "mp4",
    "mpeg",
    "mpg",
    "ogv",
    "webm",
    "wmv",
)

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "EDUPACT_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (core.middleware): everything from edupact's own origin, no inline
# script or style, no eval; images may be data: URIs (the API docs' icons).
EDUPACT_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
EDUPACT_CSP_REPORT_ONLY = os.environ.get("EDUPACT_CSP_REPORT_ONLY", "") in ("1", "true", "yes")
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

EDUPACT_PAGE_SIZE = 25
# The address people open from an SMS (a guarantor confirming); links are made absolute with it.
EDUPACT_SITE_URL = os.environ.get("EDUPACT_SITE_URL", "http://localhost:8000").rstrip("/")
EDUPACT_SENSITIVE_MASK = "*"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
