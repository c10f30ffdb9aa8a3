"""The programmes (glossary codes). A frozen copy: later edits to rules.PROGRAMMES need a new migration."""

from django.db import migrations

PROGRAMMES = [
    ('dibao', '最低生活保障', '《社会救助暂行办法》第二章；民政部《最低生活保障审核确认办法》（民发〔2021〕57号）'),
    ('extreme_poverty_support', '特困人员救助供养', '《社会救助暂行办法》第三章；《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）；民政部《特困人员认定办法》（2021）'),
    ('temporary_assistance', '临时救助', '《社会救助暂行办法》临时救助章；民政部 财政部《关于进一步加强和改进临时救助工作的意见》（民发〔2018〕23号）'),
    ('margin_household', '最低生活保障边缘家庭', '《最低生活保障审核确认办法》第 8 条；国办发〔2023〕39号 第二部分；《内蒙古自治区低保边缘家庭和刚性支出困难家庭认定办法（试行）》（2024）'),
    ('rigid_expense_household', '刚性支出困难家庭', '民政部《刚性支出困难家庭认定办法》（2024-10-24 印发，2025-01-01 施行）；国办发〔2023〕39号 第二部分'),
    ('senior_allowance', '高龄津贴', '《老年人权益保障法》第 33 条；内蒙古自治区高龄津贴制度（2017-01-01 起普惠）'),
    ('disability_living_subsidy', '困难残疾人生活补贴', '《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）'),
    ('severe_disability_care_subsidy', '重度残疾人护理补贴', '《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）'),
    ('orphan_allowance', '孤儿基本生活保障', '《国务院办公厅关于加强孤儿保障工作的意见》（国办发〔2010〕54号）'),
    ('de_facto_orphan_allowance', '事实无人抚养儿童基本生活补贴', '民政部等12部门《关于进一步加强事实无人抚养儿童保障工作的意见》（2019）'),
]


def create_programmes(apps, schema_editor):
    Programme = apps.get_model("policy", "Programme")
    for order, (code, name, legal_basis) in enumerate(PROGRAMMES, start=1):
        Programme.objects.update_or_create(
            code=code, defaults={"name": name, "legal_basis": legal_basis, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(create_programmes, migrations.RunPython.noop)]
