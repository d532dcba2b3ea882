"""WSGI entry point: `gunicorn allyship_site.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allyship_site.settings")

application = get_wsgi_application()
