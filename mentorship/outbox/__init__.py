"""The outbox: every email is written to the Notification table first, then sent.

queue      notification_queue, in the transaction that causes the email
sending    notification_send (once per row) and the sweep for rows left behind
reminders  the daily intake nudges (the no-meeting nudge is matching.reminders)
"""
