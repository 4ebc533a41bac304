"""Every closed set of DOMAIN.md as an enum: the value is the English identifier stored in the
database, `.label` the Chinese term users see. `from_label` reads the Chinese back (imports, CLI).
"""

from __future__ import annotations

from enum import Enum

from app.errors import BangzhenError

__all__ = ["AMOUNT_COLUMNS", "LabeledEnum", "TownKind", "TownCategory", "HelperType", "TeamRole", "FundLevel", "FundSource", "PurposeCategory", "TaskNature", "ConstructionNature", "SupportMethod", "AssetType", "ProjectStatus", "PlanStatus", "ClaimStatus", "AmendmentStatus", "PublicityKind", "IndicatorLevel1", "IndicatorLevel2", "Comparator", "UserRole", "SpendingCategory"]


class LabeledEnum(str, Enum):
    label: str

    def __new__(cls, value: str, label: str) -> LabeledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.label

    @classmethod
    def label_of(cls, value: object) -> str:
        """The label of a stored value, or the value itself when it is none of ours (an edited row)."""
        try:
            return cls(value).label
        except ValueError:
            return str(value)

    @classmethod
    def from_label(cls, text: str) -> LabeledEnum:
        """Accept the Chinese label or the English identifier."""
        text = text.strip()
        for member in cls:
            if text in (member.label, member.value):
                return member
        choices = "、".join(m.label for m in cls)
        raise BangzhenError(f"“{text}”不是有效的{cls.__doc__ or cls.__name__}，可选：{choices}。",
                            f"{text!r} is not a {cls.__name__}")


class TownKind(LabeledEnum):
    """乡镇类型"""
    town = ("town", "镇")
    township = ("township", "乡")
    ethnic_township = ("ethnic_township", "民族乡")
    subdistrict = ("subdistrict", "街道")
    office = ("office", "办事处")
    farm = ("farm", "农场")
    forest_farm = ("forest_farm", "林场")
    other = ("other", "其他")

    @property
    def is_administrative(self) -> bool:
        return self in (TownKind.town, TownKind.township, TownKind.ethnic_township, TownKind.subdistrict)


class TownCategory(LabeledEnum):
    """镇类别"""
    key_support = ("key_support", "重点帮扶镇")
    consolidation = ("consolidation", "巩固提升镇")
    pilot_demo = ("pilot_demo", "先行示范镇")


class HelperType(LabeledEnum):
    """帮扶类型"""
    prd_city = ("prd_city", "珠三角帮扶")
    provincial_units = ("provincial_units", "省直中直驻粤单位帮扶")
    local_city = ("local_city", "属地市自行帮扶")
    local_county = ("local_county", "属地县（市、区）自行组团帮扶")


class TeamRole(LabeledEnum):
    """工作队职务"""
    leader = ("leader", "队长")
    first_secretary = ("first_secretary", "驻村第一书记")
    tech_commissioner = ("tech_commissioner", "农村科技特派员")
    sanzhi_yifu = ("sanzhi_yifu", "三支一扶")
    graduate_volunteer = ("graduate_volunteer", "高校毕业生志愿者")
    selected_graduate = ("selected_graduate", "选调生")
    finance_assistant = ("finance_assistant", "金融助理")
    member = ("member", "队员")


class FundLevel(LabeledEnum):
    """资金级次"""
    central = ("central", "中央")
    provincial = ("provincial", "省级")
    city = ("city", "市级")
    county = ("county", "县级")


class FundSource(LabeledEnum):
    """资金来源"""
    provincial = ("provincial", "省级财政")
    prd_city = ("prd_city", "珠三角帮扶市")
    local_city = ("local_city", "被帮扶市")
    county = ("county", "县级财政")
    other = ("other", "其他资金")


# The project table's amount columns by source, in the order the returns print them.
AMOUNT_COLUMNS: dict[FundSource, str] = {
    FundSource.provincial: "amount_provincial",
    FundSource.prd_city: "amount_prd_city",
    FundSource.local_city: "amount_local_city",
    FundSource.county: "amount_county",
    FundSource.other: "amount_other",
}


