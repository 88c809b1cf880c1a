from __future__ import annotations

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    DATABASE_URL=(str, f"sqlite:///{BASE_DIR / 'collab.sqlite3'}"),
    REDIS_URL=(str, ""),
    DATABASE_POOL_MAX=(int, 8),
)
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
# The fallback key is only good for the embedded demo; production sets SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="collab-insecure-demo-key-change-me-in-production")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "tenants",
    "tickets",
    "collab",
    "buyer",
    "portal",
    "integrations",
    "attachments",
    "bulk",
    "campaigns",
    "insight",
    "notifications",
    "quality",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.ActingPartyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "notifications.context_processors.bell",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3 with Django's own pool (Django >= 5.1); persistent connections must stay off.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env("DATABASE_POOL_MAX"),
        "timeout": 10,
    }
    # psycopg prepares a statement only when asked (``collab.prepared``: the few statements of
    # an API create); None, Django's default, would refuse even those. Other statements are
    # never prepared (Django's cursors bind on the client), whatever their count.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 2**31 - 1
else:
    # SQLite: wait for the writer instead of failing at once, and let readers run beside it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

# HTTP requests one server process runs at once; more wait on its event loop (collab.asgi).
COLLAB_REQUESTS_PER_PROCESS = env.int(
    "COLLAB_REQUESTS_PER_PROCESS", default=env("DATABASE_POOL_MAX")
)

REDIS_URL = env("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve straight from the app folders in development so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))

LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"

# Collab's own knobs.
COLLAB_REOPEN_WINDOW_HOURS = env.int("COLLAB_REOPEN_WINDOW_HOURS", default=72)
COLLAB_METRICS_TOKEN = env("COLLAB_METRICS_TOKEN", default="")
COLLAB_PUBLIC_BASE_URL = env("COLLAB_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# SLA engine: how long a buyer may confirm a resolution before the system closes it, and how
# often the sweeper looks for due deadlines (the detection delay is at most about this).
COLLAB_CONFIRM_WINDOW_HOURS = env.int("COLLAB_CONFIRM_WINDOW_HOURS", default=72)
COLLAB_SLA_SWEEP_SECONDS = env.float("COLLAB_SLA_SWEEP_SECONDS", default=2.0)
# Due tickets per sweeper transaction (one lock set, one commit, one push).
COLLAB_SLA_SWEEP_BATCH = env.int("COLLAB_SLA_SWEEP_BATCH", default=1000)
# How many Celery workers sweep together when more than one batch is due (tickets/tasks.py):
# the beat's sweep asks this many minus one to join it. One per core the workers have.
COLLAB_SLA_SWEEPERS = env.int("COLLAB_SLA_SWEEPERS", default=2)
# Insight rollups (insight/rollups.py): how often the job folds new events in and pushes live
# top issues, and how old an event must be before it is read (transactions commit out of id order).
COLLAB_INSIGHT_REFRESH_SECONDS = env.float("COLLAB_INSIGHT_REFRESH_SECONDS", default=10.0)
COLLAB_INSIGHT_SETTLE_SECONDS = env.float("COLLAB_INSIGHT_SETTLE_SECONDS", default=10.0)
