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
    "keyclients.web.reports",
    "keyclients.web.api",
    "ninja",  # django-ninja: serves the API docs' Swagger UI from its own static files
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
