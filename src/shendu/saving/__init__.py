"""Model files (issue 7) and the registry of user classes that may be rebuilt from a file."""
