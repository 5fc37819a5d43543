from .blueprint import blueprint

__all__ = ["blueprint"]
