from django.apps import AppConfig


class UnconferenceConfig(AppConfig):
    name = "unconference"
    verbose_name = "Unconference"
