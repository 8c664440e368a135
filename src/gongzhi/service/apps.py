from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "gongzhi.service"
    label = "service"
    verbose_name = "在职党员与志愿服务"
