"""Pages of demand lists at a million rows: a capped count, and a page of many matches
fetched with the scope marked wide (``core.scoping.widened``) so that the newest-first
order walks its index instead of sorting a whole street or district (bench/README.md)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from gongzhi.core.api import Pagination
from gongzhi.core.scoping import wide_terms, widened
from gongzhi.core.search import driving

# Past this many rows a list says "10000+" instead of counting a district's million
# (GitLab and Sentry cap their counts the same way); narrow the filter to see further.
COUNT_CAP = 10_000
# From this many matches on, they lie close enough together in time that walking the
# newest-first index finds a page at once; fewer (a rare filter, one community's open
# cases) and the path range with a sort of the few matches is the better plan.
WIDE_FROM = 1_000


def page_rows(queryset, count: int, bottom: int, top: int):
    """Rows ``bottom:top`` of a newest-first ``queryset`` of ``count`` rows, widened when
    there are many."""
    return (widened(queryset) if count >= WIDE_FROM else queryset)[bottom:top]


class DemandPaginator(Paginator):
    """For the newest-first lists: capped count, widened pages."""

    cap = COUNT_CAP
    widen = True

    @cached_property
    def count(self) -> int:
        # Unordered: the count takes the path range of a covering index, no sort; a
        # whole district's range is no filter, so another index (or the text search's
        # matches) may serve its filters.
        rows = self.object_list.order_by()
        if wide_terms(rows, depth=1):
            rows = driving(widened(rows, depth=1))
        found = rows[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)

    @property
    def count_label(self) -> str:
        return f"{self.count}+" if self.count and self.capped else str(self.count)

    @property
    def pages_label(self) -> str:
        return f"{self.num_pages}+" if self.count and self.capped else str(self.num_pages)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = (
            page_rows(self.object_list, self.count, bottom, top)
            if self.widen
            else self.object_list[bottom:top]
        )
        return self._get_page(rows, number, self)


class WorkPaginator(DemandPaginator):
    """For the work lists (open cases, oldest or soonest due first): their matches are
    the newest few, so walking an index from the oldest end would read all of it; the
    path range serves them as they are."""

    widen = False


class DemandPagination(Pagination):
    """The API's limit/offset with the same page query (the count stays exact: clients
    page by it)."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        count = self._items_count(queryset)
        return {
            self.items_attribute: page_rows(queryset, count, offset, offset + limit),
            "count": count,
        }
