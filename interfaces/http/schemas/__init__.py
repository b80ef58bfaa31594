"""The contract's request and response bodies. Requests forbid unknown fields (no mass assignment)."""
