from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("khoa-hoc/<id:course_id>/bat-dau/", views.course_start, name="course_start"),
    path("bai-hoc/<id:lesson_id>/hoan-thanh/", views.lesson_complete, name="lesson_complete"),
    path("kiem-tra/<id:quiz_id>/bat-dau/", views.quiz_start, name="quiz_start"),
    path("luot-lam/<id:attempt_id>/", views.quiz_attempt, name="quiz_attempt"),
    path("luot-lam/<id:attempt_id>/ket-qua/", views.quiz_result, name="quiz_result"),
    path("cua-toi/", views.my_learning, name="my_learning"),
    path("khoa-hoc/", views.catalogue, name="catalogue"),
]
