from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    """Collect: consultation events, testimony and surveys (issues #3 and #4)."""

    name = "consultations"
    verbose_name = _("Consultations")
