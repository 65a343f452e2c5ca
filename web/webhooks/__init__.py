"""`/api/v1/webhooks`: tenant endpoints for signed event deliveries."""
