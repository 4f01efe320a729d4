"""Who may open which cadre page: one matrix of every cadre-facing URL × every kind of user.

Rules (accounts/permissions.py): ward cadres see their wards, province cadres their
province, learners only themselves, admins everything; editors see ward figures in the
Wagtail admin reports but no front-end cadre page. An export belongs to the cadre who
asked for it. Anything outside the scope is a 404 (never a 403, never a 500), so a
guessed id does not even confirm that the thing exists.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import FirstLoginCode, FirstLoginCodeLog, Role, User, Ward
from training.assignments import assignment_cancel, assignments_create
from training.models import Assignment, Export, PhoneExport, PhoneReveal

from .courses_helpers import make_course
from .training_helpers import PASSWORD, make_cadre, make_residents

TODAY = timezone.localdate

# The resident of ward A (also the "learner" of the matrix) and one registered in person.
A_NAME = "Võ Thị Kim Xuyến"
A_PHONE = "0978123456"
PENDING_NAME = "Đặng Văn Chờ"
PENDING_PHONE = "0978123457"
B_NAME = "Trần Văn Bé"

# ------------------------------------------------------------------ the matrix

LOGIN = "login"  # 302 to the login page (the front end's, or the Wagtail admin's)
DONE = "done"  # 302 back to the assignment after a successful POST

ROLES = (
    "anon",
    "learner",
    "ward_a",
    "ward_b",
    "province_hcm",
    "province_hanoi",
    "editor",
    "admin",
)

# fmt: off
MATRIX = {
    #                           anon   learner ward_a ward_b hcm    hanoi  editor admin
    "dashboard":               (LOGIN, 404,   200,   200,   200,   200,   404,   200),
    "province_hcm":            (LOGIN, 404,   404,   404,   200,   404,   404,   200),
    "province_hanoi":          (LOGIN, 404,   404,   404,   404,   200,   404,   200),
    "ward_a":                  (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    "assignment_list":         (LOGIN, 404,   200,   200,   200,   200,   404,   200),
    "assignment_create":       (LOGIN, 404,   200,   200,   200,   200,   404,   200),
    "assignment_detail":       (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    "assignment_edit":         (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    "assignment_cancel_page":  (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    "assignment_cancel":       (LOGIN, 404,   DONE,  404,   DONE,  404,   404,   DONE),
    "assignment_cancel_undo":  (LOGIN, 404,   DONE,  404,   DONE,  404,   404,   DONE),
    "phone_reveal":            (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    "ward_export":             (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    "ward_export_with_phones": (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    "province_export":         (LOGIN, 404,   404,   404,   200,   404,   404,   200),
    "export_status":           (LOGIN, 404,   200,   404,   404,   404,   404,   404),
    "export_download":         (LOGIN, 404,   200,   404,   404,   404,   404,   404),
    "resident_register":       (LOGIN, 404,   200,   200,   200,   200,   404,   200),
    "resident_slip":           (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    "resident_new_code":       (LOGIN, 404,   200,   404,   200,   404,   404,   200),
    # Wagtail admin reports (/quan-tri/): figures only; no admin access -> admin login.
    "report_province":         (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   200),
    "report_province_results": (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   200),
    "report_province_xlsx":    (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   200),
    "report_ward":             (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   200),
    "report_ward_results":     (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   200),
    "report_ward_csv":         (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   200),
}
# fmt: on

POSTS = {
    "assignment_cancel",
    "assignment_cancel_undo",
    "phone_reveal",
    "ward_export_with_phones",
    "resident_slip",
    "resident_new_code",
}


def request_for(key: str, w: dict) -> tuple[str, str, dict]:
    """(method, path, query) of one row of the matrix."""
    ward_a, hcm, hanoi = w["ward_a"], w["hcm"], w["hanoi"]
    assignment, export, cancelled = w["assignment"], w["export"], w["cancelled"]
    paths = {
        "dashboard": (reverse("training:dashboard"), {}),
        "province_hcm": (reverse("training:province", args=[hcm.pk]), {}),
        "province_hanoi": (reverse("training:province", args=[hanoi.pk]), {}),
        "ward_a": (reverse("training:ward", args=[ward_a.pk]), {}),
        "assignment_list": (reverse("training:assignment_list"), {}),
        "assignment_create": (reverse("training:assignment_create"), {}),
        "assignment_detail": (reverse("training:assignment_detail", args=[assignment.pk]), {}),
        "assignment_edit": (reverse("training:assignment_edit", args=[assignment.pk]), {}),
        "assignment_cancel_page": (
            reverse("training:assignment_cancel", args=[assignment.pk]),
            {},
        ),
        "assignment_cancel": (reverse("training:assignment_cancel", args=[assignment.pk]), {}),
        "assignment_cancel_undo": (
            reverse("training:assignment_cancel_undo", args=[cancelled.pk]),
            {},
        ),
        "phone_reveal": (reverse("training:phone_reveal", args=[w["resident_a"].pk]), {}),
        "ward_export": (reverse("training:ward_export", args=[ward_a.pk, "csv"]), {}),
        "ward_export_with_phones": (
            reverse("training:ward_export_with_phones", args=[ward_a.pk]),
            {"dinh_dang": "csv"},
        ),
        "province_export": (reverse("training:province_export", args=[hcm.pk, "xlsx"]), {}),
        "export_status": (reverse("training:export_status", args=[export.pk]), {}),
        "export_download": (reverse("training:export_download", args=[export.pk]), {}),
        "resident_register": (reverse("training:resident_register"), {}),
        "resident_slip": (reverse("training:resident_slip", args=[w["pending"].pk]), {}),
        "resident_new_code": (
            reverse("training:resident_new_code", args=[w["resident_a"].pk]),
            {"confirm": "yes"},
        ),
        "report_province": (reverse("training_reports:province"), {"province": hcm.pk}),
        "report_province_results": (
            reverse("training_reports:province_results"),
            {"province": hcm.pk},
        ),
        "report_province_xlsx": (
            reverse("training_reports:province"),
            {"province": hcm.pk, "export": "xlsx"},
        ),
        "report_ward": (reverse("training_reports:ward"), {"ward": ward_a.pk}),
        "report_ward_results": (reverse("training_reports:ward_results"), {"ward": ward_a.pk}),
        "report_ward_csv": (reverse("training_reports:ward"), {"ward": ward_a.pk, "export": "csv"}),
    }
    path, query = paths[key]
    return ("post" if key in POSTS else "get"), path, query


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# ------------------------------------------------------------------ the world


@pytest.fixture
def world(units, settings, tmp_path):
    """Ward A (Sài Gòn) and ward B (Tân Định) in HCM, Hà Nội elsewhere; one user per role,
    an assignment of ward A by its cadre, and a finished export of ward A's list."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    ward_a, ward_b = units["Phường Sài Gòn"], units["Phường Tân Định"]
    course = make_course(lessons=0, slug="dung-vneid")
    resident_a = account_services.user_register(
        phone=A_PHONE, full_name=A_NAME, password=PASSWORD, ward=ward_a, birth_year=1962
    )
    pending = account_services.user_register(
        phone=PENDING_PHONE, full_name=PENDING_NAME, password=None, ward=ward_a, birth_year=1958
    )
    [resident_b] = make_residents(ward_b, 1, first_phone=7000, names=[B_NAME])
    ward_a_cadre = make_cadre("0913000101", wards=[ward_a], name="Cán bộ Sài Gòn")
    editor = User.objects.create_user(phone="0900000002", password=PASSWORD, full_name="Biên tập")
    editor.groups.add(Group.objects.get(name="Editors"))
    users = {
        "learner": resident_a,
        "ward_a": ward_a_cadre,
        "ward_b": make_cadre("0913000102", wards=[ward_b], name="Cán bộ Tân Định"),
        "province_hcm": make_cadre("0913000103", province=units["hcm"], name="Cán bộ HCM"),
        "province_hanoi": make_cadre("0913000104", province=units["hanoi"], name="Cán bộ HN"),
        "editor": editor,
        "admin": User.objects.create_superuser(
            phone="0900000001", password=PASSWORD, full_name="Quản trị"
        ),
    }
    (assignment,) = assignments_create(
        cadre=ward_a_cadre,
        courses=[course],
        wards=[ward_a],
        due_date=TODAY() + timedelta(days=10),
    )
    # Another course's assignment of ward A, cancelled a moment ago: "Hoàn tác" is offered.
    (cancelled,) = assignments_create(
        cadre=ward_a_cadre,
        courses=[make_course(lessons=0, slug="an-toan-mang")],
        wards=[ward_a],
        due_date=TODAY() + timedelta(days=10),
    )
    assignment_cancel(cadre=ward_a_cadre, assignment=cancelled)
    export = Export.objects.create(
        requested_by=ward_a_cadre,
        kind=Export.Kind.WARD_RESIDENTS,
        file_format=Export.Format.CSV,
        params={
            "ward": ward_a.pk,
            "assignment": None,
            "status": "",
            "q": "",
            "filename": "nguoi-dan-phuong-sai-gon.csv",
        },
        status=Export.Status.READY,
        rows_total=2,
        rows_done=2,
        finished_at=timezone.now(),
    )
    export.file.save(
        "nguoi-dan-phuong-sai-gon.csv",
        ContentFile(f"Họ và tên\n{A_NAME}\n{PENDING_NAME}\n".encode()),
    )
    return {
        **units,
        "ward_a": ward_a,
        "ward_b": ward_b,
        "course": course,
        "resident_a": resident_a,
        "resident_b": resident_b,
        "pending": pending,
        "assignment": assignment,
        "cancelled": cancelled,
        "export": export,
        "users": users,
    }


