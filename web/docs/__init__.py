"""Interactive API docs (Scalar), served from the service's own static files."""
