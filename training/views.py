"""Cadre pages: assignments, ward and province dashboards, a resident's phone number.

Every view asks `accounts.permissions` what the user may see; anything outside that
scope is a 404, so a guessed id does not even confirm that the thing exists.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import permissions
from accounts import selectors as account_selectors
from accounts.collation import vietnamese
from accounts.models import Province, User, Ward

from . import assignments as assigning
from . import charts, figures, residents
from .forms import AssignmentForm, ResidentFilterForm
from .models import Assignment, TrainingSettings

RESIDENTS_PER_PAGE = 50


def cadre_required(view):
    """Logged-in cadres only; everyone else gets a 404, like any out-of-scope URL."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not permissions.is_cadre(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def ward_in_scope(user: User, ward_id: int) -> Ward:
    """The ward, if the user may see it; otherwise 404 (whether or not it exists)."""
    return get_object_or_404(permissions.visible_wards(user).select_related("province"), pk=ward_id)


def assignment_in_scope(user: User, assignment_id: int) -> Assignment:
    return get_object_or_404(assigning.assignments_in_scope(user=user), pk=assignment_id)


@require_GET
@cadre_required
def dashboard(request):
    """The cadre's start page: their wards or province, assignments, notices."""
    user = request.user
    provinces = list(permissions.visible_provinces(user).order_by(vietnamese("name")))
    province_links = [p for p in provinces if permissions.can_see_province_report(user, p)]
    wards = (
        list(permissions.visible_wards(user).order_by(vietnamese("name")))
        if not province_links
        else []
    )
    notices = account_selectors.notices_unread(user=user)
    return render(
        request,
        "training/dashboard.html",
        {
            "provinces": province_links,
            "wards": wards,
            "assignments": assigning.assignments_in_scope(user=user)[:10],
            "notices": notices,
        },
    )


@require_GET
@cadre_required
def province_dashboard(request, province_id: int):
    """Every ward of the province: completion per assignment and overall, lagging wards."""
    province = get_object_or_404(Province, pk=province_id)
    if not permissions.can_see_province_report(request.user, province):
        raise Http404
    report = figures.province_report(
        province=province, settings=TrainingSettings.current(request=request)
    )
    rows, sort = figures.province_rows_sorted(report.rows, request.GET.get("sap-xep", "ten"))
    return render(
        request,
        "training/province.html",
        {
            "report": report,
            "rows": rows,
            "sort": sort,
            "sort_choices": figures.PROVINCE_SORT_LABELS.items(),
            "chart": charts.completion_bars(report),
        },
    )


@require_GET
@cadre_required
def ward_dashboard(request, ward_id: int):
    """One ward: figures per assignment and the residents, filtered and searchable."""
    ward = ward_in_scope(request.user, ward_id)
    residents_count, summaries = figures.ward_summary(ward=ward)
    assignments = [s.assignment for s in summaries]
    form, filters = ward_list_filters(request, assignments)
    chosen = filters.assignment
    listed = residents.ward_residents(
        ward=ward, assignment=chosen, status=filters.status, search=filters.search
    )
    page = Paginator(listed, RESIDENTS_PER_PAGE).get_page(request.GET.get("trang"))
    return render(
        request,
        "training/ward.html",
        {
            "ward": ward,
            "residents_count": residents_count,
            "summaries": summaries,
            "form": form,
            "chosen": chosen,
            "page": page,
            "lines": residents.resident_lines(list(page.object_list), chosen),
            "query_without_page": _query_without(request, "trang"),
        },
    )


@dataclass
class WardListFilters:
    assignment: Assignment | None
    status: str
    search: str


def ward_list_filters(request, assignments: list[Assignment]):
    """The ward list's filters from the query string; a bad value drops only itself.

    Unfiltered, the list follows the soonest-due assignment, and the form shows it;
    "giao" left empty means the plain list of residents.
    """
    default = assignments[0] if assignments else None
    form = ResidentFilterForm(
        request.GET or None,
        initial={"giao": default.pk} if default else {},
        assignments=assignments,
    )
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    assignment = default
    if request.GET.get("giao") == "":
        assignment = None
    elif "giao" in cleaned:
        assignment = next((a for a in assignments if a.pk == cleaned["giao"]), default)
    filters = WardListFilters(
        assignment=assignment,
        status=cleaned.get("trang_thai", ""),
        # A refused phone search stays the search (and finds nobody), never "everyone".
        search=cleaned["q"] if "q" in cleaned else form.data.get("q", "")[:100],
    )
    return form, filters


def _query_without(request, name: str) -> str:
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


