"""Fixtures shared by every test area; area-specific fixtures live in tests/<area>/conftest.py."""
