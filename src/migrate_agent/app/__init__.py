"""Stage 6: the app's own files (start_server.py, requirements.txt, runtime helpers)."""
