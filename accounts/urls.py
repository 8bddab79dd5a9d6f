from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.my_data, name="my_data"),
    path("dati.json", views.download, name="download"),
    path("elimina/", views.delete, name="delete"),
]
