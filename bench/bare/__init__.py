"""Bare Django views, the yardstick the portal's pages are measured against."""
