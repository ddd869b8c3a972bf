__version__ = "24.09.1"
