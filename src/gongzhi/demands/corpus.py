"""What residents of a Chinese urban community actually raise, for the demo street and the
synthetic benchmark district: the category tree with its routing rules and time limits
(RULES.md defaults), the responsible units, and texts of real community problems
(楼道灯, 漏水, 停车, 噪音, 垃圾清运, 电梯, 绿化, 违建, 停水停电 …) with suggestions ("1+1")
and answers. No real person or place is named.
"""

import random
from dataclasses import dataclass

from .choices import UnitKind, Urgency

# Unit keys of the routing rules: district departments and utilities; "property" is the
# property company of the demand's community, "community" the community itself.
DISTRICT_UNITS = {
    "zjj": ("区住建局", UnitKind.DEPARTMENT),
    "cgj": ("区城管局", UnitKind.DEPARTMENT),
    "zzb": ("区委组织部", UnitKind.ORGAN),
    "jw": ("区纪委监委", UnitKind.ORGAN),
    "water": ("自来水公司", UnitKind.PUBLIC_UTILITY),
    "power": ("供电公司", UnitKind.PUBLIC_UTILITY),
    "mz": ("区民政局", UnitKind.DEPARTMENT),
}
PROPERTY, COMMUNITY = "property", "community"
# The default unit of a branch whose leaves go to the demand's own community or property
# company (one per community, so no leaf default): the district department over them. A
# demand dispatched with no unit chosen goes there (Category.default_unit).
BRANCH_UNITS = {"物业管理": "zjj", "社区服务": "mz"}


@dataclass(frozen=True)
class Leaf:
    parent: str
    name: str
    unit: str  # a DISTRICT_UNITS key, PROPERTY or COMMUNITY
    urgency: str
    weight: int  # share of demands
    subjects: tuple[str, ...]
    details: tuple[str, ...]
    suggestions: tuple[str, ...]
    answers: tuple[str, ...]
    community_may_close: bool = True
    max_extension_days: int | None = None


