from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from matching.selectors import active_matches_of, pairs_suggestions
from toolkit import selectors, services
from toolkit.forms import TopicFilterForm
from toolkit.markdown import render_markdown


@login_required
@require_GET
def topic_list(request):
    categories = list(selectors.categories_with_topics())
    form = TopicFilterForm(request.GET or None, categories=categories)
    filters = form.filters() if request.GET else {}
    topics = list(selectors.topic_list(user=request.user, **filters))
    context = {"form": form, "topics": topics, "filters": filters}
    if request.htmx:
        # Filtering and search swap only the results; without scripts the whole page loads.
        return render(request, "toolkit/_results.html", context)
    # Suggestions for each of the viewer's pairs (a mentor of two hears about both).
    matches = list(active_matches_of(request.user))
    context.update(
        suggestions=[
            (match, topics)
            for match, topics in pairs_suggestions(matches=matches, user=request.user)
            if topics
        ],
        saved=list(selectors.bookmarked_topics(request.user)[:5]),
    )
    return render(request, "toolkit/topic_list.html", context)


@login_required
@require_GET
def topic_detail(request, slug):
    topic = selectors.get_published_topic(slug=slug, user=request.user)
    return render(
        request,
        "toolkit/topic_detail.html",
        {
            "topic": topic,
            "body_html": render_markdown(topic.body),
            "related": selectors.related_topics(topic),
        },
    )


@login_required
@require_POST
def bookmark_add(request, slug):
    topic = selectors.get_published_topic(slug=slug, user=request.user)
    services.bookmark_add(user=request.user, topic=topic)
    messages.success(
        request,
        format_html(
            'Saved “{}”. Find it under <a href="{}">Saved topics</a>.',
            topic.title,
            reverse("toolkit:saved"),
        ),
    )
    return redirect(topic)


@login_required
@require_POST
def bookmark_remove(request, slug):
    topic = selectors.get_published_topic(slug=slug, user=request.user)
    services.bookmark_remove(user=request.user, topic=topic)
    messages.success(request, f"Removed “{topic.title}” from your saved topics.")
    if request.POST.get("from") == "saved":
        return redirect("toolkit:saved")
    return redirect(topic)


@login_required
@require_GET
def saved(request):
    return render(
        request, "toolkit/saved.html", {"topics": list(selectors.bookmarked_topics(request.user))}
    )
