"""Event API simulator and collectors of the platform's event sources (DESIGN D5)."""

SOURCES = ("game", "lodging", "raid", "ads")
