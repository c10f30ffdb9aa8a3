from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.organisations"
    label = "organisations"
    verbose_name = "社会组织"
