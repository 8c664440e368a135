import pytest

from gongzhi.core.pinyin import name_keys


@pytest.mark.parametrize(
    ("name", "initials", "short", "pinyin"),
    [
        ("张小明", "zhxm", "zxm", "zhangxiaoming"),
        ("曾志强", "zzhq", "zzq", "zengzhiqiang"),
        ("单雄信", "shxx", "sxx", "shanxiongxin"),
        ("欧阳娜娜", "oynn", "oynn", "ouyangnana"),
        ("长孙无忌", "zhswj", "zswj", "zhangsunwuji"),
        ("胡萍", "hp", "hp", "huping"),
        ("吕布", "lb", "lb", "lvbu"),
    ],
)
def test_name_keys(name, initials, short, pinyin):
    """Initials as before, and the full pinyin (issue 13, defect 19: ``huping`` found nothing)."""
    assert name_keys(name) == (initials, short, pinyin)
