from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "gongzhi.visits"
    label = "visits"
    verbose_name = "走访与帮扶"
