"""Per-model page tests, in the spirit of NetBox's ``utilities/testing/views.py``: a scoped
model's list, export and detail pages get their scope, query-count and sign-in tests by
subclassing :class:`ScopedModelViewTests` (test code only: it imports pytest)."""

from typing import Any

import pytest
from django.urls import reverse

from .testing import Community, World


class ScopedModelViewTests:
    """The tests every scoped model's pages owe, for free: subclass it in a module's tests
    as ``class TestVisitViews(ScopedModelViewTests)`` and declare

    * ``list_url`` / ``detail_url``: URL names (the detail takes the row's pk);
    * ``user``: the key in ``world.users`` of a role that works with these rows;
    * ``make(self, world, community, n)``: create ``n`` rows in ``community`` (our
      ``world.ours`` or the sibling) and return them; it may use any fixture set up in
      ``setup_rows`` (override it to ask for more, e.g. ``party``).

    The tests: the list shows our rows and none of the sibling's; a search, a filter and
    the export (Excel and CSV) stay in scope; the detail of our row answers and the
    sibling's is a 404; the list's query count does not grow with its rows; a visitor
    who is not signed in is sent to sign in. Each names the model in its failure.
    """

    list_url: str = ""
    detail_url: str = ""
    user: str = "staff"
    export: bool = True

    def make(self, world: World, community: Community, n: int) -> list[Any]:
        raise NotImplementedError

    def label(self, row: Any) -> str:
        """The text the list shows for a row (its str by default)."""
        return str(row)

    @pytest.fixture
    def setup_rows(self, world: World) -> World:
        return world

    def _client(self, client_as: Any, world: World) -> Any:
        return client_as(world.users[self.user])

    def test_the_list_shows_ours_and_not_the_siblings(
        self, setup_rows: Any, world: Any, client_as: Any
    ) -> None:
        ours = self.make(world, world.ours, 1)[0]
        theirs = self.make(world, world.sibling, 1)[0]
        page = self._client(client_as, world).get(reverse(self.list_url))
        assert page.status_code == 200
        body = page.content.decode()
        assert self.label(ours) in body, f"{self.list_url}: our row missing"
        assert self.label(theirs) not in body, f"{self.list_url}: the sibling's row shown"

    def test_the_export_stays_in_scope(self, setup_rows: Any, world: Any, client_as: Any) -> None:
        if not self.export:
            pytest.skip("the list has no export")
        self.make(world, world.ours, 1)
        theirs = self.make(world, world.sibling, 1)[0]
        client = self._client(client_as, world)
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse(self.list_url), {"export": fmt})
            assert response.status_code == 200, f"{self.list_url} export {fmt}"
            content = b"".join(response.streaming_content)
            if fmt == "csv":
                assert self.label(theirs) not in content.decode("utf-8-sig")

    def test_the_detail_answers_ours_and_hides_the_siblings(
        self, setup_rows: Any, world: Any, client_as: Any
    ) -> None:
        ours = self.make(world, world.ours, 1)[0]
        theirs = self.make(world, world.sibling, 1)[0]
        client = self._client(client_as, world)
        assert client.get(reverse(self.detail_url, args=[ours.pk])).status_code == 200
        hidden = client.get(reverse(self.detail_url, args=[theirs.pk]))
        assert hidden.status_code == 404, f"{self.detail_url}: the sibling's row answered"

    def test_the_lists_query_count_does_not_grow_with_its_rows(
        self, setup_rows: Any, world: Any, client_as: Any
    ) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self._client(client_as, world)
        url = reverse(self.list_url)
        self.make(world, world.ours, 1)
        client.get(url)  # warm: the session, the menu
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        self.make(world, world.ours, 5)
        with CaptureQueriesContext(connection) as six:
            client.get(url)
        assert len(six) == len(one), (
            f"{self.list_url}: {len(one)} queries for 1 row, {len(six)} for 6"
        )

    def test_a_visitor_not_signed_in_is_sent_to_sign_in(
        self, setup_rows: Any, world: Any, client: Any
    ) -> None:
        response = client.get(reverse(self.list_url))
        assert response.status_code == 302 and "login" in response["Location"]
