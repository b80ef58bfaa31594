"""Alembic's environment and revisions for the SQL schema; AlembicMigrator finds them here."""
