"""Clients, sales and the import batches they came from."""
