from toolkit.models import Bookmark, Topic


def bookmark_add(*, user, topic: Topic) -> Bookmark:
    # get_or_create: a double click saves once (the unique constraint backs it up).
    bookmark, _ = Bookmark.objects.get_or_create(user=user, topic=topic)
    return bookmark


def bookmark_remove(*, user, topic: Topic) -> None:
    Bookmark.objects.filter(user=user, topic=topic).delete()
