"""keyclients: key clients, revenue concentration and cash-gap risk from a business's own files."""

__version__ = "0.1.0"
