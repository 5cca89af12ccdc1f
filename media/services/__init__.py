"""Media use cases: photo intake, links to owner objects, visibility, maintenance."""
