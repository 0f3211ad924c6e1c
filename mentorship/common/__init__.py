"""The lowest layer: pieces every app builds on, importing nothing of the apps.

models        TimeStampedModel and the append-only AuditLog
audit         audit_record: who did what, for the changes the committee answers for
lifecycle     declared state transitions and the one helper that moves a row
background    queue a Celery task by name once the transaction commits
spreadsheets  the CSV formula guard and the CSV download, for every export
admin_actions run a service over an admin selection and report each refusal
text          control characters: refused in forms, stripped from queries and names
middleware    query parameters without control characters, for every page
admin_input   the admin uses only the filters, dates and ids its pages offer
admin_site    the admin site, which builds each person's navigation once
"""
