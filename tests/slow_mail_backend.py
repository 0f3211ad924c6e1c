"""A file email backend that takes its time, so a test can kill a worker mid-batch."""

import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(0.2)
        return super().send_messages(email_messages)
