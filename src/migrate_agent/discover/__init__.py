"""Stage 1: find the project's files and read them (prefiltered, never imported)."""
