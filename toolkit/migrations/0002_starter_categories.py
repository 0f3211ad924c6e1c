from django.db import migrations

# The shared vocabulary of the intake form (APM interests, mentor topics) and the
# toolkit. Slugs are what roster files use; keep them stable.
STARTER_CATEGORIES = [
    ("building-rapport", "Building rapport",
     "Getting to know each other, setting expectations and making the most of the first meetings."),
    ("government-contracting", "Government contracting",
     "How contracts, task orders and the people who manage them shape a product team's work."),
    ("product-frameworks", "Product frameworks",
     "Discovery, prioritisation, roadmaps, OKRs and the tools that help a team decide what to build."),
    ("user-research", "User research",
     "Learning from the people a service is for, within the rules that govern research in government."),
    ("accessibility", "Accessibility",
     "Section 508, WCAG and building services that everyone can use."),
    ("stakeholder-management", "Stakeholder management",
     "Working with agency partners, policy owners and your own leadership."),
    ("people-management", "People management",
     "Leading and growing a team, and deciding whether managing people is your path."),
    ("career-growth", "Career growth",
     "Promotions, career ladders, and the individual contributor and people manager tracks."),
    ("work-life-balance", "Work-life balance",
     "Protecting focus, saying no and keeping a sustainable pace."),
    ("data-and-metrics", "Data and metrics",
     "Measuring outcomes, choosing metrics and telling the story with numbers."),
    ("technical-fluency", "Technical fluency",
     "Working with engineers and designers: architecture, delivery and technical trade-offs."),
]  # fmt: skip


def add_categories(apps, schema_editor):
    category = apps.get_model("toolkit", "Category")
    for order, (slug, name, description) in enumerate(STARTER_CATEGORIES, start=1):
        category.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order * 10}
        )


def remove_categories(apps, schema_editor):
    slugs = [slug for slug, _, _ in STARTER_CATEGORIES]
    apps.get_model("toolkit", "Category").objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0001_category")]
    operations = [migrations.RunPython(add_categories, remove_categories)]
