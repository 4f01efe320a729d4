from django.urls import path

from . import views, views_residents

app_name = "training"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Assisted sign-up
    path("dang-ky-nguoi-dan/", views_residents.resident_register, name="resident_register"),
    path("nguoi-dan/<int:user_id>/phieu/", views_residents.resident_slip, name="resident_slip"),
]
