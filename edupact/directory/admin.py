from django.contrib import admin

from . import models


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "path"]
    search_fields = ["search_key"]
    list_filter = ["kind", "country"]
    raw_id_fields = ["parent", "admin_unit"]


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "home_organisation"]
    search_fields = ["search_key"]
    raw_id_fields = ["home_organisation"]


@admin.register(models.AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "code", "country", "valid_from", "valid_to"]
    list_filter = ["country", "level"]
    search_fields = ["search_key", "code"]
    raw_id_fields = ["parent"]
