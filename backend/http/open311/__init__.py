"""Open311 GeoReport v2: a door onto the cases domain for civic-reporting apps."""

from backend.http.open311.keys import Open311ClientController
from backend.http.open311.routes import Open311Controller

OPEN311_CONTROLLERS = [Open311Controller, Open311ClientController]
