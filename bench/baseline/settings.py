"""The bare Django baselines for the benchmark, in one project.

- `/`: a page of fixed bytes (the app's lesson page, saved in the same run), no database,
  no templates: the cheapest page a stock Django project can serve.
- `/sign/`: the cheapest form that writes: CSRF checked, a one-field Django form
  validated, one row inserted in `transaction.atomic()`, a 303 redirect, as the app's
  signing answers. On PostgreSQL (BASELINE_DATABASE_URL, a database of its own) with the
  app's connection settings.

It runs the middleware `django-admin startproject` gives a new project, and is served by
the same gunicorn command as the app, in the same run.
"""

import os

import dj_database_url

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "baseline-only-not-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "signbase",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# As the app's settings: persistent connections, checked before each request's first query.
DATABASES = {}
if os.environ.get("BASELINE_DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse(
        os.environ["BASELINE_DATABASE_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
# As the app's production settings on the bench's plain HTTP.
CSRF_COOKIE_SECURE = False
USE_TZ = True
LOGGING_CONFIG = None
