from django.db import models


class Entry(models.Model):
    """One row per POST: the least a form that writes can do."""

    name = models.CharField(max_length=80)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name
