"""Tests for the learner player."""
