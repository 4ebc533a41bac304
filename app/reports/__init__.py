"""The returns: one module per return builds a table object from the data; writers render it to
xlsx and pdf (later issues). Qt-free."""
