"""Package endpoints: uploads, processing, listing, details and deletion."""
