"""The starter topics, written for this project, loaded from toolkit/content/topics/*.toml.

`python manage.py load_toolkit_content` (and seed_demo, and a data migration on a new
database) creates the topics that are missing. Existing topics are the committee's to
edit and are left alone unless --update is given.
"""

import tomllib
from pathlib import Path

from django.apps import apps as global_apps

from toolkit.categories import starter_categories_install

CONTENT_DIR = Path(__file__).resolve().parent / "content" / "topics"
TOPIC_FIELDS = ("title", "summary", "body", "prompts", "reading", "stage", "audience", "minutes")


def starter_topics() -> list[dict]:
    topics = []
    for path in sorted(CONTENT_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        data.setdefault("reading", [])
        data["body"] = data["body"].strip()
        topics.append(data)
    return topics


def starter_topics_install(*, apps=global_apps, update: bool = False) -> dict[str, int]:
    """Create missing starter topics (and, with update=True, refresh existing ones)."""
    starter_categories_install(apps)
    category_model = apps.get_model("toolkit", "Category")
    topic_model = apps.get_model("toolkit", "Topic")
    categories = {c.slug: c for c in category_model.objects.all()}
    existing = {t.slug: t for t in topic_model.objects.all()}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    for data in starter_topics():
        category = categories.get(data["category"])
        if category is None:
            counts["skipped"] += 1  # the committee removed that category
            continue
        values = {field: data[field] for field in TOPIC_FIELDS}
        topic = existing.get(data["slug"])
        if topic is None:
            topic_model.objects.create(slug=data["slug"], category=category, **values)
            counts["created"] += 1
        elif update:
            for field, value in values.items():
                setattr(topic, field, value)
            topic.category = category
            topic.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts
