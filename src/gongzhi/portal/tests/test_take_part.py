"""Taking part from the portal: the ways the landed modules declare (service) show on the
home of a resident account bound to its household and not before; their pages open in
the portal's layout for a resident account and in the staff layout for staff."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from gongzhi.accounts.models import User
from gongzhi.portal import binding, shell_context
from gongzhi.portal.signin_testing import sms_inbox
from gongzhi.residents.testing import add_person

pytestmark = pytest.mark.django_db

LOGIN = "/portal/login/"
NUMBER = "13912345670"
ENTRIES = {
    "志愿服务活动": "/service/mine/activities/",
    "活动签到": "/service/checkin/",
    "心愿墙": "/service/wishes/wall/",
    "我的志愿服务": "/service/mine/",
}
# The pages a resident reaches from the entries: their forms too.
PAGES = [*ENTRIES.values(), "/service/volunteers/join/", "/service/hours/makeup/"]


@pytest.fixture
def phone_account(client, django_capture_on_commit_callbacks):
    """An account the portal's sign-in opened for a new number, signed in."""
    with sms_inbox() as inbox, django_capture_on_commit_callbacks(execute=True):
        client.post(LOGIN, {"phone": NUMBER, "action": "send"})
    answer = client.post(LOGIN, {"phone": NUMBER, "code": inbox.codes[-1], "action": "login"})
    assert answer.status_code == 302
    return User.objects.get(phone=NUMBER)


def bind(world, user):
    household = world.ours.households[0]
    person = add_person(world, household, "王小明", date(1990, 5, 1), 11)
    request = binding.request_binding(
        actor=user, community=world.ours.community, address="1栋1单元101", name="王小明"
    )
    binding.confirm_binding(
        request, actor=world.users["secretary"], household=household, resident=person
    )


def layout(answer) -> str:
    return next(t.name for t in answer.templates if t.name.endswith("base.html"))


def test_an_account_not_bound_yet_has_no_way_of_taking_part(client, world, phone_account):
    home = client.get("/portal/").content.decode()
    assert "参与社区" not in home
    for label in ENTRIES:
        assert label not in home
    for path in ("/service/checkin/", "/service/wishes/wall/", "/service/volunteers/join/"):
        assert client.get(path).status_code == 403, path


def test_a_bound_account_opens_every_entry_in_the_portals_layout(client, world, phone_account):
    bind(world, phone_account)
    home = client.get("/portal/").content.decode()
    for label, url in ENTRIES.items():
        assert label in home and f'href="{url}"' in home
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert layout(answer) == shell_context.PORTAL_BASE, path
        html = answer.content.decode()
        assert 'aria-label="居民端导航"' in html and 'href="/portal/"' in html, path
        assert "gongzhi/app.js" in html, path  # data-confirm, data-autosubmit
        assert "gz-sidebar" not in html, path


def test_staff_keep_the_staff_layout_on_the_same_pages(client_as, world):
    client = client_as(world.users["secretary"])
    for path in ("/service/mine/activities/", "/service/checkin/", "/service/wishes/wall/"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert layout(answer) == shell_context.STAFF_BASE, path


def test_the_portals_own_pages_do_not_load_the_platforms_script(client, world, phone_account):
    html = client.get("/portal/").content.decode()
    assert "gongzhi/app.js" not in html and "gz-guest" not in html


def test_base_template_by_account(world):
    request = RequestFactory().get("/service/mine/")
    for key, expected in (
        ("resident", shell_context.PORTAL_BASE),
        ("secretary", shell_context.STAFF_BASE),
        ("inservice_member", shell_context.STAFF_BASE),
        ("superuser", shell_context.STAFF_BASE),
    ):
        request.user = world.users[key]
        assert shell_context.base_template(request) == expected, key
    request.user = AnonymousUser()
    assert shell_context.base_template(request) == shell_context.STAFF_BASE


def test_a_residents_error_pages_are_in_the_portals_layout(client, phone_account, world):
    """An unbound account on a service page (403) and a missing case (404): the portal's
    layout and tabs, the way back to its home; staff keep theirs."""
    for path, status in (("/service/checkin/", 403), ("/portal/demands/999999/", 404)):
        answer = client.get(path)
        page = answer.content.decode()
        assert answer.status_code == status, path
        assert 'class="gz-portal-tabs"' in page and "返回首页" in page, path
        assert "返回工作台" not in page, path
    client.force_login(world.users["staff"])
    page = client.get("/portal/demands/999999/").content.decode()
    assert "返回工作台" in page and 'class="gz-portal-tabs"' not in page
