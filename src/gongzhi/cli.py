"""The ``gongzhi`` command: Django's management commands with Gongzhi's settings.

``gongzhi run | demo | backup | restore | synth | migrate | …`` — see ``gongzhi help``.
"""

import os
import sys


def main(argv=None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gongzhi", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
