"""What the use cases need from outside, as small Protocols. Adapters live in `infrastructure`."""
