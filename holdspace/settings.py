"""Holdspace settings, read from environment variables (see docs/configuration.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from holdspace.lib.env import envbool, envint, envlist, envstr, generated_secret

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(envstr("HOLDSPACE_VAR_DIR") or BASE_DIR.parent / "var").resolve()

DEBUG = envbool("DEBUG", False)
# Demo mode: the SQLite demo that `make run` starts. Staff may sign in without MFA and
# every page carries a banner saying this is a demo.
DEMO_MODE = envbool("HOLDSPACE_DEMO", False)

SECRET_KEY = generated_secret("SECRET_KEY", VAR_DIR / "secret_key")
# Keys the audit chain's HMAC; kept apart from SECRET_KEY so rotating one leaves the other.
AUDIT_KEY = generated_secret("HOLDSPACE_AUDIT_KEY", VAR_DIR / "audit_key")
# Keys the stable pseudonyms in de-identified exports (same person, same pseudonym).
PSEUDONYM_KEY = generated_secret("HOLDSPACE_PSEUDONYM_KEY", VAR_DIR / "pseudonym_key")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# By default the address `holdspace serve` listens on (HOST and PORT), so the links in e-mails
# sent by the worker beside it open the same server.
_LISTEN_HOST = envstr("HOST", "127.0.0.1")
if _LISTEN_HOST in {"0.0.0.0", "::", ""}:  # noqa: S104 (every address: link to this machine)
    _LISTEN_HOST = "127.0.0.1"
elif ":" in _LISTEN_HOST and not _LISTEN_HOST.startswith("["):
    _LISTEN_HOST = f"[{_LISTEN_HOST}]"
_DEFAULT_SITE_URL = f"http://{_LISTEN_HOST}:{envint('PORT', 8000, minimum=1)}"
SITE_URL = envstr("SITE_URL", _DEFAULT_SITE_URL).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "holdspace.audit",
    "holdspace.accounts",
    "holdspace.couples",
    "holdspace.bookings",
    "holdspace.screening",
    "holdspace.preparation",
    "holdspace.sessions",
    "holdspace.inventory",
    "holdspace.facilitators",
    "holdspace.integration",
    "holdspace.readings",
    "holdspace.reminders",
    "django_q",
    "holdspace.measures",
    "holdspace.reports",
    "holdspace.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "holdspace.lib.error_title.ErrorTitleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "holdspace.accounts.middleware.ViewerMiddleware",
    "holdspace.accounts.middleware.SessionLifetimeMiddleware",
    "holdspace.accounts.middleware.OrganisationTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "holdspace.accounts.middleware.DeactivatedSignOutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "holdspace.accounts.middleware.RequireStaffMFAMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "holdspace.urls"
WSGI_APPLICATION = "holdspace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "holdspace.accounts.context_processors.holdspace",
            ],
            # {{ value|when }} and {{ value|day }} in every template (holdspace/lib/when.py).
            "builtins": ["holdspace.lib.when"],
        },
    }
]

# Database: SQLite under var/ unless DATABASE_URL names another.
_default_sqlite = VAR_DIR / "holdspace.sqlite3"
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{_default_sqlite}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, which serialises audit-chain appends.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be sqlite:///path or postgresql://…")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Sessions end after SESSION_IDLE_MINUTES without a request, and after SESSION_MAX_HOURS
# whatever happens (OWASP ASVS 7.3: 30 minutes idle, 12 hours absolute at level 2).
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_MAX_HOURS = envint("SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# The session's expiry is pushed forward by SessionLifetimeMiddleware at most once a minute,
# rather than by rewriting the session row on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

SECURE_COOKIES = envbool("SECURE_COOKIES", not (DEMO_MODE or DEBUG))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto / X-Forwarded-For.
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Failed sign-ins: AXES_FAILURE_LIMIT failures for one account from one address lock that
# pair for AXES_COOLOFF_MINUTES; a cool-off rather than a permanent lock, so nobody can
# lock a colleague out for good by guessing (ASVS 6.1.1).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "holdspace.accounts.throttle.attempted_account"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The same client address the audit trail records (the last X-Forwarded-For hop behind a proxy).
AXES_CLIENT_IP_CALLABLE = "holdspace.policy.core.client_ip"

# Failed API tokens: API_TOKEN_FAILURE_LIMIT failures from one address within
# API_TOKEN_FAILURE_WINDOW_SECONDS, and that address's token requests answer 429 until the
# oldest failure is older than the window (holdspace/api.py FailedTokens).
API_TOKEN_FAILURE_LIMIT = envint("API_TOKEN_FAILURE_LIMIT", 20, minimum=1)
API_TOKEN_FAILURE_WINDOW_SECONDS = envint("API_TOKEN_FAILURE_WINDOW_SECONDS", 60, minimum=1)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The failed-token counts, in the database so that every server process shares them; its
    # table is made by `holdspace migrate` (holdspace/accounts/apps.py).
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "holdspace_throttle",
    },
}

# django-allauth: sign-in by e-mail; no public sign-up (people join by invitation).
ACCOUNT_ADAPTER = "holdspace.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
# django-axes throttles failed sign-ins (in the database, so across server workers);
# allauth's own per-process counter would only muddle it.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
MFA_ADAPTER = "holdspace.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {"activate_totp": "holdspace.accounts.forms.SteadyActivateTOTPForm"}
MFA_TOTP_ISSUER = "Holdspace"
MFA_ALLOW_UNVERIFIED_EMAIL = True

# Item wording an organisation supplies for instruments whose licence keeps it out of the
# software: <dir>/<organisation slug>/<instrument code>.toml, mapping item id to text.
INSTRUMENT_TEXT_DIR = Path(envstr("INSTRUMENT_TEXT_DIR") or VAR_DIR / "instrument-text")

# Invitations and one-tap links.
INVITATION_VALID_HOURS = envint("INVITATION_VALID_HOURS", 72, minimum=1)

EMAIL_HOST = envstr("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Holdspace <noreply@holdspace.invalid>")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# The server's zone, used only where no organisation is known; each organisation has its own.
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded clinical files (credential evidence): under var/, never served as static files;
# only views that check the policy stream them.
MEDIA_ROOT = Path(envstr("HOLDSPACE_FILES_DIR") or VAR_DIR / "files")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": "/files-not-served/"},
    },
    "staticfiles": {"BACKEND": "holdspace.lib.staticfiles.GzipManifestStaticFilesStorage"},
}

# The background worker (`holdspace worker`): django-q2 with the database as its queue, so it
# runs on SQLite and PostgreSQL alike with no other service. Scheduled jobs are registered by
# holdspace/worker.py when the worker starts.
Q_CLUSTER = {
    "name": "holdspace",
    "orm": "default",
    "workers": envint("WORKER_PROCESSES", 1, minimum=1),
    "timeout": 300,
    "retry": 600,  # a task not acknowledged within 10 minutes is tried again
    "max_attempts": 5,
    "ack_failures": True,
    "catch_up": False,  # a worker that was down runs a missed nightly job once, not per night
    "poll": 1,
    "save_limit": 1000,
    "label": "Background tasks",
}

# Benchmarks only: adds /bench/bare, a view with no middleware work, as a baseline.
BENCH_VIEWS = envbool("HOLDSPACE_BENCH_VIEWS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
