"""The upload form of a CSV sheet checked by this package (the roster, the eligible
population): a file within the size limit, and "check only" for a dry run."""

from django import forms
from django.core.exceptions import ValidationError

from mentorship.roster.messages import FILE_TOO_LARGE
from mentorship.roster.reading import MAX_ROSTER_BYTES, megabytes


class CsvUploadForm(forms.Form):
    file_label = "File (CSV)"
    rows = "One row per person"

    file = forms.FileField()
    dry_run = forms.BooleanField(
        required=False,
        label="Check only (dry run): look for problems without importing anything",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = self.file_label
        self.fields["file"].help_text = (
            f"{self.rows} below a header row naming the columns. "
            f"Up to {megabytes(MAX_ROSTER_BYTES)}."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before it is read: the size comes from the upload's headers.
        if upload.size > MAX_ROSTER_BYTES:
            raise ValidationError(
                FILE_TOO_LARGE,
                code="too_large",
                params={"size": megabytes(upload.size), "limit": megabytes(MAX_ROSTER_BYTES)},
            )
        return upload
