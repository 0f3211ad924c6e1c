"""Reads for the toolkit: filtered and searched topic lists, suggestions for a pair."""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.http import Http404

from toolkit.models import Bookmark, Category, Topic

SUGGESTION_COUNT = 5
# What a topic card, a suggestion or a saved-topics line does not show: lists skip them.
NOT_ON_CARDS = ("body", "prompts", "reading")


def published_topics():
    return Topic.objects.filter(is_published=True).select_related("category")


def with_bookmarks(queryset, user):
    return queryset.annotate(
        is_bookmarked=Exists(Bookmark.objects.filter(user=user, topic=OuterRef("pk")))
    )


def topic_search(queryset, text: str):
    """Topics matching the words in ``text``, best first.

    PostgreSQL: full-text search (every word, "quoted phrases", "-exclusions") ranked
    with the title weighing most, then the summary and the category, then the body.
    SQLite: every word must appear somewhere in the title, summary, body or category;
    title matches first.
    """
    text = " ".join(text.split())[:200]
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        # The stored vector (kept by a trigger, see migration 0005) is the weighted
        # document the search once built for every topic on every request; ``@@`` lets
        # the GIN index find the topics that have all the words (as on SQLite), minus
        # any "-excluded" ones. ts_rank alone also ranked topics with only some words,
        # or with an excluded one, above zero.
        query = SearchQuery(text, search_type="websearch", config="english")
        return (
            queryset.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "title")
        )
    for word in text.split():
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(body__icontains=word)
            | Q(category__name__icontains=word)
        )
    first_word = text.split()[0]
    return queryset.annotate(
        title_hit=Case(
            When(title__icontains=first_word, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("title_hit", "category__order", "title")


def topic_list(*, user, category: str = "", stage: str = "", audience: str = "", q: str = ""):
    topics = with_bookmarks(published_topics().defer(*NOT_ON_CARDS), user)
    if category:
        topics = topics.filter(category__slug=category)
    if stage:
        topics = topics.filter(stage=stage)
    if audience:
        # "For mentors" includes topics for everyone, and likewise for APMs.
        topics = topics.filter(audience__in=[audience, Topic.Audience.BOTH])
    return topic_search(topics, q)


def categories_with_topics():
    return Category.objects.filter(topics__is_published=True).distinct().order_by("order")


def get_published_topic(*, slug: str, user) -> Topic:
    try:
        return with_bookmarks(published_topics(), user).get(slug=slug)
    except Topic.DoesNotExist:
        raise Http404("No such topic.") from None


def related_topics(topic: Topic, limit: int = 3):
    return (
        published_topics()
        .defer(*NOT_ON_CARDS)
        .filter(category=topic.category)
        .exclude(pk=topic.pk)
        .order_by("title")[:limit]
    )


def bookmarked_topics(user):
    return (
        published_topics()
        .defer(*NOT_ON_CARDS)
        .filter(bookmarks__user=user)
        .order_by("-bookmarks__created_at")
    )


def suggestion_candidates() -> list[Topic]:
    """Every published topic as a card shows it: what ``topic_suggestions`` picks from."""
    return list(published_topics().defer(*NOT_ON_CARDS))


def topic_suggestions(
    *,
    apm_interests: set[int],
    mentor_topics: set[int],
    covered: set[int],
    has_met: bool,
    audience: str,
    limit: int = SUGGESTION_COUNT,
    candidates: list[Topic] | None = None,
) -> list[Topic]:
    """Topics that fit both people of a pair, minus what they have covered.

    Categories both share (the APM's interests the mentor can coach) come first, then
    the APM's other interests. A pair that has not met yet starts with getting-started
    topics. ``audience``: the viewer's (Topic.Audience.APM or MENTOR); topics for
    everyone are always in. ``candidates`` (``suggestion_candidates()``, read once for
    several pairs) saves the query.
    """
    shared = apm_interests & mentor_topics
    wanted = apm_interests | mentor_topics
    if candidates is None:
        candidates = list(
            published_topics()
            .defer(*NOT_ON_CARDS)
            .filter(audience__in=[Topic.Audience.BOTH, audience])
            .filter(Q(category_id__in=wanted) | Q(stage=Topic.Stage.GETTING_STARTED))
            .exclude(pk__in=covered)
        )
    else:
        candidates = [
            t for t in candidates
            if t.audience in (Topic.Audience.BOTH, audience)
            and (t.category_id in wanted or t.stage == Topic.Stage.GETTING_STARTED)
            and t.pk not in covered
        ]  # fmt: skip

    def rank(topic):
        stage_first = 0 if (not has_met and topic.stage == Topic.Stage.GETTING_STARTED) else 1
        fit = (
            0 if topic.category_id in shared else (1 if topic.category_id in apm_interests else 2)
        )
        return (stage_first, fit, topic.category.order, topic.title)

    return sorted(candidates, key=rank)[:limit]
