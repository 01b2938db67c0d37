from django.apps import AppConfig


class RouletteConfig(AppConfig):
    name = "roulette"
    verbose_name = "Coffee roulette"
