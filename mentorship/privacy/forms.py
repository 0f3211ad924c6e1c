from crispy_forms.helper import FormHelper
from django import forms


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete my account and my personal data",
        error_messages={"required": "Tick the box to say you want your account deleted."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