def a_secrets(w) -> list[str]:
    """What must never reach anyone outside ward A: its residents' names and numbers."""
    return [
        A_NAME,
        PENDING_NAME,
        w["resident_a"].phone,
        w["resident_a"].phone_display,
        w["pending"].phone,
        w["pending"].phone_display,
    ]


# ------------------------------------------------------------------ matrix test


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(MATRIX))
def test_matrix(client, world, key, role):
    expected = MATRIX[key][ROLES.index(role)]
    if role != "anon":
        client.force_login(world["users"][role])
    method, path, query = request_for(key, world)
    response = getattr(client, method)(path, query)
    text = body(response) if response.status_code == 200 else ""

    if expected == LOGIN:
        login = "wagtailadmin_login" if key.startswith("report_") else "accounts:login"
        assert response.status_code == 302, (key, role, response.status_code)
        assert response["Location"].startswith(reverse(login)), response["Location"]
    elif expected == DONE:
        assert response.status_code == 302, (key, role, response.status_code)
        target = world["cancelled" if key == "assignment_cancel_undo" else "assignment"]
        assert response["Location"] == reverse("training:assignment_detail", args=[target.pk])
    else:
        assert response.status_code == expected, (key, role, response.status_code)

    # Out-of-scope users never see ward A's residents, whatever page opens for them.
    if role in ("ward_b", "province_hanoi", "editor", "learner") and response.status_code == 200:
        for secret in a_secrets(world):
            assert secret not in text, (key, role, secret)

    # What a POST changed, or did not.
    assignment = Assignment.objects.get(pk=world["assignment"].pk)
    cancelled = key == "assignment_cancel" and expected == DONE
    assert (assignment.status == Assignment.Status.CANCELLED) == cancelled
    restored = key == "assignment_cancel_undo" and expected == DONE
    assert Assignment.objects.get(pk=world["cancelled"].pk).is_active == restored
    revealed = key == "phone_reveal" and expected == 200
    assert PhoneReveal.objects.filter(resident=world["resident_a"]).exists() == revealed
    if key == "phone_reveal" and revealed:
        assert world["resident_a"].phone_display in text
    slip = key == "resident_slip" and expected == 200
    assert FirstLoginCode.objects.filter(user=world["pending"]).exists() == slip
    new_code = key == "resident_new_code" and expected == 200
    assert FirstLoginCode.objects.filter(user=world["resident_a"]).exists() == new_code
    assert FirstLoginCodeLog.objects.filter(resident=world["resident_a"]).exists() == new_code
    phones_exported = key == "ward_export_with_phones" and expected == 200
    assert PhoneExport.objects.filter(ward=world["ward_a"]).exists() == phones_exported
    if phones_exported:
        assert world["resident_a"].phone_display in text
    # In-scope pages do show ward A's residents (so the leak check above means something).
    exports_a = ("ward_a", "ward_export", "ward_export_with_phones", "export_download")
    if key in exports_a and expected == 200:
        assert A_NAME in text


