"""The language of the business: entities, their rules and errors. Plain Python, no framework."""
