"""Tenant administration: the tenant's own API keys (admin scope)."""
