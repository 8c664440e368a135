"""Pages of demand lists at a million rows: a capped count, and each page fetched with
the scope marked wide (``core.scoping.widened``) so that the newest-first order walks
its index instead of sorting a whole street or district (bench/README.md)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from gongzhi.core.api import Pagination
from gongzhi.core.scoping import widened

# Past this many rows a list says "10000+" instead of counting a district's million
# (GitLab and Sentry cap their counts the same way); narrow the filter to see further.
COUNT_CAP = 10_000


class DemandPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # Unordered: the count takes the path range of a covering index, no sort.
        found = self.object_list.order_by()[: self.cap + 1].count()
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
        return self._get_page(widened(self.object_list)[bottom:top], number, self)


class DemandPagination(Pagination):
    """The API's limit/offset with the same widened page query (the count stays exact:
    clients page by it)."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        return {
            self.items_attribute: widened(queryset)[offset : offset + limit],
            "count": self._items_count(queryset),
        }
