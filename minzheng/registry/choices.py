"""Coded values of the registry. Stored values are English codes; labels are Chinese (glossary)."""

from django.db import models

from minzheng.catalogue.programmes import Programme

# GB/T 3304-1991 《中国各民族名称的罗马字母拼写法和代码》: two-digit codes.
ETHNICITIES: list[tuple[str, str]] = [
    ("01", "汉族"),
    ("02", "蒙古族"),
    ("03", "回族"),
    ("04", "藏族"),
    ("05", "维吾尔族"),
    ("06", "苗族"),
    ("07", "彝族"),
    ("08", "壮族"),
    ("09", "布依族"),
    ("10", "朝鲜族"),
    ("11", "满族"),
    ("12", "侗族"),
    ("13", "瑶族"),
    ("14", "白族"),
    ("15", "土家族"),
    ("16", "哈尼族"),
    ("17", "哈萨克族"),
    ("18", "傣族"),
    ("19", "黎族"),
    ("20", "傈僳族"),
    ("21", "佤族"),
    ("22", "畲族"),
    ("23", "高山族"),
    ("24", "拉祜族"),
    ("25", "水族"),
    ("26", "东乡族"),
    ("27", "纳西族"),
    ("28", "景颇族"),
    ("29", "柯尔克孜族"),
    ("30", "土族"),
    ("31", "达斡尔族"),
    ("32", "仫佬族"),
    ("33", "羌族"),
    ("34", "布朗族"),
    ("35", "撒拉族"),
    ("36", "毛南族"),
    ("37", "仡佬族"),
    ("38", "锡伯族"),
    ("39", "阿昌族"),
    ("40", "普米族"),
    ("41", "塔吉克族"),
    ("42", "怒族"),
    ("43", "乌孜别克族"),
    ("44", "俄罗斯族"),
    ("45", "鄂温克族"),
    ("46", "德昂族"),
    ("47", "保安族"),
    ("48", "裕固族"),
    ("49", "京族"),
    ("50", "塔塔尔族"),
    ("51", "独龙族"),
    ("52", "鄂伦春族"),
    ("53", "赫哲族"),
    ("54", "门巴族"),
    ("55", "珞巴族"),
    ("56", "基诺族"),
    ("97", "其他"),
    ("98", "外国血统中国籍人士"),
]


