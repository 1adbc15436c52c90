"""Feltmappe's sync: protocol, client and the central store (Qt-free)."""
