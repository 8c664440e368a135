"""Member development under a role held on a party organization (ADR 0008)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.development import services
from gongzhi.development.models import DevelopmentFile
from gongzhi.development.permissions import MANAGE_FILE, VIEW_FILE
from gongzhi.party.testing import id_number

pytestmark = pytest.mark.django_db


def _open(actor, branch, name, serial):
    return services.open_file(
        actor=actor,
        branch=branch,
        name=name,
        id_number=id_number(date(1998, 7, 9), serial),
        applied_on=timezone.localdate() - timedelta(days=30),
    )


def test_the_secretary_sees_and_opens_files_of_their_subtree_only(world, party, org_scope):
    admin, user = world.users["district_admin"], org_scope.secretary
    beside = _open(admin, party.ours_branch, "一支部申请人", 81)
    sibling = _open(admin, party.sibling_branch, "邻里申请人", 82)
    own = _open(user, org_scope.sub_branch, "总支申请人", 83)
    for perm in (VIEW_FILE, MANAGE_FILE):
        assert set(DevelopmentFile.objects.visible_to(user, perm)) == {own}, perm
    assert user.has_perm(VIEW_FILE, own)
    assert not user.has_perm(VIEW_FILE, beside) and not user.has_perm(VIEW_FILE, sibling)
    with pytest.raises(NotFoundOrForbidden):
        _open(user, party.ours_branch, "越权申请人", 84)