LEAVES = (
    Leaf(
        "市政设施",
        "路灯照明",
        "cgj",
        Urgency.ORDINARY,
        6,
        ("路灯不亮", "路灯一直不亮", "路灯忽明忽暗", "路灯杆倾斜", "路灯白天也亮着浪费电"),
        ("晚上出行很不方便", "老人晚上散步容易摔倒", "已经有一个多星期了", "晚上黑漆漆的不安全"),
        ("建议尽快维修并定期巡查", "建议换成节能的LED路灯"),
        ("已通知路灯管理所更换灯具，现已恢复照明。", "已更换损坏的镇流器，路灯恢复正常。"),
    ),
    Leaf(
        "市政设施",
        "道路与井盖",
        "zjj",
        Urgency.ORDINARY,
        5,
        ("路面坑洼", "人行道地砖松动", "井盖破损", "井盖缺失", "下水道堵塞返水", "路面塌陷"),
        ("下雨天积水严重", "电动车经过容易摔倒", "小孩经过很危险", "汽车经过溅得到处是水"),
        ("建议尽快修补路面", "建议加装井盖防坠网"),
        ("已安排施工队修补路面。", "已更换井盖并加装防坠网。", "已疏通下水管道。"),
    ),
    Leaf(
        "市政设施",
        "公共设施",
        "cgj",
        Urgency.ORDINARY,
        3,
        ("健身器材损坏", "休闲座椅坏了", "公交站棚破损", "宣传栏倒塌", "儿童滑梯开裂"),
        ("锻炼的老人容易受伤", "小孩玩耍有危险", "影响小区形象", "一直没人来修"),
        ("建议定期检查公共设施", "建议增加几张休闲座椅"),
        ("已维修损坏的设施。", "已拆除危险设施并安排更换新器材。"),
    ),
    Leaf(
        "物业管理",
        "楼道卫生与照明",
        PROPERTY,
        Urgency.ORDINARY,
        10,
        ("楼道灯不亮", "楼道声控灯坏了", "楼道堆放杂物", "楼道垃圾没人清理", "楼梯扶手松动"),
        ("晚上上下楼看不见", "老人上下楼不安全", "堵住了消防通道", "气味难闻已经好几天了"),
        ("建议换成感应灯", "建议物业每天打扫一次楼道", "建议开展楼道杂物清理行动"),
        ("物业已更换楼道灯。", "物业已清理楼道杂物并张贴提示。", "已加固楼梯扶手。"),
    ),
    Leaf(
        "物业管理",
        "电梯运行",
        PROPERTY,
        Urgency.UTILITY,
        6,
        ("电梯经常停运", "电梯困人", "电梯运行有异响", "电梯按钮失灵", "电梯年检标志过期"),
        ("高层老人下不了楼", "上周有人被困半小时", "坐电梯心里害怕", "一个月坏了三次"),
        ("建议更换老旧电梯", "建议加强电梯维保", "建议公示维保记录"),
        ("维保单位已检修电梯并更换部件，恢复运行。", "已督促维保单位完成年检。"),
    ),
    Leaf(
        "物业管理",
        "房屋漏水",
        PROPERTY,
        Urgency.ORDINARY,
        6,
        ("楼上漏水到我家", "屋顶漏水", "外墙渗水", "卫生间渗水到楼下", "下雨天阳台漏水"),
        ("天花板都发霉了", "墙皮大片脱落", "家里电器都受潮了", "找物业好几次都没解决"),
        ("建议启用维修基金修缮屋面", "建议物业协调楼上住户维修"),
        ("物业已协调楼上住户维修防水层。", "已使用维修基金完成屋面防水。"),
    ),
    Leaf(
        "物业管理",
        "停车管理",
        PROPERTY,
        Urgency.ORDINARY,
        6,
        ("小区停车难", "车位被长期占用", "消防通道被占停车", "外来车辆乱停", "电动车充电难"),
        ("晚上回来找不到车位", "救护车都开不进来", "电动车在楼道充电很危险", "经常为停车吵架"),
        ("建议规划更多停车位", "建议安装电动车充电桩", "建议外来车辆登记收费"),
        (
            "物业已施划临时车位并加强巡查。",
            "已安装电动车集中充电桩。",
            "已清理占用消防通道的车辆。",
        ),
    ),
    Leaf(
        "物业管理",
        "绿化养护",
        PROPERTY,
        Urgency.ORDINARY,
        4,
        ("绿化带杂草丛生", "树枝挡住窗户", "草坪被踩坏", "树木需要修剪", "绿化带被种菜"),
        ("夏天蚊虫很多", "家里白天都要开灯", "影响小区环境", "树枝碰到电线有隐患"),
        ("建议定期修剪", "建议恢复绿化"),
        ("物业已修剪树枝并清除杂草。", "已清理绿化带内种植的蔬菜并补种草坪。"),
    ),
    Leaf(
        "水电气暖",
        "供水",
        "water",
        Urgency.UTILITY,
        5,
        ("突然停水", "水压太低", "自来水发黄", "水管爆裂", "停水没有提前通知"),
        ("高楼层根本没有水", "做饭洗漱都成问题", "担心水质不安全", "地下室已经淹了"),
        ("建议停水前提前通知", "建议改造二次供水设施"),
        ("自来水公司已抢修管道，恢复供水。", "已清洗水箱，水质检测合格。"),
    ),
    Leaf(
        "水电气暖",
        "供电",
        "power",
        Urgency.UTILITY,
        5,
        ("小区停电", "频繁跳闸停电", "电压不稳", "电表箱损坏", "停电没有通知"),
        ("冰箱里的东西都坏了", "老人在家很热", "电器都烧坏了", "楼道电表箱门敞开很危险"),
        ("建议停电前提前通知", "建议对老旧线路进行改造"),
        ("供电公司已抢修线路，恢复供电。", "已更换电表箱。"),
    ),
    Leaf(
        "水电气暖",
        "燃气",
        "zjj",
        Urgency.URGENT,
        2,
        ("闻到燃气味", "燃气管道漏气", "燃气表故障", "燃气压力不足"),
        ("楼道里味道很大", "担心发生危险", "做饭火很小", "不敢开火"),
        ("建议定期排查燃气管道", "建议安装燃气报警器"),
        ("燃气公司已上门检修，排除漏气隐患。", "已更换燃气表。"),
    ),
    Leaf(
        "环境卫生",
        "垃圾清运",
        "cgj",
        Urgency.ORDINARY,
        7,
        (
            "垃圾桶满了没人清运",
            "垃圾站气味很大",
            "建筑垃圾长期堆放",
            "垃圾分类桶不够",
            "大件垃圾无人清理",
        ),
        ("苍蝇蚊子很多", "夏天臭味熏人", "占用了道路", "已经堆了半个月"),
        ("建议增加清运频次", "建议设置建筑垃圾临时堆放点", "建议开展垃圾分类宣传"),
        ("已增加清运频次，垃圾已清运。", "已清运建筑垃圾并设置临时堆放点。"),
    ),
    Leaf(
        "环境卫生",
        "噪音扰民",
        "cgj",
        Urgency.ORDINARY,
        6,
        ("广场舞音乐太吵", "夜间施工噪音", "楼上装修噪音", "商铺音响太吵", "烧烤店深夜扰民"),
        ("晚上十点后还很吵", "孩子无法学习", "老人睡不着觉", "周末一大早就开始"),
        ("建议规定广场舞时间和音量", "建议加强夜间施工管理"),
        ("已与舞蹈队协商调低音量并限定时间。", "城管已到现场劝导，夜间施工已停止。"),
    ),
    Leaf(
        "违法建设",
        "违法建设",
        "cgj",
        Urgency.COMPLEX,
        3,
        ("楼顶违建", "一楼住户私自扩建", "占用绿地搭建棚子", "阳台违规外扩", "私自改变房屋结构"),
        ("影响楼下采光", "存在安全隐患", "占用了公共区域", "多次劝阻无效"),
        ("建议依法拆除", "建议加强日常巡查"),
        ("城管已依法下达限期拆除通知，违建已拆除。", "已责令恢复原状。"),
        community_may_close=False,
        max_extension_days=10,
    ),
    Leaf(
        "社区服务",
        "政策咨询",
        COMMUNITY,
        Urgency.ORDINARY,
        5,
        ("咨询养老补贴怎么申请", "咨询低保办理", "咨询医保缴费", "咨询孩子入学", "咨询居住证办理"),
        ("不知道需要哪些材料", "想了解办理流程", "网上没查到", "家里老人行动不便"),
        ("建议在社区公告栏公示办事指南", "建议开展政策宣讲"),
        ("社工已电话详细解答并告知所需材料。", "已上门协助办理。"),
    ),
    Leaf(
        "社区服务",
        "邻里纠纷",
        COMMUNITY,
        Urgency.ORDINARY,
        4,
        (
            "邻居占用公共空间",
            "邻居养狗扰民",
            "楼上楼下漏水纠纷",
            "邻居堆放杂物纠纷",
            "宠物粪便不清理",
        ),
        ("多次沟通没有结果", "双方关系很紧张", "希望社区出面调解", "影响邻里和睦"),
        ("建议社区组织调解", "建议制定文明养犬公约"),
        ("社区调解委员会已组织双方调解，达成一致。", "已协调双方，问题已解决。"),
    ),
    Leaf(
        "社区服务",
        "为老服务",
        COMMUNITY,
        Urgency.ORDINARY,
        4,
        (
            "独居老人需要照看",
            "希望开设老年食堂",
            "老人需要助浴服务",
            "希望增加日间照料",
            "老人需要上门体检",
        ),
        ("子女不在身边", "老人腿脚不便", "附近没有吃饭的地方", "希望社区帮帮忙"),
        ("建议开设社区老年食堂", "建议组织志愿者结对帮扶"),
        ("已安排网格员和志愿者定期探访。", "已联系社区卫生服务中心上门体检。"),
    ),
    Leaf(
        "党建与作风",
        "党员教育",
        "zzb",
        Urgency.ORDINARY,
        1,
        ("希望党课进小区", "党员活动室开放时间太短", "流动党员组织关系转接咨询"),
        ("在职党员下班后没时间", "希望就近参加组织生活", "不清楚转接流程"),
        ("建议开设夜间党课", "建议党群服务中心延时开放"),
        ("组织部已指导社区党委调整活动安排。", "已告知组织关系转接流程。"),
    ),
    Leaf(
        "党建与作风",
        "作风纪律",
        "jw",
        Urgency.COMPLEX,
        1,
        ("办事人员态度差", "反映干部办事拖延", "反映窗口推诿扯皮"),
        ("跑了好几趟都没办成", "说话很不耐烦", "让群众寒心"),
        ("建议加强窗口作风建设", "建议公开办事时限"),
        ("纪委已核实并对相关人员批评教育。", "已督促整改并向反映人反馈。"),
        community_may_close=False,
    ),
)

