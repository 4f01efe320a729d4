from django.urls import path

from . import views, views_exports, views_residents

app_name = "training"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Assisted sign-up
    path("dang-ky-nguoi-dan/", views_residents.resident_register, name="resident_register"),
    path("nguoi-dan/<int:user_id>/phieu/", views_residents.resident_slip, name="resident_slip"),
    path(
        "nguoi-dan/<int:user_id>/ma-moi/",
        views_residents.resident_new_code,
        name="resident_new_code",
    ),
    path("tinh/<int:province_id>/", views.province_dashboard, name="province"),
    path("xa/<int:ward_id>/", views.ward_dashboard, name="ward"),
    path("nguoi-dan/<int:user_id>/so-dien-thoai/", views.phone_reveal, name="phone_reveal"),
    path("giao-viec/", views.assignment_list, name="assignment_list"),
    path("giao-viec/moi/", views.assignment_create, name="assignment_create"),
    path("giao-viec/<int:assignment_id>/", views.assignment_detail, name="assignment_detail"),
    path("giao-viec/<int:assignment_id>/sua/", views.assignment_edit, name="assignment_edit"),
    path("giao-viec/<int:assignment_id>/huy/", views.assignment_cancel, name="assignment_cancel"),
    path(
        "giao-viec/<int:assignment_id>/hoan-tac/",
        views.assignment_cancel_undo,
        name="assignment_cancel_undo",
    ),
    # Exports (CSV, XLSX): straight away, or in the background for long lists
    path("xa/<int:ward_id>/xuat.<str:file_format>", views_exports.ward_export, name="ward_export"),
    path(
        "tinh/<int:province_id>/xuat.<str:file_format>",
        views_exports.province_export,
        name="province_export",
    ),
    path("xuat/<int:export_id>/", views_exports.export_status, name="export_status"),
    path("xuat/<int:export_id>/tai-ve/", views_exports.export_download, name="export_download"),
]
