from django.urls import path

from . import views

app_name = "questions"
urlpatterns = [
    path("", views.my_questions, name="mine"),
    path("nuovo/", views.ask, name="ask"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/messaggio/", views.reply, name="reply"),
    path("<int:pk>/ritira/", views.withdraw, name="withdraw"),
    path("<int:pk>/segui/", views.follow, name="follow"),
]
