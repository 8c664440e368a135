"""Pages of the party module: thin declarations over party.selectors and party.services.

Every view names its ``model`` and ``permission``: objects are fetched through
``Model.objects.visible_to(user, permission)`` (404 outside the scope) and every form
submission calls exactly one service, so the rules stay in services.py.
"""

from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.areas.models import Area
from gongzhi.core import pii
from gongzhi.core.exports import ListExporter
from gongzhi.core.views import (
    RevealMixin,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ServiceActionView,
    ServiceFormView,
)

from . import forms, selectors, services
from .choices import TERMED_TYPES, Category, Standing, TransferKind, TransferState
from .filters import WARNINGS, MemberFilter, TalentFilter, TransferFilter
from .models import CommitteeSeat, CommunityCadre, Member, Organization, Transfer
from .permissions import (
    CHANGE_MEMBER,
    CHANGE_ORG,
    MANAGE_TRANSFER,
    VIEW_MEMBER,
    VIEW_MEMBER_PII,
    VIEW_ORG,
)
from .tables import MemberTable, TalentTable, TransferTable

OPEN_STATES = (TransferState.SENT, TransferState.RECEIVED)
WARNING_ROWS = 10  # rows shown per warning on the warnings page; the list has the rest


def _today():
    return timezone.localdate()


class ObjectFormView(ServiceFormView):
    """A service form about one object (``pk``): the object heads the page, its version
    fills the hidden optimistic-lock field."""

    form_class = None

    def get_object(self, queryset=None):
        if not hasattr(self, "_object"):
            self._object = super().get_object(queryset)
        return self._object

    def get_initial(self) -> dict:
        obj = self.get_object()
        return {"version": obj.version} if hasattr(obj, "version") else {}

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self, data=None, files=None):
        return self.form_class(data, initial=self.get_initial(), **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parent"] = self.get_object()
        return context


class OrganizationFormMixin:
    model = Organization
    permission = CHANGE_ORG

    def get_queryset(self):
        return selectors.organizations_for(self.request.user, self.permission)


class MemberFormMixin:
    model = Member
    permission = CHANGE_MEMBER

    def get_queryset(self):
        return selectors.members_for(self.request.user, self.permission)

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user, "member": self.get_object()}


class TransferFormMixin:
    model = Transfer
    permission = MANAGE_TRANSFER

    def get_queryset(self):
        return selectors.transfers_for(self.request.user, self.permission)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parent"] = self.get_object().member  # the page is headed by the member
        return context


# --- Organizations -------------------------------------------------------------------


class OrganizationTreeView(ScopedMixin, TemplateView):
    """The organization tree with member counts, committee sizes, terms and warnings;
    ``?root=<id>`` shows one subtree, ``?export=xlsx`` downloads what is shown."""

    model = Organization
    permission = VIEW_ORG
    template_name = "party/organization_tree.html"
    title = _("党组织")

    def get_nodes(self):
        root_id = self.request.GET.get("root")
        self.root = selectors.get_organization(self.request.user, root_id) if root_id else None
        return selectors.organization_tree(self.request.user, root=self.root, today=_today())

    def get(self, request, *args, **kwargs):
        nodes = self.get_nodes()
        if request.GET.get("export") in ("xlsx", "csv"):
            exporter = ListExporter("party-organizations", self.title, *_tree_rows(nodes))
            return exporter.respond(request, fmt=request.GET["export"])
        context = self.get_context_data(
            nodes=nodes,
            root=self.root,
            title=self.title,
            can_create=request.user.has_perm(CHANGE_ORG),
        )
        return self.render_to_response(context)


def _tree_rows(nodes):
    headers = [
        _("名称"),
        _("类型"),
        _("服务区域"),
        _("上级党组织"),
        _("直属党员"),
        _("正式党员"),
        _("含下级党员"),
        _("委员会人数"),
        _("任期届满"),
        _("提示"),
    ]
    rows = (
        [
            "　" * n.depth + n.org.name,
            n.org.get_org_type_display(),
            n.org.area.full_name or n.org.area.name,
            n.org.parent.name if n.org.parent_id else "",
            n.members,
            n.full_members,
            n.subtree_members,
            n.committee_size,
            n.org.term_ends_on,
            "；".join(n.warnings),
        ]
        for n in nodes
    )
    return headers, rows


