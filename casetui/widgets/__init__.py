"""Reusable widgets. They take their data as arguments and know nothing of the database."""
