"""System checks (`manage.py check`) for settings the pledges app relies on."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def site_url_is_set(app_configs, **kwargs):
    """Emails link to SITE_URL (sign-up, password reset, concerns), never to the request's
    Host header, which a sender controls."""
    if settings.SITE_URL.startswith(("https://", "http://")):
        return []
    return [
        Error(
            "SITE_URL is not set: the address emails link to.",
            hint="Set SITE_URL (e.g. https://allyship.example.org) or ALLOWED_HOSTS.",
            id="pledges.E001",
        )
    ]
