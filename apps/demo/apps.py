from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and scale data (`manage.py seed_demo`): a development tool with no models, above
    every domain app, writing through their rules."""

    name = "apps.demo"
    verbose_name = _("Demo data")
