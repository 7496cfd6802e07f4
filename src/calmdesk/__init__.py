"""calmdesk: helps service teams handle difficult customers, offline, on their own machines."""

__version__ = "0.1.0"
__all__ = ["__version__"]
