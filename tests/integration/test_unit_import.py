"""``gridgov import-units``: all or nothing, bad features named by index, idempotent, progress."""

from __future__ import annotations

import itertools
import json

import shapely

from grid.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02
from grid.services.unit_import import import_units
from grid.tables import OrgUnit
from tests.cli_env import fresh_installation

# Each test gets its own district under the personas' city (500100000000), far from their grids.
_districts = itertools.count(50)


def square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feature(code: str, level: str, geometry: dict | None, name: str | None = None) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name or f"{level} {code}", "level": level},
        "geometry": geometry,
    }


def district_features() -> tuple[str, list[dict]]:
    """A district (street, community, two grids, three micro-grids) with a code of its own."""
    n = next(_districts)
    d = f"5001{n:02d}"
    x, y = 107.0 + n * 0.05, 30.0
    features = [
        feature(f"{d}000000", "district", square(x, y, x + 0.02, y + 0.02)),
        feature(f"{d}001000", "street", square(x, y, x + 0.02, y + 0.02)),
        feature(f"{d}001001", "community", square(x, y, x + 0.02, y + 0.02)),
        feature(f"{d}001001001", "grid", square(x, y, x + 0.01, y + 0.02)),
        feature(f"{d}001001002", "grid", square(x + 0.01, y, x + 0.02, y + 0.02)),
        feature(f"{d}001001001001", "micro_grid", square(x, y, x + 0.01, y + 0.01)),
        feature(f"{d}001001001002", "micro_grid", square(x, y + 0.01, x + 0.01, y + 0.02)),
        feature(f"{d}001001002001", "micro_grid", square(x + 0.01, y, x + 0.02, y + 0.02)),
    ]
    return d, features


async def _stored(prefix: str) -> list[dict]:
    return await OrgUnit.select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.like(prefix + "%"))


async def test_file_with_bad_features_names_each_by_index_and_reason_and_writes_nothing(world):
    d, features = district_features()
    x, y = features[3]["geometry"]["coordinates"][0][0]
    features[3]["geometry"] = {  # a bow-tie: the ring crosses itself
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.01, y + 0.02], [x + 0.01, y], [x, y + 0.02], [x, y]]],
    }
    features[7]["geometry"] = square(x + 0.5, y, x + 0.51, y + 0.01)  # far outside its grid
    features.append(feature(f"{d}001009", "grid", square(x, y, x + 0.01, y + 0.01)))  # 12 digits
    report = await import_units(features)
    assert not report.ok
    reasons = dict(report.errors)
    assert sorted(reasons) == [4, 6, 7, 8, 9]
    assert "边界无效" in reasons[4] and "Self-intersection" in reasons[4]
    # the bad grid's micro-grids name it as the cause
    assert "第 4 个要素" in reasons[6] and "第 4 个要素" in reasons[7]
    assert "超出上级单元" in reasons[8]
    assert "编码" in reasons[9] or "code" in reasons[9].lower()
    assert await _stored(d) == []  # the five good units were not written either
    text = report.describe()
    assert text.startswith("导入失败，未写入任何数据")
    assert "第 4 个要素：" in text


async def test_same_file_twice_changes_nothing_and_a_renamed_unit_is_updated_in_place(world):
    d, features = district_features()
    first = await import_units(features)
    assert (first.created, first.updated, first.unchanged) == (8, 0, 0), first.describe()
    ids = {
        r["code"]: r["id"]
        for r in await OrgUnit.select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.like(d + "%"))
    }
    second = await import_units(features)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 8)
    features[4]["properties"]["name"] = "改名网格"
    third = await import_units(features)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 7)
    after = {
        r["code"]: r["id"]
        for r in await OrgUnit.select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.like(d + "%"))
    }
    assert after == ids
    renamed = await OrgUnit.select(OrgUnit.name).where(OrgUnit.code == f"{d}001001002").first()
    assert renamed["name"] == "改名网格"


async def test_gcj02_boundaries_are_stored_converted_to_wgs84(world):
    d, features = district_features()
    wgs = [shapely.geometry.shape(f["geometry"]) for f in features]
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        f["geometry"]["coordinates"][0] = [list(wgs84_to_gcj02(lon, lat)) for lon, lat in ring]
    report = await import_units(features, system="gcj02")
    assert report.ok, report.describe()
    row = await OrgUnit.select(OrgUnit.boundary).where(OrgUnit.code == f"{d}001001001").first()
    stored = shapely.geometry.shape(
        json.loads(row["boundary"]) if isinstance(row["boundary"], str) else row["boundary"]
    )
    assert stored.equals_exact(wgs[3], tolerance=1e-7)
    lon, lat = gcj02_to_wgs84(*features[3]["geometry"]["coordinates"][0][1])
    assert (
        abs(lon - wgs[3].exterior.coords[1][0]) < 1e-7
        and abs(lat - wgs[3].exterior.coords[1][1]) < 1e-7
    )


async def test_command_shows_progress_exits_1_on_a_bad_file_and_leaves_the_database_empty(tmp_path):
    _, features = district_features()
    city = feature("500100000000", "city", None, "测试市")
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": [city, *features]}))
    bad_features = [city, *features]
    bad_features[2] = {"type": "Feature", "properties": {"name": "无编码", "level": "street"}}
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": bad_features}))
    async with fresh_installation(tmp_path) as gridgov:
        assert gridgov.run("db", "migrate").returncode == 0
        failed = gridgov.run("import-units", str(bad))
        assert failed.returncode == 1
        assert "第 3 个要素：缺少属性 code" in failed.stdout
        assert "校验 checking" in failed.stderr  # tqdm writes its bar to stderr
        assert await gridgov.count("org_unit") == 0

        done = gridgov.run("import-units", str(good))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "新增 9" in done.stdout
        assert "写入 writing" in done.stderr
        again = gridgov.run("import-units", str(good))
        assert again.returncode == 0
        assert "未变 9" in again.stdout
        assert await gridgov.count("org_unit") == 9
