"""``gridgov import-residents``: good rows imported, bad rows reported by line, re-import idempotent."""

from __future__ import annotations

import csv
import io

from backend.db import get_engine
from backend.pii import cipher, id_number_lookup_hash, open_text
from grid.services.resident_import import import_residents, import_residents_file, read_rows
from grid.services.resident_rows import COLUMNS
from grid.tables import CareTag, Household, HouseUnit, Owner, Ownership, Resident, ResidentTag
from tests import people_data as pd
from tests.cli_env import ROOT, fresh_installation

EXAMPLES = ROOT / "docs" / "examples"
HEADER = [c.zh for c in COLUMNS]


def register(world, rows: list[dict[str, str]], micro: str = "grid_a1_1_m1") -> str:
    """A CSV register (Chinese headers) of ``rows`` given by column key; the micro-grid
    defaults to one of the personas' world."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        cells = {"micro_grid_code": world.codes[micro], "building": "1", "room": "101", **row}
        writer.writerow([cells.get(c.key, "") for c in COLUMNS])
    return out.getvalue()


async def _import(text: str):
    return await import_residents(read_rows(text))


async def _resident(id_number: str) -> dict | None:
    return (
        await Resident.select()
        .where(Resident.id_number_hash == id_number_lookup_hash(id_number))
        .first()
    )


async def test_example_register_imports_every_row_and_a_second_import_changes_nothing(tmp_path):
    async with fresh_installation(tmp_path) as gridgov:
        assert gridgov.run("db", "migrate").returncode == 0
        units = gridgov.run("import-units", str(EXAMPLES / "units.geojson"))
        assert units.returncode == 0, units.stdout + units.stderr
        first = gridgov.run("import-residents", str(EXAMPLES / "residents.csv"))
        assert first.returncode == 0, first.stdout + first.stderr
        assert "写入 writing" in first.stderr  # the progress bar
        assert "居民新增 8" in first.stdout
        counts = {t: await gridgov.count(t) for t in ("house_unit", "household", "resident")}
        assert counts == {"house_unit": 6, "household": 5, "resident": 8}
        # the developer holds two unsold units and is one owner; five people own one unit each
        assert await gridgov.count("owner") == 6
        assert await gridgov.count("ownership") == 7

        second = gridgov.run("import-residents", str(EXAMPLES / "residents.csv"))
        assert second.returncode == 0, second.stdout + second.stderr
        assert "居民新增 0、更新 0、未变 8" in second.stdout
        again = {t: await gridgov.count(t) for t in ("house_unit", "household", "resident")}
        assert again == counts
        assert await gridgov.count("owner") == 6
        assert await gridgov.count("ownership") == 7
        assert await gridgov.count("resident_tag") == 4

        bad = tmp_path / "bad.csv"
        bad.write_text(
            "微网格编码,楼栋,房号,姓名,身份证号\n"
            "500108001001001001,9,901,新居民,123\n"
            "500108001001001001,9,902,另一位,\n",
            encoding="utf-8",
        )
        partly = gridgov.run("import-residents", str(bad))
        assert partly.returncode == 1  # a script notices, though the good row is in
        assert "第 2 行：身份证号：身份证号码格式不正确" in partly.stdout
        assert await gridgov.count("resident") == 9


async def test_bad_rows_are_reported_by_line_and_reason_and_good_rows_are_imported(world):
    good, good2, dup = pd.id_number(), pd.id_number(male=False), pd.id_number()
    building = pd.building()
    text = register(
        world,
        [
            {"building": building, "name": "王一", "id_number": good, "tags": "独居老人"},  # line 2
            {
                "building": building,
                "name": "王二",
                "id_number": "500103198001011234",
            },  # 3: check digit
            {"building": building, "micro_grid_code": "500103001001009009", "name": "王三"},  # 4
            {"building": building, "exclusive_area": "-3", "name": "王四"},  # 5
            {"building": building, "name": "王五", "tags": "富豪"},  # 6: unknown tag
            {"building": building, "name": "王六", "id_number": dup},  # 7
            {"building": building, "name": "王六", "id_number": dup, "room": "102"},  # 8: repeat
            {"building": "", "name": "王七"},  # 9: no building
            {"building": building, "name": "王八", "phone": "12345"},  # 10
            {"building": building, "room": "103", "name": "赵九", "id_number": good2},  # 11
            {
                "building": building,
                "micro_grid_code": world.codes["grid_a1_1"],
                "name": "王十",
            },  # 12
        ],
    )
    report = await _import(text)
    reasons = {line: problem.text() for line, problem in report.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 8, 9, 10, 12]
    assert reasons[3].startswith("身份证号：身份证号码格式不正确")
    assert "500103001001009009 不存在" in reasons[4]
    assert reasons[5].startswith("专有面积")
    assert "富豪" in reasons[6]
    assert "与第 7 行重复" in reasons[8]
    assert reasons[9].startswith("楼栋不能为空")
    assert reasons[10].startswith("手机号：")
    assert "须属于微网格" in reasons[12]
    assert "(" in reasons[3] and "id_number" in reasons[3]  # English follows the Chinese
    assert not report.ok
    assert report.residents_created == 3
    for number in (good, dup, good2):
        assert await _resident(number) is not None
    stored = await _resident(good)
    assert stored is not None
    tags = await ResidentTag.select(ResidentTag.tag).where(ResidentTag.resident == stored["id"])
    assert [t["tag"] for t in tags] == [CareTag.elderly_alone]
    described = report.describe()
    assert "8 行有误，未导入" in described
    assert "第 3 行：身份证号：身份证号码格式不正确" in described


async def test_phone_and_id_number_are_encrypted_at_rest_and_found_by_their_hash(world):
    number, phone = pd.id_number(), pd.phone()
    text = register(
        world, [{"building": pd.building(), "name": "李四", "id_number": number, "phone": phone}]
    )
    report = await _import(text)
    assert report.ok, report.describe()
    stored = await _resident(number)
    assert stored is not None
    raw = await get_engine().run_ddl(f"SELECT * FROM resident WHERE id = {int(stored['id'])}")
    row_text = " ".join(str(v) for v in dict(raw[0]).values())
    assert number not in row_text and phone not in row_text
    assert cipher().decrypt(stored["id_number_enc"]) == number
    assert cipher().decrypt(stored["phone_enc"]) == phone
    # gender and birth year come from the ID number
    assert stored["gender"] == "male" and stored["birth_year"] == 1980


async def test_reimport_with_a_new_phone_updates_the_same_resident(world):
    number, building = pd.id_number(), pd.building()
    rows = [{"building": building, "name": "张三", "id_number": number, "phone": pd.phone()}]
    assert (await _import(register(world, rows))).residents_created == 1
    before = await _resident(number)
    new_phone = pd.phone()
    rows[0]["phone"] = new_phone
    report = await _import(register(world, rows))
    assert (report.residents_created, report.residents_updated) == (0, 1)
    after = await _resident(number)
    assert after is not None and before is not None
    assert after["id"] == before["id"]
    assert cipher().decrypt(after["phone_enc"]) == new_phone
    assert await Resident.count().where(Resident.id_number_hash == before["id_number_hash"]) == 1


async def test_residents_without_id_number_are_matched_by_name_in_their_household(world):
    building = pd.building()
    rows = [
        {"building": building, "name": "甲", "household": "1"},
        {"building": building, "name": "乙", "household": "1"},
        {"building": building, "name": "甲", "household": "2", "tenure": "租住"},
    ]
    first = await _import(register(world, rows))
    assert (first.households_created, first.residents_created) == (2, 3)
    second = await _import(register(world, rows))
    assert (second.households_created, second.residents_created) == (0, 0)
    assert second.residents_unchanged == 3
    unit = await HouseUnit.select(HouseUnit.id).where(HouseUnit.building == building).first()
    assert await Household.count().where(Household.house_unit == unit["id"]) == 2


async def test_resident_registered_in_another_house_unit_is_reported_not_moved(world):
    number = pd.id_number()
    first = await _import(
        register(world, [{"building": pd.building(), "name": "钱五", "id_number": number}])
    )
    assert first.ok
    before = await _resident(number)
    report = await _import(
        register(world, [{"building": pd.building(), "name": "钱五", "id_number": number}])
    )
    [(line, problem)] = report.errors
    assert line == 2
    assert "已登记在其他房屋" in problem.zh
    after = await _resident(number)
    assert after is not None and before is not None
    assert after["household"] == before["household"]


async def test_owners_given_for_a_house_unit_replace_its_owners_and_link_residents(world):
    building, owner_id, tenant = pd.building(), pd.id_number(), pd.id_number(male=False)
    rows = [
        {"building": building, "owner_name": "孙业主", "owner_id_number": owner_id},
        {"building": building, "name": "周租客", "id_number": tenant, "tenure": "租住"},
        {
            "building": building,
            "name": "孙业主",
            "id_number": owner_id,
            "household": "2",
            "is_owner": "是",
        },
    ]
    report = await _import(register(world, rows))
    assert report.ok, report.describe()
    unit = await HouseUnit.select(HouseUnit.id).where(HouseUnit.building == building).first()
    owners = await Ownership.select(Ownership.owner).where(Ownership.house_unit == unit["id"])
    assert len(owners) == 1  # the owner columns and 是否业主 name the same person
    owner = await Owner.select().where(Owner.id == owners[0]["owner"]).first()
    assert open_text(owner["name_enc"]) == "孙业主"
    resident = await _resident(owner_id)
    assert resident is not None and resident["owner"] == owner["id"]
    tenant_row = await _resident(tenant)
    assert tenant_row is not None and tenant_row["owner"] is None


async def test_missing_required_column_is_one_file_error_and_nothing_is_read(tmp_path):
    path = tmp_path / "no-room.csv"
    path.write_text("微网格编码,楼栋,姓名\n500103001001001001,1,王一\n", encoding="utf-8")
    report = await import_residents_file(path, progress=False)
    [(line, problem)] = report.errors
    assert line == 0
    assert "缺少必需的列：房号（room）" in problem.zh
    assert report.rows == 0


async def test_register_saved_by_excel_in_gb18030_with_english_headers_is_read(world, tmp_path):
    number = pd.id_number()
    keys = ["micro_grid_code", "building", "room", "name", "id_number", "relation"]
    line = [world.codes["grid_a1_1_m1"], pd.building(), "101", "欧阳娜娜", number, "户主"]
    path = tmp_path / "excel.csv"
    path.write_bytes((",".join(keys) + "\r\n" + ",".join(line) + "\r\n").encode("gb18030"))
    report = await import_residents_file(path, progress=False)
    assert report.ok, report.describe()
    stored = await _resident(number)
    assert stored is not None and open_text(stored["name_enc"]) == "欧阳娜娜"


def test_docs_describe_every_column_of_the_register():
    doc = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column.key}`" in doc and column.zh in doc, column.key
    example = (EXAMPLES / "residents.csv").read_text(encoding="utf-8").splitlines()[0]
    assert example.split(",") == HEADER


async def test_bad_owner_cells_name_the_owner_column(world):
    building = pd.building()
    text = register(
        world,
        [
            {"building": building, "owner_name": "赵业主", "owner_phone": "110"},
            {
                "building": building,
                "room": "102",
                "owner_name": "某置业",
                "owner_kind": "建设单位",
                "owner_id_number": "91500108MA5U0JX2QA",
            },
            {"building": building, "room": "103", "owner_kind": "个人"},
            {"building": building, "room": "104", "owner_name": "某公司", "owner_kind": "合伙"},
        ],
    )
    report = await _import(text)
    reasons = {line: problem.zh for line, problem in report.errors}
    assert reasons[2].startswith("业主电话：手机号码格式不正确")
    assert reasons[3].startswith("业主证件号：统一社会信用代码格式不正确")
    assert reasons[4] == "填写了业主信息但缺少业主姓名"
    assert reasons[5].startswith("业主类型“合伙”无效")
