"""The bare Django baseline for the benchmark: one view, no database, no templates.

It runs the middleware `django-admin startproject` gives a new project, so the ratio in
the results is "our app against the cheapest page a stock Django project can serve". It is
served by the same gunicorn command as the app, in the same run.
"""

import os

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
DATABASES = {}
USE_TZ = True
LOGGING_CONFIG = None
