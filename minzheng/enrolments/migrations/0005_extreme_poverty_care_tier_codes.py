"""Issue 15 §7: a 特困 enrolment's level (its care tier) in the unambiguous self-care codes (registry
0004): full → capable, partial → partly_incapable, none → fully_incapable."""

from django.db import migrations

FORWARD = {"full": "capable", "partial": "partly_incapable", "none": "fully_incapable"}
BACKWARD = {new: old for old, new in FORWARD.items()}
EXTREME_POVERTY = "extreme_poverty_support"  # catalogue code, frozen here


def _convert(apps, mapping):
    rows = apps.get_model("enrolments", "Enrolment").objects.filter(programme=EXTREME_POVERTY)
    for old, new in mapping.items():
        rows.filter(level=old).update(level=new)


def forward(apps, schema_editor):
    _convert(apps, FORWARD)


def backward(apps, schema_editor):
    _convert(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("enrolments", "0004_notice_ends_provisional"),
    ]

    operations = [migrations.RunPython(forward, backward)]
