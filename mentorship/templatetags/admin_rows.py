"""``{% result_list cl %}`` for every admin change list, drawn by mentorship.common.admin_rows."""

from django import template

from mentorship.common import admin_rows

register = template.Library()


@register.inclusion_tag("admin/change_list_results.html")
def result_list(cl):
    return admin_rows.result_list(cl)
