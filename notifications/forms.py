from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NotificationKind


class NotificationSettingsForm(forms.Form):
    """Per kind: in the bell (on by default) and by e-mail (off by default); the digest only
    for supervisors and admins."""

    in_app = forms.MultipleChoiceField(
        label=_("Show in the bell"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    email = forms.MultipleChoiceField(
        label=_("Also e-mail me at once"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    digest = forms.BooleanField(
        label=_("Daily digest by e-mail (supervisors and admins)"), required=False
    )

    def __init__(self, *args, can_digest: bool, has_email: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_digest:
            del self.fields["digest"]
        if not has_email:
            self.fields["email"].help_text = _("Your account has no e-mail address.")

    def clean(self):
        data = super().clean()
        if data.get("digest") is None:
            data["digest"] = False
        return data
