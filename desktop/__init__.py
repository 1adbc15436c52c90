"""Feltmappe's desktop application (PySide6). The command line lives here too, without Qt at import."""
