"""Issue 15 §7: unambiguous self-care codes. The former ``full`` meant 具备生活自理能力 and ``none`` meant
完全丧失 — easy to enter the wrong way round. Stored rows, current and historical, are converted."""

from django.db import migrations, models

FORWARD = {"full": "capable", "partial": "partly_incapable", "none": "fully_incapable"}
BACKWARD = {new: old for old, new in FORWARD.items()}
CHOICES = [
    ("capable", "具备生活自理能力"),
    ("partly_incapable", "部分丧失生活自理能力"),
    ("fully_incapable", "完全丧失生活自理能力"),
]


def _convert(apps, mapping):
    for model in ("Person", "HistoricalPerson"):
        rows = apps.get_model("registry", model).objects
        for old, new in mapping.items():
            rows.filter(self_care=old).update(self_care=new)


def forward(apps, schema_editor):
    _convert(apps, FORWARD)


def backward(apps, schema_editor):
    _convert(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_person_id_tail4"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalperson",
            name="self_care",
            field=models.CharField(
                choices=CHOICES, default="capable", max_length=16, verbose_name="生活自理能力"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="self_care",
            field=models.CharField(
                choices=CHOICES, default="capable", max_length=16, verbose_name="生活自理能力"
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
