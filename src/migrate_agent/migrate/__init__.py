"""Stage 4: migrate each file with the codemods, then the checks across the project."""
