"""Realistic Chinese personal names for demo and synthetic data (no real persons)."""

import random

# Common surnames, roughly by frequency (the top of the national ranking).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强永红海燕玉兰淑珍志明红梅小红俊杰"
    "浩然子涵梓萱一诺欣怡宇轩思远雨桐佳怡晨曦博文嘉怡梦琪心怡子轩浩宇天佑慧敏春梅秋菊德明德华文斌文静学军"
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官")


def person_name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND) if rng.random() < 0.005 else rng.choice(SURNAMES)
    if rng.random() < 0.3:
        return surname + rng.choice(GIVEN)
    return surname + rng.choice(GIVEN) + rng.choice(GIVEN)