class Sex(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class RelationToHead(models.TextChoices):
    """Relation to the household head (after GB/T 4761 家庭关系代码, grouped)."""

    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "子"
    DAUGHTER = "daughter", "女"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDCHILD = "grandchild", "孙子女/外孙子女"
    PARENT = "parent", "父母"
    PARENT_IN_LAW = "parent_in_law", "公婆/岳父母"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER_RELATIVE = "other_relative", "其他亲属"
    OTHER = "other", "非亲属"


class DisabilityCategory(models.TextChoices):
    """GB/T 26341-2010 《残疾人残疾分类和分级》."""

    NONE = "", "无"
    VISUAL = "visual", "视力残疾"
    HEARING = "hearing", "听力残疾"
    SPEECH = "speech", "言语残疾"
    PHYSICAL = "physical", "肢体残疾"
    INTELLECTUAL = "intellectual", "智力残疾"
    MENTAL = "mental", "精神残疾"
    MULTIPLE = "multiple", "多重残疾"


class DisabilityGrade(models.IntegerChoices):
    """Grade 1 is the most severe; 1–2 are 重度 (severe)."""

    GRADE_1 = 1, "一级"
    GRADE_2 = 2, "二级"
    GRADE_3 = 3, "三级"
    GRADE_4 = 4, "四级"


class SelfCare(models.TextChoices):
    """生活自理能力 (《特困人员认定办法》 arts. 20–23). The codes say what the person *can't* do, so that
    no code reads the wrong way round (the former ``full`` meant 具备 and ``none`` 完全丧失: issue 15 §7)."""

    CAPABLE = "capable", "具备生活自理能力"
    PARTLY_INCAPABLE = "partly_incapable", "部分丧失生活自理能力"
    FULLY_INCAPABLE = "fully_incapable", "完全丧失生活自理能力"


# The former codes (until 2026-12): refused on import with a message naming the new ones; the data
# migrations map stored rows with this table.
SELF_CARE_LEGACY_CODES = {
    "full": SelfCare.CAPABLE,
    "partial": SelfCare.PARTLY_INCAPABLE,
    "none": SelfCare.FULLY_INCAPABLE,
}
# Chinese names accepted by imports: the full labels and the short forms of the 2017 regional table.
SELF_CARE_NAMES = {
    **{choice.label: choice for choice in SelfCare},
    "具备": SelfCare.CAPABLE,
    "完全具备生活自理能力": SelfCare.CAPABLE,
    "全自理": SelfCare.CAPABLE,
    "部分丧失": SelfCare.PARTLY_INCAPABLE,
    "半失能": SelfCare.PARTLY_INCAPABLE,
    "完全丧失": SelfCare.FULLY_INCAPABLE,
    "全失能": SelfCare.FULLY_INCAPABLE,
}
SELF_CARE_HINT = (
    "capable（具备生活自理能力）、partly_incapable（部分丧失生活自理能力）"
    "或 fully_incapable（完全丧失生活自理能力）"
)


def self_care_code(value: str) -> str:
    """The stored code for an imported self-care value: a code, or a Chinese name (具备生活自理能力 /
    部分丧失 / 完全丧失…); ``""`` stays ``""``. Raises ``ValueError`` with a Chinese message for the former
    ambiguous English codes (``full``/``partial``/``none``) and anything else."""
    text = value.strip()
    if text == "" or text in SelfCare.values:
        return text
    if text in SELF_CARE_NAMES:
        return SELF_CARE_NAMES[text].value
    if text.lower() in SELF_CARE_LEGACY_CODES:
        raise ValueError(
            f"“{text}”是已停用的生活自理能力旧代码（含义易颠倒），不再接受；请填写 {SELF_CARE_HINT}，"
            "或直接填写中文名称"
        )
    raise ValueError(f"“{text}”不是有效的生活自理能力；请填写 {SELF_CARE_HINT}")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", "就业（受雇）"
    SELF_EMPLOYED = "self_employed", "灵活就业/个体经营"
    FARMING = "farming", "务农/牧"
    UNEMPLOYED = "unemployed", "失业（有劳动能力）"
    UNABLE_TO_WORK = "unable_to_work", "无劳动能力"
    RETIRED = "retired", "退休"
    STUDENT = "student", "在校学生"
    PRESCHOOL = "preschool", "学龄前"


class SchoolEnrolment(models.TextChoices):
    NONE = "", "未在校"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR_SECONDARY = "junior_secondary", "初中"
    SENIOR_SECONDARY = "senior_secondary", "普通高中"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中等职业教育"
    HIGHER_VOCATIONAL = "higher_vocational", "高职专科"
    UNDERGRADUATE = "undergraduate", "本科"
    POSTGRADUATE = "postgraduate", "研究生"


class IncomeCategory(models.TextChoices):
    """Income categories of 《最低生活保障审核确认办法》 art. 13 (policy-rules.md §1.5).

    Whether a category is counted, excluded or deducted is a policy parameter (issue 3), not
    decided here; the grouping in the labels follows art. 13.
    """

    WAGE = "wage", "工资性收入"
    BUSINESS = "business", "经营净收入（含种植、养殖、采集、加工）"
    PROPERTY = "property", "财产净收入（利息、股息、租金、集体分红）"
    SUPPORT_PAYMENT = "support_payment", "赡养费、抚养费、扶养费"
    PENSION = "pension", "养老金/离退休金"
    BASIC_PENSION = "basic_pension", "城乡居民基本养老保险基础养老金"
    UNEMPLOYMENT_INSURANCE = "unemployment_insurance", "失业保险金"
    SURVIVOR_BENEFIT = "survivor_benefit", "遗属补助/抚恤"
    COMPENSATION = "compensation", "赔偿收入"
    GIFT = "gift", "馈赠收入"
    OTHER_TRANSFER = "other_transfer", "其他转移性收入"
    VETERANS_PREFERENTIAL = "veterans_preferential", "优待抚恤金"
    FAMILY_PLANNING_REWARD = "family_planning_reward", "计划生育奖励与扶助金"
    SCHOLARSHIP = "scholarship", "奖学金"
    BRAVERY_AWARD = "bravery_award", "见义勇为等奖励性补助"
    SOCIAL_ASSISTANCE = "social_assistance", "政府发放的社会救助款物"
    SENIOR_ALLOWANCE = Programme.SENIOR_ALLOWANCE, "高龄津贴"
    DE_FACTO_ORPHAN_SUBSIDY = "de_facto_orphan_subsidy", "事实无人抚养儿童基本生活补贴"
    OTHER = "other", "其他收入"
    # Deductions (negative items): art. 13 last paragraph; transfer expenditure.
    EMPLOYMENT_COST = "employment_cost", "必要的就业成本（扣减）"
    RIGID_MEDICAL_DISABILITY_COST = "rigid_medical_disability_cost", "因残因病刚性支出（扣减）"
    TRANSFER_EXPENDITURE = "transfer_expenditure", "转移性支出：税费、社保缴费、支付赡养费（扣减）"


class IncomeSource(models.TextChoices):
    DECLARED = "declared", "申请人申报"
    INVESTIGATED = "investigated", "入户调查"
    VERIFIED = "verified", "信息核对"
    DEPARTMENT = "department", "部门数据"


class AssetCategory(models.TextChoices):
    """Asset categories of 《最低生活保障审核确认办法》 art. 14 (policy-rules.md §1.6)."""

    DEPOSIT = "deposit", "银行存款"
    SECURITIES = "securities", "有价证券"
    FUND = "fund", "基金"
    COMMERCIAL_INSURANCE = "commercial_insurance", "商业保险（现金价值）"
    CLAIM = "claim", "债权"
    INTERNET_FINANCE = "internet_finance", "互联网金融资产"
    VEHICLE = "vehicle", "机动车辆"
    SHIP = "ship", "船舶"
    FARM_MACHINERY = "farm_machinery", "大型农机具"
    HOUSING = "housing", "房屋"
    NON_RESIDENTIAL_PROPERTY = "non_residential_property", "非住宅类不动产"
    FOREST_FIXTURE = "forest_fixture", "林木等定着物"
    BUSINESS_ENTITY = "business_entity", "市场主体（工商登记）"
    OTHER = "other", "其他财产"


class NearRelation(models.TextChoices):
    """近亲属 of 《民法典》 art. 1045 (policy-rules.md §1.13)."""

    SPOUSE = "spouse", "配偶"
    PARENT = "parent", "父母"
    CHILD = "child", "子女"
    SIBLING = "sibling", "兄弟姐妹"
    GRANDPARENT = "grandparent", "祖父母、外祖父母"
    GRANDCHILD = "grandchild", "孙子女、外孙子女"


class StaffPosition(models.TextChoices):
    """Whose relatives must be registered (审核确认办法 art. 11)."""

    ASSISTANCE_STAFF = "assistance_staff", "低保经办人员"
    COMMITTEE_MEMBER = "committee_member", "村（居）民委员会成员"
