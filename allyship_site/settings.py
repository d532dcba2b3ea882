"""Settings for Allyship Classroom: one module, configured by environment variables.

Every setting reads an environment variable with a default that works for development.
README.md and .env.example list them all. Production turns DEBUG off, which makes
SECRET_KEY mandatory and switches on secure cookies, HSTS and the HTTPS redirect.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    """Read a boolean strictly: a typo such as DEBUG=flase must not silently mean True."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envlist(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string in production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "curriculum",
    "pledges",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Moves a teacher's session expiry on with every request, except the live count's polls.
    "allyship_site.middleware.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETags: a browser that has the page gets "304 Not Modified" instead of it again.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes counts failed teacher logins first, then Django checks the password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "allyship_site.urls"

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
                "pledges.context_processors.school_country",
            ],
        },
    },
]

WSGI_APPLICATION = "allyship_site.wsgi.application"

# Database: SQLite under var/ unless DATABASE_URL says otherwise. On SQLite, WAL lets
# readers and a writer work at once, synchronous=FULL makes a confirmed signature survive
# a power cut, and IMMEDIATE transactions take the write lock up front so a few concurrent
# signers wait their turn instead of failing with "database is locked".
DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "allyship.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
    # A file (not memory) so live-server threads share it; one per process so two test
    # runs on one machine don't delete each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Curriculum pages a visitor without a session sees are the same for everyone: they are
# kept this many seconds (cache_page, in the "pages" cache below), so a curriculum edit
# reaches visitors within that time; teachers and staff always get a fresh page. 0 turns
# it off (the default while developing, so an edit shows at once).
CURRICULUM_CACHE_SECONDS = envint("CURRICULUM_CACHE_SECONDS", 0 if DEBUG else 60)

# Cache: the database cache by default, so several app processes share one; Redis when
# REDIS_URL is set, through django-redis, which answers "nothing cached" and drops writes
# while Redis is down (IGNORE_EXCEPTIONS) and logs it, so a stopped Redis is no 500. No
# limit lives in the cache: pledges.limits and django-axes count in the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "allyship_cache",
        }
    }

# Visitors' curriculum pages (CURRICULUM_CACHE_SECONDS) are kept in each process's memory,
# a few MB at most: a 40 KB page from Redis costs a round trip and unpickling every time,
# and they expire by time alone, so sharing them would gain nothing.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "curriculum-pages",
    "OPTIONS": {"MAX_ENTRIES": 300},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English (UK)")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pledges:dashboard"
LOGOUT_REDIRECT_URL = "curriculum:home"

# Teacher logins: django-axes locks an account-and-address pair after repeated failures,
# reading the client address the way every other limit does (pledges.limits, NUM_PROXIES).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pledges.limits.login_locked_out"  # the one "too many tries" page
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "pledges.limits.client_address"

# Email: the console in development; SMTP from the environment in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Allyship Classroom <noreply@localhost>")
# The address links in emails point to (sign-up and password-reset links). Never taken
# from a request's Host header, which a sender can forge. Default: the first of
# ALLOWED_HOSTS over HTTPS, or the development server.
# Without it (no ALLOWED_HOSTS either) `manage.py check` reports an error (pledges.checks).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
if not SITE_URL:
    if DEBUG:
        SITE_URL = "http://127.0.0.1:8000"
    elif ALLOWED_HOSTS and not ALLOWED_HOSTS[0].startswith("."):
        SITE_URL = f"https://{ALLOWED_HOSTS[0]}"

# Pledges
# A class signs at perhaps 35 a minute; a leaked code flooded by bots goes far faster.
PLEDGE_SIGNATURES_PER_MINUTE = envint("PLEDGE_SIGNATURES_PER_MINUTE", 120)
# Wrong join codes allowed per address and across all addresses in each window.
WRONG_CODE_WINDOW_SECONDS = envint("WRONG_CODE_WINDOW_SECONDS", 600)
WRONG_CODES_PER_ADDRESS = envint("WRONG_CODES_PER_ADDRESS", 20)
WRONG_CODES_GLOBAL = envint("WRONG_CODES_GLOBAL", 500)
# BEHIND_PROXY: a proxy we run terminates TLS and sets X-Forwarded-Proto (trusted below)
# and X-Forwarded-For. NUM_PROXIES: how many proxies we run in front of the app, one by
# default behind a proxy. The client address, for every limit and for django-axes, is
# taken that many entries from the right of X-Forwarded-For (pledges.limits, django-ipware).
# 0 means REMOTE_ADDR, ignoring the header, so a forged X-Forwarded-For cannot reset a
# limit; but behind a proxy it would make every client one address, the proxy's.
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
NUM_PROXIES = envint("NUM_PROXIES", 1 if BEHIND_PROXY else 0)
# The curriculum's family note can name a teacher's class: curriculum asks this hook for
# the signed-in teacher's classes, so it imports nothing of the pledges app.
CURRICULUM_CLASSROOMS = "pledges.access.family_note_classrooms"
# Signatures of pledges closed longer than this are anonymised (anonymise_signatures).
RETENTION_DAYS_AFTER_CLOSE = envint("RETENTION_DAYS_AFTER_CLOSE", 90)

