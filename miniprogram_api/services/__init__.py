"""Use cases the mini-program adds: WeChat sign-in, binding, patrol log."""
