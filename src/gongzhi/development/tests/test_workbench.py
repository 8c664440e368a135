"""The development steps due, on the workbench of those who manage the files
(development.manifest's to-do)."""

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.core.testing import make_user
from gongzhi.core.tests.test_workbench import page, todo_counts

pytestmark = pytest.mark.django_db


def test_a_step_due_is_waiting_for_the_branch_not_for_the_neighbour(world, open_file, client_as):
    file = open_file()  # applied in 2024: the talk with the applicant is long overdue
    body = page(client_as(world.users["secretary"]))
    assert todo_counts(body).get("development.due") == 1
    assert "其中 1 件已超期" in body and f'href="{file.get_absolute_url()}"' in body
    neighbour = make_user("ll", Role.COMMUNITY_SECRETARY, world.sibling.community)
    assert "development.due" not in todo_counts(page(client_as(neighbour)))
    # The grid worker does not manage files (a resident lands on the portal: no workbench).
    assert "development.due" not in todo_counts(page(client_as(world.users["grid_worker"])))
