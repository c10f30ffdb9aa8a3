"""The business events in words (issue 14 §6: no raw codes on screen or in exports). Services record an event
with a stable code (``verb``, ``object_type``); the audit pages and their export show these labels.

A verb is ``<area>.<action>``. The label is the area's name and the action's: an exact entry first, then
the action looked up among the shared actions (the application transitions, the payroll and alert
transitions, the reserve-fund entries). An unknown code reads “其他操作”, so a new verb never prints a code.
Pure: no ORM.
"""

from __future__ import annotations

from typing import Final

AREAS: Final = {
    "api_token": "接口令牌",
    "application": "救助申请",
    "audit": "审计日志",
    "benefits": "救助测算",
    "demo": "演示数据",
    "division": "行政区划",
    "document": "申请材料",
    "eldercare": "智慧养老",
    "enrolment": "在保对象",
    "household": "家庭",
    "login": "登录",
    "monitoring": "动态监测",
    "otp": "动态验证码",
    "password": "密码",
    "payroll": "资金发放",
    "person": "人员",
    "policy": "政策参数",
    "portal": "救助通",
    "reserve": "临时救助备用金",
    "staff_relative": "近亲属备案",
    "user": "工作人员",
}
# Exact verbs whose action is not one of the shared ones below.
VERBS: Final = {
    "api_token.created": "签发",
    "api_token.revoked": "吊销",
    "application.case_file_exported": "导出案卷",
    "application.created": "登记申请",
    "application.created_online": "网上申请",
    "application.handover": "转入认定程序",
    "audit.exported": "导出",
    "benefits.whatif_run": "标准调整测算",
    "demo.enrolled": "演示在保对象",
    "demo.seeded": "生成演示数据",
    "demo.users_ensured": "演示账号",
    "division.import": "导入区划",
    "division.urban_rural_set": "设定城乡类型",
    "document.infected": "发现病毒",
    "document.removed": "删除",
    "document.uploaded": "上传",
    "document.uploaded_online": "网上上传",
    # eldercare: older people and capacity assessment
    "eldercare.older_person_updated": "修改老年人上报信息",
    "eldercare.contact_added": "新增老年人联系人",
    "eldercare.contact_updated": "修改老年人联系人",
    "eldercare.contact_removed": "删除老年人联系人",
    "eldercare.assessment_recorded": "录入老年人能力评估",
    "eldercare.assessment_completed": "完成老年人能力评估",
    "eldercare.assessment_cancelled": "作废老年人能力评估",
    "eldercare.self_care_from_assessment": "按能力评估更新生活自理能力",
    "eldercare.institution_registered": "登记养老机构",
    "eldercare.institution_updated": "修改养老机构",
    "eldercare.resident_admitted": "养老机构登记入住",
    "eldercare.resident_discharged": "养老机构办理离院",
    "eldercare.inspection_plan_created": "制定双随机检查计划",
    "eldercare.inspection_drawn": "双随机抽取",
    "eldercare.inspection_redrawn": "双随机重新抽取",
    "eldercare.inspection_draw_superseded": "双随机抽取作废",
    "eldercare.inspection_draw_verified": "双随机抽取复核",
    "eldercare.inspection_recorded": "录入养老机构检查结果",
    "eldercare.inspection_rectified": "养老机构整改完成",
    "eldercare.inspection_cancelled": "养老机构检查任务作废",
    "enrolment.candidates_confirmed": "确认主动发现对象",
    "enrolment.candidates_dismissed": "排除主动发现对象",
    "enrolment.created": "纳入在保",
    "enrolment.disability_discovery": "残疾人两项补贴主动发现",
    "enrolment.gradual_exit": "渐退",
    "enrolment.legacy_imported": "导入历史数据",
    "enrolment.orphan_discovery": "孤儿主动发现",
    "enrolment.reviewed": "复核",
    "enrolment.senior_allowance_run": "高龄津贴按户籍纳入",
    "enrolment.terminated": "终止救助供养",
    "enrolment.termination_proposed": "提出终止",
    "enrolment.termination_withdrawn": "撤回终止",
    "enrolment.transferred": "转移",
    "household.asset_added": "登记财产",
    "household.created": "新建",
    "household.created_online": "网上登记",
    "household.declared_online": "网上申报收入财产",
    "household.income_added": "登记收入",
    "household.member_added": "增加成员",
    "household.member_left": "成员迁出",
    "household.updated": "修改",
    "login.failed": "失败",
    "login.locked_out": "锁定",
    "login.succeeded": "成功",
    "monitoring.feed_imported": "导入部门数据",
    "monitoring.feed_rejected": "部门数据被拒收",
    "monitoring.rule_drafted": "起草预警规则",
    "monitoring.rule_published": "发布预警规则",
    "monitoring.run": "运行监测",
    "otp.disabled": "停用",
    "otp.enabled": "启用",
    "password.changed": "修改",
    "payroll.bank_file": "生成银行文件",
    "payroll.generate": "生成发放批次",
    "payroll.paid_otherwise": "以其他方式发放",
    "payroll.result_import": "导入银行回盘",
    "person.updated": "修改",
    "policy.parameter_set": "设定参数",
    "policy.parameters_imported": "导入参数",
    "portal.bind": "绑定身份",
    "portal.claim": "认领家庭",
    "portal.qr_issue": "签发家庭二维码",
    "portal.qr_revoke": "作废家庭二维码",
    "portal.self_report": "定期报告",
    "portal.sign_in": "登录",
    "staff_relative.registered": "登记备案",
    "user.created": "新建",
    "user.deactivated": "停用",
    "user.unlocked": "解锁",
    "user.updated": "修改",
}
# Actions several areas share: the application transitions (applications.rules), the payroll transitions
# (payments.rules), the alert transitions (monitoring.rules: recorded as ``alert_<code>``), the reserve-fund
# entries and the enrolment changes.
ACTIONS: Final = {
    "accept": "受理",
    "alert_assist": "预警：纳入救助帮扶",
    "alert_close": "预警：办结",
    "alert_dismiss": "预警：核实排除",
    "alert_refer": "预警：转办其他部门",
    "alert_verify": "预警：开始核实",
    "allocation": "拨付",
    "appraise": "民主评议",
    "approve": "批准",
    "close_notice": "公示期满报送",
    "complete_paperwork": "补办审批手续",
    "draw": "支出",
    "hold_appraisal": "组织民主评议",
    "materials_received": "材料已补齐",
    "pay_aid_first": "先行救助",
    "publish_notice": "提出初审意见并公示",
    "record_federation": "残联审核完成",
    "record_verification": "信息核对完成",
    "refer_case_by_case": "提请一事一议",
    "reinvestigate": "重新调查",
    "reject": "不予批准",
    "request_materials": "一次性告知补齐材料",
    "request_verification": "提请信息核对",
    "settlement": "结算",
    "start_investigation": "启动调查",
    "submit": "提交审核",
    "submit_after_appraisal": "评议后报送审核确认",
    "submit_federation": "报县级残联审核",
    "submit_review": "报送审核确认",
    "suspend": "暂停发放",
    "resume": "恢复发放",
    "change_amount": "调整金额",
    "terminate": "终止",
    "township_review": "乡镇（街道）审核",
    "village_review": "村（居）委会初审",
    "withdraw": "撤回",
}
OBJECT_TYPES: Final = {
    "allowance_candidate": "主动发现对象",
    "api_token": "接口令牌",
    "application": "申请",
    "application_draft": "网上申请草稿",
    "division": "区划",
    "document": "材料",
    "eldercare_draw": "双随机抽取记录",
    "eldercare_inspection": "养老机构检查",
    "eldercare_inspection_plan": "双随机检查计划",
    "eldercare_institution": "养老机构",
    "enrolment": "在保对象",
    "event": "审计日志",
    "household": "家庭",
    "legacy_import": "历史数据导入",
    "payroll": "发放批次",
    "person": "人员",
    "programme": "救助项目",
    "registry": "户籍",
    "reserve_fund": "备用金",
    "user": "工作人员",
}
OTHER: Final = "其他操作"


def verb_label(verb: str) -> str:
    """``application.approve`` → ``救助申请：批准``; an unknown area or action never shows its code."""
    area, _, action = verb.partition(".")
    action_label = VERBS.get(verb) or ACTIONS.get(action) or OTHER
    area_label = AREAS.get(area)
    return f"{area_label}：{action_label}" if area_label else action_label


def object_label(object_type: str, object_id: object) -> str:
    """``application``, 12 → ``申请 12``; an unknown type reads “对象”."""
    return f"{OBJECT_TYPES.get(object_type, '对象')} {object_id}".strip()
