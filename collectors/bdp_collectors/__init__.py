"""Event API simulator and collectors of the platform's event sources."""

SOURCES = ("game", "lodging", "raid", "ads")
