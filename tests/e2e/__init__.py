"""End-to-end tests: migrated apps served on loopback against a stub workspace."""
