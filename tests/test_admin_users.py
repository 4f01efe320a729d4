"""Admins manage users in Wagtail's admin with our phone-number User."""

from django.urls import reverse

from accounts.models import Role, User


def test_admin_creates_a_ward_cadre_in_wagtail(client, units):
    admin = User.objects.create_superuser(phone="0900000001", password="x", full_name="Quản trị")
    client.force_login(admin)
    assert client.get(reverse("wagtailusers_users:index")).status_code == 200
    add_url = reverse("wagtailusers_users:add")
    assert client.get(add_url).status_code == 200
    response = client.post(
        add_url,
        {
            "phone": "0903 111 222",
            "full_name": "Phạm Văn Cán",
            "email": "",
            "role": Role.WARD_CADRE,
            "managed_wards": [units["Phường Sài Gòn"].pk],
            "password1": "mat-khau-can-bo-2026",
            "password2": "mat-khau-can-bo-2026",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    cadre = User.objects.get(phone="+84903111222")
    assert cadre.role == Role.WARD_CADRE
    assert list(cadre.managed_wards.all()) == [units["Phường Sài Gòn"]]
    assert client.get(reverse("wagtailusers_users:edit", args=[cadre.pk])).status_code == 200


def test_admin_form_refuses_a_landline_and_a_province_cadre_without_province(client, units):
    admin = User.objects.create_superuser(phone="0900000001", password="x", full_name="Quản trị")
    client.force_login(admin)
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "phone": "024 3823 4567",
            "full_name": "Sai",
            "role": Role.PROVINCE_CADRE,
            "password1": "mat-khau-can-bo-2026",
            "password2": "mat-khau-can-bo-2026",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "phone" in errors and "managed_province" in errors
    assert User.objects.count() == 1


def test_wagtail_admin_home_is_served_to_admins(client, db):
    admin = User.objects.create_superuser(phone="0900000001", password="x", full_name="Quản trị")
    client.force_login(admin)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