class OrganizationDetailView(ScopedDetailView):
    model = Organization
    permission = VIEW_ORG
    template_name = "party/organization_detail.html"

    def get_queryset(self):
        return selectors.organizations_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, org = self.request.user, self.object
        nodes = selectors.organization_tree(user, root=org, today=_today())
        can_change = user.has_perm(CHANGE_ORG, org)
        context.update(
            node=nodes[0] if nodes else None,
            subtree=nodes[1:],
            seats=selectors.seats_of(user, org),
            members=selectors.members_of(user, org)[:100],
            parent_visible=bool(org.parent_id)
            and selectors.organizations_for(user).filter(pk=org.parent_id).exists(),
            can_change=can_change,
            can_renew=can_change and org.org_type in TERMED_TYPES,
            seat_form=forms.SeatForm(user=user, organization=org) if can_change else None,
            renew_form=forms.RenewTermForm(initial={"version": org.version})
            if can_change
            else None,
        )
        return context


class OrganizationCreateView(ServiceFormView):
    model = Organization
    permission = CHANGE_ORG
    title = _("新建党组织")

    def get_form(self, data=None, files=None):
        initial = {}
        parent_id = self.request.GET.get("parent")
        if parent_id:
            parent = (
                selectors.organizations_for(self.request.user, CHANGE_ORG)
                .filter(pk=parent_id if (parent_id.isascii() and parent_id.isdigit()) else 0)
                .first()
            )
            if parent is not None:
                initial = {"parent": parent, "area": parent.area}
        return forms.OrganizationCreateForm(data, initial=initial, user=self.request.user)

    def perform(self, form):
        return services.create_organization(actor=self.request.user, **form.cleaned_data)


class OrganizationEditView(OrganizationFormMixin, ObjectFormView):
    form_class = forms.OrganizationEditForm
    title = _("修改党组织")

    def get_initial(self):
        org = self.get_object()
        return {
            "version": org.version,
            "name": org.name,
            "founded_on": org.founded_on,
            "term_started_on": org.term_started_on,
            "term_years": org.term_years,
            "is_active": org.is_active,
        }

    def perform(self, form):
        data = dict(form.cleaned_data)
        version = data.pop("version")
        return services.update_organization(
            self.get_object(), actor=self.request.user, version=version, **data
        )


