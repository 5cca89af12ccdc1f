"""Chat bots (Telegram, WeChat Official Account): thin adapters over the domain services."""
