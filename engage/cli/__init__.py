"""The command line: a thin shell of click commands over the engage library."""
