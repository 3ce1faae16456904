from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "edupact.web"
    label = "web"
