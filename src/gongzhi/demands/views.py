from django.utils.translation import gettext_lazy as _

from gongzhi.core.views import ScopedDetailView, ScopedListView

from . import services
from .filters import DemandFilter
from .models import Demand
from .permissions import VIEW
from .tables import DemandTable


class DemandListView(ScopedListView):
    model = Demand
    permission = VIEW
    filterset_class = DemandFilter
    table_class = DemandTable
    title = _("民情诉求")
    export_name = "demands"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("category", "unit")
            .order_by("-received_at", "-id")
        )


class DemandDetailView(ScopedDetailView):
    model = Demand
    permission = VIEW
    template_name = "demands/detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("category", "unit", "area", "household", "merged_into")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        demand = self.object
        context.update(
            events=demand.events.select_related("actor"),
            requesters=demand.requesters.all(),
            actions=services.allowed_actions(demand, self.request.user),
            extensions=demand.extensions.all(),
        )
        return context