PLACES = (
    "{estate}{building}栋{unit}单元",
    "{estate}{building}栋",
    "{estate}南门",
    "{estate}北门口",
    "{estate}停车场",
    "{estate}中心广场",
    "{estate}{building}栋楼下",
    "{estate}垃圾站旁",
)
CONNECTIVES = ("", "我们", "我家", "本人反映", "居民反映")


@dataclass(frozen=True)
class Text:
    leaf: Leaf
    title: str
    content: str
    suggestion: str
    location: str


def place(rng: random.Random, estate: str) -> str:
    return rng.choice(PLACES).format(
        estate=estate, building=rng.randint(1, 12), unit=rng.randint(1, 4)
    )


def leaf_weights():
    return [leaf.weight for leaf in LEAVES]


def text_for(rng: random.Random, leaf: Leaf, estate: str, with_suggestion: float = 0.3) -> Text:
    """A resident's words about ``leaf``: a title, a content with the place, how long
    and what it does to them, and sometimes the "1+1" suggestion."""
    where = place(rng, estate)
    subject = rng.choice(leaf.subjects)
    detail = rng.choice(leaf.details)
    more = rng.choice(leaf.details)
    content = f"{rng.choice(CONNECTIVES)}{where}{subject}，{detail}"
    if more != detail and rng.random() < 0.5:
        content += f"，{more}"
    content += "。"
    if rng.random() < 0.4:
        content += rng.choice(("希望尽快解决。", "请有关部门尽快处理。", "麻烦社区帮忙协调。"))
    suggestion = rng.choice(leaf.suggestions) if rng.random() < with_suggestion else ""
    return Text(leaf, subject, content, suggestion, where)


def pick_leaf(rng: random.Random) -> Leaf:
    return rng.choices(LEAVES, weights=leaf_weights())[0]