# Security. Everything below tightens further when DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
if BEHIND_PROXY:
    # Only trust X-Forwarded-Proto when a proxy we run sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed over plain HTTP by load balancers inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy (django-csp 4): our own origin only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines carry paths but never client addresses or POST bodies.
        "django.server": {"level": "INFO"},
    },
}

# Curriculum
CURRICULUM_DIR = BASE_DIR / "curriculum" / "content"
# Other apps' records in the content folder, read, checked, loaded and exported with the
# curriculum (load_curriculum, export_curriculum): curriculum names no app of them.
CURRICULUM_CONTENT_KINDS = ["pledges.template_files.PLEDGE_TEMPLATES"]
LESSONS_PER_PAGE = 12
# A teacher's pledge page lists this many signatures a page, newest first.
SIGNATURES_PER_PAGE = 50

# --- Security and privacy (issue 8) ---
# Headers Django and django-csp don't send (allyship_site.middleware): no page may use the
# camera, microphone or location, and no other site may load our responses as resources.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# The middleware is outermost so every response gets them, even whitenoise's and the
# 503 page; DatabaseUnavailableMiddleware turns a lost database into a friendly 503.
MIDDLEWARE.insert(0, "allyship_site.middleware.SecurityHeadersMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.clickjacking.XFrameOptionsMiddleware") + 1,
    "allyship_site.middleware.DatabaseUnavailableMiddleware",
)
# Seconds a browser waits before retrying after a 503 (database restarting).
RETRY_AFTER_SECONDS = envint("RETRY_AFTER_SECONDS", 5)

# Teachers' sessions end after this many idle minutes: the expiry moves on as they use
# the site, so an active teacher is never cut off mid-lesson (Django's database sessions,
# saved on every request by SessionIdleMiddleware; pages that refresh themselves don't
# count, so an unattended projector still logs out).
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", 60)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60

# Sign-up and password-reset attempts, per address and per email typed, and wrong school
# invite codes per teacher, in each window (pledges/limits.py counts them in the database).
ACCOUNT_LIMIT_WINDOW_SECONDS = envint("ACCOUNT_LIMIT_WINDOW_SECONDS", 3600)
WRONG_INVITE_CODES_PER_TEACHER = envint("WRONG_INVITE_CODES_PER_TEACHER", 10)
SIGNUPS_PER_ADDRESS = envint("SIGNUPS_PER_ADDRESS", 20)
SIGNUPS_PER_EMAIL = envint("SIGNUPS_PER_EMAIL", 5)
PASSWORD_RESETS_PER_ADDRESS = envint("PASSWORD_RESETS_PER_ADDRESS", 20)
PASSWORD_RESETS_PER_EMAIL = envint("PASSWORD_RESETS_PER_EMAIL", 3)

# Error reports: mail to ADMINS (comma-separated addresses) when DEBUG is off. The filter
# hides students' names (sensitive_post_parameters), client addresses, user agents and
# cookies from the report.
ADMINS = [(address, address) for address in envlist("ADMINS")]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL") or DEFAULT_FROM_EMAIL
DEFAULT_EXCEPTION_REPORTER_FILTER = "allyship_site.errors.PrivateExceptionReporterFilter"
LOGGING["filters"] = {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}}
LOGGING["handlers"]["mail_admins"] = {
    "level": "ERROR",
    "filters": ["require_debug_false"],
    "class": "django.utils.log.AdminEmailHandler",
}
LOGGING["loggers"]["django"] = {"handlers": ["mail_admins"], "level": "INFO"}
# Backups written by `make backup` (pledges/backup.py).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or BASE_DIR / "var" / "backups")
