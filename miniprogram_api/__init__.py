"""The WeChat mini-program's HTTP API: a thin adapter over the domain services."""
