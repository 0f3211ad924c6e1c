from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.html import format_html, format_html_join

from mentorship.common.admin_deletion import KeepsHistoryMixin, SummarisedDeletionMixin
from mentorship.common.admin_input import AdminInputMixin
from mentorship.common.admin_paging import LargeTableAdminMixin
from toolkit import services
from toolkit.markdown import render_markdown
from toolkit.models import Bookmark, Category, Topic


@admin.register(Category)
class CategoryAdmin(AdminInputMixin, KeepsHistoryMixin, SummarisedDeletionMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "order", "topic_count"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # Topics protect their category: say so with one query, before Django's collector
    # loads every topic (and the page lists them all).
    history_reason = "it still holds topics. Move them to another category first."

    def history_filter(self):
        return Q(Exists(Topic.objects.filter(category=OuterRef("pk"))))

    def is_history(self, category):
        return category.topics.exists()

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(topic_total=Count("topics"))

    @admin.display(description="Topics", ordering="topic_total")
    def topic_count(self, category):
        return category.topic_total


@admin.register(Topic)
class TopicAdmin(AdminInputMixin, SummarisedDeletionMixin, admin.ModelAdmin):
    list_display = ["title", "category", "stage", "audience", "minutes", "is_published"]
    list_filter = ["is_published", "category", "stage", "audience"]
    list_select_related = ["category"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview", "created_at", "updated_at"]
    actions = ["publish", "unpublish"]

    @property
    def counted_on_delete(self):
        # A topic people saved or discussed has thousands of bookmarks and of meetings'
        # links to it (the rows joining a meeting to its topics): counted, not loaded.
        joins = [rel.through for rel in Topic._meta.related_objects if rel.many_to_many]
        return (Bookmark, *joins)

    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "summary", "is_published"]}),
        ("Fit", {"fields": ["stage", "audience", "minutes"]}),
        ("Content", {"fields": ["body", "prompts", "reading"]}),
        ("Preview (as saved; scripts and unsafe HTML removed)", {"fields": ["preview"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Preview")
    def preview(self, topic):
        if not topic.pk:
            return "Save the topic to see the preview."
        # After a refused save the form's instance holds what was typed, which need not
        # be a list ("5" in the prompts box).
        typed = topic.prompts if isinstance(topic.prompts, list) else []
        prompts = format_html_join("", "<li>{}</li>", ((p,) for p in typed))
        return format_html(
            '<div class="topic-preview"><p><strong>{}</strong></p>{}'
            "<p><strong>Questions</strong></p><ul>{}</ul></div>",
            topic.summary,
            render_markdown(topic.body),
            prompts,
        )

    @admin.action(description="Publish selected topics", permissions=["change"])
    def publish(self, request, queryset):
        count = services.topics_publish(topics=queryset, published=True, acting_user=request.user)
        self.message_user(request, f"Published {count} topics.")

    @admin.action(description="Unpublish selected topics", permissions=["change"])
    def unpublish(self, request, queryset):
        count = services.topics_publish(topics=queryset, published=False, acting_user=request.user)
        self.message_user(request, f"Unpublished {count} topics.")


@admin.register(Bookmark)
class BookmarkAdmin(AdminInputMixin, LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["topic", "created_at"]
    # The user too: each row's checkbox is labelled with the bookmark's name, "<user>
    # saved <topic>", which read one user a row.
    list_select_related = ["topic", "user"]
    list_filter = ["topic__category"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
