"""The agent (migrated by the code side of migrate-agent; only read here)."""
