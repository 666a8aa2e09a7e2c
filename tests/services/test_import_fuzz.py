"""The list fuzz (issue 11): damaged department lists — truncated, bit-flipped, bytes
inserted, cells garbled, wrong encodings, a CSV with NULs, an .xlsx cut anywhere — never give
a traceback. Each either imports with its bad rows reported in Chinese, or is refused as a
whole in Chinese and writes nothing. ``YIBAO_FUZZ_LISTS`` copies (default 150; the issue's
run is 1,000)."""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

from sqlmodel import Session

from tests.services.test_import import NEW, A, B, C, _counts, _run, registry  # noqa: F401 (fixture)
from yibao.imports.errors import ImportFileError

GOOD_ROWS = [
    "某县民政局 2024年9月 低保名单",
    "序号,姓名,身份证号码,身份类别,认定日期",
    f"1,张三,{A},低保对象,2024-08-01",
    f"2,李四,{B},特困人员,2024-08-01",
    f"3,王五,{C},低保对象,2024/8/15",
    f"4,赵六,{NEW},特困人员,2024-08-15",
]


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _damage_text(rng: random.Random) -> bytes:
    lines = list(GOOD_ROWS)
    kind = rng.randrange(6)
    if kind == 0:  # a cell garbled
        i = rng.randrange(1, len(lines))
        cells = lines[i].split(",")
        j = rng.randrange(len(cells))
        cells[j] = "".join(rng.choice("=+-@\t\r\"',;0123456789XＸ张三一 \x00") for _ in range(rng.randint(0, 30)))
        lines[i] = ",".join(cells)
    elif kind == 1:  # columns dropped or added
        i = rng.randrange(1, len(lines))
        cells = lines[i].split(",")
        lines[i] = ",".join(cells[: rng.randrange(len(cells))] if rng.random() < 0.5 else [*cells, "多余"])
    elif kind == 2:  # header changed
        lines[1] = rng.choice(["姓名,号码", "", "序号,姓名,身份证号码", "a,b,c,d,e", "序号,姓名,身份证号码,身份类别,认定日期,身份类别"])
    elif kind == 3:  # lines shuffled or repeated
        rng.shuffle(lines)
    elif kind == 4:  # a very long cell
        lines[2] = lines[2] + "," + "张" * rng.randint(1000, 20000)
    data = ("\n".join(lines) + "\n").encode(rng.choice(["utf-8", "gbk", "utf-8-sig", "utf-16"]))
    if kind == 5:  # raw bytes: truncated, flipped, inserted
        data = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            op = rng.randrange(3)
            if op == 0 and len(data) > 1:
                del data[rng.randrange(len(data)) :]
            elif op == 1 and data:
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            else:
                data[rng.randrange(len(data) + 1) : 0] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        data = bytes(data)
    return data


def _good_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for line in GOOD_ROWS[1:]:
        book.active.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _damage_xlsx(rng: random.Random, good: bytes) -> bytes:
    if rng.random() < 0.4:  # the file itself cut or flipped
        data = bytearray(good)
        if rng.random() < 0.5:
            del data[rng.randrange(len(data)) :]
        else:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    out = io.BytesIO()  # re-zipped with one member cut, dropped or garbled
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        victim = rng.choice(src.namelist())
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == victim:
                choice = rng.randrange(3)
                if choice == 0:
                    continue
                data = data[: rng.randrange(len(data) + 1)] if choice == 1 else data.replace(b"<", b"&", rng.randint(1, 5))
            dst.writestr(item, data)
    return out.getvalue()


def test_damaged_lists_never_give_a_traceback_and_a_refusal_writes_nothing(registry, tmp_path: Path) -> None:  # noqa: F811
    engine, actor = registry
    rng = random.Random(20261202)
    runs = int(os.environ.get("YIBAO_FUZZ_LISTS", "150"))
    good_xlsx = _good_xlsx()
    refused = imported = 0
    for n in range(runs):
        xlsx = n % 3 == 2
        path = tmp_path / (f"民政-{n}.xlsx" if xlsx else f"民政-{n}.csv")
        path.write_bytes(_damage_xlsx(rng, good_xlsx) if xlsx else _damage_text(rng))
        before = _counts(engine)
        try:
            report = _run(engine, actor, path, batch="2024-09")
        except ImportFileError as exc:  # refused as a whole: in Chinese, nothing written
            assert _chinese(exc.message), exc.message
            assert _counts(engine) == before
            refused += 1
            continue
        imported += 1
        for problem in report.problems:  # each bad row said in Chinese, ID numbers masked
            assert _chinese(problem.reason), problem.reason
            assert A not in problem.reason and NEW not in problem.reason
    with Session(engine) as s:
        s.connection()  # the registry is still usable after every damaged list
    print(f"{runs} damaged lists: {refused} refused whole, {imported} imported with bad rows reported")
    assert refused and imported  # the damage reached both outcomes
