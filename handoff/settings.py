"""Handoff settings: one file, read from the environment.

Every variable has an embedded default that runs on a laptop with nothing else installed
(SQLite and a filesystem Celery transport under ``var/``, email written to files). Production
sets ``DEBUG=0`` and the variables documented in README.md; ``SECRET_KEY`` is then required.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HANDOFF_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "insecure-local-development-key-never-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Hosts a person's chat webhook may point at (readiness/chat.py): Slack's and Microsoft Teams'
# by default. Patterns with * are allowed; a loopback host listed here may be plain HTTP.
CHAT_WEBHOOK_HOSTS = env_list(
    "CHAT_WEBHOOK_HOSTS", "hooks.slack.com,*.webhook.office.com,*.logic.azure.com,*.environment.api.powerplatform.com"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's own form templates, found by the project's template engine (FORM_RENDERER below).
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "simple_history",
    # django-ninja: the REST API's Swagger page and its static files (served locally, no CDN).
    "ninja",
    "readiness",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a parameter: NUL or broken UTF-8 in the query string is answered 400.
    "readiness.middleware.RefuseUnreadableInputMiddleware",
    # Outside the session, CSRF and the views: it turns any of their HTML refusals under /api/v1/ into JSON.
    "readiness.middleware.ApiRefusalsInJsonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The viewer's timezone, from their session (set at sign-in and on the timezone page).
    "readiness.middleware.ViewerTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last: it turns a lockout raised during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "handoff.urls"
WSGI_APPLICATION = "handoff.wsgi.application"

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
                "csp.context_processors.nonce",
                "readiness.context_processors.navigation",
            ],
        },
    },
]

# Forms are drawn by the project's template engine (its loaders, its cache), so a field template
# of ours (templates/readiness/forms/field.html) is found like any other.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'handoff.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A bounded connect timeout lets /health/ report a dead database instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5)
if env_str("DATABASE_TEST_NAME"):
    # Lets two test runs share one PostgreSQL server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ------------------------------------------------------------------------------------
# Django's in-memory cache, in each process. Handoff keeps nothing of its own in it: every page
# reads what it shows from the database, so a write shows on the very next request.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "handoff",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 5000)},
    },
}

# --- auth -------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "readiness:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: the 6th attempt after 5 failures for the same username from the same
# address is refused, even with the right password, until the cool-off passes (or an admin
# runs `manage.py axes_reset`). Username+IP avoids letting anyone lock a colleague out from afar
# (the IP being the client's, see TRUSTED_PROXY_COUNT).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# How many reverse proxies (the TLS proxy, a load balancer) stand between clients and the app.
# With 0 the X-Forwarded-For header is ignored (anyone can send it); behind N proxies the client
# is the address the outermost one saw, so lockouts hit the attacker's address, not everyone's.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "handoff.proxies.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- i18n / time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-au"
TIME_ZONE = env_str("TIME_ZONE", "Australia/Melbourne")
USE_I18N = True
USE_TZ = True

# --- static ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- email -------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Handoff <handoff@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    # Each email a file under var/mail/: readable on a laptop, no mail server needed.
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail")))

# --- Celery ------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_DATA_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # An unacknowledged task (its worker was killed) is handed out again after this long.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # How often a worker looks for such tasks: every interval × throttle seconds (kombu's 10 × 10 by
        # default); lower both together with a short visibility timeout.
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
    }
else:
    # No broker on a laptop: kombu's filesystem transport passes messages through files, so
    # `make run` still runs a real worker and beat.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "handoff")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker died is redelivered, not dropped: tasks are idempotent through the database.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must not hang when the broker is down: publishing gives up quickly and the
# database-driven sweep picks the work up later.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "readiness.tasks.heartbeat", "schedule": 60.0},
    # Finds the contacts due a reminder step and fans out one task per person.
    "reminder-sweep": {"task": "readiness.tasks.reminder_sweep", "schedule": crontab(minute="*/15")},
    # Re-judges every application's gates into today's readiness snapshot; the 00:05 run starts the day.
    "readiness-snapshots": {"task": "readiness.tasks.readiness_snapshots_refresh", "schedule": crontab(minute=5)},
    # Forgets the one-time keys of forms sent more than two days ago (readiness.submissions).
    "form-submissions-prune": {"task": "readiness.tasks.form_submissions_prune",
                               "schedule": crontab(hour=3, minute=20)},
    # Deletes expired sessions (what Django's clearsessions command does), so the table does not only grow.
    "sessions-prune": {"task": "readiness.tasks.sessions_prune", "schedule": crontab(hour=3, minute=30)},
    # Tells each delivery lead, once, the gates of their applications that stopped being met.
    "regression-digests": {"task": "readiness.tasks.regression_digests_sweep", "schedule": crontab(hour=7, minute=30)},
    # Tells each delivery lead, once a week, of their applications going live in the next 30 days.
    # Swept daily, claimed weekly: a Monday lost to a mail outage is made up on Tuesday, and a lead
    # whose first application comes within 30 days midweek hears that week.
    "countdown-digests": {"task": "readiness.tasks.countdown_digests_sweep", "schedule": crontab(hour=7, minute=45)},
    # Ends the sign-in of people marked as leaving ahead of the day, once the day has come.
    "leavers-access": {"task": "readiness.tasks.leavers_access_sweep", "schedule": crontab(hour=0, minute=10)},
}
# /health/workers/ reports the worker and beat as stale when the last heartbeat is older than this.
HEARTBEAT_MAX_AGE_SECONDS = env_int("HEARTBEAT_MAX_AGE_SECONDS", 300)

# --- security headers -----------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, each row keeping whose it is (readiness.models.UserSession), so the
# sign-in of someone who left is ended by one indexed query, not by decoding every session.
SESSION_ENGINE = "readiness.sessions"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# /health/ (load balancer) and /health/workers/ (monitoring) are polled over plain HTTP inside
# the network.
SECURE_REDIRECT_EXEMPT = [r"^health/(workers/)?$"]

# --- readiness rules (freshness windows, in days) ----------------------------------------------
RUNBOOK_REVIEW_DAYS = env_int("RUNBOOK_REVIEW_DAYS", 90)
RUNBOOK_EXERCISE_DAYS = env_int("RUNBOOK_EXERCISE_DAYS", 180)
ALERT_VERIFY_DAYS = env_int("ALERT_VERIFY_DAYS", 30)
# An alert webhook's firing of the same alert (fingerprint) within this many minutes of one
# already recorded is a repeat (Alertmanager re-sends while it fires; flapping): nothing new.
ALERT_WEBHOOK_REPEAT_MINUTES = env_int("ALERT_WEBHOOK_REPEAT_MINUTES", 60)
# Larger notification bodies are refused (413) before they are read.
ALERT_WEBHOOK_MAX_BYTES = env_int("ALERT_WEBHOOK_MAX_BYTES", 1_000_000)
ACCESS_VERIFY_DAYS = env_int("ACCESS_VERIFY_DAYS", 90)
DRILL_WINDOW_DAYS = env_int("DRILL_WINDOW_DAYS", 30)
# A gate waiver lapses at most this many days after it is given, then is reviewed again.
WAIVER_MAX_DAYS = env_int("WAIVER_MAX_DAYS", 90)
# A waiver in force is shown as expiring soon this many days before it lapses.
WAIVER_EXPIRING_DAYS = env_int("WAIVER_EXPIRING_DAYS", 7)
# A stored verdict (readiness snapshot) stands in for judging afresh for this long; beat re-judges hourly.
READINESS_SNAPSHOT_MAX_AGE_MINUTES = env_int("READINESS_SNAPSHOT_MAX_AGE_MINUTES", 90)
# Period after which a contact on no path is asked to confirm their details (reminders).
CONTACT_VERIFICATION_DAYS = env_int("CONTACT_VERIFICATION_DAYS", 90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
