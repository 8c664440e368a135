"""``gongzhi startmodule NAME --title 中文名``: a new module laid out like every other.

Django's ``startapp`` with the module template (core/module_template): a scoped model
with a workflow on the kernel, permissions and grants, services and selectors, the
filterset, table, forms, pages and API routes generated from the workflow, a manifest
(menu, URLs, API, audit labels), the cross-scope hooks, tests that pass as generated,
and a first benchmark under bench/. It then lists the app once in ``INSTALLED_APPS``
and makes its first migration, so that nothing else needs an edit
(docs/dev/adding-a-module.md).
"""

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.templates import TemplateCommand

TEMPLATE = Path(__file__).resolve().parents[2] / "module_template"
# Names a new package would shadow or collide with (gongzhi/<name>.py, Django's own).
RESERVED = frozenset(
    {"settings", "urls", "api", "cli", "wsgi", "asgi", "templates", "static", "locale"}
    | {"core", "test", "tests", "django", "migrations"}
)
FIRST_BENCHMARK = '''"""First benchmark of {title} ({name}): the list page of one community on the bench
district. Fill the district with the module's rows in ``gongzhi/{name}/synth.py`` and set
the figures the module's issue names (bench/README.md)."""

import sys
import time

from common import percentile, start, write_result


def main() -> int:
    start()
    from django.test import Client

    from gongzhi.accounts.models import User

    user = User.objects.filter(role_assignments__role="community_secretary").first()
    if user is None:
        print("no community secretary in the bench district")
        return 2
    client = Client()
    client.force_login(user)
    times = []
    for _ in range(50):
        began = time.perf_counter()
        client.get("/{name}/")
        times.append(time.perf_counter() - began)
    p95 = round(percentile(times, 95) * 1000, 1)
    write_result("{name}", {{"list_p95_ms": p95}})
    print(f"{name}: list page p95 {{p95}} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


class Command(TemplateCommand):
    help = "按统一结构新建一个模块（模型、工作流、权限、页面、接口、清单、测试、基准）。"
    rewrite_template_suffixes = ((".py-tpl", ".py"), (".html-tpl", ".html"))
    missing_args_message = (
        "请给出模块名（小写字母、数字和下划线），例如 gongzhi startmodule visits。"
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="模块名（Python 包名），例如 visits")
        parser.add_argument("--title", required=True, help="模块的中文名，例如 走访")

    def handle(self, *args, name, title, **options):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise CommandError("模块名只能由小写字母、数字和下划线组成，并以字母开头。")
        if name in RESERVED:
            raise CommandError(f"“{name}”是 Gongzhi 自身的模块或文件名，请换一个名字。")
        if not title.strip() or re.search(r"[\"'\\{}%<>]", title):
            raise CommandError("中文名不能为空，也不能含引号、反斜杠、花括号、百分号或尖括号。")
        package = Path(settings.BASE_DIR)
        target = package / name
        if target.exists():
            raise CommandError(f"{target} 已存在。")
        target.mkdir()
        super().handle(
            "app",
            name,
            str(target),
            template=str(TEMPLATE),
            extensions=["py", "html"],
            files=[],
            verbosity=options.get("verbosity", 1),
            title=title,
        )
        self._install(name)
        bench = Path(settings.PROJECT_DIR) / "bench" / f"bench_{name}.py"
        if not bench.exists():
            bench.write_text(FIRST_BENCHMARK.format(name=name, title=title), "utf-8")
        ruff = Path(sys.executable).with_name("ruff")
        if ruff.exists():  # the development tools: the new files in the project's style
            for step in (["check", "--fix", "-q"], ["format", "-q"]):
                subprocess.run([str(ruff), *step, str(target), str(bench)], check=False)  # noqa: S603
        # A fresh process: this one's settings were read before the app was installed.
        subprocess.run(  # noqa: S603 (our own interpreter and command)
            [sys.executable, "-m", "gongzhi.cli", "makemigrations", name, "-v0"], check=True
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"已新建模块 {name}（{title}）：{target}；基准测试 bench/bench_{name}.py。"
                f"运行 gongzhi migrate 和 make test 检查。"
            )
        )

    @staticmethod
    def _install(name: str) -> None:
        """List the app once in INSTALLED_APPS, after the last of Gongzhi's apps."""
        path = Path(settings.BASE_DIR) / "settings.py"
        text = path.read_text("utf-8")
        entries = re.findall(r'^    "gongzhi\.[a-z0-9_]+",\n', text, flags=re.M)
        if not entries:
            raise CommandError("settings.py: INSTALLED_APPS 中找不到 Gongzhi 的应用。")
        last = entries[-1]
        line = f'    "gongzhi.{name}",\n'
        if line not in text:
            path.write_text(text.replace(last, last + line, 1), "utf-8")
