"""Health check blueprint."""
