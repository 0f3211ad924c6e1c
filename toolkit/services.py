"""Writes for the toolkit: bookmarks, and publishing topics (audited)."""

from django.db import transaction
from django.db.models import QuerySet

from mentorship.common.audit import audit_record
from toolkit.models import Bookmark, Topic


def bookmark_add(*, user, topic: Topic) -> Bookmark:
    # get_or_create: a double click saves once (the unique constraint backs it up).
    bookmark, _ = Bookmark.objects.get_or_create(user=user, topic=topic)
    return bookmark


def bookmark_remove(*, user, topic: Topic) -> None:
    Bookmark.objects.filter(user=user, topic=topic).delete()


@transaction.atomic
def topics_publish(*, topics: QuerySet[Topic], published: bool, acting_user) -> int:
    """Publish or unpublish topics; one audit row names the topics that changed."""
    changing = topics.exclude(is_published=published)
    titles = list(changing.order_by("title").values_list("title", flat=True))
    count = changing.update(is_published=published)
    if count:
        verb = "Published" if published else "Unpublished"
        audit_record(
            actor=acting_user,
            action="toolkit.topics_published" if published else "toolkit.topics_unpublished",
            target=None,
            summary=f"{verb} {count} topics: {', '.join(titles)}"[:1000],
            topics=titles,
        )
    return count
