"""东西部协作 pairing (seed 001 表1-1): a new reference table. A database that already holds Guangdong's
cities gets the 2021 rows here, as published (the same as resources/refdata/2021_east_west_pairing.csv,
frozen into this script as migrations are); the first administrator login after the upgrade signs them
(services.adoption, layout 3). A new database gets them from the reference data instead.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_GUANGXI, _GUIZHOU = "广西壮族自治区", "贵州省"
_ROWS_2021 = [  # (helped province, helping city's code, helped county); 援助资金协议数 5,000 万元 each
    (_GUANGXI, "4407", "天等县"), (_GUANGXI, "4407", "龙州县"), (_GUANGXI, "4407", "宁明县"),
    (_GUANGXI, "4412", "富川瑶族自治县"), (_GUANGXI, "4412", "昭平县"),
    (_GUANGXI, "4408", "融水苗族自治县"), (_GUANGXI, "4408", "融安县"), (_GUANGXI, "4408", "三江侗族自治县"),
    (_GUANGXI, "4409", "忻城县"), (_GUANGXI, "4409", "金秀瑶族自治县"),
    (_GUIZHOU, "4413", "安龙县"), (_GUIZHOU, "4413", "望谟县"), (_GUIZHOU, "4413", "兴仁县"),
    (_GUIZHOU, "4413", "贞丰县"), (_GUIZHOU, "4413", "册亨县"), (_GUIZHOU, "4413", "晴隆县"),
]
_AID_FEN = 5000 * 10000 * 100


def upgrade() -> None:
    op.create_table('east_west_pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('helped_province', sa.String(length=20), nullable=False),
    sa.Column('helped_county', sa.String(length=40), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('aid', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_east_west_pairing_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_east_west_pairing')),
    sa.UniqueConstraint('year', 'helped_county', name='one_pairing_per_county')
    )
    with op.batch_alter_table('east_west_pairing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_east_west_pairing_city_id'), ['city_id'], unique=False)
    insert = sa.text("INSERT INTO east_west_pairing (year, position, helped_province, helped_county, city_id, aid) "
                     "SELECT 2021, :position, :province, :county, id, :aid FROM city WHERE code = :code")
    for position, (province, code, county) in enumerate(_ROWS_2021, start=1):
        op.execute(insert.bindparams(position=position, province=province, county=county, aid=_AID_FEN, code=code))


def downgrade() -> None:
    with op.batch_alter_table('east_west_pairing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_east_west_pairing_city_id'))
    op.drop_table('east_west_pairing')
