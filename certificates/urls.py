from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("xac-minh/", views.verify, name="verify_form"),
    path("xac-minh/<str:token>/", views.verify, name="verify"),
    path("chung-nhan/", views.my_certificates, name="mine"),
    path("chung-nhan/<str:number>/tai-ve/", views.download, name="download"),
]
