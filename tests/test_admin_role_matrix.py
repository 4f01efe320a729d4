"""Who may open which page of the Wagtail admin that this project adds: every URL × every role.

The rules (README, "Security and privacy"):
- no admin access (anonymous, learners, cadres): sent to the admin's log-in page;
- certificates (they hold citizens' names): listed, inspected and exported by certificate
  officers ("Cán bộ quản lý chứng nhận") and superusers only; revoked and reissued by them
  only; nobody adds, edits or deletes one by hand; everyone else gets a 403 that names no one;
- ward completion reports (figures, no names): editors, moderators, superusers (cadres
  have their own pages at /can-bo/);
- quiz item analysis (questions, no people): everyone with admin access;
- users and site settings: superusers only.

A POST that is refused changes nothing. The admin URLs are read from the URL resolver for
the project's own hooks, viewsets and settings, so a new admin URL without a row here
fails `test_matrix_covers_every_admin_url_the_project_adds`.
"""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import URLPattern, URLResolver, reverse

from accounts.models import User
from certificates.models import Certificate, CertificateSettings
from certificates.services import template_version_current as current_template_version
from courses.models import Enrollment

from .courses_helpers import make_course, quiz_page
from .training_helpers import PASSWORD, make_cadre, start

PROJECT_APPS = ("accounts", "certificates", "courses", "quizzes", "training", "learning")

HOLDER_NAME = "Lương Thị Hảo"
HOLDER_PHONE = "0978555123"
VICTIM_NAME = "Tạ Văn Khách"
FORGED_ORGANISATION = "Đơn vị giả mạo"

LOGIN = "login"  # 302 to the Wagtail admin's log-in page
DONE = "done"  # a POST that was carried out (302 onwards)
MOVED = "moved"  # 302 to the settings of the current site
# Wagtail's answer to a user with admin access but without the permission: back to the
# dashboard with "Sorry, you do not have permission to access this area." (a 403 for
# JavaScript requests). Nothing of the page asked for is shown.
NO = "denied"

ROLES = (
    "anon",
    "learner",
    "editor",
    "moderator",
    "ward_cadre",
    "province_cadre",
    "officer",
    "superuser",
)

