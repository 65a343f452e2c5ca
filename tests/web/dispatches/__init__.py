"""Tests of the dispatches package."""