def test_matrix_covers_every_cadre_url():
    """A new cadre-facing URL must get a row in the matrix."""
    from training.urls import urlpatterns
    from training.wagtail_hooks import report_urls

    names = {p.name for p in urlpatterns} | {f"report:{p.name}" for p in report_urls}
    covered = {
        "dashboard",
        "province",
        "ward",
        "assignment_list",
        "assignment_create",
        "assignment_detail",
        "assignment_edit",
        "assignment_cancel",
        "assignment_cancel_undo",
        "phone_reveal",
        "ward_export",
        "ward_export_with_phones",
        "province_export",
        "export_status",
        "export_download",
        "resident_register",
        "resident_slip",
        "resident_new_code",
        "report:province",
        "report:province_results",
        "report:ward",
        "report:ward_results",
    }
    assert names == covered
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


# ------------------------------------------------------------------ tampered ids in URLs

HUGE = "99999999999999999999999"  # beyond a 64-bit integer


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/can-bo/xa/99999999999/"),
        ("get", f"/can-bo/xa/{HUGE}/"),
        ("get", "/can-bo/xa/abc/"),
        ("get", "/can-bo/xa/-1/"),
        ("get", "/can-bo/xa/0/"),
        ("get", f"/can-bo/tinh/{HUGE}/"),
        ("get", "/can-bo/tinh/abc/"),
        ("get", f"/can-bo/giao-viec/{HUGE}/"),
        ("get", f"/can-bo/giao-viec/{HUGE}/sua/"),
        ("post", f"/can-bo/giao-viec/{HUGE}/huy/"),
        ("get", f"/can-bo/giao-viec/{HUGE}/huy/"),
        ("post", f"/can-bo/giao-viec/{HUGE}/hoan-tac/"),
        ("post", f"/can-bo/nguoi-dan/{HUGE}/so-dien-thoai/"),
        ("post", f"/can-bo/nguoi-dan/{HUGE}/phieu/"),
        ("post", f"/can-bo/nguoi-dan/{HUGE}/ma-moi/"),
        ("get", f"/can-bo/xa/{HUGE}/xuat.csv"),
        ("get", f"/can-bo/tinh/{HUGE}/xuat.xlsx"),
        ("get", f"/can-bo/xuat/{HUGE}/"),
        ("get", f"/can-bo/xuat/{HUGE}/tai-ve/"),
        ("get", "/can-bo/xuat/abc/tai-ve/"),
    ],
)
@pytest.mark.parametrize("role", ["ward_a", "admin"])
def test_bad_ids_in_urls_are_404_not_500(client, world, method, path, role):
    client.force_login(world["users"][role])
    assert getattr(client, method)(path).status_code == 404


