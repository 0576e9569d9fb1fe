"""What the rules read: one analysis of a module (and the project pre-pass), shared by every rule."""
