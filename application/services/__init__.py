"""What several features' use cases share: throttling, starting sessions, verification mail,
uniqueness and password checks, admin authorization and user lookup. No feature imports another."""
