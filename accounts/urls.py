from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("dang-ky/", views.signup, name="signup"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-nhap/lan-dau/", views.first_login, name="first_login"),
    path("dang-nhap/lan-dau/mat-khau/", views.first_login_password, name="first_login_password"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/", views.account, name="account"),
    path("tai-khoan/mat-khau/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tai-khoan/du-lieu-cua-toi.json", views.my_data, name="my_data"),
    path("tai-khoan/xoa/", views.delete_account, name="delete_account"),
    path("xa-phuong/", views.ward_lookup, name="ward_lookup"),
]
