"""Who may see and manage development files: role × subtree, deny by default."""

from datetime import date

import pytest

from gongzhi.development import services
from gongzhi.development.permissions import MANAGE_FILE, VIEW_FILE, VIEW_FILE_PII
from gongzhi.development.selectors import files_for
from gongzhi.party.testing import id_number

pytestmark = pytest.mark.django_db

EXPECTED = {
    "district_admin": {VIEW_FILE, MANAGE_FILE, VIEW_FILE_PII},
    "street_admin": {VIEW_FILE, MANAGE_FILE, VIEW_FILE_PII},
    "secretary": {VIEW_FILE, MANAGE_FILE, VIEW_FILE_PII},
    "staff": {VIEW_FILE, MANAGE_FILE},
    "branch_secretary": {VIEW_FILE, MANAGE_FILE},
    "grid_worker": set(),
    "unit_handler": set(),
    "inservice_member": set(),
    "resident": set(),
    "auditor": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_role_grants_within_the_subtree_only(world, party, open_file, role):
    mine = open_file()
    theirs = services.open_file(
        actor=world.users["street_admin"],
        branch=party.sibling_branch,
        name="邻里申请人",
        id_number=id_number(date(1999, 2, 3), 41),
        applied_on=date(2024, 6, 1),
    )
    user = world.users[role]
    for perm in (VIEW_FILE, MANAGE_FILE, VIEW_FILE_PII):
        assert user.has_perm(perm, mine) is (perm in EXPECTED[role])
        wide = role in ("district_admin", "street_admin")
        assert user.has_perm(perm, theirs) is (perm in EXPECTED[role] and wide)
    visible = set(files_for(user))
    if VIEW_FILE not in EXPECTED[role]:
        assert visible == set()
    elif role in ("district_admin", "street_admin"):
        assert visible == {mine, theirs}
    else:
        assert visible == {mine}
