"""The domain: plain functions taking a Session (or an Engine for bulk work), Qt-free, shared by
the GUI, the CLI and the tests."""
