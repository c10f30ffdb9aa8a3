from django.urls import path

from minzheng.registry import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/export.xlsx", views.household_export, name="household_export"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("households/<int:pk>/incomes/new/", views.income_add, name="income_add"),
    path("households/<int:pk>/assets/new/", views.asset_add, name="asset_add"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/leave/", views.person_leave, name="person_leave"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("staff-relatives/", views.staff_relative_list, name="staff_relative_list"),
]
