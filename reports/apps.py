from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Compile: local reports, summaries and the national compilation (issue #5)."""

    name = "reports"
    verbose_name = _("Reports")
