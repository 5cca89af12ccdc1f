"""Litestar routers: /mp/v1 for the mini-program, /api/v1/mp for the staff side of binding."""
