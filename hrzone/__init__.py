"""hrzone: heart-rate intensity zones and weekly activity minutes from a chest strap."""

__version__ = "0.1.0"
