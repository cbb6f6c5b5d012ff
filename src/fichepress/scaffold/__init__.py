"""New projects and new sheets."""
