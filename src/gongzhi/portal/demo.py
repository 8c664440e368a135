"""The portal's demo data: residents who sign in by phone (``demo_signin``). The demo's
resident ``jumin`` already has portal demands in every state (``demands.demo``)."""

from . import demo_signin


def load(district_code: str) -> str:
    return demo_signin.load(district_code)
