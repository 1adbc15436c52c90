"""The demo municipality's Danish texts: names of places, notifications, notes (models.demo)."""
