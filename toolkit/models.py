from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from mentorship.common.models import TimeStampedModel

READING_BAD_URL = "Reading links must start with http:// or https:// (got “%(url)s”)."
READING_BAD_SHAPE = "Each reading link needs a title and a url."
PROMPTS_BAD_SHAPE = "Prompts are a list of short questions."


class Category(models.Model):
    """A conversation area, and the shared vocabulary for interests and coachable topics."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


def validate_prompts(value):
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise ValidationError(PROMPTS_BAD_SHAPE, code="prompts")


def validate_reading(value):
    if not isinstance(value, list):
        raise ValidationError(READING_BAD_SHAPE, code="reading")
    for link in value:
        if not isinstance(link, dict) or not link.get("title") or not link.get("url"):
            raise ValidationError(READING_BAD_SHAPE, code="reading")
        url = str(link["url"]).strip()
        # Only web links: no javascript:, data: or relative tricks.
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError(READING_BAD_URL, code="reading_url", params={"url": url})


class TopicManager(models.Manager):
    def get_queryset(self):
        # The search vector is only for PostgreSQL's WHERE and ORDER BY: loading it would
        # move more text than the topics' bodies on every list.
        return super().get_queryset().defer("search_vector")


class Topic(TimeStampedModel):
    """A conversation starter: what to talk about, questions to ask, and further reading."""

    class Stage(models.TextChoices):
        GETTING_STARTED = "getting_started", "Getting started"
        BUILDING_SKILLS = "building_skills", "Building skills"
        LOOKING_AHEAD = "looking_ahead", "Looking ahead"

    class Audience(models.TextChoices):
        BOTH = "both", "APMs and mentors"
        APM = "apm", "APMs"
        MENTOR = "mentor", "Mentors"

    title = models.CharField(max_length=160)
    slug = models.SlugField(max_length=100, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="topics")
    summary = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown. Scripts and unsafe HTML are removed on display.")
    prompts = models.JSONField(default=list, blank=True, validators=[validate_prompts])
    reading = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_reading],
        help_text='A list of {"title": ..., "url": "https://..."}.',
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.BUILDING_SKILLS)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOTH)
    minutes = models.PositiveSmallIntegerField(default=20, help_text="Estimated time to discuss.")
    is_published = models.BooleanField("published", default=True)
    # PostgreSQL only: the full-text search document (title A, summary and category name
    # B, body C), written by a database trigger on every insert or update of a topic and
    # on every rename of its category (migration 0005), whichever code path writes them.
    # Stays empty on SQLite, whose search does not use it.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TopicManager()

    class Meta:
        ordering = ["category__order", "title"]
        indexes = [models.Index(fields=["is_published", "stage"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=240), name="topic_minutes_1_240"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("toolkit:topic", args=[self.slug])


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        # The admin's list pages through bookmarks newest first (read backwards).
        indexes = [models.Index(fields=["created_at", "id"], name="bookmark_created_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="bookmark_once_per_topic"),
        ]

    def __str__(self):
        return f"{self.user} saved {self.topic}"