# fmt: off
NO_ADMIN = (LOGIN, LOGIN)
MATRIX = {
    #                                          anon  learner  editor moder. ward   prov.  officer super
    "certificate_admin:index":                (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, 200,   200),
    "certificate_admin:index csv":            (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, 200,   200),
    "certificate_admin:index xlsx":           (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, 200,   200),
    "certificate_admin:index_results":        (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, 200,   200),
    "certificate_admin:inspect":              (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, 200,   200),
    "certificate_admin:revoke":               (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, 200,   200),
    "certificate_admin:revoke POST":          (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, DONE,  DONE),
    "certificate_admin:reissue":              (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, 200,   200),
    "certificate_admin:reissue POST":         (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, DONE,  DONE),
    "certificates_failed":                    (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, 200,   200),
    "certificates_retry POST":                (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, DONE,  DONE),
    "training_reports:province":              (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, NO,   200),
    "training_reports:province csv":          (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, NO,   200),
    "training_reports:province_results":      (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, NO,   200),
    "training_reports:ward":                  (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, NO,   200),
    "training_reports:ward xlsx":             (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, NO,   200),
    "training_reports:ward_results":          (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, NO,   200),
    "quiz_reports:index":                     (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, 200,   200),
    "quiz_reports:index csv":                 (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, 200,   200),
    "quiz_reports:index_results":             (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, 200,   200),
    "quiz_reports:items":                     (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, 200,   200),
    "quiz_reports:items csv":                 (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, 200,   200),
    "quiz_reports:items_results":             (*NO_ADMIN,     200,   200,  LOGIN, LOGIN, 200,   200),
    "wagtailusers_users:index":               (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "wagtailusers_users:index_results":       (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "wagtailusers_users:add":                 (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "wagtailusers_users:edit":                (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "wagtailusers_users:copy":                (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "wagtailusers_users:delete":              (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "wagtailusers_users:delete POST":         (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   DONE),
    "wagtailusers_users:history":             (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "wagtailusers_users:history_results":     (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "wagtailusers_users:usage":               (*NO_ADMIN,     NO,   NO,  LOGIN, LOGIN, NO,   200),
    "settings:certificates.CertificateSettings:current":  (*NO_ADMIN, NO, NO, LOGIN, LOGIN, NO, MOVED),
    "settings:certificates.CertificateSettings:edit":     (*NO_ADMIN, NO, NO, LOGIN, LOGIN, NO, 200),
    "settings:certificates.CertificateSettings:edit POST": (*NO_ADMIN, NO, NO, LOGIN, LOGIN, NO, DONE),
    "settings:certificates.CertificateSettings:preview":  (*NO_ADMIN, NO, NO, LOGIN, LOGIN, NO, 404),
    "settings:training.TrainingSettings:current":         (*NO_ADMIN, NO, NO, LOGIN, LOGIN, NO, MOVED),
    "settings:training.TrainingSettings:edit":            (*NO_ADMIN, NO, NO, LOGIN, LOGIN, NO, 200),
    "settings:training.TrainingSettings:preview":         (*NO_ADMIN, NO, NO, LOGIN, LOGIN, NO, 404),
}
# fmt: on

# Who may read certificate holders' names (anywhere in the admin).
SEE_HOLDERS = {"officer", "superuser"}
SETTINGS_ROUTES = {"": "current", "<int:pk>/": "edit", "<int:pk>/preview/": "preview"}


# ------------------------------------------------------------------ the world


@pytest.fixture
def world(units, settings, tmp_path):
    """One user per role; a learner with a certificate; a quiz; an assignment-free ward."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    ward = units["Phường Sài Gòn"]
    quiz = quiz_page()
    course = make_course(lessons=1, quiz=quiz, slug="dung-vneid")
    holder = User.objects.create_user(
        phone=HOLDER_PHONE, password=PASSWORD, full_name=HOLDER_NAME, ward=ward
    )
    start([holder], course, completed_days_ago=2, certificate=True)
    certificate = Certificate.objects.get(user=holder)
    # Ready, so that it may be revoked and reissued.
    Certificate.objects.filter(pk=certificate.pk).update(status="ready", pdf_sha256="0" * 64)

    def member(phone, name, group):
        user = User.objects.create_user(phone=phone, password=PASSWORD, full_name=name)
        user.groups.add(Group.objects.get(name=group))
        return user

    users = {
        "learner": holder,
        "editor": member("0900000002", "Biên tập viên", "Editors"),
        "moderator": member("0900000003", "Kiểm duyệt viên", "Moderators"),
        "ward_cadre": make_cadre("0913000101", wards=[ward], name="Cán bộ Sài Gòn"),
        "province_cadre": make_cadre("0913000103", province=units["hcm"], name="Cán bộ HCM"),
        "officer": member("0900000004", "Cán bộ chứng nhận", "Cán bộ quản lý chứng nhận"),
        "superuser": User.objects.create_superuser(
            phone="0900000001", password=PASSWORD, full_name="Quản trị"
        ),
    }
    victim = User.objects.create_user(phone="0978555999", password=PASSWORD, full_name=VICTIM_NAME)
    current_template_version()
    return {
        **units,
        "ward": ward,
        "course": course,
        "quiz": quiz,
        "certificate": certificate,
        "victim": victim,
        "settings_row": CertificateSettings.objects.get_or_create(site_id=site_id())[0],
        "training_settings_id": training_settings_id(),
        "users": users,
    }


def site_id() -> int:
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True).pk


def training_settings_id() -> int:
    from training.models import TrainingSettings

    return TrainingSettings.objects.get_or_create(site_id=site_id())[0].pk


def settings_url(label: str, route: str, w: dict) -> str:
    app_label, model = label.lower().split(".")
    pk = site_id()  # the settings of a site are addressed by the site's id
    if route == "current":
        return reverse("wagtailsettings:edit", args=[app_label, model])
    if route == "edit":
        return reverse("wagtailsettings:edit", args=[app_label, model, pk])
    return reverse("wagtailsettings:preview_on_edit", args=[app_label, model, pk])


EXPORTS = {"csv", "xlsx"}


def request_for(key: str, w: dict) -> tuple[str, str, dict]:
    """(method, path, data) of one row of the matrix."""
    name, _space, variant = key.partition(" ")
    certificate, quiz, victim = w["certificate"], w["quiz"], w["victim"]
    if name.startswith("settings:"):
        _prefix, label, route = name.split(":")
        path, data = settings_url(label, route, w), {}
        if variant == "POST":
            data = {
                "organisation_name": FORGED_ORGANISATION,
                "signer_name": "Ai đó",
                "signer_title": "Giả danh",
                "footer_text": "",
            }
    else:
        args = {
            "certificate_admin:inspect": [certificate.pk],
            "certificate_admin:revoke": [certificate.pk],
            "certificate_admin:reissue": [certificate.pk],
            "certificates_retry": [certificate.pk],
            "quiz_reports:items": [quiz.pk],
            "quiz_reports:items_results": [quiz.pk],
        }.get(name)
        if name.startswith("wagtailusers_users:") and name.split(":")[1] not in (
            "index",
            "index_results",
            "add",
        ):
            args = [victim.pk]
        path = reverse(name, args=args)
        data = {
            "training_reports:province": {"province": w["hcm"].pk},
            "training_reports:province_results": {"province": w["hcm"].pk},
            "training_reports:ward": {"ward": w["ward"].pk},
            "training_reports:ward_results": {"ward": w["ward"].pk},
        }.get(name, {})
        if variant in EXPORTS:
            data = {**data, "export": variant}
        if name == "certificate_admin:revoke" and variant == "POST":
            data = {"reason": "Cấp nhầm người"}
    return ("post" if variant == "POST" else "get"), path, data


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# ------------------------------------------------------------------ the matrix


@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, world, role):
    """Every row for one role; each request in a savepoint rolled back after its checks."""
    if role != "anon":
        client.force_login(world["users"][role])
    failures = []
    for key in MATRIX:
        with transaction.atomic():
            try:
                check_row(client, world, key, role)
            except AssertionError as error:
                failures.append(f"{key}: {error}")
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


def check_row(client, world, key: str, role: str) -> None:
    expected = MATRIX[key][ROLES.index(role)]
    method, path, data = request_for(key, world)
    response = getattr(client, method)(path, data)
    text = body(response)
    status = response.status_code

    if expected == LOGIN:
        assert status == 302, status
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
    elif expected == NO:
        assert status == 302, status
        assert response["Location"] == reverse("wagtailadmin_home"), response["Location"]
    elif expected in (DONE, MOVED):
        assert status == 302, status
        assert not response["Location"].startswith(reverse("wagtailadmin_login"))
    else:
        assert status == expected, status

    # Certificate holders are named to officers and superusers only, whatever opens.
    if role not in SEE_HOLDERS:
        assert HOLDER_NAME not in text, "holder's name shown"
        assert VICTIM_NAME not in text, "a user's name shown"
    # ...and they are, where they are listed (so the check above means something).
    if key.startswith("certificate_admin:") and status == 200 and "xlsx" not in key:
        assert HOLDER_NAME in text, "holder's name missing"

    # What a POST changed, or did not.
    certificate = Certificate.objects.get(pk=world["certificate"].pk)
    revoked = key == "certificate_admin:revoke POST" and expected == DONE
    reissued = key == "certificate_admin:reissue POST" and expected == DONE
    expected_status = "revoked" if revoked else "replaced" if reissued else "ready"
    assert certificate.status == expected_status, certificate.status
    assert Certificate.objects.count() == (2 if reissued else 1), "certificates added"
    deleted = key == "wagtailusers_users:delete POST" and expected == DONE
    assert User.objects.filter(pk=world["victim"].pk).exists() is not deleted, "user deleted"
    forged = key == "settings:certificates.CertificateSettings:edit POST" and expected == DONE
    organisation = CertificateSettings.objects.get(pk=world["settings_row"].pk).organisation_name
    assert (organisation == FORGED_ORGANISATION) is forged, organisation
    assert Enrollment.objects.filter(user=world["users"]["learner"]).count() == 1


# ------------------------------------------------------------------ the guard


def _names(patterns, namespace: str) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            names |= _names(pattern.url_patterns, inner or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def project_admin_url_names() -> set[str]:
    """Every admin URL the project adds: its hooks' URLs, its viewsets', its settings'."""
    from wagtail import hooks
    from wagtail.admin.viewsets import viewsets
    from wagtail.contrib.settings import urls as settings_urls
    from wagtail.contrib.settings.registry import registry as settings_registry

    reverse("wagtailadmin_home")  # the admin URLconf is built, and the viewsets registered
    names = set()
    for register in hooks.get_hooks("register_admin_urls"):
        if register.__module__.split(".")[0] in PROJECT_APPS:
            names |= _names(register(), "")
    for viewset in viewsets.viewsets:
        if type(viewset).__module__.split(".")[0] in PROJECT_APPS:
            names |= _names(viewset.get_urlpatterns(), viewset.name)
    for model in settings_registry:
        if model._meta.app_label in PROJECT_APPS:
            for pattern in settings_urls.urlpatterns:
                route = SETTINGS_ROUTES[str(pattern.pattern).split("<slug:model_name>/")[1]]
                names.add(f"settings:{model._meta.label}:{route}")
    return names


def test_matrix_covers_every_admin_url_the_project_adds():
    """A new admin URL of the project must get a row (and so an expectation for every role)."""
    covered = {key.partition(" ")[0] for key in MATRIX}
    assert project_admin_url_names() == covered
    assert all(len(row) == len(ROLES) for row in MATRIX.values())
    # The certificates admin has no add, edit, delete, copy or history view at all.
    assert {n for n in covered if n.startswith("certificate_admin:")} == {
        "certificate_admin:index",
        "certificate_admin:index_results",
        "certificate_admin:inspect",
        "certificate_admin:revoke",
        "certificate_admin:reissue",
    }
