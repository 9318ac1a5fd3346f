"""engage: investor engagement toolkit for automotive supply chains."""

__version__ = "0.1.0"
