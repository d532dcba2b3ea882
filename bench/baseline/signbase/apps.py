from django.apps import AppConfig


class SignbaseConfig(AppConfig):
    name = "signbase"
    default_auto_field = "django.db.models.BigAutoField"
