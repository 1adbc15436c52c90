"""ICS form definitions as data (TOML): one file per form, ics.toml for the ICS triangle.
Loaded by models.forms with importlib.resources; the format is described in docs/forms.md."""