class PurposeCategory(LabeledEnum):
    """用途类别"""
    planning = ("planning", "加强规划引领")
    poverty_link = ("poverty_link", "巩固拓展脱贫攻坚成果同乡村振兴有效衔接")
    industry = ("industry", "提升乡村产业发展水平")
    infrastructure = ("infrastructure", "提升镇村公共基础设施水平")
    public_service = ("public_service", "提升镇域公共服务能力")
    party_building = ("party_building", "提升抓党建促乡村振兴水平")

    @classmethod
    def normalise(cls, text: str) -> PurposeCategory:
        """Map the source documents' spelling variants onto one category."""
        compact = "".join(text.split())
        for member in cls:
            if compact == member.label:
                return member
        for key, member in _PURPOSE_KEYWORDS:
            if key in compact:
                return member
        return cls.from_label(text)  # raises with the list of choices


_PURPOSE_KEYWORDS = (
    ("规划", PurposeCategory.planning),
    ("脱贫攻坚", PurposeCategory.poverty_link),
    ("产业", PurposeCategory.industry),
    ("基础设施", PurposeCategory.infrastructure),
    ("公共服务", PurposeCategory.public_service),
    ("党建", PurposeCategory.party_building),
)


class TaskNature(LabeledEnum):
    """任务性质"""
    binding = ("binding", "约束性任务")
    guiding = ("guiding", "指导性任务")


class ConstructionNature(LabeledEnum):
    """建设性质"""
    new = ("new", "新建")
    expansion = ("expansion", "改扩建")
    continued = ("continued", "续建")
    maintenance = ("maintenance", "维修养护")
    non_construction = ("non_construction", "非工程类")


class SupportMethod(LabeledEnum):
    """支持方式"""
    direct_subsidy = ("direct_subsidy", "直接补助")
    service_purchase = ("service_purchase", "政府购买服务")
    interest_subsidy = ("interest_subsidy", "贴息")
    build_then_subsidise = ("build_then_subsidise", "先建后补")
    award_for_subsidy = ("award_for_subsidy", "以奖代补")
    private_public_aid = ("private_public_aid", "民办公助")
    asset_equity = ("asset_equity", "资产折股量化")
    ppp = ("ppp", "政府与社会资本合作")


class AssetType(LabeledEnum):
    """资产类型"""
    operating = ("operating", "经营性")
    public_welfare = ("public_welfare", "公益性")
    household = ("household", "到户类")
    none = ("none", "不形成资产")  # training, subsidies, planning, 管护 services

    @property
    def forms_asset(self) -> bool:
        return self is not AssetType.none


class ProjectStatus(LabeledEnum):
    """项目状态"""
    draft = ("draft", "草稿")
    signed_once = ("signed_once", "已签一")
    double_signed = ("double_signed", "已双签")
    approved = ("approved", "已审定入库")
    planned = ("planned", "已纳入计划")  # in the county's signed 资金安排: money decided, payable
    returned = ("returned", "已退回")
    in_progress = ("in_progress", "实施中")
    completed = ("completed", "已完工")
    accepted = ("accepted", "已验收")
    cancelled = ("cancelled", "已终止")

    @property
    def may_spend(self) -> bool:
        """Money is paid only on projects the county's 资金安排 has reached (and those further along);
        a project that was under way before this rule may hold older payments."""
        return self in (ProjectStatus.planned, ProjectStatus.in_progress, ProjectStatus.completed,
                        ProjectStatus.accepted)

    @property
    def in_library(self) -> bool:
        """Approved into the 项目库 (and not cancelled): what the county may arrange money for."""
        return self in (ProjectStatus.approved, ProjectStatus.planned, ProjectStatus.in_progress,
                        ProjectStatus.completed, ProjectStatus.accepted)


class PlanStatus(LabeledEnum):
    """资金安排状态"""
    draft = ("draft", "草拟中")
    in_force = ("in_force", "已签发")
    superseded = ("superseded", "已被调整替代")


class ClaimStatus(LabeledEnum):
    """报账状态"""
    filed = ("filed", "待支付")
    paid = ("paid", "已支付")
    rejected = ("rejected", "已驳回")
    withdrawn = ("withdrawn", "已撤回")


class AmendmentStatus(LabeledEnum):
    """项目调整状态"""
    draft = ("draft", "调整草稿")
    signed_once = ("signed_once", "调整已签一")
    double_signed = ("double_signed", "调整已双签")
    approved = ("approved", "调整已审定生效")
    returned = ("returned", "调整已退回")
    withdrawn = ("withdrawn", "调整已撤回")


class PublicityKind(LabeledEnum):
    """公示类型"""
    village = ("village", "村级公示")
    town = ("town", "乡镇公示")
    library_notice = ("library_notice", "入库公告")
    post_notice = ("post_notice", "事后公告")


