"""The documents' target tables, as shipped in data/targets, add up as the documents say."""

from pathlib import Path

import pytest

from yibao.targets import TargetDataError, load_targets


def test_shangnan_towns_match_document() -> None:
    targets = {t.area: t.target for t in load_targets("shangnan-2024")}
    assert len(targets) == 10
    assert targets["城关街道办"] == 49222  # 附件2 row 1
    assert targets["赵川镇"] == 15497
    assert sum(targets.values()) == 194268  # 附件2 总计


def test_jincheng_counties_match_document() -> None:
    targets = load_targets("jincheng-2024")
    assert {t.area: t.region_code for t in targets}["高平"] == "140581"
    assert sum(t.target for t in targets) == 1583685  # 附件 合计


def test_broken_formula_is_caught(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text(
        "town,paid_2023,refunded_2023,paid_after_refund,suspended,target_2024\n富水镇,18955,18,18937,39,18899\n",
        encoding="utf-8",
    )
    with pytest.raises(TargetDataError, match="富水镇"):
        load_targets("bad", directory=tmp_path)
