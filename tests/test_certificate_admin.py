"""Revoking and reissuing in the Wagtail admin: certificate officers only, and only when it makes sense."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import User
from certificates.models import Certificate

from .courses_helpers import make_course
from .training_helpers import PASSWORD, start

HOLDER_NAME = "Lương Thị Hảo"


@pytest.fixture
def certificate(units, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    holder = User.objects.create_user(
        phone="0978555123", password=PASSWORD, full_name=HOLDER_NAME, ward=units["Phường Sài Gòn"]
    )
    start([holder], make_course(lessons=1), completed_days_ago=1, certificate=True)
    Certificate.objects.update(status="ready", pdf_sha256="0" * 64)
    return Certificate.objects.get()


def member(phone: str, group: str) -> User:
    user = User.objects.create_user(phone=phone, password=PASSWORD, full_name="Người dùng")
    user.groups.add(Group.objects.get(name=group))
    return user


def test_the_demo_editor_can_no_longer_revoke_or_reissue(client, certificate):
    """Editors + Moderators, as the demo editor 0913000003: no page, no name, no change."""
    editor = member("0913000003", "Editors")
    editor.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(editor)
    for action in ("revoke", "reissue"):
        url = reverse(f"certificate_admin:{action}", args=[certificate.pk])
        page = client.get(url)
        assert page.status_code == 302 and page["Location"] == reverse("wagtailadmin_home")
        posted = client.post(url, {"reason": "Gian lận"}, follow=True)
        text = posted.content.decode()
        assert HOLDER_NAME not in text and certificate.number not in text
    certificate.refresh_from_db()
    assert certificate.status == "ready" and certificate.revoked_reason == ""
    assert Certificate.objects.count() == 1


def test_an_officer_revokes_with_a_reason_and_cannot_revoke_twice(client, certificate):
    client.force_login(member("0900000004", "Cán bộ quản lý chứng nhận"))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("certificate_admin:index") in home  # in the admin menu
    inspect = client.get(reverse("certificate_admin:inspect", args=[certificate.pk]))
    url = reverse("certificate_admin:revoke", args=[certificate.pk])
    assert url in inspect.content.decode()
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 200 and "Hãy ghi lý do thu hồi." in empty.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == "ready"
    done = client.post(url, {"reason": "Cấp nhầm người"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoked_reason == "Cấp nhầm người"
    # Revoked: the buttons are gone, and a replayed POST changes nothing.
    inspect = client.get(reverse("certificate_admin:inspect", args=[certificate.pk]))
    assert url not in inspect.content.decode()
    again = client.post(url, {"reason": "Lý do khác"})
    assert again.status_code == 409
    assert "đã bị thu hồi hoặc đã được cấp lại" in again.content.decode()
    reissue = client.post(reverse("certificate_admin:reissue", args=[certificate.pk]))
    assert reissue.status_code == 409
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Cấp nhầm người" and Certificate.objects.count() == 1


def test_an_officer_reissues_once(client, certificate, django_capture_on_commit_callbacks):
    client.force_login(member("0900000004", "Cán bộ quản lý chứng nhận"))
    url = reverse("certificate_admin:reissue", args=[certificate.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 409  # the old one is replaced: nothing more
    new = Certificate.objects.exclude(pk=certificate.pk).get()
    assert new.replaces_id == certificate.pk
    certificate.refresh_from_db()
    assert certificate.status == "replaced"


def test_without_the_permission_a_missing_number_looks_like_an_existing_one(client, certificate):
    """Someone without the permission cannot tell which ids exist."""
    client.force_login(member("0913000003", "Editors"))
    for name in ("inspect", "revoke", "reissue"):
        for pk in (certificate.pk, certificate.pk + 1000):
            response = client.get(reverse(f"certificate_admin:{name}", args=[pk]))
            assert response.status_code == 302, (name, pk)
            assert response["Location"] == reverse("wagtailadmin_home")
    # Nor does the admin menu offer the certificates.
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("certificate_admin:index") not in home


def test_a_superuser_has_no_page_to_add_edit_or_delete_a_certificate(client, certificate):
    from django.urls import NoReverseMatch

    for name in ("add", "edit", "delete", "copy", "history"):
        with pytest.raises(NoReverseMatch):
            reverse(f"certificate_admin:{name}", args=[] if name == "add" else [certificate.pk])
    client.force_login(
        User.objects.create_superuser(phone="0900000001", password=PASSWORD, full_name="QT")
    )
    assert client.get(f"/quan-tri/certificate_admin/edit/{certificate.pk}/").status_code == 404
    assert client.get("/quan-tri/certificate_admin/new/").status_code == 404


def test_an_officer_downloads_the_pdf_the_inspect_page_offers_and_an_editor_cannot(
    client, certificate
):
    certificate.pdf.save("x.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    url = reverse("certificates:download", args=[certificate.number])
    client.force_login(member("0900000004", "Cán bộ quản lý chứng nhận"))
    inspect = client.get(reverse("certificate_admin:inspect", args=[certificate.pk]))
    assert url in inspect.content.decode()
    assert client.get(url).status_code == 200
    client.force_login(member("0913000003", "Editors"))
    assert client.get(url).status_code == 404


def test_two_officers_acting_on_the_same_stale_page_get_one_action(certificate):
    """Both loaded the page while it was ready; the second action is refused, not a 500."""
    from certificates import services

    stale = Certificate.objects.get(pk=certificate.pk)
    services.certificate_reissue(certificate=certificate)
    with pytest.raises(services.CertificateStateError):
        services.certificate_reissue(certificate=stale)
    with pytest.raises(services.CertificateStateError):
        services.certificate_revoke(certificate=stale, reason="Cấp nhầm")
    assert Certificate.objects.count() == 2
    assert Certificate.objects.get(pk=certificate.pk).status == "replaced"
