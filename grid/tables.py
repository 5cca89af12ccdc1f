"""Tables and enums of the grid domain: org tree, centers, departments, people, staff, party.

Rules live in ``grid/services`` and ``grid/rules.py``; nothing here but columns.

Two storage choices worth knowing:

* Areas are stored as integer hundredths of a square metre (``exclusive_area_centi``): exact on
  both SQLite (whose NUMERIC would become a float) and PostgreSQL, so SQL sums of areas used by
  the Civil Code vote arithmetic are exact. Services expose them as ``Decimal``.
* Org-unit codes never change once created; every row below a unit carries ``unit_prefix`` (the
  significant digits of its unit's code) so a subtree is one indexed ``LIKE 'prefix%'``.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    OnUpdate,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Level(StrEnum):
    city = "city"
    district = "district"
    street = "street"
    community = "community"
    grid = "grid"
    micro_grid = "micro_grid"


class AreaSource(StrEnum):
    registered = "registered"  # 不动产登记面积
    measured = "measured"  # 实测面积
    contract = "contract"  # 合同面积


class OwnerKind(StrEnum):
    person = "person"
    developer = "developer"  # 建设单位（开发商）持有的未售房屋
    organization = "organization"


class Tenure(StrEnum):
    owner_occupied = "owner_occupied"
    rented = "rented"
    other = "other"


class CareTag(StrEnum):
    elderly_alone = "elderly_alone"  # 独居老人
    disabled = "disabled"  # 残疾人
    low_income = "low_income"  # 低保
    key_person = "key_person"  # 重点人群
    veteran = "veteran"  # 退役军人
    left_behind_child = "left_behind_child"  # 留守儿童
    pregnant = "pregnant"  # 孕产妇


class Role(StrEnum):
    grid_worker = "grid_worker"  # 网格员
    grid_leader = "grid_leader"  # 网格长
    community_staff = "community_staff"  # 社区工作人员
    street_center_staff = "street_center_staff"  # 街道治理中心
    district_center_staff = "district_center_staff"  # 区治理中心
    city_center_staff = "city_center_staff"  # 市治理中心
    department_handler = "department_handler"  # 职能部门处置人员
    admin = "admin"


class DepartmentKind(StrEnum):
    city_management = "city_management"  # 城市管理
    housing = "housing"  # 住房城乡建设
    market_regulation = "market_regulation"  # 市场监管
    fire = "fire"  # 消防救援
    police = "police"  # 公安
    ecology = "ecology"  # 生态环境
    water = "water"  # 水务
    transport = "transport"  # 交通
    other = "other"


class PartyOrgKind(StrEnum):
    street_working_committee = "street_working_committee"  # 街道党工委
    community_committee = "community_committee"  # 社区党委
    grid_branch = "grid_branch"  # 网格党支部


class PartyRole(StrEnum):
    member = "member"  # 党员
    secretary = "secretary"  # 书记
    building_leader = "building_leader"  # 党员楼栋长
    central_household = "central_household"  # 党员中心户


class OrgUnit(Table, tablename="org_unit"):
    code = Varchar(length=18, unique=True, index=True)
    prefix = Varchar(length=18, index=True)
    name = Varchar(length=100)
    level = Varchar(length=16, choices=Level, index=True)
    parent = ForeignKey("self", null=True, on_delete=OnDelete.restrict)
    boundary = JSON(null=True, default=None)
    centroid_lon = DoublePrecision(null=True, default=None)
    centroid_lat = DoublePrecision(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class GovernanceCenter(Table, tablename="governance_center"):
    unit = ForeignKey(OrgUnit, unique=True, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    phone = Varchar(length=32, default="")


class Department(Table, tablename="department"):
    # help_text: the admin site's tooltips (Chinese); Piccolo migrations ignore it
    code = Varchar(length=32, unique=True, help_text="全局唯一，创建后不可修改")
    name = Varchar(length=100)
    kind = Varchar(length=32, choices=DepartmentKind)
    unit = ForeignKey(
        OrgUnit, on_delete=OnDelete.restrict, help_text="市、区或街道；创建后不可修改"
    )
    unit_prefix = Varchar(length=18, index=True, help_text="由所属单位自动填写")


class HouseUnit(Table, tablename="house_unit"):
    micro_grid = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    unit_prefix = Varchar(length=18, index=True)
    building = Varchar(length=32)
    entrance = Varchar(length=16, default="")  # 单元
    room = Varchar(length=16)
    address_enc = Text(default="")  # backend.pii.seal_text; "" when no address is known
    exclusive_area_centi = BigInt(default=0)
    area_source = Varchar(length=16, choices=AreaSource, default=AreaSource.registered)
    created_at = Timestamptz(default=TimestamptzNow())


class Owner(Table, tablename="owner"):
    kind = Varchar(length=16, choices=OwnerKind, default=OwnerKind.person)
    name_enc = Text(default="")  # backend.pii.seal_text
    name_hash = Varchar(length=64, default="", index=True)  # backend.pii.name_lookup_hash
    id_number_enc = Text(null=True, default=None)
    id_number_hash = Varchar(length=64, null=True, default=None, index=True)
    phone_enc = Text(null=True, default=None)
    phone_hash = Varchar(length=64, null=True, default=None, index=True)


class Ownership(Table, tablename="ownership"):
    house_unit = ForeignKey(HouseUnit, on_delete=OnDelete.cascade)
    owner = ForeignKey(Owner, on_delete=OnDelete.restrict)


class Household(Table, tablename="household"):
    house_unit = ForeignKey(HouseUnit, on_delete=OnDelete.restrict)
    unit_prefix = Varchar(length=18, index=True)
    tenure = Varchar(length=16, choices=Tenure, default=Tenure.owner_occupied)
    created_at = Timestamptz(default=TimestamptzNow())


class Resident(Table, tablename="resident"):
    household = ForeignKey(Household, on_delete=OnDelete.restrict)
    unit_prefix = Varchar(length=18, index=True)
    name_enc = Text(default="")  # backend.pii.seal_text; searched through ResidentNameToken
    gender = Varchar(length=8, default="")
    birth_year = Integer(null=True, default=None)
    relation = Varchar(length=16, default="")  # 与户主关系
    phone_enc = Text(null=True, default=None)
    phone_hash = Varchar(length=64, null=True, default=None, index=True)
    id_number_enc = Text(null=True, default=None)
    id_number_hash = Varchar(length=64, null=True, default=None, index=True)
    owner = ForeignKey(Owner, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ResidentNameToken(Table, tablename="resident_name_token"):
    """Keyed tokens of a resident's name (``backend.pii.name_tokens``): what makes an encrypted
    name searchable by any part. Rows go with the resident (cascade)."""

    # NOT NULL and no ON UPDATE action: as the table was first created (by raw DDL)
    resident = ForeignKey(
        Resident, null=False, on_delete=OnDelete.cascade, on_update=OnUpdate.no_action
    )
    token = Varchar(length=32)


class ResidentTag(Table, tablename="resident_tag"):
    resident = ForeignKey(Resident, on_delete=OnDelete.cascade)
    tag = Varchar(length=32, choices=CareTag)


class StaffAccount(Table, tablename="staff_account"):
    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=100)
    password_hash = Varchar(length=200)
    phone_enc = Text(null=True, default=None)
    phone_hash = Varchar(length=64, null=True, default=None, index=True)
    active = Boolean(default=True)
    password_changed_at = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())


class RoleAssignment(Table, tablename="role_assignment"):
    staff = ForeignKey(StaffAccount, on_delete=OnDelete.cascade)
    role = Varchar(length=32, choices=Role)
    unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.restrict)


class PartyOrg(Table, tablename="party_org"):
    name = Varchar(length=100)
    kind = Varchar(length=32, choices=PartyOrgKind)
    parent = ForeignKey("self", null=True, on_delete=OnDelete.restrict)
    unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    unit_prefix = Varchar(length=18, index=True)


class PartyMember(Table, tablename="party_member"):
    party_org = ForeignKey(PartyOrg, on_delete=OnDelete.cascade)
    role = Varchar(length=32, choices=PartyRole, default=PartyRole.member)
    name = Varchar(length=100)
    resident = ForeignKey(Resident, null=True, on_delete=OnDelete.set_null)
    staff = ForeignKey(StaffAccount, null=True, on_delete=OnDelete.set_null)
    micro_grid = ForeignKey(OrgUnit, null=True, on_delete=OnDelete.restrict)  # 楼栋长's building
    household = ForeignKey(Household, null=True, on_delete=OnDelete.set_null)  # 中心户
    leader = ForeignKey("self", null=True, on_delete=OnDelete.set_null)  # 中心户 → 楼栋长
    joined_on = Date(null=True, default=None)


class PiiAccessLog(Table, tablename="pii_access_log"):
    """Each full (unmasked) read of a phone or ID number: who, whose, which fields, when."""

    staff = ForeignKey(StaffAccount, on_delete=OnDelete.restrict)
    subject_kind = Varchar(length=16)
    subject_id = BigInt()
    fields = Varchar(length=100)
    reason = Varchar(length=200, default="")
    at = Timestamptz(default=TimestamptzNow())


class DataRequestKind(StrEnum):
    export = "export"  # 个人信息查阅、复制 (PIPL art. 45)
    erasure = "erasure"  # 个人信息删除 (PIPL art. 47)


class PersonalDataRequest(Table, tablename="personal_data_request"):
    """Each export or erasure of a person's data: whose, by whom (staff or the person), why,
    when, and what it touched (counts only — never the data itself)."""

    kind = Varchar(length=16, choices=DataRequestKind)
    subject_kind = Varchar(length=16)
    subject_id = BigInt(index=True)
    unit_prefix = Varchar(length=18, index=True)
    requested_by_kind = Varchar(length=16)
    requested_by_id = BigInt()
    reason = Varchar(length=200, default="")
    summary = JSON(default={})
    at = Timestamptz(default=TimestamptzNow())


class RetiredId(Table, tablename="retired_id"):
    """The highest id ever deleted from a table, kept by a trigger on SQLite, so that no new
    row takes a deleted person's id (SQLite without AUTOINCREMENT hands out max(id) + 1 again;
    PostgreSQL sequences never go back). Read by :mod:`grid.services.resident_ids`."""

    table_name = Varchar(length=64, unique=True)
    last_id = BigInt(default=0)
