"""Learner sessions API: open a session with its launch link, list, read and update."""