@pytest.mark.parametrize("role", ["province_hcm", "admin"])
@pytest.mark.parametrize("file_format", ["pdf", "CSV", "exe"])
def test_unknown_export_format_is_404(client, world, role, file_format):
    client.force_login(world["users"][role])
    for url in (
        reverse("training:ward_export", args=[world["ward_a"].pk, file_format]),
        reverse("training:province_export", args=[world["hcm"].pk, file_format]),
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "query",
    [
        {"giao": HUGE},
        {"giao": "abc"},
        {"giao": str(-1)},
        {"trang": HUGE, "trang_thai": "<script>"},
        {"q": "x" * 500},
    ],
)
def test_tampered_filters_on_ward_page_and_export_are_ignored(client, world, query):
    client.force_login(world["users"]["ward_a"])
    page = client.get(reverse("training:ward", args=[world["ward_a"].pk]), query)
    assert page.status_code == 200
    export = client.get(reverse("training:ward_export", args=[world["ward_a"].pk, "csv"]), query)
    assert export.status_code == 200


# ------------------------------------------------------------------ tampered forms


def assignment_post(w, **overrides) -> dict:
    data = {
        "courses": [w["course"].pk],
        "wards": [w["ward_a"].pk],
        "due_date": (TODAY() + timedelta(days=5)).strftime("%d/%m/%Y"),
        "audience": "all",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "role, wards",
    [
        ("province_hcm", "ba_dinh"),  # a ward of Hà Nội by the HCM province cadre
        ("province_hcm", "mixed"),  # one of theirs and one of Hà Nội
        ("ward_b", "ward_a"),  # ward A by the cadre of ward B
        ("ward_a", "abc"),
        ("ward_a", "huge"),
    ],
)
def test_tampered_ward_in_assignment_form_is_refused(client, world, role, wards):
    ward_ids = {
        "ba_dinh": [world["Phường Ba Đình"].pk],
        "mixed": [world["ward_a"].pk, world["Phường Ba Đình"].pk],
        "ward_a": [world["ward_a"].pk],
        "abc": ["abc"],
        "huge": [HUGE],
    }[wards]
    before = Assignment.objects.count()
    client.force_login(world["users"][role])
    response = client.post(
        reverse("training:assignment_create"), assignment_post(world, wards=ward_ids)
    )
    assert response.status_code == 400
    assert "không thuộc phạm vi" in response.content.decode()
    assert Assignment.objects.count() == before


