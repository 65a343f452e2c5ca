"""Tests of the models and their record functions."""
