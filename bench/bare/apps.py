from django.apps import AppConfig


class BareConfig(AppConfig):
    """Installed only by upr_portal.settings.bench."""

    name = "bench.bare"
    label = "bench_bare"
    verbose_name = "Benchmark yardstick"
    default_auto_field = "django.db.models.BigAutoField"
