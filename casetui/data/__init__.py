"""Data layer: models, database access and service functions. Never imports Textual."""
