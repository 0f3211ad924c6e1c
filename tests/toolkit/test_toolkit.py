import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from toolkit.content import starter_topics_install
from toolkit.markdown import render_markdown
from toolkit.models import Bookmark, Category, Topic

pytestmark = pytest.mark.django_db
TOPICS = reverse("toolkit:topics")


def make_topic(**kwargs):
    defaults = {
        "title": "A topic",
        "slug": f"topic-{Topic.objects.count() + 1000}",
        "category": Category.objects.get(slug="career-growth"),
        "summary": "Summary",
        "body": "Body",
        "prompts": ["What?"],
        "stage": Topic.Stage.BUILDING_SKILLS,
    }
    defaults.update(kwargs)
    return Topic.objects.create(**defaults)


class TestStarterContent:
    def test_the_migration_installs_at_least_36_topics_in_8_categories(self):
        assert Topic.objects.filter(is_published=True).count() >= 36
        assert Category.objects.filter(topics__isnull=False).distinct().count() >= 8

    def test_every_starter_topic_has_prompts_and_safe_reading_links(self):
        for topic in Topic.objects.all():
            topic.full_clean()
            assert len(topic.prompts) >= 3, topic.slug
            assert len(topic.body.split()) >= 100, topic.slug

    def test_installing_again_creates_nothing_and_keeps_committee_edits(self):
        topic = Topic.objects.get(slug="what-a-cor-does")
        topic.summary = "Edited by the committee"
        topic.save()
        counts = starter_topics_install()
        assert counts["created"] == 0
        topic.refresh_from_db()
        assert topic.summary == "Edited by the committee"

    def test_the_command_restores_deleted_topics(self, capsys):
        Topic.objects.filter(slug="what-a-cor-does").delete()
        call_command("load_toolkit_content")
        assert Topic.objects.filter(slug="what-a-cor-does").exists()
        assert "1 created" in capsys.readouterr().out


class TestMarkdownIsSafe:
    @pytest.mark.parametrize(
        ("source", "forbidden"),
        [
            ("<script>alert(1)</script>", "<script"),
            ("[click](javascript:alert(1))", "javascript:"),
            ('<img src=x onerror="alert(1)">', "onerror"),
            ('<iframe src="https://evil.example"></iframe>', "<iframe"),
            ('<a href="#" onclick="steal()">x</a>', "onclick"),
            ("<style>body{display:none}</style>", "<style"),
        ],
    )
    def test_dangerous_markup_renders_harmless(self, source, forbidden):
        assert forbidden not in render_markdown(source).lower()

    def test_ordinary_markdown_survives(self):
        html = render_markdown("**Bold** and [a link](https://section508.gov)\n\n- one\n- two")
        assert "<strong>Bold</strong>" in html
        assert 'href="https://section508.gov"' in html
        assert "<li>one</li>" in html

    def test_the_topic_page_shows_a_hostile_body_harmlessly(self, client, outsider):
        topic = make_topic(body="Hi <script>alert('x')</script> [x](javascript:alert(1))")
        client.force_login(outsider)
        page = client.get(topic.get_absolute_url()).content.decode()
        assert "<script>alert" not in page
        assert "javascript:alert" not in page

    def test_reading_links_must_be_http_or_https(self):
        topic = make_topic(reading=[{"title": "Bad", "url": "javascript:alert(1)"}])
        with pytest.raises(ValidationError) as error:
            topic.full_clean()
        assert "must start with http:// or https://" in str(error.value)


