"""Settings shared by every environment.

Environment variables are read here and in the sibling modules only (DESIGN.md).
With nothing set, the site runs on one machine: SQLite under var/, no Redis,
Celery on a file-system queue under var/celery/.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated environment variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # project apps first so their templates override Wagtail's and Django's
    "learning",
    "accounts",
    "courses",
    "quizzes",
    "certificates",
    "training",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.WagtailUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
]

MIDDLEWARE = [
    # /healthz and /readyz, for load balancers: before host checks and HTTPS redirects
    "learning.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    # before anything reads the session cookie or the query string
    "learning.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "learning.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Wagtail's site of the request, from the cache (learning/sites.py)
    "learning.sites.SiteFromCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # last, as django-axes asks, so it sees the outcome of every login
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "learning.urls"
WSGI_APPLICATION = "learning.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hocvuso.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's database search backend uses PostgreSQL's full-text search there.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One Redis may serve as both cache and queue (REDIS_URL); CACHE_URL and
# CELERY_BROKER_URL split them, each defaulting to REDIS_URL.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)
# A Redis that hangs must not hang every request: give up after a quarter of a second
# and leave the cache alone for a few seconds (learning/cache.py).
REDIS_CACHE_OPTIONS = {
    "socket_connect_timeout": float(os.environ.get("CACHE_TIMEOUT", "0.25")),
    "socket_timeout": float(os.environ.get("CACHE_TIMEOUT", "0.25")),
    "PAUSE_AFTER_ERROR": float(os.environ.get("CACHE_PAUSE_AFTER_ERROR", "5")),
}
if CACHE_URL:
    CACHES = {
        "default": {
            # Django's RedisCache whose failures are misses (learning/cache.py): a Redis
            # that is down or hung never turns a page or a learner's progress into an error.
            "BACKEND": "learning.cache.TolerantRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    # Shared by every process on the machine, so the login rate limit holds
    # across gunicorn workers without Redis.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Sessions live in the database (they survive a web host going away and a Redis
# outage), read through the cache for a few minutes (learning/sessions.py: that bounds
# how long a log-out made while Redis was unreachable could be undone by its return).
SESSION_ENGINE = "learning.sessions"

# --- Accounts and log-in ------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login rate limit (django-axes): 5 wrong passwords lock THAT phone number for 15
# minutes. Not the address: many people share one on mobile networks (CGNAT); the
# address gets its own, much higher limit (accounts/ratelimit.py).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_CALLABLE = "accounts.phone.username_for_lockout"
# django-axes warns when the address is not a lockout parameter: on purpose, as the
# address has its own, higher limit in accounts/ratelimit.py.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]


def client_ip_settings(proxy_count: int) -> dict:
    """django-axes' client-address settings (through django-ipware) for `proxy_count`
    reverse proxies in front of the web processes.

    0: the address is REMOTE_ADDR and X-Forwarded-For is ignored (anyone can forge it).
    N: the address is the N-th entry of X-Forwarded-For counted from the right, the one
    the outermost trusted proxy wrote; entries further left are the client's own claims.
    (ipware counts only the proxies listed in the header, which is one fewer.)
    """
    header = ("HTTP_X_FORWARDED_FOR",) if proxy_count > 0 else ("REMOTE_ADDR",)
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": header,
        "AXES_IPWARE_PROXY_COUNT": max(proxy_count - 1, 0),
    }


PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_IPWARE_META_PRECEDENCE_ORDER = client_ip_settings(PROXY_COUNT)[
    "AXES_IPWARE_META_PRECEDENCE_ORDER"
]
AXES_IPWARE_PROXY_COUNT = client_ip_settings(PROXY_COUNT)["AXES_IPWARE_PROXY_COUNT"]
AXES_IPWARE_PROXY_ORDER = "left-most"
# A forged, longer X-Forwarded-For must not make ipware give up and fall back to
# whatever it finds: with a proxy count it takes the entry at that position.
IPWARE_STRICT = False

# --- E-mail (reminders, digests) ----------------------------------------------
# Django 6.1 mailers (the EMAIL_* settings are deprecated). With no EMAIL_HOST,
# messages are written to the console log instead of sent; tests swap in locmem.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ["EMAIL_HOST"],
            "port": int(os.environ.get("EMAIL_PORT", "587")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": os.environ.get("EMAIL_USE_TLS", "1") == "1",
            "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
        },
    }
    if os.environ.get("EMAIL_HOST")
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Học vụ số <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Bump when the consent text in templates/accounts/consent_text.html changes.
CONSENT_TEXT_VERSION = "2026-11-v1"

# --- Language, dates ----------------------------------------------------------
LANGUAGE_CODE = "vi"
# Each language named in itself (not translated): a reader looks for their own language's name.
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# The project's catalogue first; then Vietnamese for Wagtail's admin where Wagtail's own
# vi catalogue is missing or wrong. LOCALE_PATHS win over the apps' catalogues.
# (Not named "locale", so makemessages keeps writing every project string to locale/.)
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "learning" / "admin_locale"]
FORMAT_MODULE_PATH = ["learning.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Certificates' PDFs and cadres' exports: personal data, outside MEDIA_ROOT, served
# only through a checked view (the "private" storage below).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))


def s3_storages() -> dict:
    """Public media and private files in S3-compatible object storage, from the environment.

    Turned on by AWS_STORAGE_BUCKET_NAME. Public media (Wagtail images, documents,
    renditions) get plain URLs; private files (certificates, exports) are never
    public: they are read by the checked views and streamed, and their keys sit
    under "private/" when they share the public bucket.
    """
    from botocore.config import Config

    public_bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
    private_bucket = os.environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME", "") or public_bucket
    common = {
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID", ""),
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
        "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        "signature_version": "s3v4",
        # Every key we write is new (see certificates/storage.py), never overwritten.
        "file_overwrite": False,
        # Storage that does not answer fails fast; the render task retries, the sweep finishes.
        "client_config": Config(
            connect_timeout=int(os.environ.get("AWS_S3_TIMEOUT", "5")),
            read_timeout=int(os.environ.get("AWS_S3_TIMEOUT", "5")) * 2,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    }
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": public_bucket,
                "location": "media" if private_bucket == public_bucket else "",
                "querystring_auth": False,
                "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": private_bucket,
                "location": "private" if private_bucket == public_bucket else "",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
            },
        },
    }


if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES = s3_storages()
else:
    # Embedded default: folders on this machine (MEDIA_ROOT, PRIVATE_MEDIA_ROOT).
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        # Follows settings.PRIVATE_MEDIA_ROOT when used (tests change it).
        "private": {"BACKEND": "certificates.storage.PrivateFileSystemStorage"},
    }
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Content-Security-Policy (Django's built-in CSP) -------------------------------
# Public pages: our own files only, no inline script or style, images also as data: URIs,
# framed only by ourselves (Wagtail's preview). Lesson videos play in frames from
# CSP_FRAME_SOURCES (YouTube by default); images kept on another host (object storage)
# are listed in CSP_IMAGE_SOURCES.
CSP_FRAME_SOURCES = env_list(
    "CSP_FRAME_SOURCES", "https://www.youtube.com,https://www.youtube-nocookie.com"
)
CSP_IMAGE_SOURCES = env_list("CSP_IMAGE_SOURCES")


def public_media_origin() -> list[str]:
    """Where editors' images are served from when they live in object storage."""
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        return []
    if domain := os.environ.get("AWS_S3_CUSTOM_DOMAIN"):
        return [f"https://{domain}"]
    if endpoint := os.environ.get("AWS_S3_ENDPOINT_URL"):
        return [endpoint.rstrip("/")]
    return ["https://*.amazonaws.com"]


