"""The starter set of categories, installed by a data migration."""

from django.apps import apps as global_apps

# The shared vocabulary of the intake form (APM interests, mentor topics) and the
# toolkit. Slugs are what roster files use; keep them stable.
STARTER_CATEGORIES = [
    ("building-rapport", "Building rapport",
     "Getting to know each other, setting expectations and making the first meetings count."),
    ("government-contracting", "Government contracting",
     "How contracts, task orders and the people who manage them shape a product team's work."),
    ("product-frameworks", "Product frameworks",
     "Discovery, prioritisation, roadmaps, OKRs: how a team decides what to build."),
    ("user-research", "User research",
     "Learning from the people a service is for, within the rules for government research."),
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


def starter_categories_install(apps=global_apps) -> int:
    """Create the starter categories that are missing; never overwrite the committee's edits.

    Takes an ``apps`` registry so that the data migration can pass historical models.
    """
    category = apps.get_model("toolkit", "Category")
    created = 0
    for order, (slug, name, description) in enumerate(STARTER_CATEGORIES, start=1):
        _, was_created = category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order * 10}
        )
        created += was_created
    return created
