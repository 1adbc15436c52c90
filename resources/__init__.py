"""Packaged data files: JSON schemas, forms, translations, icons. Loaded with importlib.resources."""
