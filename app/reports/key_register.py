"""The 密钥登记表: the paper the county files so that the installation's root of trust lives outside the
database file.

It prints the root's fingerprint large enough to read over the phone, the installation id, when the
root was made, the unit, and every user's key fingerprint with the roles the root certified, then lines
for the administrator's and the unit leader's signatures and the seal. `bangzhen verify --root` checks
a database against the fingerprint typed from this sheet. Built from the database alone (reportlab, A4,
the WenQuanYi font embedded, margins after GB/T 9704).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User
from app.services import audit, trust
from app.services.errors import InputError
from app.reports.pdf import FONT, page_number, register_font
from app.services.regions import PROVINCE_CODE, find_region
from app.services.security import grants_in_force
from app.services.settings import HOME_REGION, get_setting


@dataclass(frozen=True)
class KeyLine:
    username: str
    name: str
    roles: str
    fingerprint: str
    certified: bool


@dataclass(frozen=True)
class KeyRegister:
    unit: str
    installation: str
    root_fingerprint: str
    root_created: datetime
    legacy_events: int
    keys: list[KeyLine]
    head: tuple[int, str]   # the audit head when printed: a head on paper, checked by `verify --head`


def key_register(session: Session) -> KeyRegister:
    root = trust.current_root(session)
    if root is None:
        raise InputError("本数据库还没有根密钥：系统管理员登录一次即建立，之后才能打印密钥登记表。", "no root")
    home = get_setting(session, HOME_REGION, PROVINCE_CODE)
    unit = find_region(session, home).name
    lines = []
    for user in session.scalars(select(User).order_by(User.id)):
        for key in user.keys:
            if key.retired_at is not None:
                continue
            certified = trust.signature_valid(root.public_key, trust.key_payload(user, key), key.certificate)
            roles = "、".join(f"{g.role.label}（{g.region_code}）" for g in grants_in_force(user)) or "—"
            lines.append(KeyLine(user.username, user.display_name + ("" if user.is_active else "（已停用）"), roles,
                                 trust.fingerprint(key.public_key), certified))
    return KeyRegister(unit, root.installation, trust.fingerprint(root.public_key), root.created_at,
                       root.legacy_events, lines, audit._head(session))


def _beijing(moment: datetime) -> str:
    """Stored times are UTC; the sheet prints Beijing time."""
    return moment.astimezone(timezone(timedelta(hours=8))).strftime("%Y年%m月%d日 %H:%M")


def write_pdf(register: KeyRegister, path: Path) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_font()
    title = ParagraphStyle("title", fontName=FONT, fontSize=20, leading=30, alignment=1, spaceAfter=4 * mm)
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=13)
    big = ParagraphStyle("big", fontName=FONT, fontSize=17, leading=26, alignment=1)

    story = [Paragraph("帮镇扶村台账 密钥登记表", title),
             Paragraph(f"单位：{register.unit}", body),
             Paragraph(f"安装编号：{register.installation}", body),
             Paragraph(f"根密钥建立时间：{_beijing(register.root_created)}（北京时间）", body),
             Paragraph(f"打印时审计记录头：{register.head[0]}:{register.head[1][:16]}"
                       f"（打印时间 {_beijing(datetime.now(timezone.utc))}）", body),
             Spacer(1, 5 * mm),
             Paragraph("根密钥指纹", ParagraphStyle("label", parent=body, alignment=1)),
             Paragraph(register.root_fingerprint, big),
             Spacer(1, 3 * mm),
             Paragraph("核对方法：在本单位电脑上运行“bangzhen verify --root 指纹”（或在程序“校验”中查看根密钥指纹），"
                       "与上面的指纹逐组核对。指纹不符，说明数据库不是本表登记的那一个，或根密钥被替换。"
                       "更换根密钥须重新登记。日后可用“bangzhen verify --head 记录头”核对数据库没有被换成此前的旧副本。",
                       small),
             Spacer(1, 5 * mm)]
    rows = [["用户名", "姓名", "授权", "签名密钥指纹", "根证书"]]
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=11)
    for line in register.keys:
        rows.append([Paragraph(line.username, cell), Paragraph(line.name, cell), Paragraph(line.roles, cell),
                     line.fingerprint, "有效" if line.certified else "无效"])
    table = Table(rows, colWidths=[25 * mm, 18 * mm, 42 * mm, 59 * mm, 12 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8.5), ("FONT", (0, 0), (-1, 0), FONT, 9.5),
        ("FONT", (3, 1), (3, -1), FONT, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"), ("ALIGN", (-1, 1), (-1, -1), "CENTER"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
    ]))
    story += [table, Spacer(1, 12 * mm),
              Paragraph("系统管理员（签字）：________________　　单位负责人（签字）：________________", body),
              Spacer(1, 8 * mm),
              Paragraph("（单位盖章）　　　　　　　　　　　　　　　　日期：______年____月____日", body)]
    document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm,
                                 topMargin=37 * mm, bottomMargin=35 * mm, title="密钥登记表", author="帮镇扶村台账")
    document.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return path


def write_recovery_pdf(unit: str, installation: str, root_fingerprint: str, code: str, path: Path) -> Path:
    """The recovery sheet: the code that opens the root when no administrator can (printed once; the
    unit seals it in an envelope). A new sheet makes every earlier one void."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    register_font()
    title = ParagraphStyle("title", fontName=FONT, fontSize=20, leading=30, alignment=1, spaceAfter=6 * mm)
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18)
    big = ParagraphStyle("big", fontName=FONT, fontSize=20, leading=32, alignment=1)
    story = [Paragraph("帮镇扶村台账 根密钥恢复单", title),
             Paragraph(f"单位：{unit}", body), Paragraph(f"安装编号：{installation}", body),
             Paragraph(f"根密钥指纹：{root_fingerprint}", body),
             Paragraph(f"制作时间：{_beijing(datetime.now(timezone.utc))}（北京时间）", body), Spacer(1, 10 * mm),
             Paragraph("恢复码", ParagraphStyle("label", parent=body, alignment=1)), Paragraph(code, big),
             Spacer(1, 10 * mm),
             Paragraph("用途：所有系统管理员都无法打开根密钥时（例如更换根密钥的管理员调离），由系统管理员运行"
                       "“bangzhen root recover”并输入本恢复码，把根密钥重新密封在自己的密码下。", body),
             Paragraph("保管：本单只打印一次，请立即装入信封密封、签字，由单位负责人保管；不得拍照或录入电脑。"
                       "重新制作恢复单后，本单作废。", body),
             Spacer(1, 16 * mm),
             Paragraph("制作人（签字）：________________　　保管人（签字）：________________", body)]
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm, topMargin=37 * mm,
                      bottomMargin=35 * mm, title="根密钥恢复单", author="帮镇扶村台账").build(story)
    return path
