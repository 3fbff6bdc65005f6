"""casetui: a keyboard-driven case management tool for social-service case managers."""

__version__ = "0.1.0"
