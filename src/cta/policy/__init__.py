"""The policy and reference data CTA ships, with their loaders and validation."""
