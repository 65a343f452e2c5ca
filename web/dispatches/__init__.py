"""Dispatches: courses handed to another LMS, limited, domain-locked and revocable."""
