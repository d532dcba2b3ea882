from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurriculumConfig(AppConfig):
    name = "curriculum"
    verbose_name = _("Curriculum")

    def ready(self):
        # Connects the signals that retire cached public pages when the curriculum changes.
        from curriculum import page_cache  # noqa: F401