class OrganizationRenewView(OrganizationFormMixin, ObjectFormView):
    form_class = forms.RenewTermForm
    title = _("换届")
    success_message = _("已登记换届，新一届任期开始计算。")

    def perform(self, form):
        return services.renew_term(
            self.get_object(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            started_on=form.cleaned_data["term_started_on"],
        )


class SeatAddView(OrganizationFormMixin, ObjectFormView):
    form_class = forms.SeatForm
    title = _("增加委员")

    def get_initial(self):
        return {}

    def get_form_kwargs(self):
        return {"user": self.request.user, "organization": self.get_object()}

    def perform(self, form):
        return services.add_seat(
            actor=self.request.user, organization=self.get_object(), **form.cleaned_data
        )

    def get_success_url(self, result):
        return self.get_object().get_absolute_url()


class SeatRemoveView(ServiceActionView):
    model = CommitteeSeat
    permission = CHANGE_ORG
    success_message = _("已移出委员会。")

    def get_queryset(self):
        return super().get_queryset().select_related("organization")

    def perform(self, obj):
        services.remove_seat(obj, actor=self.request.user)

    def get_success_url(self, obj):
        return obj.organization.get_absolute_url()


# --- Members ------------------------------------------------------------------------


class MemberListView(ScopedListView):
    """The registry: holding members unless another standing is chosen; ID and phone
    masked on the page and in the export alike."""

    model = Member
    permission = VIEW_MEMBER
    filterset_class = MemberFilter
    table_class = MemberTable
    title = _("党员")
    export_name = "party-members"
    template_name = "party/member_list.html"
    create_url = reverse_lazy("party:member_create")
    create_permission = CHANGE_MEMBER

    def get_queryset(self):
        # Always bound: an empty query still lists holding members only (MemberFilter).
        queryset = ScopedMixin.get_queryset(self).select_related("organization")
        self.filterset = MemberFilter(self.request.GET, queryset=queryset, request=self.request)
        return self.filterset.qs if self.filterset.is_valid() else queryset.holding()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_import"] = self.request.user.has_perm(CHANGE_MEMBER)
        return context


class MemberDetailView(ScopedDetailView):
    model = Member
    permission = VIEW_MEMBER
    template_name = "party/member_detail.html"

    def get_queryset(self):
        return selectors.members_for(self.request.user, self.permission).select_related(
            "party_group", "household"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, member, today = self.request.user, self.object, _today()
        holding = member.standing in (Standing.ACTIVE, Standing.SUSPENDED)
        can_change = holding and user.has_perm(CHANGE_MEMBER, member)
        transfers = list(selectors.member_transfers(user, member))
        open_transfer = next((t for t in transfers if t.state in OPEN_STATES), None)
        context.update(
            today=today,
            age=pii.age_on(member.birth_date, today),
            standing_years=member.standing_years(today),
            months_out=services.months_out_of_contact(member, today),
            events=selectors.timeline(member),
            transfers=transfers,
            contacts=member.contacts.order_by("-contacted_on")[:20],
            seats=member.seats.select_related("organization"),
            can_change=can_change,
            can_view_pii=user.has_perm(VIEW_MEMBER_PII, member),
            can_transfer=holding
            and member.standing == Standing.ACTIVE
            and open_transfer is None
            and user.has_perm(MANAGE_TRANSFER, member),
            can_receive_pocket=member.category == Category.POCKET
            and holding
            and user.has_perm(MANAGE_TRANSFER, member),
            is_active=member.standing == Standing.ACTIVE,
            is_suspended=member.standing == Standing.SUSPENDED,
        )
        return context


class MemberRevealView(RevealMixin, MemberDetailView):
    permission = VIEW_MEMBER_PII
    reveal = staticmethod(services.reveal_id_number)


class MemberCardView(MemberDetailView):
    template_name = "party/member_card.html"


class MemberCreateView(ServiceFormView):
    model = Member
    permission = CHANGE_MEMBER
    title = _("登记党员")
    template_name = "party/member_form.html"

    def get_form(self, data=None, files=None):
        initial = {}
        org_id = self.request.GET.get("organization", "")
        if org_id.isascii() and org_id.isdigit():
            initial["organization"] = org_id
        return forms.MemberRegisterForm(data, initial=initial, user=self.request.user)

    def perform(self, form):
        return services.register_member(
            actor=self.request.user,
            organization=form.cleaned_data["organization"],
            on=_today(),
            **form.identity_data(),
            **form.profile_data(),
        )


class MemberEditView(MemberFormMixin, ObjectFormView):
    form_class = forms.MemberEditForm
    title = _("修改党员信息")
    template_name = "party/member_form.html"

    def get_initial(self):
        member = self.get_object()
        initial = {key: getattr(member, key) for key in forms.MemberEditForm.base_fields}
        initial["version"] = member.version
        return initial

    def perform(self, form):
        return services.update_member(
            self.get_object(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            on=_today(),
            **form.changes(),
        )


class MemberMoveView(MemberFormMixin, ObjectFormView):
    form_class = forms.MoveForm
    title = _("调整党支部")

    def perform(self, form):
        data = form.cleaned_data
        return services.move_member(
            self.get_object(),
            actor=self.request.user,
            version=data["version"],
            to_org=data["to_org"],
            on=data["on"],
            note=data["note"],
        )


class MemberCategoryView(MemberFormMixin, ObjectFormView):
    form_class = forms.CategoryForm
    title = _("变更党员类别")

    def get_form_kwargs(self):
        return {}

    def perform(self, form):
        data = form.cleaned_data
        return services.change_category(
            self.get_object(),
            actor=self.request.user,
            version=data["version"],
            category=data["category"],
            on=data["on"],
            note=data["note"],
        )


class MemberConvertView(MemberFormMixin, ObjectFormView):
    form_class = forms.ConvertForm
    title = _("转为正式党员")

    def get_form_kwargs(self):
        return {}

    def perform(self, form):
        return services.convert_to_full(
            self.get_object(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            on=form.cleaned_data["converted_on"],
        )


class MemberContactView(MemberFormMixin, ObjectFormView):
    form_class = forms.ContactForm
    title = _("登记联系")

    def get_initial(self):
        return {}

    def get_form_kwargs(self):
        return {}

    def perform(self, form):
        return services.record_contact(
            self.get_object(), actor=self.request.user, **form.cleaned_data
        )

    def get_success_url(self, result):
        return self.get_object().get_absolute_url()


class DatedMemberAction(MemberFormMixin, ObjectFormView):
    """Suspend, restore, death: a date and a note, one service each."""

    form_class = forms.DatedNoteForm
    service = None

    def get_form_kwargs(self):
        return {}

    def perform(self, form):
        data = form.cleaned_data
        return type(self).service(
            self.get_object(),
            actor=self.request.user,
            version=data["version"],
            on=data["on"],
            note=data["note"],
        )


class MemberSuspendView(DatedMemberAction):
    title = _("停止党籍")
    service = services.suspend_standing


class MemberRestoreView(DatedMemberAction):
    title = _("恢复党籍")
    service = services.restore_standing


class MemberDeathView(DatedMemberAction):
    title = _("登记去世")
    service = services.record_death


class MemberRemoveView(MemberFormMixin, ObjectFormView):
    form_class = forms.RemoveForm
    title = _("除名")

    def get_form_kwargs(self):
        return {}

    def perform(self, form):
        data = form.cleaned_data
        return services.remove_member(
            self.get_object(),
            actor=self.request.user,
            version=data["version"],
            on=data["on"],
            reason=data["reason"],
        )


class TalentView(ScopedListView):
    """人才库: who in the scope can help with a skill, e.g. legal advice in a community."""

    model = Member
    permission = VIEW_MEMBER
    table_class = TalentTable
    title = _("人才库")
    export_name = "party-talent"

    def get_queryset(self):
        self.filterset = TalentFilter(self.request.GET or None, request=self.request)
        return self.filterset.qs


class WarningsView(ScopedMixin, TemplateView):
    """The member warnings of RULES.md with their counts and first rows; each links to
    the full (exportable) list."""

    model = Member
    permission = VIEW_MEMBER
    template_name = "party/warnings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, _today()
        member_list = reverse("party:member_list")
        sections = []
        for key, (label, selector) in WARNINGS.items():
            queryset = selector(user, today).order_by("path", "name")
            sections.append(
                {
                    "key": key,
                    "label": label,
                    "count": queryset.count(),
                    "rows": queryset[:WARNING_ROWS],
                    "url": f"{member_list}?warning={key}",
                }
            )
        letters = selectors.overdue_letters(user, today).order_by("valid_until")
        context.update(
            title=_("党员预警"),
            sections=sections,
            letters_count=letters.count(),
            letters=letters[:WARNING_ROWS],
            letters_url=reverse("party:transfer_list") + "?overdue=on",
            terms=selectors.organizations_term_due(user, today),
            today=today,
        )
        return context


# --- Transfers ------------------------------------------------------------------------


class TransferListView(ScopedListView):
    """Both the sending and the receiving side see a transfer; overdue letters stand out."""

    model = Transfer
    permission = MANAGE_TRANSFER
    filterset_class = TransferFilter
    table_class = TransferTable
    title = _("组织关系转接")
    export_name = "party-transfers"
    template_name = "party/transfer_list.html"
    create_url = reverse_lazy("party:transfer_receive_outside")
    create_permission = MANAGE_TRANSFER

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("member", "from_org", "to_org")
            .order_by("-issued_on", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overdue"] = selectors.overdue_letters(self.request.user, _today()).order_by(
            "valid_until"
        )[:WARNING_ROWS]
        return context


ACTION_FORMS = {
    "receive": (forms.TransferReceiveForm, "party:transfer_receive", _("接收")),
    "return": (forms.TransferReturnForm, "party:transfer_return", _("退回")),
    "cancel": (forms.TransferCancelForm, "party:transfer_cancel", _("撤销")),
    "confirm": (forms.TransferConfirmForm, "party:transfer_confirm", _("确认回执")),
}


services.TRANSFER_WORKFLOW.routes(pages=ACTION_FORMS)  # checked: core.workflow


class TransferDetailView(ScopedDetailView):
    model = Transfer
    permission = MANAGE_TRANSFER
    template_name = "party/transfer_detail.html"

    def get_queryset(self):
        return selectors.transfers_for(self.request.user, self.permission)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, transfer = self.request.user, self.object
        actions = []
        for action in services.TRANSFER_WORKFLOW.allowed(transfer, user):
            form_class, url_name, label = ACTION_FORMS[action]
            actions.append(
                {
                    "name": action,
                    "label": label,
                    "url": reverse(url_name, args=[transfer.pk]),
                    "form": form_class(
                        initial={"version": transfer.version}, auto_id=f"id_{action}_%s"
                    ),
                }
            )
        context.update(
            actions=actions,
            overdue=selectors.letter_overdue(transfer, _today()),
            is_outward=transfer.kind == TransferKind.OUT,
        )
        return context


class TransferReceiveView(TransferFormMixin, ObjectFormView):
    form_class = forms.TransferReceiveForm
    title = _("接收组织关系")
    success_message = _("已接收，党员已编入本支部。")

    def perform(self, form):
        return services.receive_transfer(
            self.get_object(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            on=form.cleaned_data["received_on"],
        )


class TransferReturnView(TransferFormMixin, ObjectFormView):
    form_class = forms.TransferReturnForm
    title = _("退回组织关系")

    def perform(self, form):
        return services.return_transfer(
            self.get_object(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )


class TransferCancelView(TransferFormMixin, ObjectFormView):
    form_class = forms.TransferCancelForm
    title = _("撤销转接")

    def perform(self, form):
        return services.cancel_transfer(
            self.get_object(), actor=self.request.user, version=form.cleaned_data["version"]
        )


class TransferConfirmView(TransferFormMixin, ObjectFormView):
    form_class = forms.TransferConfirmForm
    title = _("确认回执")

    def perform(self, form):
        return services.confirm_transfer(
            self.get_object(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            on=form.cleaned_data["on"],
        )


class TransferSendView(MemberFormMixin, ObjectFormView):
    """Issue the introduction letter for member ``pk``."""

    permission = MANAGE_TRANSFER
    form_class = forms.TransferSendForm
    title = _("开具组织关系介绍信")
    success_message = _("介绍信已开具；接收方接收前，党员仍由本支部管理。")

    def get_initial(self):
        return {}

    def perform(self, form):
        return services.send_transfer(
            self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class ReceiveFromOutsideView(ServiceFormView):
    """A letter from outside the system: a new member, or a pocket member of ours."""

    model = Transfer
    permission = MANAGE_TRANSFER
    title = _("接收系统外转入")
    template_name = "party/member_form.html"
    success_message = _("已接收转入。")

    def get_form(self, data=None, files=None):
        initial = {}
        member_id = self.request.GET.get("member", "")
        if member_id.isascii() and member_id.isdigit():
            initial["member"] = member_id
        return forms.ReceiveFromOutsideForm(data, initial=initial, user=self.request.user)

    def perform(self, form):
        data = form.cleaned_data
        letter = {
            key: data[key]
            for key in ("to_org", "letter_no", "issued_on", "external_org", "received_on")
        }
        if data["member"] is not None:
            return services.receive_from_outside(
                actor=self.request.user, member=data["member"], **letter
            )
        return services.receive_from_outside(
            actor=self.request.user, **letter, **form.member_data()
        )


# --- Two committees ---------------------------------------------------------------------


class CadreOverviewView(ScopedMixin, TemplateView):
    """Every community in scope with its two-committee check; ``?failing=1`` lists only
    those that fail, with the reasons (and exports them)."""

    model = Area
    permission = VIEW_ORG
    template_name = "party/cadre_overview.html"
    title = _("两委班子")

    def get(self, request, *args, **kwargs):
        failing = {
            community.pk: problems
            for community, problems in selectors.communities_failing_checks(request.user, _today())
        }
        only_failing = request.GET.get("failing") == "1"
        rows = [
            (community, failing.get(community.pk, []))
            for community in selectors.communities_for(request.user)
            if not only_failing or community.pk in failing
        ]
        if request.GET.get("export") in ("xlsx", "csv"):
            return ListExporter(
                "party-two-committees",
                self.title,
                [_("社区"), _("检查结果"), _("问题")],
                (
                    [c.full_name or c.name, _("不符合") if p else _("符合"), "；".join(p)]
                    for c, p in rows
                ),
            ).respond(request, fmt=request.GET["export"])
        return self.render_to_response(
            self.get_context_data(
                title=self.title,
                rows=rows,
                only_failing=only_failing,
                failing_count=len(failing),
            )
        )


class CommunityMixin:
    model = Area

    def get_queryset(self):
        return selectors.communities_for(self.request.user, self.permission)


class CadreRosterView(CommunityMixin, ScopedDetailView):
    permission = VIEW_ORG
    template_name = "party/cadre_roster.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, community, today = self.request.user, self.object, _today()
        cadres = list(selectors.cadres_for(user, community))
        context.update(
            cadres=[(c, pii.age_on(c.birth_date, today)) for c in cadres],
            problems=selectors.two_committee_problems(cadres, today),
            can_change=user.has_perm(CHANGE_ORG, community),
        )
        return context


class CadreAddView(CommunityMixin, ObjectFormView):
    permission = CHANGE_ORG
    form_class = forms.CadreForm
    title = _("增加两委成员")

    def get_initial(self):
        return {}

    def get_form_kwargs(self):
        return {"user": self.request.user, "community": self.get_object()}

    def perform(self, form):
        return services.save_cadre(
            actor=self.request.user, community=self.get_object(), **form.cleaned_data
        )

    def get_success_url(self, result):
        return reverse("party:cadre_roster", args=[self.get_object().pk])


class CadreEditView(ObjectFormView):
    model = CommunityCadre
    permission = CHANGE_ORG
    form_class = forms.CadreForm
    title = _("修改两委成员")

    def get_queryset(self):
        return super().get_queryset().select_related("community")

    def get_initial(self):
        cadre = self.get_object()
        return {key: getattr(cadre, key) for key in forms.CadreForm.base_fields}

    def get_form_kwargs(self):
        return {"user": self.request.user, "community": self.get_object().community}

    def perform(self, form):
        cadre = self.get_object()
        return services.save_cadre(
            actor=self.request.user, community=cadre.community, cadre=cadre, **form.cleaned_data
        )

    def get_success_url(self, result):
        return reverse("party:cadre_roster", args=[result.community_id])


class CadreRemoveView(ServiceActionView):
    model = CommunityCadre
    permission = CHANGE_ORG
    success_message = _("已移出两委班子。")

    def get_queryset(self):
        return super().get_queryset().select_related("community")

    def perform(self, obj):
        services.remove_cadre(obj, actor=self.request.user)

    def get_success_url(self, obj):
        return reverse("party:cadre_roster", args=[obj.community_id])
