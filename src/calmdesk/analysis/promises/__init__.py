"""Promises an agent makes in a reply: what is promised, and by when (A2)."""
