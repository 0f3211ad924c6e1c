from django import forms

from toolkit.models import Category, Topic


class TopicFilterForm(forms.Form):
    """The toolkit's filters and search box; bad values are ignored, not errors."""

    q = forms.CharField(required=False, max_length=200, label="Search topics")
    category = forms.ChoiceField(required=False, label="Category")
    stage = forms.ChoiceField(
        required=False, label="Stage", choices=[("", "Any stage"), *Topic.Stage.choices]
    )
    audience = forms.ChoiceField(
        required=False,
        label="For",
        choices=[
            ("", "Everyone"),
            (Topic.Audience.APM, "APMs"),
            (Topic.Audience.MENTOR, "Mentors"),
        ],
    )

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        categories = categories if categories is not None else Category.objects.all()
        self.fields["category"].choices = [("", "All categories")] + [
            (c.slug, c.name) for c in categories
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            # An unknown category or stage in a hand-edited URL: show everything.
            return {"q": (self.data.get("q") or "")[:200]}
        return {key: value for key, value in self.cleaned_data.items() if value}
