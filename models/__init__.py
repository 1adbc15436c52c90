"""Feltmappe's domain and persistence: Qt-free, usable from scripts, the CLI and the central store."""