class IndicatorLevel1(LabeledEnum):
    """一级指标"""
    output = ("output", "产出指标")
    benefit = ("benefit", "效益指标")
    satisfaction = ("satisfaction", "满意度指标")


class IndicatorLevel2(LabeledEnum):
    """二级指标"""
    quantity = ("quantity", "数量指标")
    quality = ("quality", "质量指标")
    timeliness = ("timeliness", "时效指标")
    cost = ("cost", "成本指标")
    economic = ("economic", "经济效益指标")
    social = ("social", "社会效益指标")
    ecological = ("ecological", "生态效益指标")
    sustainable = ("sustainable", "可持续影响指标")
    beneficiary_satisfaction = ("beneficiary_satisfaction", "服务对象满意度指标")


class Comparator(LabeledEnum):
    """指标比较方式"""
    ge = (">=", "≥")
    le = ("<=", "≤")
    eq = ("=", "＝")
    qualitative = ("qualitative", "定性")


class UserRole(LabeledEnum):
    """用户角色"""
    town_officer = ("town_officer", "乡镇经办人")
    town_leader = ("town_leader", "乡镇主要负责人")
    team_leader = ("team_leader", "驻镇帮扶工作队队长")
    county_reviewer = ("county_reviewer", "县级审核")
    county_finance = ("county_finance", "县级财政")
    city_finance = ("city_finance", "市级财政")
    province_finance = ("province_finance", "省级财政")
    admin = ("admin", "系统管理员")


class SpendingCategory(LabeledEnum):
    """支出类别"""
    # Permitted uses (seed 000, 资金主要用途)
    construction = ("construction", "工程建设")
    equipment = ("equipment", "设施设备购置")
    industry_support = ("industry_support", "产业发展扶持")
    subsidy = ("subsidy", "补助奖补")
    interest_subsidy = ("interest_subsidy", "贷款贴息")
    services = ("services", "购买服务")
    training = ("training", "技能培训")
    planning = ("planning", "规划编制")
    maintenance = ("maintenance", "运维管护")
    # The 负面清单 (seed 000): never payable from the fund
    basic_expenses = ("basic_expenses", "行政事业单位基本支出")
    bonuses = ("bonuses", "奖金津贴和福利补助")
    enterprise_losses = ("enterprise_losses", "弥补企业亏损")
    office_buildings = ("office_buildings", "修建楼堂馆所")
    budget_gaps_debts = ("budget_gaps_debts", "弥补预算支出缺口和偿还债务")
    large_capital_works = ("large_capital_works", "大型基本建设项目")
    vehicles_telecoms = ("vehicles_telecoms", "购买交通工具及通讯设备")
    sham_finance = ("sham_finance", "虚假投资（入股）、虚假分红、发放借款及平衡预算")
    prohibited = ("prohibited", "不符合国家产业政策或法律法规禁止的项目")
    otherwise_funded = ("otherwise_funded", "已有专项资金保障的项目（万里碧道、大型水利设施、高标准农田等）")

    @property
    def negative(self) -> bool:
        """On the 负面清单: the fund may never pay for it."""
        return self in _NEGATIVE_LIST

    @property
    def rule_text(self) -> str:
        return _NEGATIVE_LIST.get(self, "")


_NEGATIVE_LIST = {
    SpendingCategory.basic_expenses: "帮扶资金不得用于行政事业单位基本支出。",
    SpendingCategory.bonuses: "帮扶资金不得用于各种奖金津贴和福利补助。",
    SpendingCategory.enterprise_losses: "帮扶资金不得用于弥补企业亏损。",
    SpendingCategory.office_buildings: "帮扶资金不得用于违规修建楼堂馆所。",
    SpendingCategory.budget_gaps_debts: "帮扶资金不得用于弥补预算支出缺口和偿还债务。",
    SpendingCategory.large_capital_works: "帮扶资金不得用于大型基本建设项目。",
    SpendingCategory.vehicles_telecoms: "帮扶资金不得用于购买交通工具及通讯设备。",
    SpendingCategory.sham_finance: "帮扶资金不得用于虚假投资（入股）、虚假分红、发放借款及平衡预算等。",
    SpendingCategory.prohibited: "帮扶资金不得用于不符合国家产业政策的产业项目和国家法律、法规、规章等禁止的项目。",
    SpendingCategory.otherwise_funded: "帮扶资金不得用于其他非驻镇帮镇扶村的支出，如：万里碧道、大型水利设施、"
                                       "高标准农田等已有专项资金保障的项目。",
}
