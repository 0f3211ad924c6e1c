"""The upload form of a CSV sheet checked by this package (the roster, the eligible
population): a file within the size limit, and "check only" for a dry run."""

from django import forms
from django.core.exceptions import ValidationError

from mentorship import roster


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
            f"Up to {roster.megabytes(roster.MAX_ROSTER_BYTES)}."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before it is read: the size comes from the upload's headers.
        # The limit is read here, not at import, so that it can be changed (tests do).
        limit = roster.MAX_ROSTER_BYTES
        if upload.size > limit:
            raise ValidationError(
                roster.FILE_TOO_LARGE,
                code="too_large",
                params={"size": roster.megabytes(upload.size), "limit": roster.megabytes(limit)},
            )
        return upload
