from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "hn.notifications"
    label = "notifications"
    verbose_name = "Notifications"
