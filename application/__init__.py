"""The service's behaviour: ports (what it needs from outside) and use cases. Imports only `domain`."""
