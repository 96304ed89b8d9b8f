from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    """Clamor: UN recommendations, evidence links, action plans and scorecards (issue #6)."""

    name = "accountability"
    verbose_name = _("Accountability")
