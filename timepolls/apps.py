from django.apps import AppConfig


class TimepollsConfig(AppConfig):
    name = "timepolls"
    verbose_name = "Find a time"
