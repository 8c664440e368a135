"""The product's one way of writing dates (FORMAT_MODULE_PATH): ``2026-12-06`` for a
date, ``2026-12-06 18:23`` for a time, ``2026年12月`` for a month, in every language."""
