"""Community consultations and owners' voting (Civil Code art. 278)."""
