"""Try-on analytics for brands: anonymous events (no image, no face measurement, nothing that identifies a
person), stored through SQLAlchemy in SQLite (one machine) or PostgreSQL (a fleet), and the brand report."""
