"""The PySide6 user interface: thin widgets over `app.services`; no SQL here."""
