"""Issue 15 §7: the care assessment's result in the unambiguous self-care codes (registry 0004)."""

from django.db import migrations, models

FORWARD = {"full": "capable", "partial": "partly_incapable", "none": "fully_incapable"}
BACKWARD = {new: old for old, new in FORWARD.items()}


def _convert(apps, mapping):
    rows = apps.get_model("applications", "CareAssessment").objects
    for old, new in mapping.items():
        rows.filter(self_care=old).update(self_care=new)


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
