"""Configuration: the settings object and the process settings (gunicorn, embedded services)."""

from config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