@require_POST
@cadre_required
def phone_reveal(request, user_id: int):
    """Show one resident's full number, after an explicit request that is logged.

    Only a resident of a ward in the cadre's scope: the cadre's own row, a colleague's or
    an editor's is a 404 like any id outside the scope.
    """
    resident = get_object_or_404(
        account_selectors.residents_of(wards=permissions.visible_wards(request.user)),
        pk=user_id,
    )
    try:
        phone = residents.phone_reveal(viewer=request.user, resident=resident)
    except PermissionDenied as refused:
        raise Http404 from refused
    return render(
        request,
        "training/phone_reveal.html",
        {"resident": resident, "phone": phone, "back": _safe_back(request, resident)},
    )


def _safe_back(request, resident: User) -> str:
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("training:ward", args=[resident.ward_id])


@require_GET
@cadre_required
def assignment_list(request):
    assignments = assigning.assignments_in_scope(user=request.user)
    page = Paginator(assignments, 30).get_page(request.GET.get("trang"))
    return render(request, "training/assignment_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@cadre_required
def assignment_create(request):
    """Assign courses to wards of the cadre's scope, with a due date and an audience."""
    form = AssignmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = assigning.assignments_create(
                cadre=request.user,
                courses=list(data["courses"]),
                wards=list(data["wards"]),
                due_date=data["due_date"],
                audience=data["audience"],
                born_in_or_before=data.get("born_in_or_before"),
                whole_province=data.get("province"),
            )
        except assigning.AssignmentRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Đã giao %(count)s khóa học.") % {"count": len(created)})
            return redirect("training:assignment_list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "training/assignment_form.html", {"form": form, "assignment": None}, status=status
    )


@require_GET
@cadre_required
def assignment_detail(request, assignment_id: int):
    """An assignment, its wards in the cadre's scope and its history."""
    assignment = assignment_in_scope(request.user, assignment_id)
    wards = assignment.wards.filter(pk__in=permissions.visible_wards(request.user))
    return render(
        request,
        "training/assignment_detail.html",
        {
            "assignment": assignment,
            "wards": wards.order_by(vietnamese("name")),
            "history": assigning.assignment_history(assignment=assignment),
            "editable": assigning.assignment_editable(user=request.user, assignment=assignment),
        },
    )


@require_http_methods(["GET", "POST"])
@cadre_required
def assignment_edit(request, assignment_id: int):
    assignment = assignment_in_scope(request.user, assignment_id)
    if not assigning.assignment_editable(user=request.user, assignment=assignment):
        raise Http404
    if not assignment.is_active:
        messages.error(request, _("Việc giao này đã bị hủy, không sửa được."))
        return redirect("training:assignment_detail", assignment_id=assignment.pk)
    initial = {
        "wards": list(assignment.wards.all()),
        "due_date": assignment.due_date,
        "audience": assignment.audience,
        "born_in_or_before": assignment.born_in_or_before,
    }
    form = AssignmentForm(
        request.POST or None, initial=initial, user=request.user, assignment=assignment
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assigning.assignment_change(
                cadre=request.user,
                assignment=assignment,
                wards=list(data["wards"]),
                due_date=data["due_date"],
                audience=data["audience"],
                born_in_or_before=data.get("born_in_or_before"),
            )
        except assigning.AssignmentRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("training:assignment_detail", assignment_id=assignment.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "training/assignment_form.html",
        {"form": form, "assignment": assignment},
        status=status,
    )


def _editable_assignment(request, assignment_id: int) -> Assignment:
    """An assignment whose every ward is in the cadre's scope; otherwise 404."""
    assignment = assignment_in_scope(request.user, assignment_id)
    if not assigning.assignment_editable(user=request.user, assignment=assignment):
        raise Http404
    return assignment


@require_http_methods(["GET", "POST"])
@cadre_required
def assignment_cancel(request, assignment_id: int):
    """GET asks for confirmation (a page, no JavaScript needed); POST cancels."""
    assignment = _editable_assignment(request, assignment_id)
    if request.method == "GET":
        if not assignment.is_active:
            return redirect("training:assignment_detail", assignment_id=assignment.pk)
        wards = assignment.wards.order_by(vietnamese("name"))
        return render(
            request,
            "training/assignment_cancel.html",
            {"assignment": assignment, "wards": wards},
        )
    try:
        assigning.assignment_cancel(cadre=request.user, assignment=assignment)
    except assigning.AssignmentRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _(
                "Đã hủy việc giao. Lịch sử vẫn được giữ lại. "
                "Bạn có thể bấm “Hoàn tác” trong vòng 24 giờ."
            ),
        )
    return redirect("training:assignment_detail", assignment_id=assignment.pk)


@require_POST
@cadre_required
def assignment_cancel_undo(request, assignment_id: int):
    """Restore an assignment cancelled less than 24 hours ago ("Hoàn tác")."""
    assignment = _editable_assignment(request, assignment_id)
    try:
        assigning.assignment_cancel_undo(cadre=request.user, assignment=assignment)
    except assigning.AssignmentRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Đã hoàn tác: việc giao lại có hiệu lực."))
    return redirect("training:assignment_detail", assignment_id=assignment.pk)
