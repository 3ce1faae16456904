from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class EdupactUserAdmin(UserAdmin):
    inlines = [RoleGrantInline]
    fieldsets = UserAdmin.fieldsets + (("edupact", {"fields": ("person", "language", "calendar")}),)
    raw_id_fields = ["person"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "digest"]
