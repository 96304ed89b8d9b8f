"""A three-field row for the bare views, and the bench's seed markers."""

from __future__ import annotations

from django.db import models


class BareEntry(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField()
    amount = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    # Spelled out: mypy reads the models with the test settings, where this app is absent.
    objects: models.Manager[BareEntry] = models.Manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["-created_at", "-id"], name="bare_entry_recent")]

    def __str__(self) -> str:
        return self.name


class SeedMarker(models.Model):
    """A seeding step that finished: written in the same transaction as its rows, so a
    step either is complete and recorded, or left no trace."""

    key = models.CharField(max_length=100, unique=True)
    details = models.JSONField(default=dict)
    completed_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[SeedMarker] = models.Manager()

    def __str__(self) -> str:
        return self.key
