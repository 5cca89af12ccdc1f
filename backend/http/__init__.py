"""HTTP adapters: thin Litestar controllers over the domain services."""
