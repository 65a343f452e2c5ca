"""End-to-end tests in headless Chromium against a live gunicorn + worker stack."""
