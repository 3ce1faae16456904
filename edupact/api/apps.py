from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "edupact.api"
    label = "api"
