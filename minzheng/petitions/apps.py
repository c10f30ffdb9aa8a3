from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.petitions"
    verbose_name = "信访投诉"
