"""Django settings, read from environment variables through the typed helpers in `env`.

KEYCLIENTS_DATA_DIR  folder for the database, the secret key and static files (default ./data)
DATABASE_URL         postgres://... or sqlite:///...; default: SQLite (WAL) in the data folder
SECRET_KEY           default: generated once into <data dir>/secret_key (mode 0600)
DEBUG                1/0, default 0
ALLOWED_HOSTS        comma-separated, default 127.0.0.1,localhost,[::1]
CSRF_TRUSTED_ORIGINS comma-separated origins, for a reverse proxy in front (default none)
TIME_ZONE            default Europe/Moscow
TASKS_BACKEND        database (default: `keyclients serve` runs a worker) or immediate (inline;
                     the tests use it)
KEYCLIENTS_HTTPS     1: served over HTTPS behind a proxy that sets X-Forwarded-Proto — secure
                     cookies, HSTS, redirect to https (default 0, so `make demo` works over http)
KEYCLIENTS_UPLOAD_MAX_MB  the largest upload, in MB (default 256)
SESSION_DAYS         days a login lasts (default 14); SESSION_BROWSER_CLOSE=1 ends it with the
                     browser
EMAIL_HOST           SMTP server for the monthly reports (default none: no e-mail is sent);
EMAIL_PORT           587 by default; EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS (1),
                     EMAIL_USE_SSL (0), DEFAULT_FROM_EMAIL (keyclients@localhost)
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from keyclients.web import env

WEB_DIR = Path(__file__).resolve().parent
DATA_DIR = env.data_dir()

SECRET_KEY = env.secret_key(DATA_DIR)
DEBUG = env.envbool("DEBUG", False)
ALLOWED_HOSTS = env.envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "keyclients.web.accounts",
    "keyclients.web.ledger",
    "keyclients.web.insights",
    "keyclients.web.forecast",
    "keyclients.web.clients",
    "keyclients.web.security",
    "keyclients.web.reports",
    "keyclients.web.api",
    "ninja",  # django-ninja: serves the API docs' Swagger UI from its own static files
]

MIDDLEWARE = [
    # First: a too-large body is refused before anything reads it (docs/reliability.md).
    "keyclients.web.security.middleware.UploadLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "keyclients.web.security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "keyclients.web.security.storage.StorageErrorMiddleware",
]

ROOT_URLCONF = "keyclients.web.urls"
WSGI_APPLICATION = "keyclients.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "keyclients.web.accounts.context_processors.company",
            ],
            # `money` and friends are available in every template without {% load %}.
            "builtins": ["keyclients.web.formatting"],
        },
    }
]

DATABASE_URL = env.envstr("DATABASE_URL", "")
DATABASES = {
    "default": env.database_from_url(DATABASE_URL, base_dir=DATA_DIR)
    if DATABASE_URL
    else env.sqlite_database(DATA_DIR / env.SQLITE_FILE)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (imports): Django's tasks framework through the django-tasks backport.
# "immediate" stays available by name for callers that want a task run inline (demo setup).
TASKS = env.tasks_backends(env.envchoice("TASKS_BACKEND", "database", env.TASK_BACKENDS))
# Uploaded files wait here for the import under generated names (the user's name is only text).
UPLOADS_DIR = DATA_DIR / "uploads"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [WEB_DIR / "locale"]
TIME_ZONE = env.envstr("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed but not hashed: pages render before `collectstatic` has ever run.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders too, so a fresh checkout works at once.
WHITENOISE_USE_FINDERS = True

# E-mail (the monthly reports): SMTP when EMAIL_HOST is set; the tests use Django's locmem.
EMAIL_HOST = env.envstr("EMAIL_HOST", "")
EMAIL_PORT = env.envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = env.envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.envbool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env.envbool("EMAIL_USE_SSL", False)
if EMAIL_USE_SSL:
    EMAIL_USE_TLS = False  # Django refuses both at once; SSL asked for explicitly wins
DEFAULT_FROM_EMAIL = env.envstr("DEFAULT_FROM_EMAIL", "keyclients@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Security (docs/reliability.md): `manage.py check --deploy` is clean with DEBUG off and
# KEYCLIENTS_HTTPS=1. waitress speaks plain HTTP, so HTTPS means a proxy in front that
# terminates TLS and sets X-Forwarded-Proto (and strips it from clients).
SECURE_REFERRER_POLICY = "same-origin"
HTTPS = env.envbool("KEYCLIENTS_HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_AGE = env.envint("SESSION_DAYS", 14) * 24 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.envbool("SESSION_BROWSER_CLOSE", False)
# Login throttling: 5 failures per username + IP lock the pair out for 15 minutes.
AUTHENTICATION_BACKENDS = ["keyclients.web.security.auth.ThrottledModelBackend"]
UPLOAD_MAX_BYTES = env.envint("KEYCLIENTS_UPLOAD_MAX_MB", 256) * 1024 * 1024
# One cache for the web server and the task worker (a file cache in the data folder): the
# worker warms the dashboards after an import (keyclients.web.warmup), the login throttle's
# counters hold across processes. KEYCLIENTS_CACHE=memory keeps it per process (the tests).
# With files, a memory cache of each process sits in front of it (keyclients.web.cache_once).
if env.envchoice("KEYCLIENTS_CACHE", "files", {"files", "memory"}) == "files":
    CACHES = {
        "default": {
            "BACKEND": "keyclients.web.file_cache.FileCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WARM_CACHE_AFTER_IMPORT = env.envbool("KEYCLIENTS_WARM_CACHE", True)