class TestBrowsing:
    def test_signed_out_visitors_are_sent_to_sign_in(self, client):
        assert client.get(TOPICS).status_code == 302

    def test_lists_published_topics_only(self, client, outsider):
        hidden = make_topic(title="Hidden draft", is_published=False)
        client.force_login(outsider)
        page = client.get(TOPICS).content.decode()
        assert "What a contracting officer" in page
        assert hidden.title not in page
        assert client.get(hidden.get_absolute_url()).status_code == 404

    def test_filters_by_category_stage_and_audience(self, client, outsider):
        client.force_login(outsider)
        response = client.get(TOPICS, {"category": "government-contracting"})
        topics = response.context["topics"]
        assert topics
        assert {t.category.slug for t in topics} == {"government-contracting"}
        response = client.get(TOPICS, {"stage": "getting_started", "audience": "mentor"})
        assert all(t.stage == "getting_started" for t in response.context["topics"])
        assert all(t.audience in ("mentor", "both") for t in response.context["topics"])

    def test_search_finds_contract_topics_first(self, client, outsider):
        client.force_login(outsider)
        topics = client.get(TOPICS, {"q": "contract"}).context["topics"]
        assert topics
        assert "contract" in (topics[0].title + topics[0].summary).lower()
        assert not client.get(TOPICS, {"q": "zzzxxqq"}).context["topics"]

    def test_unknown_filter_values_show_everything_instead_of_failing(self, client, outsider):
        client.force_login(outsider)
        response = client.get(TOPICS, {"category": "no-such", "stage": "nope"})
        assert response.status_code == 200
        assert len(response.context["topics"]) == Topic.objects.filter(is_published=True).count()

    def test_htmx_requests_get_only_the_results(self, client, outsider):
        client.force_login(outsider)
        response = client.get(TOPICS, {"q": "roadmap"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="results"')
        assert "<html" not in html

    def test_the_list_runs_a_fixed_number_of_queries(self, client, outsider):
        client.force_login(outsider)
        client.get(TOPICS)

        def count():
            with CaptureQueriesContext(connection) as captured:
                client.get(TOPICS)
            return len(captured)

        before = count()
        for i in range(20):
            Bookmark.objects.create(user=outsider, topic=make_topic(title=f"Extra {i}"))
        assert count() == before

    def test_the_topic_page_shows_prompts_reading_and_related(self, client, outsider):
        topic = Topic.objects.get(slug="section-508-and-wcag-in-practice")
        client.force_login(outsider)
        response = client.get(topic.get_absolute_url())
        page = response.content.decode()
        assert topic.prompts[0].replace("'", "&#x27;") in page
        assert "Further reading" in page
        assert list(response.context["related"])


class TestBookmarks:
    def test_save_and_remove_a_topic(self, client, outsider):
        topic = Topic.objects.get(slug="what-a-cor-does")
        client.force_login(outsider)
        client.post(reverse("toolkit:bookmark_add", args=[topic.slug]))
        client.post(reverse("toolkit:bookmark_add", args=[topic.slug]))  # a double click
        assert Bookmark.objects.filter(user=outsider, topic=topic).count() == 1
        assert list(client.get(reverse("toolkit:saved")).context["topics"]) == [topic]
        client.post(reverse("toolkit:bookmark_remove", args=[topic.slug]))
        assert not Bookmark.objects.exists()

    def test_the_saved_message_links_to_saved_topics_and_escapes_the_title(self, client, outsider):
        topic = make_topic(title="Scope <b>creep</b> & you")
        client.force_login(outsider)
        response = client.post(reverse("toolkit:bookmark_add", args=[topic.slug]), follow=True)
        page = response.content.decode()
        saved = reverse("toolkit:saved")
        assert (
            f'Saved “Scope &lt;b&gt;creep&lt;/b&gt; &amp; you”. Find it under <a href="{saved}">'
            "Saved topics</a>."
        ) in page
        # and the menu always leads there
        assert f'<a class="dropdown-item" href="{saved}">Saved topics</a>' in page

    def test_bookmarking_needs_post_and_a_published_topic(self, client, outsider):
        hidden = make_topic(is_published=False)
        client.force_login(outsider)
        assert (
            client.get(reverse("toolkit:bookmark_add", args=["what-a-cor-does"])).status_code
            == 405
        )
        assert client.post(reverse("toolkit:bookmark_add", args=[hidden.slug])).status_code == 404

    def test_bookmarks_are_private(self, client, outsider, apm):
        Bookmark.objects.create(user=apm, topic=Topic.objects.first())
        client.force_login(outsider)
        assert (
            "You haven't saved any topics yet"
            in client.get(reverse("toolkit:saved")).content.decode()
        )


class TestAdmin:
    def test_committee_sees_a_sanitised_preview(self, client, committee):
        topic = make_topic(body="Hello <script>alert(1)</script>")
        client.force_login(committee)
        page = client.get(reverse("admin:toolkit_topic_change", args=[topic.pk])).content.decode()
        assert "Hello" in page
        assert "<script>alert(1)" not in page
