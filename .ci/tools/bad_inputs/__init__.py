"""The bad-input sweep's cases: ``common`` (shared helpers) and one module per package, each with ``cases(c)``."""
