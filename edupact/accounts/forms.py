from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User


class PreferencesForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ["language", "calendar"]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