def test_whole_province_box_cannot_be_forged_by_a_ward_cadre(client, world):
    """The box is not offered to ward cadres; sending it anyway assigns only what they ticked."""
    client.force_login(world["users"]["ward_b"])
    response = client.post(
        reverse("training:assignment_create"),
        assignment_post(world, wards=[world["ward_b"].pk], whole_province="on"),
    )
    assert response.status_code == 302
    assignment = Assignment.objects.latest("pk")
    assert list(assignment.wards.all()) == [world["ward_b"]]
    assert assignment.whole_province is None


def test_tampered_ward_in_assignment_edit_is_refused(client, world):
    client.force_login(world["users"]["ward_a"])
    assignment = world["assignment"]
    response = client.post(
        reverse("training:assignment_edit", args=[assignment.pk]),
        {
            "wards": [world["ward_a"].pk, world["ward_b"].pk],
            "due_date": (TODAY() + timedelta(days=20)).strftime("%d/%m/%Y"),
            "audience": "all",
        },
    )
    assert response.status_code == 400
    assert "không thuộc phạm vi" in response.content.decode()
    assert list(assignment.wards.all()) == [world["ward_a"]]
    assignment.refresh_from_db()
    assert assignment.due_date == TODAY() + timedelta(days=10)


@pytest.mark.parametrize("course", ["unpublished", "abc", "huge"])
def test_assigning_an_unpublished_or_unknown_course_is_a_form_error(client, world, course):
    if course == "unpublished":
        draft = make_course(lessons=1, slug="ban-nhap")
        draft.unpublish()
        course_ids = [draft.pk]
    else:
        course_ids = [{"abc": "abc", "huge": HUGE}[course]]
    client.force_login(world["users"]["province_hcm"])
    response = client.post(
        reverse("training:assignment_create"), assignment_post(world, courses=course_ids)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["courses"]
    assert Assignment.objects.count() == 2  # the fixture's two


@pytest.mark.parametrize(
    "due, message",
    [
        (lambda: (TODAY() - timedelta(days=1)).strftime("%d/%m/%Y"), "quá khứ"),
        (lambda: "31/02/2026", "ngày/tháng/năm"),
        (lambda: "hôm nay", "ngày/tháng/năm"),
    ],
)
def test_due_date_in_the_past_or_invalid_is_a_clear_message(client, world, due, message):
    client.force_login(world["users"]["ward_a"])
    response = client.post(
        reverse("training:assignment_create"), assignment_post(world, due_date=due())
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Assignment.objects.count() == 2  # the fixture's two


@pytest.mark.parametrize("ward", ["ward_a", "ba_dinh", "abc", "huge"])
def test_resident_register_for_a_ward_outside_the_scope_is_refused(client, world, ward):
    ward_id = {
        "ward_a": world["ward_a"].pk,
        "ba_dinh": world["Phường Ba Đình"].pk,
        "abc": "abc",
        "huge": HUGE,
    }[ward]
    client.force_login(world["users"]["ward_b"])
    response = client.post(
        reverse("training:resident_register"),
        {
            "full_name": "Người Lạ",
            "phone": "0912000999",
            "birth_year": 1960,
            "ward": ward_id,
            "consent_in_person": "on",
        },
    )
    assert response.status_code == 200
    assert "không thuộc phạm vi" in response.content.decode()
    assert not User.objects.filter(full_name="Người Lạ").exists()


def test_resident_register_does_not_reprint_for_a_resident_outside_the_scope(client, world):
    """Typing ward A's pending resident's number as ward B's cadre offers no slip for them."""
    client.force_login(world["users"]["ward_b"])
    response = client.post(
        reverse("training:resident_register"),
        {
            "full_name": "Ai Đó",
            "phone": PENDING_PHONE,
            "birth_year": 1960,
            "ward": world["ward_b"].pk,
            "consent_in_person": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["reprint_for"] is None
    assert PENDING_NAME not in response.content.decode()
    assert reverse("training:resident_slip", args=[world["pending"].pk]) not in (
        response.content.decode()
    )


# ------------------------------------------------------------------ exports of another province


def test_province_cadre_cannot_export_another_province(client, world):
    client.force_login(world["users"]["province_hanoi"])
    for file_format in ("csv", "xlsx"):
        url = reverse("training:province_export", args=[world["hcm"].pk, file_format])
        assert client.get(url).status_code == 404
    url = reverse("training:ward_export", args=[world["ward_a"].pk, "csv"])
    assert client.get(url).status_code == 404
    assert not Export.objects.filter(requested_by=world["users"]["province_hanoi"]).exists()


def test_an_export_naming_a_list_outside_the_scope_is_404_even_for_its_owner(client, world):
    """An export row of the Hà Nội cadre that names HCM (a forged or stale one) is not served."""
    hanoi_cadre = world["users"]["province_hanoi"]
    export = Export.objects.create(
        requested_by=hanoi_cadre,
        kind=Export.Kind.PROVINCE_WARDS,
        file_format=Export.Format.CSV,
        params={"province": world["hcm"].pk, "sort": "ten"},
        status=Export.Status.READY,
    )
    export.file.save("xa-phuong.csv", ContentFile(b"Phuong Sai Gon\n"))
    client.force_login(hanoi_cadre)
    assert client.get(reverse("training:export_status", args=[export.pk])).status_code == 404
    assert client.get(reverse("training:export_download", args=[export.pk])).status_code == 404


# ------------------------------------------------------------------ scope removed mid-session


def _scope_removed(user: User, how: str) -> None:
    if how == "wards_cleared":
        user.managed_wards.clear()
    elif how == "demoted":
        user.role = Role.LEARNER
        user.save(update_fields=["role"])
    elif how == "moved":
        user.managed_wards.set([Ward.objects.get(name="Phường Ngọc Hà")])


@pytest.mark.parametrize("how", ["wards_cleared", "demoted", "moved"])
def test_ward_cadre_whose_scope_is_removed_mid_session_gets_404(client, world, how):
    cadre = world["users"]["ward_a"]
    client.force_login(cadre)
    urls = [
        ("get", reverse("training:ward", args=[world["ward_a"].pk])),
        ("get", reverse("training:export_status", args=[world["export"].pk])),
        ("get", reverse("training:export_download", args=[world["export"].pk])),
        ("get", reverse("training:ward_export", args=[world["ward_a"].pk, "csv"])),
        ("get", reverse("training:assignment_detail", args=[world["assignment"].pk])),
        ("post", reverse("training:phone_reveal", args=[world["resident_a"].pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 200, url
    _scope_removed(cadre, how)
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 404, (url, response.status_code)
    assert PhoneReveal.objects.count() == 1  # only the look while still in scope


def test_province_cadre_whose_province_is_removed_mid_session_gets_404(client, world):
    cadre = world["users"]["province_hcm"]
    client.force_login(cadre)
    urls = [
        reverse("training:province", args=[world["hcm"].pk]),
        reverse("training:ward", args=[world["ward_a"].pk]),
        reverse("training:province_export", args=[world["hcm"].pk, "csv"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    cadre.managed_province = None
    cadre.save(update_fields=["managed_province"])
    for url in urls:
        assert client.get(url).status_code == 404, url
