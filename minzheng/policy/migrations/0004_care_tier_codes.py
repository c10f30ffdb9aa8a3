"""Issue 15 §7: the care-standard parameters and person conditions in the unambiguous self-care codes
(registry 0004): ``extreme_poverty.care_monthly.full`` → ``….capable`` and so on, and ``self_care`` lists
inside condition values. A mechanical rename: no figure changes."""

from django.db import migrations

FORWARD = {"full": "capable", "partial": "partly_incapable", "none": "fully_incapable"}
BACKWARD = {new: old for old, new in FORWARD.items()}
PREFIX = "extreme_poverty.care_monthly."


def _codes(value, mapping):
    """The value with every ``"self_care": [...]`` list (person conditions) converted."""
    if isinstance(value, dict):
        converted = {}
        for key, inner in value.items():
            if key == "self_care" and isinstance(inner, list):
                converted[key] = [mapping.get(item, item) for item in inner]
            else:
                converted[key] = _codes(inner, mapping)
        return converted
    if isinstance(value, list):
        return [_codes(item, mapping) for item in value]
    return value


def _convert(apps, mapping):
    Parameter = apps.get_model("policy", "Parameter")
    for old, new in mapping.items():
        Parameter.objects.filter(key=PREFIX + old).update(key=PREFIX + new)
    for parameter in Parameter.objects.iterator():  # a few hundred rows
        converted = _codes(parameter.value, mapping)
        if converted != parameter.value:
            Parameter.objects.filter(pk=parameter.pk).update(value=converted)


def forward(apps, schema_editor):
    _convert(apps, FORWARD)


def backward(apps, schema_editor):
    _convert(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0003_parameter_no_overlap"),
    ]

    operations = [migrations.RunPython(forward, backward)]
