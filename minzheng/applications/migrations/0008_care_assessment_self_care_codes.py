"""Issue 15 §7: the care assessment's result, and a 特困 application's level (its care tier), in the
unambiguous self-care codes (registry 0004)."""

from django.db import migrations, models

FORWARD = {"full": "capable", "partial": "partly_incapable", "none": "fully_incapable"}
BACKWARD = {new: old for old, new in FORWARD.items()}


EXTREME_POVERTY = "extreme_poverty_support"  # the 特困 workflow (catalogue code, frozen here)


def _convert(apps, mapping):
    assessments = apps.get_model("applications", "CareAssessment").objects
    applications = apps.get_model("applications", "Application").objects.filter(workflow=EXTREME_POVERTY)
    for old, new in mapping.items():
        assessments.filter(self_care=old).update(self_care=new)
        applications.filter(level=old).update(level=new)


def forward(apps, schema_editor):
    _convert(apps, FORWARD)


def backward(apps, schema_editor):
    _convert(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_provisional_dates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="careassessment",
            name="self_care",
            field=models.CharField(max_length=16, verbose_name="评定结果"),
        ),
        migrations.RunPython(forward, backward),
    ]