CSP_IMAGE_SOURCES += public_media_origin()
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *CSP_IMAGE_SOURCES],
    "frame-src": [CSP.SELF, *CSP_FRAME_SOURCES],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
}
# The Wagtail admin (under /quan-tri/ only) still writes inline <script> elements (date
# pickers, inline panels) and lets its widgets set inline styles, so there, and only there,
# inline scripts and styles are allowed; learning/urls.py applies this policy.
SECURE_CSP_ADMIN = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *CSP_IMAGE_SOURCES],
}

# --- Wagtail ------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Học vụ số"
# The public address, printed in every certificate's QR code and e-mailed link. Required in
# production (`check --deploy` fails without a public https address); locally it defaults.
SITE_URL = os.environ.get("SITE_URL", "")
WAGTAILADMIN_BASE_URL = SITE_URL or "http://127.0.0.1:8000"
# Nothing in the admin calls other sites: no avatars from Gravatar (it would send a hash
# of each editor's e-mail address abroad), no version check against wagtail.org.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The admin log-in reads phone numbers the way the site's log-in does ("0913 000 003").
WAGTAILADMIN_USER_LOGIN_FORM = "accounts.forms.AdminLoginForm"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods", "txt", "csv"]

# --- Celery -------------------------------------------------------------------
# The embedded queue and beat's schedule file; with a Redis broker beat keeps its
# schedule in Redis (celery-redbeat) and nothing is written here.
CELERY_QUEUE_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL) or "filesystem://"
# The time budget of one after-commit dispatch from a request (learning/celery.py):
# each socket operation may take this long, with no retries; then the row is left
# for the sweep and dispatching pauses for CELERY_DISPATCH_PAUSE seconds.
CELERY_DISPATCH_TIMEOUT = float(os.environ.get("CELERY_DISPATCH_TIMEOUT", "0.15"))
# Each readiness check (/readyz, manage.py readiness) gets at most this long.
READINESS_TIMEOUT = float(os.environ.get("READINESS_TIMEOUT", "1.0"))
CELERY_DISPATCH_PAUSE = float(os.environ.get("CELERY_DISPATCH_PAUSE", "10"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded default: a queue in files, shared by the web process and the
    # worker that `make run` starts beside it. No server needed.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
    for folder in ("queue", "control"):
        (CELERY_QUEUE_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BEAT_SCHEDULER = "learning.beat.LockedPersistentScheduler"
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # An unacknowledged task (its worker killed) is delivered again after this long.
        "visibility_timeout": 600,
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
    }
    # Beat keeps its schedule in Redis and holds a lock there, so several beat
    # processes (one per host, say) still send each periodic task once.
    CELERY_BEAT_SCHEDULER = "learning.beat.HealingRedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
    CELERY_REDBEAT_KEY_PREFIX = "hvs-beat:"
    # A standby beat takes over within this long after the active one dies.
    CELERY_REDBEAT_LOCK_TIMEOUT = 150
# Beat wakes at least this often (and so extends its lock).
CELERY_BEAT_MAX_INTERVAL = 30
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Each pool process keeps up to 4 tasks waiting in the worker, so it starts the next
# certificate as soon as one is done instead of idling for a round trip to the broker
# (pool busy 0.84 -> 0.9+). Safe with acks_late: an unacknowledged message is delivered
# again if the worker dies, and every task is idempotent.
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = False
# The render task's first retry after a transient error, doubled each time (5 retries).
CERTIFICATE_RETRY_DELAY = float(os.environ.get("CERTIFICATE_RETRY_DELAY", "2"))
# The certificate sweep: how often it runs, how old a pending certificate must be
# to be presumed lost, and the first delay before a transient failure is retried.
CERTIFICATE_SWEEP_SECONDS = float(os.environ.get("CERTIFICATE_SWEEP_SECONDS", "60"))
CERTIFICATE_STALE_PENDING_SECONDS = int(os.environ.get("CERTIFICATE_STALE_PENDING_SECONDS", "180"))
CERTIFICATE_FIRST_RETRY_SECONDS = int(os.environ.get("CERTIFICATE_FIRST_RETRY_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-certificates": {
        "task": "certificates.tasks.requeue_stale_certificates",
        "schedule": CERTIFICATE_SWEEP_SECONDS,
    },
    # Crontab times are in CELERY_TIMEZONE (Asia/Ho_Chi_Minh).
    "training-reminders": {
        "task": "training.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Province pages then find every ward's counts cached (they last 15 minutes).
    "training-refresh-ward-counts": {
        "task": "training.tasks.refresh_ward_counts",
        "schedule": 10 * 60.0,
    },
    # Files whose row never committed (a crash, a rollback): deleted once over an hour old.
    "certificates-cleanup-files": {
        "task": "certificates.tasks.cleanup_certificate_files",
        "schedule": 60 * 60.0,
    },
    "training-cleanup-export-files": {
        "task": "training.tasks.cleanup_export_files",
        "schedule": 60 * 60.0,
    },
    "training-weekly-digests": {
        "task": "training.tasks.send_weekly_digests",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_QUEUE_DIR / "beat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        name: {"level": "WARNING"}
        for name in (
            "axes",
            "wagtail",
            "django_tasks",
            "django.tasks",
            "modelsearch",
            "weasyprint",
            "fontTools",
        )
    },
}
